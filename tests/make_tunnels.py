#!/usr/bin/env python3
"""Craft the tunnel, carrier and network-control test captures with scapy.

    /work/venv-dev/bin/python tests/make_tunnels.py tests/data/tunnels

One small pcap per protocol (crafted_<proto>.pcap), each packet built to reach a branch of
the decoder (flags, options, chunk types). Their tshark expectations are made with
`python -m tests.tshark_fields --write` (see tests/data/tunnels/ATTRIBUTION.md).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from scapy.all import (  # type: ignore[import-untyped]
    ARP,
    GRE,
    ICMP,
    IP,
    LLC,
    STP,
    UDP,
    VXLAN,
    Dot3,
    Ether,
    ICMPv6EchoRequest,
    IPv6,
    IPv6ExtHdrHopByHop,
    Raw,
    RouterAlert,
    wrpcap,
)
from scapy.contrib.geneve import GENEVE  # type: ignore[import-untyped]
from scapy.contrib.mpls import MPLS  # type: ignore[import-untyped]

MAC = {"src": "00:11:22:33:44:55", "dst": "66:77:88:99:aa:bb"}
T0 = 1_700_000_000.0


def cut(pkt, n: int):
    """The packet's first n bytes, as a capture cut short by a snap length would hold them."""
    short = Raw(bytes(pkt)[:n])  # not dissected again: scapy would rebuild the layers
    short.wirelen = len(pkt)
    return short


def _stamp(pkts: list) -> list:
    for i, p in enumerate(pkts):
        p.time = T0 + i
    return pkts


def gre() -> list:
    inner = IP(src="192.168.1.1", dst="192.168.1.2") / ICMP(id=7, seq=1) / b"hello"
    outer = Ether(**MAC) / IP(src="10.0.0.1", dst="10.0.0.2", proto=47)
    return [
        outer / GRE() / inner,
        outer / GRE(chksum_present=1, key_present=1, seqnum_present=1, key=0x1234,
                    seqence_number=42) / inner,
        outer / GRE(chksum_present=1, chksum=0xDEAD) / inner,  # a wrong checksum
        outer / GRE(proto=0x6558, key_present=1, key=99) / Ether(**MAC) / ARP(),
        Ether(**MAC) / IPv6(src="2001:db8::1", dst="2001:db8::2") / GRE(proto=0x86DD)
        / IPv6(src="fd00::1", dst="fd00::2") / ICMPv6EchoRequest(),
        outer / Raw(bytes.fromhex("3081880b000e0005000000070000000aff03c02101010004")),  # PPTP
        outer / Raw(bytes.fromhex("0001880b")),  # PPTP's version 1 without its key: malformed
        outer / GRE(proto=0) ,  # a keepalive: nothing encapsulated
        cut(outer / GRE(key_present=1, key=5) / inner, 40),  # cut inside the optional fields
        outer / GRE(proto=0x8909) / Raw(bytes.fromhex("0800 0101 0001 0007")) / inner,  # CMD
    ]  # fmt: skip


def ipip() -> list:
    icmp = ICMP(id=1, seq=2) / b"x"
    return [
        Ether(**MAC) / IP(src="10.0.0.1", dst="10.0.0.2") / IP(src="1.1.1.1", dst="2.2.2.2")
        / icmp,  # IPv4 in IPv4
        Ether(**MAC) / IP(src="10.0.0.1", dst="10.0.0.2")
        / IPv6(src="2001:db8::1", dst="2001:db8::2") / ICMPv6EchoRequest(),  # 6in4
        Ether(**MAC) / IPv6(src="2001:db8::1", dst="2001:db8::2", nh=4)
        / IP(src="1.1.1.1", dst="2.2.2.2") / icmp,  # 4in6
        Ether(**MAC) / IPv6(src="2001:db8::1", dst="2001:db8::2") / IPv6ExtHdrHopByHop()
        / IPv6(src="fd00::1", dst="fd00::2") / ICMPv6EchoRequest(),  # 6in6
    ]  # fmt: skip


def vxlan() -> list:
    inner = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(
        src="192.168.0.1", dst="192.168.0.2") / ICMP() / b"ping"  # fmt: skip
    outer = Ether(**MAC) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=49152, dport=4789)
    return [
        outer / VXLAN(vni=100) / inner,
        outer / VXLAN(flags=0x88, vni=0xFFFFFF, gpid=0x1234, reserved1=0x8000) / inner,  # GBP
        cut(outer / VXLAN(vni=5) / inner, 46),
    ]


def geneve() -> list:
    inner = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(
        src="192.168.0.1", dst="192.168.0.2") / ICMP()  # fmt: skip
    outer = Ether(**MAC) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=49152, dport=6081)
    opts = bytes.fromhex("0102 80 01 deadbeefffff 7f 02 00112233445566770103 00 00")
    return [
        outer / GENEVE(vni=0x123456) / inner,
        outer / GENEVE(vni=7, proto=0x6558, optionlen=len(opts) // 4, critical=1, oam=1) / Raw(opts + bytes(inner)),
        outer / GENEVE(vni=8, proto=0x0800) / IP(src="1.1.1.1", dst="2.2.2.2") / ICMP(),
        outer / GENEVE(vni=9, proto=0x6558, optionlen=4) / Raw(bytes.fromhex("0102 80 05 deadbeef")),  # overrun
    ]  # fmt: skip


def mpls() -> list:
    ip4 = IP(src="10.1.1.1", dst="10.2.2.2") / ICMP()
    ip6 = IPv6(src="2001:db8::1", dst="2001:db8::2") / ICMPv6EchoRequest()
    pw = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / ARP()
    base = Ether(**MAC, type=0x8847)
    return [
        base / MPLS(label=16, cos=5, s=1, ttl=64) / ip4,
        base / MPLS(label=1000, s=0, ttl=255) / MPLS(label=2000, s=1, ttl=254) / ip6,
        base / MPLS(label=17, s=1) / Raw(b"\x00\x00\x00\x05" + bytes(pw)),  # PW control word
        base / MPLS(label=18, s=1) / pw,  # locally administered addresses: a control word?
        base / MPLS(label=19, s=1) / Ether(src="00:1b:21:01:02:03", dst="00:0c:29:04:05:06")
        / IP(src="10.1.1.1", dst="10.2.2.2") / ICMP(),  # known OUIs: no control word
        cut(base / MPLS(label=3, s=0) / MPLS(label=19, s=1) / ip4, 20),  # cut in the 2nd entry
        Ether(**MAC, type=0x8848) / MPLS(label=0, s=1, ttl=1) / ip4,  # multicast, explicit null
    ]  # fmt: skip


def stp() -> list:
    bpdu = STP(rootid=32768, rootmac="00:11:22:33:44:55", pathcost=4, bridgeid=32769,
               bridgemac="66:77:88:99:aa:bb", portid=0x8001)  # fmt: skip
    llc = LLC(dsap=0x42, ssap=0x42, ctrl=3)
    dst = "01:80:c2:00:00:00"
    rstp = bytes.fromhex("000002027c800000112233445500000004800166778899aabb80010100140002000f0000")
    tcn = bytes.fromhex("00000080")
    conf_tc = bytes.fromhex(
        "00000000818000001122334455000000048001667788990a0b80010100140002000f00"
    )  # topology change and its acknowledgment
    rst_tc = bytes.fromhex("0000020201" + rstp.hex()[10:])
    mst = bytes.fromhex(
        "000003023c" + rstp.hex()[10:70] + "000000" + "00" * 50
    )  # version 3: MST configuration follows
    return [
        Dot3(src=MAC["src"], dst=dst) / llc / bpdu,
        Dot3(src=MAC["src"], dst=dst) / llc / Raw(conf_tc),
        Dot3(src=MAC["src"], dst=dst) / llc / Raw(rst_tc),
        Dot3(src=MAC["src"], dst=dst) / llc / Raw(mst),
        Dot3(src=MAC["src"], dst=dst) / llc / Raw(rstp),
        Dot3(src=MAC["src"], dst=dst) / llc / Raw(tcn),
        cut(Dot3(src=MAC["src"], dst=dst) / llc / Raw(rstp), 37),
    ]


def _inet_sum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _igmp(hexstr: str, fix: bool = True) -> bytes:
    """An IGMP message from hex, its checksum (bytes 2-3) filled in unless told not to."""
    msg = bytearray(bytes.fromhex(hexstr))
    if fix:
        msg[2:4] = b"\0\0"
        msg[2:4] = _inet_sum(bytes(msg)).to_bytes(2, "big")
    return bytes(msg)


def igmp() -> list:
    def ip(dst: str, msg: bytes) -> Any:
        return Ether(**MAC) / IP(src="10.0.0.1", dst=dst, ttl=1, proto=2) / Raw(msg)

    v3_query = _igmp("11 8c 0000 ef010101 0a 7d 0002 0a010101 0a020202")  # S, QRV 2, QQIC 125
    v3_report = _igmp(
        "22 00 0000 0000 0003"
        "04 00 0000 ef010101"  # change to exclude mode (join), no sources
        "01 00 0002 ef020202 0a090909 0a080808"  # is include mode, two sources
        "06 01 0001 ef030303 0a070707 aabbccdd"  # block old sources, aux data
    )
    return [
        ip("224.0.0.1", _igmp("11 00 0000 00000000")),  # v1 query (max resp 0)
        ip("239.1.1.1", _igmp("12 00 0000 ef010101")),  # v1 report
        ip("224.0.0.1", _igmp("11 64 0000 00000000")),  # v2 general query
        ip("239.5.5.5", _igmp("11 0a 0000 ef050505")),  # v2 group-specific query
        ip("239.5.5.5", _igmp("16 00 0000 ef050505")),  # v2 report
        ip("224.0.0.2", _igmp("17 00 0000 ef050505")),  # leave
        ip("239.1.1.1", v3_query),
        ip("224.0.0.22", v3_report),
        ip("239.5.5.5", _igmp("16 00 1234 ef050505", fix=False)),  # a wrong checksum
        cut(ip("224.0.0.22", v3_report), 60),
        ip("224.0.0.22", v3_report[:20]),  # records cut short: malformed
    ]


def sctp() -> list:
    from scapy.layers import sctp as sc  # type: ignore[import-untyped]

    def over(*chunks: Any, v6: bool = False) -> Any:
        ip = (
            IPv6(src="2001:db8::1", dst="2001:db8::2") if v6 else IP(src="10.0.0.1", dst="10.0.0.2")
        )
        pkt = sc.SCTP(sport=40000, dport=40001, tag=0x1234ABCD)
        for chunk in chunks:
            pkt = pkt / chunk
        return Ether(**MAC) / ip / pkt

    init = sc.SCTPChunkInit(init_tag=0xCAFE, a_rwnd=106496, n_out_streams=10, n_in_streams=65535,
                            init_tsn=1000, params=[sc.SCTPChunkParamIPv4Addr(addr="10.0.0.1"),
                            sc.SCTPChunkParamSupportedAddrTypes(addr_type_list=["IPv4", "IPv6"]),
                            sc.SCTPChunkParamECNCapable(), sc.SCTPChunkParamFwdTSN()])  # fmt: skip
    init_ack = sc.SCTPChunkInitAck(init_tag=0xBEEF, a_rwnd=106496, n_out_streams=5,
                                   n_in_streams=5, init_tsn=2000,
                                   params=[sc.SCTPChunkParamStateCookie(cookie=b"C" * 20)])  # fmt: skip
    sack = sc.SCTPChunkSACK(cumul_tsn_ack=1005, a_rwnd=50000, n_gap_ack=2, n_dup_tsn=1,
                            gap_ack_list=["2:3", "5:6"], dup_tsn_list=[1003])  # fmt: skip
    hb = sc.SCTPChunkHeartbeatReq(params=[sc.SCTPChunkParamHeartbeatInfo(data=b"\x01" * 12)])
    hb_ack = sc.SCTPChunkHeartbeatAck(params=[sc.SCTPChunkParamHeartbeatInfo(data=b"\x01" * 12)])
    good = over(sc.SCTPChunkData(tsn=1001, stream_id=1, stream_seq=7, proto_id=0, data=b"hello!"))
    bad = bytearray(bytes(good))
    bad[42:46] = b"\x00\x00\x00\x01"
    return [
        over(init),
        over(init_ack),
        over(sc.SCTPChunkCookieEcho(cookie=b"C" * 20)),
        over(sc.SCTPChunkCookieAck()),
        good,
        over(
            sc.SCTPChunkData(
                tsn=1002,
                stream_id=2,
                stream_seq=8,
                proto_id=0,
                data=b"ab",
                beginning=1,
                ending=0,
                unordered=1,
                delay_sack=1,
            ),
            sc.SCTPChunkData(tsn=1003, stream_id=2, stream_seq=8, data=b"cdefg", beginning=0),
        ),  # fmt: skip
        over(sack),
        over(hb),
        over(hb_ack),
        over(sc.SCTPChunkAbort(TCB=1, error_causes=b"\x00\x0c\x00\x06ab\x00\x00")),
        over(sc.SCTPChunkShutdown(cumul_tsn_ack=1005)),
        over(sc.SCTPChunkShutdownAck()),
        over(sc.SCTPChunkShutdownComplete(TCB=0)),
        over(sc.SCTPChunkError(error_causes=b"\x00\x01\x00\x08\x00\x05\x00\x00")),
        over(sc.SCTPChunkForwardTSN(new_tsn=1010, skips=[])),
        over(sc.SCTPChunkIData(tsn=1, stream_id=3, message_id=9, ppid_fsn=51, data=b"idata")),
        over(sc.SCTPChunkPad(padding=b"\0" * 8)),
        over(Raw(bytes.fromhex("0c000008000003f3"))),  # ECNE
        over(Raw(bytes.fromhex("0d000008000003f3"))),  # CWR
        over(Raw(bytes.fromhex("3f0300080a0b0c0d"))),  # an unknown chunk type
        over(sc.SCTPChunkData(tsn=5, data=b"over v6"), v6=True),
        Ether(bytes(bad)),  # a wrong CRC32c
        cut(over(init), 70),
        over(Raw(bytes.fromhex("00030020"))),  # DATA whose length runs past the packet
    ]


def vrrp() -> list:
    from scapy.layers.vrrp import VRRP, VRRPv3  # type: ignore[import-untyped]

    v4 = Ether(**MAC) / IP(src="10.0.0.2", dst="224.0.0.18", ttl=255)
    v6 = Ether(**MAC) / IPv6(src="fe80::2", dst="ff02::12", hlim=255)
    bad = bytearray(bytes(v4 / VRRP(vrid=1, priority=100, addrlist=["10.0.0.1"])))
    bad[40:42] = b"\xde\xad"
    return [
        v4 / VRRP(vrid=1, priority=100, addrlist=["10.0.0.1"]),
        v4
        / VRRP(
            vrid=7,
            priority=255,
            adv=3,
            authtype=1,
            auth1=0x61626364,
            auth2=0x65666768,
            addrlist=["10.0.0.1", "10.0.0.5"],
        ),  # fmt: skip
        v4 / VRRPv3(vrid=2, priority=200, adv=100, addrlist=["10.0.0.1"]),
        v6 / VRRPv3(vrid=3, priority=100, adv=100, ipcount=1, addrlist=["fe80::1"]),
        Ether(bytes(bad)),
        cut(v4 / VRRP(vrid=1, priority=100, addrlist=["10.0.0.1", "10.0.0.3"]), 50),
    ]


def pppoe() -> list:
    def disc(code: int, session: int, tags: str) -> Any:
        body = bytes.fromhex(tags.replace(" ", ""))
        head = bytes([0x11, code]) + session.to_bytes(2, "big") + len(body).to_bytes(2, "big")
        return Ether(src=MAC["src"], dst="ff:ff:ff:ff:ff:ff", type=0x8863) / Raw(head + body)

    def sess(ppp: bytes) -> Any:
        head = bytes([0x11, 0x00, 0x00, 0x2A]) + len(ppp).to_bytes(2, "big")
        return Ether(**MAC, type=0x8864) / Raw(head + ppp)

    def ctl(proto: int, code: int, ident: int, body: str) -> bytes:
        b = bytes.fromhex(body.replace(" ", ""))
        return proto.to_bytes(2, "big") + bytes([code, ident]) + (4 + len(b)).to_bytes(2, "big") + b

    host_uniq = "0101 0000 0103 0004 deadbeef"
    ip4 = bytes(IP(src="10.0.0.1", dst="10.0.0.2") / ICMP() / b"x")
    ip6 = bytes(IPv6(src="2001:db8::1", dst="2001:db8::2") / ICMPv6EchoRequest())
    return [
        disc(0x09, 0, host_uniq),  # PADI
        disc(0x07, 0, host_uniq + " 0102 0003 616331 0104 0008 0011223344556677"),  # PADO
        disc(0x19, 0, host_uniq + " 0104 0008 0011223344556677"),  # PADR
        disc(0x65, 0x2A, host_uniq),  # PADS
        disc(0xA7, 0x2A, "0203 0005 6572726f72"),  # PADT with a generic error
        sess(ctl(0xC021, 1, 1, "0104 05d4 0304 c023 0506 01020304 0702 0802")),  # LCP conf-req
        sess(ctl(0xC021, 2, 1, "0104 05d4 0304 c023 0506 01020304")),  # LCP conf-ack
        sess(ctl(0xC021, 9, 3, "01020304 6869")),  # LCP echo-request with data
        sess(ctl(0xC021, 5, 4, "627965")),  # LCP terminate-request
        sess(ctl(0x8021, 1, 1, "0306 0a000001 8106 08080808 8306 08080404")),  # IPCP
        sess(ctl(0x8057, 1, 1, "010a 0211 22ff fe33 4455")),  # IPv6CP
        sess(b"\x00\x21" + ip4),
        sess(b"\x00\x57" + ip6),
        cut(sess(ctl(0xC021, 1, 1, "0104 05d4 0304 c023 0506 01020304")), 30),
        disc(0x09, 0, "0101 0010 00"),  # a tag longer than the packet
    ]


def eapol() -> list:
    def frame(hexstr: str) -> Any:
        return Ether(src=MAC["src"], dst="01:80:c2:00:00:03", type=0x888E) / Raw(
            bytes.fromhex(hexstr.replace(" ", "")))  # fmt: skip

    rsn_key = (
        "02 03 005f 02 008a 0010 0000000000000001"  # RSN descriptor, key info, length, replay
        + "11" * 32
        + "00" * 16
        + "00" * 8
        + "00" * 8
        + "00" * 16
        + "0000"  # nonce ... MIC
    )
    return [
        frame("01 01 0000"),  # EAPOL-Start
        frame("01 00 0005 01 01 0005 01"),  # EAP Request, Identity
        frame("01 00 0009 02 01 0009 01 75736572"),  # EAP Response, Identity "user"
        frame("01 00 0016 01 02 0016 04 10 00112233445566778899aabbccddeeff 6162"),  # MD5
        frame("01 00 0006 02 02 0006 03 04"),  # a Nak asking for type 4
        frame("01 00 0004 03 02 0004"),  # EAP Success
        frame("01 02 0000"),  # EAPOL-Logoff
        frame(rsn_key),  # EAPOL-Key, RSN descriptor (message 1 of the 4-way handshake)
        frame("03 00 0009 02 01 0009 01 75"),  # EAP length past the EAPOL body
        cut(frame("01 00 0009 02 01 0009 01 75736572"), 20),
    ]


def lldp() -> list:
    def tlv(kind: int, value: str | bytes) -> bytes:
        raw = bytes.fromhex(value.replace(" ", "")) if isinstance(value, str) else value
        return ((kind << 9) | len(raw)).to_bytes(2, "big") + raw

    def frame(*tlvs: bytes) -> Any:
        return Ether(src=MAC["src"], dst="01:80:c2:00:00:0e", type=0x88CC) / Raw(b"".join(tlvs))

    base = (tlv(1, "04 001122334455"), tlv(2, b"\x05eth0"), tlv(3, "0078"))
    return [
        frame(
            *base,
            tlv(4, b"uplink port"),
            tlv(5, b"switch1"),
            tlv(6, b"Linux 6.1"),
            tlv(7, "0014 0004"),  # capabilities: bridge and router; router enabled
            tlv(8, "05 01 0a000001 02 00000003 00"),  # management address IPv4, ifIndex 3
            tlv(127, "0080c2 01 0064"),  # 802.1 port VLAN ID 100
            tlv(127, "00120f 04 05dc"),  # 802.3 maximum frame size 1500
            tlv(0, b""),
        ),
        frame(
            tlv(1, "07" + b"host.example".hex()),
            tlv(2, "03 665544332211"),
            tlv(3, "0000"),
            tlv(0, b""),
        ),  # locally assigned chassis, MAC port ID, TTL 0 (shutdown)
        frame(*base, tlv(9, "0102"), tlv(0, b"")),  # a reserved TLV type
        frame(tlv(1, "04 0011"), tlv(0, b"")),  # a chassis ID too short for a MAC
        frame(*base, tlv(5, b"x" * 40)[:10]),  # a TLV longer than the frame
        cut(frame(*base, tlv(5, b"switch1"), tlv(0, b"")), 40),
    ]


def mld() -> list:
    from scapy.layers.inet6 import (  # type: ignore[import-untyped]
        ICMPv6MLDMultAddrRec,
        ICMPv6MLDone,
        ICMPv6MLQuery,
        ICMPv6MLQuery2,
        ICMPv6MLReport,
        ICMPv6MLReport2,
    )

    def ip(dst: str) -> Any:
        return Ether(**MAC) / IPv6(src="fe80::1", dst=dst, hlim=1) / IPv6ExtHdrHopByHop(
            options=[RouterAlert()])  # fmt: skip

    recs = [ICMPv6MLDMultAddrRec(rtype=4, dst="ff02::fb"),
            ICMPv6MLDMultAddrRec(rtype=1, dst="ff05::2", sources=["2001:db8::5"])]  # fmt: skip
    return [
        ip("ff02::1") / ICMPv6MLQuery(mladdr="::", mrd=10000),
        ip("ff02::fb") / ICMPv6MLReport(mladdr="ff02::fb"),
        ip("ff02::2") / ICMPv6MLDone(mladdr="ff02::fb"),
        ip("ff02::1")
        / ICMPv6MLQuery2(
            mladdr="ff05::2", mrd=1000, S=1, QRV=2, QQIC=125, sources=["2001:db8::5", "2001:db8::6"]
        ),  # fmt: skip
        ip("ff02::16") / ICMPv6MLReport2(records=recs),
    ]


def coverage() -> list:
    """Rarer branches, so every field a decoder declares appears in some capture."""
    from scapy.layers import sctp as sc  # type: ignore[import-untyped]

    def eth(etype: int, hexstr: str) -> Any:
        return Ether(**MAC, type=etype) / Raw(bytes.fromhex(hexstr.replace(" ", "")))

    def ppp(proto: str, code: str, body: str) -> Any:
        b = bytes.fromhex(body.replace(" ", ""))
        msg = bytes.fromhex(proto + code + "01") + (4 + len(b)).to_bytes(2, "big") + b
        return eth(0x8864, "1100002a" + len(msg).to_bytes(2, "big").hex() + msg.hex())

    def sctp(chunk: str) -> Any:
        return Ether(**MAC) / IP(src="10.0.0.1", dst="10.0.0.2") / sc.SCTP(
            sport=40000, dport=40001) / Raw(bytes.fromhex(chunk.replace(" ", "")))  # fmt: skip

    v6a, v6b = "20010db8000000000000000000000001", "20010db8000000000000000000000002"
    lldp_v4 = (
        "0206 05 01 0a000001 0406 04 01 0a000002 0602 0078"
        " 1010 07 06 001122334455 02 00000001 02 2b06"  # a MAC management address, an OID
        " 1018 11 02 " + v6a + " 02 00000001 00 fe06 0080c2 09 abcd 0000"
    )
    lldp_v6 = "0212 05 02 " + v6a + " 0412 04 02 " + v6b + " 0602 0078 0000"
    mst = (
        "00000302 7c 8000001122334455 00000004 800166778899aabb 8001 0100 1400 0200 0f00 00"
        "0040 00" + "726567696f6e" + "00" * 26 + "0001" + "ab" * 16 + "00000005"
        "8001665544332211 14"
    )
    return [
        eth(0x888E, "01 00 0009 01 01 0009 02 6869 6869"),  # EAP notification
        eth(0x888E, "01 00 000c 02 02 000c 04 02 aabb 6e616d65"),  # MD5 response with a name
        eth(0x888E, "01 00 0007 01 03 0007 0d 20 00"),  # EAP-TLS start: method data
        eth(0x888E, "01 03 0005 01 0000000000"),  # RC4 key descriptor
        eth(
            0x888E,
            "02 03 0063 02 008a 0010 0000000000000001" + "11" * 32 + "00" * 48 + "0004 dd020000",
        ),  # RSN key with key data
        Ether(**MAC)
        / IP(src="10.0.0.1", dst="10.0.0.2", proto=47)
        / Raw(
            bytes.fromhex("4000 0800 0000 0000 0800 00 04 0a000001 0000 00 00")
            + bytes(IP() / ICMP())
        ),
        Ether(**MAC)
        / IP(src="10.0.0.1", dst="224.0.0.1", proto=2)
        / Raw(_igmp("15 00 0000 01020304")),
        ppp("8021", "01", "8206 0a000001 8406 0a000002"),  # IPCP NBNS servers
        ppp("c021", "01", "0206 00000000 0408 c0250000 0000 0d03 01"),  # ACCM, LQR, unknown
        ppp("c021", "0c", "01020304 68656c6c6f"),  # Identification
        ppp("c021", "0d", "01020304 0000003c 6279"),  # Time Remaining
        ppp("c021", "08", "8057 01010004"),  # Protocol Reject
        eth(
            0x8863,
            "1109 0000 002b 0101 0003 616e79 0202 0002 6f6b 0105 0004 00000de9"
            " 0110 0002 abcd 0120 0002 05dc 0201 0001 78 0999 0001 01",
        ),  # PADI, more tags
        Ether(src=MAC["src"], dst="01:80:c2:00:00:0e", type=0x88CC)
        / Raw(bytes.fromhex(lldp_v4.replace(" ", ""))),  # network addresses as IDs
        Ether(src=MAC["src"], dst="01:80:c2:00:00:0e", type=0x88CC)
        / Raw(bytes.fromhex(lldp_v6.replace(" ", ""))),
        Dot3(src=MAC["src"], dst="01:80:c2:00:00:00")
        / LLC(dsap=0x42, ssap=0x42, ctrl=3)
        / Raw(bytes.fromhex(mst.replace(" ", ""))),
        sctp(
            "01 00 004c 0000cafe 0001a000 000a 000a 000003e8"  # INIT with more parameters
            " 0009 0008 00000064 000b 0009 686f737400000000 0006 0014 20010db8000000000000000000000001"
            " c006 0008 00000001 8002 0008 01020304"
        ),
        sctp(
            "01 00 002c 0000cafe 0001a000 000a 000a 000003e8"
            " 8008 0006 0003 0000 8003 0005 03000000 1234 0005 ab000000"
        ),  # ext, auth list, unknown
        sctp("c1 00 0010 00000001 c006 0008 00000002"),  # ASCONF
        sctp("80 00 0008 00000001"),  # ASCONF-ACK
        sctp("c0 00 0010 000003f2 0001 0005 0002 0007"),  # FORWARD-TSN with streams
        sctp("0f 00 0014 0001 0003 " + "aa" * 12),  # AUTH
        sctp("84 00 0008 00000000"),  # PAD
        Ether(**MAC) / IP(src="10.0.0.2", dst="224.0.0.18", proto=112, ttl=255) / Raw(_vrrp_md5()),
    ]


def _vrrp_md5() -> bytes:
    msg = bytearray(bytes.fromhex("21 01 64 01 fe 01 0000 0a000001 0000000000000000 " + "cd" * 16))
    msg[6:8] = _inet_sum(bytes(msg)).to_bytes(2, "big")
    return bytes(msg)


def generators() -> dict:
    return {"gre": gre, "ipip": ipip, "vxlan": vxlan, "geneve": geneve, "mpls": mpls,
            "stp": stp, "igmp": igmp, "sctp": sctp,
            "vrrp": vrrp, "pppoe": pppoe, "eapol": eapol,
            "lldp": lldp, "mld": mld, "coverage": coverage}  # fmt: skip


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path(__file__).parent / "data" / "tunnels"
    out.mkdir(parents=True, exist_ok=True)
    only = set(argv[1:])
    for name, make in generators().items():
        if not only or name in only:
            wrpcap(str(out / f"crafted_{name}.pcap"), _stamp(make()), linktype=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
