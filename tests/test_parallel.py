"""Batch output on every core (dissect/parallel.py): byte-identical to one process.

The thresholds are lowered so that a few hundred packets take the forked path; the
sequential run is forced with LAYERSCOPE_WORKERS=1.
"""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path

import pytest

from dissect import parallel
from dissect.cli import SAMPLE_RECORDS, build_parser, run_batch
from dissect.index import open_capture
from dissect.readers.writer import PcapWriter

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "captures" / "sample-netns.pcap"
T0 = 1_700_000_000_000_000_000
PACKETS = 36 * 9  # 324: several chunks of 64 and a short last one


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with open_capture(SAMPLE) as idx:
        frames = [rec.data for rec in idx]
    path = tmp_path_factory.mktemp("parallel") / "repeat.pcap"
    with PcapWriter(path, 1) as w:
        for n in range(PACKETS):
            w.write(frames[n % len(frames)], T0 + n * 1_000_000)
    return path


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_PACKETS", 50)
    monkeypatch.setattr(parallel, "CHUNK", 64)


def run(monkeypatch: pytest.MonkeyPatch, workers: int, *argv: str) -> str:
    monkeypatch.setenv("LAYERSCOPE_WORKERS", str(workers))
    out, err = io.StringIO(), io.StringIO()
    rc = run_batch(build_parser().parse_args(list(argv)), out=out, err=err)
    assert rc == 0, err.getvalue()
    return out.getvalue()


@pytest.mark.parametrize(
    "extra",
    [
        (),
        ("-V", "--spans"),
        ("-x",),
        ("-T", "jsonl"),
        ("-T", "json"),
        ("-c", "100"),
        ("-T", "json", "-c", "70"),
    ],
)
def test_parallel_output_equals_one_process(
    capture: Path, small_chunks: None, monkeypatch: pytest.MonkeyPatch, extra: tuple[str, ...]
) -> None:
    one = run(monkeypatch, 1, "-r", str(capture), *extra)
    many = run(monkeypatch, 2, "-r", str(capture), *extra)
    assert many == one
    if extra[:2] == ("-T", "json"):
        packets = json.loads(many)
        assert [p["number"] for p in packets] == list(range(1, len(packets) + 1))
    elif not extra:
        assert len(many.splitlines()) == PACKETS


@pytest.mark.parametrize("encoding", ["utf-8", "ascii"])
@pytest.mark.parametrize("extra", [(), ("-T", "jsonl"), ("-V",)])
def test_parallel_bytes_equal_one_process(
    capture: Path,
    small_chunks: None,
    monkeypatch: pytest.MonkeyPatch,
    encoding: str,
    extra: tuple[str, ...],
) -> None:
    """To a real stdout the workers send bytes they encoded themselves (its encoding and
    error handler): the same bytes one process writes through the text layer."""

    def run_bytes(workers: int) -> bytes:
        monkeypatch.setenv("LAYERSCOPE_WORKERS", str(workers))
        raw = io.BytesIO()
        out = io.TextIOWrapper(raw, encoding=encoding, errors="replace")
        out.write("before\n")  # unflushed text must still come first
        args = build_parser().parse_args(["-r", str(capture), *extra])
        assert run_batch(args, out=out, err=io.StringIO()) == 0
        out.flush()
        return raw.getvalue()

    one, many = run_bytes(1), run_bytes(2)
    assert many == one and many.startswith(b"before\n")
    if not extra:
        assert len(many.splitlines()) == PACKETS + 1
        arrow = "\u2192".encode(encoding, "replace")
        assert many.count(arrow) >= PACKETS  # "?" in ASCII, as the text layer writes it


def test_parallel_path_is_taken(
    capture: Path, small_chunks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The forked path really ran: the renderer was called in processes other than ours.
    The first SAMPLE_RECORDS records are rendered here, to size the chunks."""
    seen: list[int] = []
    real = parallel.ordered_map

    def spy(render, work, workers):  # type: ignore[no-untyped-def]
        seen.append(len(work))
        return real(lambda span: f"{os.getpid()}\n" * (span[1] - span[0]), work, workers)

    monkeypatch.setattr(parallel, "ordered_map", spy)
    out = run(monkeypatch, 2, "-r", str(capture)).splitlines()
    first = SAMPLE_RECORDS
    pids = {int(line) for line in out[first:]}
    assert seen == [len(range(first, PACKETS, 64))]
    assert len(out) == PACKETS and out[0].split()[0] == "1"
    assert os.getpid() not in pids


def test_chunks_are_sized_by_the_text_a_record_makes() -> None:
    """Big outputs (JSON, -V) go in small chunks, one-line summaries in large ones: a
    task's buffers stay near CHUNK_BYTES either way."""
    assert parallel.chunk_for(5000) * 5000 <= 2 * parallel.CHUNK_BYTES
    assert parallel.chunk_for(100) > parallel.chunk_for(5000)
    assert parallel.chunk_for(0) == parallel.CHUNK and parallel.chunk_for(10**9) == 16


def test_below_threshold_stays_sequential(capture: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    called: list[bool] = []
    monkeypatch.setattr(parallel, "ordered_map", lambda *a: called.append(True) or iter(()))
    out = run(monkeypatch, 2, "-r", str(capture))
    assert len(out.splitlines()) == PACKETS and not called


def test_worker_count_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAYERSCOPE_WORKERS", "3")
    assert parallel.worker_count() == 3
    monkeypatch.setenv("LAYERSCOPE_WORKERS", "0")
    assert parallel.worker_count() == 1
    monkeypatch.delenv("LAYERSCOPE_WORKERS")
    assert parallel.worker_count() >= 1


def test_spans_cover_range_in_order() -> None:
    assert parallel.spans(0, 10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert parallel.spans(5, 5, 4) == []


def _no_children_left() -> bool:
    """Every worker was reaped: this process has no child left, running or exited."""
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_ordered_map_keeps_order_and_types() -> None:
    work = parallel.spans(0, 50, 7)
    got = list(parallel.ordered_map(lambda s: f"{s[0]}-{s[1]}\udcff|", work, 3))
    assert got == [f"{a}-{b}\udcff|" for a, b in work]  # text (even a lone surrogate) intact
    got = list(parallel.ordered_map(lambda s: bytes([s[0]]) * 3, work, 2))
    assert got == [bytes([a]) * 3 for a, _b in work]
    assert list(parallel.ordered_map(str, [], 2)) == []
    assert _no_children_left()


def test_a_worker_error_is_raised_in_the_parent() -> None:
    def render(span: tuple[int, int]) -> str:
        if span[0] == 21:
            raise ValueError(f"bad span {span}")
        return "ok"

    gen = parallel.ordered_map(render, parallel.spans(0, 50, 7), 2)
    assert [next(gen) for _ in range(3)] == ["ok"] * 3
    with pytest.raises(ValueError, match=r"bad span \(21, 28\)"):
        next(gen)
    assert _no_children_left()


def test_closing_early_stops_the_workers() -> None:
    gen = parallel.ordered_map(lambda s: "x" * 100_000, parallel.spans(0, 10_000, 1), 2)
    assert next(gen) == "x" * 100_000
    gen.close()  # the workers are blocked writing: they are ended and reaped
    assert _no_children_left()


def test_unordered_map_gives_every_task_once() -> None:
    work = list(range(40))
    got = dict(parallel.unordered_map(lambda i: f"{i}\udcff" if i % 2 else bytes([i]), work, 3))
    assert got == {i: f"{i}\udcff" if i % 2 else bytes([i]) for i in work}
    assert list(parallel.unordered_map(str, [], 2)) == []
    assert _no_children_left()


def test_unordered_map_a_busy_worker_holds_no_task_back(tmp_path: Path) -> None:
    """Task 0 ends only once every other task has: with two workers the other one must take
    them all (a fixed share would leave half of them queued behind task 0; it then gives
    up after a while and says so)."""
    done = tmp_path / "done"

    def render(i: int) -> str:
        if i:
            with open(done, "a") as f:
                f.write(f"{i}\n")
            return str(os.getpid())
        for _ in range(3000):  # 30 s at most: a guard, not a measure
            if done.exists() and len(done.read_text().split()) == 9:
                return "waited"
            time.sleep(0.01)
        return "gave up"

    got = dict(parallel.unordered_map(render, list(range(10)), 2))
    assert got[0] == "waited"
    assert len({got[i] for i in range(1, 10)}) == 1  # one worker took every other task
    assert _no_children_left()


def test_unordered_map_raises_a_worker_error() -> None:
    def render(i: int) -> str:
        if i == 5:
            raise ValueError(f"bad task {i}")
        return "ok"

    with pytest.raises(ValueError, match="bad task 5"):
        list(parallel.unordered_map(render, list(range(12)), 2))
    assert _no_children_left()


def test_unordered_map_closing_early_stops_the_workers() -> None:
    gen = parallel.unordered_map(lambda i: "x" * 100_000, list(range(5000)), 2)
    assert next(gen)[1] == "x" * 100_000
    gen.close()
    assert _no_children_left()


@pytest.mark.parametrize("extra", [("-V",), ("-T", "json")])
def test_stream_fields_are_printed_on_every_core(
    capture: Path, small_chunks: None, monkeypatch: pytest.MonkeyPatch, extra: tuple[str, ...]
) -> None:
    """-V and JSON show the stream fields (tcp.stream, relative sequence numbers): the
    stream table is built once before the workers fork and each chunk annotates its own
    packets from it, so they still run on every core, with one process's output."""
    calls: list[int] = []
    real = parallel.ordered_map

    def spy(render, work, workers):  # type: ignore[no-untyped-def]
        calls.append(len(work))
        return real(render, work, workers)

    monkeypatch.setattr(parallel, "ordered_map", spy)
    many = run(monkeypatch, 2, "-r", str(capture), *extra)
    assert calls, "the parallel path was not taken"
    assert "tcp.stream" in many or "Stream index:" in many
    assert many == run(monkeypatch, 1, "-r", str(capture), *extra)


def written(tmp_path: Path, render, work, workers: int) -> tuple[bytes, BaseException | None]:  # type: ignore[no-untyped-def]
    """What parallel.ordered_write wrote to a file, and the error it raised (None)."""
    path = tmp_path / "out"
    error = None
    with open(path, "wb") as f:
        f.write(b"head|")
        f.flush()
        try:
            parallel.ordered_write(render, work, workers, f.fileno())
        except BaseException as exc:  # noqa: BLE001 - returned for the test to judge
            error = exc
        f.write(b"|tail")
    assert _no_children_left()
    return path.read_bytes(), error


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_workers_write_their_chunks_in_order(tmp_path: Path, workers: int) -> None:
    """Each worker writes its chunks to the file itself, in turn: the file holds them in
    order between what the parent wrote before and after; text goes as UTF-8 with a lone
    surrogate kept, as ordered_map sends it."""
    work = parallel.spans(0, 50, 7)

    def render(span: tuple[int, int]) -> str | bytes:
        if span[0] % 2:
            return f"{span[0]}-{span[1]}\udcff;"
        return f"{span[0]}-{span[1]};".encode() * (1 + span[0] * 500)  # unequal sizes

    out, error = written(tmp_path, render, work, workers)
    expect = b"".join(
        r if isinstance(r, bytes) else r.encode("utf-8", "surrogatepass") for r in map(render, work)
    )
    assert error is None and out == b"head|" + expect + b"|tail"
    assert written(tmp_path, render, [], workers) == (b"head||tail", None)


def test_a_chunk_cut_short_is_written_and_nothing_after_it(tmp_path: Path) -> None:
    """A render that fails part way (the capture shrank): every chunk before it and the
    part it made are written, no later chunk, and its error is raised; a later chunk's own
    failure, rendered meanwhile by another worker, is not the one reported."""
    work = parallel.spans(0, 60, 5)  # 12 chunks; (20, 25) is worker 0's with 2 workers

    def render(span: tuple[int, int]) -> str:
        if span[0] == 20:
            raise parallel.PartialOutput("20-22;", OSError(f"shrank at {span[0]}"))
        if span[0] >= 25:
            raise ValueError(f"later failure at {span[0]}")
        return f"{span[0]}-{span[1]};"

    out, error = written(tmp_path, render, work, 2)
    assert out == b"head|0-5;5-10;10-15;15-20;20-22;|tail"
    assert isinstance(error, OSError) and str(error) == "shrank at 20"


def test_a_worker_killed_midway_is_an_error(tmp_path: Path) -> None:
    import signal

    def render(span: tuple[int, int]) -> str:
        if span[0] == 14:
            os.kill(os.getpid(), signal.SIGKILL)
        return f"{span[0]};"

    out, error = written(tmp_path, render, parallel.spans(0, 50, 7), 2)
    assert isinstance(error, ChildProcessError)
    assert out == b"head|0;7;|tail"  # chunks after the lost one are not written


@pytest.mark.parametrize("extra", [(), ("-T", "json"), ("-T", "jsonl")])
def test_a_file_stdout_is_written_by_the_workers(
    capture: Path,
    small_chunks: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    extra: tuple[str, ...],
) -> None:
    """To a stdout with a file descriptor the workers write the chunks themselves (the
    parent copies none): the file is what one process prints, the first records and the
    closing bracket from the parent around them."""
    calls: list[int] = []
    real = parallel.ordered_write
    monkeypatch.setattr(parallel, "ordered_write", lambda *a: calls.append(a[2]) or real(*a))
    monkeypatch.setattr(parallel, "ordered_map", None)  # not the path taken
    monkeypatch.setenv("LAYERSCOPE_WORKERS", "2")
    path = tmp_path / "out"
    with open(path, "w", encoding="utf-8") as out:
        out.write("before\n")
        rc = run_batch(build_parser().parse_args(["-r", str(capture), *extra]), out=out,
                       err=io.StringIO())  # fmt: skip
    assert rc == 0 and calls == [2]
    assert path.read_text(encoding="utf-8") == "before\n" + run(
        monkeypatch, 1, "-r", str(capture), *extra
    )
