"""HTTP/2 over cleartext TCP (RFC 9113 frames, RFC 7541 HPACK header compression).

One "http2" layer per frame, as Wireshark shows one "HyperText Transfer Protocol 2" tree per
frame; the client's connection preface is a layer of its own ("Magic"). Found by the
preface on any TCP port (Wireshark's heuristic), after an HTTP/1.1 upgrade to h2c in the
same segment, or by Decode As (`-d tcp.port==8080,http2`).

A segment alone: a frame that runs past it keeps its header and a note (the stream layer
puts such a frame together and decodes it on the frame that completes it). HPACK state is
per connection direction, as tshark's: the stream layer feeds every header block to
`Tables` in frame order, and a block decodes from the dynamic table remembered for it;
where nothing is remembered (no stream pass, past the bounds) HPACK starts from an empty
table in the segment, and a block that refers to an entry it did not see is decoded up to
that entry and noted. HPACK itself (Huffman codes, the static and dynamic tables) is the
`hpack` library; here only the boundaries of each header representation are found, so
that every header field spans the bytes it was decoded from.
"""

from __future__ import annotations

import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ..protocol import (
    HEX,
    U8,
    U16,
    U24,
    U32,
    Bits,
    Bytes,
    Field,
    FieldSpec,
    Flag,
    Int,
    Layer,
    Osi,
    Protocol,
    Str,
    Text,
    bind,
    bind_heuristic,
    lookup,
)

_HPACK: list[Any] = []  # the hpack module once asked for (None: not installed)


def _hpack() -> Any:
    """The hpack library, imported on the first header block rather than with the decoders:
    its Huffman table costs every command ~0.1 s to import. None without it (header blocks
    then stay bytes)."""
    if not _HPACK:
        try:
            import hpack
        except ModuleNotFoundError:  # pragma: no cover
            hpack = None
        _HPACK.append(hpack)
    return _HPACK[0]


PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
FRAME_HEADER = 9
MAX_FRAMES = 1024  # HTTP/2 layers per segment (each at least 9 bytes)
MAX_HEADERS = 200  # header lines decoded per block, as Wireshark stops after 200
FRAME_TYPES = {
    0: "DATA", 1: "HEADERS", 2: "PRIORITY", 3: "RST_STREAM", 4: "SETTINGS", 5: "PUSH_PROMISE",
    6: "PING", 7: "GOAWAY", 8: "WINDOW_UPDATE", 9: "CONTINUATION", 10: "ALTSVC", 12: "ORIGIN",
    16: "PRIORITY_UPDATE",
}  # fmt: skip
ERRORS = {
    0: "NO_ERROR", 1: "PROTOCOL_ERROR", 2: "INTERNAL_ERROR", 3: "FLOW_CONTROL_ERROR",
    4: "SETTINGS_TIMEOUT", 5: "STREAM_CLOSED", 6: "FRAME_SIZE_ERROR", 7: "REFUSED_STREAM",
    8: "CANCEL", 9: "COMPRESSION_ERROR", 10: "CONNECT_ERROR", 11: "ENHANCE_YOUR_CALM",
    12: "INADEQUATE_SECURITY", 13: "HTTP_1_1_REQUIRED",
}  # fmt: skip
SETTING_NAMES = {
    1: "Header table size", 2: "Enable PUSH", 3: "Max concurrent streams",
    4: "Initial Windows size", 5: "Max frame size", 6: "Max header list size",
    8: "Extended CONNECT",
}  # fmt: skip
STATUS_PHRASES = {
    100: "Continue", 101: "Switching Protocols", 200: "OK", 201: "Created", 204: "No Content",
    206: "Partial Content", 301: "Moved Permanently", 302: "Found", 304: "Not Modified",
    307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request",
    401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout",
}  # fmt: skip


@dataclass(slots=True)
class Http2Frame:
    """What tail() read of one frame (or the preface), for detail() and the Info column."""

    magic: bool
    ftype: int
    flags: int
    stream: int
    length: int  # the frame's declared payload length
    end: int  # where the frame ends in the segment (its captured part)
    headers: list[tuple[int, int, str, int, str, str]] = field(default_factory=list)
    # (start, end, representation, index, name, value) of each decoded header line
    info: str = ""
    first_in_segment: bool = True
    context: Any = None  # the HPACK decoder, shared by the segment's frames


HTTP2 = Protocol(
    "http2", "HyperText Transfer Protocol 2", osi=Osi.APPLICATION, short="HTTP2",
    state=Http2Frame, colour="#afd75f", padding="http2.unclaimed",  # (http2.padding: Pad Length)
    explain="HTTP/2 carries web requests and responses as binary frames on one connection, "
    "many streams at once, with headers compressed by HPACK.",
)  # fmt: skip


MAGIC = Text("http2.magic", "Magic", explain="The client's connection preface: the fixed "
             "string that opens every HTTP/2 connection (RFC 9113 section 3.4).")  # fmt: skip
STREAM = Str("http2.stream", "Stream", explain="One HTTP/2 frame: its header and payload.")
LENGTH = U24("http2.length", "Length", explain="Length of the frame's payload in bytes.")
TYPE = U8("http2.type", "Type", names=FRAME_TYPES, explain="What the frame carries.")
FLAGS = U8("http2.flags", "Flags", base=HEX, explain="Flags whose meaning depends on the type.")
RESERVED = Bits("http2.r", "Reserved", 4, mask=0x80000000, base=HEX,
                explain="A reserved bit, sent as 0.")  # fmt: skip
STREAM_ID = Bits("http2.streamid", "Stream Identifier", 4, mask=0x7FFFFFFF,
                 explain="The stream the frame belongs to; 0 is the connection itself.")  # fmt: skip
END_STREAM = Flag("http2.flags.end_stream", "End Stream", 0x01, 1,
                  explain="The sender's last frame on this stream.")  # fmt: skip
END_HEADERS = Flag("http2.flags.eh", "End Headers", 0x04, 1,
                   explain="The header block ends here (no CONTINUATION follows).")  # fmt: skip
PADDED = Flag("http2.flags.padded", "Padded", 0x08, 1,
              explain="A pad length and padding surround the payload.")  # fmt: skip
PRIORITY = Flag("http2.flags.priority", "Priority", 0x20, 1,
                explain="Priority fields (dependency, weight) come first.")  # fmt: skip
ACK_SETTINGS = Flag("http2.flags.ack.settings", "ACK", 0x01, 1,
                    explain="Acknowledges the peer's SETTINGS.")  # fmt: skip
ACK_PING = Flag("http2.flags.ack.ping", "ACK", 0x01, 1, explain="A PING response.")


def _unused(name: str, mask: int) -> FieldSpec:
    return Bits(
        name, "Unused", 1, mask=mask, base=HEX, explain="Flag bits this type does not define."
    )


# The flag bits each type defines, and the rest, as Wireshark splits them.
TYPE_FLAGS: dict[int, tuple[FieldSpec, ...]] = {
    0: (_unused("http2.flags.unused_data", 0xF6), PADDED, END_STREAM),
    1: (_unused("http2.flags.unused_headers", 0xD2), PRIORITY, PADDED, END_HEADERS, END_STREAM),
    4: (_unused("http2.flags.unused_settings", 0xFE), ACK_SETTINGS),
    5: (_unused("http2.flags.unused_push_promise", 0xF3), PADDED, END_HEADERS),
    6: (_unused("http2.flags.unused_ping", 0xFE), ACK_PING),
    9: (_unused("http2.flags.unused_continuation", 0xFB), PADDED, END_HEADERS),
}
OTHER_FLAGS = (_unused("http2.flags.unused", 0xFF),)

PAD_LENGTH = U8("http2.padding", "Pad Length", base=HEX, explain="Bytes of padding at the end.")
PAD_LENGTH_VALUE = Int("http2.pad_length", "Pad Length", generated=True,
                       explain="Bytes of padding at the end, in decimal (worked out).")  # fmt: skip
EXCLUSIVE = Flag("http2.exclusive", "Exclusive", 0x80000000, 4,
                 explain="The stream becomes the only child of its dependency.")  # fmt: skip
DEPENDENCY = Bits("http2.stream_dependency", "Stream Dependency", 4, mask=0x7FFFFFFF,
                  explain="The stream this one depends on for priority.")  # fmt: skip
WEIGHT = U8("http2.headers.weight", "Weight", explain="Priority weight, minus one (0-255).")
WEIGHT_REAL = Int("http2.headers.weight_real", "Weight real", generated=True,
                  explain="The priority weight the stream gets (1-256): the field plus one.")  # fmt: skip
DATA_DATA = Bytes("http2.data.data", "Data", explain="The stream's content bytes.")
DATA_PADDING = Bytes("http2.data.padding", "Padding", explain="Padding, to hide the length.")
HEADER_BLOCK = Bytes("http2.headers", "Header Block Fragment",
                     explain="The headers, compressed with HPACK.")  # fmt: skip
HEADERS_PADDING = Bytes("http2.headers.padding", "Padding", explain="Padding after the headers.")
HEADER_LENGTH = Int("http2.header.length", "Header Length", generated=True,
                    explain="The decoded headers' size as Wireshark counts it (8 bytes per "
                    "line plus the names and values).")  # fmt: skip
HEADER_COUNT = Int("http2.header.count", "Header Count", generated=True,
                   explain="How many header lines the block decoded to.")  # fmt: skip
HEADER = Str("http2.header", "Header", explain="One decoded header line.")
NAME_LENGTH = Int("http2.header.name.length", "Name Length", explain="Length of the name.")
NAME = Text("http2.header.name", "Name", explain="The header's name (lower case in HTTP/2).")
VALUE_LENGTH = Int("http2.header.value.length", "Value Length", explain="Length of the value.")
VALUE = Text("http2.header.value", "Value", explain="The header's value.")
REPR = Str("http2.header.repr", "Representation",
           explain="How HPACK encoded the line: from the table (indexed) or as a literal, "
           "and whether it was added to the dynamic table.")  # fmt: skip
INDEX = Int("http2.header.index", "Index",
            explain="The HPACK table entry used (1-61 static, above: dynamic).")  # fmt: skip
TABLE_UPDATE = Str("http2.header_table_size_update", "Header table size update",
                   explain="HPACK: the sender resizes its dynamic table (RFC 7541 section "
                   "6.3).")  # fmt: skip
TABLE_SIZE = Int("http2.header_table_size_update.header_table_size", "Header table size",
                 explain="A new size for the HPACK dynamic table.")  # fmt: skip
RST_ERROR = U32("http2.rst_stream.error", "Error", names=ERRORS, explain="Why the stream ends.")
SETTINGS = Str("http2.settings", "Settings", explain="One setting the sender announces.")
SETTING_ID = U16("http2.settings.id", "Settings Identifier", names=SETTING_NAMES,
                 explain="Which setting.")  # fmt: skip
SETTING_VALUES = {
    i: U32(f"http2.settings.{n}", label, explain=f"The {label.lower()} the sender sets.")
    for i, n, label in (
        (1, "header_table_size", "Header table size"), (2, "enable_push", "Enable PUSH"),
        (3, "max_concurrent_streams", "Max concurrent streams"),
        (4, "initial_window_size", "Initial Windows Size"), (5, "max_frame_size", "Max frame size"),
        (6, "max_header_list_size", "Max header list size"),
        (8, "extended_connect", "Extended CONNECT"),
    )
}  # fmt: skip
SETTING_UNKNOWN = U32("http2.settings.unknown", "Unknown Settings", explain="A setting not known.")
PROMISED_R = Bits("http2.push_promise.r", "Reserved", 4, mask=0x80000000, base=HEX,
                  explain="A reserved bit, sent as 0.")  # fmt: skip
PROMISED = Bits("http2.push_promise.promised_stream_id", "Promised-Stream-ID", 4,
                mask=0x7FFFFFFF, explain="The stream the server will push a response on.")  # fmt: skip
PUSH_HEADERS = Bytes("http2.push_promise.header", "Header Block Fragment",
                     explain="The pushed request's headers, compressed with HPACK.")  # fmt: skip
PUSH_PADDING = Bytes("http2.push_promise.padding", "Padding", explain="Padding.")
PING = Bytes("http2.ping", "Ping", explain="8 bytes the peer must echo.")
PONG = Bytes("http2.pong", "Pong", explain="The 8 bytes of the PING answered.")
GOAWAY_R = Bits("http2.goway.r", "Reserved", 4, mask=0x80000000, base=HEX,
                explain="A reserved bit, sent as 0.")  # fmt: skip
LAST_STREAM = Bits("http2.goaway.last_stream_id", "Last-Stream-ID", 4, mask=0x7FFFFFFF,
                   explain="The last stream the sender processed or may process.")  # fmt: skip
GOAWAY_ERROR = U32("http2.goaway.error", "Error", names=ERRORS,
                   explain="Why the connection is being closed.")  # fmt: skip
GOAWAY_DATA = Bytes("http2.goaway.addata", "Additional Debug Data", explain="Debug text.")
WINDOW_R = Bits("http2.window_update.r", "Reserved", 4, mask=0x80000000, base=HEX,
                explain="A reserved bit, sent as 0.")  # fmt: skip
WINDOW = Bits("http2.window_update.window_size_increment", "Window Size Increment", 4,
              mask=0x7FFFFFFF, explain="How many more bytes the peer may send.")  # fmt: skip
CONTINUATION = Bytes("http2.continuation.header", "Continuation Header",
                     explain="More of a header block, compressed with HPACK.")  # fmt: skip
UNKNOWN = Bytes("http2.unknown", "Unknown", explain="The payload of a frame type not decoded.")

# Wireshark's fields for well-known headers: http2.headers.<name, '-' as '_'>.
KNOWN_HEADERS = (
    ":authority :path :method :scheme accept accept-charset accept-encoding accept-language "
    "accept-ranges access-control-allow-origin allow authorization cache-control "
    "content-disposition content-encoding content-language content-location content-range "
    "content-type cookie date etag expect expires from if-match if-modified-since "
    "if-none-match if-range if-unmodified-since last-modified link location "
    "proxy-authenticate proxy-authorization range referer refresh retry-after server "
    "set-cookie strict-transport-security user-agent vary via www-authenticate"
).split()
NAMED_HEADERS: dict[str, FieldSpec] = {
    n: Text(f"http2.headers.{n.lstrip(':').replace('-', '_')}", n,
            explain=f"The {n} header, decoded from HPACK.")
    for n in KNOWN_HEADERS
}  # fmt: skip
NAMED_HEADERS.update({
    n: Int(f"http2.headers.{n.lstrip(':').replace('-', '_')}", n,
           explain=f"The {n} header as a number, decoded from HPACK.")
    for n in (":status", "content-length", "age", "max-forwards")
})  # fmt: skip


# -- HPACK: where each representation lies (RFC 7541 section 6); the library decodes it ----------
def _integer(data: bytes, pos: int, end: int, prefix: int) -> tuple[int, int]:
    """An HPACK integer with a `prefix`-bit prefix at pos: (value, next), or (-1, -1)."""
    if pos >= end:
        return -1, -1
    mask = (1 << prefix) - 1
    value = data[pos] & mask
    pos += 1
    if value < mask:
        return value, pos
    for shift in range(0, 35, 7):  # at most 5 continuation bytes: values below 2**35
        if pos >= end:
            return -1, -1
        b = data[pos]
        value += (b & 0x7F) << shift
        pos += 1
        if not b & 0x80:
            return value, pos
    return -1, -1


def _string_end(data: bytes, pos: int, end: int) -> int:
    n, pos = _integer(data, pos, end, 7)
    return -1 if pos < 0 or pos + n > end else pos + n


# First-byte pattern -> (prefix bits, representation name).
_LITERALS = ((0x40, 0xC0, 6, "Literal Header Field with Incremental Indexing"),
             (0x10, 0xF0, 4, "Literal Header Field never Indexed"),
             (0x00, 0xF0, 4, "Literal Header Field without Indexing"))  # fmt: skip


def _representation(data: bytes, pos: int, end: int) -> tuple[int, str, int]:
    """(end, representation, index) of the representation at pos; end -1 when cut."""
    b = data[pos]
    if b & 0x80:
        index, nxt = _integer(data, pos, end, 7)
        return nxt, "Indexed Header Field", index
    if b & 0xE0 == 0x20:
        size, nxt = _integer(data, pos, end, 5)
        return nxt, "Dynamic Table Size Update", size
    for value, mask, prefix, name in _LITERALS:
        if b & mask == value:
            index, nxt = _integer(data, pos, end, prefix)
            if nxt < 0:
                return -1, name, 0
            if index == 0:
                nxt = _string_end(data, nxt, end)
                name += " - New Name"
            else:
                name += " - Indexed Name"
            return (_string_end(data, nxt, end) if nxt >= 0 else -1), name, index
    return -1, "", 0


def _decode_block(data: bytes, layer: Layer, frame: Http2Frame, pos: int, end: int) -> None:
    """The header lines of a block, each with the bytes it came from; stops (with a note)
    at what this segment cannot decode."""
    decoder = frame.context
    if decoder is None:
        return
    for _i in range(MAX_HEADERS):
        if pos >= end:
            return
        stop, rep, index = _representation(data, pos, end)
        if stop < 0:
            layer.issue("warn", "malformed", "http2.header.bad",
                        "HPACK header representation runs past its block", pos, end - pos)  # fmt: skip
            return
        try:
            lines = decoder.decode(bytes(data[pos:stop]), raw=True)
        except (_hpack().HPACKError, ValueError, IndexError, KeyError, UnicodeError) as exc:
            layer.issue("note", "protocol", "http2.header.undecoded",
                        f"HPACK: {type(exc).__name__}: likely a dynamic table entry an earlier "
                        "frame added that was not decoded (or not captured)",
                        pos, end - pos)  # fmt: skip
            frame.context = None  # the table no longer matches the sender's
            return
        for name, value in lines[:1]:
            frame.headers.append((pos, stop, rep, index, name.decode("utf-8", "replace"),
                                  value.decode("utf-8", "replace")))  # fmt: skip
        if not lines and rep.startswith("Dynamic"):
            frame.headers.append((pos, stop, rep, index, "", ""))
        pos = stop
    layer.issue("note", "protocol", "http2.header_lines_exceeded",
                f"Decompression stopped after {MAX_HEADERS} header lines.", pos, end - pos)  # fmt: skip


def _new_decoder(table: tuple[int, tuple] | None = None) -> Any:
    """A decoder with an empty dynamic table, or with `table` (max size, entries) as a
    sender's was before a header block (see Tables)."""
    hpack = _hpack()
    if hpack is None:
        return None
    decoder = hpack.Decoder()
    decoder.max_header_list_size = 1 << 16  # bounded work and memory per block
    if table is not None:
        ht = decoder.header_table
        ht._maxsize, ht.dynamic_entries = table[0], deque(table[1])
        ht._current_size = sum(32 + len(n) + len(v) for n, v in table[1])
    return decoder


# -- HPACK state per connection direction ---------------------------------------------------------
MAX_SENDERS = 4096  # connection directions whose HPACK state is followed at once per capture
MAX_BLOCKS = 1 << 20  # header blocks whose dynamic table is remembered per capture
MAX_ENTRIES = 1 << 22  # table entries referred to by the tables remembered (~32 MB)
MAX_PENDING = 1 << 16  # bytes of a header block split over CONTINUATION frames held


@dataclass(slots=True)
class _Sender:
    """One connection direction's HPACK decoder, fed its header blocks in order."""

    decoder: Any
    table: tuple[int, tuple] = (4096, ())  # the dynamic table now (shared while unchanged)
    pending: bytearray | None = None  # a block whose CONTINUATION frames are still to come
    key: tuple[int, int, int] | None = None  # the HEADERS frame that began it


class Tables:
    """What the sender's dynamic table was before each header block of a capture, as
    tshark knows it from one HPACK decoder per connection direction fed in frame order.
    The stream layer (dissect/streams/pdus.py) feeds it every HTTP/2 frame of a direction
    in order; decoding a block then starts from the table remembered for it, so it
    decodes the same wherever decoding starts. A block is known by (frame number, CRC-32,
    length): the frame it is decoded on and its bytes."""

    def __init__(self) -> None:
        self.before: dict[tuple[int, int, int], tuple[int, tuple]] = {}
        self.senders: dict[int, _Sender | None] = {}  # None: no longer followed
        self.entries = 0  # entries in the distinct tables remembered

    def feed(self, sender: int, number: int, frame: bytes) -> None:
        """One whole HTTP/2 frame (header and payload) of direction `sender`, decoded on
        frame `number`."""
        if len(frame) < FRAME_HEADER or frame[3] not in (1, 5, 9) or _hpack() is None:
            return
        if sender not in self.senders:
            if len(self.senders) >= MAX_SENDERS:
                return
            self.senders[sender] = _Sender(_new_decoder())
        st = self.senders[sender]
        if st is None:
            return
        ftype, flags = frame[3], frame[4]
        start, stop, _pad = _block(frame, 0, len(frame), ftype, flags)
        if start < 0 or (ftype == 9) != (st.pending is not None):
            self.senders[sender] = None  # the table can no longer be followed
            return
        block = frame[start:stop]
        if ftype != 9:
            st.key, st.pending = (number, zlib.crc32(block), len(block)), bytearray()
        st.pending += block
        if not flags & 0x04:
            if len(st.pending) > MAX_PENDING:
                self.senders[sender] = None
            return
        self._decode(sender, st)

    def _decode(self, sender: int, st: _Sender) -> None:
        if len(self.before) < MAX_BLOCKS and self.entries < MAX_ENTRIES:
            self.before[st.key] = st.table
        block, st.pending = bytes(st.pending), None
        try:
            st.decoder.decode(block, raw=True)
        except (_hpack().HPACKError, ValueError, IndexError, KeyError, UnicodeError):
            self.senders[sender] = None
            return
        ht = st.decoder.header_table
        entries = tuple(ht.dynamic_entries)
        if entries != st.table[1] or ht._maxsize != st.table[0]:
            st.table = (ht._maxsize, entries)
            self.entries += len(entries)


TABLES: list[Tables] = [Tables()]  # what decoding reads: the capture's (use())
# A function given a frame number that frames that frame's TCP connection, so the tables
# before its header blocks are known: the plain list sets it (dissect/connections.py)
LEARN_STREAM: list[Any] = [None]


def use(tables: Tables) -> None:
    """Decode header blocks with `tables` from now on (one capture's)."""
    TABLES[0] = tables


def _remembered(layer: Layer, block: bytes) -> tuple[int, tuple] | None:
    number = layer.packet.number if layer.packet is not None else None
    if number is not None and LEARN_STREAM[0] is not None:
        LEARN_STREAM[0](number)
    if number is None or not TABLES[0].before:
        return None
    return TABLES[0].before.get((number, zlib.crc32(block), len(block)))


# -- the layer ------------------------------------------------------------------------------------
def _u32(data: bytes, pos: int) -> int:
    return int.from_bytes(data[pos : pos + 4], "big")


def _below(layer: Layer) -> Layer | None:
    layers = layer.packet.layers
    for i in range(len(layers) - 1, 0, -1):
        if layers[i] is layer:
            return layers[i - 1]
    return None


def _block(data: bytes, pos: int, fend: int, ftype: int, flags: int) -> tuple[int, int, int]:
    """(start, end, pad length) of a HEADERS/PUSH_PROMISE/CONTINUATION header block;
    start -1 when the padding or priority fields do not fit the frame."""
    p, pad = pos + FRAME_HEADER, 0
    if ftype in (1, 5) and flags & 0x08:
        if p >= fend:
            return -1, -1, 0
        pad, p = data[p], p + 1
    if ftype == 1 and flags & 0x20:
        p += 5
    if ftype == 5:
        p += 4
    if p + pad > fend:
        return -1, -1, pad
    return p, fend - pad, pad


def _tail(data: Any, layer: Layer) -> None:
    """One frame (or the preface): its extent, the header lines for the Info; a frame
    after it in the segment is another HTTP/2 layer."""
    pos, end = layer.pos, layer.payload_end
    below = _below(layer)
    prev = below.state if below is not None and below.protocol is HTTP2 else None
    context = prev.context if prev is not None else _new_decoder()
    if prev is None and data[pos : pos + min(24, end - pos)] == PREFACE[: end - pos]:
        frame = Http2Frame(True, -1, 0, 0, 24, min(pos + 24, end), info="Magic", context=context)
        if end - pos < 24:
            _continues(layer, pos, end, "connection preface")
    elif prev is None and _printable(data, pos, end):
        layer.decline()  # a text protocol (HTTP/1.1 before an upgrade): let HTTP have it
        return
    elif end - pos < FRAME_HEADER:
        frame = Http2Frame(False, -1, 0, 0, 0, end, context=context)
        _continues(layer, pos, end, "frame header")
    else:
        frame = _frame(data, layer, pos, end, context)
    frame.first_in_segment = prev is None
    layer.state = frame
    layer.hdr_len = frame.end - pos
    layer.payload_pos = frame.end
    if frame.end < end:
        layer.next = HTTP2


def _printable(data: bytes, pos: int, end: int) -> bool:
    """A frame header of printable text would declare a payload of 2 MiB or more: no
    sender's frame (16 KiB unless the peer allowed more), but an HTTP/1.1 line."""
    head = data[pos : pos + FRAME_HEADER]
    return len(head) == FRAME_HEADER and all(0x20 <= b < 0x7F for b in head)


def _continues(layer: Layer, pos: int, end: int, what: str) -> None:
    pkt = layer.packet
    if pkt.caplen < pkt.wirelen and end >= pkt.caplen:
        layer.short(FRAME_HEADER, f"HTTP/2 {what}")
        return
    layer.issue("note", "protocol", "http2.continued",
                f"HTTP/2 {what} continues in the next segment ({end - pos} bytes here; "
                "not reassembled)", pos, end - pos)  # fmt: skip


def _frame(data: bytes, layer: Layer, pos: int, end: int, context: Any) -> Http2Frame:
    length = (data[pos] << 16) | (data[pos + 1] << 8) | data[pos + 2]
    ftype, flags = data[pos + 3], data[pos + 4]
    stream = _u32(data, pos + 5) & 0x7FFFFFFF
    fend = pos + FRAME_HEADER + length
    frame = Http2Frame(False, ftype, flags, stream, length, min(fend, end), context=context)
    if fend > end:
        _continues(layer, pos, end, f"frame of {length} bytes")
    elif ftype in (1, 5, 9):
        start, stop, _pad = _block(data, pos, fend, ftype, flags)
        if ftype == 9 or not flags & 0x04:
            layer.issue("note", "protocol", "http2.header.continued",
                        "Header block split over CONTINUATION frames: not decoded (HPACK "
                        "state continues across them)", pos, fend - pos)  # fmt: skip
            frame.context = None  # the dynamic table now lags the sender's
        elif start < 0:
            layer.issue("error", "malformed", "http2.padding.bad",
                        "Padding or priority fields larger than the frame", pos, fend - pos)  # fmt: skip
        else:
            table = _remembered(layer, bytes(data[start:stop]))
            if table is not None:  # the sender's table before this block, from the stream layer
                frame.context = _new_decoder(table)
            _decode_block(data, layer, frame, start, stop)
    frame.info = _frame_info(layer, frame)
    return frame


def _frame_info(layer: Layer, frame: Http2Frame) -> str:
    name = FRAME_TYPES.get(frame.ftype, f"Unknown type ({frame.ftype})")
    text = f"{name}[{frame.stream}]"
    lines = {n: v for _s, _e, _r, _i, n, v in frame.headers}
    if ":status" in lines:
        status = lines[":status"]
        phrase = STATUS_PHRASES.get(int(status)) if status.isdigit() else None
        text += f": {status} {phrase}" if phrase else f": {status}"
    if ":method" in lines:  # both, status first, in a block that has both (as Wireshark)
        text += f": {lines[':method']} {lines.get(':path', '')}".rstrip()
    if frame.ftype == 0:
        ctype = _content_type(layer, frame.stream)
        text += f" ({ctype})" if ctype else ""
    return text


def _content_type(layer: Layer, stream: int) -> str:
    """The Content-Type a HEADERS frame earlier in this segment gave the stream."""
    for other in reversed(layer.packet.layers):
        st = other.state
        if other.protocol is HTTP2 and st is not None and st.stream == stream:
            for _s, _e, _r, _i, name, value in st.headers:
                if name == "content-type":
                    return value
    return ""


def _info(layer: Layer) -> str:
    """Every frame of the segment on the first one's row (the list shows the topmost Info:
    the later HTTP/2 layers give none)."""
    frame = layer.state
    if frame is None or not frame.first_in_segment:
        return ""
    layers = layer.packet.layers if layer.packet is not None else [layer]
    texts = [x.state.info for x in layers if x.protocol is HTTP2 and x.state is not None]
    return ", ".join(t for t in texts if t)


def detect(data: Any, pos: int, end: int, layer: Layer) -> bool:
    """Wireshark's heuristic, which lives in HTTP's: the connection preface opens a segment
    on a port HTTP holds (elsewhere Wireshark 4.0 shows such a segment as data; Decode As
    says otherwise)."""
    if end - pos < 24 or data[pos : pos + 24] != PREFACE:
        return False
    sport, dport = layer.value("tcp.srcport"), layer.value("tcp.dstport")
    http = lookup("tcp.port", sport, dport)
    return http is not None and http.name == "http"


def _detail(data: Any, layer: Layer) -> None:
    frame = layer.state
    if frame is None:
        return
    pos, end = layer.pos, frame.end
    if frame.magic:
        node = layer.add(STREAM, pos, end - pos, "Magic")
        text = bytes(data[pos:end]).decode("ascii", "replace")
        layer.child(node, MAGIC, pos, end - pos, text)
        return
    if frame.ftype < 0:  # a frame header cut by the segment's end
        layer.add(UNKNOWN, pos, end - pos, bytes(data[pos:end]))
        return
    name = FRAME_TYPES.get(frame.ftype, f"Unknown type ({frame.ftype})")
    title = f"{name}, Stream ID: {frame.stream}, Length {frame.length}"
    tail = frame.info.partition(": ")[2] if frame.headers else ""
    node = layer.add(STREAM, pos, end - pos, f"{title}, {tail}" if tail else title)
    layer.child(node, LENGTH, pos, 3, frame.length)
    layer.child(node, TYPE, pos + 3, 1, frame.ftype)
    flags = layer.child(node, FLAGS, pos + 4, 1, frame.flags)
    for spec in TYPE_FLAGS.get(frame.ftype, OTHER_FLAGS):
        value = frame.flags & spec.mask
        layer.child(flags, spec, pos + 4, 1, bool(value) if spec.kind == "flag" else value,
                    spec.mask)  # fmt: skip
    word = _u32(data, pos + 5)
    layer.child(node, RESERVED, pos + 5, 4, word >> 31, RESERVED.mask)
    layer.child(node, STREAM_ID, pos + 5, 4, frame.stream, STREAM_ID.mask)
    _payload(data, layer, node, frame, pos + FRAME_HEADER, end)


def _payload(data: bytes, layer: Layer, node: Field, frame: Http2Frame, p: int, end: int) -> None:
    """The fields of the frame's payload, from p to end (the frame's captured end)."""
    ftype, flags = frame.ftype, frame.flags
    whole = p + frame.length <= end
    if ftype in (0, 1, 5, 9) and whole:
        _padded(data, layer, node, frame, p, p + frame.length)
    elif ftype == 2 and p + 5 <= end:
        _priority(data, layer, node, p)
    elif ftype == 3 and p + 4 <= end:
        layer.child(node, RST_ERROR, p, 4, _u32(data, p))
    elif ftype == 4:
        _settings(data, layer, node, p, end)
    elif ftype == 6 and p + 8 <= end:
        layer.child(node, PONG if flags & 1 else PING, p, 8, bytes(data[p : p + 8]))
    elif ftype == 7 and p + 8 <= end:
        word = _u32(data, p)
        layer.child(node, GOAWAY_R, p, 4, word >> 31, GOAWAY_R.mask)
        layer.child(node, LAST_STREAM, p, 4, word & 0x7FFFFFFF, LAST_STREAM.mask)
        layer.child(node, GOAWAY_ERROR, p + 4, 4, _u32(data, p + 4))
        if end > p + 8:
            layer.child(node, GOAWAY_DATA, p + 8, end - p - 8, bytes(data[p + 8 : end]))
    elif ftype == 8 and p + 4 <= end:
        word = _u32(data, p)
        layer.child(node, WINDOW_R, p, 4, word >> 31, WINDOW_R.mask)
        layer.child(node, WINDOW, p, 4, word & 0x7FFFFFFF, WINDOW.mask)
    elif end > p:
        layer.child(node, UNKNOWN, p, end - p, bytes(data[p:end]))


def _priority(data: bytes, layer: Layer, node: Field, p: int) -> None:
    word = _u32(data, p)
    layer.child(node, EXCLUSIVE, p, 4, bool(word >> 31), EXCLUSIVE.mask)
    layer.child(node, DEPENDENCY, p, 4, word & 0x7FFFFFFF, DEPENDENCY.mask)
    layer.child(node, WEIGHT, p + 4, 1, data[p + 4])
    layer.child(node, WEIGHT_REAL, p + 4, 1, data[p + 4] + 1)


def _padded(data: bytes, layer: Layer, node: Field, frame: Http2Frame, p: int, fend: int) -> None:
    """DATA, HEADERS, PUSH_PROMISE, CONTINUATION: pad length, priority or promised stream,
    the content, padding; the decoded header lines."""
    ftype, flags = frame.ftype, frame.flags
    start, stop, _pad = _block(data, p - FRAME_HEADER, fend, ftype, flags)
    padlen = 0
    if ftype in (0, 1, 5) and flags & 0x08 and p < fend:
        padlen = data[p]
        layer.child(node, PAD_LENGTH, p, 1, padlen)
        layer.child(node, PAD_LENGTH_VALUE, p, 1, padlen)
        p += 1
    if ftype == 0:
        start, stop = p, fend - min(padlen, fend - p)
    if start < 0:
        return
    if ftype == 1 and flags & 0x20:
        _priority(data, layer, node, p)
    elif ftype == 5:
        word = _u32(data, p)
        layer.child(node, PROMISED_R, p, 4, word >> 31, PROMISED_R.mask)
        layer.child(node, PROMISED, p, 4, word & 0x7FFFFFFF, PROMISED.mask)
    spec, pad_spec = {0: (DATA_DATA, DATA_PADDING), 1: (HEADER_BLOCK, HEADERS_PADDING),
                      5: (PUSH_HEADERS, PUSH_PADDING), 9: (CONTINUATION, None)}[ftype]  # fmt: skip
    if stop > start:
        layer.child(node, spec, start, stop - start, bytes(data[start:stop]))
    if pad_spec is not None and fend > stop:
        layer.child(node, pad_spec, stop, fend - stop, bytes(data[stop:fend]))
    if frame.headers:
        _header_fields(layer, node, frame)


def _header_fields(layer: Layer, node: Field, frame: Http2Frame) -> None:
    lines = [h for h in frame.headers if h[4] or not h[2].startswith("Dynamic")]
    size = sum(8 + len(n.encode()) + len(v.encode()) for _s, _e, _r, _i, n, v in lines)
    at = frame.headers[0][0]
    layer.child(node, HEADER_LENGTH, at, 0, size)
    layer.child(node, HEADER_COUNT, at, 0, len(frame.headers))  # size updates count too
    for start, stop, rep, index, name, value in frame.headers:
        n = stop - start
        if rep.startswith("Dynamic"):
            update = layer.child(node, TABLE_UPDATE, start, n, "")
            layer.child(update, TABLE_SIZE, start, n, index)
            continue
        shown = value
        if name == ":status" and value.isdigit() and int(value) in STATUS_PHRASES:
            shown = f"{value} {STATUS_PHRASES[int(value)]}"
        h = layer.child(node, HEADER, start, n, f"{name}: {shown}")
        layer.child(h, NAME_LENGTH, start, n, len(name.encode()))
        layer.child(h, NAME, start, n, name)
        layer.child(h, VALUE_LENGTH, start, n, len(value.encode()))
        layer.child(h, VALUE, start, n, value)
        named = NAMED_HEADERS.get(name)
        if named is not None:
            number = named.kind == "int"
            if not number or value.isdigit():
                layer.child(h, named, start, n, int(value) if number else value)
        layer.child(h, REPR, start, 1, rep)  # the first byte says which, as in Wireshark
        if index:
            layer.child(h, INDEX, start, 1, index)


def _settings(data: bytes, layer: Layer, node: Field, p: int, end: int) -> None:
    for q in range(p, end - 5, 6):
        ident, value = (data[q] << 8) | data[q + 1], _u32(data, q + 2)
        label = SETTING_NAMES.get(ident, "Unknown")
        s = layer.child(node, SETTINGS, q, 6, f"{label} : {value}")
        layer.child(s, SETTING_ID, q, 2, ident)
        layer.child(s, SETTING_VALUES.get(ident, SETTING_UNKNOWN), q + 2, 4, value)


def _describe(layer: Layer) -> str:
    return "HyperText Transfer Protocol 2"


HTTP2.tail = _tail
HTTP2.detail = _detail
HTTP2.info = _info
HTTP2.describe = _describe

bind_heuristic("tcp.port", HTTP2, detect, first=PREFACE[:1], min_len=len(PREFACE))
# After "101 Switching Protocols" with Upgrade: h2c, HTTP hands the rest of the segment on.
bind("http.upgrade", b"h2c", HTTP2)
