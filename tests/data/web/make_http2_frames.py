"""Write tests/data/web/h2_frames.pcap: one TCP segment per HTTP/2 frame type (crafted).

    python tests/data/web/make_http2_frames.py tests/data/web/h2_frames.pcap

Frames made with hyperframe (h2's frame layer) and HPACK blocks with hpack, each in its own
segment to port 8080 behind the connection preface (so each segment says it is HTTP/2, on
a port HTTP holds); tshark decodes them with `-d tcp.port==8080,http2`. Every type of RFC
9113 section 6, padded and prioritised variants, a type no RFC defines, an unknown setting,
a dynamic table size update and every header Wireshark names a field for.
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
    out = [hf.SettingsFrame(0, settings={1: 4096, 3: 100, 4: 65535, 0x99: 7}).serialize()]
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
    padded = hf.PushPromiseFrame(1, promised_stream_id=4,
                                 data=enc.encode([(":method", "GET"), (":path", "/p2")]),
                                 flags=["END_HEADERS", "PADDED"])
    padded.pad_length = 2
    out.append(padded.serialize())
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
    every = [(":status", "200")] + [(n, "1" if n in NUMERIC else f"v-{n}") for n in NAMED]
    fresh = hpack.Encoder()
    fresh.header_table_size = 256  # the block opens with a dynamic table size update
    out.append(hf.HeadersFrame(7, fresh.encode(every), flags=["END_HEADERS"]).serialize())
    return [PREFACE + f for f in out]


NUMERIC = {"content-length", "age", "max-forwards"}
NAMED = (":authority :path :method :scheme accept accept-charset accept-encoding "
         "accept-language accept-ranges access-control-allow-origin age allow authorization "
         "cache-control content-disposition content-encoding content-language content-length "
         "content-location content-range content-type cookie date etag expect expires from "
         "if-match if-modified-since if-none-match if-range if-unmodified-since last-modified "
         "link location max-forwards proxy-authenticate proxy-authorization range referer "
         "refresh retry-after server set-cookie strict-transport-security user-agent vary via "
         "www-authenticate").split()


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
