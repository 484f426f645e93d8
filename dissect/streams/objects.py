"""`--export-objects http,DIR`: every HTTP/1.x message body of the capture, as a file.

Each TCP stream is followed (follow.py: in order, retransmissions once); its client bytes
are read as requests and its server bytes as responses (RFC 9112): the body by
Content-Length, chunked transfer coding (de-chunked), or, for a response, to the end of
the stream; a gzip or deflate Content-Encoding is undone. Like tshark, request bodies (a
POST's upload) and response bodies are both written, in stream order, named after the
last part of the request's URI, with "(1)", "(2)"... when a name repeats.

Nothing from the packet chooses where a file goes: a name is one path component made of
safe characters (everything else percent-encoded; never empty, "." or ".."), created
inside DIR only, never over an existing file nor through a symlink. Bodies and their
decompressed size are capped (MAX_BODY): a decompression bomb stops there.
"""

from __future__ import annotations

import os
import re
import zlib
from dataclasses import dataclass
from typing import Any

from .follow import follow
from .table import StreamTable

MAX_BODY = 256 << 20  # bytes of one body written at most (also after decompression)
MAX_NAME = 250  # characters of a file name (room for "(N)" within 255 bytes)
SAFE = re.compile(rb"[^A-Za-z0-9._\-=&,+~()%]")


@dataclass(slots=True)
class HttpObject:
    frame: int  # where the message ended
    name: str
    body: bytes


def export_http(index: Any, table: StreamTable, directory: str) -> list[str]:
    """Write every HTTP body under `directory` (created if missing); the names written."""
    os.makedirs(directory, exist_ok=True)
    objects: list[HttpObject] = []
    for n in range(table.tcp_streams):
        objects += stream_objects(index, table, n)
    objects.sort(key=lambda o: o.frame)
    written: list[str] = []
    taken = set(os.listdir(directory))
    for obj in objects:
        name = _unique(obj.name, taken)
        fd = os.open(os.path.join(directory, name),
                     os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)  # fmt: skip
        with os.fdopen(fd, "wb") as fh:
            fh.write(obj.body)
        taken.add(name)
        written.append(name)
    return written


def stream_objects(index: Any, table: StreamTable, stream: int) -> list[HttpObject]:
    """The bodies of one TCP stream's requests and responses."""
    f = follow(index, table, "tcp", stream)
    sides: list[tuple[bytearray, list[int]]] = [(bytearray(), []), (bytearray(), [])]
    for c in f.chunks:  # each byte's frame, as (end offset, frame) steps
        buf, ends = sides[c.direction]
        buf += c.data
        ends.append(len(buf))
        ends.append(c.frame)
    requests = list(_messages(bytes(sides[0][0]), True))
    if not requests or not requests[0][0].split(b" ", 1)[0].isalpha():
        requests, client = list(_messages(bytes(sides[1][0]), True)), 1
    else:
        client = 0
    responses = list(_messages(bytes(sides[1 - client][0]), False))
    out = []
    names = [_name(start) for start, _body, _end in requests]
    for start, body, end in requests:
        if body:
            out.append(HttpObject(_frame_at(sides[client][1], end), _name(start), body))
    for k, (_start, body, end) in enumerate(responses):
        if body:
            name = names[k] if k < len(names) else "object"
            out.append(HttpObject(_frame_at(sides[1 - client][1], end), name, body))
    return out


def _frame_at(steps: list[int], end: int) -> int:
    """The frame that brought the byte before offset `end`."""
    for k in range(0, len(steps), 2):
        if steps[k] >= end:
            return steps[k + 1]
    return steps[-1] if steps else 0


def _messages(data: bytes, requests: bool):  # noqa: ANN202  (an iterator of tuples)
    """(start line, body, end offset) of each HTTP/1.x message in one direction."""
    pos = 0
    while pos < len(data):
        head_end = data.find(b"\r\n\r\n", pos)
        if head_end < 0 or head_end - pos > 65536:
            return
        lines = data[pos:head_end].split(b"\r\n")
        start, headers = lines[0], _headers(lines[1:])
        if not (start.startswith(b"HTTP/") or b" HTTP/" in start):
            return  # not HTTP (or lost our place): stop, never guess
        pos = head_end + 4
        body, pos = _body(data, pos, headers, requests, start)
        yield start, _decoded(body, headers), pos


def _headers(lines: list[bytes]) -> dict[bytes, bytes]:
    out = {}
    for line in lines:
        name, _, value = line.partition(b":")
        out[name.strip().lower()] = value.strip()
    return out


def _body(data: bytes, pos: int, headers: dict[bytes, bytes], request: bool,
          start: bytes) -> tuple[bytes, int]:  # fmt: skip
    if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
        return _dechunk(data, pos)
    length = headers.get(b"content-length")
    if length is not None and length.isdigit() and len(length) < 16:
        n = min(int(length), MAX_BODY)
        return data[pos : pos + n], pos + n
    code = start.split(b" ", 2)[1] if not request and start.count(b" ") else b""
    if request or code[:1] == b"1" or code in (b"204", b"304"):
        return b"", pos
    return data[pos : pos + MAX_BODY], len(data)  # to the end of the connection


def _dechunk(data: bytes, pos: int) -> tuple[bytes, int]:
    """RFC 9112 7.1: size line, data, CRLF ... a zero size and the trailers."""
    out = bytearray()
    while pos < len(data) and len(out) < MAX_BODY:
        eol = data.find(b"\r\n", pos)
        if eol < 0:
            break
        size_text = data[pos:eol].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            break
        pos = eol + 2
        if size == 0:
            end = data.find(b"\r\n\r\n", pos - 2)
            return bytes(out), (end + 4 if end >= 0 else len(data))
        out += data[pos : pos + size]
        pos += size + 2
    return bytes(out[:MAX_BODY]), min(pos, len(data))


def _decoded(body: bytes, headers: dict[bytes, bytes]) -> bytes:
    """The body without its gzip/deflate content coding (as it was: anything else, or a
    coding that fails); at most MAX_BODY bytes come out."""
    coding = headers.get(b"content-encoding", b"").lower()
    if coding not in (b"gzip", b"x-gzip", b"deflate") or not body:
        return body
    for wbits in (31,) if b"gzip" in coding else (15, -15):
        try:
            d = zlib.decompressobj(wbits)
            return d.decompress(body, MAX_BODY)
        except zlib.error:
            continue
    return body


def _name(start: bytes) -> str:
    """A safe file name from a request line's URI: its last path part, query kept and
    escaped ('?' as %3f, as tshark writes it)."""
    parts = start.split(b" ")
    uri = parts[1] if len(parts) > 1 else b""
    uri = uri.split(b"#", 1)[0]
    path, q, query = uri.partition(b"?")
    last = path.rstrip(b"/").rsplit(b"/", 1)[-1]
    raw = last + (b"?" + query if q else b"")
    name = SAFE.sub(lambda m: b"%%%02x" % m.group()[0], raw).decode("ascii")[:MAX_NAME]
    return name if name.strip(".") else "object"


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    for k in range(1, 1 << 20):
        cand = f"{name}({k})"
        if cand not in taken:
            return cand
    raise OSError("too many files of one name")
