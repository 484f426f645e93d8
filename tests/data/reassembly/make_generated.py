"""Crafted TCP conversations for the reassembly tests (scapy; run: python make_generated.py DIR).

http_lost_segment: a POST whose body's middle segment was never captured, then a second
    POST in two segments (the PDU after a loss).
http_keepalive_byte: a one-byte keep-alive segment (0x00) right before a GET in two segments.
http_until_fin: an HTTP/1.0 response without Content-Length or chunked coding: its body
    runs until the server's FIN (three segments, the FIN on the last).
http_no_body: responses without a body whatever their Content-Length says (RFC 9110
    section 6.4.1): to a HEAD request, 204, 304 and 100 Continue; then a response whose
    body spans two segments.
"""
import sys
from scapy.all import IP, TCP, Ether, Raw, wrpcap

C, S = "10.14.0.1", "10.14.0.2"


class Conv:
    def __init__(self, sport):
        self.sport, self.cseq, self.sseq, self.pkts, self.t = sport, 1000, 5000, [], 1.0

    def _add(self, src, flags, data=b"", skip=False):
        cli = src == "c"
        ip = IP(src=C, dst=S) if cli else IP(src=S, dst=C)
        seq, ack = (self.cseq, self.sseq) if cli else (self.sseq, self.cseq)
        tcp = TCP(sport=self.sport if cli else 80, dport=80 if cli else self.sport,
                  flags=flags, seq=seq, ack=ack, window=64000)
        p = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / ip / tcp
        if data:
            p = p / Raw(data)
        p.time = self.t
        self.t += 0.001
        if not skip:
            self.pkts.append(p)
        n = len(data) + (1 if "S" in flags or "F" in flags else 0)
        if cli:
            self.cseq += n
        else:
            self.sseq += n

    def open(self):
        self._add("c", "S"); self._add("s", "SA"); self._add("c", "A")

    def send(self, src, data, flags="PA", skip=False):
        self._add(src, flags, data, skip)


def lost():
    c = Conv(40001)
    c.open()
    body = b"a=" + b"x" * 2998
    head = b"POST /one HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3000\r\n\r\n"
    msg = head + body
    c.send("c", msg[:1200], "A"); c.send("c", msg[1200:2400], "A", skip=True); c.send("c", msg[2400:])
    c.send("s", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    body2 = b"b=" + b"y" * 1998
    msg2 = b"POST /two HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 2000\r\n\r\n" + body2
    c.send("c", msg2[:1300], "A"); c.send("c", msg2[1300:])
    c.send("s", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    return c.pkts


def keepalive():
    c = Conv(40002)
    c.open()
    c.cseq -= 0
    c.send("c", b"\x00", "A")
    msg = b"GET /after-keepalive HTTP/1.1\r\nHost: h\r\nUser-Agent: " + b"u" * 1400 + b"\r\nAccept: */*\r\n\r\n"
    c.send("c", msg[:1000], "A"); c.send("c", msg[1000:])
    c.send("s", b"HTTP/1.1 204 No Content\r\n\r\n")
    return c.pkts


def until_fin():
    c = Conv(40003)
    c.open()
    c.send("c", b"GET /stream HTTP/1.0\r\nHost: h\r\n\r\n")
    body = b"".join(b"line %04d of a body that ends with the connection\n" % i for i in range(80))
    msg = b"HTTP/1.0 200 OK\r\nServer: gen\r\nContent-Type: text/plain\r\n\r\n" + body
    c.send("s", msg[:1400], "A"); c.send("s", msg[1400:2800], "A"); c.send("s", msg[2800:], "FPA")
    c.send("c", b"", "FA")
    c.send("s", b"", "A")
    d = Conv(40004)  # the same with the FIN alone, after the body
    d.t = c.t
    d.open()
    d.send("c", b"GET /stream2 HTTP/1.0\r\nHost: h\r\n\r\n")
    d.send("s", msg[:1400], "A"); d.send("s", msg[1400:], "PA"); d.send("s", b"", "FA")
    d.send("c", b"", "FA")
    return c.pkts + d.pkts


def no_body():
    c = Conv(40005)
    c.open()
    c.send("c", b"HEAD /a HTTP/1.1\r\nHost: h\r\n\r\n")
    c.send("s", b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5000\r\n\r\n")
    c.send("c", b"DELETE /b HTTP/1.1\r\nHost: h\r\n\r\n")
    c.send("s", b"HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n")
    c.send("c", b"GET /c HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"x\"\r\n\r\n")
    c.send("s", b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\nContent-Length: 100\r\n\r\n")
    c.send("c", b"POST /d HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
    c.send("s", b"HTTP/1.1 100 Continue\r\n\r\n")
    c.send("c", b"d=ok")
    body = b"z" * 2000
    msg = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2000\r\n\r\n" + body
    c.send("s", msg[:1200], "A"); c.send("s", msg[1200:])
    c.send("c", b"HEAD /e HTTP/1.1\r\nHost: h\r\n\r\n")
    c.send("s", b"HTTP/1.1 200 OK\r\nContent-Length: 77\r\n\r\n")
    return c.pkts


if __name__ == "__main__":
    out = sys.argv[1]
    for name, make in (("http_lost_segment", lost), ("http_keepalive_byte", keepalive),
                       ("http_until_fin", until_fin), ("http_no_body", no_body)):
        wrpcap(f"{out}/{name}.pcap", make())
