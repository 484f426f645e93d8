"""-z statistics compared with tshark's on corpus captures (README "Statistics").

tests/data/stats/corpus/ holds a sample of the public corpus (README there: origins and
licences) and tests/data/stats/tshark/<capture>.txt what tshark 4.0.17 printed for every
report of tests/tshark_stats.py REPORTS (`tools/stats_corpus.py --save`, reassembly and
name resolution off). Each report's rows must equal tshark's; the few known differences
(protocols we do not decode yet) are listed in KNOWN and must stay different, so a fix
shows up here.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from dissect.cli import build_parser, finish_args, run_batch
from tests.tshark_stats import REPORTS, agreement, block

DATA = Path(__file__).parent / "data" / "stats"
CAPTURES = sorted((DATA / "corpus").iterdir())
KNOWN: dict[str, set[str]] = {  # capture -> reports that differ from tshark's, and why
    "gre-sample.pcap": {"io,phs"},  # the hierarchy under GRE is not yet tshark's
}  # fmt: skip


def run(*argv: str) -> tuple[int, str, str]:
    p = build_parser()
    args = finish_args(p, p.parse_args(list(argv)))
    out, err = io.StringIO(), io.StringIO()
    return run_batch(args, out=out, err=err), out.getvalue(), err.getvalue()


def reports_of(capture: Path) -> list[str]:
    theirs = (DATA / "tshark" / f"{capture.name}.txt").read_text()
    long = theirs.count("IO Statistics") < 2  # a capture too long for io,stat,1 has only io,stat,0
    return [r for r in REPORTS if r != "io,stat,1" or not long]


@pytest.mark.parametrize("capture", CAPTURES, ids=[c.name for c in CAPTURES])
def test_reports_equal_tsharks(capture: Path) -> None:
    theirs = (DATA / "tshark" / f"{capture.name}.txt").read_text()
    reports = reports_of(capture)
    rc, mine, err = run("-r", str(capture), "-q", *[a for r in reports for a in ("-z", r)])
    assert rc == 0, err
    result = agreement(mine, theirs, reports)
    differ = {r for r, ok in result.items() if not ok}
    assert differ == KNOWN.get(capture.name, set())


def test_sample_is_broad() -> None:
    """The sample covers every report with something to count."""
    assert len(CAPTURES) >= 20
    texts = [(DATA / "tshark" / f"{c.name}.txt").read_text() for c in CAPTURES]
    for needle in ("tcp  ", "udp  ", "ipv6  ", "arp  ", "dns  ", "http  ", "vlan  ", "Errors ("):
        assert any(needle in t for t in texts), needle


def test_one_pass_gives_what_separate_runs_give() -> None:
    capture = DATA / "http-simple-get.pcap"
    together = run("-r", str(capture), "-q", "-z", "io,phs", "-z", "conv,tcp", "-z", "expert")[1]
    apart = "".join(
        run("-r", str(capture), "-q", "-z", r)[1] for r in ("expert", "conv,tcp", "io,phs")
    )  # tshark's order: the last -z given first
    assert together == apart and "TCP Conversations" in together


def test_json_has_the_same_numbers() -> None:
    capture = DATA / "http-simple-get.pcap"
    rc, out, _ = run("-r", str(capture), "-T", "json", "-z", "conv,tcp", "-z", "io,phs",
                     "-z", "io,stat,0.001,http", "-z", "expert", "-z", "http,tree")  # fmt: skip
    stats = json.loads(out)["statistics"]
    conv, phs, iostat, expert, http = stats
    assert rc == 0 and conv["conversations"][0]["frames"] == 16
    assert conv["conversations"][0]["bytes_b_to_a"] == 5773
    assert [p["protocol"] for p in phs["protocols"]] == ["eth"]
    assert phs["protocols"][0]["children"][0]["frames"] == 16
    assert sum(i["values"][0]["frames"] for i in iostat["intervals"]) == 5
    assert expert["counts"] == {"chat": 6, "note": 2, "warn": 0, "error": 0}  # as tshark's
    assert http["items"][0]["item"] == "Total HTTP Packets" and http["items"][0]["count"] == 5


def test_statistics_count_every_packet_whatever_is_displayed() -> None:
    """As tshark's: -Y chooses the packets printed (and written), not what a statistic
    counts; a statistic's own filter (conv,tcp,FILTER) does that. tshark 4.0.17 on this
    capture: 16 frames, 6465 bytes with -Y http; the packets printed are the HTTP ones."""
    capture = DATA / "http-simple-get.pcap"
    rc, out, _ = run("-r", str(capture), "-Y", "http", "-z", "conv,tcp")
    assert rc == 0 and "16 6465 bytes" in out
    rows = [line for line in out.splitlines() if " → " in line]
    assert rows and all("HTTP" in line for line in rows)
    own = run("-r", str(capture), "-q", "-z", "conv,tcp,http")[1]
    assert "16 6465 bytes" not in own and "Filter:http" in own


@pytest.mark.parametrize(
    "spec",
    ["conv,foo", "io,stat", "io,stat,x", "io,stat,1,BOGUS(ip.len)", "io,stat,1,SUM(no.field)",
     "io,stat,1,tcp.port ==", "nonsense", "expert,error,ip.ttl >"],
)  # fmt: skip
def test_bad_statistic_is_one_error_line(spec: str) -> None:
    rc, out, err = run("-r", str(DATA / "dns-mx.pcap"), "-q", "-z", spec)
    assert rc == 2 and out == "" and err.count("\n") == 1 and err.startswith("layerscope: error:")


def test_iostat_functions_equal_tsharks_numbers() -> None:
    """COUNT/SUM/MIN/MAX/AVG columns, against tshark's table of the same capture."""
    capture = DATA / "http-simple-get.pcap"
    spec = ("io,stat,0.001,tcp,COUNT(tcp.flags.syn)tcp.flags.syn==1,SUM(frame.len)frame.len,"
            "MIN(tcp.window_size_value)tcp.window_size_value,MAX(ip.ttl)ip.ttl,AVG(frame.len)frame.len")  # fmt: skip
    mine = run("-r", str(capture), "-q", "-z", spec)[1]
    theirs = (DATA / "http-simple-get.iostat.txt").read_text()

    def cells(text: str) -> list[list[str]]:
        return [" ".join(x.split("|")[2:]).split() for x in text.splitlines() if "<>" in x]

    assert cells(mine) == cells(theirs) and len(cells(mine)) == 6


@pytest.mark.parametrize("capture", ["http-simple-get.pcap", "corpus/dns-tcp.pcap",
                                     "corpus/twovlan.pcap"])  # fmt: skip
def test_iostat_from_the_index_equals_the_decoded_pass(capture: str) -> None:
    """-q io,stat of frames and bytes is counted from the index without decoding; printing
    the packets takes the decoding pass: the same table."""
    path = str(DATA / capture)
    spec = ["-z", "io,stat,0.01,,tcp,udp && frame.len > 100"]
    fast = run("-r", path, "-Y", "ip", "-q", *spec)[1]
    slow = run("-r", path, "-Y", "ip", *spec)[1]
    assert fast and slow.endswith(fast) and slow != fast


@pytest.mark.parametrize("capture", CAPTURES, ids=[c.name for c in CAPTURES])
def test_conversations_from_the_index_equal_the_decoded_pass(capture: Path) -> None:
    """-q conv/endpoints count plain records with numpy (stats/vector.py); adding a report
    that needs every packet decoded takes the decoding pass: the same tables."""
    spec = [x for k in ("eth", "ip", "ipv6", "tcp", "udp") for x in ("-z", f"conv,{k}", "-z",
            f"endpoints,{k}")]  # fmt: skip
    fast = run("-r", str(capture), "-q", *spec)[1]
    slow = run("-r", str(capture), "-q", *spec, "-z", "expert")[1]
    assert slow.endswith(fast) and "Conversations" in fast  # tshark: the last -z first


STREAM_CAPTURE = Path(__file__).parent / "data" / "streams" / "arkime_tcp_handshake_synthetic.pcap"


@pytest.mark.parametrize("extra", [(), ("-z", "io,phs")], ids=["index", "decoding-pass"])
def test_tcp_conversations_are_tsharks_streams(extra: tuple[str, ...]) -> None:
    """A port pair used again with a new SYN is a new conversation (tshark's tcp.stream),
    counted from the index and in the decoding pass alike."""
    theirs = (DATA / "streams" / f"{STREAM_CAPTURE.stem}.conv.txt").read_text()
    rc, mine, _ = run("-r", str(STREAM_CAPTURE), "-q", "-z", "conv,tcp", "-z", "conv,udp", *extra)
    assert rc == 0 and agreement(mine, theirs, ["conv,tcp", "conv,udp"]) == {
        "conv,tcp": True, "conv,udp": True}  # fmt: skip


def test_conversation_streams_are_the_stream_layers_numbers() -> None:
    """Each TCP conversation carries its tcp.stream: the stream layer's packets of that
    stream are the conversation's."""
    from dissect import open_capture
    from dissect.streams import StreamTable

    out = run("-r", str(STREAM_CAPTURE), "-T", "json", "-z", "conv,tcp")[1]
    convs = json.loads(out)["statistics"][0]["conversations"]
    table = StreamTable.build(open_capture(STREAM_CAPTURE), analyse=False)
    assert sorted(c["stream"] for c in convs) == list(range(table.tcp_streams))
    for conv in convs:
        assert len(table.frames("tcp", conv["stream"])) == conv["frames"]


def test_hierarchy_on_every_core_equals_the_decoding_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """-q io,phs decodes the records in forked workers and merges their paths in order of
    first appearance: the tree of the one-process decoding pass."""
    from dissect import parallel

    monkeypatch.setattr(parallel, "MIN_PACKETS", 1)
    monkeypatch.setattr(parallel, "CHUNK", 16)
    monkeypatch.setenv("LAYERSCOPE_WORKERS", "2")
    capture = str(DATA / "corpus" / "DnsPackets.pcap")
    forked = run("-r", capture, "-q", "-z", "io,phs")[1]
    decoded = run("-r", capture, "-q", "-z", "io,phs", "-z", "expert")[1]
    assert block(forked, "io,phs") == block(decoded, "io,phs")
    assert "mdns" in forked and "llmnr" in forked


EXPERT = sorted((DATA / "expert").iterdir())


def _capture_of(fixture: Path) -> Path:
    name = fixture.name.removesuffix(".txt")
    for where in (DATA, DATA / "corpus", STREAM_CAPTURE.parent):
        if (where / name).exists():
            return where / name
    raise FileNotFoundError(name)


@pytest.mark.parametrize("fixture", EXPERT, ids=[f.name for f in EXPERT])
def test_expert_equals_tsharks(fixture: Path) -> None:
    """Every severity, group, protocol, summary and count as tshark prints them: the TCP
    connection chats and notes (SYN, SYN+ACK, FIN, which side closes), the SEQ/ACK
    analysis of the stream pass, HTTP request and status lines; no checksum warnings
    (tshark verifies none by default); retransmitted segments' payloads not counted."""
    rc, mine, err = run("-r", str(_capture_of(fixture)), "-q", "-z", "expert")
    assert rc == 0, err
    assert mine == fixture.read_text()


TREES = sorted((DATA / "trees").iterdir())


@pytest.mark.parametrize("fixture", TREES, ids=[f.name for f in TREES])
def test_stats_trees_equal_tsharks(fixture: Path) -> None:
    """dns,tree (with its query, response and service statistics: name lengths and
    levels, record counts, request-response times from the stream pass, unsolicited
    answers), http,tree and http_req,tree: every row, rate, percent and burst as tshark."""
    capture, report = fixture.name.removesuffix(".txt").rsplit(".", 1)
    rc, mine, err = run("-r", str(_capture_of(Path(capture + ".txt"))), "-q", "-z", report)
    assert rc == 0, err
    assert mine == fixture.read_text()


def test_stats_trees_of_a_capture_that_starts_at_time_zero(tmp_path: Path) -> None:
    """Burst starts are seconds since the first packet, also when it is at 0 (the Unix
    epoch): the same capture moved to start there gives tshark's same report (a first time
    of 0 used to count as none)."""
    import struct

    fixture = DATA / "trees" / "arkime_v6-http.pcap.http,tree.txt"
    raw = bytearray(_capture_of(Path("arkime_v6-http.pcap.txt")).read_bytes())
    assert struct.unpack_from("<I", raw)[0] == 0xA1B2C3D4  # pcap, little-endian, µs
    sec, usec = struct.unpack_from("<II", raw, 24)
    first, at = sec * 1_000_000 + usec, 24
    while at + 16 <= len(raw):
        sec, usec, caplen, _wirelen = struct.unpack_from("<IIII", raw, at)
        struct.pack_into("<II", raw, at, *divmod(sec * 1_000_000 + usec - first, 1_000_000))
        at += 16 + caplen
    moved = tmp_path / "at-zero.pcap"
    moved.write_bytes(bytes(raw))
    rc, mine, err = run("-r", str(moved), "-q", "-z", "http,tree")
    assert rc == 0, err
    assert mine == fixture.read_text()


def _tcp_frame(src: int, sport: int, dport: int, flags: int, seq: int) -> bytes:
    """Ethernet, IPv4 10.0.0.src -> 10.0.0.(3 - src), TCP without options or payload."""
    import struct

    a, b = bytes([10, 0, 0, src]), bytes([10, 0, 0, 3 - src])
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 1000, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0, 64, 6, 0, a, b)
    return b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00" + ip + tcp


@pytest.mark.parametrize("seed", range(6))
def test_stream_numbering_from_the_index_equals_the_decoding_pass(
    seed: int, tmp_path: Path
) -> None:
    """Random SYNs, SYN-ACKs and segments on a few port pairs, initial sequence numbers
    reused or not, across chunk boundaries: the index path (which sends only some SYNs
    through the trackers) numbers the streams as the decoding pass, which sends all."""
    import random

    from dissect import stats
    from dissect.fastfilter import CHUNK
    from dissect.readers.writer import PcapWriter

    rnd = random.Random(seed)
    path = tmp_path / "syns.pcap"
    with PcapWriter(str(path), 1) as w:
        for i in range(CHUNK + 3000):
            client, port = rnd.choice([(1, 40000), (2, 40001), (1, 40002)])
            flags = rnd.choice([0x002, 0x002, 0x012, 0x010, 0x011])
            forward = flags == 0x002 or (flags != 0x012 and rnd.random() < 0.5)
            src, sport, dport = (client, port, 80) if forward else (3 - client, 80, port)
            w.write(_tcp_frame(src, sport, dport, flags, rnd.choice([7, 7, 7, 9])), i * 1000)
    assert stats.parse("conv,tcp")  # the table of reports is loaded
    fast = run("-r", str(path), "-T", "json", "-z", "conv,tcp")[1]
    slow = run("-r", str(path), "-T", "json", "-z", "conv,tcp", "-z", "expert")[1]
    convs = json.loads(fast)["statistics"][0]["conversations"]
    assert convs == json.loads(slow)["statistics"][0]["conversations"]
    assert len(convs) > 3  # port reuse made new streams


def _dns_frame(response: bool, qtype: int = 1) -> bytes:
    """Ethernet, IPv4 10.0.0.1 <-> 10.0.0.2, UDP 40000 <-> 53, DNS ID 7 asking a.b."""
    import struct

    dns = struct.pack("!HHHHHH", 7, 0x8180 if response else 0x0100, 1, 0, 0, 0)
    dns += b"\x01a\x01b\x00" + struct.pack("!HH", qtype, 1)
    ends = (b"\x0a\0\0\2", b"\x0a\0\0\1", 53, 40000) if response else (
        b"\x0a\0\0\1", b"\x0a\0\0\2", 40000, 53)  # fmt: skip
    udp = struct.pack("!HHHH", ends[2], ends[3], 8 + len(dns), 0) + dns
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, ends[0], ends[1])
    return bytes(12) + b"\x08\x00" + ip + udp


def _dns_retransmissions(tmp_path: Path, t0: int) -> Path:
    """Queries and answers (time, response, qtype) from t0: a query again within 5 s and
    after 6 s, a second answer, a zone transfer (qtype 252) with several answers."""
    from dissect.readers.writer import PcapWriter

    path = tmp_path / "dns.pcap"
    s = 10**9
    frames = [(0, False, 1), (4 * s, False, 1), (10 * s, False, 1), (11 * s, True, 1),
              (12 * s, True, 1), (20 * s, False, 252), (21 * s, True, 252), (22 * s, True, 252)]  # fmt: skip
    with PcapWriter(str(path), 1) as w:
        for t, response, qtype in frames:
            w.write(_dns_frame(response, qtype), t0 + t)
    return path


def test_dns_retransmissions_as_tsharks(tmp_path: Path) -> None:
    """A query again before any answer within 5 s is a retransmission (after 6 s, a new
    query); a second answer is one too, unless a zone transfer was asked (several answers).
    tshark 4.0's rules (packet-dns.c)."""
    rc, out, _ = run("-r", str(_dns_retransmissions(tmp_path, 0)), "-q", "-z", "expert")
    assert rc == 0 and out == (  # what tshark 4.0.17 prints for this capture
        "\nWarns (2)\n=============\n   Frequency      Group           Protocol  Summary\n"
        "           1   Protocol                DNS  DNS query retransmission. Original "
        "request in frame 1\n"
        "           1   Protocol                DNS  DNS response retransmission. Original "
        "response in frame 4\n"
    )


def test_dns_tree_counts_retransmissions_as_tsharks(tmp_path: Path) -> None:
    """dns,tree's service statistics by tshark's DNS transactions: a response again to an
    answered query is a retransmission (not a request-response time), the responses of a
    zone transfer each a time since its query, a query again within 5 s no new request."""
    path = _dns_retransmissions(tmp_path, 1_700_000_000 * 10**9)
    rc, out, _ = run("-r", str(path), "-q", "-z", "dns,tree")
    lines = [line.rstrip() for line in out.splitlines()]
    at = lines.index(next(x for x in lines if x.startswith("Service Stats")))
    service = lines[at + 1 : at + 4]
    assert rc == 0 and service == [  # what tshark 4.0.17 prints for this capture
        " request-response time (msec)        3             1333.33       1000.000000   "
        "2000.000000   0.0001                      0.0100        11.000",
        " no. of retransmissions              1                                          "
        "             0.0000                      0.0100        12.000",
        " no. of unsolicited responses        0                                          "
        "             0.0000                      -             -",
    ]
