"""A private tmux server for tests that run the real app in a real terminal."""

from __future__ import annotations

import os
import shlex
import subprocess
import time
import uuid
from pathlib import Path


class Tmux:
    """One private tmux server (its own socket, no config)."""

    def __init__(self) -> None:
        self.base = ["tmux", "-L", f"ls-{uuid.uuid4().hex[:8]}", "-f", "/dev/null"]

    def __call__(self, *args: str) -> str:
        # never a user's server; no COLUMNS/LINES (pytest-xdist sets them): the app must
        # size itself from the pane
        env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "COLUMNS", "LINES")}
        proc = subprocess.run([*self.base, *args], capture_output=True, timeout=30, check=True,
                              env=env)  # fmt: skip
        return proc.stdout.decode("utf-8", "replace")

    def start(self, argv: list[str], cwd: Path) -> None:
        """Session "t" runs argv after an Enter (so its title can be read before)."""
        self.start_command(shlex.join(["sh", "-c", 'read x; exec "$@"', "sh", *argv]), cwd)

    def start_command(self, command: str, cwd: Path) -> None:
        """Session "t" runs the shell command in a 200x50 window."""
        size = ("-x", "200", "-y", "50")  # pinned: a detached window may fall back to 80x24
        self("new-session", "-d", "-s", "t", *size, "-c", str(cwd), command, ";",
             "set-option", "-g", "window-size", "manual", ";", "resize-window", "-t", "t", *size,
             ";", "set-option", "-g", "remain-on-exit", "on")  # fmt: skip
        assert self.get("#{window_width}") == "200"

    def get(self, fmt: str, target: str = "t") -> str:
        return self("display-message", "-p", "-t", target, fmt).strip()

    def screen(self, colours: bool = False, target: str = "t") -> str:
        return self("capture-pane", "-p", *(["-e"] if colours else []), "-t", target)

    def wait_for(self, text: str, target: str = "t", timeout: float = 30) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            screen = self.screen(target=target)
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared:\n{self.screen(target=target)}")

    def click(self, x: int, y: int) -> None:
        """An SGR mouse press and release at the 0-based cell (x, y), as a terminal sends."""
        self("send-keys", "-t", "t", "-l", f"\x1b[<0;{x + 1};{y + 1}M\x1b[<0;{x + 1};{y + 1}m")

    def kill(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True, timeout=30)
