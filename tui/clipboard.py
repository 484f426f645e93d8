"""Copying text out of the terminal, honestly: the system clipboard through its command-line
tool when there is one (wl-copy, xclip, xsel, pbcopy), else OSC 52 through the terminal --
which cannot confirm anything, and which tmux drops unless its set-clipboard is on; the
message says which it was. Copy to file always works."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

__all__ = ["copy_text", "copy_to_file", "system_tool"]

TOOL_TIMEOUT = 2.0  # seconds a clipboard tool may take


def system_tool(env: dict[str, str] | None = None) -> list[str] | None:
    """The command that puts stdin on the system clipboard here, if any."""
    env = dict(os.environ) if env is None else env
    candidates: list[list[str]] = []
    if env.get("WAYLAND_DISPLAY"):
        candidates.append(["wl-copy"])
    if env.get("DISPLAY"):
        candidates += [["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"]]
    candidates.append(["pbcopy"])  # macOS
    for cmd in candidates:
        if shutil.which(cmd[0], path=env.get("PATH")):
            return cmd
    return None


def tmux_drops_osc52() -> bool:
    """Inside tmux with set-clipboard off, OSC 52 never reaches the outer terminal."""
    if not os.environ.get("TMUX") or not shutil.which("tmux"):
        return False
    try:
        out = subprocess.run(["tmux", "show-options", "-gv", "set-clipboard"], capture_output=True,
                             text=True, timeout=TOOL_TIMEOUT, check=False).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return False
    return out.strip() == "off"


def copy_text(app: object, text: str) -> tuple[bool, str]:
    """(reached a clipboard for sure, what happened in words)."""
    tool = system_tool()
    if tool is not None:
        try:
            done = subprocess.run(tool, input=text.encode(), timeout=TOOL_TIMEOUT,
                                  capture_output=True, check=False)  # fmt: skip
            if done.returncode == 0:
                return True, f"to the system clipboard ({tool[0]})"
        except (OSError, subprocess.SubprocessError):
            pass
    if tmux_drops_osc52():
        return False, ("not copied: tmux's set-clipboard is off, so the terminal clipboard "
                       "(OSC 52) is blocked; use 'Copy to file'")  # fmt: skip
    app.copy_to_clipboard(text)  # type: ignore[attr-defined]
    return False, ("sent to the terminal's clipboard (OSC 52); the terminal does not confirm: "
                   "if nothing arrives, use 'Copy to file'")  # fmt: skip


def copy_to_file(text: str, directory: Path | None = None) -> Path:
    """Write the text to layerscope-copy-N.txt (the first free N) in the directory."""
    directory = directory or Path.cwd()
    for n in range(1, 10_000):
        path = directory / f"layerscope-copy-{n}.txt"
        try:
            with path.open("x", encoding="utf-8") as out:
                out.write(text)
            return path
        except FileExistsError:
            continue
    raise OSError("no free layerscope-copy-N.txt name")
