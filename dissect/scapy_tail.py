"""The long tail through scapy: where layerscope's decoders stop at `data` and scapy knows
the bytes (by its own port and type bindings, or a Decode As rule naming one of its layers:
dissect/decode_as.py), scapy decodes them.

Only after a carrier that looks its payload up in a dispatch table (a protocol declared
with `next_by`: Ethernet, IP, TCP, UDP...) and found nothing there: data that is a payload
by definition (an echo request's bytes, an HTTP body) is not unknown, and handing it to
scapy would cost half a millisecond a packet for nothing.

Only where one packet is looked at -- the TUI's selected packet, `-V`, `-T json`, a display
filter naming a `scapy.` field -- never in the index, the list rows or the bulk filters:
`extend(pkt)` is called by those views on a packet already decoded. Each scapy layer becomes
a layer of protocol "scapy", titled "<scapy's name> (decoded by scapy)", so the tree, the
JSON and the hex legend say who decoded it. Field names are Wireshark's where WIRESHARK_NAMES
knows the mapping, else `scapy.<layer>.<field>` (lower case). Spans come from scapy's own
dissection: each field's `getfield` is replayed over the layer's bytes, so a field spans the
bytes (and, for bit fields, the bits) it consumed; a layer whose bytes cannot be located that
way is shown as one span.

scapy is an optional extra (GPL-licensed; this module only calls it): without it, or when it
fails, takes too long (TIME_LIMIT) or decodes nothing past our layers, the packet keeps its
`data` layer. Nothing here raises.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from .engine import DATA, FIELDS, FieldSpec, Layer, Osi, Packet, Protocol, safe_text

log = logging.getLogger(__name__)

TIME_LIMIT = 0.5  # seconds one packet may spend in scapy
MAX_BYTES = 65536  # frames longer than this are not handed to scapy
MAX_LAYERS = 16  # scapy layers taken from one packet
# (scapy layer class, scapy field) -> Wireshark's filter name, for layers Wireshark knows.
WIRESHARK_NAMES = {
    ("RIP", "cmd"): "rip.command", ("RIP", "version"): "rip.version",
    ("RIPEntry", "AF"): "rip.family", ("RIPEntry", "addr"): "rip.ip",
    ("RIPEntry", "mask"): "rip.netmask", ("RIPEntry", "nextHop"): "rip.next_hop",
    ("RIPEntry", "metric"): "rip.metric", ("RIPEntry", "RouteTag"): "rip.route_tag",
    ("HSRP", "version"): "hsrp.version", ("HSRP", "opcode"): "hsrp.opcode",
    ("HSRP", "state"): "hsrp.state", ("HSRP", "priority"): "hsrp.priority",
    ("HSRP", "group"): "hsrp.group", ("HSRP", "virtualIP"): "hsrp.virt_ip",
    ("RadiusAttribute", "type"): "radius.avp.type", ("Radius", "code"): "radius.code",
    ("Radius", "id"): "radius.id", ("Radius", "len"): "radius.length",
    ("Radius", "authenticator"): "radius.authenticator",
    ("L2TP", "tunnel_id"): "l2tp.tunnel", ("L2TP", "session_id"): "l2tp.session",
    ("ISAKMP", "init_cookie"): "isakmp.ispi", ("ISAKMP", "resp_cookie"): "isakmp.rspi",
    ("ISAKMP", "exch_type"): "isakmp.exchtype",
}  # fmt: skip
SKIPPED = frozenset({"Raw", "Padding", "NoPayload"})

SCAPY = Protocol(
    "scapy", "Decoded by scapy", osi=Osi.APPLICATION, short="SCAPY", colour="#d7af87",
    describe=lambda layer: f"{layer.state or 'scapy'} (decoded by scapy)",
    explain="A protocol layerscope has no decoder for, decoded by scapy (an optional "
    "library): its field names are scapy's unless Wireshark's are known.",
)  # fmt: skip


def installed() -> bool:
    """Whether scapy can be imported, without importing it (that takes about a second):
    a run imports scapy on the first packet that needs it, most runs on none."""
    import importlib.util

    try:
        return importlib.util.find_spec("scapy") is not None
    except (ImportError, ValueError):
        return False


def available() -> bool:
    """Whether scapy is installed; its layers are loaded here once (seconds, so outside the
    per-packet time limit)."""
    try:
        import scapy.all  # noqa: F401  (loads scapy's layers and their bindings)
        from scapy.config import conf

        if not _WARM:  # scapy imports more on its first dissection: not in a packet's time
            conf.l2types.get(1)(bytes(42))
            _WARM.append(True)
    except Exception:  # ImportError, or a scapy that fails to start: the tail stays data
        return False
    return True


_WARM: list[bool] = []  # [True] once scapy has dissected a first packet


def wanted(pkt: Packet) -> bool:
    """Whether scapy would be asked about this packet: its trailing `data` layer follows a
    carrier that found nothing in its dispatch table. Answered without loading scapy, so
    a viewer loads scapy (seconds) only for a packet that needs it."""
    layers = pkt.layers
    if len(layers) < 3 or layers[-1].protocol is not DATA or pkt.caplen > MAX_BYTES:
        return False
    if layers[-2].protocol.next_by is None:
        return False  # a payload by definition (a ping's data, an HTTP body): not unknown
    if pkt.ctx.fragment:
        return False  # a piece of a datagram whose protocol is known: it waits for the rest
    return not any(la.protocol is SCAPY for la in layers)


def extend(pkt: Packet) -> Packet:
    """Replace the packet's trailing `data` layer with what scapy decodes there (in place;
    returned for chaining). A packet without one, or that scapy adds nothing to, is left
    as it was."""
    try:
        if not wanted(pkt) or not available():
            return pkt
        built = _bounded(pkt, _decoded_as(pkt.layers[-2]))
        if built:
            data = pkt.layers.pop()
            pkt.layers.extend(built)
            _rest_as_data(pkt, data)
    except Exception:  # scapy is outside our control: the packet stays as decoded
        log.debug("scapy tail failed", exc_info=True)
    return pkt


def layer_class(name: str) -> Any:
    """scapy's layer class of this name (as `ls()` lists it), or None."""
    if not available():
        return None
    from scapy.config import conf

    for cls in conf.layers:
        if cls.__name__ == name and cls.__name__ not in SKIPPED:
            return cls
    return None


def layer_names() -> list[str]:
    """The names of scapy's layers a Decode As rule may use (empty without scapy)."""
    if not available():
        return []
    from scapy.config import conf

    return sorted({c.__name__ for c in conf.layers if c.__name__ not in SKIPPED and c.fields_desc})


def _decoded_as(carrier: Layer) -> Any:
    """The scapy layer class a Decode As rule gives the carrier's payload, or None."""
    from . import decode_as

    if not decode_as.RULES or carrier.protocol.next_by is None:
        return None
    table, names = carrier.protocol.next_by
    for name in names:
        value = carrier.value(name)
        if type(value) is int:
            layer = decode_as.scapy_layer(table, value)
            if layer is not None:
                return layer_class(layer)
    return None


def _bounded(pkt: Packet, cls: Any = None) -> list[Layer]:
    """scapy's layers for the packet (from the trailing data as `cls` when a Decode As rule
    names one), or none when it takes longer than TIME_LIMIT (the thread is left to finish;
    its result is dropped)."""
    out: list[list[Layer]] = []

    def work() -> None:
        try:
            out.append(_scapy_layers(pkt) if cls is None else _layers_from(pkt, cls))
        except Exception:
            log.debug("scapy failed on packet %s", pkt.number, exc_info=True)

    t = threading.Thread(target=work, name="scapy-tail", daemon=True)
    t.start()
    t.join(TIME_LIMIT)
    if t.is_alive() or not out:
        if t.is_alive():
            pkt.layers[-1].issue("note", "protocol", "scapy.timeout",
                                 f"scapy took longer than {TIME_LIMIT} s: left as data")  # fmt: skip
        return []
    return out[0]


def _scapy_layers(pkt: Packet) -> list[Layer]:
    from scapy.config import conf

    cls = conf.l2types.get(pkt.linktype)
    if cls is None:
        return []
    top = cls(pkt.data)
    start = pkt.layers[-1].pos
    pos, layers, layer = 0, [], top
    for _ in range(64):  # scapy stacks are short; bounded anyway
        if layer is None or type(layer).__name__ in SKIPPED:
            break
        hdr = _header_len(layer)
        if hdr is None:
            break
        if pos >= start and len(layers) < MAX_LAYERS:
            layers.append(_layer(pkt, layer, pos, hdr))
        elif pos < start < pos + hdr:
            break  # scapy's layers do not line up with ours: nothing to add
        pos += hdr
        layer = layer.payload if layer.payload else None
    return layers


def _layers_from(pkt: Packet, cls: Any) -> list[Layer]:
    """The trailing data decoded as `cls` (a Decode As rule), and what scapy stacks on it."""
    start = pkt.layers[-1].pos
    pos, layers, layer = start, [], cls(pkt.data[start:])
    for _ in range(MAX_LAYERS):
        if layer is None or type(layer).__name__ in SKIPPED:
            break
        hdr = _header_len(layer)
        if hdr is None or (hdr == 0 and layers):
            break
        layers.append(_layer(pkt, layer, pos, hdr))
        pos += hdr
        layer = layer.payload if layer.payload else None
    return layers


def _header_len(layer: Any) -> int | None:
    cache = getattr(layer, "raw_packet_cache", None)
    if cache is not None:
        return len(cache)
    try:
        return len(bytes(layer)) - len(bytes(layer.payload))
    except Exception:
        return None


def _layer(pkt: Packet, slayer: Any, pos: int, hdr: int) -> Layer:
    layer = Layer(SCAPY, pkt, pos, pkt.caplen)
    layer.state = safe_text(getattr(slayer, "name", type(slayer).__name__), 80)
    layer.hdr_len = hdr
    layer.payload_pos = pos + hdr
    spans = _field_spans(slayer, pkt.data[pos : pos + hdr])
    cls = type(slayer).__name__
    for name, start_bit, end_bit, value in spans:
        spec = _spec(cls, name, value)
        first, last = pos + start_bit // 8, pos + (end_bit + 7) // 8
        mask = 0
        if start_bit % 8 or end_bit % 8:
            width = (last - first) * 8
            lo = (last - pos) * 8 - end_bit
            mask = ((1 << (end_bit - start_bit)) - 1) << lo if width <= 64 else 0
        layer.add(spec, first, max(0, last - first), _value(value), mask)
    if not spans and hdr:
        raw = bytes(pkt.data[pos : pos + hdr])
        layer.add(_spec(cls, "header", raw), pos, hdr, raw)
    return layer


def _field_spans(slayer: Any, raw: bytes) -> list[tuple[str, int, int, Any]]:
    """(field, first bit, end bit, value) per field, replaying scapy's dissection loop
    (Packet.do_dissect: each field's getfield takes what it reads from the rest); empty
    when the replay does not end where scapy's header ended (spans not recoverable)."""
    fresh = type(slayer)()
    s: Any = raw
    out = []
    total = len(raw)
    for f in slayer.fields_desc:
        before = _bits_done(s, total)
        s, value = f.getfield(fresh, s)
        fresh.fields[f.name] = value
        after = _bits_done(s, total)
        out.append((f.name, before, after, slayer.getfieldval(f.name)))
    return out if _bits_done(s, total) == total * 8 else []


def _bits_done(s: Any, total: int) -> int:
    if isinstance(s, tuple):  # a bit field's state: (bytes left, bits of them consumed)
        return (total - len(s[0])) * 8 + s[1]
    return (total - len(s)) * 8


_SPECS: dict[tuple[str, str], FieldSpec] = {}
MADE: set[str] = set()  # names only this module declared: a filter on them runs scapy


def _spec(cls: str, field: str, value: Any) -> FieldSpec:
    """The field's spec: Wireshark's where known (and registered), else scapy.<layer>.<field>;
    made once (a field name is registered once)."""
    key = (cls, field)
    spec = _SPECS.get(key)
    if spec is None:
        name = WIRESHARK_NAMES.get(key) or f"scapy.{cls.lower()}.{field.lower()}"
        kind = "int" if type(value) is int else "bytes" if type(value) is bytes else "text"
        spec = FIELDS.get(name)
        if spec is None:
            spec = FieldSpec(name, field, kind,
                             explain=f"Field {field!r} of scapy's {cls} layer, as scapy decodes it.")  # fmt: skip
            MADE.add(name)
        _SPECS[key] = spec
    return spec


def _value(value: Any) -> Any:
    if isinstance(value, bool | int | bytes):
        return value
    return safe_text(str(value), 256)


def _rest_as_data(pkt: Packet, data: Layer) -> None:
    """Bytes past scapy's last layer stay a data layer."""
    last = pkt.layers[-1]
    end = last.pos + last.hdr_len
    if end < pkt.caplen:
        rest = Layer(DATA, pkt, end, pkt.caplen)
        DATA.tail(pkt.data, rest)
        pkt.layers.append(rest)
