"""Session Description Protocol (RFC 8866; RFC 4566 before it): the media description a SIP
INVITE or 200 OK carries (Content-Type application/sdp, through the media_type table).

A description is text lines `<type>=<value>`: the session's (v, o, s, i, u, e, p, c, b, t,
r, z, k, a) and, after each `m=` line, the media's (i, c, b, k, a). Each line is a field
spanning the line without its line end, its value the text after `=`, with the parts
Wireshark splits out of it: the owner's six words, the connection's address with its TTL
and count, bandwidth modifier and value, times, repeat offsets, time zone pairs, the key's
method, an attribute's name and value (rtpmap: format, MIME type, sample rate; fmtp: the
format and each parameter), the media's type, port, port count, protocol and formats (RTP's
static payload types by name, as tshark names them). A line without `=` is
`sdp.invalid` with a note. Lines are capped at MAX_LINES.
"""

from __future__ import annotations

from typing import Any

from ..protocol import U16, Field, FieldSpec, Layer, Osi, Protocol, Text, bind

MAX_LINES = 1024  # lines read per description; more is no real offer


def _t(name: str, label: str, why: str) -> FieldSpec:
    return Text(name, label, explain=why)


LINES = {  # line type -> (field in the session part, field in a media part)
    "v": _t("sdp.version", "Session Description Protocol Version (v)", "The SDP version: 0."),
    "o": _t("sdp.owner", "Owner/Creator, Session Id (o)",
            "Who made the session and its id and version (user, id, version, address)."),
    "s": _t("sdp.session_name", "Session Name (s)", "The session's name ('-' for none)."),
    "i": _t("sdp.session_info", "Session Information (i)", "A description of the session."),
    "u": _t("sdp.uri", "URI of Description (u)", "Where more about the session is found."),
    "e": _t("sdp.email", "E-mail Address (e)", "Whom to write about the session."),
    "p": _t("sdp.phone", "Phone Number (p)", "Whom to call about the session."),
    "c": _t("sdp.connection_info", "Connection Information (c)",
            "Where the media is sent: network, address type and address."),
    "b": _t("sdp.bandwidth", "Bandwidth Information (b)", "The bandwidth the media may use."),
    "t": _t("sdp.time", "Time Description, active time (t)",
            "When the session starts and stops (NTP seconds; 0: unbounded)."),
    "r": _t("sdp.repeat_time", "Repeat Time (r)", "How the active time repeats."),
    "z": _t("sdp.timezone", "Time Zone Adjustments (z)",
            "Offsets for daylight-saving changes during a repeating session."),
    "k": _t("sdp.encryption_key", "Encryption Key (k)", "A key for the media (obsolete)."),
    "a": _t("sdp.session_attr", "Session Attribute (a)", "An attribute of the whole session."),
    "m": _t("sdp.media", "Media Description, name and address (m)",
            "One media stream: type, port, transport protocol and formats."),
}  # fmt: skip
MEDIA_LINES = {
    "i": _t("sdp.media_title", "Media Title (i)", "A title for this media stream."),
    "a": _t("sdp.media_attr", "Media Attribute (a)", "An attribute of this media stream."),
}
INVALID = _t("sdp.invalid", "Invalid line", "A line that is not `<type>=<value>`.")
UNKNOWN = _t("sdp.unknown", "Unknown", "A line type SDP does not define.")
# The words of a line, in order, for the types split at spaces.
WORDS = {
    "o": [_t(f"sdp.owner.{n}", label, why) for n, label, why in (
        ("username", "Owner Username", "The user who made the session ('-': none)."),
        ("sessionid", "Session ID", "A number naming the session."),
        ("version", "Session Version", "Rises with each change to the description."),
        ("network_type", "Owner Network Type", "IN: the Internet."),
        ("address_type", "Owner Address Type", "IP4 or IP6."),
        ("address", "Owner Address", "The host the session was made on."))],
    "c": [_t(f"sdp.connection_info.{n}", label, why) for n, label, why in (
        ("network_type", "Connection Network Type", "IN: the Internet."),
        ("address_type", "Connection Address Type", "IP4 or IP6."),
        ("address", "Connection Address", "Where the media goes (unicast or multicast)."))],
    "t": [_t("sdp.time.start", "Session Start Time", "NTP seconds; 0: now."),
          _t("sdp.time.stop", "Session Stop Time", "NTP seconds; 0: unbounded.")],
}  # fmt: skip
TTL = _t("sdp.connection_info.ttl", "Connection TTL", "The multicast time to live.")
NUM_ADDR = _t("sdp.connection_info.num_addr", "Connection Number of Addresses",
              "How many consecutive multicast addresses are used.")  # fmt: skip
BW_MODIFIER = _t("sdp.bandwidth.modifier", "Bandwidth Modifier",
                 "What the value means: AS (application), CT (conference total), TIAS...")  # fmt: skip
BW_VALUE = _t("sdp.bandwidth.value", "Bandwidth Value", "Kilobits per second (TIAS: bits).")
REPEAT = (_t("sdp.repeat_time.interval", "Repeat Interval", "How often the session repeats."),
          _t("sdp.repeat_time.duration", "Repeat Duration", "How long each repetition lasts."),
          _t("sdp.repeat_time.offset", "Repeat Offset", "When a repetition starts."))  # fmt: skip
TZ = (_t("sdp.timezone.time", "Timezone Time", "When the adjustment takes effect."),
      _t("sdp.timezone.offset", "Timezone Offset", "The adjustment."))  # fmt: skip
KEY = (_t("sdp.encryption_key.type", "Key Type", "How the key is given (clear, base64...)."),
       _t("sdp.encryption_key.data", "Key Data", "The key."))  # fmt: skip
ATTR = {"a": (_t("sdp.session_attr.field", "Session Attribute Fieldname", "The attribute's name."),
              _t("sdp.session_attr.value", "Session Attribute Value", "The attribute's value.")),
        "m": (_t("sdp.media_attribute.field", "Media Attribute Fieldname", "The attribute's name."),
              _t("sdp.media_attribute.value", "Media Attribute Value", "The attribute's value."))}  # fmt: skip
MEDIA_TYPE = _t("sdp.media.media", "Media Type", "audio, video, text, application...")
PORT_STRING = _t("sdp.media.port_string", "Media Port", "The port the media is received on.")
PORT = U16("sdp.media.port", "Media Port", explain="The port the media is received on.")
PORT_COUNT = _t("sdp.media.portcount", "Media Port Count", "How many consecutive ports.")
MEDIA_PROTO = _t("sdp.media.proto", "Media Protocol", "The transport: RTP/AVP, RTP/SAVP, udp...")
# RTP's static payload types (RFC 3551), as Wireshark names them.
RTP_TYPES = {0: "ITU-T G.711 PCMU", 1: "USA Federal Standard FS-1016", 2: "ITU-T G.721", 3: "GSM 06.10", 4: "ITU-T G.723", 5: "DVI4 8000 samples/s", 6: "DVI4 16000 samples/s", 7: "Experimental linear predictive encoding from Xerox PARC", 8: "ITU-T G.711 PCMA", 9: "ITU-T G.722", 10: "16-bit uncompressed audio, stereo", 11: "16-bit uncompressed audio, monaural", 12: "Qualcomm Code Excited Linear Predictive coding", 13: "Comfort noise", 14: "MPEG-I/II Audio", 15: "ITU-T G.728", 16: "DVI4 11025 samples/s", 17: "DVI4 22050 samples/s", 18: "ITU-T G.729", 19: "Comfort noise (old)", 25: "Sun CellB video encoding", 26: "JPEG-compressed video", 28: "'nv' program", 31: "ITU-T H.261", 32: "MPEG-I/II Video", 33: "MPEG-II transport streams", 34: "ITU-T H.263"}  # fmt: skip
FORMAT = _t("sdp.media.format", "Media Format",
            "A format the stream may use: for RTP a payload type (96-127: named by rtpmap).")  # fmt: skip
MIME_TYPE = _t("sdp.mime.type", "MIME Type", "The codec a dynamic payload type stands for.")
SAMPLE_RATE = _t("sdp.sample_rate", "Sample Rate", "The codec's clock rate in Hz.")
FMTP = _t("sdp.fmtp.parameter", "Media format specific parameters",
          "One parameter of the format (name=value).")  # fmt: skip


def _lines(data: Any, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end without the line end) of each non-empty line."""
    out, p = [], start
    for _i in range(MAX_LINES):
        if p >= end:
            break
        nl = data.find(b"\n", p, end)
        stop = end if nl < 0 else nl
        e = stop - 1 if stop > p and data[stop - 1] == 0x0D else stop
        if e > p:
            out.append((p, e))
        p = stop + 1
    return out


def _tail(data: Any, layer: Layer) -> None:
    start, end = layer.pos, layer.payload_end
    layer.hdr_len = end - start
    layer.payload_pos = end
    for s, e in _lines(data, start, end):
        if e - s < 2 or data[s + 1] != 0x3D:  # "="
            layer.issue("note", "malformed", "sdp.invalid_line.no_equal",
                        "Invalid SDP line (no '=' delimiter)", s, e - s)  # fmt: skip


def _detail(data: Any, layer: Layer) -> None:
    media = False
    for s, e in _lines(data, layer.pos, layer.payload_end):
        text = bytes(data[s:e]).decode("utf-8", "replace")
        if len(text) < 2 or text[1] != "=":
            layer.add(INVALID, s, e - s, text)
            continue
        kind = text[0]
        media = media or kind == "m"
        spec = (MEDIA_LINES.get(kind) if media else None) or LINES.get(kind, UNKNOWN)
        node = layer.add(spec, s, e - s, text if spec is UNKNOWN else text[2:])
        _parts(layer, kind, "m" if media else "a", s + 2, text[2:], node)


def _words(value: str, base: int, sep: str = " ") -> list[tuple[int, str]]:
    """(frame position, word) of each piece of value split at sep."""
    out, at = [], 0
    for word in value.split(sep):
        out.append((base + at, word))
        at += len(word) + 1
    return out


def _parts(layer: Layer, kind: str, part: str, p: int, value: str, node: Field | None) -> None:
    """The pieces Wireshark splits a line into."""
    add = layer.add
    if kind in WORDS:
        words = _words(value, p)
        for spec, (at, word) in zip(WORDS[kind], words, strict=False):
            if kind == "c" and spec is WORDS["c"][2]:
                _address(layer, at, word, node)
            else:
                add(spec, at, len(word), word, 0, node)
    elif kind in ("b", "k") and ":" in value:
        name, _, rest = value.partition(":")
        first, second = (BW_MODIFIER, BW_VALUE) if kind == "b" else KEY
        add(first, p, len(name), name, 0, node)
        add(second, p + len(name) + 1, len(rest), rest, 0, node)
    elif kind == "r":
        for i, (at, word) in enumerate(_words(value, p)):
            add(REPEAT[min(i, 2)], at, len(word), word, 0, node)
    elif kind == "z":
        for i, (at, word) in enumerate(_words(value, p)):
            add(TZ[i % 2], at, len(word), word, 0, node)
    elif kind == "a":
        _attribute(layer, part, p, value, node)
    elif kind == "m":
        _media(layer, p, value, node)


def _address(layer: Layer, at: int, word: str, node: Field | None) -> None:
    """A connection address with its multicast TTL and address count (addr/ttl/count)."""
    pieces = _words(word, at, "/")
    for spec, (pos, piece) in zip((WORDS["c"][2], TTL, NUM_ADDR), pieces, strict=False):
        layer.add(spec, pos, len(piece), piece, 0, node)


def _attribute(layer: Layer, part: str, p: int, value: str, node: Field | None) -> None:
    """name:value; rtpmap and fmtp split further, as Wireshark does (a flag such as
    'recvonly' has no parts)."""
    name, colon, rest = value.partition(":")
    if not colon:
        return
    field, val = ATTR[part]
    layer.add(field, p, len(name), name, 0, node)
    at = p + len(name) + 1
    if name in ("rtpmap", "fmtp") and " " in rest:
        fmt, _, params = rest.partition(" ")
        layer.add(FORMAT, at, len(fmt), fmt, 0, node)
        at += len(fmt) + 1
        if name == "fmtp":
            for pos, piece in _words(params, at, ";"):
                layer.add(FMTP, pos, len(piece), piece, 0, node)
            return
        pieces = _words(params, at, "/")
        for spec, (pos, piece) in zip((MIME_TYPE, SAMPLE_RATE), pieces, strict=False):
            layer.add(spec, pos, len(piece), piece, 0, node)
        return
    layer.add(val, at, len(rest), rest, 0, node)


def _media(layer: Layer, p: int, value: str, node: Field | None) -> None:
    """media port[/count] proto format...: RTP formats named by their static type."""
    words = _words(value, p)
    if not words:
        return
    layer.add(MEDIA_TYPE, words[0][0], len(words[0][1]), words[0][1], 0, node)
    if len(words) > 1:
        at, port = words[1]
        number, _, count = port.partition("/")
        layer.add(PORT_STRING, at, len(number), number, 0, node)
        if number.isdigit() and int(number) < 0x10000:
            layer.add(PORT, at, len(number), int(number), 0, node)
        if count:
            layer.add(PORT_COUNT, at + len(number) + 1, len(count), count, 0, node)
    rtp = len(words) > 2 and words[2][1].startswith("RTP/")
    if len(words) > 2:
        layer.add(MEDIA_PROTO, words[2][0], len(words[2][1]), words[2][1], 0, node)
    for at, fmt in words[3:]:
        shown = fmt
        if rtp and fmt.isdigit():
            n = int(fmt)
            shown = f"DynamicRTP-Type-{n}" if 96 <= n <= 127 else RTP_TYPES.get(n, fmt)
        layer.add(FORMAT, at, len(fmt), shown, 0, node)


SDP = Protocol(
    "sdp", "Session Description Protocol", osi=Osi.APPLICATION, short="SDP", tail=_tail,
    joins_column=True,  # Wireshark appends "/SDP" to the carrier's name: "SIP/SDP"
    detail=_detail, colour="#d7d7af",
    explain="SDP describes a call's media for SIP: which codecs, addresses and ports each "
    "side will send and receive audio and video on (the media itself goes in RTP).",
)  # fmt: skip

bind("media_type", "application/sdp", SDP)
