"""Link-layer decoders: Ethernet, 802.1Q/802.1ad, LLC/SNAP, ARP, Linux SLL, BSD NULL/LOOP, raw IP.

Byte fixtures were crafted (scapy for the IPv4 parts) and checked against tshark 4.0.17
(`tshark -T json -x`); the expected values, spans and masks below are tshark's unless a
comment says otherwise. Captures under tests/data/link/ are compared with the tshark
decodings stored beside them (see ATTRIBUTION.md there).
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest

from dissect.engine import Osi, decode
from dissect.index import open_capture
from tests.spans import check_every_truncation, check_spans, issue_codes, names
from tests.spans import field_span as span
from tests.spans import layer_info as info

ETHERNET, NULL, RAW, LOOP, SLL, IPV4, IPV6, SLL2 = 1, 0, 101, 108, 113, 228, 229, 276
DATA_DIR = Path(__file__).parent / "data" / "link"
MINE = {"eth", "vlan", "ieee8021ad", "llc", "arp", "sll", "null", "raw"}

# IPv4 + ICMP echo request 10.0.0.1 -> 10.0.0.2, 28 bytes (scapy IP()/ICMP()).
IP_ICMP = "4500001c00010000400166de0a0000010a0000020800f7ff00000000"
# IPv6 ::1 -> ::2, no next header, 40 bytes.
IPV6_NONXT = "6000000000003b40" + "00" * 15 + "01" + "00" * 15 + "02"
MACS = "00112233445566778899aabb"  # dst 00:11:22:33:44:55, src 66:77:88:99:aa:bb


def h(*parts: str) -> bytes:
    return bytes.fromhex("".join(parts).replace(" ", ""))


# ff:ff:ff:ff:ff:ff <- 66:77:88:99:aa:bb ARP, "Who has 10.0.0.2? Tell 10.0.0.1", 18 bytes padding
ARP_REQUEST = h(
    "ffffffffffff 66778899aabb 0806",
    "0001 0800 06 04 0001 66778899aabb 0a000001 000000000000 0a000002",
    "00" * 18,
)
# 00:11:.. <- 66:77:.. ARP reply "10.0.0.2 is at 66:77:88:99:aa:bb", no padding (42 bytes)
ARP_REPLY = h(MACS, "0806 0001 0800 0604 0002 66778899aabb 0a000002 001122334455 0a000001")
# RFC 5227 announcement (sender IP = target IP, target MAC zero) and probe (sender IP zero)
ARP_ANNOUNCE = h(MACS, "0806 0001 0800 0604 0001 66778899aabb 0a000005 000000000000 0a000005")
ARP_PROBE = h(MACS, "0806 0001 0800 0604 0001 66778899aabb 00000000 000000000000 0a000009")
ARP_GRATUITOUS_REPLY = h(
    MACS, "0806 0001 0800 0604 0002 66778899aabb 0a000005 ffffffffffff 0a000005"
)
# Hardware size 4 (not a MAC): addresses shift, hardware addresses become bytes (arp-oobr #202)
ARP_HLN4 = h(MACS, "0806 0001 0800 0404 0001 0a0b0c0d 2d79c0a8 00000000 00000000", "00" * 22)
# Unknown protocol type with no hardware address: protocol addresses shown as hex (arp-oobr #443)
ARP_HLN0 = h(MACS, "0806 0001 0825 0004 0001 2d79c0a8 001f29da", "00" * 30)
# Hardware size 134 in a 60-byte frame: the addresses cannot fit -> malformed (arp-oobr #13)
ARP_OVERSIZE = h(MACS, "0806 0001 0800 8604 0001", "00" * 38)
# RARP request (EtherType 0x8035, opcode 3): "Who is 66:77:88:99:aa:bb? Tell 66:77:88:99:aa:bb"
RARP = h(MACS, "8035 0001 0800 0604 0003 66778899aabb 00000000 66778899aabb 00000000")

ETH_IP_PADDED = h(MACS, "0800", IP_ICMP, "00" * 18)  # 60 bytes: 18 bytes eth.padding
ETH_IP_NONZERO_PAD = h(MACS, "0800", IP_ICMP, "05" * 18)  # not zeros: all eth.trailer
ETH_IP_SHORT_TRAILER = h(MACS, "0800", IP_ICMP, "00" * 4)  # 46 bytes < 60: no padding
# 70 bytes: 18 padding, 6 trailer, then an FCS guessed from the length (frame >= 64 bytes)
_BODY = h(MACS, "0800", IP_ICMP, "00" * 18, "01" * 6)
ETH_IP_TRAILER_FCS = _BODY + zlib.crc32(_BODY).to_bytes(4, "little")
# 802.3 length 38 + LLC (STP SAPs, UI) + 35 bytes of BPDU + 8 bytes padding = 60 bytes
STP_8023 = h(MACS, "0026 424203", "00" * 35, "00" * 8)
# 802.3 length 256 in a 37-byte frame (tshark: eth.len.past_end, malformed)
STP_PAST_END = h(MACS, "0100 424203", "00" * 20)
ETH_INVALID_LENTYPE = h(MACS, "05dd", "01" * 46)  # 1501: neither length nor type
ETH_TYPE_ZERO = h(MACS, "0000", "01" * 46)  # EtherType 0 (Cisco internal) -> data

# 802.1Q PRI 5 ID 5, IPv4, then 14 bytes padding (inside the VLAN tree) and 6 trailer bytes
VLAN_IP = h(MACS, "8100 a005 0800", IP_ICMP, "00" * 14, "11" * 6)
# 802.1ad S-tag ID 5 (PRI 5) + C-tag ID 6 (PRI 1) + IPv4
QINQ = h(MACS, "88a8 a005 8100 2006 0800", IP_ICMP)
QINQ_9100 = h(MACS, "9100 a005 8100 2006 0800", IP_ICMP)
# C-tag with DEI set and an 802.3 length 16: SNAP (OUI 0) carrying IPv4, then vlan.trailer
VLAN_SNAP = h(MACS, "8100 f005 0010 aaaa03 000000 0800", IP_ICMP)

# LLC from libpcap tests/filter/llc.pcap: U SABME with P (#2), S RR with P (#6), I frame (#10)
LLC_U_SABME = h("000c29310d01 000c298e87a6 0003 f0f07f")
LLC_S_RR = h("000c29310d01 000c298e87a6 0004 f0f00101")
LLC_I = h("000c29310d01 000c298e87a6 0012 f0f00001 2c00 0efe0000000000000000000000000000")

# Linux cooked v1: unicast to us, Ethernet, MAC 00:11:22:33:44:55 (+2 unused), IPv4, padding
SLL_V1 = h("0000 0001 0006 001122334455abcd 0800", IP_ICMP, "00" * 16)
# v1 on an IPIP tunnel: 4-byte IPv4 link address, 4 unused bytes
SLL_V1_IPV4 = h("0003 0300 0004 0a000001 00000000 0800", IP_ICMP)
# v1 Linux protocol 0x0004 (802.2 LLC) with an 8-byte address
SLL_V1_LLC = h("0002 0001 0008 0102030405060708 0004 424203", "00" * 10)
# v1 on an IP GRE device: protocol is a GRE type (sll.gretype)
SLL_V1_GRE = h("0000 030a 0004 0a000001 00000000 0800", IP_ICMP)
# Linux cooked v2 (pcapplusplus Sll2Packet.pcap header): IPv4, ifindex 20, sent by us
SLL_V2 = h("0800 0000 00000014 0001 04 06 d2cfc25015ea0000", IP_ICMP)

NULL_LE = h("02000000", IP_ICMP)  # little-endian host, AF_INET
NULL_BE = h("00000002", IP_ICMP)  # big-endian host, AF_INET
NULL_DARWIN_V6 = h("1e000000", IPV6_NONXT)  # AF_INET6 on Darwin (30)
NULL_IRIX = h("00020000", IP_ICMP)  # IRIX/UNICOS 16-bit family, big-endian
NULL_ETHERTYPE = h("00080000", IP_ICMP)  # an EtherType instead of a family (null.type)
NULL_PPP = h("ff03 0021", IP_ICMP)  # PPP in HDLC framing: no loopback header
LOOP_BE = h("00000002", IP_ICMP)  # OpenBSD LOOP: network byte order
LOOP_LE = h("02000000", IP_ICMP)  # ... so this is family 33554432, unknown

RAW_V4 = h(IP_ICMP)
RAW_V6 = h(IPV6_NONXT)
RAW_ISDN_ZEROS = h("00" * 10, IP_ICMP)

FIXTURES = [
    (ARP_REQUEST, ETHERNET), (ARP_REPLY, ETHERNET), (ARP_ANNOUNCE, ETHERNET), (ARP_PROBE, ETHERNET),
    (ARP_GRATUITOUS_REPLY, ETHERNET), (ARP_HLN4, ETHERNET), (ARP_HLN0, ETHERNET),
    (ARP_OVERSIZE, ETHERNET), (RARP, ETHERNET), (ETH_IP_PADDED, ETHERNET),
    (ETH_IP_NONZERO_PAD, ETHERNET), (ETH_IP_SHORT_TRAILER, ETHERNET), (ETH_IP_TRAILER_FCS, ETHERNET),
    (STP_8023, ETHERNET), (STP_PAST_END, ETHERNET), (ETH_INVALID_LENTYPE, ETHERNET),
    (ETH_TYPE_ZERO, ETHERNET), (VLAN_IP, ETHERNET), (QINQ, ETHERNET), (QINQ_9100, ETHERNET),
    (VLAN_SNAP, ETHERNET), (LLC_U_SABME, ETHERNET), (LLC_S_RR, ETHERNET), (LLC_I, ETHERNET),
    (SLL_V1, SLL), (SLL_V1_IPV4, SLL), (SLL_V1_LLC, SLL), (SLL_V1_GRE, SLL), (SLL_V2, SLL2),
    (NULL_LE, NULL), (NULL_BE, NULL), (NULL_DARWIN_V6, NULL), (NULL_IRIX, NULL),
    (NULL_ETHERTYPE, NULL), (NULL_PPP, NULL), (LOOP_BE, LOOP), (LOOP_LE, LOOP),
    (RAW_V4, RAW), (RAW_V6, RAW), (RAW_ISDN_ZEROS, RAW), (RAW_V4, 12), (RAW_V4, IPV4),
    (RAW_V6, IPV6),
]  # fmt: skip


# -- Ethernet ------------------------------------------------------------------------------
def test_ethernet_addresses_type_and_children():
    pkt = decode(ETH_IP_PADDED, ETHERNET, strict=True)
    assert span(pkt, "eth.dst") == ("00:11:22:33:44:55", 0, 6, 0)
    assert span(pkt, "eth.src") == ("66:77:88:99:aa:bb", 6, 6, 0)
    assert span(pkt, "eth.type") == (0x0800, 12, 2, 0)
    assert span(pkt, "eth.dst.oui") == (0x001122, 0, 3, 0)
    assert span(pkt, "eth.src.lg") == (True, 6, 3, 0x020000)
    assert span(pkt, "eth.src.ig") == (False, 6, 3, 0x010000)
    assert span(pkt, "eth.dst.ig") == (False, 0, 3, 0x010000)
    eth = pkt.layer("eth")
    assert eth.osi == Osi.DATA_LINK and eth.hdr_len == 14
    assert eth.title == "Ethernet II, Src: 66:77:88:99:aa:bb, Dst: 00:11:22:33:44:55"


def test_ethernet_zero_padding_to_60_bytes():
    pkt = decode(ETH_IP_PADDED, ETHERNET, strict=True)
    assert span(pkt, "eth.padding") == (b"\0" * 18, 42, 18, 0)
    assert pkt.get("eth.trailer") is None and pkt.get("eth.fcs") is None
    assert names(pkt)[:2] == ["eth", "ip"] and "data" not in names(pkt)


def test_ethernet_nonzero_padding_is_trailer():
    pkt = decode(ETH_IP_NONZERO_PAD, ETHERNET, strict=True)
    assert pkt.get("eth.padding") is None
    assert span(pkt, "eth.trailer") == (b"\x05" * 18, 42, 18, 0)


def test_ethernet_short_frame_has_trailer_not_padding():
    pkt = decode(ETH_IP_SHORT_TRAILER, ETHERNET, strict=True)
    assert pkt.get("eth.padding") is None
    assert span(pkt, "eth.trailer") == (b"\0" * 4, 42, 4, 0)


def test_ethernet_padding_trailer_and_guessed_fcs():
    pkt = decode(ETH_IP_TRAILER_FCS, ETHERNET, strict=True)
    assert span(pkt, "eth.padding")[1:3] == (42, 18)
    assert span(pkt, "eth.trailer") == (b"\x01" * 6, 60, 6, 0)
    fcs = int.from_bytes(ETH_IP_TRAILER_FCS[66:], "big")
    assert span(pkt, "eth.fcs") == (fcs, 66, 4, 0)
    assert pkt.value("eth.fcs.status") == "good"  # our CRC check (Wireshark: unverified)


def test_ethernet_invalid_length_type_and_type_zero():
    pkt = decode(ETH_INVALID_LENTYPE, ETHERNET, strict=True)
    assert span(pkt, "eth.invalid_lentype") == (1501, 12, 2, 0)
    assert "eth.invalid_lentype.expert" in issue_codes(pkt)
    assert names(pkt) == ["eth", "data"]
    pkt = decode(ETH_TYPE_ZERO, ETHERNET, strict=True)
    assert span(pkt, "eth.type") == (0, 12, 2, 0)
    assert names(pkt) == ["eth", "data"]


def test_ethernet_group_source_address_is_flagged():
    frame = bytearray(ETH_IP_PADDED)
    frame[6] |= 1
    pkt = decode(bytes(frame), ETHERNET, strict=True)
    assert "eth.src_not_group" in issue_codes(pkt)


def test_ieee_802_3_length_bounds_llc_and_rest_is_padding():
    pkt = decode(STP_8023, ETHERNET, strict=True)
    assert names(pkt) == ["eth", "llc", "stp"]
    assert span(pkt, "eth.len") == (38, 12, 2, 0)
    assert span(pkt, "eth.padding") == (b"\0" * 8, 52, 8, 0)
    assert pkt.layer("stp").pos == 17 and pkt.layer("stp").len == 35
    assert pkt.layer("eth").title == "IEEE 802.3 Ethernet"  # Wireshark's, without addresses


def test_ieee_802_3_length_past_end_is_malformed():
    pkt = decode(STP_PAST_END, ETHERNET, strict=True)
    assert "eth.len.past_end" in issue_codes(pkt)
    assert pkt.status == "malformed"
    assert names(pkt)[:2] == ["eth", "llc"]


# -- 802.1Q / 802.1ad ------------------------------------------------------------------------
def test_vlan_tag_fields_and_masks():
    pkt = decode(VLAN_IP, ETHERNET, strict=True)
    assert names(pkt)[:3] == ["eth", "vlan", "ip"]
    assert span(pkt, "vlan.priority") == (5, 14, 2, 0xE000)
    assert span(pkt, "vlan.dei") == (False, 14, 2, 0x1000)
    assert span(pkt, "vlan.id") == (5, 14, 2, 0x0FFF)
    assert span(pkt, "vlan.etype") == (0x0800, 16, 2, 0)
    vlan = pkt.layer("vlan")
    assert vlan.title == "802.1Q Virtual LAN, PRI: 5, DEI: 0, ID: 5"
    assert info(pkt, "vlan") == "PRI: 5  DEI: 0  ID: 5"


def test_vlan_padding_and_trailer_sit_in_the_vlan_layer():
    pkt = decode(VLAN_IP, ETHERNET, strict=True)
    vlan = pkt.layer("vlan")
    assert [
        (f.name, f.pos, f.len) for f in vlan.fields if "padding" in f.name or "trailer" in f.name
    ] == [
        ("eth.padding", 46, 14),
        ("vlan.trailer", 60, 6),
    ]
    assert pkt.layer("eth").get("eth.padding") is None


def test_qinq_8021ad_then_8021q():
    pkt = decode(QINQ, ETHERNET, strict=True)
    assert names(pkt)[:4] == ["eth", "ieee8021ad", "vlan", "ip"]
    assert span(pkt, "eth.type") == (0x88A8, 12, 2, 0)
    # tshark gives priority and DEI a 1-byte span (mask 0xe000); we keep the 2-byte TCI.
    assert span(pkt, "ieee8021ad.priority") == (5, 14, 2, 0xE000)
    assert span(pkt, "ieee8021ad.dei") == (0, 14, 2, 0x1000)
    assert span(pkt, "ieee8021ad.id") == (5, 14, 2, 0x0FFF)
    assert span(pkt, "ieee8021ah.etype") == (0x8100, 16, 2, 0)
    assert span(pkt, "vlan.id") == (6, 18, 2, 0x0FFF)
    assert span(pkt, "vlan.priority") == (1, 18, 2, 0xE000)
    assert pkt.layer("ieee8021ad").title == "IEEE 802.1ad, ID: 5"


def test_qinq_9100_is_a_vlan_tag():
    pkt = decode(QINQ_9100, ETHERNET, strict=True)
    assert names(pkt)[:4] == ["eth", "vlan", "vlan", "ip"]
    assert [f.value for f in pkt.find("vlan.id")] == [5, 6]


def test_vlan_length_snap_ethertype_and_trailer():
    pkt = decode(VLAN_SNAP, ETHERNET, strict=True)
    assert names(pkt)[:4] == ["eth", "vlan", "llc", "ip"]
    assert span(pkt, "vlan.len") == (16, 16, 2, 0)
    assert span(pkt, "vlan.dei") == (True, 14, 2, 0x1000)
    assert span(pkt, "llc.oui") == (0, 21, 3, 0)
    assert span(pkt, "llc.type") == (0x0800, 24, 2, 0)
    assert span(pkt, "vlan.trailer")[1:3] == (34, 20)


def test_too_many_vlan_tags_stop():
    frame = h(MACS, "8100 0001" * 30, "0800", IP_ICMP)
    pkt = decode(frame, ETHERNET, strict=True)
    assert "vlan.too_many_tags" in issue_codes(pkt)
    assert names(pkt).count("vlan") <= 21 and names(pkt)[-1] == "data"


# -- LLC ---------------------------------------------------------------------------------
def test_llc_unnumbered_ui_frame():
    pkt = decode(STP_8023, ETHERNET, strict=True)
    assert span(pkt, "llc.dsap") == (0x42, 14, 1, 0)
    assert span(pkt, "llc.dsap.sap") == (0x21, 14, 1, 0xFE)
    assert span(pkt, "llc.dsap.ig") == (False, 14, 1, 0x01)
    assert span(pkt, "llc.ssap.cr") == (False, 15, 1, 0x01)
    assert span(pkt, "llc.control") == (0x03, 16, 1, 0)
    assert span(pkt, "llc.control.u_modifier_cmd") == (0, 16, 1, 0xEC)
    assert span(pkt, "llc.control.ftype") == (3, 16, 1, 0x03)
    assert pkt.get("llc.control.p") is None
    assert info(pkt, "llc") == (
        "U, func=UI; DSAP Spanning Tree BPDU Individual, SSAP Spanning Tree BPDU Command"
    )


def test_llc_sabme_with_poll_bit():
    pkt = decode(LLC_U_SABME, ETHERNET, strict=True)
    assert names(pkt) == ["eth", "llc"]
    assert span(pkt, "llc.control") == (0x7F, 16, 1, 0)
    assert span(pkt, "llc.control.p") == (True, 16, 1, 0x10)
    assert span(pkt, "llc.control.u_modifier_cmd") == (0x1B, 16, 1, 0xEC)
    assert info(pkt, "llc").startswith("U P, func=SABME; DSAP NetBIOS Individual")


def test_llc_supervisory_and_information_frames():
    pkt = decode(LLC_S_RR, ETHERNET, strict=True)
    assert span(pkt, "llc.control") == (0x0101, 16, 2, 0)
    assert span(pkt, "llc.control.n_r") == (0, 16, 2, 0xFE00)
    assert span(pkt, "llc.control.p") == (True, 16, 2, 0x0100)
    assert span(pkt, "llc.control.s_ftype") == (0, 16, 2, 0x000C)
    assert span(pkt, "llc.control.ftype") == (1, 16, 2, 0x0003)
    assert info(pkt, "llc").startswith("S P, func=RR, N(R)=0;")
    pkt = decode(LLC_I, ETHERNET, strict=True)
    assert span(pkt, "llc.control") == (0x0100, 16, 2, 0)
    assert span(pkt, "llc.control.n_s") == (0, 16, 2, 0x00FE)
    assert span(pkt, "llc.control.ftype") == (0, 16, 2, 0x0001)
    assert names(pkt) == ["eth", "llc", "data"]  # NetBIOS has no decoder yet


# -- ARP ---------------------------------------------------------------------------------
def test_arp_request_fields_spans_and_info():
    pkt = decode(ARP_REQUEST, ETHERNET, strict=True)
    assert names(pkt) == ["eth", "arp"]
    assert span(pkt, "arp.hw.type") == (1, 14, 2, 0)
    assert span(pkt, "arp.proto.type") == (0x0800, 16, 2, 0)
    assert span(pkt, "arp.hw.size") == (6, 18, 1, 0)
    assert span(pkt, "arp.proto.size") == (4, 19, 1, 0)
    assert span(pkt, "arp.opcode") == (1, 20, 2, 0)
    assert span(pkt, "arp.src.hw_mac") == ("66:77:88:99:aa:bb", 22, 6, 0)
    assert span(pkt, "arp.src.proto_ipv4") == ("10.0.0.1", 28, 4, 0)
    assert span(pkt, "arp.dst.hw_mac") == ("00:00:00:00:00:00", 32, 6, 0)
    assert span(pkt, "arp.dst.proto_ipv4") == ("10.0.0.2", 38, 4, 0)
    assert span(pkt, "eth.padding")[1:3] == (42, 18)
    arp = pkt.layer("arp")
    assert arp.osi == Osi.NETWORK and arp.hdr_len == 28
    assert info(pkt, "arp") == "Who has 10.0.0.2? Tell 10.0.0.1"
    assert arp.title == "Address Resolution Protocol (request)"


def test_arp_reply_info():
    pkt = decode(ARP_REPLY, ETHERNET, strict=True)
    assert info(pkt, "arp") == "10.0.0.2 is at 66:77:88:99:aa:bb"
    assert pkt.layer("arp").title == "Address Resolution Protocol (reply)"
    assert pkt.get("arp.isgratuitous") is None


@pytest.mark.parametrize(
    ("frame", "text", "flag", "title"),
    [
        (ARP_ANNOUNCE, "ARP Announcement for 10.0.0.5", "arp.isannouncement", "ARP Announcement"),
        (ARP_PROBE, "Who has 10.0.0.9? (ARP Probe)", "arp.isprobe", "ARP Probe"),
        (ARP_GRATUITOUS_REPLY, "Gratuitous ARP for 10.0.0.5 (Reply)", "arp.isgratuitous", "reply/gratuitous ARP"),
    ],
)  # fmt: skip
def test_arp_rfc5227_and_gratuitous(frame, text, flag, title):
    pkt = decode(frame, ETHERNET, strict=True)
    assert info(pkt, "arp") == text
    f = pkt.get(flag)
    assert f.value is True and f.generated and f.len == 0
    assert pkt.layer("arp").title == f"Address Resolution Protocol ({title})"


def test_arp_other_address_sizes_are_bytes():
    pkt = decode(ARP_HLN4, ETHERNET, strict=True)
    assert span(pkt, "arp.src.hw") == (bytes.fromhex("0a0b0c0d"), 22, 4, 0)
    assert span(pkt, "arp.src.proto_ipv4") == ("45.121.192.168", 26, 4, 0)
    assert span(pkt, "arp.dst.proto_ipv4") == ("0.0.0.0", 34, 4, 0)
    assert pkt.get("arp.src.hw_mac") is None
    pkt = decode(ARP_HLN0, ETHERNET, strict=True)
    assert pkt.get("arp.src.hw") is None and pkt.get("arp.src.proto_ipv4") is None
    assert span(pkt, "arp.src.proto") == (bytes.fromhex("2d79c0a8"), 22, 4, 0)
    assert info(pkt, "arp") == "Who has 001f29da? Tell 2d79c0a8"


def test_arp_addresses_past_the_end_are_malformed():
    pkt = decode(ARP_OVERSIZE, ETHERNET, strict=True)
    assert names(pkt) == ["eth", "arp"]
    assert pkt.status == "malformed" and "arp.malformed" in issue_codes(pkt)
    assert [f.name for f in pkt.layer("arp").fields] == [
        "arp.hw.type", "arp.proto.type", "arp.hw.size", "arp.proto.size", "arp.opcode",
    ]  # fmt: skip
    assert info(pkt, "arp") == ""
    cut = decode(ARP_OVERSIZE[:40], ETHERNET, wirelen=400, strict=True)
    assert cut.status == "truncated"


def test_rarp_request():
    pkt = decode(RARP, ETHERNET, strict=True)
    assert names(pkt) == ["eth", "arp"]
    assert span(pkt, "arp.opcode") == (3, 20, 2, 0)
    assert info(pkt, "arp") == "Who is 66:77:88:99:aa:bb? Tell 66:77:88:99:aa:bb"


# -- Linux cooked capture --------------------------------------------------------------------
def test_sll_v1_fields_and_padding():
    pkt = decode(SLL_V1, SLL, strict=True)
    assert names(pkt)[:2] == ["sll", "ip"]
    assert span(pkt, "sll.pkttype") == (0, 0, 2, 0)
    assert span(pkt, "sll.hatype") == (1, 2, 2, 0)
    assert span(pkt, "sll.halen") == (6, 4, 2, 0)
    assert span(pkt, "sll.src.eth") == ("00:11:22:33:44:55", 6, 6, 0)
    assert span(pkt, "sll.unused") == (b"\xab\xcd", 12, 2, 0)
    assert span(pkt, "sll.etype") == (0x0800, 14, 2, 0)
    assert span(pkt, "eth.padding")[1:3] == (44, 16)
    sll = pkt.layer("sll")
    assert sll.hdr_len == 16 and sll.title == "Linux cooked capture v1"
    assert info(pkt, "sll") == "Unicast to us"


def test_sll_v1_address_kinds_and_protocol_kinds():
    pkt = decode(SLL_V1_IPV4, SLL, strict=True)
    assert span(pkt, "sll.src.ipv4") == ("10.0.0.1", 6, 4, 0)
    assert span(pkt, "sll.unused") == (b"\0" * 4, 10, 4, 0)
    pkt = decode(SLL_V1_LLC, SLL, strict=True)
    assert names(pkt)[:2] == ["sll", "llc"]
    assert span(pkt, "sll.src.other") == (bytes(range(1, 9)), 6, 8, 0)
    assert span(pkt, "sll.ltype") == (4, 14, 2, 0)
    pkt = decode(SLL_V1_GRE, SLL, strict=True)
    assert names(pkt)[:2] == ["sll", "ip"]
    assert span(pkt, "sll.gretype") == (0x0800, 14, 2, 0)


def test_sll_v2_fields():
    pkt = decode(SLL_V2, SLL2, strict=True)
    assert names(pkt)[:2] == ["sll", "ip"]
    assert span(pkt, "sll.etype") == (0x0800, 0, 2, 0)
    assert span(pkt, "sll.ifindex") == (20, 4, 4, 0)
    assert span(pkt, "sll.hatype") == (1, 8, 2, 0)
    assert span(pkt, "sll.pkttype") == (4, 10, 1, 0)
    assert span(pkt, "sll.halen") == (6, 11, 1, 0)
    assert span(pkt, "sll.src.eth") == ("d2:cf:c2:50:15:ea", 12, 6, 0)
    assert span(pkt, "sll.unused") == (b"\0\0", 18, 2, 0)
    assert pkt.layer("sll").title == "Linux cooked capture v2"
    assert info(pkt, "sll") == "Sent by us"


def test_sll_short_header():
    pkt = decode(SLL_V1[:10], SLL, strict=True)
    assert names(pkt) == ["sll"] and pkt.status == "malformed"
    assert [f.name for f in pkt.layer("sll").fields] == ["sll.pkttype", "sll.hatype", "sll.halen"]


# -- BSD loopback ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("frame", "linktype", "family", "upper"),
    [
        (NULL_LE, NULL, 2, "ip"), (NULL_BE, NULL, 2, "ip"), (NULL_DARWIN_V6, NULL, 30, "ipv6"),
        (NULL_IRIX, NULL, 2, "ip"), (LOOP_BE, LOOP, 2, "ip"), (LOOP_LE, LOOP, 33554432, "data"),
    ],
)  # fmt: skip
def test_null_family_in_either_byte_order(frame, linktype, family, upper):
    pkt = decode(frame, linktype, strict=True)
    assert names(pkt)[:2] == ["null", upper]
    assert span(pkt, "null.family") == (family, 0, 4, 0)
    assert pkt.layer("null").title == "Null/Loopback"


def test_null_ethertype_and_ppp():
    pkt = decode(NULL_ETHERTYPE, NULL, strict=True)
    assert span(pkt, "null.type") == (0x0800, 0, 4, 0)
    assert names(pkt)[:2] == ["null", "ip"]
    pkt = decode(NULL_PPP, NULL, strict=True)
    assert names(pkt) == ["null", "data"] and pkt.layer("null").fields == []


# -- raw IP ------------------------------------------------------------------------------------
def test_raw_dispatches_on_the_version_nibble():
    pkt = decode(RAW_V4, RAW, strict=True)
    assert names(pkt)[:2] == ["raw", "ip"]
    raw = pkt.layer("raw")
    assert raw.hdr_len == 0 and raw.fields == [] and raw.title == "Raw packet data"
    assert names(decode(RAW_V6, RAW, strict=True))[:2] == ["raw", "ipv6"]
    assert names(decode(RAW_V4, 12, strict=True))[:2] == ["raw", "ip"]  # DLT_RAW
    assert names(decode(h("30"), RAW, wirelen=1000, strict=True)) == ["raw"]
    assert decode(h("30"), RAW, wirelen=1000, strict=True).status == "truncated"


def test_raw_isdn_zero_header():
    pkt = decode(RAW_ISDN_ZEROS, RAW, strict=True)
    assert names(pkt)[:2] == ["raw", "ip"]
    assert pkt.layer("ip").pos == 10


def test_ipv4_and_ipv6_linktypes_have_no_raw_layer():
    assert names(decode(RAW_V4, IPV4, strict=True))[0] == "ip"
    assert names(decode(RAW_V6, IPV6, strict=True))[0] == "ipv6"


# -- robustness ------------------------------------------------------------------------------
@pytest.mark.parametrize(("frame", "linktype"), FIXTURES)
def test_every_truncation_decodes_with_spans_in_the_frame(frame, linktype):
    check_every_truncation(frame, linktype)


# -- captures checked against tshark -----------------------------------------------------------
CAPTURES = sorted(p for p in DATA_DIR.glob("*/*") if p.suffix in (".pcap", ".pcapng"))
SCORED = ("eth.dst", "eth.src", "eth.type", "vlan.id", "arp.opcode", "arp.src.proto_ipv4",
          "arp.dst.proto_ipv4")  # fmt: skip


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_capture_matches_tshark(path):
    expected = json.loads(path.with_name(path.name + ".json").read_text())["packets"]
    with open_capture(str(path)) as idx:
        records = list(idx)
    assert len(records) == len(expected)
    for rec, exp in zip(records, expected, strict=True):
        pkt = decode(rec.data, rec.linktype, number=rec.number, wirelen=rec.wirelen, strict=True)
        check_spans(pkt)
        assert [n for n in names(pkt) if n in MINE] == [n for n in exp["layers"] if n in MINE]
        for name in SCORED:
            want = exp["fields"].get(name)
            want = [] if want is None else want if isinstance(want, list) else [want]
            got = [{"value": f.value, "pos": f.pos, "len": f.len} for f in pkt.find(name)]
            assert got == [{k: w[k] for k in ("value", "pos", "len")} for w in want], name
