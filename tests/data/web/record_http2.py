"""Record tests/data/web/h2c.pcap: cleartext HTTP/2 on loopback (h2 on both ends).

Run as root from the repository root with the dev venv:
    python tests/data/web/record_http2.py tests/data/web/h2c.pcap
A server on 127.0.0.1:8080; one client connects with prior knowledge (the preface first)
and makes two requests, the second repeating a header so HPACK refers to its dynamic
table; another upgrades from HTTP/1.1 (Upgrade: h2c, RFC 7540 section 3.2). tcpdump
records tcp port 8080 on lo. Every process is bounded in time and stopped by its PID.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time

import h2.config
import h2.connection
import h2.events

PORT = 8080
BODY = b"hello over h2c\n"


def serve_one(conn: socket.socket) -> None:
    conn.settimeout(5)
    first = conn.recv(65535)
    h2conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
    if first.startswith(b"GET"):  # HTTP/1.1 with Upgrade: h2c
        settings = [ln.split(b": ", 1)[1] for ln in first.split(b"\r\n")
                    if ln.lower().startswith(b"http2-settings")][0]
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                     b"Upgrade: h2c\r\n\r\n")
        h2conn.initiate_upgrade_connection(settings)
        conn.sendall(h2conn.data_to_send())
        respond(h2conn, conn, 1)
        first = b""
    else:
        h2conn.initiate_connection()
        conn.sendall(h2conn.data_to_send())
    pending = first
    for _ in range(20):  # bounded
        data = pending or conn.recv(65535)
        pending = b""
        if not data:
            return
        for event in h2conn.receive_data(data):
            if isinstance(event, h2.events.RequestReceived):
                respond(h2conn, conn, event.stream_id)
        conn.sendall(h2conn.data_to_send())


def respond(h2conn: h2.connection.H2Connection, conn: socket.socket, stream: int) -> None:
    h2conn.send_headers(stream, [(":status", "200"), ("content-type", "text/plain"),
                                 ("content-length", str(len(BODY))), ("server", "layerscope-test")])
    h2conn.send_data(stream, BODY, end_stream=True)
    conn.sendall(h2conn.data_to_send())


def server(sock: socket.socket) -> None:
    for _ in range(2):
        conn, _addr = sock.accept()
        with conn:
            try:
                serve_one(conn)
            except (OSError, socket.timeout):
                pass


def read_until_closed(s: socket.socket, h2conn: h2.connection.H2Connection, ends: int,
                      pending: bytes = b"") -> None:
    done = 0
    for _ in range(20):
        data, pending = pending or s.recv(65535), b""
        if not data:
            return
        for event in h2conn.receive_data(data):
            if isinstance(event, h2.events.StreamEnded):
                done += 1
        s.sendall(h2conn.data_to_send())
        if done >= ends:
            return


def prior_knowledge() -> None:
    with socket.create_connection(("127.0.0.1", PORT), timeout=5) as s:
        c = h2.connection.H2Connection()
        c.initiate_connection()
        s.sendall(c.data_to_send())
        for path in ("/", "/again"):
            c.send_headers(c.get_next_available_stream_id(), [
                (":method", "GET"), (":path", path), (":scheme", "http"),
                (":authority", f"127.0.0.1:{PORT}"), ("user-agent", "layerscope-h2-test"),
                ("x-repeated", "same value twice")], end_stream=True)
            s.sendall(c.data_to_send())
            read_until_closed(s, c, 1)
        c.close_connection()
        s.sendall(c.data_to_send())


def upgrade() -> None:
    with socket.create_connection(("127.0.0.1", PORT), timeout=5) as s:
        c = h2.connection.H2Connection()
        settings = c.initiate_upgrade_connection()  # the HTTP2-Settings value, base64 already
        s.sendall(b"GET /upgrade HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
                  b"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                  b"HTTP2-Settings: " + settings + b"\r\n\r\n")
        reply = s.recv(65535)
        head, _, rest = reply.partition(b"\r\n\r\n")
        s.sendall(c.data_to_send())
        read_until_closed(s, c, 1, rest)


def main(out: str) -> None:
    dump = subprocess.Popen(["tcpdump", "-i", "lo", "-U", "-w", out, f"tcp port {PORT}"],
                            stderr=subprocess.PIPE, text=True)
    sock = socket.create_server(("127.0.0.1", PORT))
    try:
        dump.stderr.readline()  # "listening on lo ...": it captures from now on
        time.sleep(1.0)
        thread = threading.Thread(target=server, args=(sock,), daemon=True)
        thread.start()
        prior_knowledge()
        upgrade()
        thread.join(10)
        time.sleep(1.0)
    finally:
        sock.close()
        dump.terminate()
        dump.communicate(timeout=5)


if __name__ == "__main__":
    main(sys.argv[1])
