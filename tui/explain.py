"""Plain-language explanations of fields and layers, keyed by filter name.

Each entry says what the field is for and what *this* value means, in a sentence or two a
student can follow ("DF set: routers must not fragment this packet"). Entries are data, not
view code: the OSI panel and the tree's explain line both read them. A layer falls back to
its protocol's own `explain` text, so every protocol has at least that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dissect.engine import Field, Layer, safe_text

Explainer = Callable[[Any, Layer], str]
EXPLAIN: dict[str, str | Explainer] = {}


def explains(*names: str) -> Callable[[Explainer], Explainer]:
    """Register a value-aware explanation for one or more field names."""

    def deco(fn: Explainer) -> Explainer:
        for name in names:
            EXPLAIN[name] = fn
        return fn

    return deco


def has_explanation(name: str) -> bool:
    return name in EXPLAIN


def explain_field(layer: Layer, f: Field) -> str:
    """The explanation of one field with its value; a generic sentence when none is written."""
    entry = EXPLAIN.get(f.name)
    if entry is None:
        return f"{f.label}: {safe_text(f.show, 200)}. (No explanation written for {f.name} yet.)"
    if isinstance(entry, str):
        return entry
    try:
        return entry(f.value, layer)
    except Exception:  # an explanation must never break the view
        return f"{f.label}: {safe_text(f.show, 200)}."


def explain_layer(layer: Layer) -> str:
    text = layer.protocol.explain or f"{layer.protocol.title}."
    if layer.status != "ok":
        text += f" This layer is {layer.status}: see the warnings under it."
    return text


def _set(v: Any) -> str:
    return "set" if v else "not set"


# -- frame and data -----------------------------------------------------------------------
EXPLAIN.update({
    "frame.number": "The packet's position in the capture, counted from 1.",
    "frame.time_epoch": "When the capturing host saw the packet, in nanoseconds since 1970 (UTC).",
    "frame.len": "How many bytes the packet had on the wire.",
    "frame.cap_len": "How many of those bytes were saved; fewer than the wire length means "
                     "the capture was cut short (snaplen).",
    "frame.encap_type": "The link type: what the first byte of the capture is (1 Ethernet, "
                        "101 raw IP, ...). It decides which protocol decodes first.",
    "frame.interface_id": "Which capture interface saw the packet (pcapng files can hold several).",
    "frame.comment": "A comment stored with the packet in the capture file.",
    "data.data": "Bytes no decoder claimed, shown raw so nothing in the packet is hidden.",
    "data.len": "How many bytes no decoder claimed.",
})  # fmt: skip


# -- Ethernet --------------------------------------------------------------------------
@explains("eth.dst", "eth.src")
def _eth_addr(v: Any, layer: Layer) -> str:
    first = int(str(v).split(":")[0], 16) if v else 0
    kind = (
        "broadcast (every device on the link)"
        if str(v) == "ff:ff:ff:ff:ff:ff"
        else ("a group (multicast) address" if first & 1 else "one device's hardware address")
    )
    return f"MAC address {v}: {kind}. Only meaningful on this link; routers rewrite it."


EXPLAIN.update({
    "eth.type": lambda v, _l: f"EtherType 0x{v:04x}: says which protocol the frame carries "
                              "(0x0800 IPv4, 0x86dd IPv6, 0x0806 ARP).",
    "eth.len": lambda v, _l: f"IEEE 802.3 length: {v} bytes of payload follow (an LLC header "
                             "says what they are).",
    "eth.padding": "Zero bytes added so the frame reaches Ethernet's 60-byte minimum; not data.",
})  # fmt: skip


# -- IPv4 ------------------------------------------------------------------------------
@explains("ip.version")
def _ip_version(v: Any, layer: Layer) -> str:
    if v == 4:
        return "Version 4: an IPv4 header (the first 4 bits say which IP version follows)."
    return f"Version {v}: not 4, so this is not really an IPv4 header."


@explains("ip.hdr_len")
def _ip_hdr_len(v: Any, layer: Layer) -> str:
    words = v // 4
    if v == 20:
        return "IHL 5 → 20-byte header, no options (the field counts 32-bit words)."
    if v > 20:
        return f"IHL {words} → {v}-byte header: {v - 20} bytes of IP options follow the fixed part."
    return f"IHL {words} → {v} bytes: less than the 20-byte minimum, the header is malformed."


@explains("ip.dsfield")
def _ip_ds(v: Any, layer: Layer) -> str:
    return f"DS field 0x{v:02x}: priority class (DSCP, 6 bits) and congestion marks (ECN, 2 bits)."


@explains("ip.dsfield.dscp")
def _ip_dscp(v: Any, layer: Layer) -> str:
    names = {
        0: "default (best effort)",
        46: "Expedited Forwarding (voice)",
        8: "CS1 (low priority)",
    }
    return f"DSCP {v}: {names.get(v, 'a traffic class routers may prioritise')}."


@explains("ip.dsfield.ecn")
def _ip_ecn(v: Any, layer: Layer) -> str:
    meaning = {0: "not ECN-capable", 1: "ECN-capable (ECT 1)", 2: "ECN-capable (ECT 0)",
               3: "congestion experienced: a router marked it instead of dropping it"}  # fmt: skip
    return f"ECN {v}: {meaning.get(v, '?')}."


@explains("ip.len")
def _ip_len(v: Any, layer: Layer) -> str:
    hdr = layer.hdr_len
    return (
        f"Total length {v} bytes: the {hdr}-byte IP header plus {max(0, v - hdr)} bytes of payload."
    )


@explains("ip.id")
def _ip_id(v: Any, layer: Layer) -> str:
    return f"Identification 0x{v:04x}: fragments of one packet share it, so they can be put back together."


@explains("ip.flags")
def _ip_flags(v: Any, layer: Layer) -> str:
    parts = [n for bit, n in ((4, "reserved"), (2, "DF"), (1, "MF")) if v & bit]
    return f"Flags 0x{v:x}: {', '.join(parts) or 'none'} set. They control fragmentation."


EXPLAIN.update({
    "ip.flags.rb": lambda v, _l: "Reserved bit: must be 0." + ("" if not v else " It is set: odd."),
    "ip.flags.df": lambda v, _l: (
        "DF set: routers must not fragment this packet; if it is too big for a link they "
        "drop it and report back (that is how Path MTU discovery works)." if v else
        "DF not set: a router may split this packet into fragments if a link is too small."),
    "ip.flags.mf": lambda v, _l: (
        "MF set: more fragments of this packet follow." if v else
        "MF not set: this is the last (or only) fragment."),
})  # fmt: skip


@explains("ip.frag_offset")
def _ip_frag(v: Any, layer: Layer) -> str:
    if v == 0:
        return "Fragment offset 0: this packet is whole, or the first fragment."
    return (
        f"Fragment offset {v} (×8 = byte {v * 8}): where this fragment's data goes in the original."
    )


@explains("ip.ttl")
def _ip_ttl(v: Any, layer: Layer) -> str:
    hint = (
        " (Linux/macOS start at 64)" if v == 64 else " (Windows starts at 128)" if v == 128 else ""
    )
    return f"TTL {v}: each router subtracts 1 and drops the packet at 0, so loops die out{hint}."


@explains("ip.proto")
def _ip_proto(v: Any, layer: Layer) -> str:
    names = {1: "ICMP", 6: "TCP", 17: "UDP", 41: "IPv6", 47: "GRE", 50: "ESP", 58: "ICMPv6"}
    return f"Protocol {v}: the payload is {names.get(v, 'protocol number ' + str(v))}."


@explains("ip.checksum", "tcp.checksum", "udp.checksum")
def _checksum(v: Any, layer: Layer) -> str:
    proto = layer.protocol.short
    status = next((f.value for f in layer.walk() if f.name.endswith("checksum.status")), None)
    what = (
        "header" if proto.startswith("IP") else "segment plus a pseudo-header of the IP addresses"
    )
    if status == "bad":
        calc = next((f.value for f in layer.walk() if f.name.endswith("checksum.calculated")), None)
        right = f" (should be 0x{calc:04x})" if isinstance(calc, int) else ""
        return (
            f"{proto} checksum 0x{v:04x} is wrong{right}: checksum wrong, likely NIC offload on "
            "the sender (captured before the card filled it in); rarely real corruption."
        )
    if status == "good":
        return f"{proto} checksum 0x{v:04x}: correct. It lets the receiver detect corrupted {what}."
    return f"{proto} checksum 0x{v:04x}: detects corruption of the {what}; not verified here."


@explains("ip.checksum.status", "tcp.checksum.status", "udp.checksum.status")
def _checksum_status(v: Any, layer: Layer) -> str:
    return {
        "good": "Checksum verified: the bytes arrived as sent.",
        "bad": "Checksum wrong, likely NIC offload on the sender: outgoing packets are "
               "captured before the network card computes the checksum.",
    }.get(v, "Checksum not verified (bytes missing or not computable here).")  # fmt: skip


@explains("ip.checksum.calculated", "tcp.checksum.calculated", "udp.checksum.calculated")
def _checksum_calc(v: Any, layer: Layer) -> str:
    return f"The checksum computed over the captured bytes: 0x{v:04x}. It differs from the one in the packet."


@explains("ip.src", "ip.dst")
def _ip_addr(v: Any, layer: Layer) -> str:
    import ipaddress

    addr = ipaddress.ip_address(str(v))
    kind = ("a private address (RFC 1918, not routed on the Internet)" if addr.is_private and not
            addr.is_loopback else "loopback (this host)" if addr.is_loopback else
            "a multicast group" if addr.is_multicast else "a public Internet address")  # fmt: skip
    return f"IPv4 address {v}: {kind}. Unlike a MAC address it stays the same end to end."


EXPLAIN.update({
    "ip.options": "IP options: rarely used extras (record route, timestamps) after the fixed 20 bytes.",
    "ip.opt.type": lambda v, _l: f"Option type {v}: which IP option this is.",
    "ip.opt.len": lambda v, _l: f"Option length: {v} bytes including type and length.",
    "ip.opt.value": "The option's data.",
})  # fmt: skip


# -- UDP -------------------------------------------------------------------------------
@explains("tcp.srcport", "udp.srcport")
def _srcport(v: Any, layer: Layer) -> str:
    eph = " An ephemeral port the client's OS picked for this connection." if v >= 32768 else ""
    return f"Source port {v}: which program on the sending host this belongs to.{eph}"


@explains("tcp.dstport", "udp.dstport")
def _dstport(v: Any, layer: Layer) -> str:
    well = {53: "DNS", 80: "HTTP (web)", 443: "HTTPS", 22: "SSH", 25: "SMTP", 123: "NTP",
            67: "DHCP server", 68: "DHCP client"}  # fmt: skip
    svc = f" — the well-known port of {well[v]}" if v in well else ""
    return f"Destination port {v}{svc}: which service on the receiving host gets the data."


EXPLAIN.update({
    "udp.length": lambda v, _l: f"UDP length {v}: the 8-byte header plus {max(0, v - 8)} bytes of data.",
    "udp.payload_len": lambda v, _l: f"{v} bytes of data after the UDP header.",
    "udp.padding": "Bytes after the UDP datagram's length: not part of it.",
})  # fmt: skip


# -- TCP -------------------------------------------------------------------------------
EXPLAIN.update({
    "tcp.seq_raw": lambda v, _l: (
        f"Sequence number {v}: the position of this segment's first data byte in the "
        "sender's byte stream (it starts at a random value)."),
    "tcp.ack_raw": lambda v, layer: (
        f"Acknowledgment number {v}: the next byte expected from the other side — everything "
        "before it arrived." if layer.value("tcp.flags.ack") else
        f"Acknowledgment number {v}: ignored, the ACK flag is not set."),
    "tcp.window_size_value": lambda v, _l: (
        f"Window {v}: how many more bytes the sender can accept now (flow control; "
        "multiplied by the window scale agreed in the SYN)."),
    "tcp.urgent_pointer": lambda v, layer: (
        f"Urgent pointer {v}: " + ("marks urgent data." if layer.value("tcp.flags.urg")
                                  else "unused, the URG flag is not set.")),
    "tcp.len": lambda v, _l: f"{v} bytes of application data in this segment (not a header field: computed).",
    "tcp.flags.str": "The flags as letters, reserved bits first: each letter a flag that is set.",
    "tcp.payload": "The application data this segment carries.",
    "tcp.padding": "Bytes after the TCP segment, inside the IP packet: not part of the segment.",
})  # fmt: skip


@explains("tcp.hdr_len")
def _tcp_hdr_len(v: Any, layer: Layer) -> str:
    opts = f", {v - 20} bytes of options" if v > 20 else ", no options"
    return f"Data offset {v // 4} → {v}-byte TCP header{opts}; the data starts after it."


@explains("tcp.flags")
def _tcp_flags(v: Any, layer: Layer) -> str:
    names = [n for bit, n in ((0x02, "SYN"), (0x10, "ACK"), (0x08, "PSH"), (0x01, "FIN"),
                              (0x04, "RST"), (0x20, "URG"), (0x40, "ECE"), (0x80, "CWR"))
             if v & bit]  # fmt: skip
    if v & 0x02:
        what = "opening a connection" + (" (the server's reply)" if v & 0x10 else "")
    elif v & 0x04:
        what = "aborting the connection"
    elif v & 0x01:
        what = "closing its side of the connection"
    elif v & 0x08:
        what = "data the receiver should hand to the application now"
    else:
        what = "an ordinary segment of an open connection"
    return f"Flags {'+'.join(names) or 'none'} (0x{v:03x}): {what}."


_FLAG_TEXT = {
    "tcp.flags.res": ("Reserved bits: must be zero.", "Reserved bits: must be zero."),
    "tcp.flags.ae": ("AE set: accurate ECN feedback.", "AE (accurate ECN) not set."),
    "tcp.flags.cwr": ("CWR set: the sender slowed down after an ECN congestion signal.",
                      "CWR not set: no congestion response to report."),
    "tcp.flags.ece": ("ECE set: the path signalled congestion (or ECN is being negotiated).",
                      "ECE not set: no congestion echoed."),
    "tcp.flags.urg": ("URG set: the urgent pointer marks urgent data.", "URG not set: no urgent data."),
    "tcp.flags.ack": ("ACK set: the acknowledgment number is valid (every segment after the first has it).",
                      "ACK not set: only the very first SYN lacks it."),
    "tcp.flags.push": ("PSH set: deliver the data to the application now, don't wait to buffer more.",
                       "PSH not set: the receiver may buffer the data."),
    "tcp.flags.reset": ("RST set: the connection is aborted (refused, or an error).",
                        "RST not set: no abort."),
    "tcp.flags.syn": ("SYN set: opening a connection; the sequence number is the starting point.",
                      "SYN not set: not a connection-opening segment."),
    "tcp.flags.fin": ("FIN set: the sender has no more data and closes its side.",
                      "FIN not set: the sender is not closing."),
}  # fmt: skip
for _name, (_on, _off) in _FLAG_TEXT.items():
    EXPLAIN[_name] = lambda v, _l, on=_on, off=_off: on if v else off


_OPTION_TEXT = {
    0: "End of option list.", 1: "No-Operation: one byte of padding that aligns the next option.",
    2: "Maximum segment size: the biggest segment the sender will accept.",
    3: "Window scale: multiplies the window so it can exceed 64 KiB.",
    4: "SACK permitted: the sender understands selective acknowledgments.",
    5: "SACK: which blocks beyond the acknowledged point arrived already.",
    8: "Timestamps: for round-trip time measurement and protection against wrapped sequence numbers.",
}  # fmt: skip


@explains("tcp.option_kind")
def _tcp_option_kind(v: Any, layer: Layer) -> str:
    return f"Option kind {v}: {_OPTION_TEXT.get(v, 'an option this tool does not describe')}"


@explains(
    *(
        f"tcp.options.{n}"
        for n in (
            "eol",
            "nop",
            "mss",
            "wscale",
            "sack_perm",
            "sack",
            "timestamp",
            "user_to",
            "ao",
            "mptcp",
            "tfo",
            "acc_ecn",
            "experimental",
            "unknown",
        )
    )
)
def _tcp_option(v: Any, layer: Layer) -> str:
    kind = v[0] if v else None
    return f"One TCP option ({len(v)} bytes): {_OPTION_TEXT.get(kind, 'kind ' + str(kind))}"


EXPLAIN.update({
    "tcp.options": lambda v, _l: (
        f"TCP options, {len(v)} bytes: extras negotiated or carried after the fixed 20-byte "
        "header (MSS, window scale, SACK, timestamps)."),
    "tcp.option_len": lambda v, _l: f"Option length: {v} bytes including kind and length.",
    "tcp.options.mss_val": lambda v, _l: f"MSS {v}: the largest TCP payload the sender wants to receive.",
    "tcp.options.wscale.shift": lambda v, _l: f"Window scale shift {v}: windows are multiplied by 2^{v}.",
    "tcp.options.wscale.multiplier": lambda v, _l: f"Window multiplier {v} (computed from the shift).",
    "tcp.options.sack_le": lambda v, _l: f"SACK block start {v}: data from here was received.",
    "tcp.options.sack_re": lambda v, _l: f"SACK block end {v}: received data ends before here.",
    "tcp.options.timestamp.tsval": lambda v, _l: (
        f"TSval {v}: the sender's clock when it sent this; echoed back to measure round-trip time."),
    "tcp.options.timestamp.tsecr": lambda v, _l: (
        f"TSecr {v}: the last timestamp received from the other side, echoed back."
        if v else "TSecr 0: nothing to echo yet (first segment)."),
    "tcp.option.data": "The option's value bytes.",
})  # fmt: skip


# -- HTTP --------------------------------------------------------------------------------
def _method(v: Any, layer: Layer) -> str:
    what = {"GET": "asks for a resource and sends no body", "POST": "sends data (a form, an upload)",
            "HEAD": "asks only for the headers", "PUT": "stores a resource",
            "DELETE": "removes a resource"}.get(str(v), "an HTTP method")  # fmt: skip
    return f"Method {safe_text(str(v), 40)}: {what}."


EXPLAIN.update({
    "http.request.method": _method,
    "http.request.uri": lambda v, _l: f"URI {safe_text(str(v), 120)}: the path of the resource asked for on the server.",
    "http.request.version": lambda v, _l: f"{safe_text(str(v), 20)}: the HTTP version the client speaks.",
    "http.request.line": "One request line: the request line or a header (Name: value), ended by CR LF.",
    "http.start_line": "The message's first line: method, URI and version of a request, or version, "
                       "status code and phrase of a response.",
    "data-text-lines.line": "One line of a text body, as sent.",
    "http.request.full_uri": lambda v, _l: f"The full URL, rebuilt from Host and URI: {safe_text(str(v), 200)}.",
    "http.request": "This message is an HTTP request.",
    "http.response": "This message is an HTTP response.",
    "http.host": lambda v, _l: f"Host {safe_text(str(v), 120)}: which web site on this server is meant "
                               "(one IP address can host many).",
    "http.user_agent": lambda v, _l: f"User-Agent: the client program, here {safe_text(str(v), 120)}.",
    "http.accept": lambda v, _l: f"Accept {safe_text(str(v), 80)}: which content types the client takes "
                                 "(*/* = anything).",
    "http.accept_encoding": lambda v, _l: f"Accept-Encoding {safe_text(str(v), 80)}: compressions the "
                                          "client can undo (identity = none).",
    "http.accept_language": "Accept-Language: the languages the user prefers.",
    "http.connection": lambda v, _l: f"Connection {safe_text(str(v), 40)}: " + (
        "keep the TCP connection open for more requests." if "alive" in str(v).lower()
        else "close the TCP connection after this response." if "close" in str(v).lower()
        else "how to treat the TCP connection afterwards."),
    "http.response.version": lambda v, _l: f"{safe_text(str(v), 20)}: the HTTP version of the server.",
    "http.response.code": lambda v, _l: f"Status {v}: " + {2: "success", 3: "redirection",
        4: "client error (bad request, not found)", 5: "server error"}.get(int(v) // 100, "informational") + ".",
    "http.response.phrase": lambda v, _l: f"Reason phrase {safe_text(str(v), 60)}: the status in words.",
    "http.response.line": "One response line: the status line or a header, ended by CR LF.",
    "http.content_type": lambda v, _l: f"Content-Type {safe_text(str(v), 80)}: what the body is.",
    "http.content_length": lambda v, _l: f"Content-Length {v}: the body is that many bytes long.",
    "http.content_length_header": lambda v, _l: f"Content-Length {safe_text(str(v), 20)}: the body's size in bytes.",
    "http.server": lambda v, _l: f"Server: the server software, here {safe_text(str(v), 80)}.",
    "http.date": "Date: when the server sent the response.",
    "http.file_data": "The message body.",
    "http.unknown_header": "A header this tool does not describe: Name: value.",
    "http.end_of_headers": "The empty line (CR LF) that ends the headers; a body may follow.",
    "http.cookie": "Cookie: state the site stored in the browser, sent back.",
    "http.set_cookie": "Set-Cookie: asks the browser to store state for later requests.",
    "http.referer": "Referer: the page that linked here.",
    "http.location": "Location: where a redirect points.",
})  # fmt: skip
