"""Session Initiation Protocol (RFC 3261) over UDP port 5060.

A request line ("INVITE sip:bob@example.com SIP/2.0") or a status line ("SIP/2.0 180
Ringing"), header lines up to an empty line, then a body of Content-Length bytes. The
headers are split as Wireshark splits them: Via (transport, sent-by, branch, received,
rport), From/To/Contact (display name, URI, user, host, port, tag), CSeq (number and
method), Call-ID; compact names (RFC 3261 section 7.3.3: v, f, t, i, m, l, c...) count as
the long ones. The body (usually an SDP offer, which is not decoded here) stays bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..protocol import Bytes, Field, FieldSpec, Int, Layer, Osi, Protocol, Text, bind, lookup

MAX_HEADERS = 256  # header lines read per message; more is no real traffic
REQUEST_LINE = re.compile(rb"([A-Za-z]+) (\S+) SIP/2\.0\Z")
STATUS_LINE = re.compile(rb"SIP/2\.0 ([0-9]{3})(?: (.*))?\Z")
COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length",
           "c": "content-type", "e": "content-encoding", "k": "supported", "s": "subject",
           "o": "event", "u": "allow-events", "r": "refer-to", "b": "referred-by"}  # fmt: skip

REQUEST = Text("sip.Request-Line", "Request-Line",
               explain="The request: the method, the address it is for, the version.")  # fmt: skip
METHOD = Text("sip.Method", "Method",
              explain="What the request does: INVITE starts a call, ACK confirms it, BYE ends "
              "it, REGISTER tells a registrar where a user is, OPTIONS asks what a peer "
              "supports.")  # fmt: skip
R_URI = Text("sip.r-uri", "Request-URI", explain="The address the request is for.")
STATUS = Text("sip.Status-Line", "Status-Line",
              explain="The response: the version, the status code and its reason phrase.")  # fmt: skip
STATUS_CODE = Int("sip.Status-Code", "Status-Code",
                  explain="The outcome, as in HTTP: 1xx in progress (180 ringing), 2xx "
                  "success, 3xx redirect, 4xx client error (486 busy), 5xx server error, "
                  "6xx global failure.")  # fmt: skip
MSG_HDR = Text("sip.msg_hdr", "Message Header", text=lambda _v: "",  # the tree shows the label
               explain="The header lines: who the message is from and to, the call it belongs "
               "to, its route.")  # fmt: skip
MSG_BODY = Bytes("sip.msg_body", "Message Body",
                 explain="The body: for a call, usually an SDP description of the media "
                 "(codecs, addresses, ports), not decoded here.")  # fmt: skip
# Wireshark's copies of every display name and tag, for filters: hidden from the tree
DISPLAY = Text("sip.display.info", "SIP Display info", hidden=True,
               explain="A display name from a From, To or Contact header.")  # fmt: skip
TAG = Text(
    "sip.tag", "SIP tag", hidden=True, explain="A From or To tag: identifies one side of a dialog."
)
CALL_ID_GENERATED = Text("sip.call_id_generated", "Generated Call-ID", generated=True,
                         explain="The Call-ID, for following a call (worked out).")  # fmt: skip
CSEQ_SEQ = Int("sip.CSeq.seq", "Sequence Number",
               explain="Orders the requests within a dialog; a response repeats its request's.")  # fmt: skip
CSEQ_METHOD = Text("sip.CSeq.method", "Method",
                   explain="The method of the request this CSeq belongs to.")  # fmt: skip
VIA_PARTS = {
    "transport": Text("sip.Via.transport", "Transport",
                      explain="The transport the hop used (UDP, TCP, TLS)."),
    "address": Text("sip.Via.sent-by.address", "Sent-by Address",
                    explain="Where the hop that added this Via wants responses sent."),
    "port": Int("sip.Via.sent-by.port", "Sent-by port", explain="The port of that address."),
    "branch": Text("sip.Via.branch", "Branch",
                   explain="The transaction id this hop chose (starts with z9hG4bK)."),
    "received": Text("sip.Via.received", "Received",
                     explain="The address the message really came from, as the next hop saw "
                     "it."),
    "rport": Text("sip.Via.rport", "RPort",
                  explain="The port the message came from (RFC 3581), or a request for it."),
    "maddr": Text("sip.Via.maddr", "Maddr", explain="A multicast address for responses."),
    "ttl": Text("sip.Via.ttl", "TTL", explain="The multicast TTL for responses."),
}  # fmt: skip


def _address_specs(prefix: str, who: str, addr: str) -> dict[str, FieldSpec]:
    """The parts of a From, To or Contact header, with Wireshark's names and labels."""
    p = f"sip.{prefix}"
    contact = prefix == "contact"
    part = "Contact URI" if contact else f"SIP {who} address"
    specs = {
        "display": Text(f"{p}.display.info", f"SIP {who} display info",
                        explain=f"The display name in the {prefix.capitalize()} header."),
        "addr": Text(f"{p}.{addr}", part,
                     explain=f"The SIP address in the {prefix.capitalize()} header."),
        "user": Text(f"{p}.user", f"{part} User Part",
                     explain="The user part of the address (before @)."),
        "host": Text(f"{p}.host", f"{part} Host Part", explain="The host part of the address."),
        "port": Text(f"{p}.port", f"{part} Host Port", explain="The port of the address."),
    }  # fmt: skip
    if not contact:
        specs["tag"] = Text(f"{p}.tag", f"SIP {who} tag",
                            explain=f"The {who} side's tag: identifies its end of the dialog.")  # fmt: skip
    return specs


CONTACT_PARAMETER = Text("sip.contact.parameter", "Contact parameter",
                         explain="A Contact parameter such as expires=3600 (how long the "
                         "registration of this address lasts).")  # fmt: skip
AUTH = Text("sip.auth", "Authentication", hidden=True,
            explain="A credentials or challenge header line, whole.")  # fmt: skip
AUTH_SCHEME = Text("sip.auth.scheme", "Authentication Scheme",
                   explain="The authentication scheme (Digest).")  # fmt: skip
# Digest parameters (RFC 3261 section 25.1, RFC 2617): name -> field
AUTH_PARAMS = {
    "username": Text("sip.auth.username", "Username", explain="The user being authenticated."),
    "realm": Text("sip.auth.realm", "Realm",
                  explain="The protection domain the credentials are for."),
    "nonce": Text("sip.auth.nonce", "Nonce Value",
                  explain="The server's one-time value the response is computed over."),
    "uri": Text("sip.auth.uri", "Authentication URI", explain="The request URI, as signed."),
    "response": Text("sip.auth.digest.response", "Digest Authentication Response",
                     explain="The digest proving the client knows the password."),
    "algorithm": Text("sip.auth.algorithm", "Algorithm", explain="The digest algorithm (MD5)."),
}  # fmt: skip
AUTH_HEADERS = ("authorization", "www-authenticate", "proxy-authenticate", "proxy-authorization")
R_URI_PARTS = {
    "user": Text("sip.r-uri.user", "Request-URI User Part",
                 explain="The user part of the request's address."),
    "host": Text("sip.r-uri.host", "Request-URI Host Part",
                 explain="The host part of the request's address."),
    "port": Text("sip.r-uri.port", "Request-URI Host Port",
                 explain="The port of the request's address."),
}  # fmt: skip
ADDRESSES = {"from": _address_specs("from", "from", "addr"), "to": _address_specs("to", "to", "addr"),
             "contact": _address_specs("contact", "C-URI", "uri")}  # fmt: skip


def _header(name: str, what: str, kind: str = "text") -> FieldSpec:
    spec = (Int if kind == "int" else Text)(f"sip.{name}", name, raw=True, explain=what)
    return spec


# lower-case header name -> its field (raw: the tree line is the header line itself)
HEADERS = {h.name[4:].lower(): h for h in (
    _header("Via", "A hop the request passed; responses go back the same way."),
    _header("From", "Who sent the request: a display name, a SIP address and a tag."),
    _header("To", "Who the request is for."),
    _header("Contact", "Where the sender can be reached directly."),
    _header("Call-ID", "Identifies the call (all its messages share it)."),
    _header("CSeq", "The request's sequence number and method."),
    _header("Max-Forwards", "How many more hops the request may take.", "int"),
    _header("Content-Length", "Length of the body in bytes.", "int"),
    _header("Content-Type", "What the body is (application/sdp: a media description)."),
    _header("Expires", "Seconds a registration or subscription lasts.", "int"),
    _header("User-Agent", "The software that sent the request."),
    _header("Server", "The software that answered."),
    _header("Allow", "The methods the sender supports."),
    _header("Supported", "The SIP extensions the sender supports."),
    _header("Accept", "The body types the sender accepts."),
    _header("Subject", "The call's subject."),
    _header("Authorization", "The client's credentials for the server."),
    _header("Proxy-Authorization", "The client's credentials for a proxy."),
    _header("Proxy-Authenticate", "A proxy's challenge for credentials."),
    _header("WWW-Authenticate", "The server's challenge for credentials."),
    _header("Event", "The event package a subscription or notification is about."),
    _header("Date", "When the message was sent."),
)}  # fmt: skip


@dataclass(slots=True)
class SipState:
    """What tail() found: the first line and Info."""

    request: bool
    info: str
    code: str  # the method or the status code, for the title
    headers_end: int  # where the empty line ends (-1: not found)


def _lines(data: Any, p: int, end: int) -> list[tuple[int, int, int]]:
    """(start, end of text, end with the line end) of each line up to the empty one."""
    out = []
    raw = bytes(data[p:end])
    q = 0
    while q < len(raw) and len(out) < MAX_HEADERS + 1:
        nl = raw.find(b"\n", q)
        stop = len(raw) if nl < 0 else nl
        text_end = stop - 1 if stop > q and raw[stop - 1] == 13 else stop
        out.append((p + q, p + text_end, p + (stop + 1 if nl >= 0 else stop)))
        if text_end == q:  # the empty line
            break
        q = stop + 1 if nl >= 0 else len(raw)
    return out


def _tail(data: Any, layer: Layer) -> None:
    start, end = layer.pos, layer.payload_end
    lines = _lines(data, start, end)
    first = bytes(data[lines[0][0] : lines[0][1]]) if lines else b""
    req, status = REQUEST_LINE.match(first), STATUS_LINE.match(first)
    if req is None and status is None:
        layer.decline()  # not SIP (a keep-alive, other traffic on the port): data
        return
    layer.hdr_len = end - start
    layer.payload_pos = end
    terminated = len(lines) > 1 and lines[-1][0] == lines[-1][1]
    if req is not None:
        method, uri = req.group(1).decode(), req.group(2).decode("utf-8", "replace")
        info = f"Request: {method} {uri}"
        if method == "REGISTER" and not _has_contact(data, lines):
            info += "  (fetch bindings)"
        code = method
    else:
        code = status.group(1).decode()
        reason = (status.group(2) or b"").decode("utf-8", "replace")
        info = f"Status: {code} {reason}"
    for s, e, _full in lines[1 : -1 if terminated else None]:
        if b":" not in bytes(data[s:e]):
            layer.issue("error", "malformed", "sip.header_no_colon",
                        "Header has no colon after the name", s, e - s)  # fmt: skip
            break
    else:
        if terminated:
            info += " | "
        else:
            layer.issue("error", "malformed", "sip.header_not_terminated",
                        "Header not terminated by empty line (CRLF)", end, 0)  # fmt: skip
    layer.state = SipState(req is not None, info, code, lines[-1][2] if terminated else -1)
    if terminated:
        _body_layer(data, layer, lines, lines[-1][2])


def _body_layer(data: Any, layer: Layer, lines: list[tuple[int, int, int]], body: int) -> None:
    """A body of a media type a decoder reads (application/sdp) becomes the next layer, as
    HTTP's does, through Wireshark's media_type table; the SIP layer ends at the empty line."""
    end = layer.payload_end
    if body >= end:
        return
    ctype, length = "", None
    for s, e, _full in lines[1:]:
        name, _, value = bytes(data[s:e]).decode("utf-8", "replace").partition(":")
        name = COMPACT.get(name.strip().lower(), name.strip().lower())
        if name == "content-type":
            ctype = value.split(";", 1)[0].strip().lower()
        elif name == "content-length" and value.strip().isdigit():
            length = int(value.strip())
    proto = lookup("media_type", ctype) if ctype else None
    if proto is None or length == 0:
        return
    layer.hdr_len = body - layer.pos
    layer.payload_pos = body
    if length is not None:
        layer.payload_end = min(end, body + length)
    layer.packet.ctx.media_type = ctype
    layer.next = proto


def _has_contact(data: Any, lines: list[tuple[int, int, int]]) -> bool:
    for s, e, _full in lines[1:]:
        name = bytes(data[s:e]).split(b":", 1)[0].strip().lower()
        if name in (b"contact", b"m"):
            return True
    return False


# -- detail ----------------------------------------------------------------------------------
def _detail(data: Any, layer: Layer) -> None:
    state = layer.state
    if state is None:
        return
    start, end = layer.pos, layer.payload_end
    lines = _lines(data, start, end)
    s, e, _full = lines[0]
    first = bytes(data[s:e]).decode("utf-8", "replace")
    if state.request:
        node = layer.add(REQUEST, s, e - s, first)
        method, _, rest = first.partition(" ")
        layer.add(METHOD, s, len(method), method, 0, node)
        uri = rest.rsplit(" ", 1)[0]
        uri_node = layer.add(R_URI, s + len(method) + 1, len(uri), uri, 0, node)
        _uri_parts(layer, s + len(method) + 1, uri, R_URI_PARTS, uri_node)
    else:
        node = layer.add(STATUS, s, e - s, first)
        layer.add(STATUS_CODE, s + 8, 3, int(state.code), 0, node)
    head_lines = lines[1:]
    if not head_lines:
        return
    h_start, h_end = head_lines[0][0], head_lines[-1][2]
    # Wireshark's value runs on to the end of the datagram (body included), its span not
    hdr = layer.add(MSG_HDR, h_start, h_end - h_start,
                    bytes(data[h_start:end]).decode("utf-8", "replace"))  # fmt: skip
    length = None
    for s, e, full in head_lines:
        got = _header_field(data, layer, s, e, full, hdr)
        if got is not None:
            length = got
    if state.headers_end >= 0 and state.headers_end < end:
        n = min(end - state.headers_end, length if length is not None else end)
        layer.add(
            MSG_BODY, state.headers_end, n, bytes(data[state.headers_end : state.headers_end + n])
        )


def _header_field(data: Any, layer: Layer, s: int, e: int, full: int, hdr: Field) -> int | None:
    """One header line's field and its parts; returns Content-Length's value if this is it."""
    line = bytes(data[s:e]).decode("utf-8", "replace")
    name, colon, value = line.partition(":")
    if not colon:
        return None
    key = COMPACT.get(name.strip().lower(), name.strip().lower())
    spec = HEADERS.get(key)
    if spec is None:
        return None
    v_off = len(name) + 1 + (len(value) - len(value.lstrip(" \t")))
    value = value.strip(" \t")
    v_pos = s + v_off
    if spec.kind == "int":
        number = int(value) if value.isdigit() else 0
        layer.add(spec, s, full - s, number, 0, hdr)
        return number if key == "content-length" else None
    node = layer.add(spec, s, full - s, value, 0, hdr)
    if key == "via":
        _via(layer, v_pos, value, node)
    elif key in ADDRESSES:
        _name_addr(layer, v_pos, value, ADDRESSES[key], node, key)
    elif key == "cseq":
        seq, _, method = value.partition(" ")
        layer.add(CSEQ_SEQ, v_pos, len(seq), int(seq) if seq.isdigit() else 0, 0, node)
        if method:
            layer.add(CSEQ_METHOD, v_pos + len(seq) + 1, len(method), method, 0, node)
    elif key == "call-id":
        layer.add(CALL_ID_GENERATED, s, full - s, value, 0, hdr)
    elif key in AUTH_HEADERS:
        _auth(layer, v_pos, value, node)
        layer.add(AUTH, s, full - s, bytes(data[s:full]).decode("utf-8", "replace"), 0, node)
    return None


def _auth(layer: Layer, pos: int, value: str, node: Field) -> None:
    """Digest username="...", realm="...", ...: the scheme, then the known parameters with
    their values as written (quotes included, as Wireshark shows them)."""
    scheme, _, params = value.partition(" ")
    layer.add(AUTH_SCHEME, pos, len(scheme), scheme, 0, node)
    base = pos + len(scheme) + 1
    for m in re.finditer(r'\s*([\w-]+)\s*=\s*("[^"]*"|[^,\s]*)\s*,?', params):
        spec = AUTH_PARAMS.get(m.group(1).lower())
        if spec is not None:
            layer.add(spec, base + m.start(2), len(m.group(2)), m.group(2), 0, node)


def _uri_parts(
    layer: Layer, pos: int, uri: str, specs: dict[str, FieldSpec], parent: Field
) -> None:
    """user@host:port of a sip: or sips: URI (parameters after ';' left whole)."""
    scheme = uri.find(":")
    if scheme < 0:
        return
    body = uri[scheme + 1 :].split(";", 1)[0].split("?", 1)[0]
    base = pos + scheme + 1
    user, at, hostport = body.rpartition("@")
    if at:
        layer.add(specs["user"], base, len(user), user, 0, parent)
        base += len(user) + 1
    host, colon, port = hostport.partition(":")
    if hostport.startswith("["):  # an IPv6 reference
        host, _, port = hostport.partition("]:")
        host += "]" if not host.endswith("]") else ""
        colon = ":" if port else ""
    layer.add(specs["host"], base, len(host), host, 0, parent)
    if colon and port:
        layer.add(specs["port"], base + len(host) + 1, len(port), port, 0, parent)


def _name_addr(layer: Layer, pos: int, value: str, specs: dict[str, FieldSpec], node: Field,
               key: str) -> None:  # fmt: skip
    """[display-name] <uri>;params, or uri;params (RFC 3261 section 20.10)."""
    lt = value.find("<")
    if lt >= 0:
        gt = value.find(">", lt)
        uri_start, uri = lt + 1, value[lt + 1 : gt if gt > 0 else len(value)]
        display = value[:lt]
        if display.strip():
            quoted = display.strip().startswith('"')
            shown = display.strip() if quoted else display
            d_off = display.find(shown)
            layer.add(specs["display"], pos + d_off, len(shown), shown, 0, node)
            layer.add(DISPLAY, pos + d_off, len(shown), shown, 0, node)
        params = value[gt + 1 :] if gt > 0 else ""
        params_off = gt + 1
    else:
        uri = value.split(";", 1)[0]
        uri_start, params, params_off = 0, value[len(uri) :], len(uri)
    addr = layer.add(specs["addr"], pos + uri_start, len(uri), uri, 0, node)
    _uri_parts(layer, pos + uri_start, uri, specs, addr)
    if key == "contact":
        for p in re.finditer(r";\s*([^;]+)", params):
            v = p.group(1).rstrip()
            layer.add(CONTACT_PARAMETER, pos + params_off + p.start(1), len(v), v, 0, node)
        return
    m = re.search(r";\s*tag=([^;\s]+)", params)
    if m:
        t_pos = pos + params_off + m.start(1)
        layer.add(specs["tag"], t_pos, len(m.group(1)), m.group(1), 0, node)
        layer.add(TAG, t_pos, len(m.group(1)), m.group(1), 0, node)


def _via(layer: Layer, pos: int, value: str, node: Field) -> None:
    """SIP/2.0/UDP host:port;branch=...;received=...;rport (RFC 3261 section 20.42)."""
    m = re.match(r"SIP\s*/\s*2\.0\s*/\s*(\w+)\s+([^;:\s]+|\[[^\]]+\])(?::(\d+))?", value)
    if not m:
        return
    layer.add(VIA_PARTS["transport"], pos + m.start(1), len(m.group(1)), m.group(1), 0, node)
    layer.add(VIA_PARTS["address"], pos + m.start(2), len(m.group(2)), m.group(2), 0, node)
    if m.group(3):
        layer.add(VIA_PARTS["port"], pos + m.start(3), len(m.group(3)), int(m.group(3)), 0, node)
    for p in re.finditer(r";\s*([\w-]+)(?:=([^;]*))?", value[m.end() :]):
        spec = VIA_PARTS.get(p.group(1).lower())
        if spec is None or p.group(1).lower() in ("transport", "address", "port"):
            continue
        if p.group(2) is None:  # a bare flag ("rport"): the name is its value
            layer.add(spec, pos + m.end() + p.start(1), len(p.group(1)), p.group(1), 0, node)
        else:
            v = p.group(2).strip()
            layer.add(spec, pos + m.end() + p.start(2), len(v), v, 0, node)


def _info(layer: Layer) -> str:
    return layer.state.info if layer.state is not None else ""


def _describe(layer: Layer) -> str:
    state = layer.state
    return f"Session Initiation Protocol ({state.code})" if state else "Session Initiation Protocol"


SIP = Protocol(
    "sip", "Session Initiation Protocol", osi=Osi.APPLICATION, short="SIP", tail=_tail,
    detail=_detail, info=_info, describe=_describe, state=SipState, colour="#ffaf5f",
    explain="SIP sets up, changes and ends voice and video calls: requests such as INVITE "
    "and BYE and HTTP-like responses, while the media itself travels in RTP.",
)  # fmt: skip

bind("udp.port", 5060, SIP)
