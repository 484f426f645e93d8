"""Write h2_hpack.pcap: one HTTP/2 connection whose later header blocks use HPACK's
dynamic table (run: python make_h2_hpack.py DIR, with scapy and h2 installed).

The bytes are the `h2` package's own (a client and a server H2Connection talking to each
other in memory), put in TCP segments with scapy (make_generated.Conv, port 80, where
HTTP/2 is found by its preface):
- the preface and both SETTINGS; four GET requests with the same :authority, user-agent
  and a custom x-trace header, so every request after the first refers to dynamic
  table entries the first added; each answered with the same server and x-served-by;
- the third request's HEADERS frame is split over two segments (put together on the
  second), the fourth request shares a segment with a PING.
"""
import os
import sys

import h2.config
import h2.connection

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_generated import Conv  # noqa: E402

from scapy.all import wrpcap  # noqa: E402

HEADERS = [(":method", "GET"), (":scheme", "http"), (":authority", "hpack.example.test"),
           ("user-agent", "layerscope-hpack-test/1.0"), ("x-trace", "trace-0123456789abcdef")]


def main(out_dir):
    client = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    server = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
    c = Conv(40080)
    c.open()
    client.initiate_connection()
    wire = client.data_to_send()
    c.send("c", wire)
    server.receive_data(wire)
    server.initiate_connection()
    wire = server.data_to_send()
    c.send("s", wire)
    client.receive_data(wire)
    c.send("c", client.data_to_send())  # the SETTINGS ACK
    for n, path in enumerate(("/one", "/two", "/three", "/four")):
        sid = client.get_next_available_stream_id()
        client.send_headers(sid, HEADERS[:1] + [(":path", path)] + HEADERS[1:], end_stream=True)
        if n == 3:
            client.ping(b"pingpong")
        wire = client.data_to_send()
        if n == 2:
            c.send("c", wire[:12], "A")
            c.send("c", wire[12:])
        else:
            c.send("c", wire)
        server.receive_data(wire)
        server.send_headers(sid, [(":status", "200"), ("content-type", "text/plain"),
                                  ("server", "layerscope-test"), ("x-served-by", "node-7")])
        server.send_data(sid, path.encode() + b"\n", end_stream=True)
        wire = server.data_to_send()
        c.send("s", wire)
        client.receive_data(wire)
    wrpcap(os.path.join(out_dir, "h2_hpack.pcap"), c.pkts)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
