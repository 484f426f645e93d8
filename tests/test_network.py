"""Network-layer decoders: IPv4 (options, TSO, bogus headers), IPv6 and its extension headers
(hop-by-hop, routing types 0 and 4, fragment, destination options), ICMP and ICMPv6.

Byte fixtures are single packets of the captures under tests/data/network/ (see ATTRIBUTION.md
there; the frame number is given with each) or were crafted with scapy; the expected values,
spans and masks are tshark 4.0.17's (`tshark -T json -x`) unless a comment says otherwise.
The captures themselves are compared with the tshark decodings stored beside them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dissect.engine import Osi, decode
from dissect.index import open_capture
from tests.spans import check_every_truncation, check_spans, issue_codes, names, values
from tests.spans import field_span as span
from tests.spans import layer_info as info

ETHERNET, IPV4, IPV6 = 1, 228, 229
DATA_DIR = Path(__file__).parent / "data" / "network"
MINE = {
    "ip",
    "ipv6",
    "ipv6.hopopts",
    "ipv6.routing",
    "ipv6.fraghdr",
    "ipv6.dstopts",
    "icmp",
    "icmpv6",
}


def h(*parts: str) -> bytes:
    return bytes.fromhex("".join(parts).replace(" ", ""))


# dpkt/dns_icmp.pcap #3: ICMP echo request 192.168.43.9 -> 8.8.8.8 with a timeval in the data
ECHO = h(
    "021a11f0c83b60334b13c55808004500005426ef0000400157f9c0a82b090808",
    "08080800bbb3d73b000051a7d67d000451e408090a0b0c0d0e0f101112131415",
    "161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435",
    "3637",
)
ECHO_TIME_NS = 1369953917_283123_000  # the record's capture time
# pcapplusplus/IcmpPackets.pcap #5: TTL exceeded quoting IPv4+UDP, then an MPLS extension
TTL_EXCEEDED = h(
    "c20966b00000c20d66d700000800450000a805fa0000fc01a1580a0002010a00",
    "01020b00ac2d000000004500001c00e50000021100d90a000102ac100002c01d",
    "82a5000806070000000000000000000000000000000000000000000000000000",
    "00" * 64,
    "0000000000000000000020007df40008010100016101",
)
# pcapplusplus/IcmpPackets.pcap #2: redirect quoting an ICMP echo request
REDIRECT = h(
    "002078e15a8000107b8143e3080045000038623d0000ff01d81e0a0263630a02",
    "0a020501383e0a0263624500003c3a0000001f01fcb30a020a020a0347070800",
    "1a5c02003100",
)
# pcapplusplus/ipv4-options.pcap #1: Commercial Security (CIPSO) option then EOL
CIPSO = h(
    "00000000000000000000000008004b00006c783700004001752d7f0000017f00",
    "0001861600000002021000020000000200040005000600ef0000000029508c0a",
    "0001924dae45130e0c0008090a0b0c0d0e0f101112131415161718191a1b1c1d",
    "1e1f202122232425262728292a2b2c2d2e2f3031323334353637",
)
# pcapplusplus/ipv4-options.pcap #6: NOP + strict source route under way
SOURCE_ROUTE = h(
    "c412f5ff72e8080027191c78080047000024334c0000400128710a0000060a00",
    "008a018907040000000008005d079af60002",
)
# tcpdump/icmp-length-zero.pcapng #1: IPv4 total length 0 (segmentation offload)
TSO = h(
    "b8cef6048b14d4aff7db48970800450000004cfa40003d01d4b80a19840b0a19",
    "840d08000eab32830001c9bce3680000000043d8070000000000101112131415",
    "161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435",
    "3637",
)
# tcpdump/icmpv6.pcap #2: IPv6 + hop-by-hop (Router Alert MLD, PadN) + MLDv2 report
MLD_REPORT = h(
    "333300000016001517cce54686dd6000000000240001fe800000000000000215",
    "17fffecce546ff0200000000000000000000000000163a000502000001008f00",
    "1fc50000000104000000ff0200000000000000000db811223344",
)
# tcpdump/icmpv6.pcap #1: router advertisement with prefix, RDNSS, DNSSL, MTU, SLLA, ...
ROUTER_ADVERT = h(
    "333300000001b09928c8d66c86dd6000000000b03afffe80000000000000b299",
    "28fffec8d66cff020000000000000000000000000001860024014020000f0000",
    "000000000000030448c000278d0000093a800000000022223333444455556600",
    "0000000000001905000000000005abcd000000000000000000000000efef1234",
    "56780000000000000000000000011f07000000000005076578616d706c650363",
    "6f6d00076578616d706c65036f72670004646f6d3104646f6d3203746c640000",
    "00000000000005010000000000640101b09928c8d66c07010000000013880801",
    "0000c351000f",
)
# pcapplusplus/IcmpV6_NeighAdvSoli.pcap #2: neighbor advertisement (router, override) + TLLA
NEIGHBOR_ADVERT = h(
    "333300000001c20054f5000086dd6e00000000203afffe80000000000000c000",
    "54fffef50000ff02000000000000000000000000000188009abba0000000fe80",
    "000000000000c00054fffef500000201c20054f50000",
)
# pcapplusplus/ICMPv6_echos.cap #1: echo request with 52 bytes of data
ECHO6 = h(
    "c20151fa0000c20051fa000086dd60000000003c3a4020010db8000000120000",
    "00000000000120010db80000001200000000000000028000863c110d00000001",
    "02030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021",
    "22232425262728292a2b2c2d2e2f30313233",
)
# pcapplusplus/ip6_fragments.pcap #2: a fragment at offset 120: no UDP header in it
FRAGMENT = h(
    "3333000000fb001ff3cdf61786dd6000000000802cfffe80000000000000021f",
    "f3fffecdf617ff0200000000000000000000000000fb11000079002c53236170",
    "706c657476c018000c8001255f30303030303030302d303133342d363931362d",
    "666630342d386335643737646534323733045f7375620d5f686f6d652d736861",
    "72696e67c018000c8001055f64616170c018000c80010d5f746f7563682d7265",
    "6d6f7465c018000c8001055f72616f70c018000c8001",
)
# tcpdump/ipv6-routing-header.pcap #1: type 0 routing header, segments left 1, ICMPv6 echo
ROUTING0 = h(
    "0013c4c784f000123fae22f786dd6000000000202b0422000000000002440212",
    "3ffffeae22f7220000000000024000020000000000043a020001000000002200",
    "00000000021000020000000000048000d3ab00000000",
)
# tcpdump/ipv6-srh-ext-header.pcap #1: segment routing header carrying IPv6 + ICMPv6 echo
SRH = h(
    "080027206bcf080027c22da586dd600889ad00902b40000a000b000c00120000",
    "000000000001000a000b000c00020000000000f100002904040101000000000a",
    "000b000c000300000000000000d6000a000b000c00020000000000f100006008",
    "89ad00403a40000a000b000c0012000000000000000100b20000000000000000",
    "0000000000028000635e06ee000103c5475a000000000a5e0000000000001011",
    "12131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031",
    "323334353637",
)
# tcpdump/icmpv6-rfc7112.pcap #1: parameter problem quoting IPv6 + fragment + a cut IPv6 header
PARAM_PROBLEM = h(
    "ac1f6b469eda00a09815ece786dd6000000000483a40200106300042011002a0",
    "98fffe15ece72001063000420110ae1f6bfffe469eda0403994c000000306000",
    "000000182c402001063000420110ae1f6bfffe469eda200106300042011002a0",
    "98fffe15ece7290000010000d6b16227605c7830305c7830305c7830305c",
)
# tcpdump/bad-ipv4-version-pgm-heapoverflow.pcap #1 (snaplen-cut): IPv4 ethertype, version 6
IPV4_SAYS_6 = h("303030303030303030303030 0800 6530303030300000307130303030303030303030")
IPV4_SAYS_6_WIRE = 262144

# Crafted with scapy (values checked with tshark): ICMPv6 port unreachable quoting IPv6+UDP
UNREACH6 = h(
    "6000000000403a4020010db800000000000000000000000120010db800000000",
    "00000000000000020104da850000000060000000001c114020010db80000000000000000000000",
    "0220010db800000000000000000000000913880035001c220e7171717171717171",
)
# IPv6 hop-by-hop (Router Alert 0, empty PadN) + ICMPv6 echo with 4 data bytes
HOP_BY_HOP = h(
    "6000000000140001fe800000000000000000000000000001ff02000000000000",
    "00000000000000163a000502000001008000bd540001000261626364",
)
# IPv6 destination options (PadN of 4) + UDP 1 -> 2 with 2 bytes
DSTOPTS = h(
    "6000000000123c4020010db800000000000000000000000120010db800000000",
    "0000000000000002110001040000000000010002000a2be97879",
)
# Hand-made: IPv6 hop-by-hop with a Jumbo Payload of 12 bytes (payload length 0) + ICMPv6 echo
JUMBO = h(
    "6000000000000040",
    "00" * 15,
    "01",
    "00" * 15,
    "02",
    "3a00c2040000000c 8000000000010001",
)
# Hand-made: IPv6 version nibble 0 behind the IPv6 EtherType
IPV6_VERSION_0 = h("00" * 12, "86dd", "0000000000003b40", "00" * 32, "abcd")

FIXTURES = [
    (ECHO, ETHERNET), (TTL_EXCEEDED, ETHERNET), (REDIRECT, ETHERNET), (CIPSO, ETHERNET),
    (SOURCE_ROUTE, ETHERNET), (TSO, ETHERNET), (MLD_REPORT, ETHERNET), (ROUTER_ADVERT, ETHERNET),
    (NEIGHBOR_ADVERT, ETHERNET), (ECHO6, ETHERNET), (FRAGMENT, ETHERNET), (ROUTING0, ETHERNET),
    (SRH, ETHERNET), (PARAM_PROBLEM, ETHERNET), (IPV4_SAYS_6, ETHERNET), (UNREACH6, IPV6),
    (HOP_BY_HOP, IPV6), (DSTOPTS, IPV6), (JUMBO, IPV6), (IPV6_VERSION_0, ETHERNET),
]  # fmt: skip


# -- IPv4 ------------------------------------------------------------------------------------
def test_ipv4_cipso_option_and_eol():
    pkt = decode(CIPSO, ETHERNET, strict=True)
    assert span(pkt, "ip.hdr_len") == (44, 14, 1, 0x0F)
    opts = pkt.get("ip.options")
    assert (opts.pos, opts.len) == (34, 24)
    cipso = pkt.get("ip.options.cipso")
    assert (cipso.pos, cipso.len) == (34, 22)
    assert span(pkt, "ip.opt.type.copy") == (True, 34, 1, 0x80)
    assert span(pkt, "ip.opt.type.number") == (6, 34, 1, 0x1F)
    assert span(pkt, "ip.cipso.doi") == (2, 36, 4, 0)
    assert span(pkt, "ip.cipso.tag_type") == (2, 40, 1, 0)
    assert span(pkt, "ip.cipso.sensitivity_level") == (2, 43, 1, 0)
    assert pkt.value("ip.cipso.categories") == "0,2,4,5,6,239"
    assert pkt.get("ip.options.eol").pos == 56
    assert pkt.value("ip.checksum.status") == "good"
    assert names(pkt) == ["eth", "ip", "icmp", "data"]


def test_ipv4_source_route_final_destination():
    """tshark names the header's destination ip.cur_rt and the route's last hop ip.dst."""
    pkt = decode(SOURCE_ROUTE, ETHERNET, strict=True)
    assert span(pkt, "ip.cur_rt") == ("10.0.0.138", 30, 4, 0)
    assert values(pkt, "ip.dst") == ["0.0.0.0"]
    assert span(pkt, "ip.dst") == ("0.0.0.0", 38, 4, 0)
    assert span(pkt, "ip.opt.ptr") == (4, 37, 1, 0)
    assert pkt.get("ip.options.source_route") is not None
    ip = pkt.layer("ip")
    assert ip.title == "Internet Protocol Version 4, Src: 10.0.0.6, Dst: 0.0.0.0, Via: 10.0.0.138"
    assert pkt.ctx.pseudo_dst == bytes(4)  # checksums above use the final destination
    assert pkt.value("ip.ttl") == 64 and pkt.value("ip.flags.df") is False


def test_ipv4_total_length_zero_is_taken_from_the_frame():
    pkt = decode(TSO, ETHERNET, strict=True)
    assert span(pkt, "ip.len") == (84, 16, 2, 0)  # tshark: 84 (reported as 0, TSO)
    assert "ip.len.tso" in issue_codes(pkt)
    assert names(pkt) == ["eth", "ip", "icmp", "data"]
    assert pkt.status == "ok"


def test_ipv4_header_saying_version_6_goes_to_ipv6():
    pkt = decode(IPV4_SAYS_6, ETHERNET, wirelen=IPV4_SAYS_6_WIRE, strict=True)
    assert names(pkt)[:3] == ["eth", "ip", "ipv6"]
    assert [(f.value, f.pos) for f in pkt.find("ip.version")] == [(6, 14), (6, 14)]
    assert span(pkt, "ipv6.plen") == (12336, 18, 2, 0)
    assert pkt.layer("ipv6").status == "truncated"


@pytest.mark.parametrize(
    ("first", "code"),
    [("45000011", "ip.bogus_ip_length"), ("44000020", "ip.bogus_header_length"),
     ("55000020", "ip.bogus_ip_version")],
)  # fmt: skip
def test_ipv4_bogus_header_keeps_the_rest_and_is_malformed(first, code):
    frame = h(first, "0000000040110000", "0a000001", "0a000002", "11" * 12)
    pkt = decode(frame, IPV4, strict=True)
    assert names(pkt) == ["ip"]  # as tshark: nothing after a bogus header is decoded
    assert code in issue_codes(pkt) and pkt.status == "malformed"
    assert pkt.layer("ip").len == len(frame)


def test_ipv4_later_fragment_is_data_and_first_is_dissected():
    first = h("4500001c1234200040110000", "0a000001", "0a000002", "0001000200640000")
    later = h("4500001c1234000340110000", "0a000001", "0a000002", "0001000200640000")
    p1, p2 = decode(first, IPV4, strict=True), decode(later, IPV4, strict=True)
    assert names(p1) == ["ip", "udp"] and p1.ctx.fragment is True
    assert names(p2) == ["ip", "data"]
    assert info(p2, "ip") == "Fragmented IP protocol (proto=UDP 17, off=24, ID=1234)"


# -- ICMP ------------------------------------------------------------------------------------
def test_icmp_echo_request_fields_info_and_data_time():
    pkt = decode(ECHO, ETHERNET, time_ns=ECHO_TIME_NS, strict=True)
    assert pkt.layer("icmp").osi == Osi.NETWORK
    assert span(pkt, "icmp.type") == (8, 34, 1, 0)
    assert span(pkt, "icmp.code") == (0, 35, 1, 0)
    assert span(pkt, "icmp.checksum") == (0xBBB3, 36, 2, 0)
    assert pkt.value("icmp.checksum.status") == "good"
    assert span(pkt, "icmp.ident") == (0xD73B, 38, 2, 0)
    assert span(pkt, "icmp.ident_le") == (0x3BD7, 38, 2, 0)
    assert span(pkt, "icmp.seq") == (0, 40, 2, 0)
    assert pkt.get("icmp.data_time").pos == 42 and pkt.get("icmp.data_time").len == 8
    assert names(pkt) == ["eth", "ip", "icmp", "data"]
    assert pkt.layer("data").pos == 50  # tshark: Data (48 bytes) after the timestamp
    assert info(pkt, "icmp") == "Echo (ping) request  id=0xd73b, seq=0/0, ttl=64"


def test_icmp_echo_without_capture_time_keeps_all_data():
    pkt = decode(ECHO, ETHERNET, strict=True)
    assert pkt.get("icmp.data_time") is None and pkt.layer("data").pos == 42


def test_icmp_time_exceeded_quotes_ip_udp_and_mpls_extension():
    pkt = decode(TTL_EXCEEDED, ETHERNET, strict=True)
    assert names(pkt) == ["eth", "ip", "icmp", "ip", "udp"]
    assert [(f.value, f.pos) for f in pkt.find("ip.len")] == [(168, 16), (28, 44)]
    assert values(pkt, "ip.src") == ["10.0.2.1", "10.0.1.2"]
    assert span(pkt, "icmp.unused") == (bytes(4), 38, 4, 0)
    assert pkt.ctx.in_error is True and pkt.ctx.column_layers == 4
    inner = pkt.layers[4]
    assert inner.value("ip.checksum.status") == "unverified"  # as tshark inside a quote
    assert inner.issues == []
    assert span(pkt, "icmp.ext.version") == (2, 170, 1, 0xF0)
    assert pkt.value("icmp.ext.checksum.status") == "good"
    assert span(pkt, "icmp.ext.class") == (1, 176, 1, 0)
    assert span(pkt, "icmp.mpls.label") == (22, 178, 3, 0xFFFFF0)
    assert span(pkt, "icmp.mpls.exp") == (0, 178, 3, 0x0E)  # 24-bit fields, as Wireshark's
    assert span(pkt, "icmp.mpls.s") == (True, 178, 3, 0x01)
    assert span(pkt, "icmp.mpls.ttl") == (1, 181, 1, 0)
    assert info(pkt, "icmp") == "Time-to-live exceeded (Time to live exceeded in transit)"


def test_icmp_redirect_quotes_an_echo_whose_checksum_is_not_checked():
    pkt = decode(REDIRECT, ETHERNET, strict=True)
    assert names(pkt) == ["eth", "ip", "icmp", "ip", "icmp"]
    assert span(pkt, "icmp.redir_gw") == ("10.2.99.98", 38, 4, 0)
    assert [(f.value, f.pos) for f in pkt.find("icmp.type")] == [(5, 34), (8, 62)]
    assert values(pkt, "icmp.checksum.status") == ["good", "unverified"]
    assert info(pkt, "icmp") == "Redirect             (Redirect for host)"
    assert pkt.status == "ok"


# -- IPv6 and extension headers --------------------------------------------------------------
def test_ipv6_fixed_header_fields_masks_and_hidden_ip_version():
    pkt = decode(ECHO6, ETHERNET, strict=True)
    ip6 = pkt.layer("ipv6")
    assert ip6.osi == Osi.NETWORK and ip6.len == 40
    assert span(pkt, "ipv6.version") == (6, 14, 1, 0xF0)
    assert span(pkt, "ip.version") == (6, 14, 1, 0xF0)  # Wireshark files it there too
    assert span(pkt, "ipv6.tclass") == (0, 14, 4, 0x0FF00000)
    assert span(pkt, "ipv6.tclass.dscp") == (0, 14, 4, 0x0FC00000)
    assert span(pkt, "ipv6.flow") == (0, 15, 3, 0x0FFFFF)
    assert span(pkt, "ipv6.plen") == (60, 18, 2, 0)
    assert span(pkt, "ipv6.nxt") == (58, 20, 1, 0)
    assert span(pkt, "ipv6.hlim") == (64, 21, 1, 0)
    assert span(pkt, "ipv6.src") == ("2001:db8:0:12::1", 22, 16, 0)
    assert span(pkt, "ipv6.dst") == ("2001:db8:0:12::2", 38, 16, 0)
    assert ip6.title == "Internet Protocol Version 6, Src: 2001:db8:0:12::1, Dst: 2001:db8:0:12::2"
    assert pkt.layer("ipv6").protocol.addresses == ("ipv6.src", "ipv6.dst")


def test_icmpv6_echo_request():
    pkt = decode(ECHO6, ETHERNET, strict=True)
    assert names(pkt) == ["eth", "ipv6", "icmpv6", "data"]
    assert span(pkt, "icmpv6.type") == (128, 54, 1, 0)
    assert pkt.value("icmpv6.checksum.status") == "good"
    assert span(pkt, "icmpv6.echo.identifier") == (0x110D, 58, 2, 0)
    assert span(pkt, "icmpv6.echo.sequence_number") == (0, 60, 2, 0)
    assert info(pkt, "icmpv6") == "Echo (ping) request id=0x110d, seq=0, hop limit=64"


def test_hop_by_hop_router_alert_and_mldv2_report():
    pkt = decode(MLD_REPORT, ETHERNET, strict=True)
    assert names(pkt) == ["eth", "ipv6", "ipv6.hopopts", "icmpv6"]
    assert span(pkt, "ipv6.hopopts.nxt") == (58, 54, 1, 0)
    assert span(pkt, "ipv6.hopopts.len") == (0, 55, 1, 0)
    assert pkt.value("ipv6.hopopts.len_oct") == 8
    assert values(pkt, "ipv6.opt.type") == [5, 1]
    assert span(pkt, "ipv6.opt.type.action") == (0, 56, 1, 0xC0)
    assert span(pkt, "ipv6.opt.router_alert") == (0, 58, 2, 0)
    padn = pkt.get("ipv6.opt.padn")  # an empty PadN: no value bytes, "<none>" as in Wireshark
    assert (padn.value, padn.pos, padn.len, padn.show) == (b"", 62, 0, "<none>")
    assert span(pkt, "icmpv6.type") == (143, 62, 1, 0)
    assert pkt.value("icmpv6.checksum.status") == "good"
    assert span(pkt, "icmpv6.mldr.nb_mcast_records") == (1, 68, 2, 0)
    assert span(pkt, "icmpv6.mldr.mar.record_type") == (4, 70, 1, 0)
    assert span(pkt, "icmpv6.mldr.mar.multicast_address") == ("ff02::db8:1122:3344", 74, 16, 0)
    assert info(pkt, "icmpv6") == "Multicast Listener Report Message v2"


def test_router_advertisement_options():
    pkt = decode(ROUTER_ADVERT, ETHERNET, strict=True)
    assert names(pkt) == ["eth", "ipv6", "icmpv6"]
    assert span(pkt, "icmpv6.nd.ra.cur_hop_limit") == (64, 58, 1, 0)
    assert span(pkt, "icmpv6.nd.ra.flag.h") == (True, 59, 1, 0x20)
    assert span(pkt, "icmpv6.nd.ra.flag.prf") == (0, 59, 1, 0x18)
    assert span(pkt, "icmpv6.nd.ra.router_lifetime") == (15, 60, 2, 0)
    assert span(pkt, "icmpv6.opt.prefix") == ("2222:3333:4444:5555:6600::", 86, 16, 0)
    assert span(pkt, "icmpv6.opt.prefix.length") == (72, 72, 1, 0)
    assert span(pkt, "icmpv6.opt.prefix.flag.a") == (True, 73, 1, 0x40)
    assert values(pkt, "icmpv6.opt.rdnss") == ["abcd::efef", "1234:5678::1"]
    assert values(pkt, "icmpv6.opt.dnssl") == ["example.com", "example.org", "dom1.dom2.tld"]
    assert span(pkt, "icmpv6.opt.dnssl", 2) == ("dom1.dom2.tld", 176, 15, 0)
    assert span(pkt, "icmpv6.opt.mtu") == (100, 202, 4, 0)
    assert span(pkt, "icmpv6.opt.src_linkaddr") == ("b0:99:28:c8:d6:6c", 208, 6, 0)
    assert span(pkt, "icmpv6.opt.advertisement_interval") == (5000, 218, 4, 0)
    assert pkt.value("icmpv6.checksum.status") == "good"
    assert info(pkt, "icmpv6") == "Router Advertisement from b0:99:28:c8:d6:6c"


def test_neighbor_advertisement_flags_target_and_info():
    pkt = decode(NEIGHBOR_ADVERT, ETHERNET, strict=True)
    assert span(pkt, "icmpv6.nd.na.flag") == (0xA0000000, 58, 4, 0)
    assert span(pkt, "icmpv6.nd.na.flag.r") == (True, 58, 4, 0x80000000)
    assert span(pkt, "icmpv6.nd.na.flag.s") == (False, 58, 4, 0x40000000)
    assert span(pkt, "icmpv6.nd.na.target_address") == ("fe80::c000:54ff:fef5:0", 62, 16, 0)
    assert span(pkt, "icmpv6.opt.target_linkaddr") == ("c2:00:54:f5:00:00", 80, 6, 0)
    assert info(pkt, "icmpv6") == (
        "Neighbor Advertisement fe80::c000:54ff:fef5:0 (rtr, ovr) is at c2:00:54:f5:00:00"
    )


def test_later_fragment_is_data_with_fragment_info():
    pkt = decode(FRAGMENT, ETHERNET, strict=True)
    assert names(pkt) == ["eth", "ipv6", "ipv6.fraghdr", "data"]
    assert span(pkt, "ipv6.fraghdr.nxt") == (17, 54, 1, 0)
    assert span(pkt, "ipv6.fraghdr.offset") == (15, 56, 2, 0xFFF8)
    assert span(pkt, "ipv6.fraghdr.more") == (True, 56, 2, 0x0001)
    assert span(pkt, "ipv6.fraghdr.ident") == (0x002C5323, 58, 4, 0)
    assert info(pkt, "ipv6.fraghdr") == "IPv6 fragment (off=120 more=y ident=0x002c5323 nxt=17)"
    assert pkt.ctx.fragment is True


def test_routing_type0_final_destination_makes_the_icmpv6_checksum_good():
    pkt = decode(ROUTING0, ETHERNET, strict=True)
    assert names(pkt) == ["eth", "ipv6", "ipv6.routing", "icmpv6"]
    assert span(pkt, "ipv6.routing.type") == (0, 56, 1, 0)
    assert span(pkt, "ipv6.routing.segleft") == (1, 57, 1, 0)
    assert span(pkt, "ipv6.routing.src.addr") == ("2200::210:2:0:0:4", 62, 16, 0)
    assert "ipv6.routing.deprecated" in issue_codes(pkt)
    assert pkt.value("icmpv6.checksum.status") == "good"  # RFC 8200 8.1 pseudo-header
    assert pkt.layer("ipv6.routing").title == "Routing Header for IPv6 (Source Route)"


def test_segment_routing_header_then_ipv6_in_ipv6():
    pkt = decode(SRH, ETHERNET, strict=True)
    assert names(pkt) == ["eth", "ipv6", "ipv6.routing", "ipv6", "icmpv6", "data"]
    assert span(pkt, "ipv6.routing.srh.last_entry") == (1, 58, 1, 0)
    assert values(pkt, "ipv6.routing.srh.addr") == ["a:b:c:3::d6", "a:b:c:2::f1:0"]
    assert [(f.value, f.pos) for f in pkt.find("ipv6.plen")] == [(144, 18), (64, 98)]
    assert pkt.value("icmpv6.checksum.status") == "good"


def test_destination_options_then_udp():
    pkt = decode(DSTOPTS, IPV6, strict=True)
    assert names(pkt) == ["ipv6", "ipv6.dstopts", "udp", "data"]
    assert span(pkt, "ipv6.dstopts.nxt") == (17, 40, 1, 0)
    assert span(pkt, "ipv6.opt.padn") == (bytes(4), 44, 4, 0)
    assert pkt.value("udp.checksum.status") == "good"


def test_hop_by_hop_router_alert_then_echo():
    pkt = decode(HOP_BY_HOP, IPV6, strict=True)
    assert names(pkt) == ["ipv6", "ipv6.hopopts", "icmpv6", "data"]
    assert pkt.value("ipv6.opt.router_alert") == 0
    assert pkt.value("icmpv6.checksum.status") == "good"
    assert info(pkt, "icmpv6") == "Echo (ping) request id=0x0001, seq=2, hop limit=1"


def test_jumbo_payload_bounds_the_payload():
    pkt = decode(JUMBO + b"\xee" * 4, IPV6, strict=True)
    assert span(pkt, "ipv6.opt.jumbo") == (12, 44, 4, 0)
    assert "ipv6.opt.jumbo.truncated" in issue_codes(pkt)  # below 65536 (RFC 2675)
    assert pkt.layer("ipv6.hopopts").payload_end == 40 + 12
    assert names(pkt)[:3] == ["ipv6", "ipv6.hopopts", "icmpv6"]


def test_zero_payload_length_without_jumbo_is_malformed():
    frame = bytearray(JUMBO)
    frame[42:48] = bytes(6)  # the Jumbo option becomes Pad1s
    pkt = decode(bytes(frame), IPV6, strict=True)
    assert "ipv6.opt.jumbo.missing" in issue_codes(pkt)
    assert names(pkt) == ["ipv6", "ipv6.hopopts", "data"]


def test_icmpv6_unreachable_quotes_ipv6_udp_without_length_complaints():
    pkt = decode(UNREACH6, IPV6, strict=True)
    assert names(pkt)[:4] == ["ipv6", "icmpv6", "ipv6", "udp"]
    assert pkt.value("icmpv6.checksum.status") == "good"
    assert [(f.value, f.pos) for f in pkt.find("ipv6.plen")] == [(64, 4), (28, 52)]
    assert not [i for layer in pkt.layers[3:4] for i in layer.issues]
    assert info(pkt, "icmpv6") == "Destination Unreachable (port unreachable)"
    assert pkt.ctx.column_layers == 3


def test_parameter_problem_quote_with_fragment_and_cut_ipv6():
    pkt = decode(PARAM_PROBLEM, ETHERNET, strict=True)
    assert names(pkt) == ["eth", "ipv6", "icmpv6", "ipv6", "ipv6.fraghdr", "ipv6"]
    assert span(pkt, "icmpv6.pointer") == (48, 58, 4, 0)
    assert [(f.value, f.pos) for f in pkt.find("ip.version")] == [(6, 14), (6, 62), (6, 110)]
    assert [(f.value, f.pos) for f in pkt.find("ipv6.plen")] == [(72, 18), (24, 66), (30768, 114)]
    assert pkt.layers[-1].status == "malformed"  # tshark: IPv6 header must be 40 bytes
    assert info(pkt, "icmpv6") == (
        "Parameter Problem (IPv6 First Fragment has incomplete IPv6 Header Chain)"
    )


def test_ipv6_bogus_version_keeps_only_the_version():
    pkt = decode(IPV6_VERSION_0, ETHERNET, strict=True)
    assert names(pkt) == ["eth", "ipv6", "data"]
    assert [f.name for f in pkt.layer("ipv6").fields] == ["ipv6.version", "ip.version"]
    assert "ipv6.bogus_ipv6_version" in issue_codes(pkt)
    assert pkt.layer("data").pos == 14


def test_payload_length_past_the_frame_is_reported_unless_the_capture_was_cut():
    frame = bytearray(ECHO6)
    frame[18:20] = (200).to_bytes(2, "big")
    pkt = decode(bytes(frame), ETHERNET)
    assert "ipv6.plen_exceeds_framing" in issue_codes(pkt)
    cut = decode(bytes(frame), ETHERNET, wirelen=14 + 40 + 200)
    assert "ipv6.plen_exceeds_framing" not in issue_codes(cut)


# -- robustness ------------------------------------------------------------------------------
@pytest.mark.parametrize(("frame", "linktype"), FIXTURES)
def test_every_truncation_decodes_with_spans_in_the_frame(frame, linktype):
    check_every_truncation(frame, linktype)


@pytest.mark.parametrize(("frame", "linktype"), FIXTURES)
def test_every_single_byte_corruption_decodes(frame, linktype):
    """Flip each byte after the link header: lengths, types and pointers all go wrong."""
    start = 14 if linktype == ETHERNET else 0
    for i in range(start, min(len(frame), start + 120)):
        for value in (0x00, 0xFF, frame[i] ^ 0x80):
            bad = bytearray(frame)
            bad[i] = value
            check_spans(decode(bytes(bad), linktype, strict=True))


# -- captures checked against tshark -----------------------------------------------------------
CAPTURES = sorted(p for p in DATA_DIR.glob("*/*") if p.suffix in (".pcap", ".pcapng", ".cap"))
SCORED = ("ip.version", "ip.hdr_len", "ip.dsfield", "ip.len", "ip.id", "ip.flags",
          "ip.frag_offset", "ip.ttl", "ip.proto", "ip.checksum", "ip.src", "ip.dst",
          "ipv6.plen", "ipv6.nxt", "ipv6.hlim", "ipv6.src", "ipv6.dst", "icmp.type",
          "icmp.code", "icmpv6.type")  # fmt: skip


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_capture_matches_tshark(path):
    expected = json.loads(path.with_name(path.name + ".json").read_text())["packets"]
    with open_capture(str(path)) as idx:
        records = list(idx)
    assert len(records) == len(expected)
    for rec, exp in zip(records, expected, strict=True):
        pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns,
                     wirelen=rec.wirelen, strict=True)  # fmt: skip
        check_spans(pkt)
        assert [n for n in names(pkt) if n in MINE] == [n for n in exp["layers"] if n in MINE]
        for name in SCORED:
            want = exp["fields"].get(name)
            want = [] if want is None else want if isinstance(want, list) else [want]
            got = [{"value": f.value, "pos": f.pos, "len": f.len} for f in pkt.find(name)]
            assert got == [{k: w[k] for k in ("value", "pos", "len")} for w in want], (
                rec.number,
                name,
            )
