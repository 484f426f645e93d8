"""Write the fragment captures: IPv4 and IPv6 datagrams in fragments, for the
defragmentation tests (expectations made with tshark, README.md). Made once with scapy.
Run: python make_fragments.py

- ipv4_frag_ping.pcap: a 4,000-byte ping and its reply, each in three fragments; then a
  DNS answer over UDP in two fragments, the second fragment first (out of order); then a
  UDP datagram whose fragments overlap with other bytes (teardrop-like).
- ipv6_frag_ping.pcap: the same ping over IPv6 (Fragment extension header); then a UDP
  datagram in three fragments of which two overlap with other bytes (RFC 5722: the
  datagram is dropped, tshark flags the overlap); then a fragment that never completes.
"""

from __future__ import annotations

from pathlib import Path

from scapy.all import (
    DNS,
    DNSQR,
    DNSRR,
    ICMP,
    IP,
    UDP,
    Ether,
    ICMPv6EchoReply,
    ICMPv6EchoRequest,
    IPv6,
    IPv6ExtHdrFragment,
    Raw,
    fragment,
    fragment6,
    wrpcap,
)

HERE = Path(__file__).parent
A4, B4 = "10.1.0.1", "10.1.0.2"
A6, B6 = "2001:db8::1", "2001:db8::2"
PAYLOAD = bytes(range(256)) * 15 + bytes(160)  # 4,000 bytes


def stamp(packets: list, t0: float = 1_700_000_000.0) -> list:
    for n, p in enumerate(packets):
        p.time = t0 + n / 1000
    return packets


def v4() -> list:
    out = []
    req = IP(src=A4, dst=B4, id=0x1234) / ICMP(type=8, id=7, seq=1) / Raw(PAYLOAD)
    rep = IP(src=B4, dst=A4, id=0x4321) / ICMP(type=0, id=7, seq=1) / Raw(PAYLOAD)
    for d in (req, rep):
        out += [Ether() / f for f in fragment(d, fragsize=1480)]
    answer = DNS(id=0xBEEF, qr=1, qd=DNSQR(qname="big.example", qtype="TXT"),
                 an=[DNSRR(rrname="big.example", type="TXT", rdata=["x" * 200] * 6)])  # fmt: skip
    query = IP(src=A4, dst=B4, id=0x0101) / UDP(sport=5555, dport=53) / DNS(
        id=0xBEEF, qd=DNSQR(qname="big.example", qtype="TXT"))  # fmt: skip
    dgram = IP(src=B4, dst=A4, id=0x0202) / UDP(sport=53, dport=5555) / answer
    first, second = fragment(dgram, fragsize=800)
    out += [Ether() / query, Ether() / second, Ether() / first]
    udp = bytes(UDP(sport=7000, dport=7001, len=8 + 64, chksum=0)) + bytes(range(64))
    for off, more, data in ((0, 1, udp[:40]), (32, 1, b"\xee" * 24), (40, 0, udp[40:])):
        frag = IP(src=A4, dst=B4, id=0x0303, proto=17, flags="MF" if more else 0, frag=off // 8)
        out.append(Ether() / frag / Raw(data))
    return stamp(out)


def v6() -> list:
    out = []
    for src, dst, icmp, ident in (
        (A6, B6, ICMPv6EchoRequest, 0x11),
        (B6, A6, ICMPv6EchoReply, 0x22),
    ):
        d = IPv6(src=src, dst=dst) / IPv6ExtHdrFragment(id=ident) / icmp(id=7, seq=1, data=PAYLOAD)
        out += [Ether() / f for f in fragment6(d, 1280)]
    udp = bytes(UDP(sport=7000, dport=7001, len=8 + 64, chksum=0)) + bytes(range(64))
    for off, more, data in ((0, 1, udp[:40]), (32, 1, b"\xee" * 24), (40, 0, udp[40:])):
        out.append(Ether() / IPv6(src=A6, dst=B6) / IPv6ExtHdrFragment(
            nh=17, offset=off // 8, m=more, id=0x33) / Raw(data))  # fmt: skip
    out.append(Ether() / IPv6(src=A6, dst=B6) / IPv6ExtHdrFragment(nh=17, offset=0, m=1, id=0x44)
               / Raw(udp[:40]))  # fmt: skip
    return stamp(out)


def main() -> None:
    wrpcap(str(HERE / "ipv4_frag_ping.pcap"), v4())
    wrpcap(str(HERE / "ipv6_frag_ping.pcap"), v6())


if __name__ == "__main__":
    main()
