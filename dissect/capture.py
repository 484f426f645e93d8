"""Live capture, the unprivileged side: start and steer the capture process, list interfaces.

The capture process (dissect/readers/live.py) is the only one with raw-socket rights. It
writes a capture file that a CaptureIndex follows (`refresh()`) and reports on a control
pipe (JSON lines). How it gets its rights:

- run as root under sudo (or with -Z USER): `prepare_privileges()` forks a tiny root
  *launcher* first, then this process drops to the invoking user (SUDO_UID/SUDO_GID or
  USER) with no-new-privs. The launcher only starts capture processes on request and
  passes their control pipe back over the socket (SCM_RIGHTS); each capture process opens
  its handle as root and then drops to the same user, so this process can signal it.
- run as root without sudo or -Z: the same launcher; this process stays root but gives up
  CAP_NET_RAW and CAP_NET_ADMIN.
- run as a user: the capture process is started directly and needs a capture helper
  (the interpreter) granted cap_net_raw,cap_net_admin; this process clears its own.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import pwd
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
from typing import IO, Any

from dissect.index import Record, open_capture
from dissect.readers import live

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

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 10.0  # seconds for the capture process to open its handle
STOP_TIMEOUT = 5.0  # seconds for it to drain and flush after SIGINT


class CaptureStartError(Exception):
    """The capture could not start; `kind` is permission, device, filter, io, usage or other."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def permission_hint(interface: str) -> str:
    """The one line a user without capture rights sees: both ways to get them."""
    helper = os.path.realpath(sys.executable)
    return (
        f"no permission to capture on {interface}: run layerscope with sudo, or grant the "
        f"capture helper the rights: sudo setcap cap_net_raw,cap_net_admin+eip {helper}"
    )


# -- privileges ------------------------------------------------------------------------------
@dataclass(slots=True, frozen=True)
class DropTarget:
    """Who root becomes: the sudo caller or the -Z user."""

    uid: int
    gid: int
    groups: tuple[int, ...]
    name: str

    def args(self) -> list[str]:
        return ["--uid", str(self.uid), "--gid", str(self.gid),
                "--groups", ",".join(map(str, self.groups))]  # fmt: skip


def drop_target(user: str | None, env: dict[str, str] | None = None) -> DropTarget | None:
    """The user to become when root: -Z USER, else SUDO_UID/SUDO_GID, else None (stay)."""
    env = os.environ if env is None else env
    if os.geteuid() != 0:
        return None
    if user:
        try:
            pw = pwd.getpwnam(user)
        except KeyError:
            raise CaptureStartError("usage", f"unknown user {user!r} (-Z)") from None
        return DropTarget(pw.pw_uid, pw.pw_gid, _groups(pw.pw_name, pw.pw_gid), pw.pw_name)
    if not env.get("SUDO_UID", "").isdigit():
        return None
    uid = int(env["SUDO_UID"])
    gid = int(env["SUDO_GID"]) if env.get("SUDO_GID", "").isdigit() else uid
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        name = env.get("SUDO_USER", str(uid))
    return DropTarget(uid, gid, _groups(name, gid), name)


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


class Launcher:
    """A root process forked before privileges are dropped; it starts capture processes only.

    Requests and answers are JSON datagrams on a SOCK_SEQPACKET pair; the answer to a
    spawn carries the capture process's control pipe as an SCM_RIGHTS descriptor.
    """

    def __init__(self, target: DropTarget | None) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the forked launcher
            ours.close()
            code = 0
            try:
                _serve(theirs, target)
            except BaseException:
                code = 1
            os._exit(code)
        theirs.close()
        self.pid, self._sock, self._lock = pid, ours, threading.Lock()

    def spawn(self, args: list[str]) -> tuple[int, int]:
        """Start `live` with args; returns (pid, control pipe fd)."""
        with self._lock:
            self._sock.sendall(json.dumps({"op": "spawn", "args": args}).encode())
            msg, fds, _flags, _addr = socket.recv_fds(self._sock, 65536, 1)
        answer = json.loads(msg or b'{"error": "launcher gone"}')
        if "error" in answer or not fds:
            raise CaptureStartError("other", f"cannot start the capture process: {answer}")
        return int(answer["pid"]), fds[0]

    def signal(self, pid: int, sig: int) -> None:
        with self._lock:
            self._sock.sendall(json.dumps({"op": "signal", "pid": pid, "sig": sig}).encode())

    def close(self) -> None:
        """The launcher exits when its socket closes."""
        self._sock.close()
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(self.pid, 0)


def _serve(sock: socket.socket, target: DropTarget | None) -> None:  # pragma: no cover
    """The launcher's loop: spawn live.py with our fixed drop target; signal what it spawned."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ctrl+c is for the capture, not for us
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    live._prctl(live.PR_SET_PDEATHSIG, signal.SIGTERM)
    spawned: set[int] = set()
    while True:
        raw = sock.recv(65536)
        if not raw:
            return
        req = json.loads(raw)
        if req.get("op") == "signal" and req.get("pid") in spawned:
            with contextlib.suppress(OSError):
                os.kill(int(req["pid"]), int(req["sig"]))
            continue
        args = req.get("args")
        if req.get("op") != "spawn" or not _plain_args(args):
            sock.sendall(b'{"error": "bad request"}')
            continue
        proc = _popen(live_command(args, target), stderr=subprocess.DEVNULL)
        spawned.add(proc.pid)
        assert proc.stdout is not None
        socket.send_fds(sock, [json.dumps({"pid": proc.pid}).encode()], [proc.stdout.fileno()])
        proc.stdout.close()


def _plain_args(args: Any) -> bool:
    """Only capture options: the drop target is the launcher's to choose, never the caller's."""
    return isinstance(args, list) and all(
        isinstance(a, str) and a not in ("--uid", "--gid", "--groups") for a in args
    )


def live_command(args: list[str], target: DropTarget | None) -> list[str]:
    extra = target.args() if target is not None else []
    return [sys.executable, "-m", "dissect.readers.live", *args, *extra]


def _popen(cmd: list[str], stderr: Any) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), env.get("PYTHONPATH")]))
    # Its own session: a ctrl+c in the terminal reaches us, and we stop it in order.
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=stderr, env=env, start_new_session=True)  # fmt: skip


# -- one capture -----------------------------------------------------------------------------
@dataclass(slots=True)
class LiveOptions:
    interface: str
    filter: str | None = None
    snaplen: int = live.KERNEL_SNAPLEN
    buffer_mib: int = live.DEFAULT_BUFFER_MIB
    count: int = 0
    write: str | None = None  # None: a temporary file, removed by close()
    format: str = "pcapng"
    prefix: list[str] = field(default_factory=list)  # e.g. ip netns exec NAME (tests)

    def args(self, path: str) -> list[str]:
        out = ["-i", self.interface, "-w", path, "-s", str(self.snaplen),
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
        self.pid = 0
        self.stopping = False
        self._proc: subprocess.Popen[bytes] | None = None
        self._tmpdir: str | None = None
        self._ready = threading.Event()
        self._exited = threading.Event()
        self._last: tuple[float, int] = (time.monotonic(), 0)
        self.path = options.write or self._temp_path()

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
            self._proc = _popen(self.options.prefix + live_command(args, None), subprocess.DEVNULL)
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
                self._proc.wait(1.0)
        if self.ready is None and self.error is None:
            self.error = CaptureStartError("other", "the capture process ended before starting")
        self._exited.set()
        self._ready.set()
        self._notify("exited")

    def _handle(self, msg: dict[str, Any]) -> None:
        ev = msg.get("ev")
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
        if not self.pid or not self.running:
            return
        try:
            os.kill(self.pid, sig)
        except PermissionError:  # still root, opening its handle: the launcher may signal it
            if self.launcher is not None:
                self.launcher.signal(self.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self) -> None:
        """Ask for the end: the process drains the ring, flushes and reports `done`."""
        self.stopping = True
        self.signal(signal.SIGINT)

    def listening_line(self) -> str:
        """tcpdump's opening line."""
        from dissect.linktypes import linktype_name

        info = self.ready or {}
        lt = int(info.get("linktype", 0))
        text = (f"listening on {self.options.interface}, link-type {linktype_name(lt)} ({lt}), "
                f"snapshot length {info.get('snaplen', self.options.snaplen)} bytes")  # fmt: skip
        return text + (f", writing {self.path}" if self.options.write else "")

    def kill(self) -> None:
        self.signal(signal.SIGKILL)

    def wait(self, timeout: float | None = STOP_TIMEOUT) -> bool:
        """True once the process has ended and every control message was read."""
        return self._exited.wait(timeout)

    def close(self, keep_file: bool = False) -> None:
        """Stop (bounded), then remove a temporary file unless asked to keep it."""
        if self.running:
            self.stop()
            if not self.wait(STOP_TIMEOUT):
                self.kill()
                self.wait(1.0)
        if self._tmpdir is not None and not keep_file:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None


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


def follow(capture: LiveCapture, poll: float = 0.05) -> Iterator[Record]:
    """Every record of the capture file as it grows, until the capture process has ended
    and the file is read to its end (a torn last record, after a SIGKILL, is left out)."""
    with open_capture(capture.path) as idx:
        i = 0
        while True:
            ended = not capture.running  # before the refresh: nothing is written after the end
            idx.refresh()
            while not idx.index_more():
                pass
            while i < len(idx):
                yield idx.record(i)
                i += 1
            if ended:
                return
            time.sleep(poll)


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
        lines.append(f"{n}.{i.name:<{width}}  [{i.state}]  {lt}  {extra}")
    return lines


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.02) -> bool:
    """Poll until predicate() or timeout (every loop here is bounded)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)
    return True
