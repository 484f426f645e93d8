"""Write crafted_mptcp-options.pcap: one TCP segment per Multipath TCP option form (every
subtype, versions 0 and 1, each length Wireshark reads differently), then options too short
for their subtype, the malformed ones that stop Wireshark's MPTCP decoder. Made once with
scapy; its tshark expectation (`.fields.json`) as the README says. Run:
python make_mptcp_options.py"""

from __future__ import annotations

import struct
from pathlib import Path

from scapy.all import IP, TCP, Ether, Raw, wrpcap

OPTIONS = [  # (what, the option's bytes: kind 30, length, subtype and the rest)
    ("MP_CAPABLE v0 SYN", bytes([30, 12, 0x00, 0x81]) + struct.pack(">Q", 11194187519776155303)),
    ("MP_CAPABLE v1 SYN", bytes([30, 4, 0x01, 0x81])),
    ("MP_CAPABLE v0 ACK", bytes([30, 20, 0x00, 0x81]) + struct.pack(">QQ", 1, 2)),
    ("MP_CAPABLE v1 with data", bytes([30, 22, 0x01, 0x81]) + struct.pack(">QQH", 1, 2, 5)),
    ("MP_CAPABLE v1 with checksum",
     bytes([30, 24, 0x01, 0x81]) + struct.pack(">QQHH", 1, 2, 5, 0xABCD)),
    ("MP_JOIN SYN", bytes([30, 12, 0x11, 0x07]) + struct.pack(">II", 0xDEADBEEF, 0x12345678)),
    ("MP_JOIN SYN/ACK", bytes([30, 16, 0x11, 0x07]) + struct.pack(">QI", 0x1122334455667788, 99)),
    ("MP_JOIN ACK", bytes([30, 24, 0x10, 0x00]) + bytes(range(20))),
    ("DSS 32-bit", bytes([30, 20, 0x20, 0x05]) + struct.pack(">IIIH", 3386645601, 2976985014, 1, 1)
     + b"\xaa\xbb"),
    ("DSS 64-bit", bytes([30, 28, 0x20, 0x0F]) + struct.pack(">QQIH", 7, 8, 9, 10) + b"\xcc\xdd"),
    ("DSS infinite mapping", bytes([30, 18, 0x20, 0x15]) + struct.pack(">IIIH", 1, 2, 3, 0)),
    ("DSS data ACK only", bytes([30, 8, 0x20, 0x01]) + struct.pack(">I", 5)),
    ("ADD_ADDR v0 IPv4", bytes([30, 8, 0x34, 0x02, 10, 0, 0, 1])),
    ("ADD_ADDR v0 IPv4 and port", bytes([30, 10, 0x34, 0x02, 10, 0, 0, 1]) + struct.pack(">H", 8080)),
    ("ADD_ADDR v1 with HMAC", bytes([30, 16, 0x30, 0x03, 10, 0, 0, 2]) + struct.pack(">Q", 77)),
    ("ADD_ADDR v1 echo", bytes([30, 8, 0x31, 0x03, 10, 0, 0, 2])),
    ("ADD_ADDR v1 IPv6, port, HMAC",
     bytes([30, 30, 0x30, 0x04]) + bytes(range(16)) + struct.pack(">HQ", 443, 88)),
    ("REMOVE_ADDR", bytes([30, 5, 0x40, 1, 2])),
    ("MP_PRIO", bytes([30, 3, 0x51])),
    ("MP_PRIO with address ID", bytes([30, 4, 0x50, 0x07])),
    ("MP_FAIL", bytes([30, 12, 0x60, 0x00]) + struct.pack(">Q", 123456)),
    ("MP_FASTCLOSE", bytes([30, 12, 0x70, 0x00]) + struct.pack(">Q", 654321)),
    ("MP_TCPRST", bytes([30, 4, 0x81, 0x02])),
    ("unknown subtype", bytes([30, 4, 0xE0, 0x00])),
    ("malformed: DSS of 3 bytes", bytes([30, 3, 0x20])),
    ("malformed: MP_CAPABLE of 3 bytes", bytes([30, 3, 0x00])),
    ("MP_JOIN of 3 bytes (no fields, not malformed)", bytes([30, 3, 0x10])),
    ("malformed: DSS mapping past the length", bytes([30, 6, 0x20, 0x05, 0, 0])),
    ("malformed: MP_FAIL of 4 bytes", bytes([30, 4, 0x60, 0x00])),
    ("malformed: MP_FASTCLOSE of 6 bytes", bytes([30, 6, 0x70, 0x00, 1, 2])),
    ("malformed: MP_TCPRST of 3 bytes", bytes([30, 3, 0x80])),
    ("ADD_ADDR of 4 bytes", bytes([30, 4, 0x30, 0x01])),
    ("ADD_ADDR v0 of 6 bytes", bytes([30, 6, 0x34, 0x01, 1, 2])),
    ("malformed: no subtype", bytes([30, 2])),
    ("REMOVE_ADDR of none", bytes([30, 3, 0x40])),
]  # fmt: skip


def main() -> None:
    packets = []
    for n, (_what, option) in enumerate(OPTIONS):
        raw = option + b"\x01" * (-len(option) % 4)  # NOPs up to the data offset
        tcp = TCP(sport=40000 + n, dport=5000, flags="PA", seq=1000, ack=1,
                  dataofs=5 + len(raw) // 4, options=[])  # fmt: skip
        pkt = Ether(src="00:00:00:00:00:01", dst="00:00:00:00:00:02") / IP(
            src="10.0.0.1", dst="10.0.0.2") / tcp / Raw(raw + b"hi")  # fmt: skip
        pkt = Ether(bytes(pkt))  # checksums filled in
        pkt.time = 1700000000 + n / 100
        packets.append(pkt)
    wrpcap(str(Path(__file__).with_name("crafted_mptcp-options.pcap")), packets)


if __name__ == "__main__":
    main()
