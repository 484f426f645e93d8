"""Loopback servers and clients for the reassembly captures (run inside a network namespace)."""
import gzip, random, socket, struct, sys, threading, time, zlib, http.client
from http.server import BaseHTTPRequestHandler, HTTPServer

random.seed(14)
WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau".split()
def text(n):
    out = []
    while sum(len(w) + 1 for w in out) < n:
        out.append(random.choice(WORDS) + str(random.randint(0, 99999)))
    return (" ".join(out)[:n]).encode()

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path.startswith("/chunked"):
            body = gzip.compress(text(12000), mtime=0)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(body), 1500):
                part = body[i:i+1500]
                self.wfile.write(b"%x\r\n" % len(part) + part + b"\r\n")
                self.wfile.flush(); time.sleep(0.01)
            self.wfile.write(b"0\r\n\r\n")
        elif self.path.startswith("/deflate"):
            body = zlib.compress(text(9000))
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Encoding", "deflate")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers(); self.wfile.write(body)
        else:
            body = text(5000)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Long", "x" * 1800)  # headers alone span two segments
            self.end_headers(); self.wfile.write(body)
    def do_POST(self):
        n = int(self.headers["Content-Length"]); self.rfile.read(n)
        body = b"stored\n"
        self.send_response(201); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)

def http_():
    srv = HTTPServer(("127.0.0.1", 80), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    c = http.client.HTTPConnection("127.0.0.1", 80)
    for path in ("/chunked.txt.gz?v=1", "/plain.txt", "/deflate.html"):
        c.request("GET", path); r = c.getresponse(); r.read()
    c.request("POST", "/upload", body=text(3000), headers={"Content-Type": "text/plain"})
    c.getresponse().read(); c.close()
    time.sleep(0.2); srv.shutdown()

def dns_msg(qid, name, qr=False, answers=0):
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0" + struct.pack("!HH", 1, 1)
    hdr = struct.pack("!HHHHHH", qid, 0x8180 if qr else 0x0100, 1, answers, 0, 0)
    rr = b"".join(b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + bytes([10, 0, i // 256, i % 256]) for i in range(answers))
    return hdr + q + rr

def dns():
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 53)); s.listen()
    def serve():
        conn, _ = s.accept()
        buf = b""
        while True:
            d = conn.recv(65536)
            if not d: break
            buf += d
            while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
                n = struct.unpack("!H", buf[:2])[0]; m = buf[2:2+n]; buf = buf[2+n:]
                qid = struct.unpack("!H", m[:2])[0]
                name = "big.example.test" if b"big" in m else "small.example.test"
                a = dns_msg(qid, name, True, 200 if "big" in name else 2)
                out = struct.pack("!H", len(a)) + a
                if "big" in name:  # sent in pieces, as a slow server would
                    for i in range(0, len(out), 700):
                        conn.sendall(out[i:i+700]); time.sleep(0.01)
                else:
                    conn.sendall(out)
        conn.close()
    t = threading.Thread(target=serve); t.start()
    c = socket.create_connection(("127.0.0.1", 53)); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    q1 = dns_msg(0x1234, "big.example.test"); q2 = dns_msg(0x1235, "small.example.test")
    c.sendall(struct.pack("!H", len(q1)) + q1)
    need = 2 + len(dns_msg(0, "big.example.test", True, 200)); got = b""
    while len(got) < need: got += c.recv(65536)
    m = struct.pack("!H", len(q2)) + q2
    c.sendall(m[:5]); time.sleep(0.02); c.sendall(m[5:])  # a query split in two segments
    time.sleep(0.1); c.close(); t.join(); s.close()

if __name__ == "__main__" and sys.argv[1] != "h2":
    {"http": http_, "dns": dns}[sys.argv[1]]()


def h2_():
    """HTTP/2 with prior knowledge on 8080: one GET, answered by a 6000-byte DATA frame
    (more than one segment at MTU 1500)."""
    import h2.config
    import h2.connection
    import h2.events

    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 8080))
    srv.listen()

    def serve():
        conn, _ = srv.accept()
        conn.settimeout(5)
        c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        c.initiate_connection()
        conn.sendall(c.data_to_send())
        done = False
        while not done:
            for ev in c.receive_data(conn.recv(65535)):
                if isinstance(ev, h2.events.RequestReceived):
                    c.send_headers(ev.stream_id, [(":status", "200"), ("content-type", "text/plain")])
                    c.send_data(ev.stream_id, text(6000), end_stream=True)
                    conn.sendall(c.data_to_send())
                    done = True
        time.sleep(0.2)
        conn.close()

    t = threading.Thread(target=serve)
    t.start()
    s = socket.create_connection(("127.0.0.1", 8080))
    s.settimeout(5)
    c = h2.connection.H2Connection()
    c.initiate_connection()
    c.send_headers(1, [(":method", "GET"), (":path", "/big.txt"), (":scheme", "http"),
                       (":authority", "127.0.0.1:8080")], end_stream=True)
    s.sendall(c.data_to_send())
    got = 0
    while got < 6000:
        for ev in c.receive_data(s.recv(65535)):
            if isinstance(ev, h2.events.DataReceived):
                got += len(ev.data)
                c.acknowledge_received_data(len(ev.data), ev.stream_id)
            if isinstance(ev, h2.events.StreamEnded):
                got = 6000
        s.sendall(c.data_to_send())
    s.close()
    t.join()
    srv.close()


if __name__ == "__main__" and sys.argv[1] == "h2":
    h2_()
