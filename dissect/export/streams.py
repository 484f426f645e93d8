"""tcp.stream / udp.stream for the `frames` table: the stream layer's numbering of a whole
capture, shared by every chunk of it.

Wireshark numbers conversations in order of first appearance over the whole file, so a
chunk cannot number its own: before its chunks run, each capture gets one stream pass
(dissect/streams/table.py, numbering only) whose per-record numbers are written to
`OUTDIR/_streams/<capture id>.bin`: two little-endian int32 per record (TCP, UDP; -1:
none). A chunk reads only its records' slice of that file. Like the chunks, a pass is
written under a temporary name and renamed, so a resumed run or a Dask task run again
finds it whole or not at all; and any process that can read OUTDIR (a forked local
worker, a Dask worker elsewhere) uses it the same way.

The pass need not finish before the capture's chunks start: a chunk makes its `frames`
rows without the numbers and places them (`place`) when it writes them. A chunk that
finds the pass unfinished keeps its `frames` rows (a chunk's worth at most) and waits for
it at its end (`wait_slice`), so local workers export chunks while one of them numbers
the capture. A pass that ends without numbers (an unreadable capture, a failure) leaves
a marker, `<capture id>.none`, so nobody waits for it longer.
"""

from __future__ import annotations

import hashlib
import os
import time
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dissect.index import CaptureError

STREAMS = "_streams"
RECORD = np.dtype([("tcp", "<i4"), ("udp", "<i4")])  # one record's numbers in the file
NONE = ".none"  # beside the numbers' path: the pass ended without numbers
WAIT_STEP = 0.02  # seconds between looks at an unfinished pass
PASS_WAIT = 3600.0  # seconds a chunk waits for a pass before numbering the capture itself


def path_of(root: str, file: str) -> str:
    digest = hashlib.sha1(file.encode("utf-8", "surrogateescape")).hexdigest()[:24]
    return f"{root}/{STREAMS}/{digest}.bin"


def numbers(index: Any) -> np.ndarray:
    """Every record's (tcp, udp) stream number, -1 where it has none: the stream table's
    conversations, numbered as one pass over the file does."""
    from dissect.streams.table import UDP, StreamTable

    table = StreamTable.build(index, analyse=False)
    ids = np.frombuffer(table.ids, dtype=np.int32)
    udp = (np.frombuffer(table.facts, dtype=np.uint8) & UDP) != 0
    out = np.empty(len(ids), dtype=RECORD)
    out["tcp"] = np.where((ids >= 0) & ~udp, ids >> 1, -1)
    out["udp"] = np.where((ids >= 0) & udp, ids >> 1, -1)
    return out


def stream_pass(outdir: str, file: str) -> str:
    """Number the capture's streams into OUTDIR (unless an earlier run did); the path
    written. A capture that cannot be read gets no file: its chunks report why."""
    from .job import filesystem, open_source

    fs, root = filesystem(outdir)
    path = path_of(root, file)
    if fs.exists(path):
        return path
    fs.makedirs(f"{root}/{STREAMS}", exist_ok=True)
    try:
        with open_source(file) as idx:
            data = numbers(idx).tobytes()
    except CaptureError:
        _put_none(fs, path)
        return path
    tmp = f"{path}.{os.getpid()}.tmp"
    with fs.open(tmp, "wb") as f:
        f.write(data)
    fs.mv(tmp, path)
    return path


def safe_pass(outdir: str, file: str) -> str:
    """stream_pass, with an unexpected failure (a bug, a full disk) as an error line
    instead of ending the job: '' when all went well. The capture's chunks then export
    without stream numbers, and the line says why."""
    try:
        stream_pass(outdir, file)
    except Exception as exc:  # noqa: BLE001 - reported with the other captures' problems
        from .job import filesystem

        try:
            fs, root = filesystem(outdir)
            _put_none(fs, path_of(root, file))
        except OSError:  # the chunks waiting for it number the capture themselves
            pass
        return f"{file}: stream pass failed, tcp_stream/udp_stream left empty: {exc!r}"
    return ""


def _put_none(fs: Any, path: str) -> None:
    with fs.open(path + NONE, "wb"):
        pass


def clear_none(outdir: str, files: list[str]) -> None:
    """Remove what an earlier run's passes left without numbers: this run tries again,
    and its chunks must wait for that try, not take the old marker for its result."""
    from .job import filesystem

    fs, root = filesystem(outdir)
    for file in files:
        marker = path_of(root, file) + NONE
        if fs.exists(marker):
            fs.rm(marker)


def finished(outdir: str, file: str) -> bool:
    """Whether the capture's pass has ended (with numbers or without)."""
    from .job import filesystem

    fs, root = filesystem(outdir)
    path = path_of(root, file)
    return fs.exists(path) or fs.exists(path + NONE)


def wait_slice(outdir: str, file: str, start: int, stop: int | None) -> np.ndarray | None:
    """read_slice once the capture's pass has ended. One whose end does not come within
    PASS_WAIT (its worker could not even leave its marker) is run here."""
    deadline = time.monotonic() + PASS_WAIT
    while not finished(outdir, file):
        if time.monotonic() > deadline:
            safe_pass(outdir, file)
            break
        time.sleep(WAIT_STEP)
    return read_slice(outdir, file, start, stop)


def place(
    batch: pa.RecordBatch, numbers: dict[str, tuple[int, np.ndarray | None]]
) -> pa.RecordBatch:
    """The `frames` rows with tcp_stream and udp_stream placed: a record's TCP number where
    its stack has a TCP layer, else its UDP number where it has a UDP layer; on the
    fragment that completes an IP datagram (neither layer in the frame's own stack, as
    tshark's with reassembly on), the joined datagram's. `numbers`: per capture, (its
    first record in the numbers, the numbers) as read_slice gives them."""
    n = batch.num_rows
    got = np.full(n, -1, np.int64), np.full(n, -1, np.int64)
    files, records = batch.column("file"), batch.column("number").to_numpy()
    for file, (start, slice_) in numbers.items():
        if slice_ is None or not len(slice_):
            continue
        mine = np.ones(n, bool) if len(numbers) == 1 else pc.equal(files, file).to_numpy(
            zero_copy_only=False)  # fmt: skip
        at = records - 1 - start
        mine &= (at >= 0) & (at < len(slice_))
        pick = slice_[at[mine]]
        got[0][mine], got[1][mine] = pick["tcp"], pick["udp"]
    stacks = batch.column("protocols")
    has_tcp = pc.match_substring_regex(stacks, "(^|:)tcp(:|$)").to_numpy(zero_copy_only=False)
    has_udp = pc.match_substring_regex(stacks, "(^|:)udp(:|$)").to_numpy(zero_copy_only=False)
    joined = ~has_tcp & ~has_udp
    tcp = np.where((got[0] >= 0) & (has_tcp | joined), got[0], -1)
    udp = np.where((tcp < 0) & (got[1] >= 0) & (has_udp | joined), got[1], -1)
    names = batch.schema.names
    for name, values in (("tcp_stream", tcp), ("udp_stream", udp)):
        k = names.index(name)
        column = pa.array(values, mask=values < 0).cast(batch.schema.field(k).type)
        batch = batch.set_column(k, batch.schema.field(k), column)
    return batch


def read_slice(outdir: str, file: str, start: int, stop: int | None) -> np.ndarray | None:
    """Records start..stop-1's numbers (stop None: to the end); None when the capture has
    no stream pass (it could not be read)."""
    from .job import filesystem

    fs, root = filesystem(outdir)
    path = path_of(root, file)
    if not fs.exists(path):
        return None
    with fs.open(path, "rb") as f:
        f.seek(start * RECORD.itemsize)
        data = f.read(-1 if stop is None else (stop - start) * RECORD.itemsize)
    return np.frombuffer(data, dtype=RECORD)
