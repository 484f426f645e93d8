"""Live capture: the capture process, the headless CLI and privilege handling.

Root-only tests build their own network: two namespaces joined by a veth pair (10.x
addresses inside those namespaces only, static neighbours and no IPv6 so the kernel adds
no packet of its own), or the loopback of a fresh namespace. Traffic never leaves them.
Every wait is bounded; processes are stopped by PID. No timing assertions.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dissect import decode
from dissect.capture import interface_lines, list_interfaces, live_options
from dissect.cli import build_parser, finish_args
from dissect.engine import Packet
from dissect.index import CaptureIndex, open_capture
from dissect.readers import live

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
# -P: as the `layerscope` console script, whose sys.path starts with its own directory,
# never the working directory
LAYERSCOPE = [PY, "-P", "-m", "tui.main"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "live capture needs root (CI runs as root): namespaces and raw sockets"
    if shutil.which("ip") is None:
        return "the `ip` tool (iproute2) is needed to build test namespaces"
    try:
        import pcapy  # noqa: F401
    except ImportError:
        return "pcapy-ng is not installed"
    return None


needs_root = pytest.mark.skipif(_why_not() is not None, reason=str(_why_not()))


# -- test network -----------------------------------------------------------------------------
def sh(*cmd: str, timeout: float = 20) -> None:
    subprocess.run(cmd, check=True, timeout=timeout, capture_output=True)


def nsexec(ns: str, *cmd: str) -> list[str]:
    return ["ip", "netns", "exec", ns, *cmd]


@dataclass(frozen=True)
class Pair:
    a: str  # namespace names
    b: str
    dev_a: str  # veth ends
    dev_b: str
    ip_a: str
    ip_b: str


def _make_ns(name: str) -> None:
    sh("ip", "netns", "add", name)
    sh(*nsexec(name, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"))
    sh(*nsexec(name, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"))
    sh(*nsexec(name, "ip", "link", "set", "lo", "up"))


@pytest.fixture
def netns() -> Iterator[str]:
    """One fresh namespace with its loopback up."""
    name = f"ls-{uuid.uuid4().hex[:8]}"
    _make_ns(name)
    try:
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], timeout=20, capture_output=True)


@pytest.fixture
def pair() -> Iterator[Pair]:
    """Namespaces A and B joined by a veth pair, addresses 10.x.y.1 and 10.x.y.2."""
    tag = uuid.uuid4().hex[:6]
    a, b = f"ls-{tag}-a", f"ls-{tag}-b"
    net = f"10.{100 + int(tag[:2], 16) % 150}.{int(tag[2:4], 16)}"
    p = Pair(a, b, f"lsa{tag}", f"lsb{tag}", f"{net}.1", f"{net}.2")
    macs = {p.dev_a: "02:4c:53:00:00:01", p.dev_b: "02:4c:53:00:00:02"}
    try:
        _make_ns(a)
        _make_ns(b)
        sh("ip", "link", "add", p.dev_a, "address", macs[p.dev_a], "netns", a, "type", "veth",
           "peer", "name", p.dev_b, "address", macs[p.dev_b], "netns", b)  # fmt: skip
        for ns, dev, ip, peer_ip, peer_dev in ((a, p.dev_a, p.ip_a, p.ip_b, p.dev_b),
                                                (b, p.dev_b, p.ip_b, p.ip_a, p.dev_a)):  # fmt: skip
            sh(*nsexec(ns, "ip", "addr", "add", f"{ip}/24", "dev", dev))
            sh(*nsexec(ns, "ip", "link", "set", dev, "up"))
            # Static neighbours: no ARP exchange among the packets we count.
            sh(*nsexec(ns, "ip", "neigh", "replace", peer_ip, "lladdr", macs[peer_dev],
                       "dev", dev, "nud", "permanent"))  # fmt: skip
        sink = _start(nsexec(b, PY, "-c", UDP_SINK))  # no ICMP port-unreachable among ours
        try:
            yield p
        finally:
            sink.kill()
            sink.wait(10)
    finally:
        for ns in (a, b):
            subprocess.run(["ip", "netns", "del", ns], timeout=20, capture_output=True)


# -- traffic (run inside a namespace with `ip netns exec`) -------------------------------------
UDP_PORT, TCP_PORT, PING_ID = 40123, 40124, 0x4C53

SENDER = r"""
import socket, struct, sys, time
dst, n, what = sys.argv[1], int(sys.argv[2]), sys.argv[3]
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    udp.sendto(b"layerscope %06d" % i, (dst, 40123))
if "tcp" in what:
    time.sleep(0.2)
    with socket.create_connection((dst, 40124), timeout=5) as c:
        c.sendall(b"hello")
        assert c.recv(100) == b"world"
    time.sleep(0.3)  # the closing handshake completes before the ping
if "ping" in what:
    def csum(b):
        s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
        s = (s >> 16) + (s & 0xFFFF)
        return ~(s + (s >> 16)) & 0xFFFF
    body = b"layerscope-ping!"
    head = struct.pack("!BBHHH", 8, 0, 0, 0x4C53, 1)
    pkt = struct.pack("!BBHHH", 8, 0, csum(head + body), 0x4C53, 1) + body
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    r.settimeout(5)
    r.sendto(pkt, (dst, 0))
    while True:  # our echo reply (the socket also sees the request on loopback)
        data = r.recv(2048)
        if data[20] == 0 and data[24:26] == b"\x4c\x53":
            break
    time.sleep(0.2)
"""

UDP_SINK = r"""
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind(("0.0.0.0", 40123))
print("listening", flush=True)
s.settimeout(120)
while s.recv(65536):
    pass
"""

SERVER = r"""
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 40124)); s.listen(1); s.settimeout(20)
print("listening", flush=True)
c, _ = s.accept(); c.settimeout(5)
assert c.recv(100) == b"hello"
c.sendall(b"world")
while c.recv(100):
    pass
c.close()
"""

BURST = r"""
import socket, sys, time
dst, seconds = sys.argv[1], float(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end, i = time.monotonic() + seconds, 0
while time.monotonic() < end:
    for _ in range(200):
        s.sendto(b"burst %08d" % i, (dst, 40123)); i += 1
print(i)
"""


def send(ns: str, dst: str, n: int, what: str = "") -> None:
    subprocess.run(nsexec(ns, PY, "-c", SENDER, dst, str(n), what), check=True, timeout=60)


def _start(cmd: list[str]) -> subprocess.Popen[str]:
    """A helper process that prints 'listening' once its socket is bound."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "listening"
    return proc


def start_server(ns: str) -> subprocess.Popen[str]:
    return _start(nsexec(ns, PY, "-c", SERVER))


# -- the CLI under test -------------------------------------------------------------------------
class Cli:
    """`layerscope ARGS` in a namespace; waits for its 'listening on' line."""

    def __init__(
        self, ns: str, *args: str, env: dict[str, str] | None = None, cwd: str | None = None
    ) -> None:
        self.proc = subprocess.Popen(nsexec(ns, *LAYERSCOPE, *args), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env or ENV,
                                     cwd=cwd or tempfile.gettempdir())  # fmt: skip
        self.first = self._line(15.0)
        assert "listening on" in self.first, self.first + self.finish(0)[1]

    def _line(self, timeout: float) -> str:
        assert self.proc.stderr is not None
        ready, _, _ = select.select([self.proc.stderr], [], [], timeout)
        return self.proc.stderr.readline() if ready else ""

    def finish(self, sig: int | None = signal.SIGINT) -> tuple[str, str, int]:
        """Signal it (by PID), wait (bounded); (stdout, stderr, status)."""
        if sig and self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
        try:
            out, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate(timeout=10)
        return out, err, self.proc.returncode


def closing(err: str) -> tuple[int, int, int]:
    nums = [re.search(rf"(\d+) packets? {what}", err) for what in
            ("captured", "received by filter", "dropped by kernel")]  # fmt: skip
    assert all(nums), err
    return tuple(int(m.group(1)) for m in nums)  # type: ignore[union-attr,return-value]


def packets(path: str | Path) -> tuple[list[Packet], CaptureIndex]:
    idx = open_capture(str(path)).index_all()
    pkts = [decode(r.data, r.linktype, number=r.number, strict=True) for r in idx]
    return pkts, idx


def udp_numbers(pkts: list[Packet]) -> list[int]:
    return [
        int(bytes(p.value("data.data"))[11:]) for p in pkts if p.value("udp.dstport") == UDP_PORT
    ]


# -- root: two namespaces -------------------------------------------------------------------------
@needs_root
def test_veth_capture_holds_exactly_what_was_sent_in_order(pair: Pair, tmp_path: Path) -> None:
    out = tmp_path / "veth.pcapng"
    server = start_server(pair.b)
    cli = Cli(pair.b, "-i", pair.dev_b, "-w", str(out), "-q")
    send(pair.a, pair.ip_b, 20, "tcp ping")
    _, err, status = cli.finish()
    server.wait(10)
    assert status == 0, err
    pkts, idx = packets(out)
    assert idx.warnings == [] and idx.interfaces[0].linktype == 1
    assert closing(err)[0] == len(pkts)  # every packet counted is in the file
    assert udp_numbers(pkts[:20]) == list(range(20))  # numbered datagrams first, in order
    assert all(p.value("ip.src") == pair.ip_a and p.value("eth.src") for p in pkts[:20])
    tcp, icmp = pkts[20:-2], pkts[-2:]
    assert tcp and all(TCP_PORT in _ports(p) for p in tcp)
    flags = [(p.value("tcp.flags.syn"), p.value("tcp.flags.ack")) for p in tcp[:3]]
    assert flags == [(True, False), (True, True), (False, True)]
    payloads = {bytes(p.value("data.data") or b"") for p in tcp}
    assert {b"hello", b"world"} <= payloads
    assert sum(bool(p.value("tcp.flags.fin")) for p in tcp) == 2
    assert [p.value("icmp.type") for p in icmp] == [8, 0]
    assert [p.value("ip.src") for p in icmp] == [pair.ip_a, pair.ip_b]
    assert all(p.status == "ok" for p in pkts)


def _ports(p: Packet) -> set[int]:
    return {p.value("tcp.srcport"), p.value("tcp.dstport")}


@needs_root
def test_bpf_expression_keeps_only_matching_packets(pair: Pair, tmp_path: Path) -> None:
    out = tmp_path / "bpf.pcap"
    server = start_server(pair.b)
    cli = Cli(pair.b, "-i", pair.dev_b, "-w", str(out), "-q", "udp", "and", "port", str(UDP_PORT))
    send(pair.a, pair.ip_b, 15, "tcp ping")
    _, err, status = cli.finish()
    server.wait(10)
    pkts, idx = packets(out)
    assert status == 0 and idx.format == "pcap"  # from the suffix
    assert udp_numbers(pkts) == list(range(15)) and len(pkts) == 15
    assert closing(err)[0] == 15


@needs_root
def test_any_device_writes_linux_cooked_v2(pair: Pair, tmp_path: Path) -> None:
    out = tmp_path / "any.pcapng"
    cli = Cli(pair.b, "-i", "any", "-w", str(out), "-q", "-f", f"udp port {UDP_PORT}")
    send(pair.a, pair.ip_b, 5)
    cli.finish()
    pkts, idx = packets(out)
    assert idx.interfaces[0].linktype == live.DLT_LINUX_SLL2
    assert udp_numbers(pkts) == list(range(5))
    assert [layer.protocol.name for layer in pkts[0].layers][:4] == ["frame", "sll", "ip", "udp"]
    assert pkts[0].value("sll.pkttype") == 0  # PACKET_HOST: addressed to us


@needs_root
def test_sigint_mid_burst_leaves_a_valid_file_with_every_counted_packet(
    pair: Pair, tmp_path: Path
) -> None:
    out = tmp_path / "burst.pcapng"
    cli = Cli(pair.b, "-i", pair.dev_b, "-w", str(out), "-q", "-B", "8")
    burst = subprocess.Popen(
        nsexec(pair.a, PY, "-c", BURST, pair.ip_b, "2"), stdout=subprocess.PIPE
    )
    time.sleep(0.8)  # well inside the burst: the stop lands while packets arrive
    _, err, status = cli.finish(signal.SIGINT)
    burst.communicate(timeout=30)
    idx = open_capture(str(out)).index_all()
    captured, received, dropped = closing(err)
    assert status == 0 and idx.warnings == []
    assert captured == len(idx) > 0
    assert received >= captured
    numbers = [int(rec.data[-8:]) for rec in idx]  # b"burst %08d" ends each frame
    assert numbers == sorted(set(numbers))  # in order, never twice
    first, last = (decode(idx.record(i).data, 1, strict=True) for i in (0, -1))
    assert first.value("udp.dstport") == last.value("udp.dstport") == UDP_PORT


@needs_root
def test_sigkill_tears_at_most_the_last_record(pair: Pair, tmp_path: Path) -> None:
    out = tmp_path / "killed.pcapng"
    cmd = nsexec(pair.b, PY, "-m", "dissect.readers.live", "-i", pair.dev_b, "-w", str(out))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=ENV)
    assert proc.stdout is not None and b'"ready"' in proc.stdout.readline()
    burst = subprocess.Popen(
        nsexec(pair.a, PY, "-c", BURST, pair.ip_b, "2"), stdout=subprocess.PIPE
    )
    time.sleep(0.8)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    burst.communicate(timeout=30)
    idx = open_capture(str(out)).index_all()  # opens: never raises
    assert len(idx) > 0
    assert len(idx.warnings) <= 1 and all("truncated" in w for w in idx.warnings)
    assert idx.indexed_bytes <= out.stat().st_size


@needs_root
def test_capture_process_killed_mid_capture_is_an_error_with_the_files_count(
    pair: Pair, tmp_path: Path
) -> None:
    out = tmp_path / "killed.pcapng"
    cli = Cli(pair.b, "-i", pair.dev_b, "-w", str(out), "-q", "-B", "8")
    helper = [pid for pid in _descendants(cli.proc.pid) if _is_capture(_proc_status(pid))]
    burst = subprocess.Popen(
        nsexec(pair.a, PY, "-c", BURST, pair.ip_b, "2"), stdout=subprocess.PIPE
    )
    time.sleep(0.8)  # inside the burst
    os.kill(helper[0], signal.SIGKILL)
    _, err, status = cli.finish(sig=None)  # it ends by itself
    burst.communicate(timeout=30)
    idx = open_capture(str(out)).index_all()
    assert status == 1 and "killed by SIGKILL" in err, err
    assert closing(err)[0] == len(idx) > 0  # what the file holds, not the last report


FILL = r"""d=$1; saved=$2; shift 2
mount -t tmpfs -o size=64k layerscope-test "$d" || exit 99
"$@"; status=$?
cp "$d/out.pcapng" "$saved"; exit $status
"""


@needs_root
@pytest.mark.skipif(shutil.which("unshare") is None, reason="unshare (util-linux) not installed")
def test_full_disk_is_an_error_with_the_files_count(pair: Pair, tmp_path: Path) -> None:
    """The capture file on a 64 KiB tmpfs, mounted in a mount namespace of this test only."""
    small, saved = tmp_path / "small", tmp_path / "saved.pcapng"
    small.mkdir()
    cmd = nsexec(pair.b, "unshare", "--mount", "--propagation", "private", "sh", "-c", FILL,
                 "sh", str(small), str(saved), *LAYERSCOPE, "-i", pair.dev_b, "-q",
                 "-w", str(small / "out.pcapng"))  # fmt: skip
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=ENV, cwd="/")
    assert proc.stderr is not None
    first = proc.stderr.readline() if select.select([proc.stderr], [], [], 15)[0] else ""
    burst = subprocess.Popen(nsexec(pair.a, PY, "-c", BURST, pair.ip_b, "2"),
                             stdout=subprocess.PIPE)  # fmt: skip
    try:
        _, err = proc.communicate(timeout=30)
    finally:
        burst.communicate(timeout=30)
    assert "listening on" in first and proc.returncode == 1, first + err
    assert "No space left on device" in err
    idx = open_capture(str(saved)).index_all()
    assert closing(err)[0] == len(idx) > 0


# -- root: one namespace, loopback ------------------------------------------------------------
@needs_root
def test_loopback_packets_are_captured_once(netns: str) -> None:
    cli = Cli(netns, "-i", "lo", "--print", f"udp port {UDP_PORT}")
    send(netns, "127.0.0.1", 30)
    stdout, err, status = cli.finish()
    lines = [line for line in stdout.splitlines() if "UDP" in line]
    assert status == 0 and len(lines) == 30, stdout + err
    captured, received, _ = closing(err)
    assert captured == 30 and received == 60  # the kernel sees both copies; we keep one


@needs_root
def test_count_stops_the_capture_by_itself(netns: str, tmp_path: Path) -> None:
    out = tmp_path / "c.pcapng"
    cli = Cli(netns, "-i", "lo", "-c", "7", "-w", str(out), "-q", "udp")
    send(netns, "127.0.0.1", 20)
    _, err, status = cli.finish(sig=None)
    assert status == 0 and closing(err)[0] == 7
    assert udp_numbers(packets(out)[0]) == list(range(7))


@needs_root
def test_privileges_drop_to_the_sudo_user(netns: str) -> None:
    """SUDO_UID=65534: the dissector and the capture process run as that uid, no capabilities."""
    work = tempfile.mkdtemp(prefix="layerscope-drop-")
    os.chmod(work, 0o777)
    out = os.path.join(work, "drop.pcapng")
    env = {**ENV, "SUDO_UID": "65534", "SUDO_GID": "65534", "SUDO_USER": "nobody"}
    try:
        cli = Cli(netns, "-i", "lo", "-w", out, "--print", "udp", env=env)
        me = _proc_status(cli.proc.pid)
        capture = [s for s in map(_proc_status, _descendants(cli.proc.pid)) if _is_capture(s)]
        send(netns, "127.0.0.1", 4)
        stdout, err, status = cli.finish()
        assert status == 0, err
        assert me["Uid"].split() == ["65534"] * 4 and me["CapEff"] == "0" * 16
        assert me["NoNewPrivs"] == "1"
        assert len(capture) == 1 and capture[0]["Uid"].split() == ["65534"] * 4
        assert capture[0]["CapEff"] == "0" * 16
        assert os.stat(out).st_uid == 65534
        assert len([line for line in stdout.splitlines() if "UDP" in line]) == 4
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _proc_status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    info = dict(line.split(":\t", 1) for line in lines if ":\t" in line)
    info["cmd"] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    return info


def _is_capture(status: dict[str, str]) -> bool:
    """The capture process: named by prctl (a fork of the launcher keeps its command line)."""
    return status["Name"] == "lscope-capture" or "dissect.readers.live" in status["cmd"]


def _descendants(pid: int) -> list[int]:
    kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(k) for k in kids] + [g for k in kids for g in _descendants(int(k))]


@needs_root
@pytest.mark.skipif(shutil.which("setpriv") is None, reason="setpriv (util-linux) not installed")
def test_without_privilege_one_line_names_both_fixes(netns: str) -> None:
    cmd = nsexec(netns, "setpriv", "--bounding-set=-net_raw,-net_admin", *LAYERSCOPE, "-i", "lo")
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=30, env=ENV)
    assert res.returncode != 0
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert "sudo" in res.stderr and "--install-capture-helper GROUP" in res.stderr
    # never the old advice: capabilities for the interpreter every Python program shares
    assert "setcap" not in res.stderr and os.path.realpath(PY) not in res.stderr


@needs_root
def test_bad_filter_and_missing_device_are_one_line_errors(netns: str) -> None:
    for args, words in ((["-i", "lo", "tcp", "prt", "80"], "capture filter"),
                        (["-i", "nosuchdev0", "-q"], "no such device")):  # fmt: skip
        res = subprocess.run(nsexec(netns, *LAYERSCOPE, *args), capture_output=True, text=True,
                             timeout=30, env=ENV)  # fmt: skip
        assert res.returncode != 0 and words in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr


@needs_root
def test_list_interfaces_names_state_addresses_link_type(pair: Pair) -> None:
    res = subprocess.run(nsexec(pair.b, *LAYERSCOPE, "-D"), capture_output=True, text=True,
                         timeout=30, env=ENV)  # fmt: skip
    lines = res.stdout.splitlines()
    veth = next(line for line in lines if pair.dev_b in line)
    assert "up" in veth and f"{pair.ip_b}/24" in veth and "ETHERNET (1)" in veth
    assert any(line.split(".", 1)[1].startswith("lo ") and "127.0.0.1/8" in line for line in lines)
    assert "LINUX_SLL2 (276)" in lines[-1] and ".any" in lines[-1]


EVIL = "\x1b]0;pwn\x07"  # sets the terminal title when printed raw


@needs_root
def test_interface_names_and_paths_are_printed_escaped(netns: str, tmp_path: Path) -> None:
    sh(*nsexec(netns, "ip", "link", "add", EVIL, "type", "veth", "peer", "name", "lsevil1"))
    sh(*nsexec(netns, "ip", "link", "set", EVIL, "up"))
    listed = subprocess.run(nsexec(netns, *LAYERSCOPE, "-D"), capture_output=True, text=True,
                            timeout=30, env=ENV)  # fmt: skip
    assert "\x1b" not in listed.stdout and "\x07" not in listed.stdout
    assert "\\x1b]0;pwn\\x07" in listed.stdout  # shown, as an escape
    out = tmp_path / f"capture{EVIL}.pcapng"
    cli = Cli(netns, "-i", EVIL, "-w", str(out), "-q")
    _, err, status = cli.finish()
    assert status == 0 and out.exists(), err
    assert "\x1b" not in cli.first + err and "\x07" not in cli.first + err
    assert cli.first.count("\\x1b]0;pwn\\x07") == 2  # the interface and the file name


@needs_root
def test_write_dash_streams_the_capture_to_stdout(netns: str) -> None:
    cmd = nsexec(netns, *LAYERSCOPE, "-i", "lo", "-w", "-", f"udp port {UDP_PORT}")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV,
                            cwd=tempfile.gettempdir())  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stderr.readline() if select.select([proc.stderr], [], [], 15)[0] else b""
    assert b"listening on lo" in first and b"writing to stdout" in first, first
    send(netns, "127.0.0.1", 3)
    streamed = b""
    for _ in range(300):  # bounded: the three packets arrive while the capture runs
        if select.select([proc.stdout], [], [], 0.05)[0]:
            streamed += os.read(proc.stdout.fileno(), 65536)
        if streamed and len(open_capture(streamed).index_all()) == 3:
            break
    os.kill(proc.pid, signal.SIGINT)
    rest, err = proc.communicate(timeout=30)
    idx = open_capture(streamed + rest).index_all()
    assert proc.returncode == 0, err
    assert udp_numbers([decode(r.data, r.linktype) for r in idx]) == [0, 1, 2]
    assert idx.warnings == [] and idx.indexed_bytes == len(streamed + rest)  # nothing else
    assert closing(err.decode())[0] == 3


def test_write_dash_refuses_a_terminal_and_printing() -> None:
    primary, secondary = os.openpty()
    try:
        res = subprocess.run([*LAYERSCOPE, "-i", "nosuchdev0", "-w", "-"], stdout=secondary,
                             stderr=subprocess.PIPE, text=True, timeout=30, env=ENV, cwd="/")  # fmt: skip
    finally:
        os.close(primary)
        os.close(secondary)
    assert res.returncode == 2 and res.stderr.count("\n") == 1
    assert "terminal" in res.stderr
    res = subprocess.run([*LAYERSCOPE, "-i", "nosuchdev0", "-w", "-", "-V"], capture_output=True,
                         timeout=30, env=ENV, cwd="/")  # fmt: skip
    assert res.returncode == 2 and res.stdout == b"" and b"cannot be printed" in res.stderr


def test_capture_process_accepts_capture_options_only() -> None:
    """Who to become is never an argument, under any spelling argparse would accept."""
    for extra in (["--uid", "0"], ["--uid=0"], ["--ui", "0"], ["--groups", "0"], ["-h"]):
        with pytest.raises(live.CaptureFailure) as failure:
            live.build_parser().parse_args(["-i", "lo", "-w", "/x", *extra])
        assert failure.value.kind == "usage"


# -- no privilege needed -------------------------------------------------------------------------
def test_capture_process_imports_no_dissector_and_no_textual() -> None:
    code = ("import sys, dissect.readers.live; bad = [m for m in sys.modules if m.startswith("
            "('textual', 'rich', 'dissect.protocol', 'dissect.engine', 'scapy'))]; print(bad)")  # fmt: skip
    res = subprocess.run([PY, "-c", code], capture_output=True, text=True, env=ENV, timeout=30)
    assert res.stdout.strip() == "[]", res.stdout + res.stderr


def test_trailing_words_are_the_capture_filter() -> None:
    p = build_parser()
    args = finish_args(
        p, p.parse_args(["-i", "lo", "tcp", "port", "80", "-c", "3", "-w", "x.pcap"])
    )
    assert args.capture_filter == "tcp port 80" and args.file is None and args.count == 3
    opts = live_options(args)
    assert (opts.interface, opts.filter, opts.count, opts.format) == (
        "lo",
        "tcp port 80",
        3,
        "pcap",
    )
    assert (
        live_options(finish_args(p, p.parse_args(["-i", "any", "-F", "pcapng"]))).format == "pcapng"
    )
    with pytest.raises(SystemExit):
        finish_args(p, p.parse_args(["x.pcap", "extra"]))
    with pytest.raises(SystemExit):
        finish_args(p, p.parse_args(["-i", "lo", "-f", "udp", "tcp"]))


def test_interface_list_always_ends_with_any() -> None:
    infos = list_interfaces()
    assert infos[-1].name == "any" and infos[-1].linktype == 276
    assert any(i.name == "lo" and "127.0.0.1/8" in i.addresses for i in infos)
    assert len(interface_lines(infos)) == len(infos)


class FakeHandle:
    """next_batch/stats as pcapy-ng gives them: libpcap's counters are cumulative."""

    def __init__(self, frames: list[bytes]) -> None:
        self.frames, self.reads = frames, 0

    def next_batch(self, n: int) -> tuple[bytes, bytes]:
        batch, self.frames = self.frames[:n], self.frames[n:]
        meta, off = b"", 0
        for i, f in enumerate(batch):
            meta += struct.pack("IIII", 1_700_000_000, i, off, len(f))
            off += len(f)
        return b"".join(batch), meta

    def stats(self) -> tuple[int, int, int]:
        self.reads += 1
        return 10 * self.reads, 3 * self.reads, 0


@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
def test_sink_writes_whole_records_cut_to_snaplen(tmp_path: Path, fmt: str) -> None:
    frames = [bytes(range(40)) + bytes([i]) * i for i in range(1, 9)]
    path = tmp_path / f"s.{fmt}"
    with open(path, "wb") as fh:
        sink = live.RecordSink(fh, fmt, 1, 44, "eth0")
        cap = live.Capture(
            FakeHandle(frames), sink, live.Control(os.open(os.devnull, os.O_WRONLY)), 5
        )
        while cap.read_batch():
            pass
        cap.update_stats()
        cap.update_stats()
    idx = open_capture(str(path)).index_all()
    assert cap.counters.captured == len(idx) == 5 and idx.warnings == []  # -c 5
    assert [idx.wirelen(i) for i in range(5)] == [len(f) for f in frames[:5]]
    assert [idx.caplen(i) for i in range(5)] == [min(len(f), 44) for f in frames[:5]]
    assert idx.time_ns(2) == 1_700_000_000 * 10**9 + 2000
    assert (cap.counters.received, cap.counters.dropped) == (20, 6)  # taken as given, not re-summed


def test_capture_filter_is_compiled_only_after_the_drop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """libpcap's filter compiler parses the dissector's text: never as root."""
    calls: list[str] = []

    class Handle(FakeHandle):
        def setfilter(self, text: str) -> None:
            calls.append(f"setfilter {text}")

        def setnonblock(self, on: int) -> None:
            pass

        def datalink(self) -> int:
            return 1

        def getfd(self) -> int:
            return -1

    monkeypatch.setattr(live, "open_handle", lambda *a: calls.append("open") or Handle([]))
    monkeypatch.setattr(live, "drop_privileges", lambda *a, **k: calls.append("drop"))
    args = live.build_parser().parse_args(["-i", "lo", "-w", str(tmp_path / "x"), "-f", "udp"])
    handlers = {
        sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    try:
        capture, _ = live.start(args, live.Control(os.open(os.devnull, os.O_WRONLY)), None)
        capture.sink.out.close()
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert calls == ["open", "drop", "setfilter udp"]


def test_linux_cooked_v1_becomes_v2(tmp_path: Path) -> None:
    sll = struct.pack(">HHH8sH", 4, 1, 6, bytes.fromhex("02fc00000001") + b"\0\0", 0x0800)
    frame = sll + bytes.fromhex("4500001c000100004011f9d90a0000010a000002") + bytes(8)
    path = tmp_path / "any.pcapng"
    with open(path, "wb") as fh:
        sink = live.RecordSink(fh, "pcapng", live.DLT_LINUX_SLL, 262144, "any")
        sink.write(frame, struct.pack("IIII", 1, 0, 0, len(frame)), 10)
    rec = open_capture(str(path)).index_all().record(0)
    pkt = decode(rec.data, rec.linktype)
    assert rec.linktype == 276 and rec.wirelen == len(frame) + 4
    assert (pkt.value("sll.pkttype"), pkt.value("sll.etype"), pkt.value("ip.dst")) == (
        4,
        0x0800,
        "10.0.0.2",
    )


def test_index_follows_a_growing_file(tmp_path: Path) -> None:
    from dissect.readers.writer import PcapngWriter

    path = tmp_path / "grow.pcapng"
    with open(path, "wb") as fh:
        w = PcapngWriter(fh)
        w.add_interface(1)
        w.flush()
        idx = open_capture(str(path)).index_all()
        assert len(idx) == 0 and not idx.refresh()
        w.write(b"a" * 60, 10**18)
        w.flush()
        fh.write(b"\x06\0\0\0")  # half a block: the writer is mid-record
        fh.flush()
        assert idx.refresh() and len(idx.index_all()) == 1 and len(idx.warnings) == 1
        fh.truncate(idx.indexed_bytes)
        fh.seek(idx.indexed_bytes)
        for i in range(3):
            w.write(b"b" * 61, 10**18 + i)
        w.flush()
        assert idx.refresh() and len(idx.index_all()) == 4
        assert idx.warnings == [] and idx.record(3).data == b"b" * 61
        assert idx.indexed_bytes == path.stat().st_size
