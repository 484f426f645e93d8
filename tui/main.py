"""Console entry point: batch mode from dissect.cli, the TUI only when interactive."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from dissect.cli import (
    build_parser,
    error_line,
    escape_log_output,
    finish_args,
    guarded,
    install_helper_cmd,
    list_interfaces_cmd,
    run_batch,
    run_live,
    wants_batch,
)
from dissect.export.command import SUBCOMMANDS, run_subcommand


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in SUBCOMMANDS:  # `layerscope export ...`, `layerscope sql ...`
        return run_subcommand(argv)
    parser = build_parser()
    args = finish_args(parser, parser.parse_args(argv))
    if args.list_interfaces:
        return guarded(list_interfaces_cmd)
    if args.install_helper is not None:
        return install_helper_cmd(args.install_helper)
    if args.annotate is not None:  # teaching mode: an annotated export, printed
        from dissect.annotate import run_annotate

        return guarded(lambda: run_annotate(args))
    if args.serve:
        from tui.serve import serve

        return serve(args)
    batch = wants_batch(args, sys.stdout) and not _served()
    if args.interface is not None or (not batch and os.geteuid() == 0):
        launcher = _privileges(args, tui=not batch)
        if isinstance(launcher, int):
            return launcher
        args.launcher = launcher
    if batch:
        if args.interface is not None:
            return guarded(lambda: run_live(args, args.launcher))
        return guarded(lambda: run_batch(args))
    if args.read == "-" or (args.read is None and args.file == "-"):
        args.stdin_stream = _stdin_aside()
    elif args.hex == "-":
        from dissect.cli import _read_stdin_text

        args.hex = _read_stdin_text()
    args.read = args.read or args.file
    escape_log_output()
    try:
        from tui.app import run
    except ImportError:  # the TUI is optional for batch use; print instead
        return guarded(lambda: run_batch(args))
    return run(args)


def _served() -> bool:
    """A TUI session textual-serve started (its stdout is a pipe): see tui/serve.py."""
    from tui.serve import served

    return served()


def _stdin_aside() -> Any:
    """The piped stdin as a file of its own, read as a stream (followed like a live
    capture); fd 0 becomes the terminal, where the TUI reads its keys."""
    if os.isatty(0):  # nothing piped: the terminal is both (as `tcpdump -r -` reads it)
        return sys.stdin.buffer
    stream = os.fdopen(os.dup(0), "rb")
    try:
        tty = os.open("/dev/tty", os.O_RDONLY)
    except OSError:  # no terminal to read keys from: the TUI still shows the capture
        return stream
    os.dup2(tty, 0)
    os.close(tty)
    return stream


def _privileges(args: argparse.Namespace, tui: bool) -> Any:
    """Before anything else: fork the capture launcher while root, then drop to the invoking
    user (SUDO_UID or -Z). Modules are loaded first -- the user may not be able to read the
    interpreter's files (root's home) once we are them. Returns the launcher, or an exit code."""
    from dissect.capture import CaptureStartError, prepare_privileges

    _preload(tui)
    try:
        launcher = prepare_privileges(args.user)
    except (CaptureStartError, OSError) as exc:  # e.g. SUDO_UID=abc: text from outside
        sys.stderr.write(error_line(str(exc)) + "\n")
        return 2
    for warning in launcher.warnings if launcher is not None else []:
        sys.stderr.write(error_line(warning, "warning") + "\n")
    return launcher


def _preload(tui: bool) -> None:
    """Decode and render one frame: that imports every protocol and output path now."""
    import rich.console  # noqa: F401
    import rich.text  # noqa: F401

    from dissect.engine import decode
    from dissect.output import packet_dict, summarize, summary_line, tree_text

    pkt = decode(
        bytes.fromhex("ffffffffffff020000000001080045000014000100004011f9d97f0000017f000001"), 1
    )
    summary_line(summarize(pkt, 0))
    tree_text(pkt, True)
    packet_dict(pkt, with_bytes=True)
    if tui:
        _preload_tui()


def _preload_tui() -> None:
    """What Textual imports lazily: its driver, thread workers, widgets, tracebacks."""
    try:
        import concurrent.futures.thread  # noqa: F401

        import rich.traceback  # noqa: F401
        import textual.drivers.linux_driver  # noqa: F401
        import textual.widgets

        import tui.app  # noqa: F401

        for name in textual.widgets.__all__:
            getattr(textual.widgets, name)
    except ImportError:
        pass


def run() -> None:
    """The `layerscope` command: main(), then exit() (the usual exit after a TUI session
    or wherever another thread still runs)."""
    exit_now(main())


def exit_now(code: int) -> None:
    """Exit with `code` once what matters of Python's exit is done (the atexit functions
    run, stdout and stderr flushed), without tearing the interpreter down: freeing every
    object of the protocol declarations, the index and the imported modules one by one took
    30-50 ms of CPU, a quarter of a small capture's whole run, after the last line was out.
    Files are closed by the code that writes them, never left to the teardown. Where
    another thread still runs (a Dask client's) or a flush fails, the usual exit."""
    import atexit
    import threading

    if threading.active_count() == 1:
        try:
            atexit._run_exitfuncs()  # (they do not run twice: running them clears them)
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # noqa: BLE001 - a closed pipe: Python's own exit reports it
            sys.exit(code)
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
