"""Write tunnels.pcap: transport layers inside tunnels and ICMP errors, for the tests of
every transport layer's conversation (expectations made with tshark, README.md). Made once
with scapy. Run: python make_tunnels.py

- a DNS query and its answer over UDP inside VXLAN (UDP inside UDP: both numbered), and
  another inner UDP datagram in the same outer conversation;
- a UDP datagram and an ICMP port unreachable quoting it;
- a SYN, an ICMP error quoting it, and an ICMP error quoting a SYN never seen;
- a TCP handshake and a request inside VXLAN, then an ICMP error inside VXLAN quoting an
  inner UDP datagram.
"""

from __future__ import annotations

from pathlib import Path

from scapy.all import DNS, DNSQR, DNSRR, ICMP, IP, TCP, UDP, Ether, wrpcap
from scapy.layers.vxlan import VXLAN


def vxlan(sport: int, inner: object, back: bool = False) -> object:
    src, dst = ("10.0.0.2", "10.0.0.1") if back else ("10.0.0.1", "10.0.0.2")
    return Ether() / IP(src=src, dst=dst) / UDP(sport=sport, dport=4789) / VXLAN(vni=7) / (
        Ether() / inner)  # fmt: skip


def packets() -> list:
    a, b = "192.168.1.1", "192.168.1.2"
    name = "example.com"
    query = IP(src=a, dst=b) / UDP(sport=5000, dport=53) / DNS(id=7, rd=1, qd=DNSQR(qname=name))
    answer = IP(src=b, dst=a) / UDP(sport=53, dport=5000) / DNS(
        id=7, qr=1, qd=DNSQR(qname=name), an=DNSRR(rrname=name, rdata="1.2.3.4"))  # fmt: skip
    c, s = "192.168.2.1", "192.168.2.2"
    quoted = IP(src=c, dst=s) / UDP(sport=5001, dport=9999) / b"hello"
    return [
        vxlan(40000, query),
        vxlan(40001, answer, back=True),
        vxlan(40000, IP(src=a, dst="192.168.1.3") / UDP(sport=5001, dport=9999) / b"hello"),
        Ether() / IP(src="10.1.0.1", dst="10.1.0.2") / UDP(sport=6000, dport=7000) / b"abc",
        Ether() / IP(src="10.1.0.2", dst="10.1.0.1") / ICMP(type=3, code=3)
        / IP(src="10.1.0.1", dst="10.1.0.2") / UDP(sport=6000, dport=7000) / b"abc",
        Ether() / IP(src="10.2.0.1", dst="10.2.0.2") / TCP(sport=1234, dport=80, flags="S", seq=1000),
        Ether() / IP(src="10.2.0.2", dst="10.2.0.1") / ICMP(type=3, code=1)
        / IP(src="10.2.0.1", dst="10.2.0.2") / TCP(sport=1234, dport=80, flags="S", seq=1000),
        Ether() / IP(src="10.2.0.3", dst="10.2.0.1") / ICMP(type=3, code=1)
        / IP(src="10.2.0.1", dst="10.2.0.9") / TCP(sport=1235, dport=80, flags="S", seq=5000),
        vxlan(40002, IP(src=c, dst=s) / TCP(sport=3333, dport=80, flags="S", seq=100)),
        vxlan(40003, IP(src=s, dst=c) / TCP(sport=80, dport=3333, flags="SA", seq=900, ack=101),
              back=True),  # fmt: skip
        vxlan(40002, IP(src=c, dst=s) / TCP(sport=3333, dport=80, flags="PA", seq=101, ack=901)
              / b"GET / HTTP/1.0\r\n\r\n"),  # fmt: skip
        vxlan(40002, IP(src=s, dst=c) / ICMP(type=3, code=3) / quoted, back=True),
    ]  # fmt: skip


def main() -> None:
    out = packets()
    for n, p in enumerate(out):
        p.time = 1000 + n / 100
    wrpcap(str(Path(__file__).parent / "tunnels.pcap"), out)


if __name__ == "__main__":
    main()
