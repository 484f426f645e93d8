"""PPI, the Per-Packet Information header (LINKTYPE_PPI, 192): the capture card's radio
facts in front of each 802.11 frame (CACE Technologies' PPI specification 1.0.10).

An 8-byte header, little-endian like the whole format (version, flags, the header's length,
the DLT of the frame that follows), then fields, each a type and a length (4 bytes) and
its data. Decoded as Wireshark names them: 802.11-Common (type 2: TSF timer, flags, rate,
channel, signal and noise), 802.11n MAC (3), 802.11n MAC+PHY (4); other types show their
type and length. The frame after the header goes to its DLT (802.11, Ethernet); when
802.11-Common's flags say the frame ends with an FCS, the 802.11 layer is told (ctx.fcs_len).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..protocol import (
    DATA,
    HEX,
    LINKTYPES,
    U8,
    U16,
    U32,
    Bits,
    Field,
    FieldSpec,
    Flag,
    Int,
    Layer,
    Osi,
    Protocol,
    bind_linktype,
    lookup,
)

LINKTYPE_PPI = 192
MAX_FIELDS = 64  # PPI fields read per frame (each takes at least 4 bytes anyway)
FIELD_TYPES = {2: "802.11-Common", 3: "802.11n MAC Extensions", 4: "802.11n MAC+PHY Extensions",
               5: "Spectrum Map", 6: "Process Info", 7: "Capture Info", 8: "Aggregation Extension",
               9: "802.3 Extension"}  # fmt: skip


@dataclass(slots=True)
class PpiState:
    """The fields tail() found: (position, type, length) each, for detail()."""

    fields: list[tuple[int, int, int]]


def _describe(layer: Layer) -> str:
    return f"PPI version {layer.value('ppi.version')}, {layer.value('ppi.length')} bytes"


PPI = Protocol(
    "ppi", "PPI Packet Header", osi=Osi.PHYSICAL, short="PPI", byteorder="<",
    header=(
        U8("ppi.version", "Version", explain="The PPI format version: 0."),
        U8("ppi.flags", "Flags", base=HEX, explain="Bit 0: the fields are 32-bit aligned.",
           children=(Flag("ppi.flags.alignment", "Alignment", 0x01,
                          explain="Set: each field starts on a 4-byte boundary."),
                     Bits("ppi.flags.reserved", "Reserved", mask=0xFE, base=HEX,
                          explain="Unused: zero."))),
        U16("ppi.length", "Header length",
            explain="Bytes of the PPI header, its fields included: the frame starts after."),
        U32("ppi.dlt", "DLT", explain="The link type of the frame after the header "
            "(105: 802.11, 1: Ethernet)."),
    ),
    describe=_describe, state=PpiState, colour="#bcbcbc",
    explain="PPI is a header the capture tool puts in front of each wireless frame: what the "
    "radio saw (channel, rate, signal and noise strength, timing), not sent on the air.",
)  # fmt: skip


def _le(data: Any, p: int, n: int, signed: bool = False) -> int:
    return int.from_bytes(bytes(data[p : p + n]), "little", signed=signed)


FIELD_TYPE = Int("ppi.field_type", "Field type", names=FIELD_TYPES,
                 explain="What the field holds (2: 802.11-Common, 4: 802.11n MAC+PHY, ...).")  # fmt: skip
FIELD_LEN = Int("ppi.field_len", "Field length", explain="Bytes of the field's data.")
TITLE = Int("ppi.field", "", names=FIELD_TYPES, text=lambda v: FIELD_TYPES.get(v, f"Unknown ({v})"),
            explain="One PPI field: its type, length and data.")  # fmt: skip


def _flags(prefix: str, items: tuple[tuple[str, str, int], ...]) -> tuple[FieldSpec, ...]:
    return tuple(
        Flag(f"{prefix}.{n}", label, mask, explain=f"{label}.") for n, label, mask in items
    )


CHANNEL_FLAGS = (("turbo", "Turbo", 0x10), ("cck", "Complementary Code Keying (CCK)", 0x20),
                 ("ofdm", "Orthogonal Frequency-Division Multiplexing (OFDM)", 0x40),
                 ("2ghz", "2 GHz spectrum", 0x80), ("5ghz", "5 GHz spectrum", 0x100),
                 ("passive", "Passive", 0x200), ("dynamic", "Dynamic CCK-OFDM", 0x400),
                 ("gfsk", "Gaussian Frequency Shift Keying (GFSK)", 0x800))  # fmt: skip
C = "ppi.80211-common"
COMMON = (  # (spec, size, signed, flag children)
    (Int(f"{C}.tsft", "TSFT", explain="The radio's 64-bit timer when the frame arrived (µs)."), 8, False, ()),
    (Int(f"{C}.flags", "Flags", base=HEX, explain="FCS present, TSFT in ms, FCS bad, PHY error."), 2, False,
     _flags(f"{C}.flags", (("fcs", "FCS present flag", 0x1), ("tsft", "TSFT flag", 0x2),
                           ("fcs-invalid", "FCS validity", 0x4), ("phy-err", "PHY error flag", 0x8)))),
    (Int(f"{C}.rate", "Data rate", text=lambda v: f"{v / 1000:.1f} Mbps",
         explain="The rate the frame was sent at (sent in 500 kbit/s units)."), 2, False, ()),
    (Int(f"{C}.chan.freq", "Channel frequency", explain="The channel's centre frequency (MHz)."), 2, False, ()),
    (Int(f"{C}.chan.flags", "Channel flags", base=HEX, explain="Band and modulation."), 2, False,
     _flags(f"{C}.chan.flags", CHANNEL_FLAGS)),
    (Int(f"{C}.fhss.hopset", "FHSS hopset", base=HEX, explain="Frequency hopping: the hop set."), 1, False, ()),
    (Int(f"{C}.fhss.pattern", "FHSS pattern", base=HEX, explain="Frequency hopping: the pattern."), 1, False, ()),
    (Int(f"{C}.dbm.antsignal", "dBm antenna signal", explain="Signal strength (dBm)."), 1, True, ()),
    (Int(f"{C}.dbm.antnoise", "dBm antenna noise", explain="Noise level (dBm)."), 1, True, ()),
)  # fmt: skip
M = "ppi.80211n-mac"
MAC = (
    (Int(f"{M}.flags", "MAC flags", base=HEX, explain="802.11n reception flags."), 4, False,
     _flags(f"{M}.flags", (("greenfield", "Greenfield flag", 0x1), ("ht20_40", "HT20/HT40 flag", 0x2),
                           ("rx.short_guard_interval", "RX Short Guard Interval (SGI) flag", 0x4),
                           ("rx.duplicate", "Duplicate RX flag", 0x8), ("agg", "Aggregate flag", 0x10),
                           ("more_agg", "More aggregates flag", 0x20),
                           ("delim_crc_error_after",
                            "A-MPDU Delimiter CRC error after this frame flag", 0x40)))),
    (Int(f"{M}.ampdu_id", "AMPDU-ID", base=HEX, explain="Which A-MPDU the frame came in."), 4, False, ()),
    (Int(f"{M}.num_delimiters", "Num-Delimiters", explain="Zero-length delimiters after it."), 1, False, ()),
)  # fmt: skip
P = "ppi.80211n-mac-phy"
E = "ppi.80211-mac-phy.ext-chan"
PHY = (
    (Int(f"{P}.mcs", "MCS", explain="The modulation and coding scheme index."), 1, False, ()),
    (Int(f"{P}.num_streams", "Number of spatial streams", explain="Spatial streams."), 1, False, ()),
    *((Int(f"{P}.rssi.{n}", label, explain=f"{label} (255: invalid)."), 1, False, ())
      for n, label in (("combined", "RSSI combined"), ("ant0ctl", "Antenna 0 control RSSI"),
                       ("ant1ctl", "Antenna 1 control RSSI"), ("ant2ctl", "Antenna 2 control RSSI"),
                       ("ant3ctl", "Antenna 3 control RSSI"), ("ant0ext", "Antenna 0 extension RSSI"),
                       ("ant1ext", "Antenna 1 extension RSSI"), ("ant2ext", "Antenna 2 extension RSSI"),
                       ("ant3ext", "Antenna 3 extension RSSI"))),
    (Int(f"{E}.freq", "Extended channel frequency", explain="The extension channel (MHz)."), 2, False, ()),
    (Int(f"{E}.flags", "Channel flags", base=HEX, explain="The extension channel's flags."), 2, False,
     _flags(f"{E}.flags", CHANNEL_FLAGS)),
    *((Int(f"{P}.dbmant{a}.{k}", f"dBm antenna {a} {k}", explain=f"Antenna {a}'s {k} (dBm)."), 1, True, ())
      for a in range(4) for k in ("signal", "noise")),
    *((Int(f"{P}.evm{a}", f"EVM-{a}", explain=f"Error vector magnitude, stream {a}."), 4, False, ())
      for a in range(4)),
)  # fmt: skip
RESERVED = Int(f"{M}.reserved", "Reserved", base=HEX, explain="Unused.")
# 802.11n MAC+PHY: the MAC field's values without its reserved bytes, then the PHY's.
LAYOUTS = {2: COMMON, 3: (*MAC, (RESERVED, 3, False, ())), 4: (*MAC, *PHY)}
RATE_UNIT = 500  # 802.11-Common's rate counts 500 kbit/s; Wireshark's value is in kbit/s


def _tail(data: Any, layer: Layer) -> None:
    """The fields' extent, the FCS flag, and the frame's protocol by the DLT."""
    pos, end = layer.pos, layer.payload_end
    length = layer.value("ppi.length")
    if length < 8 or pos + length > end:
        layer.issue("error", "malformed", "ppi.length.bad",
                    f"Header length {length} does not fit the {end - pos} bytes", pos + 2, 2)  # fmt: skip
        length = max(8, min(length, end - pos))
    fields: list[tuple[int, int, int]] = []
    fcs = 0
    p, stop = pos + 8, pos + length
    for _i in range(MAX_FIELDS):
        if p + 4 > stop:
            break
        kind, n = _le(data, p, 2), _le(data, p + 2, 2)
        if p + 4 + n > stop:
            layer.issue("error", "malformed", "ppi.field_len.bad",
                        f"Field length {n} runs past the header's end", p + 2, 2)  # fmt: skip
            break
        fields.append((p, kind, n))
        if kind == 2 and n >= 10 and _le(data, p + 12, 2) & 0x1:
            fcs = 4  # 802.11-Common: the frame ends with its FCS
        p += 4 + n
    layer.state = PpiState(fields)
    layer.hdr_len = length
    layer.payload_pos = pos + length
    if fcs and end - layer.payload_pos >= fcs:
        # the FCS is the frame's (the link layer above shows it), not its payload's
        layer.packet.ctx.fcs_len = fcs
        layer.payload_end = end - fcs
    first = LINKTYPES.get(layer.value("ppi.dlt"))  # a DLT is a link type
    nxt = lookup(*first) if isinstance(first, tuple) else first
    layer.next = nxt if nxt is not None else DATA


def _detail(data: Any, layer: Layer) -> None:
    if layer.state is None:
        return
    for p, kind, n in layer.state.fields:
        node = layer.add(TITLE, p, 4 + n, kind)
        layer.add(FIELD_TYPE, p, 2, kind, 0, node)
        layer.add(FIELD_LEN, p + 2, 2, n, 0, node)
        _values(data, layer, node, LAYOUTS.get(kind, ()), p + 4, p + 4 + n)


def _values(data: Any, layer: Layer, node: Field, layout: tuple, p: int, end: int) -> None:
    for spec, size, signed, flags in layout:
        if p + size > end:
            return
        if spec is not None:
            value = _le(data, p, size, signed)
            value = value * RATE_UNIT if spec.name == COMMON[2][0].name else value
            f = layer.add(spec, p, size, value, 0, node)
            for flag in flags:
                layer.add(flag, p, size, bool(value & flag.mask), flag.mask, f)
        p += size


PPI.tail = _tail
PPI.detail = _detail

bind_linktype(LINKTYPE_PPI, PPI)
