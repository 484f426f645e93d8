"""tcp.stream, udp.stream and the relative tcp.seq / tcp.ack / tcp.nxtseq, as tshark gives
them with its default preferences (tests/data/streams/*.streams.tsv, see the README there).

The captures cover port reuse (a new SYN on the same ports starts a new stream, a SYN-ACK
does not), a SYN with another number inside one connection (the base moves), a capture
starting mid-connection (Seq=1), IPv6, a RST with data and UDP."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from dissect import decode, open_capture
from dissect.cli import build_parser, run_batch
from dissect.streams import StreamTable, annotate
from dissect.streams.conversation import (
    ACK,
    SYN,
    Segment,
    TcpTracker,
    segments_of,
    tcp_numbers,
)

DATA = Path(__file__).parent / "data" / "streams"
CAPTURES = sorted(p for p in DATA.glob("*.pcap") if p.with_suffix(".streams.tsv").exists())
COLUMNS = ("tcp.stream", "udp.stream", "tcp.seq", "tcp.ack", "tcp.nxtseq")


def expected(capture: Path) -> list[list[str]]:
    return [line.rstrip("\n").split("\t")[1:] for line in open(capture.with_suffix(".streams.tsv"))]


def ours(capture: Path) -> list[list[str]]:
    idx = open_capture(capture)
    table = StreamTable.build(idx)
    rows = []
    for rec in idx:
        pkt = decode(rec.data, rec.linktype, number=rec.number)
        annotate(pkt, table)
        rows.append([str(pkt.value(name, "")) for name in COLUMNS])
    return rows


# (capture, frame): why ours differs (none: the joined IPv4 datagram's UDP layer, decoded on
# its last fragment, carries udp.stream as tshark's does).
KNOWN: dict[tuple[str, int], str] = {}


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda p: p.stem)
def test_stream_fields_equal_tshark(capture: Path) -> None:
    got, want = ours(capture), expected(capture)
    assert len(got) == len(want)
    differ = [(n, a, b) for n, (a, b) in enumerate(zip(got, want, strict=True), 1)
              if a != b and (capture.stem, n) not in KNOWN]  # fmt: skip
    assert not differ


@pytest.mark.parametrize("capture", CAPTURES[:3], ids=lambda p: p.stem)
def test_fields_output_prints_stream_fields_as_tshark(capture: Path) -> None:
    """`-T fields -e tcp.stream …` prints what tshark prints (it used to print empty columns:
    the stream pass ran for -V and JSON only)."""
    out, err = io.StringIO(), io.StringIO()
    argv = ["-n", "-r", str(capture), "-T", "fields", "-E", "occurrence=f"]
    for name in COLUMNS:
        argv += ["-e", name]
    assert run_batch(build_parser().parse_args(argv), out, err) in (0, None)
    assert [line.split("\t") for line in out.getvalue().splitlines()] == expected(capture)


def test_stream_filter_selects_one_connection() -> None:
    """`-Y tcp.stream == 5` names a field only the stream pass knows: the pass runs and the
    filter sees it (before, the name was rejected)."""
    out, err = io.StringIO(), io.StringIO()
    args = build_parser().parse_args(
        [
            "-r",
            str(DATA / "arkime_tcp_handshake_synthetic.pcap"),
            "-Y",
            "tcp.stream == 5 && tcp.seq == 0",
            "-T",
            "jsonl",
        ]  # fmt: skip
    )
    assert run_batch(args, out=out, err=err) == 0, err.getvalue()
    numbers = [json.loads(line)["number"] for line in out.getvalue().splitlines()]
    assert numbers == [18, 19, 20]  # tshark -Y agrees


def test_stream_filter_on_a_stream_read_forwards(monkeypatch: pytest.MonkeyPatch) -> None:
    """From stdin the pass runs packet by packet as they come: the same answer."""
    import sys

    raw = (DATA / "tcpdump_dns_tcp.pcap").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out, err = io.StringIO(), io.StringIO()
    args = build_parser().parse_args(["-r", "-", "-Y", "tcp.nxtseq == 227", "-q"])
    assert run_batch(args, out=out, err=err) == 0, err.getvalue()
    assert out.getvalue() == "2\n"  # frames 6 and 9 (tshark -Y agrees)


def test_sequence_wrap_stays_relative() -> None:
    """A connection whose numbers pass 2^32: relative numbers go on counting."""
    tracker = TcpTracker()
    syn = Segment(6, "a", "b", 1, 2, seq=0xFFFFFFF0, flags=SYN)
    st, d = tracker.see(syn, 0)
    assert st.base(d, 0) == 0xFFFFFFF0
    data = Segment(6, "a", "b", 1, 2, seq=0x10, ack=5, flags=ACK, seglen=10)
    st2, d2 = tracker.see(data, 1)
    assert st2 is st and (data.seq - st.base(d2, 1)) % (1 << 32) == 0x20


def test_verbose_tree_shows_stream_fields_where_tshark_does() -> None:
    """-V runs the stream pass: the fields sit where tshark -V has them, and the row and
    the title give relative numbers ("Seq=0" on the SYN), as tshark's."""
    out, err = io.StringIO(), io.StringIO()
    args = build_parser().parse_args(["-r", str(DATA / "tcpdump_dns_tcp.pcap"), "-V", "-c", "2"])
    assert run_batch(args, out=out, err=err) == 0, err.getvalue()
    lines = [line.strip() for line in out.getvalue().splitlines()]
    at = lines.index("Destination Port: 53")
    assert lines[at + 1 : at + 4] == [
        "[Stream index: 0]",
        "Sequence Number: 0    (relative sequence number)",
        "Sequence Number (raw): 603899916",
    ]
    assert "[SYN] Seq=0 Win=64240 Len=0" in lines[0]
    assert "Seq: 0, Ack: 1, Len: 0" in out.getvalue()


def test_plain_list_does_not_run_the_stream_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """The summary list and filters naming no stream field never wait for the pass."""

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("stream pass ran")

    monkeypatch.setattr(StreamTable, "build", refuse)
    for extra in ([], ["-Y", "tcp.port == 53"]):
        out, err = io.StringIO(), io.StringIO()
        args = build_parser().parse_args(["-r", str(DATA / "tcpdump_dns_tcp.pcap"), *extra])
        assert run_batch(args, out=out, err=err) == 0, err.getvalue()
        assert "Seq=603899916" in out.getvalue()  # raw: no pass, no relative numbers


def test_the_pass_keeps_at_most_16_bytes_a_packet() -> None:
    table = StreamTable.build(open_capture(DATA / "arkime_wireshark-retrans.pcap"))
    arrays = (table.ids, table.facts, table.analysis, table.number, table.rtt_us)
    assert all(len(a) == len(table) for a in arrays)
    assert sum(a.itemsize for a in arrays) == StreamTable.BYTES_PER_PACKET <= 16


def test_fragments_name_where_they_are_joined() -> None:
    """The last fragment lists the fragments (tshark's text); the others point at it."""
    idx = open_capture(DATA / "pcapplusplus_IPv4Frag.pcap")
    table = StreamTable.build(idx)
    pkts = []
    for rec in idx:
        pkt = decode(rec.data, rec.linktype, number=rec.number)
        annotate(pkt, table)
        pkts.append(pkt)
    assert [p.value("ip.reassembled_in") for p in pkts] == [3, 3, None]
    top = pkts[2].get("ip.fragments")
    assert top is not None  # tshark -V: [3 IPv4 Fragments (4060 bytes): #1(1480), ...]
    assert top.value == "3 IPv4 Fragments (4060 bytes): #1(1480), #2(1480), #3(1100)"
    assert [f.value for f in top.children if f.name == "ip.fragment"] == [1, 2, 3]


@pytest.mark.parametrize("name", ["tcpdump_dns_udp", "tcpdump_dns_tcp", "arkime_v6-http"])
def test_dns_answers_link_to_their_queries_as_tshark(name: str) -> None:
    """dns.response_to and dns.time on answers equal tshark's (single pass); the query
    gets dns.response_in as Wireshark's two-pass view shows it."""
    idx = open_capture(DATA / f"{name}.pcap")
    table = StreamTable.build(idx)
    rows = [line.rstrip("\n").split("\t") for line in open(DATA / f"{name}.dns.tsv")]
    linked = 0
    for rec, row in zip(idx, rows, strict=True):
        pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns)
        annotate(pkt, table)
        to, took = pkt.value("dns.response_to"), pkt.value("dns.time")
        assert (str(to or ""), "" if took is None else f"{took:.9f}") == (row[1], row[2])
        if to:
            linked += 1
            query = decode(idx.record(to - 1).data, rec.linktype, number=to)
            annotate(query, table)
            assert query.value("dns.response_in") == rec.number
    assert linked


def test_filter_on_dns_time_runs_the_pass() -> None:
    out, err = io.StringIO(), io.StringIO()
    args = build_parser().parse_args(
        [
            "-r",
            str(DATA / "tcpdump_dns_udp.pcap"),
            "-Y",
            "dns.time > 0.1 && dns.response_to == 1",
            "-q",
        ]
    )
    assert run_batch(args, out=out, err=err) == 0, err.getvalue()
    assert out.getvalue() == "1\n"  # tshark -Y agrees


ALL_CAPTURES = sorted(DATA.glob("*.pcap")) + sorted(
    (DATA.parent.parent.parent / "captures").glob("*.pcap")
)


@pytest.mark.parametrize("capture", ALL_CAPTURES, ids=lambda p: p.stem)
def test_the_chunked_pass_equals_one_packet_at_a_time(capture: Path) -> None:
    """StreamTable.build reads plain records from fixed offsets a chunk at a time (window
    scale, DNS IDs, endpoint pairs by numpy; analysis.run) and decodes the rest; fed every
    decoded packet one at a time instead, the table is the same."""
    idx = open_capture(capture)
    built = StreamTable.build(idx)
    fed = StreamTable()
    for rec in idx:
        pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns,
                     wirelen=rec.wirelen)  # fmt: skip
        fed.add(segments_of(pkt))
    for name in ("ids", "facts", "analysis", "number", "rtt_us"):
        assert getattr(built, name) == getattr(fed, name), name
    assert built.dns_answer == fed.dns_answer and built.fragments == fed.fragments
    assert built.others == fed.others


@pytest.mark.parametrize("capture", ALL_CAPTURES, ids=lambda p: p.stem)
def test_annotate_reads_the_numbers_the_pass_read(capture: Path) -> None:
    """annotate takes a TCP layer's raw numbers, flags and segment length from the header
    the decoder unpacked (tcp_numbers), not from segments_of walking the packet again:
    both give the same on every TCP segment of every capture."""
    compared = 0
    for rec in open_capture(capture):
        pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns,
                     wirelen=rec.wirelen)  # fmt: skip
        segs = segments_of(pkt)
        for seg in segs if isinstance(segs, list) else []:
            if seg.kind == 6 and not seg.in_error:
                got = tcp_numbers(pkt, pkt.layers[seg.layer])
                assert got == (seg.seq, seg.ack, seg.flags, seg.seglen), rec.number
                compared += 1
    if capture.stem in ("tcpdump_tcp_rst_data", "tcpdump_bigtcp-ipv4", "http-get"):
        assert compared > 0  # RST data, a TSO length of 0, plain HTTP: each had TCP to read


# --- the conversation limit: a capture of many distinct endpoints stops being tracked -----
LIMIT = 10


def _frame(sport: int, dport: int, proto: int, seq: int = 0, flags: int = 0,
           back: bool = False) -> bytes:  # fmt: skip
    """Ethernet + IPv4 + TCP or UDP from 10.0.0.1 to 10.0.0.2 (back: the other way;
    checksums zero)."""
    import struct

    if proto == 6:
        l4 = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 512, 0, 0)
    else:
        l4 = struct.pack("!HHHH", sport, dport, 8 + 4, 0) + b"ping"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, proto, 0,
                     bytes((10, 0, 0, 2 if back else 1)),
                     bytes((10, 0, 0, 1 if back else 2)))  # fmt: skip
    return b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00" + ip + l4


def _flood(path: Path) -> Path:
    """3 x LIMIT SYNs from distinct ports, as many UDP datagrams, then packets of tracked
    conversations past the limit: a SYN-ACK to the first, a new SYN (port reuse) on the
    second's ports and its ACK, a datagram back on the first UDP pair."""
    from dissect.readers.writer import PcapWriter

    frames = [_frame(1000 + n, 80, 6, 100 * n, SYN) for n in range(3 * LIMIT)]
    frames += [_frame(2000 + n, 53, 17) for n in range(3 * LIMIT)]
    frames += [_frame(80, 1000, 6, 7000, SYN | ACK, back=True),
               _frame(1001, 80, 6, 999_999, SYN), _frame(1001, 80, 6, 1_000_000, ACK),
               _frame(53, 2000, 17, back=True)]  # fmt: skip
    with PcapWriter(str(path), 1) as w:
        for n, data in enumerate(frames):
            w.write(data, 1_700_000_000_000_000_000 + n * 1000)
    return path


def test_conversation_limit_stops_tracking_new_ones(tmp_path: Path) -> None:
    """Past the limit a new conversation gets no stream (and no analysis) and is marked;
    every tracked one keeps the number it has without a limit (Wireshark's), the port
    reuse of a tracked pair included; the trackers hold at most LIMIT conversations."""
    from dissect.streams.table import UDP, UNTRACKED

    idx = open_capture(_flood(tmp_path / "flood.pcap"))
    whole, capped = StreamTable.build(idx), StreamTable.build(idx, conversation_limit=LIMIT)
    assert whole.tcp_streams == 3 * LIMIT + 1 and whole.udp_streams == 3 * LIMIT
    for i, v in enumerate(whole.ids):
        if v >> 1 < LIMIT:
            assert capped.ids[i] == v and capped.facts[i] == whole.facts[i], i
            assert capped.analysis[i] == whole.analysis[i], i
        else:
            assert capped.ids[i] == -1 and capped.facts[i] & UNTRACKED, i
            assert capped.facts[i] & UDP == whole.facts[i] & UDP and not capped.analysis[i]
    assert capped.stream_of(len(whole) - 4, "tcp") == 0  # the SYN-ACK: still stream 0
    assert capped.ids[len(whole) - 3] == capped.ids[len(whole) - 2] == -1  # port reuse
    assert capped.tcp_streams == capped.udp_streams == LIMIT
    assert len(capped.tcp_tracker._by_key) <= LIMIT >= len(capped.udp_tracker._by_key)


def test_untracked_packets_carry_a_note(tmp_path: Path) -> None:
    """Each packet past the limit says why it has no stream; a tracked one does not."""
    idx = open_capture(_flood(tmp_path / "flood.pcap"))
    table = StreamTable.build(idx, conversation_limit=LIMIT)
    notes = {}
    for rec in idx:
        pkt = decode(rec.data, rec.linktype, number=rec.number)
        annotate(pkt, table)
        notes[rec.number] = [i.message for i in pkt.issues if i.code.endswith("conversation.limit")]
        has_stream = pkt.value("tcp.stream") is not None or pkt.value("udp.stream") is not None
        assert has_stream != bool(notes[rec.number]), rec.number
    assert notes[LIMIT + 1] == ["not tracked: conversation limit reached (10 TCP conversations)"]
    assert notes[3 * LIMIT + LIMIT + 1] == [
        "not tracked: conversation limit reached (10 UDP conversations)"
    ]


def test_the_chunked_pass_equals_one_packet_at_a_time_past_the_limit(tmp_path: Path) -> None:
    idx = open_capture(_flood(tmp_path / "flood.pcap"))
    built = StreamTable.build(idx, conversation_limit=LIMIT)
    fed = StreamTable(conversation_limit=LIMIT)
    for rec in idx:
        pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns,
                     wirelen=rec.wirelen)  # fmt: skip
        fed.add(segments_of(pkt))
    for name in ("ids", "facts", "analysis", "number", "rtt_us"):
        assert getattr(built, name) == getattr(fed, name), name
    assert fed.tcp_streams == fed.udp_streams == LIMIT


def test_cli_conversation_limit(tmp_path: Path) -> None:
    """--conversation-limit N: a filter on tcp.stream sees the tracked conversations only;
    the option takes a count of at least 1."""
    path = str(_flood(tmp_path / "flood.pcap"))
    for limit, want in ((None, 3 * LIMIT + 3), (LIMIT, LIMIT + 1)):  # tshark: 33
        out, err = io.StringIO(), io.StringIO()
        extra = [] if limit is None else ["--conversation-limit", str(limit)]
        args = build_parser().parse_args(["-r", path, "-Y", "tcp.stream", "-q", *extra])
        assert run_batch(args, out=out, err=err) == 0, err.getvalue()
        assert out.getvalue() == f"{want}\n"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["-r", path, "--conversation-limit", "0"])


def test_following_a_stream_past_the_limit_says_why(tmp_path: Path) -> None:
    """-z follow of a stream the limit left untracked prints tshark's text for a stream
    that does not exist, and one warning naming the limit; a tracked one gets none."""
    path = str(_flood(tmp_path / "flood.pcap"))
    for stream, warned in ((LIMIT - 1, False), (LIMIT + 2, True)):
        out, err = io.StringIO(), io.StringIO()
        args = build_parser().parse_args(["-r", path, "-q", "-z", f"follow,tcp,ascii,{stream}",
                                          "--conversation-limit", str(LIMIT)])  # fmt: skip
        assert run_batch(args, out=out, err=err) == 0, err.getvalue()
        assert "Follow: tcp,ascii" in out.getvalue()
        said = f"tcp stream {stream} was not tracked: the conversation limit ({LIMIT})"
        assert (said in err.getvalue()) is warned, err.getvalue()


def test_tui_stream_pass_takes_the_conversation_limit(tmp_path: Path) -> None:
    """The TUI accepts --conversation-limit as the CLI does: its stream pass has the limit."""
    from tui.app import source_from_args

    path = str(_flood(tmp_path / "flood.pcap"))
    for extra, want in (([], 3 * LIMIT + 1), (["--conversation-limit", str(LIMIT)], LIMIT)):
        source = source_from_args(build_parser().parse_args(["-r", path, *extra]))
        assert any(source.index_more() for _ in range(1000))  # indexed in full
        assert source.stream_table().tcp_streams == want
        source.close()


@pytest.mark.parametrize("path", CAPTURES[:6], ids=lambda p: p.name)
def test_the_pass_in_small_chunks_gives_the_same_table(path: Path) -> None:
    """The TUI's background pass takes small chunks (it steps aside for keys between
    them): every chunk boundary, even one every 7 records, gives the table of one pass."""
    with open_capture(str(path)) as idx:
        idx.index_all()
        whole = StreamTable.build(idx)
        steps: list[int] = []
        small = StreamTable.build(idx, steps.append, chunk=7)
        assert len(steps) >= len(idx) // 7  # progress came after each small chunk
        assert list(small.ids) == list(whole.ids) and list(small.facts) == list(whole.facts)
        assert small.tcp_streams == whole.tcp_streams
        assert [small.rows(i) for i in range(len(small))] == [
            whole.rows(i) for i in range(len(whole))
        ]
