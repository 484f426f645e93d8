#!/usr/bin/env python3
"""Mutation fuzzer: real packets, mutated, through the whole decode path.

    bench/fuzz.py [--count N] [--seconds S] [--workers W] [--seed S] [--json OUT]
    bench/fuzz.py filters [...]     display filters instead (bench/fuzz_filter.py)
    bench/fuzz.py conversations [...]  whole conversations mutated (bench/fuzz_streams.py)

Seeds are every record of captures/*.pcap* and tests/data/**/*.pcap* (and --extra
captures). Each input is a seed with 1-4 mutations: bit flips, truncation, length-field
corruption at the offsets the seed's own decoding names (`*.len`, `*.length`, counts,
header lengths, pointers), byte insertion and deletion, interesting values, splices from
another seed, and now and then another link type or wire length.

Per input, timed (thread CPU time, so a busy machine does not inflate it): decode
(strict=False), summarize, tree_text (with spans), packet_dict + json.dumps, hex_text.
Then an untimed strict=True decode catches decoder bugs the driver would have turned
into an `error` issue. Counted: uncaught exceptions in the timed path (the target: 0),
strict-mode exceptions (decoder bugs), control characters in text views; per-packet
time max / p50 / p99. Failures are saved under bench/out/fuzz/ as replayable hex.
Not a test: a long run (`nohup bench/fuzz.py --seconds 3600 &`) and figures.
Atheris is not used: it does not build here (no libFuzzer); the mutator is our own.

    bench/fuzz.py --files N [--seed S]

feeds whole captures that change while they are read instead (issue 12): each trial
writes a capture of seed packets (pcap or pcapng, a few MB), reads it in random steps --
index batches, records, row ranges, the filter scanner's spans, refreshes as a live
capture is followed -- and part way truncates it, rewrites it with other bytes (as `cp`
does), appends garbage, empties and refills it, or replaces it (a new inode). Every
trial runs in a forked child: a signal death (SIGBUS from a mapped page) is counted, as
is any exception but the reader's one-line CaptureError. One trial in ten runs the CLI
(sequential or parallel) on a changing file instead: exit 0 or 2, every stderr line a
layerscope line, no signal. A failing trial is replayed by its seed (--files 1 --seed S).
"""

from __future__ import annotations

import argparse
import gc
import glob
import json
import multiprocessing as mp
import os
import random
import re
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dissect import protocols  # noqa: E402,F401  (registers every protocol)
from dissect.engine import LINKTYPES, decode  # noqa: E402
from dissect.index import CaptureError, open_capture  # noqa: E402
from dissect.output import hex_text, packet_dict, summarize, summary_line, tree_text  # noqa: E402

OUT = ROOT / "bench" / "out" / "fuzz"
BUCKET_US = 10  # histogram resolution
BUCKETS = 20_000  # up to 200 ms; slower lands in the last bucket (max is kept exactly)
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
LENGTHISH = re.compile(r"(len|length|count|size|hdr_len|offset|ptr|pointer|ihl|plen|nxt)\b")
INTERESTING = (0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE, 0x3F, 0x40, 0xC0)
LINKTYPE_CHOICES = sorted(set(LINKTYPES) | {0, 1, 101, 108, 113, 228, 229, 276, 147})
REPORT_EVERY = 5000  # packets between a worker's progress reports


@dataclass(slots=True)
class Seed:
    data: bytes
    linktype: int
    wirelen: int
    lengths: list[tuple[int, int]]  # (pos, width) of length-like fields
    fields: list[int]  # start offsets of every field (header boundaries)


def load_seeds(extra: list[str]) -> list[Seed]:
    """Every record of the sample captures, with the spans of its length-like fields."""
    pats = ["captures/*.pcap*", "tests/data/**/*.pcap*", *extra]
    paths = sorted({p for pat in pats for p in glob.glob(str(ROOT / pat), recursive=True)})
    seeds: list[Seed] = []
    for path in paths:
        if path.endswith(".json"):
            continue
        try:
            with open_capture(path) as idx:
                for rec in idx:
                    seeds.append(seed_of(rec.data, rec.linktype, rec.wirelen))
        except CaptureError:
            continue
    return seeds


def seed_of(data: bytes, linktype: int, wirelen: int) -> Seed:
    pkt = decode(data, linktype, wirelen=wirelen)
    lengths, starts = [], set()
    for layer in pkt.layers[1:]:
        starts.add(layer.pos)
        for f in layer.walk():
            if f.len and not f.generated:
                starts.add(f.pos)
                if f.len <= 4 and LENGTHISH.search(f.name):
                    lengths.append((f.pos, f.len))
    return Seed(data, linktype, wirelen, lengths, sorted(starts))


# -- mutations ---------------------------------------------------------------------------
def m_bitflip(rng: random.Random, b: bytearray, s: Seed) -> None:
    for _ in range(rng.choice((1, 1, 2, 3, 8))):
        if b:
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)


def m_truncate(rng: random.Random, b: bytearray, s: Seed) -> None:
    cut = rng.choice(s.fields) if s.fields and rng.random() < 0.5 else rng.randrange(len(b) + 1)
    del b[cut + rng.choice((0, 0, 1, 2, 3)) :]


def m_length(rng: random.Random, b: bytearray, s: Seed) -> None:
    """Rewrite a length-like field (or any field start) with a lie."""
    if s.lengths:
        pos, width = rng.choice(s.lengths)
    elif b:
        pos, width = rng.randrange(len(b)), rng.choice((1, 2))
    else:
        return
    if pos + width > len(b):
        return
    old = int.from_bytes(b[pos : pos + width], "big")
    top = (1 << (8 * width)) - 1
    new = rng.choice((0, 1, top, top >> 1, old + 1, old - 1, old * 2, rng.randint(0, top)))
    b[pos : pos + width] = (new & top).to_bytes(width, "big")


def m_insert(rng: random.Random, b: bytearray, s: Seed) -> None:
    at = rng.choice(s.fields) if s.fields and rng.random() < 0.5 else rng.randrange(len(b) + 1)
    n = rng.choice((1, 2, 4, 8, 16, rng.randint(1, 300)))
    filler = rng.choice((bytes([rng.randrange(256)]) * n, rng.randbytes(n), b[at : at + n]))
    b[at:at] = filler


def m_delete(rng: random.Random, b: bytearray, s: Seed) -> None:
    if b:
        at = rng.randrange(len(b))
        del b[at : at + rng.choice((1, 2, 4, 8, rng.randint(1, 64)))]


def m_interesting(rng: random.Random, b: bytearray, s: Seed) -> None:
    if b:
        at = rng.choice(s.fields) if s.fields and rng.random() < 0.5 else rng.randrange(len(b))
        for k in range(rng.choice((1, 2, 4))):
            if at + k < len(b):
                b[at + k] = rng.choice(INTERESTING)


MUTATORS = (m_bitflip, m_truncate, m_length, m_insert, m_delete, m_interesting)
WEIGHTS = (30, 12, 25, 10, 10, 13)


def mutate(rng: random.Random, seeds: list[Seed]) -> tuple[bytes, int, int]:
    """(frame, linktype, wirelen) of one mutated input."""
    s = rng.choice(seeds)
    b = bytearray(s.data)
    for mut in rng.choices(MUTATORS, WEIGHTS, k=rng.choice((1, 1, 2, 2, 3, 4))):
        mut(rng, b, s)
    if rng.random() < 0.03:  # splice: another seed's tail after a cut
        other = rng.choice(seeds).data
        b[rng.randrange(len(b) + 1) :] = other[rng.randrange(len(other) + 1) :]
    linktype = rng.choice(LINKTYPE_CHOICES) if rng.random() < 0.02 else s.linktype
    r = rng.random()
    wirelen = len(b) if r < 0.6 else max(len(b), s.wirelen) if r < 0.9 else len(b) + 70000
    return bytes(b), linktype, wirelen


# -- running one input ------------------------------------------------------------------
def whole_path(data: bytes, linktype: int, wirelen: int) -> None:
    """Everything a user can ask of a packet; raises only on a bug."""
    pkt = decode(data, linktype, wirelen=wirelen)
    texts = [summary_line(summarize(pkt)), tree_text(pkt, spans=True), hex_text(pkt.data)]
    json.dumps(packet_dict(pkt, with_bytes=True), ensure_ascii=True)
    for text in texts:
        if CONTROL.search(text):
            raise ValueError(f"control character in a text view: {text[:200]!r}")


@dataclass
class Stats:
    packets: int = 0
    uncaught: int = 0
    strict: int = 0
    hist: list[int] = field(default_factory=lambda: [0] * BUCKETS)
    max_ns: int = 0
    max_input: str = ""
    failures: Counter = field(default_factory=Counter)  # "kind: where: exc" -> count

    def merge(self, other: Stats) -> None:
        self.packets += other.packets
        self.uncaught += other.uncaught
        self.strict += other.strict
        self.hist = [a + b for a, b in zip(self.hist, other.hist, strict=True)]
        if other.max_ns > self.max_ns:
            self.max_ns, self.max_input = other.max_ns, other.max_input
        self.failures.update(other.failures)


def where(exc: BaseException) -> str:
    """file:line of the innermost frame in our code."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if str(ROOT) in f.filename]
    f = frames[-1] if frames else traceback.extract_tb(exc.__traceback__)[-1]
    return f"{os.path.relpath(f.filename, ROOT)}:{f.lineno}"


def record_failure(stats: Stats, kind: str, exc: Exception, inp: tuple[bytes, int, int]) -> None:
    key = f"{kind}: {where(exc)}: {type(exc).__name__}: {str(exc)[:120]}"
    stats.failures[key] += 1
    if stats.failures[key] == 1:  # keep the first input of each kind, replayable
        OUT.mkdir(parents=True, exist_ok=True)
        name = f"{kind}-{abs(hash(key)) % 10**8:08d}.json"
        doc = {"key": key, "hex": inp[0].hex(), "linktype": inp[1], "wirelen": inp[2]}
        (OUT / name).write_text(json.dumps(doc) + "\n")


def run_one(stats: Stats, inp: tuple[bytes, int, int]) -> None:
    data, linktype, wirelen = inp
    t0 = time.thread_time_ns()
    try:
        whole_path(data, linktype, wirelen)
    except Exception as exc:  # the target is zero of these
        stats.uncaught += 1
        record_failure(stats, "uncaught", exc, inp)
    dt = time.thread_time_ns() - t0
    stats.packets += 1
    stats.hist[min(dt // (BUCKET_US * 1000), BUCKETS - 1)] += 1
    if dt > stats.max_ns:
        stats.max_ns, stats.max_input = dt, json.dumps([data.hex(), linktype, wirelen])
    try:
        decode(data, linktype, wirelen=wirelen, strict=True)
    except Exception as exc:
        stats.strict += 1
        record_failure(stats, "strict", exc, inp)


def worker(wid: int, args: argparse.Namespace, seeds: list[Seed], queue: Any) -> None:
    gc.freeze()  # the seeds are long-lived: keep full collections from walking them
    rng = random.Random(args.seed * 1000 + wid)
    quota = args.count // args.workers + (wid < args.count % args.workers)
    deadline = time.monotonic() + args.seconds if args.seconds else float("inf")
    stats, done = Stats(), 0
    while done < quota and time.monotonic() < deadline:
        run_one(stats, mutate(rng, seeds))
        done += 1
        if stats.packets >= REPORT_EVERY:
            queue.put(stats)
            stats = Stats()
    queue.put(stats)
    queue.put(None)


# -- report ---------------------------------------------------------------------------
def percentile(hist: list[int], total: int, q: float) -> float:
    """Upper edge (ms) of the bucket holding the q-quantile."""
    goal, seen = q * total, 0
    for i, n in enumerate(hist):
        seen += n
        if seen >= goal:
            return (i + 1) * BUCKET_US / 1000
    return BUCKETS * BUCKET_US / 1000


def retime(max_input: str, runs: int = 5) -> float:
    """The slowest input again, best of `runs` (ms): its own cost without scheduler noise."""
    if not max_input:
        return 0.0
    hexdata, linktype, wirelen = json.loads(max_input)
    data, best = bytes.fromhex(hexdata), float("inf")
    for _ in range(runs):
        t0 = time.thread_time_ns()
        whole_path(data, linktype, wirelen)
        best = min(best, time.thread_time_ns() - t0)
    return best / 1e6


def summary(stats: Stats, elapsed: float, final: bool) -> dict[str, Any]:
    n = max(stats.packets, 1)
    doc = {
        "packets": stats.packets,
        "seconds": round(elapsed, 1),
        "rate": round(stats.packets / max(elapsed, 1e-9)),
        "uncaught_exceptions": stats.uncaught,
        "strict_exceptions": stats.strict,
        "max_ms": round(stats.max_ns / 1e6, 3),
        "p50_ms": percentile(stats.hist, n, 0.50),
        "p99_ms": percentile(stats.hist, n, 0.99),
        "p999_ms": percentile(stats.hist, n, 0.999),
        "over_50ms": sum(stats.hist[50_000 // BUCKET_US :]),
        "over_2ms": sum(stats.hist[2_000 // BUCKET_US :]),
    }
    if final:
        doc["max_input"] = stats.max_input
        doc["max_retimed_ms"] = round(retime(stats.max_input), 3)
        doc["failures"] = dict(stats.failures.most_common())
    return doc


def progress_line(doc: dict[str, Any]) -> str:
    return (
        f"{doc['packets']:>11,} packets  {doc['seconds']:>7.0f} s  {doc['rate']:>6,}/s  "
        f"uncaught {doc['uncaught_exceptions']}  strict {doc['strict_exceptions']}  "
        f"max {doc['max_ms']:.2f} ms  p50 {doc['p50_ms']:.2f}  p99 {doc['p99_ms']:.2f}"
    )


# -- whole files that change while they are read ---------------------------------------
SCRIPT = Path(sys.executable).parent / "layerscope"
CHANGES = ("shrink", "rewrite", "append", "refill", "replace")


def write_capture(rng: random.Random, path: Path, seeds: list[Seed]) -> None:
    """A capture of 5,000-40,000 seed packets, pcap or pcapng."""
    from dissect.readers.writer import PcapngWriter, PcapWriter

    count, t = rng.randint(5_000, 40_000), 1_700_000_000 * 10**9
    if rng.random() < 0.5:
        with PcapWriter(path, 1) as w:
            for n in range(count):
                w.write(rng.choice(seeds).data, t + n * 1000)
        return
    with PcapngWriter(path) as w:
        eth = w.add_interface(1, 262144)
        for n in range(count):
            note = "c" * rng.randint(1, 300) if rng.random() < 0.01 else None
            w.write(rng.choice(seeds).data, t + n * 1000, interface=eth, comment=note)


def change(rng: random.Random, path: Path, seeds: list[Seed]) -> str:
    """Change the file under the reader; returns what was done."""
    kind, size = rng.choice(CHANGES), path.stat().st_size
    if kind == "shrink":
        os.truncate(path, rng.randrange(size + 1))
    elif kind == "rewrite":  # `cp other x.pcap`: cut to nothing, then other bytes
        with open(path, "wb") as fh:
            fh.write(rng.randbytes(rng.randrange(size + 1)))
    elif kind == "append":
        with open(path, "ab") as fh:
            fh.write(rng.randbytes(rng.randint(1, 100_000)))
    elif kind == "refill":
        os.truncate(path, 0)
        write_capture(rng, path, seeds)
    else:
        other = path.with_suffix(".new")
        write_capture(rng, other, seeds)
        os.replace(other, path)
    return kind


def read_step(rng: random.Random, idx: Any) -> None:
    """One random thing a reader does; CaptureError is the only allowed failure."""
    from dissect.index import CaptureError

    n, op = len(idx), rng.random()
    try:
        if op < 0.35 or not n:
            idx.index_more(rng.choice((1, 7, 1000, 65536)))
        elif op < 0.55:
            idx.record(rng.randrange(n))
        elif op < 0.75:
            a = rng.randrange(n)
            for _row in idx.rows(a, a + rng.randint(1, 3000)):
                pass
        elif op < 0.9:
            a = rng.randrange(n)
            for a_, b_ in idx.spans(a, min(n, a + rng.randint(1, 5000)), 1 << 20):
                idx.span(a_, b_)
        else:
            idx.refresh()
    except CaptureError:
        pass


def file_trial(seed: int, seeds: list[Seed], tmp: Path) -> str | None:
    """One changing-file trial in this process; returns a failure, or None."""
    rng = random.Random(seed)
    path = tmp / f"trial-{seed}.cap"
    write_capture(rng, path, seeds)
    with open_capture(path) as idx:
        steps, at = rng.randint(20, 120), rng.randint(0, 40)
        for step in range(steps):
            if step == at:
                change(rng, path, seeds)
            read_step(rng, idx)
        idx.index_all()
        try:
            for rec in idx.records(0, 100):
                decode(rec.data, rec.linktype, wirelen=rec.wirelen)
        except CaptureError:  # the one-line error that ends the CLI's read
            pass
    return None


def cli_trial(seed: int, seeds: list[Seed], tmp: Path) -> str | None:
    """The CLI on a file changed while it prints: exit 0 or 2, layerscope lines only."""
    import subprocess

    rng = random.Random(seed)
    path = tmp / f"trial-{seed}.cap"
    write_capture(rng, path, seeds)
    argv = [str(SCRIPT), "-r", str(path), *rng.choice(([], ["-Y", "tcp"], ["-q"], ["-V"]))]
    env = {**os.environ, "LAYERSCOPE_WORKERS": rng.choice(("1", "2"))}
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(rng.randint(0, 200_000))  # it prints; the unread pipe holds it there
    change(rng, path, seeds)
    proc.stdout.read()
    err = proc.stderr.read().decode("utf-8", "replace").splitlines()
    rc = proc.wait(120)
    if rc not in (0, 2) or any(not line.startswith("layerscope: ") for line in err):
        return f"cli {' '.join(argv[1:])}: exit {rc}: {err[:3]}"
    return None


def run_file_trials(args: argparse.Namespace) -> int:
    """--files N: N trials, each in a forked child (a signal death is seen as one)."""
    import tempfile

    seeds = load_seeds(args.extra)
    deaths, failures = 0, Counter()
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.files):
            seed = args.seed * 100_000 + k
            trial = cli_trial if k % 10 == 9 else file_trial
            failure = in_child(trial, seed, seeds, Path(tmp))
            if failure is not None:
                deaths += failure.startswith("killed by signal")
                failures[f"{failure} (seed {seed})"] += 1
    print(json.dumps({"trials": args.files, "signal_deaths": deaths,
                      "failures": dict(failures)}, indent=1))  # fmt: skip
    return 1 if failures else 0


def in_child(trial: Any, seed: int, seeds: list[Seed], tmp: Path) -> str | None:
    """trial(seed, ...) in a forked child; its failure, or how it died."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            failure = trial(seed, seeds, tmp) or ""
        except Exception as exc:  # the target is zero of these
            failure = f"{where(exc)}: {type(exc).__name__}: {str(exc)[:200]}"
        os.write(w, failure.encode())
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        failure = fh.read().decode()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return failure or None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=10_000_000, help="mutated packets in all")
    ap.add_argument("--seconds", type=float, default=0, help="stop after this long (0 = no limit)")
    ap.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (same seed, same inputs)")
    ap.add_argument("--extra", action="append", default=[], help="more capture globs for seeds")
    ap.add_argument("--json", help="write the final figures here")
    ap.add_argument("--every", type=float, default=30, help="seconds between progress lines")
    ap.add_argument("--files", type=int, default=0, help="changing-file trials instead (N)")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.files:
        return run_file_trials(args)
    seeds = load_seeds(args.extra)
    print(f"{len(seeds)} seed packets; {args.workers} workers; count {args.count:,}", flush=True)
    queue: Any = mp.get_context("fork").Queue()
    procs = [
        mp.get_context("fork").Process(target=worker, args=(w, args, seeds, queue), daemon=True)
        for w in range(args.workers)
    ]
    for p in procs:
        p.start()
    total, running, start, last = Stats(), len(procs), time.monotonic(), time.monotonic()
    while running:
        part = queue.get()
        if part is None:
            running -= 1
            continue
        total.merge(part)
        if time.monotonic() - last >= args.every:
            last = time.monotonic()
            print(progress_line(summary(total, last - start, False)), flush=True)
    for p in procs:
        p.join()
    doc = summary(total, time.monotonic() - start, True)
    print(progress_line(doc))
    print(json.dumps({k: v for k, v in doc.items() if k != "max_input"}, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=1) + "\n")
    return 1 if total.uncaught else 0


def replay(path: str) -> None:
    """Re-run a saved failure with its traceback (bench/fuzz.py --replay FILE)."""
    doc = json.loads(Path(path).read_text())
    data = bytes.fromhex(doc["hex"])
    decode(data, doc["linktype"], wirelen=doc["wirelen"], strict=True)
    whole_path(data, doc["linktype"], doc["wirelen"])
    print("no exception:", doc["key"])


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "filters":  # display filters: bench/fuzz_filter.py
        from fuzz_filter import main as fuzz_filters

        sys.exit(fuzz_filters(sys.argv[2:]))
    if len(sys.argv) > 1 and sys.argv[1] == "conversations":  # bench/fuzz_streams.py
        from fuzz_streams import main as fuzz_conversations

        sys.exit(fuzz_conversations(sys.argv[2:]))
    if len(sys.argv) == 3 and sys.argv[1] == "--replay":
        replay(sys.argv[2])
        sys.exit(0)
    sys.exit(main())
