"""Hypertext Transfer Protocol, HTTP/1.x message syntax (RFC 9112; semantics RFC 9110).

Decoded one TCP segment at a time, as Wireshark does with reassembly off: every message in
the segment (request, response, or "Continuation" when the segment starts mid-message), its
start line, one field per header line spanning the whole line with its CRLF, and the body.
The last body becomes the next layer, chosen by Content-Type through the "media_type" table
(Wireshark's media_type dissector table): "data-text-lines" for line-based text, "media"
for a type nobody decodes, plain "data" without a Content-Type. Both body layers are declared
here because Wireshark shows them under HTTP. Chunked bodies (RFC 9112 section 7.1) are
walked chunk by chunk; gzip/deflate content codings (RFC 9110 section 8.4) are checked for
decompressibility only, since spans must point into the frame.

Lines end at CR, LF or CRLF and are found with bytes.find (compiled: the same search as a C
loop, bytes.find) from positions that only move forward, so a 1 MB header line or a header block
that never ends costs linear time; header lines per message are capped at MAX_HEADERS and
messages per segment at MAX_MESSAGES.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..names import TRUE_FALSE
from ..protocol import (
    DATA,
    PROTOCOLS,
    Bool,
    Bytes,
    FieldSpec,
    Float,
    Int,
    Layer,
    Osi,
    Protocol,
    Settled,
    Str,
    Text,
    bind,
    bind_heuristic,
    lookup,
    settle,
    table,
)

METHOD_TEXT = {
    "GET": "asks for a resource and sends no body",
    "POST": "sends data to the server (a form, an upload)",
    "HEAD": "asks only for the headers a GET would return",
    "PUT": "stores a resource on the server",
    "DELETE": "removes a resource",
    "OPTIONS": "asks what the server supports",
    "CONNECT": "asks a proxy to open a tunnel (HTTPS through a proxy)",
    "M-SEARCH": "searches the network for UPnP devices (SSDP)",
    "NOTIFY": "a UPnP device announces itself (SSDP)",
}  # fmt: skip


STATUS_CLASSES = {1: "informational", 2: "success", 3: "redirection: look elsewhere",
                  4: "client error (bad request, not found, forbidden...)", 5: "server error"}  # fmt: skip


def _explain_method(value: Any, layer: Layer) -> str:
    method = str(value)[:40]
    return f"Method {method}: {METHOD_TEXT.get(method, 'an HTTP method')}."


def _explain_status(value: Any, layer: Layer) -> str:
    if not isinstance(value, int):
        return f"Status {value}: not a number."
    return f"Status {value}: {STATUS_CLASSES.get(value // 100, 'not a standard class')}."


MAX_MESSAGES = 64  # messages decoded per segment; the rest stays inside the HTTP layer
MAX_HEADERS = 1000  # header lines per message, as the brief's bound on hostile input
MAX_CHUNKS = 4096  # chunks walked per body
MAX_PARTS = 1000  # cookie pairs / query parameters shown per header or URI
MAX_INFLATE = 1 << 16  # bytes inflated to test a content coding (never kept)
MAX_INFO = 256  # characters of a start line kept for the Info column (Wireshark's limit)

# Wireshark's http.tcp.port default range.
HTTP_PORTS = (80, 631, 1900, 2710, 2869, 3128, 3132, 3689, 5985, 8080, 8088, 11371)

REQUEST_METHODS = frozenset(
    b"GET PUT COPY HEAD LOCK MOVE POLL POST BCOPY BMOVE MKCOL TRACE PATCH LABEL MERGE DELETE "
    b"SEARCH UNLOCK REPORT UPDATE BDELETE CONNECT OPTIONS CHECKIN PROPFIND CHECKOUT CCM_POST "
    b"PROPPATCH BPROPFIND BPROPPATCH UNCHECKOUT MKACTIVITY MKWORKSPACE RPC_CONNECT RPC_IN_DATA "
    b"RPC_OUT_DATA VERSION-CONTROL BASELINE-CONTROL SSTP_DUPLEX_POST".split()
)
NOTIFY_METHODS = frozenset((b"NOTIFY", b"SUBSCRIBE", b"UNSUBSCRIBE"))  # UPnP GENA
REQUEST, RESPONSE, NOTIFICATION, OTHER = "request", "response", "notification", "other"
HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

STATUS_TEXT = {
    100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
    200: "OK", 201: "Created", 202: "Accepted", 203: "Non-authoritative Information",
    204: "No Content", 205: "Reset Content", 206: "Partial Content", 207: "Multi-Status",
    208: "Already Reported", 226: "IM Used", 300: "Multiple Choices", 301: "Moved Permanently",
    302: "Found", 303: "See Other", 304: "Not Modified", 305: "Use Proxy", 307: "Temporary Redirect",
    308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized", 402: "Payment Required",
    403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
    407: "Proxy Authentication Required", 408: "Request Time-out", 409: "Conflict", 410: "Gone",
    411: "Length Required", 412: "Precondition Failed", 413: "Request Entity Too Large",
    414: "Request-URI Too Long", 415: "Unsupported Media Type",
    416: "Requested Range Not Satisfiable", 417: "Expectation Failed", 418: "I'm a teapot",
    421: "Misdirected Request", 422: "Unprocessable Entity", 423: "Locked", 424: "Failed Dependency",
    425: "Too Early", 426: "Upgrade Required", 428: "Precondition Required",
    429: "Too Many Requests", 431: "Request Header Fields Too Large",
    451: "Unavailable For Legal Reasons", 500: "Internal Server Error", 501: "Not Implemented",
    502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Time-out",
    505: "HTTP Version not supported", 506: "Variant Also Negotiates", 507: "Insufficient Storage",
    508: "Loop Detected", 510: "Not Extended", 511: "Network Authentication Required",
}  # fmt: skip

# Media types Wireshark's "Line-based text data" dissector registers for.
TEXT_LINES_TYPES = (
    "text/plain", "text/richtext", "text/enriched", "text/parameters", "text/html",
    "text/xml-external-parsed-entity", "text/css", "application/xml-external-parsed-entity",
    "text/javascript", "application/x-javascript", "application/x-tia-p25-issi",
    "application/x-tia-p25-sndcp", "application/x-ns-proxy-autoconfig",
    "text/vnd.sun.j2me.app-descriptor", "application/vnd.poc.refer-to",
    "application/vnd.drm.message", "application/x-wms-logplaystats",
    "application/x-rtsp-udp-packetpair",
)  # fmt: skip


@dataclass(slots=True)
class HttpState:
    """What tail() found in the segment, for detail() and the Info column."""

    messages: list[_Msg]  # each message's lines, chunks and body, in order
    info: str  # the Info text: each message's start line (or "Continuation")


COLOUR = "#7bd88f"  # HTTP, and the body layers shown under it
HTTP = Protocol(
    "http", "Hypertext Transfer Protocol", osi=Osi.APPLICATION, short="HTTP",
    state=HttpState, colour=COLOUR,
    explain="HTTP carries web requests and responses: a start line (method and URI, or a "
    "status code), header lines, then an optional body such as a page or a file.",
)  # fmt: skip
# HTTP over UDP for UPnP discovery (UPnP Device Architecture 2.0, section 1): Wireshark
# decodes it with the HTTP code under its own name, fields named http.*.
SSDP = Protocol(
    "ssdp", "Simple Service Discovery Protocol", osi=Osi.APPLICATION, short="SSDP",
    state=HttpState, colour="#87d787",
    explain="SSDP lets UPnP devices announce themselves and answer searches, with HTTP-style "
    "messages (M-SEARCH, NOTIFY) sent over UDP multicast.",
)  # fmt: skip
# Body layers: only HTTP hands them bytes here, so the Protocol column keeps saying HTTP
# as Wireshark's does (text-lines and media never set that column).
DATA_TEXT_LINES = Protocol(
    "data-text-lines", "Line-based text data", osi=Osi.APPLICATION, short="HTTP", colour=COLOUR,
    explain="The body of a message whose media type is line-based text (HTML, plain text, "
    "CSS, JavaScript), shown line by line.",
)  # fmt: skip
MEDIA = Protocol(
    "media", "Media Type", osi=Osi.APPLICATION, short="HTTP", colour=COLOUR,
    explain="A message body of a media type no decoder here understands (an image, a "
    "document, an archive): shown raw with its declared type.",
)  # fmt: skip


def _header_value(text: str) -> Callable[[Any, Layer], str]:
    """An explanation that quotes the header's value (packet text: cut short here, escaped
    where it is shown)."""
    return lambda value, _layer: text.format(str(value)[:120])


def _explain_connection(value: Any, layer: Layer) -> str:
    v = str(value).lower()
    if "close" in v:
        return "Connection close: the TCP connection closes after this response."
    if "alive" in v:
        return "Connection keep-alive: keep the TCP connection open for more requests."
    return "Connection: what to do with the TCP connection afterwards (keep it or close it)."


# Wireshark's tree shows each start and header line as it is in the packet (raw=True), the
# start line's parts under it; the message-kind flags and the per-line copies
# http.request.line / http.response.line are there for filters only (hidden).
IS_REQUEST = Bool(
    "http.request",
    "Request",
    generated=True,
    hidden=True,
    text=TRUE_FALSE,
    explain="This message is an HTTP request: a client asks a server for something.",
)
IS_RESPONSE = Bool(
    "http.response",
    "Response",
    generated=True,
    hidden=True,
    text=TRUE_FALSE,
    explain="This message is an HTTP response: a server answers a request.",
)
IS_NOTIFICATION = Bool(
    "http.notification",
    "Notification",
    generated=True,
    hidden=True,
    text=TRUE_FALSE,
    explain="This message is an SSDP notification: a device announces itself (NOTIFY).",
)
START_LINE = Text("http.start_line", "Start line", raw=True,
                  explain="The message's first line: method, URI and version of a request, or "
                  "version, status code and phrase of a response.")  # fmt: skip
END_OF_HEADERS = Text("http.end_of_headers", "End of headers", raw=True,
                      explain="The empty line (CR LF) that ends the headers; a body may follow.")  # fmt: skip
METHOD = Text("http.request.method", "Request Method", explain=_explain_method)
URI = Text(
    "http.request.uri",
    "Request URI",
    explain=lambda v, _l: f"URI {str(v)[:120]}: the resource asked for, as a path on the server.",
)
URI_PATH = Text(
    "http.request.uri.path",
    "Request URI Path",
    explain="The path part of the URI: which resource on the server.",
)
URI_QUERY = Text(
    "http.request.uri.query",
    "Request URI Query",
    explain="The query part of the URI, after the ?: parameters for the server.",
)
URI_PARAM = Text(
    "http.request.uri.query.parameter",
    "Request URI Query Parameter",
    explain="One name=value parameter of the query.",
)
REQ_VERSION = Text(
    "http.request.version",
    "Request Version",
    explain=lambda v, _l: f"{str(v)[:20]}: the HTTP version the client speaks.",
)
RESP_VERSION = Text(
    "http.response.version",
    "Response Version",
    explain=lambda v, _l: f"{str(v)[:20]}: the HTTP version the server speaks.",
)
CODE = Int("http.response.code", "Status Code", explain=_explain_status)
CODE_DESC = Str(
    "http.response.code.desc",
    "Status Code Description",
    generated=True,
    explain="What the status code means, in words (worked out from the code).",
)
PHRASE = Text(
    "http.response.phrase",
    "Response Phrase",
    explain="The reason phrase: the status in words, as the server wrote it.",
)
FULL_URI = Text(
    "http.request.full_uri",
    "Full request URI",
    generated=True,
    explain="The full URL, put together from the Host header and the URI (worked out).",
)
REQUEST_LINE = Text(
    "http.request.line",
    "Request line",
    hidden=True,
    explain="One line of the request's header: a name, a colon and a value, ended by CR LF.",
)
RESPONSE_LINE = Text(
    "http.response.line",
    "Response line",
    hidden=True,
    explain="One line of the response's header: a name, a colon and a value, ended by CR LF.",
)
UNKNOWN_HEADER = Text(
    "http.unknown_header",
    "Unknown header",
    raw=True,
    explain="A header this tool has no field for: a name, a colon and a value.",
)
CONTENT_LENGTH = Int(
    "http.content_length",
    "Content length",
    generated=True,
    explain="The body's length from the Content-Length header, as a number.",
)
COOKIE_PAIR = Text(
    "http.cookie_pair", "Cookie pair", explain="One name=value pair of the Cookie header."
)
AUTHBASIC = Text(
    "http.authbasic",
    "Credentials",
    generated=True,
    explain="The user name and password of basic authentication, decoded from "
    "base64: anyone who sees the packet can read them.",
)
# Made by the stream pass (dissect/streams/pdus.py): they need other packets.
REQUEST_IN = Int("http.request_in", "Request in frame", generated=True,
                 explain=lambda v, _l: f"This response answers the request in frame {v}.")  # fmt: skip
RESPONSE_IN = Int("http.response_in", "Response in frame", generated=True,
                  explain=lambda v, _l: f"The response to this request is in frame {v}.")  # fmt: skip
TIME = Float("http.time", "Time since request", generated=True, unit=" seconds",
             explain=lambda v, _l: f"The response came {v} s after its request.")  # fmt: skip
ENCODED_ENTITY = Str("http.content_encoded_entity", "", explain="The body as sent, compressed: its "
                     "uncompressed bytes are the next data source.")  # fmt: skip
FILE_DATA = Bytes(
    "http.file_data",
    "File Data",
    text=lambda v: f"{len(v)} bytes",
    explain="The message body: the page, file or data the message carries.",
)
CHUNK_SIZE = Int(
    "http.chunk_size",
    "Chunk size",
    explain=lambda v, _l: (
        f"Chunk size {v}: that many bytes of body follow"
        + (" (0: the last chunk)." if v == 0 else ".")
    ),
)
CHUNK_DATA = Bytes("http.chunk_data", "Chunk data", explain="One chunk of the body.")
CHUNK_BOUNDARY = Bytes(
    "http.chunk_boundary", "Chunk boundary", explain="The CR LF that ends a chunk."
)
TRAILER = Text(
    "http.chunked_trailer_part",
    "trailer-part",
    explain="A header line sent after the last chunk (a trailer).",
)
MEDIA_TYPE = Bytes(
    "media.type",
    "Media type",
    explain="The body, of a media type no decoder here reads (an image, an archive...).",
)
TEXT_LINE = Text("data-text-lines.line", "Line", raw=True,
                 explain="One line of a text body, as sent.")  # fmt: skip
MAX_TEXT_LINES = 10_000  # lines of a text body shown in the tree

# Header name (lower case) -> its field, as Wireshark's headers[] table (4.0).
HEADERS: dict[bytes, FieldSpec] = {
    name.lower().encode(): Text(filt, label, raw=True, explain=explain)
    for name, filt, label, explain in (
        ("Authorization", "http.authorization", "Authorization",
         "Authorization: the client's credentials for this server (basic ones are only encoded, not encrypted)."),
        ("Proxy-Authorization", "http.proxy_authorization", "Proxy-Authorization",
         "Proxy-Authorization: the client's credentials for the proxy in between."),
        ("Proxy-Authenticate", "http.proxy_authenticate", "Proxy-Authenticate",
         "Proxy-Authenticate: the proxy asks the client to log in, and says how."),
        ("WWW-Authenticate", "http.www_authenticate", "WWW-Authenticate",
         "WWW-Authenticate: the server asks the client to log in, and says how."),
        ("Content-Type", "http.content_type", "Content-Type",
         _header_value("Content-Type {}: what the body is (text/html, image/png...).")),
        ("Content-Length", "http.content_length_header", "Content-Length",
         _header_value("Content-Length {}: the body is that many bytes long.")),
        ("Content-Encoding", "http.content_encoding", "Content-Encoding",
         "Content-Encoding: how the body is compressed (gzip, br...); the receiver must undo it."),
        ("Transfer-Encoding", "http.transfer_encoding", "Transfer-Encoding",
         "Transfer-Encoding: how the body is sent; chunked means in pieces, each with its size."),
        ("Upgrade", "http.upgrade", "Upgrade",
         "Upgrade: asks to switch the connection to another protocol (WebSocket, HTTP/2)."),
        ("User-Agent", "http.user_agent", "User-Agent",
         _header_value("User-Agent: the client program, here {}.")),
        ("Host", "http.host", "Host",
         _header_value("Host {}: which web site on this server is meant (one address can host many).")),
        ("Connection", "http.connection", "Connection",
         _explain_connection),
        ("Cookie", "http.cookie", "Cookie",
         "Cookie: state the site stored in the browser earlier, sent back with each request."),
        ("Accept", "http.accept", "Accept",
         _header_value("Accept {}: the content types the client takes (*/* = anything).")),
        ("Referer", "http.referer", "Referer",
         "Referer: the page whose link or resource led to this request."),
        ("Accept-Language", "http.accept_language", "Accept-Language",
         "Accept-Language: the languages the user prefers, in order."),
        ("Accept-Encoding", "http.accept_encoding", "Accept Encoding",
         _header_value("Accept-Encoding {}: the compressions the client can undo.")),
        ("Date", "http.date", "Date",
         "Date: when the message was sent."),
        ("Cache-Control", "http.cache_control", "Cache-Control",
         "Cache-Control: whether and how long caches may keep the response."),
        ("Server", "http.server", "Server",
         _header_value("Server: the server software, here {}.")),
        ("Location", "http.location", "Location",
         "Location: where a redirect points, or where a new resource was made."),
        ("Sec-WebSocket-Accept", "http.sec_websocket_accept", "Sec-WebSocket-Accept",
         "Sec-WebSocket-Accept: the server's proof that it read the client's WebSocket key."),
        ("Sec-WebSocket-Extensions", "http.sec_websocket_extensions", "Sec-WebSocket-Extensions",
         "Sec-WebSocket-Extensions: WebSocket extensions (such as compression) offered or agreed."),
        ("Sec-WebSocket-Key", "http.sec_websocket_key", "Sec-WebSocket-Key",
         "Sec-WebSocket-Key: a random value the server must answer to accept the WebSocket."),
        ("Sec-WebSocket-Protocol", "http.sec_websocket_protocol", "Sec-WebSocket-Protocol",
         "Sec-WebSocket-Protocol: the subprotocol spoken over the WebSocket."),
        ("Sec-WebSocket-Version", "http.sec_websocket_version", "Sec-WebSocket-Version",
         "Sec-WebSocket-Version: the WebSocket protocol version (13)."),
        ("Set-Cookie", "http.set_cookie", "Set-Cookie",
         "Set-Cookie: asks the browser to store state and send it back in later requests."),
        ("Last-Modified", "http.last_modified", "Last-Modified",
         "Last-Modified: when the resource last changed (for caching)."),
        ("X-Forwarded-For", "http.x_forwarded_for", "X-Forwarded-For",
         "X-Forwarded-For: the original client's address, added by proxies on the way."),
        ("HTTP2-Settings", "http.http2_settings", "HTTP2-Settings",
         "HTTP2-Settings: HTTP/2 settings sent along with an upgrade request."),
    )
}  # fmt: skip
TOKEN_CHARS = frozenset(
    b"!#$%&\\:*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)
TOKEN_BYTES = bytes(sorted(TOKEN_CHARS))
TOKEN_TABLE = bytes(b in TOKEN_CHARS for b in range(256))  # 1 for a token byte, by value
BYTE = tuple(bytes((b,)) for b in range(256))  # the needle of data.find(BYTE[b], ...)


def _text(raw: bytes) -> str:
    """Packet text as Wireshark's ENC_ASCII reads it: other bytes become U+FFFD."""
    return raw.decode("ascii", "replace")


class _Lines:
    """Line ends as tvb_find_line_end finds them (CR, LF or CRLF). The CR and LF search
    positions only move forward, so scanning a whole segment is linear in its length."""

    __slots__ = ("data", "end", "cr", "lf", "last")

    def __init__(self, data: bytes, end: int) -> None:
        self.data, self.end, self.cr, self.lf, self.last = data, end, -2, -2, 0

    def next(self, pos: int) -> tuple[int, int]:
        """(end of the line's text, start of the next line); (-1, end) if no line end."""
        if pos < self.last:  # callers move forward; a step back forgets what was found
            self.cr = self.lf = -2
        self.last = pos
        if self.cr != -1 and self.cr < pos:
            self.cr = self.data.find(b"\r", pos, self.end)
        if self.lf != -1 and self.lf < pos:
            self.lf = self.data.find(b"\n", pos, self.end)
        cr, lf = self.cr, self.lf
        if cr == -1 and lf == -1:
            return -1, self.end
        if cr == -1 or (lf != -1 and lf < cr):
            return lf, lf + 1
        if cr + 1 < self.end and self.data[cr + 1] == 0x0A:
            return cr, cr + 2
        return cr, cr + 1


class _Msg:
    """What one message's header block said about its body, and where tail() found its
    parts: detail() builds the fields from those spans without scanning for lines again."""

    __slots__ = ("kind", "info", "ctype", "clen", "te", "chunked", "encoding", "code", "host", "uri",
                 "dechunked", "lines", "chunks", "trailer", "body")  # fmt: skip

    def __init__(self) -> None:
        self.kind, self.info = OTHER, "Continuation"
        self.ctype = None  # str
        self.clen = None  # int
        self.te = None  # transfer codings other than chunked, "" if none named
        self.chunked = False
        self.encoding = None  # str
        self.code = 0
        self.host = None  # str
        self.uri = None  # (method, uri) of a request
        self.dechunked = None  # bytes of chunk data; None: no chunk walked
        # pos, colon, eol, next line, and a start line's kind, a header's field (_tail_spec)
        # or END_OF_HEADERS for the blank line
        self.lines = []
        self.chunks = []  # (size line start, data start, data size)
        self.trailer = None  # (start, stop)
        self.body = None  # (start, stop): the message's body bytes in this segment


def _drop(
    spec: Any, pos: int, length: Any, value: Any = None, mask: int = 0, parent: Any = None,
    generated: bool = False,
) -> None:  # fmt: skip
    return None


class _Out:
    """Where the start and header lines send what they find. tail() reads them with fields
    off (what the body, the Info and the issues need); detail() reads them again with fields
    on and issues off (tail() raised them already, once)."""

    __slots__ = ("layer", "fields", "add", "issue")

    def __init__(self, layer: Layer, fields: bool) -> None:
        self.layer, self.fields = layer, fields
        self.add = layer.add if fields else _drop
        self.issue = _drop if fields else layer.issue


def classify(line: bytes) -> str | None:
    """Request, response or notification start line (Wireshark's is_http_request_or_reply)."""
    if line.startswith(b"M-"):  # RFC 2774 mandatory-extension prefix
        line = line[2:]
    if line.startswith(b"HTTP/") or line.startswith(b"ICY"):
        return RESPONSE
    sp = line.find(BYTE[0x20], 0, len(line))
    method = line if sp < 0 else line[:sp]
    if method in REQUEST_METHODS:
        return REQUEST
    if method in NOTIFY_METHODS:
        return NOTIFICATION
    return None


def _token(data: bytes, pos: int, eol: int) -> tuple[int, int]:
    """(token length, start of the next token): get_token_len, blanks skipped after."""
    sp = data.find(BYTE[0x20], pos, eol)
    stop = eol if sp < 0 else sp
    nxt = stop
    while nxt < eol and data[nxt] == 0x20:
        nxt += 1
    return stop - pos, nxt


def _request_line(data: bytes, out: _Out, pos: int, eol: int, msg: _Msg, line: Any) -> None:
    n, nxt = _token(data, pos, eol)
    if n == 0:
        return
    method = _text(data[pos : pos + n])
    out.add(METHOD, pos, n, method, parent=line)
    if nxt - pos > 2 and data[nxt - 1] == 0x20 and data[nxt - 2] == 0x20:
        nxt -= 1  # two blanks: an empty URI sits between them
    n, vpos = _token(data, nxt, eol)
    uri = _text(data[nxt : nxt + n])
    f = out.add(URI, nxt, n, uri, parent=line)
    q = uri.find("?")
    if q >= 0:  # path and query parts, as Wireshark's URI subtree
        out.add(URI_PATH, nxt, q, uri[:q], parent=f)
        qf = out.add(URI_QUERY, nxt + q + 1, n - q - 1, uri[q + 1 :], parent=f)
        off = nxt + q + 1
        for part in uri[q + 1 :].split("&", MAX_PARTS)[:MAX_PARTS]:
            if part:
                out.add(URI_PARAM, off, len(part), part, parent=qf)
            off += len(part) + 1
    out.add(REQ_VERSION, vpos, eol - vpos, _text(data[vpos:eol]), parent=line)
    msg.uri = (method, uri)


def _status_code(raw: bytes) -> int:
    """strtoul over the first three characters: leading digits only."""
    value = 0
    for b in raw:
        if not 0x30 <= b <= 0x39:
            break
        value = value * 10 + b - 0x30
    return value


def _response_line(data: bytes, out: _Out, pos: int, eol: int, msg: _Msg, line: Any) -> None:
    n, nxt = _token(data, pos, eol)
    if n == 0:
        return
    if out.fields:
        out.add(RESP_VERSION, pos, n, _text(data[pos : pos + n]), parent=line)
    n, ppos = _token(data, nxt, eol)
    if n < 3:
        return
    msg.code = code = _status_code(data[nxt : nxt + 3])
    if not out.fields:
        return  # the status code decides the body's length; the rest is for the tree
    out.add(CODE, nxt, 3, code, parent=line)
    out.add(CODE_DESC, nxt, 0, STATUS_TEXT.get(code, f"Unknown ({code})"), parent=line,
            generated=True)  # fmt: skip
    if eol > ppos:
        out.add(PHRASE, ppos, eol - ppos, _text(data[ppos:eol]), parent=line)


def _start_line(data: bytes, out: _Out, span: tuple[int, int, int], kind: str, msg: _Msg) -> None:
    """The start line (span: its start, text end, next line) and its parts under it."""
    pos, eol, nxt = span
    msg.kind = kind
    line = out.add(START_LINE, pos, nxt - pos, _text(data[pos:nxt])) if out.fields else None
    if kind == RESPONSE:
        _response_line(data, out, pos, eol, msg, line)
    elif out.fields:  # a request line only names things for the tree
        _request_line(data, out, pos, eol, msg, line)


def valid_name(name: bytes) -> bool:
    """A header name is a non-empty RFC 9110 token (no blank before the colon)."""
    return bool(name) and not name.translate(None, TOKEN_BYTES)  # nothing left but tokens


# Headers whose value decides how the body is read: tail() looks at these values only, and
# looks up the field of a header line only when its name is as long as one of these.
BODY_NAMES = (b"content-type", b"content-length", b"transfer-encoding", b"content-encoding")
BODY_HEADERS = frozenset(HEADERS[name].name for name in BODY_NAMES)
BODY_NAME_LENGTHS = frozenset(len(name) for name in BODY_NAMES)


def _name_spec(data: bytes, pos: int, colon: int) -> FieldSpec | None | bool:
    """A header line's own field: None for a valid name nobody decodes, False for a name
    that is not a token (tail() keeps the answer with the line, for detail())."""
    if not valid_name(data[pos:colon]):
        return False
    headers = HEADERS  # (a typed local: the compiled lookup is a C dict call)
    return headers.get(data[pos:colon].lower())


def _tail_spec(data: bytes, pos: int, colon: int) -> FieldSpec | None | bool:
    """_name_spec() as far as tail() needs it: False for a name that is not a token, and
    the field (or None) of a name as long as a body header's; True for any other valid
    name, whose field detail() looks up (_message_fields)."""
    if colon - pos not in BODY_NAME_LENGTHS:
        return valid_name(data[pos:colon])
    return _name_spec(data, pos, colon)


def _line_kind(data: bytes, pos: int, eol: int, spec: Any) -> str | None:
    """classify() of the line at pos, whose name before the colon gave spec (_tail_spec).

    A valid header name settles it without classify(): it is a token, so the line's first
    word runs to the colon or past 24 bytes and is no method (none has a colon or more than
    16 characters), and it has no "/", so the line cannot start with "HTTP/". Only "ICY" and
    the "M-" prefix need a look, so names starting with I or M take classify() as the rest.
    """
    if spec is False or data[pos] in (0x49, 0x4D):  # I, M
        return classify(data[pos : min(eol, pos + 24)])
    return None


def _header(data: bytes, out: _Out, span: tuple[int, int, int, int], msg: _Msg, spec: Any) -> None:
    """One header line: its own field when known (spec, from _name_spec), plus the line as
    request/response line."""
    pos, colon, eol, nxt = span
    kind = msg.kind
    line_spec = REQUEST_LINE if kind == REQUEST else RESPONSE_LINE if kind == RESPONSE else None
    if spec is False:
        if out.fields:
            out.add(line_spec or UNKNOWN_HEADER, pos, nxt - pos, _text(data[pos:nxt]))
        out.issue("warn", "protocol", "http.bad_header_name",
                  "Illegal characters found in header name", pos, colon - pos)  # fmt: skip
        return
    if not out.fields and (spec is None or spec.name not in BODY_HEADERS):
        return
    v = colon + 1
    while v < eol and data[v] in (0x20, 0x09):
        v += 1
    value = _text(data[v:eol])
    if spec is not None:
        f = out.add(spec, pos, nxt - pos, value)
        _special(out, spec.name, f, (pos, nxt - pos, v), value, msg)
    if not out.fields:
        return
    line = _text(data[pos:nxt])
    if spec is None:  # the tree's line for a header no field names (the line field hides)
        # Wireshark keeps this one as displayed: line ends escaped
        out.add(UNKNOWN_HEADER, pos, nxt - pos, line.replace("\r", "\\r").replace("\n", "\\n"))
    if line_spec is not None:
        out.add(line_spec, pos, nxt - pos, line)


def _special(
    out: _Out, name: str, f: Any, where: tuple[int, int, int], value: str, msg: _Msg
) -> None:
    """What particular headers mean for the rest of the message; where = (line start,
    line length, value start)."""
    pos, length, v = where
    if name == "http.content_type":
        ctype = value.split(";", 1)[0]
        msg.ctype = ctype.split(None, 1)[0].lower() if ctype.strip() else ""
    elif name == "http.content_length_header":
        digits = value.rstrip(" \t\r\n")
        if digits.isdigit() and digits.isascii() and len(digits) <= 18:
            msg.clen = int(digits)
            out.add(CONTENT_LENGTH, pos, 0, msg.clen, parent=f, generated=True)
    elif name == "http.transfer_encoding":
        _transfer_coding(out, (pos, length), value, msg)
    elif name == "http.content_encoding":
        msg.encoding = value.strip().lower()
    elif name == "http.host":
        msg.host = value
    elif name == "http.cookie":
        _cookies(out, f, v, value)
    elif name in ("http.authorization", "http.proxy_authorization") and value.startswith("Basic "):
        try:
            cred = base64.b64decode(value[6:].strip(), validate=False)
        except (binascii.Error, ValueError):
            return
        out.add(AUTHBASIC, pos, 0, _text(cred), parent=f, generated=True)


def _transfer_coding(out: _Out, span: tuple[int, int], value: str, msg: _Msg) -> None:
    known = ("compress", "deflate", "gzip", "identity", "x-compress", "x-gzip")
    msg.te = ""
    for part in value.split(","):
        coding = part.strip().lower()
        if coding == "chunked":
            msg.chunked = True
        elif coding in known:
            msg.te = coding
        elif coding:
            out.issue("note", "protocol", "http.te_unknown",
                      f"Unknown transfer coding name {coding!r} in Transfer-Encoding header",
                      *span)  # fmt: skip


def _cookies(out: _Out, f: Any, v: int, value: str) -> None:
    off = 0
    for part in value.split(";", MAX_PARTS)[:MAX_PARTS]:
        stripped = part.lstrip(" \t")
        lead = len(part) - len(stripped)
        if stripped:
            out.add(COOKIE_PAIR, v + off + lead, len(stripped), stripped, parent=f)
        off += len(part) + 1


def _headers(
    data: bytes, out: _Out, lines: _Lines, span: tuple[int, int], msg: _Msg, first: str | None
) -> int:
    """The start line and header lines of one message in span (each kept in msg.lines for
    detail()); returns where the body starts. first: classify() of the first line, which
    _message() asked already."""
    pos, end = span
    layer = out.layer
    saw = False
    lines_seen = 0
    while pos < end:  # every pass moves on by a line or returns
        eol, nxt = lines.next(pos)
        open_line = eol < 0
        if open_line:
            eol = nxt = end  # no line end: Wireshark takes the rest as one line
        if eol == pos:  # the blank line ends the header block (classify(b"") is None)
            msg.lines.append((pos, -1, eol, nxt, END_OF_HEADERS))
            return nxt
        colon = data.find(BYTE[0x3A], pos, eol)
        spec = _tail_spec(data, pos, colon) if colon >= 0 else False
        kind = _line_kind(data, pos, eol, spec) if lines_seen else first
        if kind is not None:
            colon = -1  # a start line has no header name
        elif colon < 0 and not (saw and open_line):
            return pos  # no colon, not a header (Wireshark 4.0): the body or next message starts
        if lines_seen > MAX_HEADERS:  # the start line and MAX_HEADERS header lines
            layer.issue("note", "protocol", "http.too_many_headers",
                        f"more than {MAX_HEADERS} header lines: the rest of the segment is "
                        "not decoded", pos, end - pos)  # fmt: skip
            return end
        lines_seen += 1
        if kind is not None:
            _start_line(data, out, (pos, eol, nxt), kind, msg)
            msg.lines.append((pos, colon, eol, nxt, kind))
        elif colon >= 0:
            if spec is not True and spec is not None:  # a bad name or a looked-up field:
                # an issue, or a body header's value (_header() would ignore the others)
                _header(data, out, (pos, colon, eol, nxt), msg, spec)
            msg.lines.append((pos, colon, eol, nxt, spec))
        if open_line:
            _incomplete(layer, pos, end, "header block")
            return end
        saw = True
        pos = nxt
    return pos


def _incomplete(layer: Layer, pos: int, end: int, what: str) -> None:
    """Bytes stop inside an HTTP element: cut by the snap length, or continued in the next
    segment (Wireshark's "Unreassembled Packet", which it does not count as malformed)."""
    pkt = layer.packet
    if pkt.caplen < pkt.wirelen and end >= pkt.caplen:
        layer.short(end - layer.pos + 1, f"HTTP {what}")
        return
    layer.issue("note", "protocol", "http.unreassembled",
                f"HTTP {what} continues in the next segment (not reassembled)", pos, end - pos)  # fmt: skip


def _body_len(msg: _Msg, remaining: int) -> int:
    """Bytes of body this message owns (RFC 9112 section 6.3, as Wireshark applies it)."""
    if msg.clen is not None and msg.te is None:
        return min(msg.clen, remaining)
    if msg.kind == REQUEST:
        return 0 if msg.te is None else remaining
    if msg.kind == RESPONSE and (msg.code // 100 == 1 or msg.code in (204, 304)):
        return 0
    return remaining


def _message(data: bytes, out: _Out, lines: _Lines, pos: int, end: int) -> tuple[_Msg, int, int]:
    """One message, as tail() reads it: (what it said, body start, body end)."""
    layer = out.layer
    msg = _Msg()
    orig = pos
    if end - pos > 3 and data[pos : pos + 2] == b"\r\n":
        layer.issue("error", "malformed", "http.leading_crlf",
                    "Leading CRLF previous message in the stream may have extra CRLF", pos, 2)  # fmt: skip
        pos += 2
    if not 0x20 <= data[pos] < 0x7F:
        return msg, orig, end  # binary: the rest of the segment is body of an earlier message
    eol, _ = lines.next(pos)
    first = data[pos : min(end if eol < 0 else eol, pos + MAX_INFO)]
    kind = classify(first[:24])
    if kind is not None:
        msg.info = _text(first)
    start = _headers(data, out, lines, (pos, end), msg, kind)
    stop = start + _body_len(msg, end - start)
    if msg.chunked and stop > start:
        walked = _chunks(data, layer, lines, (start, stop), msg)
        if walked is None:  # a chunk runs past the segment: Wireshark stops decoding here
            msg.dechunked = 0
            return msg, start, end
        consumed, msg.dechunked = walked
        if consumed:  # what follows the last chunk is the next message
            stop = start + consumed
    return msg, start, stop


def _message_fields(data: bytes, out: _Out, kept: _Msg) -> None:
    """detail(): one message's fields, in wire order, from the parts tail() kept."""
    msg = _Msg()
    for pos, colon, eol, nxt, what in kept.lines:
        if what.__class__ is str:  # a start line's kind
            _start_line(data, out, (pos, eol, nxt), what, msg)
        elif what is END_OF_HEADERS:
            out.add(END_OF_HEADERS, pos, nxt - pos, _text(data[pos:nxt]))
        else:  # a header line's field (see _name_spec), or True if not looked up yet
            spec = _name_spec(data, pos, colon) if what is True else what
            _header(data, out, (pos, colon, eol, nxt), msg, spec)
    _flags(out.layer, msg)
    layer = out.layer
    for pos, nxt, size in kept.chunks:
        layer.add(CHUNK_SIZE, pos, nxt - pos, size)
        if size:
            layer.add(CHUNK_DATA, nxt, size, data[nxt : nxt + size])
            layer.add(CHUNK_BOUNDARY, nxt + size, 2, data[nxt + size : nxt + size + 2])
    if kept.trailer is not None:
        start, stop = kept.trailer
        layer.add(TRAILER, start, stop - start, _text(data[start:stop]))
    if kept.body is not None:
        start, stop = kept.body
        layer.add(FILE_DATA, start, stop - start, data[start:stop])


def _flags(layer: Layer, msg: _Msg) -> None:
    """Generated request/response markers and the full URI of a request."""
    if msg.kind == REQUEST:
        layer.add(IS_REQUEST, layer.pos, 0, True, generated=True)
        if msg.host is not None and msg.uri is not None:
            method, uri = msg.uri
            if uri.lower().startswith(("http://", "https://")) or method.startswith("CONNECT"):
                full = uri
            else:
                full = f"http://{msg.host.strip()}{uri}"
            layer.add(FULL_URI, layer.pos, 0, full, generated=True)
    elif msg.kind == RESPONSE:
        layer.add(IS_RESPONSE, layer.pos, 0, True, generated=True)
    elif msg.kind == NOTIFICATION:
        layer.add(IS_NOTIFICATION, layer.pos, 0, True, generated=True)


def _chunks(
    data: bytes, layer: Layer, lines: _Lines, span: tuple[int, int], msg: _Msg
) -> tuple[int, int] | None:
    """Walk a chunked body (RFC 9112 section 7.1), keeping each chunk in msg.chunks:
    (bytes consumed, bytes of chunk data), or None when a chunk runs past the segment
    (Wireshark then stops decoding)."""
    pos, end = span
    start, total = pos, 0
    for _ in range(MAX_CHUNKS):
        eol, nxt = lines.next(pos)
        if pos >= end or eol <= pos or (eol == end - 1 and data[eol] == 0x0D):
            break
        size = min(_hex_size(data[pos : min(eol, pos + 32)]), end - pos)
        if nxt + size + (2 if size else 0) > end:
            _incomplete(layer, pos, end, "chunk")
            return None
        msg.chunks.append((pos, nxt, size))
        if size == 0:
            pos = _trailer(lines, nxt, end, msg)
            break
        total += size
        pos = nxt + size + 2
    return pos - start, total


def _hex_size(raw: bytes) -> int:
    """strtol(…, 16) over a chunk-size line; chunk extensions after ';' ignored."""
    text = raw.split(b";", 1)[0].strip().lower()
    if text.startswith(b"0x"):
        text = text[2:]
    value = 0
    for b in text:
        digit = b - 0x30 if 0x30 <= b <= 0x39 else b - 0x57 if 0x61 <= b <= 0x66 else -1
        if digit < 0:
            break
        value = min(value * 16 + digit, 0x7FFFFFFF)
    return value


def _trailer(lines: _Lines, pos: int, end: int, msg: _Msg) -> int:
    """Header fields after the last chunk and the final blank line; returns the end."""
    start = pos
    eol, nxt = -1, end
    for _ in range(MAX_HEADERS):
        eol, nxt = lines.next(pos)
        if pos >= end or eol <= pos:
            break
        pos = nxt
    if pos > start:
        msg.trailer = (start, pos)
    return nxt if eol == pos and pos < end else pos


def _inflates(body: bytes, coding: str) -> bool:
    """Whether a gzip/deflate coded body yields any bytes (Wireshark then decodes the
    result by media type; spans here stay on the coded bytes)."""
    if coding not in ("gzip", "x-gzip", "deflate", "x-deflate"):
        return False
    for wbits in (47, -15):  # zlib or gzip header, then raw deflate
        try:
            if zlib.decompressobj(wbits).decompress(body, MAX_INFLATE):
                return True
        except zlib.error:
            continue
    return False


def _media(data: bytes, start: int, end: int, msg: _Msg) -> Protocol:
    """The layer for a body of this message's media type."""
    ctype = msg.ctype
    if ctype is None:
        return DATA
    proto = lookup("media_type", ctype)
    if proto is None and ctype.startswith("multipart/"):
        proto = lookup("media_type", "multipart/")
    if proto is None:
        return MEDIA
    if (
        proto is DATA_TEXT_LINES
        and end - start > 38
        and data[start : start + 5].lower() == b"<?xml"
    ):
        return PROTOCOLS.get("xml") or proto  # text-lines hands XML documents to xml
    return proto


def _body(data: bytes, layer: Layer, span: tuple[int, int], msg: _Msg) -> None:
    """The last message's body becomes the next layer."""
    start, end = span
    layer.hdr_len = start - layer.pos
    layer.payload_pos = start
    msg.body = span
    proto = DATA
    if msg.dechunked is not None:
        if not msg.dechunked:  # no chunk data (or a chunk ran past the segment): no layer
            layer.hdr_len = end - layer.pos
            layer.payload_pos = end
            return
        proto = _media(data, start, end, msg)
    elif msg.te:
        proto = DATA  # gzip/deflate as a transfer coding: Wireshark shows data
    elif msg.encoding not in (None, "", "identity"):
        if _inflates(data[start:end], msg.encoding or ""):
            proto = _media(data, start, end, msg)
    else:
        proto = _media(data, start, end, msg)
    layer.next = proto
    layer.packet.ctx.media_type = msg.ctype or ""


def _upgraded(data: bytes, layer: Layer, pos: int, start: int) -> bool:
    """After "101 Switching Protocols", the bytes from start are the protocol the Upgrade
    header names (h2c: HTTP/2), when one is bound in the "http.upgrade" table."""
    head = data[pos:start].lower()
    proto = next((p for k, p in table("http.upgrade").items() if k in head), None)
    if proto is None:
        return False
    layer.hdr_len, layer.payload_pos, layer.next = start - layer.pos, start, proto
    return True


def _tail(data: Any, layer: Layer) -> None:
    """Messages, bodies, Info and issues; the fields wait for detail() (layer.state keeps
    each message's lines, chunks and body)."""
    if type(data) is not bytes:
        data = bytes(data)  # (compiled, the line walk reads bytes; offsets stay the same)
    pos, end = layer.pos, layer.payload_end
    if data.startswith(HTTP2_PREFACE, pos):
        layer.decline()  # HTTP/2's connection preface: Wireshark's HTTP hands it to HTTP/2
        return
    lines = _Lines(data, end)
    out = _Out(layer, False)
    infos: list[str] = []
    kept: list[_Msg] = []
    for _ in range(MAX_MESSAGES):
        msg, start, stop = _message(data, out, lines, pos, end)
        infos.append(msg.info)
        kept.append(msg)
        if msg.code == 101 and start < end and _upgraded(data, layer, pos, start):
            break  # the rest of the segment is the protocol switched to
        if stop >= end and stop > start:
            _body(data, layer, (start, stop), msg)
            break
        if stop > start:  # a body with more messages after it stays in this layer
            msg.body = (start, stop)
        pos = stop
        if pos >= end:
            layer.hdr_len, layer.payload_pos = end - layer.pos, end
            break
    else:
        layer.issue("note", "protocol", "http.too_many_messages",
                    f"more than {MAX_MESSAGES} messages in one segment: the rest is not decoded", pos, end - pos)  # fmt: skip
        layer.hdr_len, layer.payload_pos = end - layer.pos, end
    layer.state = HttpState(kept, " ".join(infos))
    _tls_port(layer)


def _detail(data: Any, layer: Layer) -> None:
    if type(data) is not bytes:
        data = bytes(data)  # as in _tail()
    out = _Out(layer, True)
    if layer.state is not None:
        for msg in layer.state.messages:
            _message_fields(data, out, msg)


def _tls_port(layer: Layer) -> None:
    """Plain HTTP on TCP port 443 is worth a warning (Wireshark's http.tls_port)."""
    tcp = None
    # protocols are unique by name: comparing the objects spares a string compare per layer
    tcp_proto, tls_proto = PROTOCOLS.get("tcp"), PROTOCOLS.get("tls")
    for below in layer.packet.layers:  # one walk for pkt.layer("tcp") and pkt.has("tls")
        proto = below.protocol
        if proto is tls_proto:
            return
        if proto is tcp_proto and tcp is None:
            tcp = below
    if tcp is None or 443 not in (tcp.value("tcp.srcport"), tcp.value("tcp.dstport")):
        return
    layer.issue("warn", "protocol", "http.tls_port",
                "Unencrypted HTTP protocol detected over encrypted port, could indicate a "
                "dangerous misconfiguration.", layer.pos, 0)  # fmt: skip


def _info(layer: Layer) -> str:
    return layer.state.info if layer.state is not None else ""


def _describe(layer: Layer) -> str:
    # the chunks tail() found: counting fields would build them
    kept = layer.state.messages if layer.state is not None else ()
    chunks = sum(len(msg.chunks) for msg in kept)
    if not chunks:
        return "Hypertext Transfer Protocol"
    last = any(size == 0 for msg in kept for _pos, _nxt, size in msg.chunks)
    tail = " (including last chunk)" if last else ""
    return f"Hypertext Transfer Protocol, has {chunks} chunk{'s' if chunks > 1 else ''}{tail}"


def detect(data: Any, pos: int, end: int, layer: Layer) -> bool:
    """Wireshark 4.0's TCP heuristic: a first line ending in, or starting with, "HTTP/1."
    and one more character. Only lines that also read as a request or status line are
    claimed, since anything else would show no HTTP at all."""
    cr, lf = data.find(b"\r", pos, end), data.find(b"\n", pos, end)
    eol = lf if cr < 0 or 0 <= lf < cr else cr
    if eol < 0 or (eol == cr and eol + 1 >= end):
        return False  # no line end (a final CR might still be followed by LF)
    line = bytes(data[pos:eol])
    if len(line) <= 8:
        return False
    if line[-8:-1].upper() != b"HTTP/1." and line[:7].upper() != b"HTTP/1.":
        return False
    return classify(line[:24]) is not None


# -- body layers ------------------------------------------------------------------------
def _body_info(layer: Layer) -> str:
    """Wireshark appends the media type to the message's Info: "HTTP/1.1 200 OK (text/html)"."""
    layers = layer.packet.layers
    i = next((k for k, x in enumerate(layers) if x is layer), 0)
    below = layers[i - 1] if i > 0 else None
    base = below.protocol.info(below) if below is not None and below.protocol.info else ""
    ctype = layer.packet.ctx.media_type
    return f"{base} ({ctype})" if ctype else base


def _text_lines_tail(data: Any, layer: Layer) -> None:
    layer.hdr_len = layer.payload_end - layer.pos
    layer.payload_pos = layer.payload_end


def _text_lines_detail(data: Any, layer: Layer) -> None:
    """Each line of the body (its end included), as Wireshark lists them; none for a body
    whose content coding (gzip) Wireshark would undo first: its bytes are not the text."""
    if type(data) is not bytes:
        data = bytes(data)
    if _coded_body(layer):
        return
    pos, end = layer.pos, layer.pos + layer.hdr_len
    lines = _Lines(data, end)
    for _ in range(MAX_TEXT_LINES):
        if pos >= end:
            break
        _eol, nxt = lines.next(pos)
        layer.add(TEXT_LINE, pos, nxt - pos, _text(data[pos:nxt]))
        pos = nxt


def _coded_body(layer: Layer) -> bool:
    """The HTTP message below says its body has a content coding (gzip, deflate)."""
    layers = layer.packet.layers
    i = next((k for k, x in enumerate(layers) if x is layer), 0)
    below = layers[i - 1].state if i > 0 and layers[i - 1].protocol in (HTTP, SSDP) else None
    kept = below.messages if below is not None else ()
    return bool(kept) and kept[-1].encoding not in (None, "", "identity")


def _text_lines_describe(layer: Layer) -> str:
    body = layer.packet.data[layer.pos : layer.end]
    lines = body.count(b"\n") + (1 if body and not body.endswith(b"\n") else 0)
    ctype = layer.packet.ctx.media_type
    name = f"Line-based text data: {ctype}" if ctype else "Line-based text data"
    return f"{name} ({lines} line{'' if lines == 1 else 's'})"


def _media_tail(data: Any, layer: Layer) -> None:
    layer.hdr_len = layer.payload_end - layer.pos
    layer.payload_pos = layer.payload_end


def _media_detail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.pos + layer.hdr_len
    layer.add(MEDIA_TYPE, pos, end - pos, bytes(data[pos:end]))


def _media_describe(layer: Layer) -> str:
    ctype = layer.packet.ctx.media_type
    return f"Media Type: {ctype} ({layer.hdr_len} bytes)" if ctype else "Media Type"


HTTP.tail = SSDP.tail = _tail
HTTP.detail = SSDP.detail = _detail
HTTP.info = SSDP.info = _info
HTTP.describe = _describe
DATA_TEXT_LINES.tail = _text_lines_tail
DATA_TEXT_LINES.detail = _text_lines_detail
DATA_TEXT_LINES.info = _body_info
DATA_TEXT_LINES.describe = _text_lines_describe
MEDIA.tail = _media_tail
MEDIA.detail = _media_detail
MEDIA.info = _body_info
MEDIA.describe = _media_describe


def settled_message(data: Any, start: int, end: int) -> bool:
    """Whether tail() reads the segment from start to end as one header block that ends
    with it, or as the body of an earlier message (Settled's walk): no mark (a leading
    CRLF is the only one, and a line left open the only cut), no decline (the HTTP/2
    preface), no layer handed on but data (a body of no known media type). A block whose
    lines do not all end with CRLF is left to the decoder."""
    if end <= start or data.startswith(HTTP2_PREFACE, start):
        return False
    if data[start] == 0x0D and data[start + 1 : start + 2] == b"\n" and end - start > 3:
        return False  # _message marks a leading CRLF
    if not 0x20 <= data[start] < 0x7F:
        return True  # binary: _message hands it all on as an earlier message's body (data)
    cr, lf = data.find(b"\r", start, end), data.find(b"\n", start, end)  # the first line's end
    stop = cr if cr >= 0 and (lf < 0 or cr < lf) else lf if lf >= 0 else end  # as _Lines.next
    if (
        data.find(BYTE[0x3A], start, stop) < 0
        and classify(data[start : min(stop, start + 24)]) is None
    ):
        return True  # no start line, no header: _headers ends at once, the rest is body (data)
    if data.find(b"\r\n\r\n", start, end) != end - 4:
        return False  # no blank line, or a body or another message after it
    head = data[start : end - 4]
    crlf = head.count(b"\r\n")
    if head.count(b"\r") != crlf or head.count(b"\n") != crlf or crlf >= MAX_HEADERS:
        return False
    # every line ends with CRLF and none is blank: the lines _headers reads, up to the
    # blank line that ends the block at the segment's end; each must be a header
    for line in head.split(b"\r\n")[1:]:
        if b":" not in line:
            return False
    return True


for _port in HTTP_PORTS:
    bind("tcp.port", _port, HTTP)
# A header block filling its segment or a continuation of a body: nothing but "http"
settle(HTTP, Settled(walk=settled_message, over=frozenset({"tcp"})))
bind_heuristic(
    "tcp.port", HTTP, detect, first=range(0x21, 0x7F), min_len=10
)  # a token or "HTTP/1."; a 9-byte line and its end
bind("udp.port", 1900, SSDP)
for _ctype in TEXT_LINES_TYPES:
    bind("media_type", _ctype, DATA_TEXT_LINES)
bind("media_type", "application/octet-stream", DATA)  # Wireshark shows such bodies as data
