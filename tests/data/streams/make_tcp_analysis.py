"""Write tcp_analysis_crafted.pcap: one connection that shows the TCP analysis flags the
public captures here lack (window full, zero window, zero-window probe and its ACK, window
update, keep-alive and its ACK, duplicate ACK). Made once with scapy; its tshark
expectations are made like the others' (README.md). Run: python make_tcp_analysis.py"""

from __future__ import annotations

from pathlib import Path

from scapy.all import IP, TCP, Ether, Raw, wrpcap

C, S = ("10.0.0.1", 40000), ("10.0.0.2", 80)
STEPS = [  # (from client?, flags, seq, ack, window, payload bytes)
    (True, "S", 100, 0, 1000, 0),
    (False, "SA", 500, 101, 1000, 0),
    (True, "A", 101, 501, 1000, 0),
    (True, "PA", 101, 501, 1000, 1000),  # fills the server's window exactly
    (False, "A", 501, 1101, 0, 0),  # zero window
    (True, "A", 1101, 501, 1000, 1),  # zero-window probe
    (False, "A", 501, 1101, 0, 0),  # its ACK
    (False, "A", 501, 1101, 2000, 0),  # window update
    (True, "A", 1100, 501, 1000, 0),  # keep-alive
    (False, "A", 501, 1101, 2000, 0),  # its ACK
    (False, "A", 501, 1101, 2000, 0),  # duplicate ACK
]


def main() -> None:
    packets = []
    for n, (client, flags, seq, ack, win, size) in enumerate(STEPS):
        (sa, sp), (da, dp) = (C, S) if client else (S, C)
        pkt = Ether() / IP(src=sa, dst=da) / TCP(sport=sp, dport=dp, flags=flags, seq=seq,
                                                  ack=ack, window=win)  # fmt: skip
        if size:
            pkt = pkt / Raw(b"x" * size)
        pkt.time = 1_700_000_000 + n / 1000
        packets.append(pkt)
    wrpcap(str(Path(__file__).with_name("tcp_analysis_crafted.pcap")), packets)


if __name__ == "__main__":
    main()
