"""Write tests/data/web/h2_frames.pcap: one TCP segment per HTTP/2 frame type (crafted).

    python tests/data/web/make_http2_frames.py tests/data/web/h2_frames.pcap

Frames made with hyperframe (h2's frame layer) and HPACK blocks with hpack, each in its own
segment to port 8080 after the connection preface; tshark decodes them with
`-d tcp.port==8080,http2`. Every type of RFC 9113 section 6, padded and prioritised
variants, and a type no RFC defines.
"""

from __future__ import annotations

import sys

import hpack
from hyperframe import frame as hf
from scapy.all import IP, TCP, Ether, Raw, wrpcap

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def frames() -> list[bytes]:
    enc = hpack.Encoder()
    block = enc.encode([(":method", "GET"), (":path", "/x"), (":scheme", "http"),
                        (":authority", "h2.test"), ("accept", "*/*")])
    out = [PREFACE + hf.SettingsFrame(0, settings={1: 4096, 3: 100, 4: 65535}).serialize()]
    h = hf.HeadersFrame(1, block, flags=["END_HEADERS", "PADDED", "PRIORITY"])
    h.pad_length, h.depends_on, h.stream_weight, h.exclusive = 4, 0, 15, True
    out.append(h.serialize())
    d = hf.DataFrame(1, b"some body bytes", flags=["PADDED", "END_STREAM"])
    d.pad_length = 3
    out.append(d.serialize())
    p = hf.PriorityFrame(3)
    p.depends_on, p.stream_weight, p.exclusive = 1, 200, False
    out.append(p.serialize())
    out.append(hf.RstStreamFrame(3, error_code=8).serialize())
    pp = hf.PushPromiseFrame(1, promised_stream_id=2,
                             data=enc.encode([(":method", "GET"), (":path", "/pushed")]),
                             flags=["END_HEADERS"])
    out.append(pp.serialize())
    out.append(hf.PingFrame(0, opaque_data=b"12345678").serialize())
    out.append(hf.PingFrame(0, opaque_data=b"12345678", flags=["ACK"]).serialize())
    out.append(hf.GoAwayFrame(0, last_stream_id=5, error_code=2,
                              additional_data=b"debug").serialize())
    out.append(hf.WindowUpdateFrame(0, window_increment=1 << 20).serialize())
    first, rest = enc.encode([("x-long", "v" * 40), ("x-more", "w")]), b""
    first, rest = first[:10], first[10:]
    out.append(hf.HeadersFrame(5, first).serialize() + hf.ContinuationFrame(
        5, rest, flags=["END_HEADERS"]).serialize())
    out.append(bytes.fromhex("000004ee00000000ff") + b"abcd")  # an undefined type
    return out


def main(path: str) -> None:
    pkts, seq = [], 1000
    for payload in frames():
        pkts.append(Ether(src="00:00:00:00:00:01", dst="00:00:00:00:00:02")
                    / IP(src="10.0.0.1", dst="10.0.0.2")
                    / TCP(sport=40000, dport=8080, flags="PA", seq=seq, ack=1) / Raw(payload))
        seq += len(payload)
    wrpcap(path, pkts)


if __name__ == "__main__":
    main(sys.argv[1])
