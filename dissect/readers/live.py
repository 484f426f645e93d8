"""The capture process: the only code in layerscope with raw-socket rights.

    python -I -c <this file and writer.py> -i IFACE -w FILE [-f BPF] [-s SNAPLEN] [-B MiB]
                                           [-c N] [-F pcap|pcapng]

It opens the libpcap handle (pcapy-ng, whose wheel bundles libpcap 1.9 with TPACKET_V3)
while privileged, then drops for good: to the user dissect/capture.py names (under sudo:
the invoking user, with no-new-privs), else it clears its capabilities. Then it opens FILE
as that user and writes every packet to it, one write() per batch of whole records,
flushed before the packets are counted: the file is always a valid capture holding every
packet counted, and a SIGKILL leaves at most the last record torn. Progress goes to
stdout as JSON lines (the control pipe): ready, stats, error, done. SIGINT/SIGTERM or a
closed control pipe: stop, drain the ring, flush, report the final counters.

Self-contained on purpose: the standard library, pcapy and writer.py, nothing else from
layerscope, no dissector, no Textual. Root runs it as a fork of the launcher, from the
code already in memory; anyone else runs it from its source text with `python -I` (see
dissect/capture.py: who may change what the capture process runs).
"""

from __future__ import annotations

import argparse
import ctypes
import errno
import json
import os
import select
import signal
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from dissect.readers.writer import PcapngWriter, PcapWriter

KERNEL_SNAPLEN = 262144  # libpcap's maximum: the wire length stays exact (see open_handle)
DEFAULT_BUFFER_MIB = 32
BATCH = 4096  # packets per next_batch call
READ_TIMEOUT_MS = 50  # TPACKET_V3 block retire timeout: how late the TUI can see a packet
STATS_EVERY = 0.25  # seconds between stats messages on the control pipe
DRAIN_QUIET = 0.15  # stop draining after this long without a packet (> READ_TIMEOUT_MS)
DRAIN_MAX = 2.0  # ... and after this long in any case
DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2 = 1, 113, 276
CAP_NET_ADMIN, CAP_NET_RAW = 12, 13
PR_SET_PDEATHSIG, PR_SET_NAME, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 15, 24, 38

_EPB_HEAD = struct.Struct("<IIIIIII")  # type, total length, iface, ts hi, ts lo, caplen, wirelen
_U32 = struct.Struct("<I")
_PCAP_HEAD = struct.Struct("<IIII")
_SLL = struct.Struct(">HHH8sH")  # pkttype, hatype, halen, addr, protocol (16 bytes)
_SLL2 = struct.Struct(">HHiHBB8s")  # protocol, reserved, ifindex, hatype, pkttype, halen, addr
_PAD = (b"", b"\0\0\0", b"\0\0", b"\0")  # by caplen % 4


class CaptureFailure(Exception):
    """A reason the capture cannot start: kind is permission, device, filter, io or other."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(slots=True)
class Counters:
    captured: int = 0  # records written and flushed to the file
    received: int = 0  # libpcap ps_recv: seen by the kernel filter
    dropped: int = 0  # libpcap ps_drop: dropped by the kernel (ring full)
    ifdropped: int = 0  # libpcap ps_ifdrop: dropped by the interface
    bytes: int = 0  # captured bytes written (record data only)
    started: float = field(default_factory=time.monotonic)

    def message(self, event: str, **extra: Any) -> dict[str, Any]:
        return {"ev": event, "captured": self.captured, "received": self.received,
                "dropped": self.dropped, "ifdropped": self.ifdropped, "bytes": self.bytes,
                "elapsed": round(time.monotonic() - self.started, 3), **extra}  # fmt: skip


# -- control pipe -----------------------------------------------------------------------
class Control:
    """JSON lines to the unprivileged side; a closed pipe means 'stop', never a traceback."""

    def __init__(self, fd: int = 1) -> None:
        self.fd = fd
        self.closed = False

    def send(self, message: dict[str, Any]) -> None:
        if self.closed:
            return
        line = (json.dumps(message, separators=(",", ":")) + "\n").encode()
        try:
            while line:
                line = line[os.write(self.fd, line) :]
        except OSError:  # EPIPE: the dissector went away; the loop sees `closed` and stops
            self.closed = True


# -- opening the handle (privileged) ------------------------------------------------------
# pcap_activate() results pcapy-ng returns instead of raising (libpcap's pcap.h).
ACTIVATE_ERRORS = {
    -8: ("permission", "you do not have permission to capture on that device"),
    -5: ("device", "no such device"),
    -9: ("device", "the interface is not up"),
    -4: ("other", "the capture handle is already active"),
    -7: ("other", "monitor mode is not supported"),
    -11: ("permission", "promiscuous mode needs a permission we do not have"),
    -1: ("other", "libpcap could not open the device"),
}


def _classify(message: str) -> str:
    low = message.lower()
    if "permission" in low or "not permitted" in low:
        return "permission"
    if "no such device" in low or "doesn't exist" in low or "no such" in low:
        return "device"
    return "other"


def load_pcapy() -> Any:
    """pcapy, imported now (the launcher does this before it forks: see dissect/capture.py)."""
    try:
        import pcapy
    except ImportError as exc:
        raise CaptureFailure("other", f"pcapy-ng is not installed ({exc})") from None
    return pcapy


def open_handle(iface: str, buffer_mib: int) -> Any:
    """An activated libpcap handle, the one step that needs privilege; CaptureFailure with a
    one-line reason.

    The kernel snapshot length is libpcap's maximum whatever -s says: pcapy-ng's batch read
    reports the captured length only, so the wire length is exact only when nothing is cut
    by the kernel. A smaller -s is applied when writing.
    """
    pcapy = load_pcapy()
    try:
        handle = pcapy.create(iface)
        handle.set_snaplen(KERNEL_SNAPLEN)
        handle.set_promisc(1)
        handle.set_timeout(READ_TIMEOUT_MS)
        handle.set_buffer_size(buffer_mib << 20)
        status = handle.activate()  # pcapy-ng returns libpcap's status rather than raising
    except pcapy.PcapError as exc:
        raise CaptureFailure(_classify(str(exc)), f"{iface}: {exc}") from None
    if isinstance(status, int) and status < 0:
        kind, text = ACTIVATE_ERRORS.get(status, ("other", f"pcap_activate error {status}"))
        raise CaptureFailure(kind, f"{iface}: {text}")
    return handle


def set_filter(handle: Any, bpf: str | None) -> None:
    """Compile and attach the capture filter, non-blocking reads. Called once privileges are
    dropped: attaching a filter to an open socket needs none, and libpcap's filter compiler
    then never parses the dissector's text as root."""
    pcapy = load_pcapy()
    try:
        if bpf:
            handle.setfilter(bpf)
        handle.setnonblock(1)
    except pcapy.PcapError as exc:
        raise CaptureFailure("filter", f"bad capture filter {bpf!r}: {exc}") from None


# -- dropping privileges ------------------------------------------------------------------
def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def _prctl(option: int, arg: int) -> None:
    if _libc().prctl(option, ctypes.c_ulong(arg), 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl({option}): {os.strerror(err)}")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]  # fmt: skip


def clear_capabilities(only: tuple[int, ...] | None = None) -> None:
    """Drop every capability (or only the given ones) from this process, for good.

    Used when the process keeps its uid: a user running a setcap'd interpreter, or root
    without SUDO_UID or -Z (which keeps root's files but loses the raw-socket rights).
    """
    libc = _libc()
    head, data = _CapHeader(0x20080522, 0), (_CapData * 2)()  # _LINUX_CAPABILITY_VERSION_3
    if libc.capget(ctypes.byref(head), data) != 0:
        raise OSError(ctypes.get_errno(), "capget failed")
    for cap in only if only is not None else range(64):
        if only is not None:
            try:
                _prctl(PR_CAPBSET_DROP, cap)  # needs CAP_SETPCAP; harmless when refused
            except OSError:
                pass
        word, bit = divmod(cap, 32)
        for name in ("effective", "permitted", "inheritable"):
            setattr(data[word], name, getattr(data[word], name) & ~(1 << bit))
    if libc.capset(ctypes.byref(head), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


def drop_privileges(
    uid: int | None, gid: int | None, groups: list[int], *, pdeathsig: bool = True
) -> None:
    """Become uid/gid for good (all three ids, so nothing can switch back), no new privs.

    Without a uid: root keeps its uid but loses the raw-socket capabilities; anyone else
    (a setcap'd interpreter) loses every capability.
    """
    if uid is not None and os.geteuid() == 0:
        gid = uid if gid is None else gid
        os.setgroups(groups)
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)  # from root to a user: the kernel clears every capability
        if uid != 0:
            try:
                os.setuid(0)
            except PermissionError:
                pass
            else:  # pragma: no cover - would be a kernel or libc bug
                raise RuntimeError("privileges could be regained after dropping them")
    elif os.geteuid() == 0:
        clear_capabilities((CAP_NET_ADMIN, CAP_NET_RAW))
    else:
        clear_capabilities()
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    if pdeathsig:  # set after the uid change, which clears it: stop when the parent dies
        _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


# -- writing ------------------------------------------------------------------------------
class RecordSink:
    """Encodes next_batch results as whole pcap or pcapng records, one write per batch."""

    def __init__(self, out: BinaryIO, fmt: str, linktype: int, snaplen: int, iface: str) -> None:
        self.out, self.snaplen = out, snaplen
        self.convert_sll = linktype == DLT_LINUX_SLL  # see _sll_to_sll2
        self.linktype = DLT_LINUX_SLL2 if self.convert_sll else linktype
        self.pcapng = fmt == "pcapng"
        if self.pcapng:  # microsecond ticks: what libpcap hands us, no conversion per packet
            writer = PcapngWriter(out, comment="layerscope live capture")
            writer.add_interface(self.linktype, snaplen, iface, tsresol=6)
            writer.flush()
        else:
            PcapWriter(out, self.linktype, snaplen, nanosecond=False).flush()

    def write(self, data: bytes, meta: bytes, limit: int) -> tuple[int, int]:
        """Write up to `limit` packets of one batch; returns (packets, data bytes)."""
        view, parts, nbytes, count = memoryview(data), [], 0, 0
        epb, u32, pcap_head, snap = _EPB_HEAD.pack, _U32.pack, _PCAP_HEAD.pack, self.snaplen
        # The kernel snaplen is the maximum, so libpcap's captured length is the wire length.
        for sec, usec, off, wirelen in struct.iter_unpack("IIII", meta):
            if count >= limit:
                break
            frame: Any = view[off : off + wirelen]
            if self.convert_sll:
                frame = _sll_to_sll2(frame)
                wirelen += 4
            caplen = min(wirelen, snap)
            if self.pcapng:
                ts, pad = sec * 1_000_000 + usec, _PAD[caplen & 3]
                blen = 32 + caplen + len(pad)
                head = epb(6, blen, 0, ts >> 32, ts & 0xFFFFFFFF, caplen, wirelen)
                parts += (head, frame[:caplen], pad, u32(blen))
            else:
                parts += (pcap_head(sec, usec, caplen, wirelen), frame[:caplen])
            nbytes += caplen
            count += 1
        if parts:
            self.out.write(b"".join(parts))
            self.out.flush()  # in the kernel before we count it: the file holds what we report
        return count, nbytes


def _sll_to_sll2(frame: memoryview) -> bytes:
    """Linux cooked v1 -> v2 header (libpcap 1.9 has no DLT_LINUX_SLL2 for `any`).

    v1 carries no interface index, so v2's if_index is 0 (unknown); every other field maps.
    """
    if len(frame) < _SLL.size:
        return bytes(frame)
    pkttype, hatype, halen, addr, protocol = _SLL.unpack_from(frame)
    head = _SLL2.pack(protocol, 0, 0, hatype, pkttype & 0xFF, min(halen, 255), addr)
    return head + bytes(frame[_SLL.size :])


def open_output(path: str) -> BinaryIO:
    """Open the -w file as the (already dropped) user: it is theirs, as with tcpdump -Z."""
    try:
        return open(path, "wb", buffering=1 << 20)
    except OSError as exc:
        raise CaptureFailure("io", f"{path}: {exc.strerror or exc}") from None


# -- the loop -------------------------------------------------------------------------------
class Capture:
    """Reads batches until stopped or -c is reached, then drains and reports."""

    def __init__(self, handle: Any, sink: RecordSink, control: Control, count: int) -> None:
        self.handle, self.sink, self.control = handle, sink, control
        self.count = count or 0
        self.counters = Counters()
        self.stop = False

    def remaining(self) -> int:
        return self.count - self.counters.captured if self.count else BATCH

    def read_batch(self) -> int:
        """One next_batch; returns packets written (0 when the ring had nothing ready)."""
        data, meta = self.handle.next_batch(BATCH)
        if not meta:
            return 0
        n, nbytes = self.sink.write(data, meta, self.remaining())
        self.counters.captured += n
        self.counters.bytes += nbytes
        return n

    def update_stats(self) -> None:
        """libpcap keeps cumulative totals (it adds each PACKET_STATISTICS read, which the
        kernel resets) -- so the values are used as they are, never added up again."""
        received, dropped, ifdropped = self.handle.stats()
        c = self.counters
        c.received, c.dropped, c.ifdropped = received, dropped, ifdropped

    def run(self, fd: int) -> str:
        """Capture until a signal, a closed control pipe or the count; returns why it stopped."""
        last_stats = 0.0
        while not self.stop and not self.control.closed:
            if self.count and self.counters.captured >= self.count:
                return "count"
            if not self.read_batch():
                _wait_readable(fd, 0.1)
            now = time.monotonic()
            if now - last_stats >= STATS_EVERY:
                last_stats = now
                self.update_stats()
                self.control.send(self.counters.message("stats"))
        return "signal" if self.stop else "closed"

    def drain(self) -> None:
        """Take what the ring still holds (a block becomes readable up to READ_TIMEOUT_MS late)."""
        start = quiet = time.monotonic()
        while time.monotonic() - start < DRAIN_MAX and self.remaining() > 0:
            if self.read_batch():
                quiet = time.monotonic()
            elif time.monotonic() - quiet >= DRAIN_QUIET:
                return
            else:
                time.sleep(0.01)


def _wait_readable(fd: int, timeout: float) -> None:
    try:
        select.select([fd], [], [], timeout)
    except InterruptedError:  # a signal: the loop checks `stop` next
        pass


# -- main ---------------------------------------------------------------------------------
Drop = tuple[int, int, tuple[int, ...]]  # uid, gid, supplementary groups


class _Parser(argparse.ArgumentParser):
    """A bad argument is a usage error on the control pipe, never text on stderr."""

    def error(self, message: str) -> Any:
        raise CaptureFailure("usage", message)


def build_parser() -> argparse.ArgumentParser:
    # allow_abbrev=False: no option is reachable under a shorter name than the one given
    p = _Parser(prog="layerscope-capture", description=__doc__.split("\n")[0],
                allow_abbrev=False, add_help=False)  # fmt: skip
    p.add_argument("-i", dest="interface", required=True)
    p.add_argument("-w", dest="write", required=True, help="capture file to write")
    p.add_argument("-f", dest="filter", default=None, help="BPF filter (libpcap syntax)")
    p.add_argument("-s", dest="snaplen", type=int, default=KERNEL_SNAPLEN)
    p.add_argument("-B", dest="buffer", type=int, default=DEFAULT_BUFFER_MIB, help="MiB")
    p.add_argument("-c", dest="count", type=int, default=0)
    p.add_argument("-F", dest="format", choices=("pcap", "pcapng"), default="pcapng")
    return p


def _install_signals(capture: Capture) -> None:
    def stop(signum: int, frame: object) -> None:
        capture.stop = True

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)


def set_name(name: str) -> None:
    """The name ps and /proc/PID/comm show (a fork keeps its parent's command line)."""
    try:
        _libc().prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()[:15]), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def start(args: argparse.Namespace, control: Control, drop: Drop | None) -> tuple[Capture, int]:
    """Open (privileged), drop, then filter and open the file; CaptureFailure on any refusal."""
    handle = open_handle(args.interface, max(1, args.buffer))
    uid, gid, groups = drop if drop is not None else (None, None, ())
    try:
        drop_privileges(uid, gid, list(groups))
    except OSError as exc:
        raise CaptureFailure("other", f"cannot drop privileges: {exc}") from None
    set_filter(handle, args.filter)
    snaplen = args.snaplen if 0 < args.snaplen <= KERNEL_SNAPLEN else KERNEL_SNAPLEN
    out = open_output(args.write)
    try:
        sink = RecordSink(out, args.format, handle.datalink(), snaplen, args.interface)
    except OSError as exc:
        raise CaptureFailure("io", f"{args.write}: {exc.strerror or exc}") from None
    capture = Capture(handle, sink, control, args.count)
    _install_signals(capture)  # before `ready`: the dissector may stop us right after it
    control.send({"ev": "ready", "pid": os.getpid(), "uid": os.getuid(), "gid": os.getgid(),
                  "interface": args.interface, "linktype": sink.linktype,
                  "snaplen": snaplen, "path": os.path.abspath(args.write),
                  "format": args.format})  # fmt: skip
    return capture, handle.getfd()


def main(argv: list[str] | None = None, control_fd: int = 1, drop: Drop | None = None) -> int:
    """Capture as the options say; `drop` (from the launcher, never from argv) is who to become."""
    set_name("lscope-capture")
    control = Control(control_fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # until the handler below is in place
    try:
        args = build_parser().parse_args(argv)
        capture, fd = start(args, control, drop)
    except CaptureFailure as exc:
        control.send({"ev": "error", "kind": exc.kind, "message": str(exc)})
        return 1
    except Exception as exc:  # a bug or an odd system: still one line for the user
        control.send({"ev": "error", "kind": "other", "message": f"{type(exc).__name__}: {exc}"})
        return 1
    reason = "error"
    try:
        reason = capture.run(fd)
        capture.drain()
        capture.update_stats()
    except OSError as exc:  # the disk filled up
        kind = "io" if exc.errno in (errno.ENOSPC, errno.EIO, errno.EDQUOT) else "other"
        control.send({"ev": "error", "kind": kind, "message": f"{args.write}: {exc}"})
    except Exception as exc:  # libpcap gave up (the interface went away): report, keep the file
        control.send({"ev": "error", "kind": "other", "message": f"{args.interface}: {exc}"})
    finally:
        _close(capture.sink.out.close)
    control.send(capture.counters.message("done", reason=reason))
    return 0 if reason != "error" else 1


def _close(fn: Callable[[], None]) -> None:
    try:
        fn()
    except OSError:
        pass


if __name__ == "__main__":
    sys.exit(main())
