"""Leaving when the terminal goes away (tmux kill-session, a closed ssh or terminal window):
the TUI keeps what exists only in memory in a recovery file, says so on stderr, and exits,
instead of running on with nobody to see it.

The kernel sends SIGHUP to the terminal's session leader only. Started under `make run` (or
any parent that does not pass SIGHUP on) the TUI gets no signal: its terminal just stops
answering. Reads then return end-of-file at once, which Textual's input thread takes for
"no input yet" and reads again, spinning a core; tcgetattr fails with EIO. So a watcher
thread waits for SIGHUP and, once a second, asks the terminal for its attributes.

It is a thread rather than a timer on the UI loop, and it ends the process with os._exit:
Textual's output thread dies at the first write to a hung-up terminal, after which the UI
thread blocks for ever on a later screen update (its queue is bounded), and so would
Textual's own shutdown, which only restores a terminal that is gone.
"""

from __future__ import annotations

import os
import shutil
import signal
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dissect.cli import error_line

from .export import export_rows
from .source import PacketSource

__all__ = ["HangUpWatch", "recovery_dir", "save_unsaved", "terminal_answers", "watch_terminal"]

CHECK_EVERY = 1.0  # seconds between two asks of the terminal
EXIT_STATUS = 128 + signal.SIGHUP  # what a shell reports for a process SIGHUP ended


def terminal_answers(fd: int) -> bool:
    """False once the terminal on fd has hung up (or fd is no terminal any more)."""
    try:
        termios.tcgetattr(fd)
    except (termios.error, OSError):
        return False
    return True


def recovery_dir() -> Path:
    """$XDG_STATE_HOME/layerscope/recovered (~/.local/state when unset)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "layerscope" / "recovered"


class HangUpWatch:
    """Calls `on_hang_up(reason)` once, from its own thread, when SIGHUP arrives or the
    terminal on `fd` stops answering; `stop()` ends the watch (a normal exit)."""

    def __init__(self, fd: int, on_hang_up: Callable[[str], None]) -> None:
        self.fd, self.on_hang_up = fd, on_hang_up
        self._hup = threading.Event()
        self._stop = threading.Event()
        self._previous: Any = signal.SIG_DFL
        self._thread = threading.Thread(target=self._run, name="layerscope-hangup", daemon=True)

    def start(self) -> HangUpWatch:
        """From the main thread (signal handlers are set there)."""
        self._previous = signal.signal(signal.SIGHUP, lambda signum, frame: self._hup.set())
        self._thread.start()
        return self

    def stop(self) -> None:
        """From the main thread: the SIGHUP handler before start() is put back."""
        self._stop.set()
        self._hup.set()  # wakes the thread
        signal.signal(signal.SIGHUP, self._previous)

    def _run(self) -> None:
        while not self._hup.wait(CHECK_EVERY):
            if not terminal_answers(self.fd):
                break
        if not self._stop.is_set():
            self.on_hang_up("hang-up signal" if self._hup.is_set() else "terminal closed")


def save_unsaved(source: PacketSource, where: Path | None = None) -> list[str]:
    """Keep what would be lost with the source: pasted packets not saved yet (pcapng) and
    a live capture's temporary file (the capture is stopped first). One line per file,
    or per failure, for stderr."""
    where = where or recovery_dir()
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}"
    capture = getattr(source, "capture", None)  # a live capture (tui/live.py)
    unsaved = source.unsaved
    pasted = [r for r in source.pasted if r >= len(source) - unsaved]
    lines: list[str] = []
    try:
        if pasted:
            where.mkdir(parents=True, exist_ok=True)
            path = where / f"pasted-{stamp}.pcapng"
            export_rows(source, pasted, path, "pcapng")
            lines.append(f"unsaved pasted packets ({len(pasted):,}) written to {path}")
        if capture is not None and unsaved:
            capture.close(keep_file=True)  # bounded; the file is complete once it stopped
            if capture.temporary:
                where.mkdir(parents=True, exist_ok=True)
                path = where / f"capture-{stamp}{Path(capture.path).suffix}"
                shutil.move(capture.path, path)
                capture.close()  # its directory, now empty
                lines.append(f"the unsaved live capture was moved to {path}")
    except (OSError, ValueError) as exc:
        lines.append(f"could not keep the unsaved packets in {where}: {exc}")
    return lines


def watch_terminal(get_source: Callable[[], PacketSource]) -> HangUpWatch | None:
    """Start watching the TUI's terminal (stdin, else stdout); None when neither is one
    (textual-serve, tests)."""
    fd = next((fd for fd in (0, 1) if os.isatty(fd)), None)
    if fd is None:
        return None

    def hung_up(reason: str) -> None:
        try:
            source = get_source()
            if source.unsaved:  # kept; on a failure to move, the capture's file stays too
                lines = save_unsaved(source)
            else:  # stops a live capture and removes its temporary file
                lines = []
                source.close()
            _tell([f"the terminal went away ({reason}); exiting", *lines])
        except Exception as exc:  # the process ends either way: say why something was lost
            _tell([f"the terminal went away ({reason}); could not keep the packets: {exc!r}"])
        finally:
            os._exit(EXIT_STATUS)

    return HangUpWatch(fd, hung_up).start()


def _tell(lines: list[str]) -> None:
    """To stderr (fd 2: Textual holds sys.stderr while it runs), which is often the
    terminal that went away: then nobody reads it."""
    text = "".join(error_line(line, "warning") + "\n" for line in lines)
    try:
        os.write(2, text.encode("utf-8", "replace"))
    except OSError:
        pass
