"""What the Statistics screen's workers count, in forked processes (dissect/parallel.py) so
that the UI process only waits on pipes and the keys keep the interpreter.

Two groups run at the same time, each sending partial results as it goes, so that every
screen shows its first table within a second or two of the key and completes later:
`index_parts` (conversations and endpoints in two processes, then the protocol
hierarchy a span of records each) and `decoding_parts` (the statistics that need every
packet decoded, in one process that keeps its statistics across spans of rows).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Iterator
from time import monotonic
from typing import Any

from dissect.stats import Pass
from dissect.stats.expert import Expert
from dissect.stats.phs import ProtocolHierarchy
from dissect.stats.trees import StatsTree
from dissect.streams import annotate

FIRST_SPAN = 4096  # rows decoded before the first partial statistics go back
FORKED_SPAN = 16384  # rows decoded between two looks at cancel and progress afterwards
PARTIAL_EVERY = 0.5  # seconds between two partial results a process sends back
SEND_EVERY = 4  # spans between two partial results of the decoding processes (all alike)
MAX_PROCESSES = 4  # decoding processes at most (each grows its own stream pass)
NICE = 10  # the counting processes' priority: the UI process has the cores first
# the decoding processes' priority, lower still: the hierarchy (a few seconds of CPU in
# all) completes first, then the expert, HTTP and DNS take the cores left
DECODING_NICE = 15


def background(ui: int, nice: int = NICE) -> None:
    """In a counting process (never the UI's own, `ui`), once its first results are out:
    lower its priority, so that the scheduler runs the UI process first when a key
    comes and the rest of the counting on what is left of the cores."""
    if os.getpid() != ui and os.getpriority(os.PRIO_PROCESS, 0) < nice:
        os.setpriority(os.PRIO_PROCESS, 0, nice)


def index_parts(index: Any, shown: Any, tables: list[Any], hierarchy: bool,
                cancelled: Callable[[], bool]) -> Iterator[tuple[str, Any, float]]:  # fmt: skip
    """("tables", the tables counted, 1.0), then ("phs", the hierarchy so far, the share of
    records counted) about every PARTIAL_EVERY seconds and at the end (share 1.0), over
    the shown records: the tables in two forked processes (half each), then the
    hierarchy's records a span each (dissect/stats/phs.py); a small capture counted
    here. `cancelled()` true stops the processes between parts."""
    from dissect import parallel
    from dissect.stats import phs
    from dissect.stats.vector import count_tables

    size = max(parallel.CHUNK, len(shown) // (8 * max(1, parallel.worker_count())))
    halves = [tables[: len(tables) // 2], tables[len(tables) // 2 :]]  # one per process
    spans = parallel.spans(0, len(shown), size) if hierarchy else []
    work = [(-1, 0), (-1, 1), *spans]
    ui = os.getpid()

    def part(span: tuple[int, int]) -> bytes:
        if span[0] < 0:  # the tables: a fraction of a second, at the UI's priority
            count_tables(halves[span[1]], index, shown, False)
            return pickle.dumps(halves[span[1]])
        if span[0] > 0:  # the first span at the UI's priority: its partial tree comes soon
            background(ui)
        return pickle.dumps(phs.count_paths(index, shown[span[0] : span[1]], False))

    if len(shown) < parallel.MIN_PACKETS:
        results: Any = (part(span) for span in work)
    else:
        results = parallel.ordered_map(part, work, max(2, parallel.worker_count()))
    paths: list[Any] = []
    sent = monotonic()
    try:
        for k, got in enumerate(results):
            if cancelled():
                return
            if k == 0:
                counted = pickle.loads(got)
            elif k == 1:
                yield "tables", counted + pickle.loads(got), 1.0
            else:
                paths.append(pickle.loads(got))
                if k == len(work) - 1 or monotonic() - sent >= PARTIAL_EVERY:
                    sent = monotonic()
                    upto = spans[len(paths) - 1][1]
                    first = tables[0].first_ns if tables else None
                    tree = hierarchy_of(paths, index, shown[:upto], first)
                    yield "phs", tree, upto / len(shown)
    finally:
        results.close()


def hierarchy_of(paths: list[Any], index: Any, shown: Any, first_ns: int | None) -> Any:
    """The protocol hierarchy of the paths counted over these shown records."""
    from dissect.stats import phs

    tree = ProtocolHierarchy()
    tree.first_ns = first_ns
    phs.add_paths(tree, phs.merge_paths(paths), index, shown)
    return tree


def decoding_parts(source: Any, rows: Any, stats_pass: Pass, streams: Any, reassembly: int,
                   cancelled: Callable[[], bool],
                   processes: int | None = None) -> Iterator[tuple[int, list[Any] | None]]:  # fmt: skip
    """(rows counted, the statistics so far or None) after each span of rows, decoded in
    forked processes that keep their statistics across spans; the statistics come back
    every few spans and after the last. Each packet gets the stream fields the CLI gives
    (annotate with later=False): from `streams`, the stream pass the browser has already
    run, or else from the process's own pass, grown a chunk at a time just ahead of the
    rows decoded (so nothing waits for the whole pass; with reassembly asked, the PDUs
    need the whole pass first).

    The expert and the stats trees (the TUI's) are counted in `processes` processes (the
    cores), each fed the packets of its share of the conversations (`owned`): a TCP
    stream's connection events and a DNS transaction's retransmissions need all of its
    packets in order, nothing needs two conversations together. The parent merges the
    experts (Expert.merge) and replays the trees' ticks in packet order
    (StatsTree.replay): the statistics one process fed every row counts. Other
    statistics (the hierarchy, with reassembly asked) go through one process whole."""
    from dissect import parallel

    index = source.complete_index()
    first = min(FIRST_SPAN, len(rows))
    spans = parallel.spans(0, first, FIRST_SPAN) + parallel.spans(first, len(rows), FORKED_SPAN)
    own: dict[str, Any] = {}  # in a process: its own stream pass, as far as it went
    ui = os.getpid()
    if not all(isinstance(st, Expert | StatsTree) for st in stats_pass.stats):
        yield from _whole(source, index, rows, spans, stats_pass, streams, reassembly, cancelled)
        return
    if processes is None:
        processes = max(1, min(MAX_PROCESSES, parallel.worker_count()))
    sends = {k for k in range(len(spans)) if k % SEND_EVERY == 0} | {len(spans) - 1}
    # what the parent counts into: the statistics as they are before any packet
    blank = pickle.dumps(stats_pass.stats)
    merged = pickle.loads(blank)

    def part(item: tuple[int, int]) -> bytes:
        k, p = item
        if k > 0:  # the first span at the UI's priority: its statistics come soon
            background(ui, DECODING_NICE)
        for st in stats_pass.stats:  # (the process's own copies)
            if isinstance(st, StatsTree) and st.log is None:
                st.record()
        span = spans[k]
        table = streams
        if table is None:
            table = _own_table(own, index, reassembly, source.conversation_limit,
                               rows[span[1] - 1])  # fmt: skip
        feed_rows(source, index, table, owned(table, rows[span[0] : span[1]], p, processes),
                  stats_pass)  # fmt: skip
        if k not in sends:
            return b""
        return pickle.dumps([st.counted() if isinstance(st, Expert) else st.logged()
                             for st in stats_pass.stats])  # fmt: skip

    work = [(k, p) for k in range(len(spans)) for p in range(processes)]
    results = parallel.ordered_map(part, work, processes)
    got: list[Any] = []
    try:
        for (k, p), out in zip(work, results, strict=False):
            if cancelled():
                return
            if out:
                got.append(pickle.loads(out))
            if p < processes - 1:
                continue
            if not got:
                yield spans[k][1], None
                continue
            yield spans[k][1], _merge(merged, got, blank)
            got = []
    finally:
        results.close()


def _merge(merged: list[Any], got: list[list[Any]], blank: bytes) -> list[Any]:
    """The statistics of every process so far: experts merged anew from their counts,
    the trees' new ticks replayed into `merged`'s in packet order; copies, for the
    interface to read while counting goes on."""
    import heapq

    out = pickle.loads(blank)
    for j, st in enumerate(merged):
        parts = [g[j] for g in got]
        if isinstance(st, Expert):
            out[j].merge(parts)
        else:
            ticks = heapq.merge(*(log for log, _taps in parts), key=lambda tick: tick[0])
            st.replay(ticks, [tap for _log, taps in parts for tap in taps])
            out[j] = pickle.loads(pickle.dumps(st))
    return out


def owned(table: Any, rows: Any, p: int, processes: int) -> Any:
    """Of these rows (sorted, all in the stream pass), those process p of `processes`
    counts: a TCP or UDP conversation's all in the same process (by its stream number),
    a record past the conversation limit in the first (the expert numbers those streams
    itself), a record of no conversation anywhere."""
    import numpy as np

    from dissect.streams.table import UDP, UNTRACKED

    rows = np.asarray(rows, np.int64)
    if processes == 1 or not len(rows):
        return rows
    lo, hi = int(rows[0]), int(rows[-1]) + 1
    ids = np.frombuffer(table.ids[lo:hi], np.int32)[rows - lo].astype(np.int64)
    facts = np.frombuffer(table.facts[lo:hi], np.uint8)[rows - lo]
    key = (ids >> 1) * 2 + (facts & UDP != 0)
    spread = (key * 2654435761 & 0xFFFFFFFF) >> 16  # neighbouring streams apart
    owner = np.where(ids >= 0, spread, np.where(facts & UNTRACKED, 0, rows)) % processes
    return rows[owner == p]


def _whole(source: Any, index: Any, rows: Any, spans: list[tuple[int, int]], stats_pass: Pass,
           streams: Any, reassembly: int,
           cancelled: Callable[[], bool]) -> Iterator[tuple[int, list[Any] | None]]:  # fmt: skip
    """decoding_parts in one process that keeps `stats_pass` whole across spans, sending
    it back about every PARTIAL_EVERY seconds and after the last span."""
    from dissect import parallel

    sent = [monotonic()]  # in the process: when it last sent the statistics
    own: dict[str, Any] = {}  # in the process: its own stream pass, as far as it went
    ui = os.getpid()

    def part(span: tuple[int, int]) -> bytes:
        if span[0] > 0:  # the first span at the UI's priority: its statistics come soon
            background(ui)
        table = streams
        if table is None:
            table = _own_table(own, index, reassembly, source.conversation_limit,
                               rows[span[1] - 1])  # fmt: skip
        feed_rows(source, index, table, rows[span[0] : span[1]], stats_pass)
        if span != spans[-1] and monotonic() - sent[0] < PARTIAL_EVERY:
            return b""
        sent[0] = monotonic()
        return pickle.dumps(stats_pass.stats)

    results = parallel.ordered_map(part, spans, 1)
    try:
        for span, out in zip(spans, results, strict=False):
            if cancelled():
                return
            yield span[1], pickle.loads(out) if out else None
    finally:
        results.close()


def _own_table(own: dict[str, Any], index: Any, reassembly: int, limit: int, row: int) -> Any:
    """A decoding process's own stream pass, as far as record `row` at least (whole with
    reassembly asked); `own` keeps it between spans."""
    from dissect.streams.table import StreamTable

    if reassembly:
        if "table" not in own:
            own["table"] = StreamTable.build(index, None, True, limit)
            own["table"].pdus.cap = reassembly  # as the CLI's
        return own["table"]
    grower = own.setdefault("grower", StreamTable.grown(index, True, limit))
    table = own["table"] = own["table"] if "table" in own else next(grower)
    while len(table) <= row:
        next(grower)
    return table


def feed_rows(source: Any, index: Any, streams: Any, rows: Any, stats_pass: Pass) -> None:
    """Decode these displayed rows (in order, all in the index) into the statistics, but
    those dissect/stats/silent.py spares (numpy, a chunk of the capture at a time): the
    silent ones count nothing, a quiet TCP segment's expert entries come from its stream
    pass row. Every row is decoded with PDUs put together, or for other statistics."""
    import numpy as np

    from dissect.fastfilter import CHUNK, Columns
    from dissect.stats.silent import spared

    records = np.asarray(rows, np.int64)
    expert = spares_for(stats_pass) if streams is not None and streams.pdus is None else None
    k = 0
    while k < len(records):
        a = int(records[k])
        stop = int(np.searchsorted(records, a + CHUNK))
        todo = np.zeros(int(records[stop - 1]) + 1 - a, bool)
        todo[records[k:stop] - a] = True
        segments: dict[int, Any] = {}  # position in the chunk -> its values (silent.Segment)
        counts: list[tuple[int, int, Any, int]] = []  # segments' entries counted at once
        if expert is not None:
            c = Columns(index, a, a + len(todo), 0)
            got = spared(c, todo, streams)
            c.release()
            todo &= ~got.silent
            at, alone = got.segments, _on_their_own(got)
            todo[at[alone]] = False
            counts = expert.segment_counts(a + at[alone] + 1, *_columns(got, alone))
            counts.sort(key=lambda e: e[:2])
            segments = got.segments_at(~alone)
        j = 0
        for i in np.flatnonzero(todo).tolist():
            while j < len(counts) and counts[j][0] <= a + i:  # entries first seen before
                expert.count(counts[j][2], counts[j][0], counts[j][3])
                j += 1
            seg = segments.get(i)
            if seg is not None and expert is not None:
                expert.add_segment(a + i + 1, seg)
            else:
                feed_row(source, streams, a + i, stats_pass)
        for number, _rank, entry, times in counts[j:]:
            expert.count(entry, number, times)
        k = stop


def _on_their_own(got: Any) -> Any:
    """Which of a chunk's quiet segments count entries that depend on no other packet
    (Expert.segment_counts): no FIN (the closing notes go by the stream's first FIN), no
    SYN the expert would number a stream for (the pass gave it none)."""
    from dissect.stats.expert import FIN, SYN

    flags, ids = got.values[2], got.values[-1]
    return (flags & FIN == 0) & ((ids >= 0) | (flags & SYN == 0))


def _columns(got: Any, rows: Any) -> list[Any]:
    """Analysis flags, number, flags and the ports of these quiet segments."""
    return [got.values[k][rows] for k in range(5)]


def spares_for(stats_pass: Pass) -> Any:
    """The pass's Expert when every statistic in it counts nothing of what
    dissect/stats/silent.py spares (the expert and the HTTP and DNS trees, unfiltered),
    else None: every row is then decoded."""
    from dissect.stats.expert import Expert
    from dissect.stats.silent import COUNTED
    from dissect.stats.trees import StatsTree

    experts = [st for st in stats_pass.stats if isinstance(st, Expert) and st.flt is None]
    trees = [st for st in stats_pass.stats
             if isinstance(st, StatsTree) and st.flt is None and st.tap <= COUNTED]  # fmt: skip
    if len(experts) != 1 or len(experts) + len(trees) != len(stats_pass.stats):
        return None
    return experts[0]


def feed_row(source: Any, streams: Any, row: int, stats_pass: Pass) -> None:
    """Decode one displayed row, with the stream fields the CLI gives it (what only later
    packets tell left out), into the statistics."""
    pkt = source.fresh_packet(row)
    if streams is not None and row < source.indexed:
        annotate(pkt, streams, later=False)
    stats_pass.add(pkt)
    pkt.release()
