"""PDUs across TCP segments of a capture read forwards: a pipe, stdin, gzip data (issue 14).

Such a capture cannot be read again: the frames are framed as they come and the records of
the PDUs still open are held until they complete (dissect/streams/forward.py). The command
line prints what tshark's one pass prints, so a capture printed from a pipe or from gzip
data equals the same capture read by path.
"""

from __future__ import annotations

import gzip
import io
import sys
from pathlib import Path

import pytest

from dissect import decode, open_capture
from dissect.cli import build_parser, run_batch
from dissect.streams import StreamTable, annotate
from dissect.streams import forward as forward_module
from dissect.streams.conversation import segment_of
from dissect.streams.forward import ForwardPduMap

DATA = Path(__file__).parent / "data"
CAPTURES = [DATA / "reassembly" / f"{name}.pcap" for name in (
    "http_gzip_chunked", "tls12_cert_chain", "dns_tcp_multi", "h2_data_frame",
    "http_lost_segment", "http_keepalive_byte", "http_until_fin", "tls13_app_data",
    "h2_hpack", "tls12_dhe_fragmented")] + [
    DATA / "streams" / "arkime_http-post-upload.pcap", DATA / "streams" / "dpkt_http.pcap"]  # fmt: skip


def printed(argv: list[str], stdin: bytes | None = None) -> tuple[str, str]:
    """(stdout, stderr) of the command line, run in this process."""
    old = sys.stdin
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    try:
        out, err = io.StringIO(), io.StringIO()
        assert run_batch(build_parser().parse_args(argv), out=out, err=err) == 0, err.getvalue()
    finally:
        sys.stdin = old
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("cap", CAPTURES, ids=lambda p: p.stem)
@pytest.mark.parametrize("form", [["-V"], ["-T", "json"]], ids=["V", "json"])
def test_a_pipe_and_gzip_print_as_the_file(cap: Path, form: list[str], tmp_path: Path) -> None:
    filed, warned = printed(["-r", str(cap), *form])
    assert "Reassembled TCP" in filed or "segment_data" in filed or "TCP segment data" in filed
    piped, pipe_warned = printed(["-r", "-", *form], cap.read_bytes())
    packed = tmp_path / f"{cap.stem}.pcap.gz"
    packed.write_bytes(gzip.compress(cap.read_bytes()))
    unpacked, gz_warned = printed(["-r", str(packed), *form])
    assert piped == filed and unpacked == filed
    assert pipe_warned == warned == gz_warned == ""


def test_fields_name_what_reassembly_gives() -> None:
    """-T fields -e http.response.code: the code is on the frame the response completes
    in (tshark -r - -T fields gives 22, 33, 41, 53), not on the segment that begins it."""
    cap = DATA / "reassembly" / "http_gzip_chunked.pcap"
    argv = ["-T", "fields", "-e", "frame.number", "-e", "tcp.stream", "-e", "http.response.code"]
    filed, _ = printed(["-r", str(cap), *argv])
    piped, _ = printed(["-r", "-", *argv], cap.read_bytes())
    assert piped == filed
    rows = [line.split("\t") for line in filed.splitlines()]
    assert [(r[0], r[2]) for r in rows if r[2]] == [("22", "200"), ("33", "200"), ("41", "200"),
                                                    ("53", "201")]  # fmt: skip
    assert {r[1] for r in rows} == {"0"}


def forward(cap: Path, cap_bytes: int) -> tuple[list, ForwardPduMap, int]:
    """Every packet of a capture read forwards with a ForwardPduMap of that cap, and the
    most record bytes it held at once."""
    idx = open_capture(io.BytesIO(cap.read_bytes()), forward=True)
    table = StreamTable()
    table.pdus = pdus = ForwardPduMap(idx, table, cap=cap_bytes)
    out, most = [], 0
    for rec in idx:
        pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns)
        table.add(segment_of(pkt))
        annotate(pkt, table, later=False)
        most = max(most, pdus.held_frames.bytes)
        out.append(pkt)
    return out, pdus, most


def test_only_the_open_pdus_records_are_held(monkeypatch: pytest.MonkeyPatch) -> None:
    """The records held are let go once their PDUs complete (swept at every frame here);
    what the map learnt about a frame goes once it is shown."""
    monkeypatch.setattr(forward_module, "MIN_COLLECT", 0)
    cap = DATA / "reassembly" / "http_gzip_chunked.pcap"
    pkts, pdus, most = forward(cap, 64 << 20)
    whole = [p.number for p in pkts if p.get("tcp.segments") is not None]
    assert whole == [22, 33, 41, 49, 53]  # tshark's
    assert 0 < most < cap.stat().st_size // 2
    assert pdus.held_frames.bytes == 0 and not pdus.held_frames.records
    assert not pdus.within and not pdus.ends and not pdus.hpack.before


def test_past_the_cap_a_stream_read_forwards_is_marked() -> None:
    """A cap below the PDU: its direction stops being framed, its frames say so, and the
    records held never pass the cap."""
    pkts, _pdus, most = forward(DATA / "reassembly" / "http_gzip_chunked.pcap", 3000)
    assert most <= 3000
    assert all(p.get("tcp.segments") is None for p in pkts)
    noted = [p.number for p in pkts if any(i.code == "tcp.reassembly.limit" for i in p.issues)]
    assert noted


def test_follow_reads_a_pipe() -> None:
    """-z follow from a pipe prints what tshark -r - prints (the stream is spooled to disk,
    then read again); before, it was refused."""
    cap = DATA / "streams" / "arkime_http-post-upload.pcap"
    for mode in ("ascii", "hex", "raw"):
        piped, err = printed(["-r", "-", "-q", "-z", f"follow,tcp,{mode},0"], cap.read_bytes())
        path = DATA / "streams" / f"arkime_http-post-upload.follow.tcp.{mode}.0.txt"
        with open(path, encoding="utf-8", newline="") as fh:
            want = fh.read()
        assert piped == want and err == ""


def test_export_objects_from_a_pipe(tmp_path: Path) -> None:
    cap = DATA / "streams" / "arkime_http-post-upload.pcap"
    printed(["-r", "-", "-q", "--export-objects", f"http,{tmp_path / 'piped'}"], cap.read_bytes())
    printed(["-r", str(cap), "-q", "--export-objects", f"http,{tmp_path / 'filed'}"])
    names = sorted(p.name for p in (tmp_path / "filed").iterdir())
    assert len(names) == 4
    assert sorted(p.name for p in (tmp_path / "piped").iterdir()) == names
    for name in names:
        assert (tmp_path / "piped" / name).read_bytes() == (tmp_path / "filed" / name).read_bytes()


def test_past_the_cap_the_largest_open_pdu_is_limited(tmp_path: Path) -> None:
    """An HTTP/1.0 body held until its FIN (stream 0) while another connection's PDUs come
    and go: past the cap it is that body's direction that stops being framed, not the
    direction whose frame arrived last, so the other connection is still put together."""
    from dissect.readers.writer import PcapWriter

    def frames(name: str) -> list[bytes]:
        with open_capture(str(DATA / "reassembly" / f"{name}.pcap")) as idx:
            return [bytes(r.data) for r in idx]

    held, other = frames("http_until_fin")[:9], frames("http_no_body")
    path = tmp_path / "two.pcap"
    with PcapWriter(path, 1) as w:
        for n, frame in enumerate(held[:6] + other + held[6:]):
            w.write(frame, 1_700_000_000_000_000_000 + n * 1_000_000)
    pkts, _pdus, most = forward(path, 4000)
    assert most <= 4000
    whole = [p.number for p in pkts if p.get("tcp.segments") is not None]
    assert whole == [6 + 12, 6 + 14]  # no_body's POST and its 2-segment response
    noted = {p.number for p in pkts if any(i.code == "tcp.reassembly.limit" for i in p.issues)}
    # the body's later frames from the server (frames 7 and 9 of http_until_fin); those
    # already shown when the cap was passed are printed, as a pipe goes
    assert noted == {6 + len(other) + 1, 6 + len(other) + 3}


def test_hpack_in_the_plain_list_from_a_pipe_follows_the_connection() -> None:
    """The plain list of HTTP/2 read forwards: each TCP frame is framed as it comes, so a
    header block that refers to the dynamic table decodes as it does from the file (tshark:
    "(text/plain)" on frame 10 comes from the table the first response filled)."""
    from dissect import decode_as
    from dissect.cli import finish_args

    def listed(source: str, stdin: bytes | None = None) -> tuple[str, str]:
        argv = ["-r", source, "--print", "-d", "tcp.port==80,http2"]
        old = sys.stdin
        if stdin is not None:
            sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
        try:
            out, err = io.StringIO(), io.StringIO()
            args = finish_args(build_parser(), build_parser().parse_args(argv))
            assert run_batch(args, out=out, err=err) == 0, err.getvalue()
        finally:
            sys.stdin = old
        return out.getvalue(), err.getvalue()

    cap = DATA / "reassembly" / "h2_hpack.pcap"
    try:
        filed, _ = listed(str(cap))
        piped, warned = listed("-", cap.read_bytes())
    finally:
        decode_as.clear()
    assert "HEADERS[3]: 200 OK, DATA[3] (text/plain)" in filed
    assert piped == filed and warned == ""
