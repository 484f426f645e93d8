"""What a protocol file uses: the declaration API over the engine (docs/ARCHITECTURE.md).

A protocol file imports from here only. It declares its fixed header as a table of fields
made by the constructors below (U8, Bits, Flag, IPv4, ...), then a `Protocol(...)` that the
engine compiles into one struct, and binds itself into a dispatch table:

    UDP = Protocol("udp", "User Datagram Protocol", osi=Osi.TRANSPORT, header=(
        U16("udp.srcport", "Source Port"), ...), checksum=Checksum("udp.checksum", ...))
    bind("ip.proto", 17, UDP)

Field names and labels are Wireshark's (`tshark -G fields`). A field's `explain` is the
plain-language sentence the TUI shows for it: a string, or fn(value, layer) -> string.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from .engine import (
    ALIASES,
    DATA,
    DEC,
    DEC_HEX,
    FIELDS,
    HEX,
    INT_KINDS,
    LINKTYPES,
    PROTOCOLS,
    TABLES,
    Checksum,
    Context,
    Field,
    FieldSpec,
    HeaderLength,
    Issue,
    Layer,
    Options,
    Osi,
    Packet,
    Protocol,
    Title,
    alias,
    bind,
    bind_heuristic,
    bind_linktype,
    decode,
    explain_checksum_status,
    hex_bytes,
    ipv4_str,
    ipv6_str,
    lookup,
    mac_str,
    next_protocol,
    pseudo_sum,
    range_sum,
    read_values,
    safe_text,
    shift_of,
    spec_for,
    table,
    uint_at,
    verify,
)

__all__ = [
    "ALIASES", "DATA", "DEC", "DEC_HEX", "FIELDS", "HEX", "INT_KINDS", "LINKTYPES", "PROTOCOLS",
    "TABLES", "Bits", "Bool", "Bulk", "Bytes", "Checksum", "Context", "Field", "FieldSpec", "Flag",
    "Float", "HeaderLength", "IPv4", "IPv6", "Int", "Issue", "Layer", "Mac", "Options", "Osi", "Packet", "Protocol", "Str",
    "OWN_BYTES", "PATH_AFTER", "SETTLED", "Settled", "Text", "Title", "TimeNs", "U8", "U16", "U24", "U32", "U64", "alias", "bind", "bind_heuristic",
    "bind_linktype", "decode", "explain_checksum_status", "hex_bytes", "ipv4_str", "ipv6_str", "lookup", "mac_str", "makes_own_bytes",
    "ethertype_in_path", "next_protocol", "path_after", "protocol_path", "pseudo_sum", "range_sum", "read_values", "safe_text", "settle", "shift_of",
    "spec_for", "table", "uint_at", "verify",
]  # fmt: skip


# -- field constructors: one line of a wire-layout table ---------------------------------------
def U8(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "uint", 1, **kw)


def U16(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "uint", 2, **kw)


def U24(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "uint", 3, **kw)


def U32(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "uint", 4, **kw)


def U64(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "uint", 8, **kw)


def Bits(name: str, label: str, width: int | None = None, *, mask: int, **kw: Any) -> FieldSpec:
    """Bits of `width` bytes selected by `mask`; width None = the parent's (or 1 at top level)."""
    return FieldSpec(name, label, "bits", width, mask=mask, **kw)


def Flag(name: str, label: str, mask: int, width: int | None = None, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "flag", width, mask=mask, **kw)


def Mac(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "mac", 6, **kw)


def IPv4(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "ipv4", 4, **kw)


def IPv6(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "ipv6", 16, **kw)


def Bytes(name: str, label: str, width: int | None = None, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "bytes", width, **kw)


def Text(name: str, label: str, **kw: Any) -> FieldSpec:
    """Text from the packet: untrusted, shown with control characters escaped."""
    return FieldSpec(name, label, "text", None, **kw)


def Str(name: str, label: str, **kw: Any) -> FieldSpec:
    """A string we compute (status words, names), not packet text."""
    return FieldSpec(name, label, "str", None, **kw)


def Bool(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "bool", None, **kw)


def Int(name: str, label: str, **kw: Any) -> FieldSpec:
    """A computed integer (generated fields such as tcp.len)."""
    return FieldSpec(name, label, "int", None, **kw)


def TimeNs(name: str, label: str, **kw: Any) -> FieldSpec:
    """Absolute time as integer nanoseconds since the epoch, shown as a UTC date."""
    return FieldSpec(name, label, "time_ns", None, **kw)


def Float(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "float", None, **kw)


# -- what the bulk filter may assume of a protocol's layers ------------------------------------
BULK_OPS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in")


@dataclass(frozen=True)
class Bulk:
    """When a layer may be read straight from the bytes: dissect/fastfilter.py tests the
    fixed-header fields of a whole capture at once, at their offsets, without decoding.

    A layer is *plain* when its fixed header is in the bytes, what the protocol's declared
    steps say of an ordinary layer holds (its guard holds, no tail_when condition does, it is
    not a fragment, its header length is at least the minimum: fastfilter derives these, and
    the header-length and total-length fields, from the Protocol), and every condition of
    `plain` holds. Declaring a Bulk promises that the decoder then builds the fixed header's
    fields where the table puts them and renames none of them, that what follows is what the
    protocol's `next_by` table gives for its key (without next_by, only data follows), and
    that the layer ends where its length field says (or with the bytes below it). A protocol
    without a Bulk is always decoded. The fields below are for what no declared step says:

    plain           (field, op, value) conditions; op is one of BULK_OPS, and the value of
                    "in" / "not in" a collection or a range
    hdr_len         the field that gives the header length in bytes (default: the
                    header_length step's, else the table's size); a plain layer's lies
                    between that size and the layer's end
    length          the field that gives the layer's length from its first byte (default:
                    the total_length step's), or
    payload_length  the field that gives it from the end of the fixed header

    What a plain layer's decoder can change in the protocol hierarchy's path, for a
    protocol whose tail runs on every packet (dissect/quiet.py reads such a layer's path
    from the bytes when it ends a stack):

    settled         (field, op, value) conditions under which the decoder marks nothing
                    and nests nothing in the layer: with `settled_size` bytes there, its
                    path is its name, then `data` for any bytes it hands on; empty: no
                    such promise (the record is decoded)
    settled_size    the bytes the decoder then reads as the message itself
    settled_ends    the message ends after `settled_size` bytes (the bytes after it are
                    the layer below's padding); otherwise what follows it is handed on
    """

    plain: tuple[tuple[str, str, Any], ...] = ()
    hdr_len: str | None = None
    length: str | None = None
    payload_length: str | None = None
    settled: tuple[tuple[str, str, Any], ...] = ()
    settled_size: int = 0
    settled_ends: bool = False

    def __post_init__(self) -> None:
        for name, op, value in (*self.plain, *self.settled):
            if op not in BULK_OPS:
                raise ValueError(f"Bulk: {name} {op!r} is not one of {BULK_OPS}")
            if op.endswith("in") and not isinstance(value, Collection):
                raise ValueError(f"Bulk: {name} {op} needs a collection or range")
        if self.length and self.payload_length:
            raise ValueError("Bulk: length or payload_length, not both")


# -- what an application's decoder can change in the protocol hierarchy's path ---------------
@dataclass(frozen=True)
class Settled:
    """When an application protocol's decoder provably gives the hierarchy's path no more
    than its own name: on a payload its transport's table hands it by port (no heuristic
    asked), over one of the transports `over` (empty: any), either its bytes meet `words`
    and `length` gives the payload's length exactly, or `walk` says so of the payload.
    Then its tail declines nothing, marks nothing and hands on nothing but `data` that
    the hierarchy shows inside it. dissect/quiet.py reads such a record's path from the
    bytes; tests/test_stats_phs.py checks the promise against the decoder.

    words   ((offset, width, op, value), ...): big-endian integers of the payload's bytes
            and conditions on them (op one of BULK_OPS), checked for many records at once
    length  (offset, width, extra): the message is that integer plus `extra` bytes long
            (None: no such case)
    walk    walk(data, start, end) -> bool, for what no fixed offset expresses (names,
            lines, records one after another): True only where the decoder's tail would
            add no issue that marks the layer, decline nothing and hand on no layer other
            than `data`; it bounds its own steps by the payload. Asked of each payload
            the words do not settle, so it need not repeat them.
    over    the transports (protocol names) whose payloads this holds for
    """

    words: tuple[tuple[int, int, str, Any], ...] = ()
    length: tuple[int, int, int] | None = None
    walk: Callable[[Any, int, int], bool] | None = None
    over: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for _off, _width, op, value in self.words:
            if op not in BULK_OPS or op.endswith("in") and not isinstance(value, Collection):
                raise ValueError(f"Settled: {op!r} {value!r}")
        if self.length is None and self.walk is None:
            raise ValueError("Settled: a length or a walk")


SETTLED: dict[str, Settled] = {}  # protocol name -> its declaration


def settle(proto: Protocol, settled: Settled) -> None:
    """Declare when `proto`'s decoder leaves the hierarchy's path as its name alone."""
    SETTLED[proto.name] = settled


# IP protocols after which the layers may come from bytes the decoder makes (IPComp's
# inflated payload): a value there need not be in the frame, so the bulk filter's search
# for a needle in the frame's bytes (dissect/fastfilter.py) cannot rule such a record out.
OWN_BYTES: set[str] = set()


def makes_own_bytes(proto: Protocol) -> None:
    """Declare that what follows `proto` may be decoded from bytes it makes."""
    OWN_BYTES.add(proto.name)


# Names Wireshark's protocol path (frame.protocols) gives after a layer's own: a
# dispatcher's pseudo-layer ("ethertype" after a link layer whose type field is an
# EtherType) or protocols inside its header (an "mptcp" for each of TCP's MPTCP options).
# fn(data, layer) -> names; read only where the path is asked for, never for a list row.
PATH_AFTER: dict[str, Callable[[Any, Any], list[str]]] = {}


def path_after(proto: Protocol, names: Callable[[Any, Any], list[str]]) -> None:
    """Declare the names that follow `proto`'s own in the frame's protocol path."""
    PATH_AFTER[proto.name] = names


ETHERNET_II_MIN = 0x600  # a type/length value from here up is an EtherType (IEEE 802.3)


def ethertype_in_path(field: str) -> Callable[[Any, Any], list[str]]:
    """The path names after a link layer: Wireshark's "ethertype" dispatcher when `field`
    holds an EtherType (not an 802.3 length)."""

    def names(_data: Any, layer: Any) -> list[str]:
        v = layer.value(field)
        return ["ethertype"] if v is not None and v >= ETHERNET_II_MIN else []

    return names


def protocol_path(pkt: Any) -> list[str]:
    """The frame's protocols as Wireshark's frame.protocols lists them: each layer's name,
    then what its protocol declared with path_after (its bytes: a layer decoded from
    bytes a decoder made, such as IPComp's inflated payload, reads those)."""
    out: list[str] = []
    for layer in pkt.layers[1:]:
        name = layer.protocol.name
        out.append(name)
        after = PATH_AFTER.get(name)
        if after is not None:
            out.extend(after(layer.packet.data, layer))
    return out
