#!/usr/bin/env python3
"""Write the full outputs of every test capture, to diff two builds byte for byte.

    tools/snapshot_outputs.py OUT_DIR [--layerscope PATH] [--extra CAPTURE ...] [--jobs N]
    diff -r BEFORE_DIR AFTER_DIR

For each capture under tests/data/ and captures/ (and each --extra one), OUT_DIR gets
NAME.summary (the list), NAME.V (`-V --spans`), NAME.Vplain (`-V`: the tree without spans
takes its own path) and NAME.json (`-T json`): stdout, then
stderr and the exit status, so a changed message or crash shows in the diff too.

Without --layerscope, this checkout's CLI runs in a child forked from this process for each
output (as a new process would, without importing everything again each time: a few times
faster); with it, that program runs (another build, an old checkout).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOPS = ("tests/data", "captures")
SUFFIXES = (".pcap", ".pcapng", ".cap")
OUTPUTS = {"summary": [], "V": ["-V", "--spans"], "Vplain": ["-V"], "json": ["-T", "json"]}


def captures() -> list[Path]:
    found = []
    for top in TOPS:
        found += [p for p in (ROOT / top).rglob("*") if p.is_file() and p.suffix in SUFFIXES]
    return sorted(found)


def snapshot(layerscope: str | None, capture: Path, out: Path) -> None:
    # named from the checkout's root: one made from another checkout compares by name
    inside = any(capture.resolve().is_relative_to(ROOT / top) for top in TOPS)
    stem = str(capture.resolve().relative_to(ROOT)) if inside else capture.name
    for suffix, flags in OUTPUTS.items():
        # relative to the root: an error message names the file as another checkout does
        argv = ["-r", stem if inside else str(capture), *flags]
        if layerscope is None:
            stdout, stderr, status = _forked(argv)
        else:
            done = subprocess.run(
                [layerscope, *argv], capture_output=True, timeout=900, check=False, cwd=ROOT
            )
            stdout, stderr, status = done.stdout, done.stderr, done.returncode
        with open(out / f"{stem.replace('/', '__')}.{suffix}", "wb") as f:
            f.write(stdout)
            f.write(b"\n--- stderr ---\n" + stderr + f"\n--- exit {status}\n".encode())


def _forked(argv: list[str]) -> tuple[bytes, bytes, int]:
    """The CLI's stdout, stderr and exit status for argv, run in a forked child."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:  # the child: never returns
            status = 70
            try:
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                from dissect.cli import main as cli_main

                status = cli_main(argv)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(status if isinstance(status, int) else 1)
        status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        out.seek(0)
        err.seek(0)
        return out.read(), err.read(), status


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--layerscope", help="run this program (default: this checkout, forked)")
    ap.add_argument("--extra", type=Path, nargs="*", default=[])
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    todo = [c.resolve() for c in (*captures(), *args.extra)]
    if args.layerscope is None:
        os.chdir(ROOT)
        sys.path.insert(0, str(ROOT))
        import dissect.cli  # noqa: F401  (imported once, before the children fork)
        from dissect.engine import _load

        _load()
        args.jobs = 1  # one child at a time: threads and fork do not mix
    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(lambda c: snapshot(args.layerscope, c, args.out), todo))
    print(f"{len(todo)} captures -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("LC_ALL", "C.UTF-8")
    sys.exit(main())
