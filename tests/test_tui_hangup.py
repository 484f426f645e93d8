"""The TUI leaves when its terminal goes away (tmux kill-session, a closed window), also
when it never gets SIGHUP (started by make, which does not pass it on), and keeps the
packets that existed only in memory in a recovery file."""

from __future__ import annotations

import os
import pty
import shlex
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from dissect.index import open_capture
from tests.tmuxlib import Tmux
from tui.hangup import HangUpWatch, recovery_dir, save_unsaved, terminal_answers
from tui.source import PacketSource

ROOT = Path(__file__).resolve().parent.parent
# an ICMP echo request in an IPv4 header, pasted as hex: a packet nothing else holds
PASTED = "4500001c000100004001f7e27f0000017f0000010800f7ff00000000"
WAIT = 30.0  # seconds any one step may take before the test fails


def alive(pid: int) -> bool:
    """Running (a zombie nobody reaped has ended too)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def wait_until(predicate, timeout: float = WAIT) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def recovered(state: Path) -> list[Path]:
    return sorted((state / "layerscope" / "recovered").glob("*.pcapng"))


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux not installed")
@pytest.mark.skipif(shutil.which("make") is None, reason="make not installed")
def test_tui_under_make_exits_when_tmux_session_is_killed(tmp_path: Path) -> None:
    # As `make run` in tmux: make is the session leader, gets the SIGHUP and does not pass
    # it on; the TUI only sees its terminal stop answering. Before: it ran on, spinning.
    state, pid_file = tmp_path / "state", tmp_path / "pid"
    app = shlex.join([sys.executable, "-m", "tui.main", "--hex", PASTED])
    env = f"XDG_STATE_HOME={shlex.quote(str(state))} PYTHONPATH={shlex.quote(str(ROOT))}"
    # $$$$ is make's $$: the shell's pid, which exec makes the app's
    (tmp_path / "Makefile").write_text(f"run:\n\techo $$$$ > {pid_file} && exec env {env} {app}\n")
    tmux = Tmux()
    pid = 0
    try:
        tmux.start_command(
            shlex.join(["make", "-s", "-f", str(tmp_path / "Makefile"), "run"]), ROOT
        )
        tmux.wait_for("packets 1", timeout=WAIT)
        pid = int(pid_file.read_text())
        assert alive(pid)
        tmux.kill()
        assert wait_until(lambda: not alive(pid)), "the TUI outlived its terminal"
        [kept] = recovered(state)
        idx = open_capture(str(kept)).index_all()
        assert len(idx) == 1 and bytes(idx.record(0).data) == bytes.fromhex(PASTED)
    finally:
        tmux.kill()
        if pid and alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_watch_sees_the_terminal_hang_up() -> None:
    master, slave = pty.openpty()
    called = threading.Event()
    reasons: list[str] = []
    watch = HangUpWatch(slave, lambda why: (reasons.append(why), called.set()))
    previous = signal.getsignal(signal.SIGHUP)
    try:
        watch.start()
        assert terminal_answers(slave) and not called.wait(1.5)  # nothing while it answers
        os.close(master)
        master = -1
        assert not terminal_answers(slave)
        assert called.wait(WAIT) and reasons == ["terminal closed"]
    finally:
        watch.stop()
        signal.signal(signal.SIGHUP, previous)
        os.close(slave)
        if master >= 0:
            os.close(master)


def test_watch_acts_on_sighup_and_not_after_stop() -> None:
    master, slave = pty.openpty()
    reasons: list[str] = []
    called = threading.Event()
    previous = signal.getsignal(signal.SIGHUP)
    watch = HangUpWatch(slave, lambda why: (reasons.append(why), called.set()))
    try:
        watch.start()
        os.kill(os.getpid(), signal.SIGHUP)  # handled: pytest goes on
        assert called.wait(WAIT) and reasons == ["hang-up signal"]
        stopped = HangUpWatch(slave, lambda why: reasons.append(why)).start()
        stopped.stop()  # a normal exit: the watch ends without a call
        stopped._thread.join(WAIT)
        assert not stopped._thread.is_alive() and reasons == ["hang-up signal"]
        assert signal.getsignal(signal.SIGHUP) == stopped._previous  # put back
    finally:
        watch.stop()
        signal.signal(signal.SIGHUP, previous)
        os.close(slave)
        os.close(master)


def test_unsaved_pasted_packets_are_kept(tmp_path: Path) -> None:
    source = PacketSource.from_hex(PASTED)
    assert source.unsaved == 1
    lines = save_unsaved(source, tmp_path)
    [kept] = sorted(tmp_path.glob("pasted-*.pcapng"))
    assert lines == [f"unsaved pasted packets (1) written to {kept}"]
    idx = open_capture(str(kept)).index_all()
    assert len(idx) == 1 and bytes(idx.record(0).data) == bytes.fromhex(PASTED)
    source.saved_upto = len(source)  # saved by the user: nothing is written again
    assert save_unsaved(source, tmp_path / "again") == [] and not (tmp_path / "again").exists()


def test_recovery_dir_follows_xdg_state_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert recovery_dir() == tmp_path / "layerscope" / "recovered"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert recovery_dir() == tmp_path / ".local" / "state" / "layerscope" / "recovered"
