"""Console entry point: batch mode from dissect.cli, the TUI only when interactive."""

from __future__ import annotations

import sys

from dissect.cli import build_parser, guarded, run_batch, wants_batch


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if wants_batch(args, sys.stdout):
        return guarded(lambda: run_batch(args))
    if args.read == "-" or (args.read is None and args.file == "-"):
        args.stdin_bytes = sys.stdin.buffer.read()
    elif args.hex == "-":
        args.hex = sys.stdin.read()
    args.read = args.read or args.file
    try:
        from tui.app import run
    except ImportError:  # the TUI is optional for batch use; print instead
        return guarded(lambda: run_batch(args))
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
