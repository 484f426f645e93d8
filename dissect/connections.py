"""What decoders learn from a whole capture before decoding starts anywhere in it.

QUIC's decoder needs other packets of a connection to decrypt one: a server's Initial is
keyed by the client's first Destination Connection ID, a short header's connection ID
length is the connection's, packet numbers are expanded against the largest one sent
before. `learn(index)` reads the capture's UDP datagrams once, in file order, into the
capture's connection memory (dissect/protocols/quic.py `learn`) and makes decoding use it,
so a packet decodes the same whether decoding starts at the first record, in a -V worker's
chunk or at a TUI jump. It runs where the stream pass runs (the CLI before its workers
fork, the TUI's background pass after the index), for the same reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .protocols import http2, quic

LEARN_STEP = 64  # datagrams decoded between two calls of learn's `between` (a few ms)


def learn(index: Any, between: Callable[[], object] | None = None) -> quic.Connections:
    """Learn the connections of an indexed capture (indexed in full first) and decode with
    them from now on; returns the memory. `between` runs every LEARN_STEP datagrams (the
    TUI's worker steps aside for keys: a million-packet capture takes seconds)."""
    index.index_all()
    memory = quic.learn(_datagrams(index, between))
    quic.use(memory)
    return memory


@contextmanager
def learned(index: Any) -> Iterator[quic.Connections]:
    """learn(index) for the duration of a with-block; then decoding goes back to the memory
    it had (a learned memory is one capture's: another capture decoded in the same process
    must not read it)."""
    before = quic.MEMORY
    try:
        yield learn(index)
    finally:
        quic.use(before)


@contextmanager
def learned_if_met(index: Any) -> Iterator[None]:
    """For a with-block (the plain list): learned(index) if and when a QUIC packet is
    decoded (quic.LEARN_FIRST), and an HTTP/2 header block's connection framed when the
    block is decoded (http2.LEARN_STREAM), so its HPACK table is the connection's. A
    capture without them pays nothing, and a packet decodes alike in any chunk."""
    before, tables = quic.MEMORY, http2.TABLES[0]
    quic.LEARN_FIRST[0] = lambda: learn(index)
    http2.LEARN_STREAM[0] = _stream_framer(index)
    try:
        yield
    finally:
        quic.LEARN_FIRST[0] = http2.LEARN_STREAM[0] = None
        quic.use(before)
        http2.use(tables)


@contextmanager
def framed_forwards(index: Any, cap: int | None) -> Iterator[Callable[[Any], bool]]:
    """learned_if_met for a capture read forwards (its frames cannot be read again): the
    TCP frames of HTTP/2 connections are framed as they come (streams.forward.Http2Framer,
    made at the first HTTP/2 packet: a capture without HTTP/2 pays a layer lookup a
    packet), so header blocks decode with their connection's HPACK table. The function,
    given each packet in order, says whether to decode it again (an HTTP/2 packet, whose
    blocks the tables know only now). `cap`: the records held (--reassembly-limit; None:
    the PDU map's default)."""
    before = http2.TABLES[0]
    framer: list[Any] = []

    def framed(pkt: Any) -> bool:
        h2 = pkt.layer("http2") is not None
        if not framer:
            if not h2:
                return False
            from .streams.forward import Http2Framer

            framer.append(Http2Framer(index, cap, pkt.number))
        return framer[0].feed(pkt, h2)

    try:
        yield framed
    finally:
        http2.use(before)


def _stream_framer(index: Any) -> Any:
    """frame(number): the TCP connection of that frame framed once (PduMap.stream feeds
    its HTTP/2 header blocks to the HPACK tables in order); the capture's connections are
    numbered on the first call. Decoding done while it works does not call it again."""
    made: list[Any] = []
    busy: list[bool] = []

    def frame(number: int) -> None:
        if busy:
            return
        busy.append(True)
        try:
            from .streams.table import NOT_OWN_TCP, StreamTable

            if not made:
                made.append(StreamTable.build(index, analyse=False))
            table, i = made[0], number - 1
            if 0 <= i < len(table) and table.ids[i] >= 0 and not table.facts[i] & NOT_OWN_TCP:
                table.pdus.stream(table.ids[i] >> 1)  # once a stream (PduMap._done)
        finally:
            busy.clear()

    return frame


def _datagrams(
    index: Any, between: Callable[[], object] | None = None
) -> Iterator[tuple[int, bytes, int]]:
    """(number, bytes, link type) of every UDP record, in file order: the bulk filter finds
    the plain ones from fixed offsets, so a capture without UDP costs one read of the file."""
    from .fastfilter import CHUNK, scan
    from .filter import compile_filter

    # with `between`, the bulk filter's steps are as short as the datagrams' (~3 ms)
    for _upto, hits in scan(compile_filter("udp"), index, chunk=4096 if between else CHUNK):
        if between is not None:
            between()
        for k, i in enumerate(hits.tolist()):
            if between is not None and k % LEARN_STEP == LEARN_STEP - 1:
                between()
            rec = index.record(i)
            yield rec.number, rec.data, rec.linktype
