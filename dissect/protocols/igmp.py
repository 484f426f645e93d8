"""Internet Group Management Protocol: version 1 (RFC 1112), 2 (RFC 2236), 3 (RFC 9776).

Hosts tell routers which multicast groups they want (reports, leaves); routers ask
(queries). The message type and its length give the version, as Wireshark decides it: a
query of 8 bytes is version 1 when its maximum response time is 0, else 2; a longer one is
version 3. The checksum covers the whole message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..protocol import (
    DATA,
    HEX,
    U8,
    U16,
    Bits,
    Bytes,
    Checksum,
    Flag,
    Int,
    IPv4,
    Layer,
    Osi,
    Protocol,
    Str,
    bind,
    ipv4_str,
    uint_at,
)

QUERY, V1_REPORT, V2_REPORT, LEAVE, V3_REPORT = 0x11, 0x12, 0x16, 0x17, 0x22
TYPE_NAMES = {
    0x11: "Membership Query", 0x12: "Membership Report", 0x13: "DVMRP",
    0x14: "PIM version 1", 0x15: "Cisco Trace Messages", 0x16: "Membership Report",
    0x17: "Leave Group", 0x1E: "Traceroute Response", 0x1F: "Traceroute Query or Request",
    0x22: "Membership Report", 0x30: "Multicast Router Advertisement",
    0x31: "Multicast Router Solicitation", 0x32: "Multicast Router Termination",
}  # fmt: skip
RECORD_TYPES = {
    1: "Mode Is Include", 2: "Mode Is Exclude", 3: "Change To Include Mode",
    4: "Change To Exclude Mode", 5: "Allow New Sources", 6: "Block Old Sources",
}  # fmt: skip
MAX_ITEMS = 1024  # sources and records walked per message (a 64 KiB datagram holds fewer)


@dataclass(slots=True)
class IgmpState:
    """What tail() found, for the Info column: the version and the group record texts."""

    version: int  # 1, 2 or 3; 0 for a type this decoder does not know
    info: str  # the Info column, made once


def _explain_type(value: int, layer: Layer) -> str:
    what = {
        QUERY: "a router asks which multicast groups hosts on the link want",
        V1_REPORT: "a host says it wants a multicast group (version 1)",
        V2_REPORT: "a host says it wants a multicast group (version 2)",
        LEAVE: "a host says it no longer wants a group",
        V3_REPORT: "a host lists the groups, and the sources, it wants",
    }.get(value, "a type this tool does not decode")
    return f"Type 0x{value:02x}: {what}."


VERSION = Int("igmp.version", "IGMP Version", generated=True,
              explain="Which IGMP version this message is, worked out from its type and length.")  # fmt: skip
TYPE = U8("igmp.type", "Type", base=HEX, names=TYPE_NAMES, explain=_explain_type)
CHECKSUM = U16("igmp.checksum", "Checksum", base=HEX, at=2,
               explain="The Internet checksum over the whole IGMP message.")  # fmt: skip
RESERVED = Bytes("igmp.reserved", "Reserved",
                 explain="Reserved: zero when sent, ignored when received.")  # fmt: skip
MAX_RESP = U8("igmp.max_resp", "Max Resp Time",
              text=lambda v: f"{v / 10:.1f} sec",
              explain="The longest time, in tenths of a second, hosts may wait before they "
              "answer this query (they wait a random part of it).")  # fmt: skip
MAX_RESP_EXP = Bits("igmp.max_resp.exp", "Exponent", mask=0x70, base=HEX,
                    explain="The exponent of a large maximum response code.")  # fmt: skip
MAX_RESP_MANT = Bits("igmp.max_resp.mant", "Mantissa", mask=0x0F, base=HEX,
                     explain="The mantissa of a large maximum response code.")  # fmt: skip
MADDR = IPv4("igmp.maddr", "Multicast Address",
             explain="The multicast group this message is about (0.0.0.0: every group).")  # fmt: skip
S_FLAG = Flag("igmp.s", "S", 0x08,
              text=lambda v: "SUPPRESS router side processing" if v
              else "Do not suppress router side processing",
              explain="Set when routers that hear this query should not update their timers.")  # fmt: skip
QRV = Bits("igmp.qrv", "QRV", mask=0x07,
           explain="Querier's robustness variable: how many times messages are repeated "
           "against loss.")  # fmt: skip
QQIC = U8("igmp.qqic", "QQIC", explain="Querier's query interval code: how often it queries.")
NUM_SRC = U16("igmp.num_src", "Num Src", explain="How many source addresses follow.")
SADDR = IPv4("igmp.saddr", "Source Address", explain="A source of the group's traffic.")
NUM_GRP_RECS = U16("igmp.num_grp_recs", "Num Group Records",
                   explain="How many group records follow.")  # fmt: skip
RECORD = Str("igmp.record", "",
             explain="One group record: a group and what the host wants from its sources.")  # fmt: skip
RECORD_TYPE = U8("igmp.record_type", "Record Type", names=RECORD_TYPES,
                 explain="Whether the host takes only the listed sources (include), all but "
                 "them (exclude), or changes its list.")  # fmt: skip
AUX_DATA_LEN = U8("igmp.aux_data_len", "Aux Data Len",
                  explain="Words (4 bytes) of auxiliary data after the sources.")  # fmt: skip
AUX_DATA = Bytes("igmp.aux_data", "Aux Data", explain="Auxiliary data (none is defined).")
DATA_FIELD = Bytes("igmp.data", "Data", explain="The bytes of a message type not decoded here.")

IGMP = Protocol(
    "igmp", "Internet Group Management Protocol", osi=Osi.NETWORK, short="IGMP",
    header=(TYPE, CHECKSUM),
    checksum=Checksum("igmp.checksum"),
    state=IgmpState,
    colour="#ffd7af",
    explain="IGMP lets hosts tell the routers on their link which multicast groups they want "
    "to receive, so routers forward only the multicast traffic someone listens to.",
)  # fmt: skip


def _version(itype: int, length: int, byte1: int) -> int:
    if itype == QUERY:
        if length == 8:
            return 1 if byte1 == 0 else 2
        return 3 if length >= 12 else 0
    return {V1_REPORT: 1, V2_REPORT: 2, LEAVE: 2, V3_REPORT: 3}.get(itype, 0)


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    itype = data[pos]
    version = _version(itype, end - pos, data[pos + 1])
    layer.values = None  # the fields are made here, in Wireshark's order
    if version:
        layer.add(VERSION, pos, 0, version)
    layer.add(TYPE, pos, 1, itype)
    if version == 3 and itype == V3_REPORT:
        info = _v3_report(data, layer, pos, end)
    elif version == 3:
        info = _v3_query(data, layer, pos, end)
    elif version:
        info = _v1_v2(data, layer, itype, version, pos, end)
    else:  # as Wireshark: the rest as data, no checksum checked
        if end > pos + 1:
            layer.add(DATA_FIELD, pos + 1, end - pos - 1, bytes(data[pos + 1 : end]))
        info = f"Unknown Type:0x{itype:02x}"
        layer.stop()
    layer.state = IgmpState(version, info)
    layer.hdr_len = end - pos
    layer.payload_pos = end
    layer.next = DATA


def _v1_v2(data: Any, layer: Layer, itype: int, version: int, pos: int, end: int) -> str:
    if version == 1:
        layer.add(RESERVED, pos + 1, 1, bytes(data[pos + 1 : pos + 2]))
    else:
        layer.add(MAX_RESP, pos + 1, 1, data[pos + 1])
    layer.add(CHECKSUM, pos + 2, 2, uint_at(data, pos + 2, 2))
    if end - pos < 8:
        layer.short(8, "IGMP message")
        return TYPE_NAMES[itype]
    group = ipv4_str(bytes(data[pos + 4 : pos + 8]))
    layer.add(MADDR, pos + 4, 4, group)
    if itype == QUERY:
        if version == 1:
            return "Membership Query"
        return "Membership Query, " + (
            "general" if group == "0.0.0.0" else f"specific for group {group}"
        )
    if itype == V2_REPORT:
        return f"Membership Report group {group}"
    if itype == LEAVE:
        return f"Leave Group {group}"
    return "Membership Report"


def _max_resp_code(code: int) -> int:
    """RFC 9776 4.1.1: codes from 128 are a floating-point number."""
    return code if code < 128 else ((code & 0x0F) | 0x10) << (((code >> 4) & 0x07) + 3)


def _v3_query(data: Any, layer: Layer, pos: int, end: int) -> str:
    code = data[pos + 1]
    resp = layer.add(MAX_RESP, pos + 1, 1, _max_resp_code(code))
    if code >= 128:  # the floating-point form's two parts
        layer.add(MAX_RESP_EXP, pos + 1, 1, (code >> 4) & 7, mask=0x70, parent=resp)
        layer.add(MAX_RESP_MANT, pos + 1, 1, code & 0x0F, mask=0x0F, parent=resp)
    layer.add(CHECKSUM, pos + 2, 2, uint_at(data, pos + 2, 2))
    group = ipv4_str(bytes(data[pos + 4 : pos + 8]))
    layer.add(MADDR, pos + 4, 4, group)
    layer.add(S_FLAG, pos + 8, 1, bool(data[pos + 8] & 0x08), mask=0x08)
    layer.add(QRV, pos + 8, 1, data[pos + 8] & 0x07, mask=0x07)
    layer.add(QQIC, pos + 9, 1, data[pos + 9])
    count = uint_at(data, pos + 10, 2)
    layer.add(NUM_SRC, pos + 10, 2, count)
    sources = _sources(data, layer, pos + 12, end, count, None)
    info = "Membership Query, " + (
        "general" if group == "0.0.0.0" else f"specific for group {group}"
    )
    if sources:
        info += f", source{'s' if len(sources) > 1 else ''} {{{', '.join(sources)}}}"
    return info


def _sources(data: Any, layer: Layer, i: int, end: int, count: int, parent: Any) -> list[str]:
    out: list[str] = []
    for _ in range(min(count, MAX_ITEMS)):
        if i + 4 > end:
            layer.short(i + 4 - layer.pos, "IGMP source address")
            break
        out.append(ipv4_str(bytes(data[i : i + 4])))
        layer.add(SADDR, i, 4, out[-1], parent=parent)
        i += 4
    return out


def _v3_report(data: Any, layer: Layer, pos: int, end: int) -> str:
    layer.add(RESERVED, pos + 1, 1, bytes(data[pos + 1 : pos + 2]))
    layer.add(CHECKSUM, pos + 2, 2, uint_at(data, pos + 2, 2))
    if end - pos < 8:
        layer.short(8, "IGMP membership report")
        return "Membership Report"
    layer.add(RESERVED, pos + 4, 2, bytes(data[pos + 4 : pos + 6]))
    count = uint_at(data, pos + 6, 2)
    layer.add(NUM_GRP_RECS, pos + 6, 2, count)
    info, i = "Membership Report", pos + 8
    for _ in range(min(count, MAX_ITEMS)):
        if i + 8 > end:
            layer.short(i + 8 - pos, "IGMP group record")
            break
        text, i = _record(data, layer, i, end)
        info += text
    return info


def _record(data: Any, layer: Layer, i: int, end: int) -> tuple[str, int]:
    """One group record; returns its Info text and where the next starts."""
    rtype, aux, count = data[i], data[i + 1], uint_at(data, i + 2, 2)
    group = ipv4_str(bytes(data[i + 4 : i + 8]))
    size = min(8 + 4 * count + 4 * aux, end - i)
    title = f"Group Record : {group}  {RECORD_TYPES.get(rtype, 'Unknown')}"
    rec = layer.add(RECORD, i, size, title)
    layer.add(RECORD_TYPE, i, 1, rtype, parent=rec)
    layer.add(AUX_DATA_LEN, i + 1, 1, aux, parent=rec)
    layer.add(NUM_SRC, i + 2, 2, count, parent=rec)
    layer.add(MADDR, i + 4, 4, group, parent=rec)
    sources = _sources(data, layer, i + 8, end, count, rec)
    j = i + 8 + 4 * len(sources)
    if aux and len(sources) == count:
        stop = min(j + 4 * aux, end)
        layer.add(AUX_DATA, j, stop - j, bytes(data[j:stop]), parent=rec)
        if stop < j + 4 * aux:
            layer.short(j + 4 * aux - layer.pos, "IGMP auxiliary data")
        j = stop
    return _record_info(rtype, group, sources, count), j


def _record_info(rtype: int, group: str, sources: list[str], count: int) -> str:
    """Wireshark's words for a group record in the Info column; it writes the sources as it
    reads them, so a list cut short stays open."""
    plural = "s" if count > 1 else ""
    listed = "{" + ", ".join(sources) + ("}" if len(sources) == count else "")
    if rtype in (1, 3):
        if not count:
            return f" / Leave group {group}"
        return f" / Join group {group} for source{plural}{' in' if plural else ''} {listed}"
    if rtype in (2, 4):
        if not count:
            return f" / Join group {group} for any sources"
        return f" / Join group {group}, for source{plural} not{' in' if plural else ''} {listed}"
    if rtype in (5, 6):
        if not count:
            what = "ALLOW_NEW" if rtype == 5 else "BLOCK_OLD"
            return f" / Group {group}, {what}_SOURCES but no source specified (?)"
        word = "new" if rtype == 5 else "block"
        return f" / Group {group}, {word} source{plural} {listed}"
    more = f", sources {listed}" if count else ""
    return f" / Group {group}, unknown record type (?){more}"


def _info(layer: Layer) -> str:
    state = layer.state
    return state.info if state is not None else "IGMP"


IGMP.tail = _tail
IGMP.info = _info

bind("ip.proto", 2, IGMP)
