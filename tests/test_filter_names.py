"""Every name a display filter accepts can match something (issue 13).

A name is accepted when a protocol, a field, an alias or a pseudo-field declares it. Each
must be produced by some decoder: on the repository's captures (tests/data, captures/), or
on one of the crafted packets below, each listed with the rare names it produces (what the
captures lack: DHCP options nobody sent, NTP control messages, ICMP extension objects...).
The rest is named here: aliases (their targets must be produced), each protocol's padding
(the engine makes one per protocol for payload bytes its inner layer leaves over), and the
frame./_ws. pseudo-fields (each must match a packet). A declaration nothing produces fails
this test: remove it, or add the packet that shows it is real.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

from dissect.engine import PROTOCOLS, Packet, decode
from dissect.filter import FRAME_FIELDS, PACKET_FIELDS, compile_filter
from dissect.index import CaptureError, open_capture
from dissect.streams import StreamTable, annotate

ROOT = Path(__file__).resolve().parent.parent
CAPTURES = [ROOT / "tests" / "data", ROOT / "captures"]
ETHERNET, SLL, SLL2 = 1, 113, 276

Crafted = tuple[str, int, bytes, tuple[str, ...]]  # what, link type, frame, names produced


def names_of(pkt: Packet) -> set[str]:
    """Every protocol and field name a decoded packet holds (fields built in full)."""
    out = set()
    for layer in pkt.layers:
        out.add(layer.protocol.name)
        out.update(f.name for f in layer.walk())
    return out


@cache
def corpus() -> tuple[set[str], list[Packet]]:
    """The names the repository's captures produce, and their packets."""
    seen: set[str] = set()
    packets = []
    for top in CAPTURES:
        for path in sorted(top.rglob("*")):
            if not path.is_file() or path.suffix in (".json", ".md", ".txt", ".tsv", ".py", ".hex"):
                continue
            try:
                idx = open_capture(str(path)).index_all()
            except CaptureError:
                continue
            with idx:
                table = StreamTable.build(idx)  # tcp.stream...: fields the stream pass adds
                for r in idx:
                    pkt = decode(r.data, r.linktype, number=r.number, time_ns=r.time_ns,
                                 wirelen=r.wirelen, interface=r.interface, comment=r.comment)  # fmt: skip
                    annotate(pkt, table)
                    seen |= names_of(pkt)
                    packets.append(pkt)
    return seen, packets


def registered() -> tuple[set[str], set[str], dict[str, list[str]]]:
    """Fields, protocols and aliases layerscope itself declares: those of a fresh
    interpreter (other tests declare fields of their own in this one)."""
    code = ("import json; from dissect.filter import ALIASES, FIELDS, PROTOCOLS; "
            "print(json.dumps([list(FIELDS), list(PROTOCOLS), ALIASES]))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=120).stdout  # fmt: skip
    fields, protocols, aliases = json.loads(out)
    return set(fields), set(protocols), aliases


def test_every_filter_name_is_produced() -> None:
    fields, protocols, aliases = registered()
    seen = set(corpus()[0])
    seen |= names_of(decode(bytes(60), ETHERNET, comment="a pcapng comment"))  # frame.comment
    for what, linktype, frame, names in crafted():
        got = names_of(decode(frame, linktype))
        assert set(names) <= got, (what, sorted(set(names) - got))
        seen |= got
    padding = {PROTOCOLS[name].padding.name for name in protocols}
    dead = sorted(fields - seen - padding)
    assert not dead, f"declared but never produced: {dead}"
    unseen = sorted(protocols - seen - {"frame"})
    assert not unseen, f"protocols never decoded: {unseen}"
    for alias, targets in aliases.items():
        assert set(targets) <= seen, (alias, targets)


def test_every_frame_and_expert_name_matches_a_packet() -> None:
    _seen, packets = corpus()
    commented = decode(bytes(60), ETHERNET, comment="a pcapng comment")
    for name in [*FRAME_FIELDS, *PACKET_FIELDS]:
        flt = compile_filter(name)
        assert any(flt.match(p) for p in [*packets, commented]), name


# -- crafted packets: what the captures lack ---------------------------------------------------
def crafted() -> list[Crafted]:
    out: list[Crafted] = []
    for build in BUILDERS:
        out.extend(build())
    return out


BUILDERS: list[Callable[[], list[Crafted]]] = []


def builder(fn: Callable[[], list[Crafted]]) -> Callable[[], list[Crafted]]:
    BUILDERS.append(fn)
    return fn


MACS = bytes.fromhex("ffffffffffff 001122334455")


class _Ether:
    """scapy's Ether with fixed addresses, built on first use (scapy loads slowly)."""

    def __truediv__(self, other: object) -> object:
        from scapy.all import Ether

        return Ether(dst="ff:ff:ff:ff:ff:ff", src="00:11:22:33:44:55") / other


ETHER = _Ether()
# IPv4 + ICMP echo request 10.0.0.1 -> 10.0.0.2, 28 bytes (scapy IP()/ICMP()).
IP_ICMP = bytes.fromhex("4500001c00010000400166de0a0000010a0000020800f7ff00000000")


@builder
def link_layers() -> list[Crafted]:
    from scapy.all import ARP

    arp6 = bytes.fromhex("0001 86dd 06 10 0001") + bytes(6) + bytes(16) + bytes(6) + bytes(16)
    return [
        ("802.3 length/type 1501: invalid", ETHERNET, MACS + bytes.fromhex("05dd") + bytes(46),
         ("eth.invalid_lentype",)),
        ("SNAP with an unknown OUI: a PID", ETHERNET,
         MACS + bytes.fromhex("0010 aaaa03 123456 0001") + bytes(38), ("llc.pid",)),
        ("SNAP with OUI 0: an EtherType", ETHERNET,
         MACS + bytes.fromhex("0024 aaaa03 000000 0800") + IP_ICMP + bytes(10), ("llc.type",)),
        ("Linux cooked v1 over IP-GRE, IPv4 source, trailer", SLL,
         bytes.fromhex("0000 030a 0004 0a000001 00000000 0800") + IP_ICMP + bytes(4),
         ("sll.gretype", "sll.src.ipv4", "sll.trailer")),
        ("Linux cooked v1, a 2-byte source address", SLL,
         bytes.fromhex("0000 0001 0002 abcd 000000000000 0800") + IP_ICMP,
         ("sll.src.other",)),
        ("ARP for IPv6 addresses (bytes)", ETHERNET, MACS + bytes.fromhex("0806") + arp6,
         ("arp.src.proto", "arp.dst.proto")),
        ("RFC 5227 probe", ETHERNET,
         bytes(ETHER / ARP(op=1, psrc="0.0.0.0", hwdst="00:00:00:00:00:00", pdst="10.0.0.1")),
         ("arp.isprobe",)),
        ("RFC 5227 announcement", ETHERNET,
         bytes(ETHER / ARP(op=1, psrc="10.0.0.1", hwdst="00:00:00:00:00:00", pdst="10.0.0.1")),
         ("arp.isannouncement",)),
        ("DRARP error", ETHERNET, bytes(ETHER / ARP(op=7)), ("arp.dst.drarp_error_status",)),
    ]  # fmt: skip


def _udp(sport: int, dport: int, payload: bytes) -> bytes:
    from scapy.all import IP, UDP

    return bytes(
        ETHER / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=sport, dport=dport) / payload
    )


def _tcp(sport: int, dport: int, payload: bytes, **kw: object) -> bytes:
    from scapy.all import IP, TCP

    return bytes(ETHER / IP(src="10.0.0.1", dst="10.0.0.2") /
                 TCP(sport=sport, dport=dport, flags="PA", **kw) / payload)  # fmt: skip


def _options(*opts: tuple[int, bytes]) -> bytes:
    return b"".join(bytes([code, len(value)]) + value for code, value in opts)


@builder
def dhcp() -> list[Crafted]:
    """One BOOTP request with every option whose value has its own field, one with the
    vendor area instead of options (and a non-Ethernet hardware address)."""
    ip, ip2, n16, n32 = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 1, 10, 0, 0, 2]), bytes(2), bytes(4)
    ips = {3, 4, 5, 6, 7, 8, 9, 10, 11, 41, 42, 44, 45, 48, 49, 65, 68, 69, 70, 71, 72, 150}
    opts = [(53, b"\x01"), (1, ip), (16, ip), (28, ip), (32, ip), (2, n32), (13, n16), (22, n16),
            (26, n16), (57, n16), (24, n32), (35, n32), (38, n32), (23, b"\x40"), (37, b"\x40"),
            (46, b"\x02"), (52, b"\x01"), (33, ip2), (61, b"\x00client"),
            *((code, ip) for code in sorted(ips)),
            *((code, b"\x01") for code in (19, 20, 27, 29, 30, 31, 34, 36, 39)),
            *((code, b"text") for code in (12, 14, 15, 17, 18, 40, 47, 56, 60, 64, 66, 67))]  # fmt: skip
    bootp = (
        bytes.fromhex("0101 0600 00000001 0000 0000")
        + bytes(16)
        + bytes.fromhex("001122334455")
        + bytes(10 + 64 + 128)
    )
    options = bootp + bytes.fromhex("63825363") + _options(*opts) + b"\xff"
    vendor = (
        bytes.fromhex("0106 0800 00000002 0000 0000")
        + bytes(16)
        + bytes.fromhex("0011223344556677")
        + bytes(8 + 64 + 128)
        + bytes(64)
    )  # hardware type 6: bytes
    client_id = bootp + bytes.fromhex("63825363") + _options((53, b"\x01"), (61, b"\x02\xab\xcd"))
    names = (
        *(f"dhcp.option.{n}" for n in (
            "swap_server", "broadcast_address", "router_solicitation_address", "time_offset",
            "boot_file_size", "max_datagram_reassembly_size", "interface_mtu",
            "dhcp_max_message_size", "path_mtu_aging_timeout", "arp_cache_timeout",
            "tcp_keepalive_interval", "default_ip_ttl", "tcp_default_ttl",
            "netbios_over_tcpip_node_type", "option_overload", "static_route.ip",
            "static_route.router", "time_server", "name_server", "log_server", "quotes_server",
            "lpr_server", "impress_server", "resource_location_server", "nis_server",
            "ntp_server", "netbios_over_tcpip_name_server", "netbios_over_tcpip_dd_name_server",
            "xwindows_system_font_server", "xwindows_system_display_manager", "nis_plus_server",
            "mobile_ip_home_agent", "smtp_server", "pop3_server", "nntp_server",
            "default_www_server", "tftp_server_address", "ip_forwarding",
            "non_local_source_routing", "all_subnets_are_local", "perform_mask_discovery",
            "mask_supplier", "perform_router_discover", "trailer_encapsulation",
            "ethernet_encapsulation", "tcp_keepalive_garbage", "hostname", "merit_dump_file",
            "root_path", "extension_path", "nis_domain", "netbios_over_tcpip_scope", "message",
            "vendor_class_id", "nis_plus_domain", "bootfile_name")),
    )  # fmt: skip
    return [
        ("DHCP Discover with 70 options", ETHERNET, _udp(68, 67, options), names),
        ("BOOTP with the vendor area", ETHERNET, _udp(68, 67, vendor),
         ("dhcp.vendor_specific_options", "dhcp.hw.addr")),
        ("DHCP client identifier of type 2", ETHERNET, _udp(68, 67, client_id),
         ("dhcp.client_id",)),
    ]  # fmt: skip


@builder
def ppi_80211() -> list[Crafted]:
    """A PPI header with an 802.11n MAC field (type 3, its reserved bytes), then a QoS data
    frame a station sends with QoS bit 4 set (its high byte is then a queue size)."""
    mac_field = (3).to_bytes(2, "little") + (12).to_bytes(2, "little") + bytes(12)
    ppi = bytes((0, 0)) + (8 + len(mac_field)).to_bytes(2, "little") + (105).to_bytes(4, "little")
    wlan = bytes.fromhex("8801 0000") + bytes(18) + bytes.fromhex("0000") + bytes.fromhex("1005")
    return [("PPI 802.11n MAC, a station's QoS queue size", 192, ppi + mac_field + wlan,
             ("ppi.80211n-mac.reserved", "wlan.qos.queue_size"))]  # fmt: skip


@builder
def cdp() -> list[Crafted]:
    """CDP over SNAP with the TLVs the captures lack: a non-IP address, system name,
    location, MTU, power, an unknown type; its checksum left zero (so it is bad)."""

    def tlv(kind: int, value: bytes) -> bytes:
        return kind.to_bytes(2, "big") + (4 + len(value)).to_bytes(2, "big") + value

    address = bytes.fromhex("00000001 02 03 aaaa03 0006") + bytes.fromhex("001122334455")
    body = (tlv(0x16, address) + tlv(0x14, b"sw1") + tlv(0x17, b"lab") + tlv(0x11, bytes(4))
            + tlv(0x10, bytes(2)) + tlv(0x99, b"?"))  # fmt: skip
    cdp = bytes((2, 180, 0, 0)) + body
    snap = bytes.fromhex("aaaa03 00000c 2000")
    frame = (
        bytes.fromhex("01000ccccccc") + MACS[6:] + (len(snap + cdp)).to_bytes(2, "big") + snap + cdp
    )
    return [("CDP with the TLVs the captures lack", ETHERNET, frame,
             ("cdp.address", "cdp.checksum.calculated", "cdp.data", "cdp.location",
              "cdp.location.unknown", "cdp.mtu",
              "cdp.power_consumption", "cdp.system_name"))]  # fmt: skip


@builder
def pim() -> list[Crafted]:
    """A PIM Hello with a LAN prune delay and an unknown option, its checksum left zero (so
    it is bad), and a Join/Prune, whose body is shown as data."""
    hello = bytes.fromhex("20000000 0002 0004 80010002 0063 0001 ff")
    join = bytes.fromhex("23000000") + bytes(8)
    ip = bytes.fromhex("45000000 0001 0000 0167 0000 c0000201 e000000d")
    frames = []
    for pim_msg in (hello, join):
        head = bytearray(ip)
        head[2:4] = (20 + len(pim_msg)).to_bytes(2, "big")
        frames.append(MACS + bytes.fromhex("0800") + bytes(head) + pim_msg)
    return [("PIM Hello: LAN prune delay, unknown option, bad checksum", ETHERNET, frames[0],
             ("pim.t", "pim.propagation_delay", "pim.override_interval", "pim.optionvalue",
              "pim.cksum.calculated")),
            ("PIM Join/Prune: its body", ETHERNET, frames[1], ("pim.body",))]  # fmt: skip


@builder
def quic_with_a_key_log() -> list[Crafted]:
    """tests/data/web/aioquic_keylog.pcap with its key log: 1-RTT packets decrypted (the
    frames are decoded in order right after, so the connection is remembered)."""
    from dissect.protocols import quic

    web = ROOT / "tests" / "data" / "web"
    quic.forget()
    quic.load_keylog(str(web / "aioquic_keylog.pcap.keys"))
    idx = open_capture(str(web / "aioquic_keylog.pcap"))
    with idx:
        frames = [bytes(r.data) for r in idx]
    short = ("quic.key_phase", "quic.short.reserved", "quic.protected_payload")
    return [(f"QUIC frame {n}", ETHERNET, f, short if n >= 6 else ())
            for n, f in enumerate(frames, 1)]  # fmt: skip


@builder
def nflog_and_l2tp() -> list[Crafted]:
    """NFLOG with the physical interface TLVs; an L2TP data message with offset padding."""
    import struct

    from scapy.all import IP, UDP

    def tlv(kind: int, value: bytes) -> bytes:
        raw = struct.pack("<HH", 4 + len(value), kind) + value
        return raw + bytes(-len(raw) % 4)

    nflog = bytes.fromhex("02000001") + b"".join(
        tlv(k, struct.pack("!I", k)) for k in (4, 6, 7)) + tlv(9, IP_ICMP)  # fmt: skip
    l2tp = bytes.fromhex("0202 0001 0002 0002 0000 ff03 0021") + IP_ICMP
    return [
        ("NFLOG with physical interfaces", 239, nflog,
         ("nflog.ifindex_indev", "nflog.ifindex_physindev", "nflog.ifindex_physoutdev")),
        ("L2TP data message with offset padding", ETHERNET,
         bytes(ETHER / IP() / UDP(sport=1701, dport=1701) / l2tp), ("l2tp.offset_padding",)),
    ]  # fmt: skip


@builder
def ntp() -> list[Crafted]:
    """A control message (mode 6) with data, a private request (mode 7) with items, and
    a client request with an NTPv4 extension field."""
    control = bytes.fromhex("16 02 0001 0000 0000 0000 0004") + b"abcd"
    private = bytes.fromhex("17 80 03 2a 0001 0004") + bytes(4)
    extension = bytes.fromhex("23") + bytes(47) + bytes.fromhex("0104 0020") + bytes(28) + bytes(20)
    return [
        ("NTP control: read variables", ETHERNET, _udp(123, 123, control),
         ("ntp.ctrl.flags2", "ntp.ctrl.flags2.r", "ntp.ctrl.flags2.error",
          "ntp.ctrl.flags2.more", "ntp.ctrl.flags2.opcode", "ntp.ctrl.sequence",
          "ntp.ctrl.status", "ntp.ctrl.associd", "ntp.ctrl.offset", "ntp.ctrl.count",
          "ntp.ctrl.data")),
        ("NTP private request", ETHERNET, _udp(123, 123, private),
         ("ntp.priv.flags.r", "ntp.priv.flags.more", "ntp.priv.auth_seq", "ntp.priv.auth",
          "ntp.priv.seq", "ntp.priv.impl", "ntp.priv.reqcode", "ntp.priv.err",
          "ntp.priv.numitems", "ntp.priv.reserved", "ntp.priv.itemsize", "ntp.priv.data")),
        ("NTPv4 client with an extension field", ETHERNET, _udp(123, 123, extension),
         ("ntp.ext", "ntp.ext.type", "ntp.ext.length", "ntp.ext.value")),
    ]  # fmt: skip


@builder
def dns() -> list[Crafted]:
    from scapy.all import DNS, DNSQR, DNSRR, DNSRRNSEC, DNSRROPT, EDNS0TLV, LLMNRQuery

    update = DNS(id=1, opcode=5, qd=DNSQR(qname="example.test", qtype="SOA"))
    records = DNS(
        id=2,
        qr=1,
        qd=DNSQR(qname="example.test"),
        an=[
            DNSRR(rrname="example.test", type=99, rdata=b"\x0bv=spf1 -all"),
            DNSRRNSEC(rrname="example.test", nextname="next.example.test"),
        ],
        ar=DNSRROPT(rdata=[EDNS0TLV(optcode=8, optdata=bytes.fromhex("0003 08 00 0a"))]),
    )
    llmnr = LLMNRQuery(id=3, c=1, tc=0, t=1, qd=DNSQR(qname="host"))
    return [
        ("DNS update, then 3 extraneous bytes", ETHERNET, _udp(1053, 53, bytes(update) + b"xyz"),
         ("dns.count.zones", "dns.count.prerequisites", "dns.count.updates",
          "dns.extraneous.data", "dns.extraneous.length")),
        ("DNS answer: SPF and NSEC records, client subnet of family 3", ETHERNET,
         _udp(53, 1053, bytes(records)),
         ("dns.spf", "dns.spf.length", "dns.nsec.next_domain_name", "dns.opt.client.addr")),
        ("LLMNR query, conflict and tentative set", ETHERNET, _udp(1055, 5355, bytes(llmnr)),
         ("llmnr", "dns.flags.conflict", "dns.flags.tentative")),
    ]  # fmt: skip


@builder
def http() -> list[Crafted]:
    request = (
        b"GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: example.test\r\n"
        b"Authorization: Basic dXNlcjpwYXNz\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\n"
        b"Upgrade: websocket\r\nSec-WebSocket-Key: a2V5\r\nSec-WebSocket-Version: 13\r\n"
        b"Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: x\r\n"
        b"X-Forwarded-For: 10.0.0.9\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n"
    )
    response = (
        b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=x\r\n"
        b"Proxy-Authenticate: Basic realm=y\r\nSec-WebSocket-Accept: YWNjZXB0\r\n"
        b"Content-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4\r\nabcd\r\n0\r\nX-Trailer: 1\r\n\r\n"
    )
    notify = b"NOTIFY * HTTP/1.1\r\nHost: 239.255.255.250:1900\r\nNTS: ssdp:alive\r\n\r\n"
    return [
        ("HTTP request: query, credentials, WebSocket upgrade", ETHERNET,
         _tcp(40000, 80, request),
         ("http.request.uri.path", "http.request.uri.query", "http.request.uri.query.parameter",
          "http.authorization", "http.proxy_authorization", "http.authbasic", "http.upgrade",
          "http.sec_websocket_key", "http.sec_websocket_version",
          "http.sec_websocket_protocol", "http.sec_websocket_extensions",
          "http.x_forwarded_for", "http.http2_settings")),
        ("HTTP response: challenges, a chunked PNG body with a trailer", ETHERNET,
         _tcp(80, 40000, response),
         ("http.www_authenticate", "http.proxy_authenticate", "http.sec_websocket_accept",
          "http.transfer_encoding", "http.chunk_size", "http.chunk_data", "http.chunk_boundary",
          "http.chunked_trailer_part", "media", "media.type")),
        ("SSDP notification", ETHERNET, _udp(1900, 1900, notify), ("ssdp", "http.notification")),
    ]  # fmt: skip


@builder
def tls() -> list[Crafted]:
    hello_body = (
        bytes.fromhex("0303")
        + bytes(32)
        + bytes.fromhex("00 0002 002f 0100")
        + bytes.fromhex("0006 ff01 0002 01aa")
    )  # one extension: renegotiation_info
    hello = bytes.fromhex("01") + len(hello_body).to_bytes(3, "big") + hello_body
    handshake = bytes.fromhex("160301") + len(hello).to_bytes(2, "big") + hello
    alert = bytes.fromhex("150303 0002 0228")
    heartbeat = bytes.fromhex("180303 0013 01 0000") + bytes(16)
    return [
        ("TLS ClientHello with renegotiation info", ETHERNET, _tcp(40001, 443, handshake),
         ("tls.handshake.extensions_reneg_info",)),
        ("TLS alert: fatal, handshake failure", ETHERNET, _tcp(443, 40001, alert),
         ("tls.alert_message.level", "tls.alert_message.desc")),
        ("TLS heartbeat request", ETHERNET, _tcp(40001, 443, heartbeat),
         ("tls.heartbeat_message", "tls.heartbeat_message.type",
          "tls.heartbeat_message.payload_length")),
    ]  # fmt: skip


def _ip(payload: object, **kw: object) -> bytes:
    from scapy.all import IP

    return bytes(ETHER / IP(src="10.0.0.1", dst="10.0.0.2", **kw) / payload)


def _objects(*objects: tuple[int, int, bytes]) -> bytes:
    """An RFC 4884 extension structure: version 2, then (class, c-type, body) objects."""
    body = b"".join((4 + len(b)).to_bytes(2, "big") + bytes([c, t]) + b for c, t, b in objects)
    return bytes.fromhex("2000 0000") + body


@builder
def icmp() -> list[Crafted]:
    from scapy.all import ICMP, IP, UDP

    quote = IP(src="10.0.0.2", dst="10.0.0.3") / UDP(sport=1, dport=2)
    v4, v6 = bytes([10, 0, 0, 1]), bytes(15) + b"\x01"
    info = _objects(
        (2, 0x0F, b"\x00\x00\x00\x02" + b"\x00\x01\x00\x00" + v4 + b"\x08eth0\x00\x00\x00"
         + b"\x00\x00\x05\xdc"),  # ifIndex, IPv4 address, name, MTU
        (2, 0x44, b"\x00\x02\x00\x00" + v6),  # role 1, IPv6 address
        (3, 3, b"\x00\x02\x10\x00" + v6),  # interface by IPv6 address
        (3, 3, b"\x00\x05\x02\x00\xab\xcd"),  # by an address of family 5: bytes
    )  # fmt: skip
    advert = bytes.fromhex("0900 0000 01 02 0708") + v4 + bytes(4) + bytes.fromhex("20 02 abcd")
    return [
        ("ICMP echo with a bad checksum", ETHERNET, _ip(ICMP(chksum=0x1234)),
         ("icmp.checksum.calculated",)),
        ("ICMP parameter problem, RFC 4884 length", ETHERNET,
         _ip(ICMP(type=12, ptr=20, length=2) / quote),
         ("icmp.pointer", "icmp.length", "icmp.length.original_datagram")),
        ("ICMP fragmentation needed, RFC 4884 length", ETHERNET,
         _ip(ICMP(type=3, code=4, length=2, nexthopmtu=1400) / quote), ("icmp.mtu",)),
        ("ICMP extended echo request: interface objects", ETHERNET,
         _ip(ICMP(type=42, id=1, seq=1) / info),
         ("icmp.int_info.role", "icmp.int_info.reserved", "icmp.int_info.ifindex",
          "icmp.int_info.ipaddr", "icmp.int_info.name_present", "icmp.int_info.mtu_present",
          "icmp.int_info.index", "icmp.int_info.afi", "icmp.int_info.ipv4",
          "icmp.int_info.ipv6", "icmp.int_info.name_length", "icmp.int_info.name",
          "icmp.int_info.mtu", "icmp.int_ident.ipv6", "icmp.int_ident.address")),
        ("ICMP router advertisement with a mobility extension of type 32", ETHERNET,
         _ip(advert, proto=1), ("icmp.mip.content",)),
    ]  # fmt: skip


def _ip6(payload: object, **kw: object) -> bytes:
    from scapy.all import IPv6

    return bytes(ETHER / IPv6(src="fe80::1", dst="fe80::2", **kw) / payload)


@builder
def icmpv6() -> list[Crafted]:
    from scapy.all import (
        UDP,
        ICMPv6DestUnreach,
        ICMPv6MLDMultAddrRec,
        ICMPv6MLQuery,
        ICMPv6MLQuery2,
        ICMPv6MLReport2,
        ICMPv6ND_RA,
        ICMPv6ND_Redirect,
        ICMPv6NDOptRedirectedHdr,
        ICMPv6PacketTooBig,
        IPv6,
        Raw,
    )

    quote = IPv6(src="fe80::2", dst="fe80::3") / UDP(sport=1, dport=2)
    report = ICMPv6MLReport2(
        records=[ICMPv6MLDMultAddrRec(sources=["fe80::4"], auxdata_len=1, auxdata=b"abcd")]
    )
    ra_options = (
        bytes.fromhex("25 02")
        + b"https://portal.test/\x00\x00"[:14]  # captive portal
        + bytes.fromhex("26 02 0708")
        + bytes(12)
    )  # PREF64: lifetime, PLC, prefix
    results = bytes.fromhex("8a01 0000 00000001 00 00 0000 00000000")  # router renumbering
    results += bytes.fromhex("0003 01 40 00000002") + bytes(15) + b"\x01"  # one result message
    return [
        ("ICMPv6 unreachable, RFC 4884 length, a bad checksum", ETHERNET,
         _ip6(ICMPv6DestUnreach(length=2, cksum=0x1234) / quote),
         ("icmpv6.length", "icmpv6.checksum.calculated")),
        ("ICMPv6 packet too big", ETHERNET, _ip6(ICMPv6PacketTooBig(mtu=1280) / quote),
         ("icmpv6.mtu",)),
        ("MLDv1 query with 2 bytes after it", ETHERNET, _ip6(ICMPv6MLQuery() / Raw(b"xy")),
         ("icmpv6.mld.maximum_response_delay", "icmpv6.unknown_data")),
        ("MLDv2 query with a source", ETHERNET, _ip6(ICMPv6MLQuery2(sources=["fe80::5"])),
         ("icmpv6.mld.source_address",)),
        ("MLDv2 report: a record with a source and aux data", ETHERNET, _ip6(report),
         ("icmpv6.mldr.mar.source_address", "icmpv6.mldr.mar.auxiliary_data")),
        ("ND redirect with the redirected header", ETHERNET,
         _ip6(ICMPv6ND_Redirect(tgt="fe80::6", dst="fe80::7") / ICMPv6NDOptRedirectedHdr(
             pkt=bytes(quote))),
         ("icmpv6.nd.rd.target_address", "icmpv6.rd.na.destination_address",
          "icmpv6.opt.redirected_packet")),
        ("Router advertisement: captive portal, PREF64", ETHERNET,
         _ip6(ICMPv6ND_RA() / Raw(ra_options)),
         ("icmpv6.opt.captive_portal", "icmpv6.opt.pref64.scaled_lifetime",
          "icmpv6.opt.pref64.plc", "icmpv6.opt.pref64.prefix")),
        ("Router renumbering result", ETHERNET, _ip6(Raw(results), nh=58),
         ("icmpv6.rr.rm", "icmpv6.rr.rm.flag", "icmpv6.rr.rm.ordinal", "icmpv6.rr.rm.matchedlen",
          "icmpv6.rr.rm.interfaceindex", "icmpv6.rr.rm.matchedprefix")),
    ]  # fmt: skip


@builder
def ip_options() -> list[Crafted]:
    from scapy.all import IPOption, Raw

    def options(raw: str) -> list[object]:
        return [IPOption(bytes.fromhex(raw))]

    measurement = options(
        "520c 0001 0002 0003 0a000009"  # traceroute: ID, hop counts, originator
        "1908 1102 00000004"  # quick-start: function, rate, TTL, nonce, reserved
        "0b04 05dc 0c04 05dc 8804 0001"  # MTU probe, MTU reply, stream ID
        "8205 01 abcd 00 00 00"
    )  # security with a classification level, then padding
    security = options(
        "8503 01"  # extended security: a value
        "9506 0a000009"  # selective directed broadcast
        "9e04 abcd"  # an option Wireshark has no name for
        "860a 00000001 0704 abcd"  # CIPSO, a free-form tag
        "00"
    )  # end of options
    route = options("830b 04 0a000007 0a000008 00")  # loose source route under way
    return [
        ("IPv4 with traceroute, quick-start, MTU, stream ID, security options", ETHERNET,
         _ip(Raw(b""), options=measurement),
         ("ip.options.traceroute", "ip.opt.id_number", "ip.opt.ohc", "ip.opt.rhc",
          "ip.opt.originator", "ip.options.qs", "ip.opt.qs_func", "ip.opt.qs_rate",
          "ip.opt.qs_ttl", "ip.opt.qs_nonce", "ip.opt.qs_reserved", "ip.options.mtu_probe",
          "ip.options.mtu_reply", "ip.opt.mtu", "ip.options.sid", "ip.opt.sid",
          "ip.options.security", "ip.opt.sec_cl")),
        ("IPv4 with extended security, directed broadcast, unknown, CIPSO options", ETHERNET,
         _ip(Raw(b""), options=security),
         ("ip.options.ext_security", "ip.options.sdb", "ip.opt", "ip.opt.value",
          "ip.cipso.tag_data")),
        ("IPv4 with a loose source route under way", ETHERNET, _ip(Raw(b""), options=route),
         ("ip.src_rt",)),
    ]  # fmt: skip


def _ext(nh: int, body: str) -> bytes:
    """An IPv6 extension header: next header, length in 8-byte units past the first, body."""
    raw = bytes.fromhex(body)
    return bytes([nh, (len(raw) + 2) // 8 - 1]) + raw


@builder
def ipv6_extensions() -> list[Crafted]:
    from scapy.all import Raw

    hop = _ext(59, "00 0401 07 1e02 abcd 8b04 01020304 6304 e0 07 0100 3f02 abcd 0104 00000000")
    jumbo = _ext(59, "c204 00000008")
    home = _ext(59, "c910 fe800000000000000000000000000009 0102 0000")
    mip = _ext(59, "02 01 00000000 fe80000000000000000000000000000a")
    rpl = _ext(59, "03 01 88000000 0000000000000001 0000000000000002")
    unknown = _ext(59, "fd 00 abcdef01")
    return [
        ("IPv6 hop-by-hop: Pad1, tunnel limit, experimental, ILNP nonce, RPL, unknown",
         ETHERNET, _ip6(Raw(hop), nh=0),
         ("ipv6.opt.pad1", "ipv6.opt.tel", "ipv6.opt.experimental", "ipv6.opt.ilnp_nonce",
          "ipv6.opt.rpl.flag", "ipv6.opt.rpl.flag.o", "ipv6.opt.rpl.flag.r",
          "ipv6.opt.rpl.flag.f", "ipv6.opt.rpl.flag.rsv", "ipv6.opt.rpl.instance_id",
          "ipv6.opt.rpl.sender_rank", "ipv6.opt.unknown")),
        ("IPv6 jumbogram", ETHERNET, _ip6(Raw(jumbo), nh=0, plen=0), ("ipv6.opt.jumbo",)),
        ("IPv6 destination options: home address", ETHERNET, _ip6(Raw(home), nh=60),
         ("ipv6.opt.mipv6.home_address",)),
        ("IPv6 routing type 2 (Mobile IPv6)", ETHERNET, _ip6(Raw(mip), nh=43),
         ("ipv6.routing.mipv6.reserved", "ipv6.routing.mipv6.home_address")),
        ("IPv6 routing type 3 (RPL)", ETHERNET, _ip6(Raw(rpl), nh=43),
         ("ipv6.routing.rpl.cmprI", "ipv6.routing.rpl.cmprE", "ipv6.routing.rpl.pad",
          "ipv6.routing.rpl.reserved", "ipv6.routing.rpl.address")),
        ("IPv6 routing of an unknown type", ETHERNET, _ip6(Raw(unknown), nh=43),
         ("ipv6.routing.unknown_data",)),
    ]  # fmt: skip


@builder
def tcp_options() -> list[Crafted]:
    options = [(28, b"\x00\x10"), (29, b"\x00\x00"), (30, b"\x00\x00"), (34, b"12345678"),
               (172, b"\x00\x00\x00"), (99, b"\x00\x00")]  # fmt: skip
    return [
        ("TCP: user timeout, AO, MPTCP, Fast Open, AccECN and an unknown option", ETHERNET,
         _tcp(40002, 9, b"", options=options),
         ("tcp.options.user_to", "tcp.options.ao", "mptcp", "tcp.options.tfo",
          "tcp.options.acc_ecn", "tcp.options.unknown")),
    ]  # fmt: skip
