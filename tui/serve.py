"""`layerscope --serve [--port N] [--host ADDR] [FILE]`: the same TUI in a web browser.

textual-serve (Textualize's own server for Textual apps) runs one layerscope TUI per
browser tab, in a subprocess that draws through Textual's web driver, and relays it over a
websocket to xterm.js in the page. For a classroom without terminals: every student opens
the page and gets their own session. It listens on 127.0.0.1 unless told otherwise, since
anyone who can reach the page can open the files the user can read.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys

from dissect.cli import error_line

SERVED = "LAYERSCOPE_SERVED"  # set for the TUI processes textual-serve starts


def served() -> bool:
    """In a process textual-serve started: stdout is its pipe, yet the TUI is wanted."""
    return os.environ.get(SERVED) == "1"


def command(args: argparse.Namespace) -> str:
    """The command line each browser session runs: this interpreter, the same input."""
    words = [sys.executable, "-m", "tui.main"]
    read = getattr(args, "read", None) or getattr(args, "file", None)
    if read and read != "-":
        words += ["-r", os.path.abspath(read)]
    if getattr(args, "tour", False):
        words.append("--tour")
    return shlex.join(words)


def serve(args: argparse.Namespace) -> int:
    """Run the web server until interrupted; 1 with one error line when it cannot."""
    try:
        from textual_serve.server import Server
    except ImportError:
        sys.stderr.write(error_line("--serve needs textual-serve: pip install "
                                    "'layerscope[serve]'") + "\n")  # fmt: skip
        return 1
    if not 0 < args.port < 65536:
        sys.stderr.write(error_line(f"--port {args.port}: a port is 1 to 65535") + "\n")
        return 2
    os.environ[SERVED] = "1"
    # the sessions' working directory is this one, so a relative FILE names the same file
    server = Server(command(args), host=args.host, port=args.port, title="layerscope")
    sys.stderr.write(f"layerscope: serving on http://{args.host}:{args.port} (ctrl+c stops)\n")
    try:
        server.serve()
    except OSError as exc:  # the port is taken, the address is not ours
        sys.stderr.write(error_line(f"cannot serve on {args.host}:{args.port}: {exc}") + "\n")
        return 1
    return 0
