"""`-z io,stat,INTERVAL[,COLUMN...]`: frames and bytes per interval, each column with its
own display filter, or COUNT/SUM/MIN/MAX/AVG(field)FILTER, FRAMES(...)/BYTES(...), laid
out as tshark 4.0's tap-iostat table (intervals from the capture's first packet, the last
one ending at the capture's duration). Intervals are kept in a dict: empty ones cost
nothing, and MAX_BUCKETS bounds a tiny interval over a long capture.
"""

from __future__ import annotations

import re
from typing import Any

from ..engine import FIELDS, Packet
from . import Statistic, StatsUsageError, filter_of

NS = 1_000_000_000
US = 1000
MAX_BUCKETS = 1_000_000
FUNCTIONS = ("COUNT", "SUM", "MIN", "MAX", "AVG", "FRAMES", "BYTES")
_CALL = re.compile(r"^\s*([A-Z]+)\(\s*([A-Za-z0-9_.\-]+)\s*\)(.*)$", re.S)


class Column:
    """One column: a filter, and a function of a field or frames and bytes."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.function, self.field = "", ""
        m = _CALL.match(text)
        flt = text
        if m and m.group(1) in FUNCTIONS:
            self.function, self.field, flt = m.group(1), m.group(2), m.group(3)
        elif m:
            raise StatsUsageError(f"io,stat column {text!r}: {m.group(1)} is not one of "
                                  f"{', '.join(FUNCTIONS)}")  # fmt: skip
        self.flt = filter_of(flt)
        self.ref = None
        if self.field:
            self.ref = _field_ref(self.field)
        self.buckets: dict[int, list[Any]] = {}  # interval -> [frames, bytes, n, sum, min, max]

    def add(self, bucket: int, pkt: Packet, fr: Any) -> None:
        if self.flt is not None and not self.flt.match(pkt, fr.t0_ns):
            return
        b = self.buckets.get(bucket)
        if b is None:
            if len(self.buckets) >= MAX_BUCKETS:
                return
            b = self.buckets[bucket] = [0, 0, 0, 0, None, None]
        b[0] += 1
        b[1] += pkt.wirelen
        if self.ref is None:
            return
        values = [_number(v) for v in self.ref.values(fr)]
        values = [v for v in values if v is not None]
        b[2] += len(values)
        if values:
            b[3] += sum(values)
            lo, hi = min(values), max(values)
            b[4] = lo if b[4] is None else min(b[4], lo)
            b[5] = hi if b[5] is None else max(b[5], hi)

    def value(self, bucket: int) -> Any:
        """This column's number(s) for one interval: (frames, bytes) or one value."""
        b = self.buckets.get(bucket) or [0, 0, 0, 0, None, None]
        f = self.function
        if not f:
            return (b[0], b[1])
        if f == "FRAMES":
            return b[0]
        if f == "BYTES":
            return b[1]
        if f == "COUNT":
            return b[2]
        if f == "SUM":
            return b[3]
        if f in ("MIN", "MAX"):
            v = b[4] if f == "MIN" else b[5]
            return 0 if v is None else v
        if not b[2]:
            return 0
        return b[3] / b[2] if isinstance(b[3], float) else b[3] // b[2]

    @property
    def label(self) -> str:
        return self.text if self.text else "Frames and bytes"


def matching(flt: Any, index: Any) -> Any:
    """Record numbers of the index that a display filter matches (the vectorised scan)."""
    import numpy as np

    from ..fastfilter import scan

    hits = [h for _upto, h in scan(flt, index)]
    return np.concatenate(hits).astype(np.int64) if hits else np.zeros(0, np.int64)


def _field_ref(name: str) -> Any:
    from ..filter import FilterError, resolve

    try:
        return resolve(name, 0)
    except FilterError:
        raise StatsUsageError(f"io,stat: unknown field {name!r}") from None


def _number(v: Any) -> int | float | None:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int | float):
        return v
    return None


class IoStat(Statistic):
    title = "IO Statistics"

    def __init__(self, interval_text: str, columns: list[str]) -> None:
        super().__init__()
        try:
            secs = float(interval_text)
        except ValueError:
            secs = -1.0
        if not secs >= 0 or secs > 10**9:
            raise StatsUsageError(f"io,stat: invalid interval {interval_text!r} (seconds >= 0)")
        self.interval_ns = round(secs * NS)
        frac = interval_text.partition(".")[2]
        self.precision = len(frac.rstrip("0")) if self.interval_ns else 0
        self.columns = [Column(c) for c in (columns or [""])]

    def add(self, pkt: Packet) -> None:
        from ..filter import Frame

        first = self.first_ns if self.first_ns is not None else pkt.time_ns
        rel = max(0, pkt.time_ns - first)
        bucket = rel // self.interval_ns if self.interval_ns else 0
        fr = Frame(None, pkt.data, pkt.linktype, pkt.number, pkt.time_ns, pkt.wirelen,  # type: ignore[arg-type]
                   pkt.interface, pkt.comment, first, pkt)  # fmt: skip
        for col in self.columns:
            col.add(bucket, pkt, fr)

    # -- from the index alone ---------------------------------------------------------------
    @property
    def index_only(self) -> bool:
        """Frames and bytes per filter need no decode: the index's times and lengths and
        the vectorised filter scan answer them (COUNT/SUM... of a field do need one)."""
        return all(not c.function for c in self.columns)

    def from_index(self, index: Any, shown: Any) -> None:
        """Count every column over the index's records `shown` (an array of record
        numbers, or None for all) in a few numpy operations."""
        import numpy as np

        from ..fastfilter import times_ns

        n = len(index)
        _offs, _caps, wires, raw, _ifaces = index.arrays(0, n)
        times = times_ns(index, raw)
        lengths = np.frombuffer(wires, dtype=np.uint32).astype(np.int64)
        rows = np.arange(n) if shown is None else shown
        if self.first_ns is None:
            self.first_ns = int(times[0]) if n else None
        if len(rows):
            self.last_ns = int(times[rows[-1]])
        for col in self.columns:
            picked = rows if col.flt is None else np.intersect1d(rows, matching(col.flt, index))
            rel = np.maximum(times[picked] - (self.first_ns or 0), 0)
            buckets = rel // self.interval_ns if self.interval_ns else np.zeros(len(rel), np.int64)
            frames = np.bincount(buckets)
            sizes = np.bincount(buckets, weights=lengths[picked])
            for k in np.flatnonzero(frames)[:MAX_BUCKETS].tolist():
                col.buckets[k] = [int(frames[k]), int(sizes[k]), 0, 0, None, None]

    # -- the table ------------------------------------------------------------------------
    def duration_ns(self) -> int:
        if self.first_ns is None or self.last_ns is None:
            return 0
        return max(0, self.last_ns - self.first_ns)

    def rows(self) -> list[tuple[int, int, list[Any]]]:
        """(start ns, end ns, values per column) for every interval up to the duration."""
        dur = self.duration_ns()
        if (dur + 500) // 1000 == 0:  # tshark draws no interval for a capture of no duration
            return []
        step = self.interval_ns if 0 < self.interval_ns <= dur else 0
        if not step:
            return [(0, dur, [c.value(0) for c in self.columns])]
        count = min(max(1, -(-dur // step)), MAX_BUCKETS)  # as tshark: the last one is partial
        return [(k * step, min((k + 1) * step, dur), [c.value(k) for c in self.columns])
                for k in range(count)]  # fmt: skip

    def text(self) -> str:
        return draw(self)

    def as_dict(self) -> dict[str, Any]:
        cols = [{"column": i + 1, "filter": c.label, "function": c.function or "FRAMES+BYTES",
                 "field": c.field} for i, c in enumerate(self.columns)]  # fmt: skip
        rows = []
        for start, end, values in self.rows():
            cells = [{"frames": v[0], "bytes": v[1]} if isinstance(v, tuple) else v
                     for v in values]  # fmt: skip
            rows.append({"start": start / NS, "end": end / NS, "values": cells})
        return {
            "statistic": "io,stat",
            "interval": self.interval_ns / NS,
            "duration": self.duration_ns() / NS,
            "columns": cols,
            "intervals": rows,
        }


def _magnitude(n: int) -> int:
    return len(str(max(0, n)))


def draw(st: IoStat) -> str:
    """tshark 4.0's layout: header box, the columns' filters, one row per interval."""
    dur = st.duration_ns()
    whole = not (0 < st.interval_ns <= dur)
    dur_mag = _magnitude(dur // NS)
    prec = (1 if dur_mag >= 2 else 3 if dur_mag == 1 else 6) if whole else st.precision
    if whole and dur < NS:
        prec = 3 if dur_mag <= 1 else prec
    rows = st.rows()
    cells = [_interval_cell(s, e, prec, dur_mag, dur, whole, last=(i == len(rows) - 1))
             for i, (s, e, _v) in enumerate(rows)]  # fmt: skip
    width = max([len(c) for c in cells] + [len(" Interval ")])
    heads, fmts = _column_formats(st, rows)
    table_w = 1 + width + 1 + sum(len(h) + 1 for h in heads)
    lines = _header_box(st, prec, dur_mag, dur, whole, table_w)
    numbers = "".join(f"{str(i + 1):<{len(h)}}|" for i, h in enumerate(heads))
    lines.append(f"|{'':<{width}}|{numbers}")
    lines.append(f"|{' Interval':<{width}}|" + "".join(h + "|" for h in heads))
    lines.append("|" + "-" * (table_w - 2) + "|")
    for cell, (_s, _e, values) in zip(cells, rows, strict=True):
        lines.append(
            f"|{cell:<{width}}|" + "".join(f(v) for f, v in zip(fmts, values, strict=True))
        )
    lines.append("=" * table_w)
    return "\n" + "\n".join(lines) + "\n"


def _interval_cell(start: int, end: int, prec: int, mag: int, dur: int, whole: bool,
                   last: bool) -> str:  # fmt: skip
    def secs(ns: int) -> str:
        if not prec:
            return f"{ns // NS:{mag}d}"
        q = 10 ** (9 - prec)
        v = (ns + (q // 2 if ns == dur else 0)) // q
        return f"{v // 10**prec:{mag}d}.{v % 10**prec:0{prec}d}"

    if last and not whole and prec == 0 and end >= dur:
        return f" {secs(start)} <> Dur"
    return f" {secs(start)} <> {secs(end)} "


def _column_formats(st: IoStat, rows: list[Any]) -> tuple[list[str], list[Any]]:
    heads: list[str] = []
    fmts: list[Any] = []
    for k, col in enumerate(st.columns):
        values = [r[2][k] for r in rows]
        if not col.function:
            fw = max(6, max((_magnitude(v[0]) for v in values), default=1))
            bw = max(5, max((_magnitude(v[1]) for v in values), default=1))
            heads.append(f" {'Frames':>{fw}} | {'Bytes':>{bw}} ")
            fmts.append(lambda v, fw=fw, bw=bw: f" {v[0]:{fw}d} | {v[1]:{bw}d} |")
            continue
        floats = any(isinstance(v, float) for v in values) or _is_float(col.field)
        if floats:
            w = max(len(col.function), max((_magnitude(int(v)) + 7 for v in values), default=8))
            fmts.append(lambda v, w=w: f" {float(v):{w}.6f} |")
        else:
            w = max(len(col.function), max((_magnitude(abs(v)) for v in values), default=1))
            if col.function in ("FRAMES", "BYTES", "COUNT"):
                w = max(w, 5)
            fmts.append(lambda v, w=w: f" {int(v):{w}d} |")
        heads.append(f" {col.function:^{w}} ")
    return heads, fmts


def _is_float(name: str) -> bool:
    spec = FIELDS.get(name)
    return (spec is not None and spec.kind == "float") or name.startswith("frame.time")


def _header_box(st: IoStat, prec: int, mag: int, dur: int, whole: bool, width: int) -> list[str]:
    def boxed(text: str) -> str:
        return f"|{text:<{width - 2}}|"

    interval = dur if whole else st.interval_ns
    shown = f"{dur / NS:.{prec or 6}f}"
    step = f"{interval // NS:{mag}d}" if not prec else f"{interval / NS:{mag + prec + 1}.{prec}f}"
    lines = ["=" * width, boxed(" IO Statistics"), boxed(""), boxed(f" Duration: {shown} secs"),
             boxed(f" Interval: {step} secs"), boxed("")]  # fmt: skip
    for i, col in enumerate(st.columns):
        lead = " Col " if i == 0 else "     "
        lines.append(boxed(f"{lead}{i + 1}: {col.label}"))
    lines.append("|" + "-" * (width - 2) + "|")
    return lines


def parse(spec: str) -> IoStat:
    parts = spec.split(",")
    if len(parts) < 3:
        raise StatsUsageError(f"-z {spec!r}: expected io,stat,INTERVAL[,COLUMN...]")
    return IoStat(parts[2], parts[3:])


class Timeline(Statistic):
    """Frames, bytes and the first packet number per fine interval, for each of several
    display filters: the TUI's I/O graph, which zooms and pans by regrouping these
    intervals without another pass. `buckets` intervals of `bucket_ns` from `start_ns`."""

    def __init__(self, start_ns: int, bucket_ns: int, buckets: int, filters: list[str]) -> None:
        super().__init__()
        self.start_ns, self.bucket_ns = start_ns, max(1, bucket_ns)
        self.buckets = max(1, min(buckets, MAX_BUCKETS))
        self.filters = filters
        self.compiled = [filter_of(f) for f in filters]
        self.frames = [[0] * self.buckets for _ in filters]
        self.bytes = [[0] * self.buckets for _ in filters]
        self.first: list[int | None] = [None] * self.buckets  # any line's first packet

    def add(self, pkt: Packet) -> None:
        k = (pkt.time_ns - self.start_ns) // self.bucket_ns
        k = min(max(k, 0), self.buckets - 1)
        if self.first[k] is None:
            self.first[k] = pkt.number
        for line, flt in enumerate(self.compiled):
            if flt is None or flt.match(pkt, self.start_ns):
                self.frames[line][k] += 1
                self.bytes[line][k] += pkt.wirelen

    def from_index(self, index: Any, shown: Any) -> None:
        """Count the index's records `shown` (record numbers, in order) without decoding:
        times and lengths from the index, each line's filter by the vectorised scan."""
        import numpy as np

        from ..fastfilter import times_ns

        _offs, _caps, wires, raw, _ifaces = index.arrays(0, len(index))
        times = times_ns(index, raw)
        lengths = np.frombuffer(wires, dtype=np.uint32).astype(np.int64)
        rows = np.asarray(shown, np.int64)

        def buckets(picked: Any) -> Any:
            k = (times[picked] - self.start_ns) // self.bucket_ns
            return np.clip(k, 0, self.buckets - 1)

        for line, flt in enumerate(self.compiled):
            picked = rows if flt is None else np.intersect1d(rows, matching(flt, index))
            k = buckets(picked)
            frames = np.bincount(k, minlength=self.buckets)
            sizes = np.bincount(k, weights=lengths[picked], minlength=self.buckets)
            self.frames[line] = (np.asarray(self.frames[line]) + frames).tolist()
            self.bytes[line] = (np.asarray(self.bytes[line]) + sizes.astype(np.int64)).tolist()
        first = np.full(self.buckets, len(index) + 1, np.int64)
        np.minimum.at(first, buckets(rows), rows + 1)
        n = len(index)
        self.first = [old if f > n else f if old is None else min(old, f)
                      for f, old in zip(first.tolist(), self.first, strict=True)]  # fmt: skip

    def text(self) -> str:
        return ""

    def as_dict(self) -> dict[str, Any]:
        return {"statistic": "timeline", "start_ns": self.start_ns, "bucket_ns": self.bucket_ns,
                "filters": self.filters, "frames": self.frames, "bytes": self.bytes}  # fmt: skip
