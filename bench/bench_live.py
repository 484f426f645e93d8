"""Live capture on loopback: captured / sent and kernel drops, layerscope beside tcpdump.

    sudo .venv/bin/python bench/bench_live.py [--seconds 2] [--rates 50000,100000,...]

Bursts of UDP datagrams at rising rates (each burst at most 5 s), captured with a BPF
filter on their port by `layerscope -i lo -q -w FILE` and, when installed, by
`tcpdump -i lo -B 32768 -w FILE`. Prints a table; asserts nothing (speed is not a test).
"""

from __future__ import annotations

import argparse
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 40999
MAX_SECONDS = 5.0
SENDER = r"""
import socket, sys, time
rate, seconds, port = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sink.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
sink.bind(("127.0.0.1", port))  # a bound port: no ICMP port-unreachable per datagram
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
payload, dst, sent = b"x" * 64, ("127.0.0.1", port), 0
start = time.perf_counter()
end = start + seconds
while True:
    now = time.perf_counter()
    if now >= end:
        break
    if rate and sent > (now - start) * rate:
        time.sleep(0.0005)
        continue
    for _ in range(64):
        s.sendto(payload, dst)
    sent += 64
print(sent, time.perf_counter() - start)
"""


def send(rate: float, seconds: float, senders: int) -> tuple[int, float]:
    """Send for `seconds` at `rate` pps in total (0 = as fast as possible); (sent, pps)."""
    per = rate / senders if rate else 0
    procs = [subprocess.Popen([sys.executable, "-c", SENDER, str(per), str(seconds), str(PORT)],
                              stdout=subprocess.PIPE, text=True) for _ in range(senders)]  # fmt: skip
    sent, elapsed = 0, 0.0
    for p in procs:
        out, _ = p.communicate(timeout=seconds + 30)
        n, t = out.split()
        sent, elapsed = sent + int(n), max(elapsed, float(t))
    return sent, sent / elapsed if elapsed else 0.0


def start(cmd: list[str], ready: str) -> subprocess.Popen[str]:
    """Start a capturer and wait (bounded) for its 'listening on' line on stderr."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        r, _, _ = select.select([proc.stderr], [], [], 0.5)
        if r and ready in proc.stderr.readline():
            return proc
    proc.kill()
    raise SystemExit(f"{cmd[0]} did not start: {proc.communicate(timeout=5)[1]}")


def finish(proc: subprocess.Popen[str]) -> tuple[int, int]:
    """SIGINT (by PID), then (captured, dropped by kernel) from the closing lines."""
    time.sleep(0.3)  # the last ring block is handed over
    os.kill(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate(timeout=5)
    got = [re.search(rf"(\d+) packets? {w}", err) for w in ("captured", "dropped by kernel")]
    return (int(got[0].group(1)) if got[0] else -1, int(got[1].group(1)) if got[1] else -1)


def run_one(tool: str, rate: float, seconds: float, senders: int, tmp: str, mib: int) -> tuple:
    out = os.path.join(tmp, f"{tool}.pcap")
    bpf = ["udp", "port", str(PORT)]
    if tool == "layerscope":
        cmd = [sys.executable, "-m", "tui.main", "-i", "lo", "-q", "-B", str(mib), "-w", out, *bpf]
        proc = start(cmd, "listening on")
    else:
        proc = start(
            ["tcpdump", "-i", "lo", "-B", str(mib * 1024), "-w", out, *bpf], "listening on"
        )
    sent, pps = send(rate, seconds, senders)
    captured, dropped = finish(proc)
    return sent, pps, captured, dropped


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=2.0, help="per burst (at most 5)")
    p.add_argument("--rates", default="25000,50000,100000,150000,200000,0,0:1",
                   help="packets/s, comma-separated; 0 = as fast as the senders go; "
                        "RATE:MiB sets the kernel buffer (default 32; 1 MiB forces overload)")  # fmt: skip
    args = p.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("bench_live: live capture needs root (sudo)")
    os.environ["PYTHONPATH"] = str(ROOT)
    seconds = min(args.seconds, MAX_SECONDS)
    tools = ["layerscope"] + (["tcpdump"] if shutil.which("tcpdump") else [])
    head = f"{'target pps':>10} {'sent':>9} {'sent pps':>9}"
    head += "".join(f" | {t + ' captured/sent':>26} {'drops':>7}" for t in tools)
    print(f"loopback UDP bursts of {seconds:g} s, BPF 'udp port {PORT}', {os.cpu_count()} CPUs")
    print(head)
    with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp:
        for spec in args.rates.split(","):
            rate, _, mib_text = spec.partition(":")
            rate_pps, mib = float(rate), int(mib_text or 32)
            senders = 1 if rate_pps and rate_pps <= 150_000 else 2
            label = (str(int(rate_pps)) if rate_pps else "max") + (f" B{mib}" if mib != 32 else "")
            row = f"{label:>10}"
            for i, tool in enumerate(tools):
                sent, pps, captured, dropped = run_one(tool, rate_pps, seconds, senders, tmp, mib)
                if i == 0:
                    row += f" {sent:>9} {pps:>9.0f}"
                share = f"{captured}/{sent} ({100 * captured / sent:.1f}%)" if sent else "-"
                row += f" | {share:>26} {dropped:>7}"
            print(row, flush=True)
    print("(each tool sees its own burst; 'sent' is layerscope's; tcpdump's share is of its own)")


if __name__ == "__main__":
    main()
