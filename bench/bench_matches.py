#!/usr/bin/env python3
"""What `matches` costs: RE2, the bounded fallback and Python's backtracking `re`.

    bench/bench_matches.py [--packets N]

Per search (µs, thread CPU time) on field-sized texts, for ordinary patterns and for ones
that make a backtracking engine blow up (`re` is given a 24-character text there, not 40:
2**40 steps would not end); then a whole filter scan (packets/s) of a capture built from
captures/sample-netns.pcap repeated, where every HTTP and DNS packet is decoded and tested.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dissect import filter as filter_module  # noqa: E402
from dissect import regex  # noqa: E402
from dissect.fastfilter import Scanner  # noqa: E402
from dissect.filter import compile_filter  # noqa: E402
from dissect.index import open_capture  # noqa: E402
from dissect.readers.writer import PcapWriter  # noqa: E402

ORDINARY = [
    ("(?i)example", "www.example.com"),
    ("^/index\\.html?$", "/static/js/index.html"),
    ("\\d+\\.\\d+\\.\\d+", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"),
    ("(get|post|put)", "/api/v1/objects/12345?select=name,size"),
]
CATASTROPHIC = [("(a+)+$", "a" * 40 + "!"), ("^(\\w+\\s?)*$", "word " * 8 + "!")]
ENGINES = ("re2", "bounded", "re")


def python_re(pattern: str) -> regex.Search:
    rx = re.compile(pattern)
    return lambda text: rx.search(text) is not None


def searcher(engine: str, pattern: str) -> regex.Search:
    return python_re(pattern) if engine == "re" else regex.compile_search(pattern, engine)


def per_search_us(search: regex.Search, text: str, repeat: int) -> float:
    t = time.thread_time()
    for _ in range(repeat):
        search(text)
    return (time.thread_time() - t) / repeat * 1e6


def search_table() -> None:
    print(f"{'pattern':24} {'text':>5} " + " ".join(f"{e:>10}" for e in ENGINES) + "   (µs/search)")
    for pattern, text in ORDINARY + CATASTROPHIC:
        cells = []
        for engine in ENGINES:
            if engine == "re2" and regex.re2 is None:
                cells.append("-")
                continue
            sample = text
            if engine == "re" and (pattern, text) in CATASTROPHIC:
                sample = text[-25:]  # 2**24 steps: seconds already
            repeat = 1 if engine == "re" and sample != text else 2000
            us = per_search_us(searcher(engine, pattern), sample, repeat)
            cells.append(f"{us:,.1f}" + ("*" if sample != text else ""))
        print(f"{pattern:24} {len(text):5} " + " ".join(f"{c:>10}" for c in cells))
    print("* on the last 25 characters only")


def scan_rate(path: Path, engine: str) -> float:
    text = 'http.request.uri matches "(?i)INDEX" || dns.qry.name matches "example$"'
    patch = mock.patch.object(filter_module, "compile_search", lambda p: searcher(engine, p))
    with patch, open_capture(str(path)) as idx:
        idx.index_all()
        scanner = Scanner(compile_filter(text), idx)
        t = time.thread_time()
        for _ in scanner.chunk(0, len(idx)):
            pass
        return len(idx) / (time.thread_time() - t)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--packets", type=int, default=36_000)
    args = ap.parse_args()
    search_table()
    with open_capture(str(ROOT / "captures" / "sample-netns.pcap")) as src:
        frames = [r.data for r in src]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "repeated.pcap"
        with PcapWriter(str(path), 1) as w:
            for i in range(args.packets):
                w.write(frames[i % len(frames)], i * 1000)
        for engine in ENGINES:
            if engine != "re2" or regex.re2 is not None:
                print(f"filter scan, {engine:8} {scan_rate(path, engine):>10,.0f} packets/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
