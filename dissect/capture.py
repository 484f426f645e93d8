"""Live capture, the unprivileged side: start and steer the capture process, list interfaces.

The capture process (dissect/readers/live.py) is the only one with raw-socket rights. It
writes a capture file that a CaptureIndex follows (`refresh()`) and reports on a control
pipe (JSON lines). How it gets its rights:

- run as root under sudo (or with -Z USER): `prepare_privileges()` forks a tiny root
  *launcher* first, then this process drops to the invoking user (SUDO_UID/SUDO_GID or
  -Z) with no-new-privs. The launcher only starts capture processes on request, as forks
  of itself, and passes their control pipe back over the socket (SCM_RIGHTS); each
  capture process opens its handle as root and then drops to the same user.
- run as root without sudo or -Z: the same launcher; this process stays root but gives up
  CAP_NET_RAW and CAP_NET_ADMIN.
- run as a user: the capture process is started directly, by the dedicated capture
  helper when one is installed (dissect/capture_helper.py), and this process clears its
  own capabilities.

Who may change what runs with privileges (the threat model)
-----------------------------------------------------------
Trusted: root, and the program root started -- the interpreter, layerscope and the
libraries it imports -- as they are on disk when `sudo layerscope` starts. If the invoking
user can write those files, sudo runs that user's code as root, and no check inside the
program can change that (the same user could delete the check): install layerscope where
only root writes. `prepare_privileges` names such a file in a warning; it cannot refuse.

Given no way in:
- the working directory and the environment: a world-writable /tmp with a planted
  `argparse.py`, PYTHONPATH, PYTHONSTARTUP, a user site directory;
- every file the invoking user can write, once the program has started (their venv or
  editable checkout, edited while a TUI session runs);
- this process after the drop, which parses hostile packets: it may ask the launcher for
  captures, with capture options only.

How. Under root everything is imported before the launcher forks -- pcapy too -- before
any thread and before the drop. The launcher moves to "/", clears its environment and
seals the import system (an import that is not already done fails instead of reading a
file), then serves requests. Each capture process is a fork of it that runs live.main
from memory: no exec, no interpreter start-up, no path search, no code read from disk.
Who to become is fixed when the launcher forks and never taken from a request; a
request's arguments go to a parser that knows only -i -w -f -s -B -c -F, and only the
interface and the buffer size are used before the drop (the filter is compiled after
it, the file opened after it). The launcher
signals only children it still owns, through their pidfds, and reaps and forgets them as
they end: a recycled PID is never signalled. Without root, the capture process runs from
its source text (-c) under `python -I` (no working or script directory on sys.path, no
user site, no PYTHON* variables) with cwd "/" and a minimal environment; its rights come
from the dedicated helper, never from the shared interpreter.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.machinery
import json
import logging
import os
import pwd
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

from dissect import capture_helper
from dissect.engine import safe_text
from dissect.index import CaptureError, CaptureIndex, Record, open_capture
from dissect.readers import live, writer

__all__ = [
    "CaptureStartError",
    "DropTarget",
    "InterfaceInfo",
    "LiveCapture",
    "LiveOptions",
    "list_interfaces",
    "permission_hint",
    "prepare_privileges",
]

log = logging.getLogger(__name__)

READY_TIMEOUT = 10.0  # seconds for the capture process to open its handle
STOP_TIMEOUT = 5.0  # seconds for it to drain and flush after SIGINT
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
ID_MAX = 2**32 - 2  # uid_t/gid_t; (uid_t)-1 means "leave unchanged" to setresuid
STEERING_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGKILL)  # all the launcher sends


class CaptureStartError(Exception):
    """The capture could not start; `kind` is permission, device, filter, io, usage or other."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def permission_hint(interface: str) -> str:
    """The one line a user without capture rights sees: both ways to get them."""
    return (
        f"no permission to capture on {interface}: run layerscope with sudo, or let a group "
        "capture without sudo (a root-owned copy of the interpreter with cap_net_raw that "
        "only that group may run): sudo layerscope --install-capture-helper GROUP"
    )


# -- privileges ------------------------------------------------------------------------------
@dataclass(slots=True, frozen=True)
class DropTarget:
    """Who root becomes: the sudo caller or the -Z user."""

    uid: int
    gid: int
    groups: tuple[int, ...]
    name: str

    def drop(self) -> live.Drop:
        return self.uid, self.gid, self.groups


def drop_target(user: str | None, env: dict[str, str] | None = None) -> DropTarget | None:
    """The user to become when root: -Z USER, else SUDO_UID/SUDO_GID, else None (stay).

    Root itself (uid 0) is None too: it keeps its uid and loses the raw-socket rights.
    CaptureStartError (one line) for a user that does not exist or an id that is not one.
    """
    env = os.environ if env is None else env
    if os.geteuid() != 0:
        return None
    if user:
        try:
            pw = pwd.getpwnam(user)
        except KeyError:
            raise CaptureStartError("usage", f"unknown user {user!r} (-Z)") from None
        gid = pw.pw_gid
    elif "SUDO_UID" in env:
        uid = _id_from(env, "SUDO_UID")
        try:
            pw = pwd.getpwuid(uid)
        except KeyError:
            raise CaptureStartError(
                "usage", f"SUDO_UID={uid} is no user of this system: name one with -Z USER"
            ) from None
        gid = _id_from(env, "SUDO_GID") if "SUDO_GID" in env else pw.pw_gid
    else:
        return None
    if pw.pw_uid == 0:
        return None
    return DropTarget(pw.pw_uid, gid, _groups(pw.pw_name, gid), pw.pw_name)


def _id_from(env: Any, name: str) -> int:
    text = env[name]
    if not (text.isascii() and text.isdigit()) or int(text) > ID_MAX:
        raise CaptureStartError(
            "usage", f"{name}={text!r} is not a user or group id (0 to {ID_MAX}): "
            "name the user with -Z USER"
        )  # fmt: skip
    return int(text)


def _groups(name: str, gid: int) -> tuple[int, ...]:
    try:
        return tuple(os.getgrouplist(name, gid))
    except OSError:
        return (gid,)


def prepare_privileges(user: str | None = None) -> Launcher | None:
    """Call once at start-up, before threads or the UI: returns the launcher (root) or None.

    Afterwards this process holds no raw-socket rights whoever started it.
    """
    target = drop_target(user)
    if os.geteuid() != 0:
        _clear_own_capabilities()
        return None
    launcher = Launcher(target)
    if target is not None:
        live.drop_privileges(target.uid, target.gid, list(target.groups), pdeathsig=False)
    else:
        live.clear_capabilities((live.CAP_NET_ADMIN, live.CAP_NET_RAW))
    return launcher


def _clear_own_capabilities() -> None:
    """A user whose interpreter was setcap'd gets the rights here too: give them up."""
    try:
        live.clear_capabilities()
    except (OSError, AttributeError):
        log.debug("could not clear capabilities", exc_info=True)


def _writable_program_files(target: DropTarget | None, pcapy: Any) -> list[str]:
    """Warnings: code root has just imported that the user we drop to could have changed."""
    if target is None:
        return []
    paths = [Path(live.__file__).parent.parent]  # the dissect package
    if pcapy is not None:
        paths.append(Path(pcapy.__file__))
    for path in paths:
        part = capture_helper.writable_by(path, target.uid, target.groups)
        if part is not None:
            return [
                f"{part} is writable by {target.name}: under sudo the code there runs as "
                "root; install layerscope where only root can write"
            ]
    return []


class Launcher:
    """A root process forked before privileges are dropped; it starts capture processes only.

    Requests and answers are JSON datagrams on a SOCK_SEQPACKET pair; the answer to a
    spawn carries the capture process's control pipe as an SCM_RIGHTS descriptor.
    """

    def __init__(self, target: DropTarget | None) -> None:
        try:
            pcapy = live.load_pcapy()  # now, with everything else: the launcher imports nothing
        except live.CaptureFailure:
            pcapy = None  # each capture process reports it
        self.warnings = _writable_program_files(target, pcapy)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the forked launcher
            code = 1
            try:
                ours.close()
                _serve(theirs, target)
                code = 0
            finally:
                os._exit(code)
        theirs.close()
        # Re-entrant: a second ctrl+c lands in the CLI's signal handler while the first one
        # waits here for its answer, and asks for a SIGKILL (answers are alike: no mix-up).
        self.pid, self._sock, self._lock = pid, ours, threading.RLock()

    def _ask(self, request: dict[str, Any]) -> tuple[dict[str, Any], list[int]]:
        with self._lock:
            try:
                self._sock.sendall(json.dumps(request).encode())
                msg, fds, _flags, _addr = socket.recv_fds(self._sock, 4096, 1)
            except OSError as exc:
                return {"error": f"the capture launcher is gone ({exc.strerror})"}, []
        try:
            answer = json.loads(msg) if msg else {"error": "the capture launcher is gone"}
        except ValueError:
            answer = {"error": "bad answer"}
        return (answer if isinstance(answer, dict) else {"error": "bad answer"}), fds

    def spawn(self, args: list[str]) -> tuple[int, int]:
        """Start a capture process with these capture options; returns (pid, control pipe fd)."""
        answer, fds = self._ask({"op": "spawn", "args": args})
        if not isinstance(answer.get("pid"), int) or len(fds) != 1:
            for fd in fds:
                os.close(fd)
            reason = answer.get("error", "no answer")
            raise CaptureStartError("other", f"cannot start the capture process: {reason}")
        return answer["pid"], fds[0]

    def signal(self, pid: int, sig: int) -> bool:
        """Signal a capture process the launcher started and still owns; False if it is gone."""
        return self._ask({"op": "signal", "pid": pid, "sig": int(sig)})[0].get("signalled") is True

    def close(self) -> None:
        """The launcher exits when its socket closes."""
        self._sock.close()
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(self.pid, 0)


# -- the launcher (a root process: everything below runs in it or in its forks) ---------------
@dataclass(slots=True)
class _Child:
    """A capture process the launcher forked and has not reaped yet."""

    pid: int
    pidfd: int  # signals go here: never to a PID the kernel may have given to another process
    report: int  # the launcher's copy of its control pipe: its exit status is written there

    def signal(self, sig: int) -> bool:
        try:
            signal.pidfd_send_signal(self.pidfd, sig)
        except ProcessLookupError:
            return False
        return True

    def reap(self) -> None:
        """It has ended (its pidfd is readable): collect it, tell the dissector how it ended."""
        _, status = os.waitpid(self.pid, 0)
        line = json.dumps({"ev": "exit", "status": os.waitstatus_to_exitcode(status)}) + "\n"
        with contextlib.suppress(OSError):
            if select.select([], [self.report], [], 0)[1]:  # never block on a full pipe
                os.write(self.report, line.encode())
        os.close(self.report)
        os.close(self.pidfd)


def _serve(sock: socket.socket, target: DropTarget | None) -> None:  # pragma: no cover
    """The launcher's loop: requests from the dissector, and the end of each capture process."""
    _isolate(sock.fileno())
    children: dict[int, _Child] = {}
    while True:
        by_pidfd = {child.pidfd: child for child in children.values()}
        ready, _, _ = select.select([sock.fileno(), *by_pidfd], [], [])
        for fd in ready:
            if fd in by_pidfd:  # readable: that process has ended
                by_pidfd[fd].reap()
                del children[by_pidfd[fd].pid]
        if sock.fileno() in ready:
            raw = sock.recv(65536)
            if not raw:
                return  # the dissector has gone: so do we (our children get SIGTERM)
            reply, pipe = _answer(raw, children, target)
            if pipe is None:
                sock.sendall(reply)
            else:
                socket.send_fds(sock, [reply], [pipe])
                os.close(pipe)


def _isolate(keep: int) -> None:  # pragma: no cover - runs in the forked launcher
    """Nothing from the caller's world reaches the launcher or the capture processes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ctrl+c is for the capture, not for us
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # children stay until _Child.reap
    live._prctl(live.PR_SET_PDEATHSIG, signal.SIGTERM)
    live.set_name("lscope-launcher")
    os.chdir("/")
    os.environ.clear()  # unsetenv: neither libc, libpcap nor a child sees the caller's
    os.environ["PATH"] = SAFE_PATH
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.closerange(3, keep)
    os.closerange(keep + 1, os.sysconf("SC_OPEN_MAX"))
    _seal_imports()


def _seal_imports() -> None:  # pragma: no cover - runs in the forked launcher
    """From here on an import returns a module already loaded, or a built-in or frozen one,
    or fails: no file is searched for or read, whoever could write it."""
    keep = (importlib.machinery.BuiltinImporter, importlib.machinery.FrozenImporter)
    sys.meta_path[:] = [finder for finder in sys.meta_path if finder in keep]
    sys.path[:] = []
    sys.path_hooks.clear()
    sys.path_importer_cache.clear()


def _answer(
    raw: bytes, children: dict[int, _Child], target: DropTarget | None
) -> tuple[bytes, int | None]:  # pragma: no cover - runs in the forked launcher
    """The reply to one request, and for a spawn the read end of the new control pipe."""
    try:
        req = json.loads(raw)
    except ValueError:
        req = None
    op = req.get("op") if isinstance(req, dict) else None
    if op == "signal":
        pid, sig = req.get("pid"), req.get("sig")
        child = children.get(pid) if type(pid) is int else None
        ok = child is not None and sig in STEERING_SIGNALS and child.signal(sig)
        return json.dumps({"signalled": ok}).encode(), None
    if op == "spawn" and _plain_args(req.get("args")):
        child, read_end = _fork_capture(req["args"], target)
        children[child.pid] = child
        return json.dumps({"pid": child.pid}).encode(), read_end
    return b'{"error": "bad request"}', None


def _plain_args(args: Any) -> bool:
    """Strings only, a bounded number of them; which options they may be is live.py's parser's
    to say (capture options only: who to become is never an argument)."""
    return (
        isinstance(args, list)
        and len(args) <= 32
        and all(isinstance(a, str) and len(a) <= 4096 for a in args)
    )


def _fork_capture(args: list[str], target: DropTarget | None) -> tuple[_Child, int]:
    """A capture process: a fork of the launcher running live.main from memory."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the capture process
        code = 1
        try:
            os.setsid()  # ctrl+c in the terminal reaches the dissector, which stops us in order
            os.dup2(write_end, 1)
            os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # the launcher's socket, other pipes
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            code = live.main(args, 1, target.drop() if target is not None else None)
        finally:
            os._exit(code)
    return _Child(pid, os.pidfd_open(pid), write_end), read_end


# -- without a launcher: the capture process from its source text ----------------------------
_BOOT = """import sys, types
sys.path.extend({paths!r})
def _module(name, source, path):
    module = sys.modules[name] = types.ModuleType(name)
    exec(compile(source, path, "exec"), module.__dict__)
    return module
for _name in ("dissect", "dissect.readers"):
    sys.modules[_name] = types.ModuleType(_name)
_module("dissect.readers.writer", {writer!r}, {writer_path!r})
sys.exit(_module("dissect.readers.live", {live!r}, {live_path!r}).main())
"""
# Read once, when this module is imported (under sudo: before the drop, with the rest).
_SOURCES = {
    f"{name}{kind}": value
    for name, module in (("writer", writer), ("live", live))
    for kind, value in (("", Path(module.__file__).read_text()), ("_path", module.__file__))
}


def helper_source(paths: tuple[str, ...] = ()) -> str:
    """The capture process as one `python -c` program: writer.py and live.py, from their
    source text, under their own module names; `paths` are appended to sys.path (where
    the dedicated helper finds pcapy)."""
    return _BOOT.format(paths=list(paths), **_SOURCES)


def helper_command(args: list[str], helper: capture_helper.Helper | None = None) -> list[str]:
    """The command that runs the capture process: the dedicated helper's interpreter with
    -I -S and a sys.path of root-owned directories, else this interpreter with -I."""
    if helper is not None:
        return [str(helper.python), "-I", "-S", "-c", helper_source(helper.paths), *args]
    return [sys.executable, "-I", "-c", helper_source(), *args]


def _popen(cmd: list[str]) -> subprocess.Popen[bytes]:
    """cwd "/", a minimal environment; its own session: a ctrl+c in the terminal reaches us,
    and we stop it in order."""
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, cwd="/", env={"PATH": SAFE_PATH},
                            start_new_session=True)  # fmt: skip


# -- one capture -----------------------------------------------------------------------------
@dataclass(slots=True)
class LiveOptions:
    interface: str
    filter: str | None = None
    snaplen: int = live.KERNEL_SNAPLEN
    buffer_mib: int = live.DEFAULT_BUFFER_MIB
    count: int = 0
    write: str | None = None  # None: a temporary file (removed by close); "-": that, to stdout
    format: str = "pcapng"
    prefix: list[str] = field(default_factory=list)  # e.g. ip netns exec NAME (tests)

    def args(self, path: str) -> list[str]:
        """The capture process's options; the path is absolute: it runs in "/"."""
        out = ["-i", self.interface, "-w", os.path.abspath(path), "-s", str(self.snaplen),
               "-B", str(self.buffer_mib), "-c", str(self.count), "-F", self.format]  # fmt: skip
        return out + (["-f", self.filter] if self.filter else [])


@dataclass(slots=True)
class Stats:
    captured: int = 0
    received: int = 0
    dropped: int = 0
    ifdropped: int = 0
    bytes: int = 0
    pps: float = 0.0  # captured packets per second over the last stats interval


class LiveCapture:
    """A running capture process: its file, its counters, stop and wait.

    A reader thread turns control-pipe lines into state; `on_event(name)` is called from
    that thread (the TUI posts a message from it; the CLI just polls).
    """

    def __init__(self, options: LiveOptions, launcher: Launcher | None = None,
                 on_event: Callable[[str], None] | None = None) -> None:  # fmt: skip
        self.options, self.launcher, self.on_event = options, launcher, on_event
        self.stats = Stats()
        self.ready: dict[str, Any] | None = None
        self.error: CaptureStartError | None = None
        self.finished: dict[str, Any] | None = None
        self.exit_status: int | None = None  # as os.waitstatus_to_exitcode: -N = signal N
        self.pid = 0
        self.stopping = False
        self._killed = False  # by us (a second ctrl+c, or a stop that took too long)
        self._proc: subprocess.Popen[bytes] | None = None
        self._tmpdir: str | None = None
        self._ready = threading.Event()
        self._exited = threading.Event()
        self._last: tuple[float, int] = (time.monotonic(), 0)
        write = options.write
        self.path = write if write is not None and write != "-" else self._temp_path()

    def _temp_path(self) -> str:
        self._tmpdir = tempfile.mkdtemp(prefix="layerscope-live-")
        suffix = ".pcap" if self.options.format == "pcap" else ".pcapng"
        return os.path.join(self._tmpdir, "capture" + suffix)

    @property
    def temporary(self) -> bool:
        return self._tmpdir is not None

    @property
    def running(self) -> bool:
        return not self._exited.is_set()

    def start(self, timeout: float = READY_TIMEOUT) -> LiveCapture:
        """Spawn the capture process and wait until it captures; CaptureStartError if not."""
        args = self.options.args(self.path)
        if self.launcher is not None and not self.options.prefix:
            self.pid, fd = self.launcher.spawn(args)
            pipe: IO[bytes] = os.fdopen(fd, "rb")
        else:
            helper = capture_helper.installed() if os.geteuid() != 0 else None
            try:
                self._proc = _popen(self.options.prefix + helper_command(args, helper))
            except OSError as exc:
                self.close()
                raise CaptureStartError(
                    "other", f"cannot start the capture process: {exc}"
                ) from None
            self.pid, pipe = self._proc.pid, self._proc.stdout  # type: ignore[assignment]
        threading.Thread(target=self._read, args=(pipe,), daemon=True, name="capture").start()
        if not self._ready.wait(timeout) and self.error is None:
            self.kill()
            self.error = CaptureStartError("other", "the capture process did not start in time")
        if self.error is not None:
            self.close()
            raise self.error
        return self

    def _read(self, pipe: IO[bytes]) -> None:
        with pipe:
            for line in pipe:
                with contextlib.suppress(ValueError):
                    self._handle(json.loads(line))
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.exit_status = self._proc.wait(1.0)
        self._settle()
        self._exited.set()
        self._ready.set()
        self._notify("exited")

    def _settle(self) -> None:
        """At the end: a capture process that never said `done` has failed, and after any
        failure its counters may be stale -- the file says how many packets it holds."""
        if self.ready is None:
            if self.error is None:
                self.error = CaptureStartError("other", f"the capture process {self._ending()} "
                                               "before it started")  # fmt: skip
            return
        if self.finished is None and self.error is None and not self._killed:
            self.error = CaptureStartError("other", f"the capture process {self._ending()} "
                                           "before it finished")  # fmt: skip
        if self.error is not None or self.finished is None:
            counted = whole_records(self.path)
            if counted is not None:
                self.stats.captured = counted

    def _ending(self) -> str:
        status = self.exit_status
        if status is None or status == 0:
            return "ended"
        if status > 0:
            return f"exited with status {status}"
        try:
            return f"was killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"was killed by signal {-status}"

    def _handle(self, msg: Any) -> None:
        ev = msg.get("ev") if isinstance(msg, dict) else None
        if ev == "ready":
            self.ready = msg
            self._ready.set()
        elif ev == "error":
            kind, text = str(msg.get("kind", "other")), str(msg.get("message", ""))
            if kind == "permission":
                text = permission_hint(self.options.interface)
            self.error = CaptureStartError(kind, text)
            self._ready.set()
        elif ev in ("stats", "done"):
            self._update(msg)
            if ev == "done":
                self.finished = msg
        elif ev == "exit" and type(msg.get("status")) is int:  # from the launcher
            self.exit_status = msg["status"]
        self._notify(str(ev))

    def _update(self, msg: dict[str, Any]) -> None:
        s, now = self.stats, time.monotonic()
        for name in ("captured", "received", "dropped", "ifdropped", "bytes"):
            setattr(s, name, int(msg.get(name, 0)))
        then, before = self._last
        if now - then >= 0.2:
            s.pps = (s.captured - before) / (now - then)
            self._last = (now, s.captured)

    def _notify(self, event: str) -> None:
        if self.on_event is not None:
            try:
                self.on_event(event)
            except Exception:  # a UI callback must not kill the reader thread
                log.exception("capture event callback")

    # -- steering ---------------------------------------------------------------------------
    def signal(self, sig: int) -> None:
        """Signal the capture process, only while it is ours: Popen checks that it has not
        been reaped, the launcher signals through a pidfd."""
        if not self.pid or not self.running:
            return
        if self._proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                self._proc.send_signal(sig)
        elif self.launcher is not None:
            self.launcher.signal(self.pid, sig)

    def stop(self) -> None:
        """Ask for the end: the process drains the ring, flushes and reports `done`."""
        self.stopping = True
        self.signal(signal.SIGINT)

    def listening_line(self) -> str:
        """tcpdump's opening line; the interface name and the path are escaped."""
        from dissect.linktypes import linktype_name

        info = self.ready or {}
        lt = int(info.get("linktype", 0))
        text = (f"listening on {self.options.interface}, link-type {linktype_name(lt)} ({lt}), "
                f"snapshot length {info.get('snaplen', self.options.snaplen)} bytes")  # fmt: skip
        if self.options.write == "-":
            text += ", writing to stdout"
        elif self.options.write:
            text += f", writing {self.path}"
        return safe_text(text, 4096)

    def kill(self) -> None:
        self._killed = True
        self.signal(signal.SIGKILL)

    def wait(self, timeout: float | None = STOP_TIMEOUT) -> bool:
        """True once the process has ended and every control message was read."""
        return self._exited.wait(timeout)

    def close(self, keep_file: bool = False) -> None:
        """Stop (bounded), then remove a temporary file unless asked to keep it."""
        if self.running and self.pid:
            self.stop()
            if not self.wait(STOP_TIMEOUT):
                self.error = self.error or CaptureStartError(
                    "other", f"the capture process did not stop within {STOP_TIMEOUT:g} s"
                )
                self.kill()
                self.wait(1.0)
        if self._tmpdir is not None and not keep_file:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None


def whole_records(path: str) -> int | None:
    """How many whole records the capture file holds (None: it cannot be read)."""
    try:
        with open_capture(path) as idx:
            return len(idx.index_all())
    except (CaptureError, OSError):
        return None


def live_options(args: Any) -> LiveOptions:
    """LiveOptions from the command line (dissect.cli's -i, -f/expression, -s, -B, -c, -w, -F)."""
    write = getattr(args, "write", None)
    fmt = getattr(args, "write_format", None)
    if fmt is None:
        fmt = "pcap" if write and write.lower().endswith((".pcap", ".cap")) else "pcapng"
    return LiveOptions(
        interface=args.interface, filter=getattr(args, "capture_filter", None),
        snaplen=getattr(args, "snaplen", None) or live.KERNEL_SNAPLEN,
        buffer_mib=getattr(args, "buffer_mib", None) or live.DEFAULT_BUFFER_MIB,
        count=getattr(args, "count", None) or 0, write=write, format=fmt,
    )  # fmt: skip


def _watch(capture: LiveCapture, poll: float) -> Iterator[CaptureIndex]:
    """The capture file's index after each look at the file, until the capture process has
    ended and the file is indexed to its end (a torn last record, after a SIGKILL, is not)."""
    with open_capture(capture.path) as idx:
        while True:
            ended = not capture.running  # before the refresh: nothing is written after the end
            idx.refresh()
            while not idx.index_more():
                pass
            yield idx
            if ended:
                return
            time.sleep(poll)


def follow(capture: LiveCapture, poll: float = 0.05) -> Iterator[Record]:
    """Every record of the capture file as it grows."""
    i = 0
    for idx in _watch(capture, poll):
        while i < len(idx):
            yield idx.record(i)
            i += 1


def copy_capture(capture: LiveCapture, out: BinaryIO, poll: float = 0.05) -> int:
    """`-w -`: the capture file, whole records only, to `out` as it grows; returns bytes."""
    copied = 0
    with open(capture.path, "rb") as src:
        for idx in _watch(capture, poll):
            end = idx.indexed_bytes
            while copied < end:
                chunk = os.pread(src.fileno(), min(end - copied, 1 << 20), copied)
                if not chunk:
                    break
                out.write(chunk)
                copied += len(chunk)
            out.flush()
    return copied


def closing_lines(stats: Stats) -> list[str]:
    """tcpdump's three closing lines."""

    def plural(n: int, what: str) -> str:
        return f"{n} packet{'' if n == 1 else 's'} {what}"

    return [plural(stats.captured, "captured"), plural(stats.received, "received by filter"),
            plural(stats.dropped, "dropped by kernel")]  # fmt: skip


# -- interfaces ------------------------------------------------------------------------------
@dataclass(slots=True)
class InterfaceInfo:
    name: str
    state: str  # "up, running", "up", "down"
    addresses: list[str]
    linktype: int
    description: str = ""

    @property
    def up(self) -> bool:
        return self.state.startswith("up")


ARPHRD_TO_LINKTYPE = {1: 1, 772: 1, 65534: 101, 768: 101, 776: 101, 778: 101, 823: 101}
IFF_UP, IFF_LOOPBACK, IFF_RUNNING = 0x1, 0x8, 0x40


class _Sockaddr(ctypes.Structure):
    _fields_ = [("family", ctypes.c_ushort), ("data", ctypes.c_ubyte * 26)]


class _Ifaddrs(ctypes.Structure):
    pass


_Ifaddrs._fields_ = [
    ("next", ctypes.POINTER(_Ifaddrs)), ("name", ctypes.c_char_p), ("flags", ctypes.c_uint),
    ("addr", ctypes.POINTER(_Sockaddr)), ("netmask", ctypes.POINTER(_Sockaddr)),
    ("ifu", ctypes.POINTER(_Sockaddr)), ("data", ctypes.c_void_p),
]  # fmt: skip


def _ifaddrs() -> dict[str, tuple[int, list[str]]]:
    """name -> (flags, ["10.0.0.1/24", "fe80::1/64"]) from getifaddrs(3)."""
    libc = ctypes.CDLL(None, use_errno=True)
    head = ctypes.POINTER(_Ifaddrs)()
    if libc.getifaddrs(ctypes.byref(head)) != 0:
        return {}
    out: dict[str, tuple[int, list[str]]] = {}
    try:
        node = head
        while node:
            ifa = node.contents
            name = (ifa.name or b"?").decode(errors="replace")
            flags, addrs = out.setdefault(name, (ifa.flags, []))
            text = _address(ifa.addr, ifa.netmask)
            if text:
                addrs.append(text)
            node = ifa.next
    finally:
        libc.freeifaddrs(head)
    return out


def _address(addr: Any, mask: Any) -> str | None:
    if not addr:
        return None
    family, spans = addr.contents.family, {socket.AF_INET: (2, 6), socket.AF_INET6: (6, 22)}
    if family not in spans:
        return None
    lo, hi = spans[family]
    raw = bytes(addr.contents.data[lo:hi])
    prefix = sum(bin(b).count("1") for b in bytes(mask.contents.data[lo:hi])) if mask else None
    text = socket.inet_ntop(family, raw)
    return f"{text}/{prefix}" if prefix is not None else text


def list_interfaces() -> list[InterfaceInfo]:
    """Every interface of this network namespace, then `any`; no privilege needed."""
    addrs = _ifaddrs()
    out: list[InterfaceInfo] = []
    for _index, name in sorted(socket.if_nameindex()):
        flags, found = addrs.get(name, (0, []))
        state = (
            "up, running"
            if flags & IFF_RUNNING and flags & IFF_UP
            else "up"
            if flags & IFF_UP
            else "down"
        )
        arphrd = _sys_int(f"/sys/class/net/{name}/type")
        linktype = ARPHRD_TO_LINKTYPE.get(arphrd, 0) if arphrd is not None else 0
        desc = "loopback" if flags & IFF_LOOPBACK else ""
        out.append(InterfaceInfo(name, state, found, linktype, desc))
    out.append(InterfaceInfo("any", "up", [], live.DLT_LINUX_SLL2, "all interfaces"))
    return out


def _sys_int(path: str) -> int | None:
    try:
        return int(Path(path).read_text().strip())
    except (OSError, ValueError):
        return None


def interface_lines(interfaces: list[InterfaceInfo]) -> list[str]:
    """`-D`: number, name, state, link type, addresses -- one line each."""
    from dissect.linktypes import linktype_name

    width = max((len(i.name) for i in interfaces), default=4)
    lines = []
    for n, i in enumerate(interfaces, 1):
        lt = f"{linktype_name(i.linktype)} ({i.linktype})" if i.linktype else "unknown link type"
        extra = ", ".join(i.addresses) or i.description or "-"
        if i.addresses and i.description:
            extra = f"{i.description}; {extra}"
        line = f"{n}.{i.name:<{width}}  [{i.state}]  {lt}  {extra}"
        lines.append(safe_text(line, 4096))  # interface names come from outside
    return lines


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.02) -> bool:
    """Poll until predicate() or timeout (every loop here is bounded)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)
    return True
