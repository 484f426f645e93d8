#!/usr/bin/env bash
# Record captures/sample-netns.pcap: a few dozen packets of real traffic between two
# network namespaces joined by a veth pair (ARP, DNS, HTTP over TCP, TLS, ICMP echo).
#
#   sudo tools/record_sample.sh [OUTPUT]      (default OUTPUT: captures/sample-netns.pcap)
#
# Needs root, iproute2 (`ip`, `ss`), tcpdump, openssl and python3 (standard library only).
# Nothing leaves the two namespaces: they have no route anywhere but 10.200.0.0/24, the
# veth pair is created inside them, and IPv6 is switched off in both (no RS/MLD noise).
# Every background process runs under `timeout`, every wait loop is bounded, and the
# namespaces are removed on exit (trap), also when the script fails half way.
set -euo pipefail

NS_C=ls-rec-client          # client namespace, 10.200.0.1, tcpdump runs here
NS_S=ls-rec-server          # server namespace, 10.200.0.2: DNS, HTTP, TLS
IF_C=ls-veth-c
IF_S=ls-veth-s
MAC_C=02:00:0a:c8:00:01
MAC_S=02:00:0a:c8:00:02
IP_C=10.200.0.1
IP_S=10.200.0.2
NAME=www.example.test
PY=${PYTHON:-python3}
LIMIT=120                   # seconds any background process may live

here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/captures/sample-netns.pcap}
[ "$(id -u)" = 0 ] || { echo "record_sample.sh: must run as root" >&2; exit 1; }
for t in ip ss tcpdump openssl "$PY" timeout; do
    command -v "$t" >/dev/null || { echo "record_sample.sh: $t not found" >&2; exit 1; }
done

work=$(mktemp -d /tmp/layerscope-record.XXXXXX)
pids=()

cleanup() {
    set +e
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    ip netns del "$NS_C" 2>/dev/null
    ip netns del "$NS_S" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Leftovers from an earlier, interrupted run.
ip netns del "$NS_C" 2>/dev/null || true
ip netns del "$NS_S" 2>/dev/null || true

# wait_for DESCRIPTION COMMAND...: retry a check for at most 10 s.
wait_for() {
    local what=$1; shift
    for _ in $(seq 1 100); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    echo "record_sample.sh: timed out waiting for $what" >&2
    exit 1
}

# ---------------------------------------------------------------- the network
ip netns add "$NS_C"
ip netns add "$NS_S"
for ns in "$NS_C" "$NS_S"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
done
ip link add "$IF_C" netns "$NS_C" address "$MAC_C" type veth \
    peer name "$IF_S" netns "$NS_S" address "$MAC_S"

# veth offloads the TCP/UDP checksum by default, so tcpdump would record packets whose
# checksum is not yet filled in. Switch TX checksumming off on both ends (SIOCETHTOOL
# ETHTOOL_STXCSUM, with ethtool's help when it is installed) so the capture is valid.
txcsum_off() {  # NS IFACE
    if command -v ethtool >/dev/null; then
        ip netns exec "$1" ethtool -K "$2" tx off >/dev/null
    else
        ip netns exec "$1" "$PY" - "$2" <<'PYEOF'
import ctypes, fcntl, socket, struct, sys
ETHTOOL_STXCSUM, SIOCETHTOOL = 0x17, 0x8946
val = ctypes.create_string_buffer(struct.pack("II", ETHTOOL_STXCSUM, 0))
ifr = struct.pack("16sP", sys.argv[1].encode(), ctypes.addressof(val))
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    fcntl.ioctl(s.fileno(), SIOCETHTOOL, ifr)
PYEOF
    fi
}
txcsum_off "$NS_C" "$IF_C"
txcsum_off "$NS_S" "$IF_S"

ip -n "$NS_C" addr add "$IP_C/24" dev "$IF_C"
ip -n "$NS_S" addr add "$IP_S/24" dev "$IF_S"
ip -n "$NS_C" link set "$IF_C" up
ip -n "$NS_S" link set "$IF_S" up
ip -n "$NS_C" neigh flush dev "$IF_C"

# ---------------------------------------------------------------- the servers
mkdir -p "$work/www"
printf '<!doctype html>\n<title>layerscope</title>\n<p>Hello from the server namespace.</p>\n' \
    > "$work/www/index.html"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj "/CN=$NAME" -addext "subjectAltName=DNS:$NAME" \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

cat > "$work/dns_server.py" <<'PYEOF'
# Minimal DNS responder (standard library): NAME A -> ADDR, NXDOMAIN for other names.
import socket, struct, sys, time
bind, name, addr = sys.argv[1], sys.argv[2].lower().rstrip("."), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((bind, 53))
s.settimeout(1.0)
deadline = time.monotonic() + 100
while time.monotonic() < deadline:
    try:
        q, peer = s.recvfrom(512)
    except socket.timeout:
        continue
    if len(q) < 12:
        continue
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    i, labels = 12, []
    while i < len(q) and q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
        i += 1 + q[i]
    i += 1
    qtype, qclass = struct.unpack("!HH", q[i:i + 4])
    question = q[12:i + 4]
    known = ".".join(labels).lower() == name
    answers = b""
    if known and qtype == 1 and qclass == 1:   # A IN, name as a pointer to the question
        answers = struct.pack("!HHHIH", 0xC00C, 1, 1, 300, 4) + socket.inet_aton(addr)
    rflags = 0x8000 | 0x0400 | (flags & 0x0100) | (0 if known else 3)   # QR AA RD rcode
    hdr = struct.pack("!HHHHHH", qid, rflags, 1, 1 if answers else 0, 0, 0)
    s.sendto(hdr + question + answers, peer)
PYEOF

cat > "$work/tls_server.py" <<'PYEOF'
# TLS 1.2 echo server (one line, then close_notify). TLS 1.2 keeps the server's
# Certificate and ServerKeyExchange readable in the capture.
import socket, ssl, sys
bind, cert, key = sys.argv[1], sys.argv[2], sys.argv[3]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.load_cert_chain(cert, key)
ctx.set_alpn_protocols(["http/1.1"])
ls = socket.create_server((bind, 443))
ls.settimeout(100)
conn, _ = ls.accept()
with ctx.wrap_socket(conn, server_side=True) as t:
    t.settimeout(10)
    line = t.recv(1024)
    t.sendall(b"echo: " + line)
    t.unwrap()
PYEOF

ip netns exec "$NS_S" timeout "$LIMIT" "$PY" "$work/dns_server.py" "$IP_S" "$NAME" "$IP_S" \
    2>"$work/dns.log" & pids+=($!)
ip netns exec "$NS_S" timeout "$LIMIT" "$PY" -m http.server 80 --bind "$IP_S" \
    --directory "$work/www" >"$work/http.log" 2>&1 & pids+=($!)
ip netns exec "$NS_S" timeout "$LIMIT" "$PY" "$work/tls_server.py" "$IP_S" \
    "$work/cert.pem" "$work/key.pem" 2>"$work/tls.log" & pids+=($!)

listening() { ip netns exec "$NS_S" ss -Hln "$@" | grep -q .; }
wait_for "DNS server" listening -u "sport = :53"
wait_for "HTTP server" listening -t "sport = :80"
wait_for "TLS server" listening -t "sport = :443"

# ---------------------------------------------------------------- the capture
ip netns exec "$NS_C" timeout "$LIMIT" tcpdump -i "$IF_C" -n -U -s 0 -Z root \
    -w "$work/capture.pcap" 2>"$work/tcpdump.log" & tcpdump_pid=$!
pids+=($tcpdump_pid)
wait_for "tcpdump" grep -q "listening on" "$work/tcpdump.log"
sleep 0.3

cat > "$work/client.py" <<'PYEOF'
# The client side: DNS lookup, HTTP GET, TLS handshake + one line, two ICMP echoes.
import http.client, os, socket, ssl, struct, sys, time
server, name, cafile = sys.argv[1], sys.argv[2], sys.argv[3]

# 1. DNS: A query for NAME, recursion desired (the first packet also triggers ARP)
qid = 0x4C53
query = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
query += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
query += struct.pack("!HH", 1, 1)
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    s.settimeout(5)
    s.sendto(query, (server, 53))
    reply = s.recv(512)
assert reply[:2] == query[:2] and struct.unpack("!H", reply[6:8])[0] == 1, "no DNS answer"
addr = socket.inet_ntoa(reply[-4:])
time.sleep(0.2)

# 2. HTTP/1.0-style exchange: handshake, GET, response, FIN from both sides
c = http.client.HTTPConnection(addr, 80, timeout=5)
c.request("GET", "/", headers={"Host": name, "User-Agent": "layerscope-record/1",
                               "Accept": "*/*"})
body = c.getresponse().read()
c.close()
assert b"layerscope" in body
time.sleep(0.2)

# 3. TLS: ClientHello with SNI and ALPN, full handshake, one line each way, close_notify
ctx = ssl.create_default_context(cafile=cafile)
ctx.set_alpn_protocols(["h2", "http/1.1"])
with socket.create_connection((addr, 443), timeout=5) as raw:
    with ctx.wrap_socket(raw, server_hostname=name) as t:
        t.sendall(b"hello layerscope\n")
        assert t.recv(1024).startswith(b"echo: ")
        t.unwrap()
time.sleep(0.2)

# 4. ICMP echo request/reply, twice (raw socket; the kernel answers)
ident = os.getpid() & 0xFFFF
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s & 0xFFFF) + (s >> 16); s += s >> 16
    return ~s & 0xFFFF
with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as s:
    s.settimeout(2)
    for seq in (1, 2):
        payload = struct.pack("!d", time.time()) + bytes(range(0x10, 0x40))   # 56 bytes like ping
        msg = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + payload
        msg = msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]
        s.sendto(msg, (addr, 0))
        while True:
            pkt = s.recv(2048)
            ihl = (pkt[0] & 15) * 4
            t, _, _, i, q = struct.unpack("!BBHHH", pkt[ihl:ihl + 8])
            if t == 0 and i == ident and q == seq:
                break
        time.sleep(0.5)
print("client: ok")
PYEOF

ip netns exec "$NS_C" timeout 60 "$PY" "$work/client.py" "$IP_S" "$NAME" "$work/cert.pem"
sleep 0.5
kill -INT "$tcpdump_pid"
wait "$tcpdump_pid" || true
grep -E "packets? (captured|received)" "$work/tcpdump.log" >&2 || true

mkdir -p "$(dirname "$out")"
cp "$work/capture.pcap" "$out"
chmod 644 "$out"
echo "wrote $out"
