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
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import numpy as np

from dissect.index import CaptureError

STREAMS = "_streams"
RECORD = np.dtype([("tcp", "<i4"), ("udp", "<i4")])  # one record's numbers in the file


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
    try:
        with open_source(file) as idx:
            data = numbers(idx).tobytes()
    except CaptureError:
        return path
    fs.makedirs(f"{root}/{STREAMS}", exist_ok=True)
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
        return f"{file}: stream pass failed, tcp_stream/udp_stream left empty: {exc!r}"
    return ""


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
