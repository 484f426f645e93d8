"""`layerscope export`: every column of every table equals what `layerscope -T json` gives
for the same packets, over the golden captures; filters, protocol selection, bad files
among good ones, resuming. The Dask runs are in tests/test_dask.py, SQL in tests/test_sql.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dissect.export import job, schema
from dissect.readers.writer import PcapWriter

from .exportlib import (
    expected_frames,
    expected_rows,
    golden_captures,
    json_packets,
    json_streams,
    read_tables,
    run,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "captures" / "sample-netns.pcap"


@pytest.fixture(scope="module")
def golden_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], str]:
    """Every golden capture exported with spans by two workers, big files cut into chunks
    of 7 records (so rows come from many chunks and chunk boundaries are crossed)."""
    outdir = tmp_path_factory.mktemp("golden") / "out"
    files = golden_captures()
    code, _out, err = run("export", *map(str, files), "--parquet", str(outdir), "--spans",
                          "--workers", "2", "--chunk-records", "7")  # fmt: skip
    return outdir, files, err


def test_every_column_of_every_table_equals_json(golden_export) -> None:
    outdir, files, _err = golden_export
    tables = read_tables(outdir)
    got = {(name, r["file"], r["number"], r["layer"]): r
           for name, rows in tables.items() if name != "frames" for r in rows}  # fmt: skip
    want: dict[tuple, dict] = {}
    frames_want: dict[tuple, dict] = {}
    for path in files:
        try:
            packets, numbers = json_packets(path), json_streams(path)
        except json.JSONDecodeError:  # the CLI could not read it: no rows expected either
            packets, numbers = [], {}
        rows = expected_rows(str(path), packets, spans=True)
        want.update({(t, str(path), n, i): r for (t, n, i), r in rows.items()})
        frames = expected_frames(str(path), packets, numbers)
        frames_want.update({(str(path), n): r for n, r in frames.items()})
    assert len(want) > 1000 and len(frames_want) > 300  # the golden set is not empty
    assert max(r["tcp_stream"] or 0 for r in frames_want.values()) >= 2  # numbered streams
    assert max(r["udp_stream"] or 0 for r in frames_want.values()) >= 1
    assert set(got) == set(want)
    for key, row in want.items():
        assert got[key] == row, key
    frames = {(r["file"], r["number"]): r for r in tables["frames"]}
    assert set(frames) == set(frames_want)
    for key, row in frames_want.items():
        have = frames[key]
        expert = [{k: v for k, v in e.items() if k != "group"} for e in have["expert"] or []]
        assert {**{k: have[k] for k in row if k != "expert"}, "expert": expert or None} == row, key


def test_table_folders_and_schema_version(golden_export) -> None:
    outdir, _files, _err = golden_export
    names = {p.name for p in outdir.iterdir() if p.is_dir() and p.name[0] not in "._"}
    assert {"frames", "eth", "ip", "ipv6", "tcp", "udp", "dns", "http", "tls"} <= names
    assert names <= set(schema.table_names())
    import pyarrow.parquet as pq

    part = next((outdir / "dns").glob("part-*.parquet"))
    meta = pq.read_schema(part).metadata
    assert meta[b"layerscope.schema_version"] == str(schema.SCHEMA_VERSION).encode()
    assert pq.read_schema(part).field("dns_qry_name").type.value_type.id == 13  # list<string>


STREAM_DATA = ROOT / "tests" / "data" / "streams"


def test_stream_columns_equal_tshark(tmp_path: Path) -> None:
    """frames.tcp_stream / udp_stream equal tshark's tcp.stream / udp.stream (its fields
    kept in tests/data/streams/*.streams.tsv) when the captures are cut into chunks of 3
    records run by two workers: every chunk numbers as one pass over its whole capture."""
    files = sorted(p for p in STREAM_DATA.glob("*.pcap") if p.with_suffix(".streams.tsv").exists())
    code, _out, err = run("export", *map(str, files), "--parquet", str(tmp_path / "o"),
                          "--workers", "2", "--chunk-records", "3", "--protocols", "frames")  # fmt: skip
    assert code == 0, err
    got = {(Path(r["file"]).name, r["number"]): (r["tcp_stream"], r["udp_stream"])
           for r in read_tables(tmp_path / "o")["frames"]}  # fmt: skip
    want = {}
    for path in files:
        for line in path.with_suffix(".streams.tsv").read_text().splitlines():
            number, tcp, udp = line.split("\t")[:3]
            want[(path.name, int(number))] = (int(tcp) if tcp else None,
                                              int(udp) if udp else None)  # fmt: skip
    assert max(t or 0 for t, _u in want.values()) >= 2  # several streams in one capture
    assert set(got) == set(want)
    assert {k: v for k, v in got.items() if v != want[k]} == {}  # the joined datagram's too


@pytest.mark.parametrize("workers", ["1", "2"])
def test_failed_stream_pass_is_reported_and_the_rows_kept(tmp_path: Path, workers: str) -> None:
    """A stream pass that fails (a bug) ends neither the job nor its capture's rows: one
    error line, exit status 1, every packet exported with no stream numbers. With two
    workers the chunks exported beside the pass learn from its marker that it ended."""
    from unittest import mock

    from dissect.export import streams

    def broken(_index: object) -> None:
        raise RuntimeError("boom")

    with mock.patch.object(streams, "numbers", broken), \
            mock.patch.object(streams, "PASS_WAIT", 600.0):  # fmt: skip
        code, _out, err = run("export", str(SAMPLE), "--parquet", str(tmp_path / "o"),
                              "--workers", workers, "--protocols", "frames",
                              "--chunk-records", "10")  # fmt: skip
    assert code == 1
    assert f"error: {SAMPLE}: stream pass failed, tcp_stream/udp_stream left empty" in err
    frames = read_tables(tmp_path / "o")["frames"]
    assert len(frames) == len(json_packets(SAMPLE))
    assert all(r["tcp_stream"] is None and r["udp_stream"] is None for r in frames)


def test_a_chunk_exported_while_its_capture_is_numbered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chunk whose capture's stream pass has not ended (another worker runs it) makes
    its rows, waits at its end for the pass, and places the numbers: its `frames` rows
    equal those of a chunk exported after the pass."""
    import threading

    from dissect.export import streams

    files = sorted(STREAM_DATA.glob("*.pcap"))[:3]
    chunk = job.Chunk(tuple(job.Part(str(f), 0, None, f.stat().st_size) for f in files))
    after, during = tmp_path / "after", tmp_path / "during"
    for f in files:
        streams.stream_pass(str(after), str(f))
    job.export_chunk(job.Options(str(after), ("tcp",)), chunk)
    waiting = threading.Event()
    real_wait = streams.wait_slice

    def spied(*args: object) -> object:
        waiting.set()
        return real_wait(*args)

    monkeypatch.setattr(streams, "wait_slice", spied)
    worker = threading.Thread(target=job.export_chunk,
                              args=(job.Options(str(during), ("tcp",)), chunk, True))  # fmt: skip
    worker.start()
    assert waiting.wait(60)  # its rows are made: it waits for the numbers
    assert not list(during.glob("frames/part-*"))
    for f in files:
        streams.stream_pass(str(during), str(f))
    worker.join(60)
    assert not worker.is_alive()
    want, got = read_tables(after), read_tables(during)
    assert got == want
    assert max(r["tcp_stream"] or 0 for r in got["frames"]) >= 2


def test_an_earlier_runs_failed_pass_is_not_this_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A marker an earlier run's failed pass left is removed before this run's pass: the
    chunks exported beside it wait for the numbers instead of taking the old marker."""
    import time

    from dissect.export import run as runner
    from dissect.export import streams

    path = STREAM_DATA / "arkime_http-post-upload.pcap"
    out = tmp_path / "o"
    (out / streams.STREAMS).mkdir(parents=True)
    Path(streams.path_of(str(out), str(path)) + streams.NONE).touch()
    real = streams.numbers

    def slow(index: object) -> object:  # the chunks start before the pass ends
        time.sleep(1)
        return real(index)

    monkeypatch.setattr(streams, "numbers", slow)
    chunks, _errors = job.plan([str(path)], 5)
    assert len(chunks) >= 3
    results = list(runner.run_local(job.Options(str(out), ()), chunks, 2))
    assert not [e for r in results for e in r.errors]
    frames = read_tables(out)["frames"]
    assert len(frames) == sum(r.packets for r in results)
    assert all(r["tcp_stream"] is not None for r in frames if "tcp" in r["protocols"])


def test_cut_headers_among_whole_ones(tmp_path: Path) -> None:
    """Layers whose fixed header is cut (their fields made one by one) between whole ones
    of the same protocols (their headers read in bulk): every column of every table still
    equals -T json, so values placed both ways land in their own rows."""
    from dissect.index import open_capture

    with open_capture(SAMPLE) as idx:
        frames = [(r.data, r.linktype) for r in idx.index_all()]
    capture = tmp_path / "cut.pcap"
    with PcapWriter(str(capture), frames[0][1]) as w:
        for k, (data, _lt) in enumerate(frames * 3):
            cut = k % 3 == 1 and len(data) > 40
            w.write(data[: 14 + 20 + 7] if cut else data, 1_700_000_000_000_000_000 + k, len(data))
    code, _out, err = run("export", str(capture), "--parquet", str(tmp_path / "o"))
    assert code == 0, err
    tables = read_tables(tmp_path / "o")
    got = {(name, r["number"], r["layer"]): r
           for name, rows in tables.items() if name != "frames" for r in rows}  # fmt: skip
    want = expected_rows(str(capture), json_packets(capture), spans=False)
    cut = [r for k, r in want.items() if k[0] == "tcp" and r["tcp_hdr_len"] is None]
    assert cut and all(r["tcp_srcport"] is not None for r in cut)  # made one by one
    assert got == want


def test_columns_come_from_the_declarations() -> None:
    """A field declared anywhere is a column of its namespace's table, typed by its kind;
    a fixed-header field is a scalar, any other a list."""
    from dissect import engine

    tables = schema.tables()
    columns = {c.spec.name: (ns, c) for ns, t in tables.items() for c in t.columns}
    assert set(columns) == {
        n
        for n in engine.FIELDS
        if not n.startswith(("frame.", "scapy.")) and n not in schema.STREAM_FIELDS
    }
    ns, src = columns["ip.src"]
    assert (ns, src.name, src.scalar, str(src.type)) == ("ip", "ip_src", True, "string")
    ns, qname = columns["dns.qry.name"]
    assert (ns, qname.name, qname.scalar) == ("dns", "dns_qry_name", False)
    assert columns["ipv6.routing.segleft"][0] == "ipv6.routing"
    assert tables["ipv6.routing"].name == "ipv6_routing"
    assert str(columns["tcp.flags.syn"][1].type) == "bool"


def test_a_columns_runs_and_single_rows_land_in_their_rows() -> None:
    """A column's values given a run of rows at a time (each occurrence a sequence, as a
    layer shape buffers them) and one row at a time become one Arrow column, each value
    in its row, rows without one null; a value the column's type cannot hold is null."""
    import pyarrow as pa

    from dissect.export.rows import _Cells

    listed = _Cells()
    # rows 4 and 1, two values each; -1 cannot be a uint64: that value alone is null
    listed.runs.append(([4, 1], ((10, 20), (11, -1)), True))
    listed.runs.append(([0], ((7,),), True))
    listed.put(3, [5, 6])
    got = listed.array(6, pa.list_(pa.uint64()), {}).to_pylist()
    assert got == [[7], [20, None], None, [5, 6], [10, 11], None]
    scalar = _Cells()
    scalar.runs.append(([2, 0], (("a", "b"),), False))
    scalar.put(1, "c")
    assert scalar.array(4, pa.string(), {}).to_pylist() == ["b", "c", "a", None]


def test_filter_keeps_only_matching_packets(tmp_path: Path) -> None:
    files = [p for p in golden_captures() if "dns" in p.name][:4]
    code, _out, err = run("export", *map(str, files), "--parquet", str(tmp_path / "o"),
                          "-Y", "dns.flags.response == 1", "--workers", "2",
                          "--chunk-records", "3")  # fmt: skip
    assert code in (0, 1), err
    frames = read_tables(tmp_path / "o")["frames"]
    want = {(str(p), pkt["number"]) for p in files
            for pkt in json_packets(p, "-Y", "dns.flags.response == 1")}  # fmt: skip
    assert want and {(r["file"], r["number"]) for r in frames} == want


def test_protocols_limit_the_tables(tmp_path: Path) -> None:
    code, _out, err = run("export", str(SAMPLE), "--parquet", str(tmp_path / "o"),
                          "--protocols", "dns,ip")  # fmt: skip
    assert code == 0, err
    assert {p.name for p in (tmp_path / "o").iterdir() if p.name[0] != "_"} == {
        "frames",
        "dns",
        "ip",
    }


def test_unknown_protocol_and_bad_filter_are_one_line(tmp_path: Path) -> None:
    code, _out, err = run(
        "export", str(SAMPLE), "--parquet", str(tmp_path / "o"), "--protocols", "nope"
    )
    assert (
        code == 2
        and err.startswith("layerscope: error: --protocols: unknown")
        and err.count("\n") == 1
    )
    code, _out, err = run(
        "export", str(SAMPLE), "--parquet", str(tmp_path / "p"), "-Y", "tcp.port =="
    )
    assert code == 2 and "display filter" in err


def test_bad_files_among_good_ones(tmp_path: Path) -> None:
    """A corrupt and a truncated capture among good ones: both reported, the truncated
    one's readable packets exported, the others whole, exit status 1."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(SAMPLE, inputs / "good.pcap")
    (inputs / "corrupt.pcap").write_bytes(b"not a capture at all")
    data = SAMPLE.read_bytes()
    (inputs / "truncated.pcap").write_bytes(data[: len(data) * 2 // 3])
    code, _out, err = run("export", str(inputs), "--parquet", str(tmp_path / "o"),
                          "--chunk-records", "5")  # fmt: skip
    assert code == 1
    assert "error: " + str(inputs / "corrupt.pcap") + ": not a pcap" in err
    assert "warning: " + str(inputs / "truncated.pcap") + ": truncated last record" in err
    frames = read_tables(tmp_path / "o")["frames"]
    counts = {
        f: sum(r["file"] == str(inputs / f) for r in frames)
        for f in ("good.pcap", "truncated.pcap")
    }
    assert counts["good.pcap"] == len(json_packets(SAMPLE))
    assert counts["truncated.pcap"] == len(json_packets(inputs / "truncated.pcap")) > 0


def _many_files(folder: Path, n: int) -> list[Path]:
    folder.mkdir()
    out = []
    for k in range(n):
        out.append(folder / f"c{k}.pcap")
        shutil.copy(SAMPLE, out[-1])
    return out


def test_interrupted_run_resumes_without_duplicates(tmp_path: Path) -> None:
    """An export stopped after some chunks (here: their markers removed, one chunk's part
    files left in place as a crash between rename and marker leaves them, and a stale
    temporary file) is finished by running it again: every row once, as a fresh run."""
    files = _many_files(tmp_path / "in", 3)
    argv = ["export", *map(str, files), "--chunk-records", "10", "--workers", "1"]
    assert run(*argv, "--parquet", str(tmp_path / "fresh"))[0] == 0
    out = tmp_path / "o"
    assert run(*argv, "--parquet", str(out))[0] == 0
    markers = sorted((out / job.MARKERS).glob("*.json"))
    assert len(markers) == 12
    for m in markers[4:]:
        m.unlink()
    for part in (out / "frames").glob("part-*.parquet"):
        if part.stem.removeprefix("part-") not in {m.stem for m in markers[:4]}:
            part.unlink()
            break  # one chunk whose part files are gone, the others left in place
    (out / "frames" / f".part-{markers[5].stem}.123.tmp").write_bytes(b"partial")
    code, _out, err = run(*argv, "--parquet", str(out))
    assert code == 0, err
    assert "(4 done before)" in err
    assert read_tables(out) == read_tables(tmp_path / "fresh")
    assert not list((out / "frames").glob(".part-*"))


def test_another_export_in_the_same_folder_is_refused(tmp_path: Path) -> None:
    assert run("export", str(SAMPLE), "--parquet", str(tmp_path / "o"))[0] == 0
    code, _out, err = run("export", str(SAMPLE), "--parquet", str(tmp_path / "o"), "--spans")
    assert code == 2 and "holds another export" in err
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "f").write_text("mine")
    code, _out, err = run("export", str(SAMPLE), "--parquet", str(tmp_path / "x"))
    assert code == 2 and "not empty" in err


def test_big_file_is_cut_at_record_boundaries(tmp_path: Path) -> None:
    """A capture of 1,000 records cut into chunks of 64: every record exported once."""
    path = tmp_path / "big.pcap"
    with PcapWriter(str(path), 1) as w:
        for i in range(1000):
            w.write(SAMPLE.read_bytes()[40:100], 1_700_000_000_000_000_000 + i)
    chunks, errors = job.plan([str(path)], 64)
    assert not errors and len(chunks) == 16 and chunks[-1].parts[0].stop is None
    assert [c.parts[0].start for c in chunks] == list(range(0, 1000, 64))
    code, _out, err = run("export", str(path), "--parquet", str(tmp_path / "o"),
                          "--chunk-records", "64", "--workers", "2")  # fmt: skip
    assert code == 0, err
    numbers = sorted(r["number"] for r in read_tables(tmp_path / "o")["frames"])
    assert numbers == list(range(1, 1001))


def test_fsspec_urls_for_inputs_and_outdir(tmp_path: Path) -> None:
    """Inputs and OUTDIR as fsspec URLs (file:// here; s3:// and the like the same way):
    the rows equal those of the same export by plain paths, `file` naming the URL."""
    url = f"file://{ROOT}/captures/*.pcap"
    code, _out, err = run(
        "export", url, "--parquet", f"file://{tmp_path}/u", "--chunk-records", "10"
    )
    assert code == 0, err
    code, _out, err = run("export", str(ROOT / "captures"), "--parquet", str(tmp_path / "p"),
                          "--chunk-records", "10")  # fmt: skip
    assert code == 0, err
    by_url, by_path = read_tables(tmp_path / "u"), read_tables(tmp_path / "p")
    for rows in by_url.values():
        for r in rows:
            assert r["file"].startswith("file://")
            r["file"] = r["file"].removeprefix("file://")
    key = lambda r: (r["file"], r["number"], r.get("layer"))  # noqa: E731
    assert {k: sorted(v, key=key) for k, v in by_url.items()} == {
        k: sorted(v, key=key) for k, v in by_path.items()
    }


def test_ctrl_c_then_the_same_command_finishes_the_job(tmp_path: Path) -> None:
    """A real run interrupted by SIGINT once a chunk is done (exit 130), then run again:
    the dataset equals a run never interrupted."""
    import os
    import signal
    import subprocess
    import sys
    import time

    count = 8
    files = _many_files(tmp_path / "in", count)
    argv = ["export", *map(str, files), "--chunk-records", "4", "--workers", "2"]
    out = tmp_path / "o"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # SIGINT as a terminal's ctrl+c finds it: a suite started in the background by a
    # non-interactive shell passes SIGINT on ignored, and Python then keeps it ignored.
    proc = subprocess.Popen([sys.executable, "-m", "tui.main", *argv, "--parquet", str(out)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob(f"{job.MARKERS}/*.json")) and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    done = len(list(out.glob(f"{job.MARKERS}/*.json")))
    assert 0 < done < count * 9
    code, _out, err = run(*argv, "--parquet", str(out))
    assert code == 0, err
    assert f"({done} done before)" in err
    assert run(*argv, "--parquet", str(tmp_path / "fresh"))[0] == 0
    assert read_tables(out) == read_tables(tmp_path / "fresh")


def _records_file(path: Path, n: int) -> Path:
    frame = SAMPLE.read_bytes()[40:100]  # the sample's first frame, cut: an ARP request
    with PcapWriter(str(path), 1) as w:
        for i in range(n):
            w.write(frame, 1_700_000_000_000_000_000 + i)
    return path


def test_a_worker_holds_one_chunk_not_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory per worker does not grow with the file: the index lets records before the
    chunk go, and rows leave in row groups of BATCH_ROWS."""
    from dissect.export import rows

    monkeypatch.setattr(rows, "BATCH_ROWS", 1000)
    path = _records_file(tmp_path / "big.pcap", 20_000)
    chunks, _errors = job.plan([str(path)], 5000)
    options = job.Options(str(tmp_path / "o"), ("eth",))
    result = job.export_chunk(options, chunks[3])
    assert result.packets == 5000 and not result.errors
    idx = job._HELD.open[str(path)][0]
    assert job._held_from(idx) >= 15_000 - 4096  # what came before the chunk was let go
    import pyarrow.parquet as pq

    part = pq.ParquetFile(tmp_path / "o" / "frames" / f"part-{chunks[3].id}.parquet")
    assert part.metadata.num_row_groups >= 5 and part.metadata.num_rows == 5000
    job._drop(str(path))


def test_progress_bar_on_a_terminal() -> None:
    import io

    from dissect.export.run import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    err, now = Terminal(), [0.0]
    bar = Progress(2000, err, clock=lambda: now[0])
    now[0] = 2.0
    bar.advance(job.Result("c", "f", packets=1234, bytes=1000))
    bar.bar.refresh()
    bar.close()
    text = err.getvalue()
    assert "1,234 packets" in text and "617/s" in text and "1.0/2.0 kB" in text
    quiet = io.StringIO()
    Progress(10, quiet).close()
    assert quiet.getvalue() == ""


def test_small_files_go_together(tmp_path: Path) -> None:
    """Small captures share a chunk (each table's Parquet file costs the same whatever its
    rows); a big one is cut; each row still names its capture."""
    files = _many_files(tmp_path / "in", 5)
    big = _records_file(tmp_path / "big.pcap", 300)
    chunks, errors = job.plan([*map(str, files), str(big)], 200)
    assert not errors
    # 200 records: small ones together up to 12,800 bytes (three of 5,193, then the last
    # two), the big one cut in two
    assert [len(c.parts) for c in chunks] == [3, 1, 1, 2]
    code, _out, err = run("export", *map(str, files), str(big), "--parquet", str(tmp_path / "o"),
                          "--chunk-records", "200")  # fmt: skip
    assert code == 0, err
    frames = read_tables(tmp_path / "o")["frames"]
    assert {r["file"] for r in frames} == {*map(str, files), str(big)}
    assert len(frames) == 5 * 36 + 300


def test_the_job_is_what_was_asked_not_what_it_resolved_to() -> None:
    """A process that knows more protocols (a newer layerscope, a test's own) resolves
    `every table` to more tables: it is still the same job, and resumes it."""
    fewer = job.Options("/o", ("dns",), protocols=())
    more = job.Options("/o", ("dns", "ip"), protocols=())
    assert fewer.manifest() == more.manifest()
    assert job.Options("/o", ("dns",), protocols=("dns",)).manifest() != fewer.manifest()


def test_a_chunk_walks_from_its_own_first_record(tmp_path: Path) -> None:
    """The plan marks where each part of a big pcap begins (index.bookmark), and the worker
    given that part starts its index walk there: no record header before it is read. The
    rows are those of the whole walk (the equality tests above run through this too)."""
    chunks, _errors = job.plan([str(SAMPLE)], 7)
    parts = [c.parts[0] for c in chunks]
    assert len(parts) > 3 and parts[0].mark is None
    assert all(p.mark is not None for p in parts[1:])
    job._drop(str(SAMPLE))
    try:
        idx, _scanner = job._opened(job.Options(str(tmp_path), ()), parts[3])
        assert len(idx) == parts[3].start  # nothing walked before it, nothing held either
        job._reach(idx, parts[3])
        rows = list(idx.rows(parts[3].start, parts[3].stop))
    finally:
        job._drop(str(SAMPLE))
    from dissect.index import open_capture

    with open_capture(SAMPLE) as whole:
        whole.index_all()
        assert rows == list(whole.rows(parts[3].start, parts[3].stop))
