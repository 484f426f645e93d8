"""Running layerscope and tshark side by side: one run's wall time, CPU time and memory.

Shared by the bench scripts that compare with tshark (bench_filter.py, bench_outputs.py).
Figures only, never assertions: the machine may be shared, so scripts print ranges over
alternating pairs rather than a best figure.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERSCOPE = [sys.executable, "-m", "tui.main"]
POLL = 0.001  # seconds between two looks at /proc/PID/status
TREE_POLLS = 20  # polls between two looks at the CPU of each process of the run's tree


@dataclass(frozen=True)
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and its children (workers)
    peak_anon: int  # peak RssAnon in bytes
    head: str  # the first bytes of its output
    # CPU seconds of the run less those of every worker but the busiest: what its wall time
    # would be on free cores (the parent's own work, then its workers side by side). On a
    # shared Linux machine the scheduler gives each session an equal share (autogroup), so
    # a run's workers together get no more CPU than a one-process program does: the wall
    # ratio then only repeats the CPU ratio. Workers' CPU is sampled (every TREE_POLLS).
    critical: float = 0.0


def rss_anon(pid: int) -> int:
    """The process's anonymous resident memory in bytes (0 once it has exited)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd: list[str], cwd: Path = ROOT) -> Run:
    """One run of cmd, its output to a file (a pipe nobody reads would stall it)."""
    with tempfile.TemporaryFile() as out:
        cpu0 = _children_cpu()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.DEVNULL)
        peak, polls = 0, 0
        workers: dict[int, float] = {}
        while proc.poll() is None:
            peak = max(peak, rss_anon(proc.pid))
            polls += 1
            if polls % TREE_POLLS == 0:
                tree_cpu(proc.pid, workers)
            time.sleep(POLL)
        wall = time.perf_counter() - start
        out.seek(0)
        cpu = _children_cpu() - cpu0
        head = out.read(200).decode(errors="replace")
        return Run(wall, cpu, peak, head, critical(cpu, workers))


def tree_cpu(pid: int, seen: dict[int, float], depth: int = 1) -> None:
    """The CPU seconds (user + system) so far of each process `depth` levels under pid (1:
    its children), by PID, into seen (Linux /proc; nothing where it is missing)."""
    tick = os.sysconf("SC_CLK_TCK")
    level = [pid]
    for k in range(depth + 1):
        below = []
        for p in level:
            try:
                if k == depth:
                    with open(f"/proc/{p}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    seen[p] = max(seen.get(p, 0.0), (int(fields[11]) + int(fields[12])) / tick)
                else:
                    with open(f"/proc/{p}/task/{p}/children") as f:
                        below += [int(c) for c in f.read().split()]
            except (OSError, IndexError, ValueError):
                continue
        level = below


def critical(cpu: float, workers: dict[int, float]) -> float:
    """A run's CPU seconds less those of every worker but the busiest (Run.critical)."""
    return cpu - sum(workers.values()) + max(workers.values()) if workers else cpu


def packets_in(path: Path) -> int:
    from dissect.index import open_capture

    with open_capture(str(path)) as idx:
        return len(idx.index_all())


def span(values: list[float], fmt: str) -> str:
    return f"{fmt.format(min(values))}-{fmt.format(max(values))}"


def mixed_capture(packets: int) -> Path:
    """bench/out/mixed-N.pcap, built once by bench_decode.py."""
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_decode

    path = ROOT / "bench" / "out" / f"mixed-{packets}.pcap"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        bench_decode.build(path, packets)
    return path


def describe(path: Path, n: int) -> str:
    return (
        f"capture: {path} ({os.path.getsize(path):,} bytes, {n:,} packets), {os.cpu_count()} CPUs"
    )
