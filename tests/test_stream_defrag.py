"""IPv4 and IPv6 defragmentation as tshark (reassembly on, its defaults) shows it: the
fragments that do not complete a datagram carry "Fragmented IP protocol" data, the one that
completes it lists the fragments and the layers above IP are decoded from the joined
payload (tests/data/streams/*.frag.tsv, see the README there)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dissect import decode, open_capture
from dissect.protocol import protocol_path
from dissect.streams import StreamTable, annotate
from dissect.streams.datagrams import data_sources
from dissect.streams.defrag import MAX_DATAGRAM, MAX_GROUPS, Defragmenter, Piece

DATA = Path(__file__).parent / "data" / "streams"
CAPTURES = sorted(p for p in DATA.glob("*.pcap") if p.with_suffix(".frag.tsv").exists())
COLUMNS = ("ip.reassembled_in", "ip.fragment", "ip.fragment.count", "ip.reassembled.length",
           "ipv6.reassembled.in", "ipv6.fragment", "ipv6.fragment.count",
           "ipv6.reassembled.length", "ipv6.fragment.overlap.conflict", "udp.stream",
           "dns.response_to")  # fmt: skip
# (capture, frame, column): why ours differs. tshark -T fields prints only the first
# ip(v6).fragment of a datagram whose fragments carry overlap flags (its -V lists them all,
# as ours does: test_overlapping_ipv6_fragments_are_flagged).
KNOWN = {("ipv6_frag_ping", 11, "ipv6.fragment"), ("ipv4_frag_ping", 12, "ip.fragment")}


def decoded(capture: Path) -> list:
    idx = open_capture(capture)
    table = StreamTable.build(idx)
    out = []
    for rec in idx:
        pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns)
        annotate(pkt, table)
        out.append(pkt)
    return out


def cell(pkt, name: str) -> str:
    values = [f.value for f in pkt.find(name)]
    return ",".join("1" if v is True else str(v) for v in values)


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda p: p.stem)
def test_fragments_and_joined_datagrams_equal_tshark(capture: Path) -> None:
    rows = [line.rstrip("\n").split("\t") for line in open(capture.with_suffix(".frag.tsv"))]
    pkts = decoded(capture)
    assert len(pkts) == len(rows)
    for pkt, row in zip(pkts, rows, strict=True):
        assert ":".join(protocol_path(pkt)) == row[1], pkt.number
        for name, want in zip(COLUMNS, row[2:], strict=True):
            if (capture.stem, pkt.number, name) not in KNOWN:
                assert (name, cell(pkt, name)) == (name, want), pkt.number


def test_joined_ping_reads_the_whole_echo() -> None:
    """The 4,000-byte echo request is decoded on its last fragment: its checksum, over the
    joined bytes, is good, and its fields index the joined payload (a second data source)."""
    pkt = decoded(DATA / "ipv4_frag_ping.pcap")[2]
    icmp = pkt.layer("icmp")
    assert icmp is not None and icmp.checksum_status == "good"
    sources = data_sources(pkt)
    assert [title for title, _b in sources] == [
        "Frame (1082 bytes)",
        "Reassembled IPv4 (4008 bytes)",
    ]
    assert icmp.packet.data == sources[1][1]
    assert sources[1][1][icmp.get("icmp.checksum").pos :][:2] == b"\xb4\x3b"  # tshark: 0xb43b


def test_overlapping_ipv6_fragments_are_flagged() -> None:
    """RFC 5722: tshark flags the later fragments that overlap with other bytes, joins the
    datagram (first copy wins) and decodes it."""
    pkt = decoded(DATA / "ipv6_frag_ping.pcap")[10]
    top = pkt.get("ipv6.fragments")
    assert top.value == "3 IPv6 Fragments (72 bytes): #9(40), #10(24), #11(32)"
    frames = [f for f in top.children if f.name == "ipv6.fragment"]
    marked = [[c.name for c in f.children or ()] for f in frames]
    conflict = ["ipv6.fragment.overlap", "ipv6.fragment.overlap.conflict"]
    assert marked == [[], conflict, conflict]
    assert any(i.code == "ipv6.fragment.overlap.conflict" for i in pkt.issues)
    udp = pkt.layer("udp")
    assert udp.packet.data[40:56] == b"\xee" * 16  # frame 10's bytes, sent before frame 11's


def test_defragmenter_bounds_what_never_completes() -> None:
    """A million fragments that never complete, past-65,535-byte and tiny fragments:
    bounded groups, nothing returned, no exception."""
    d = Defragmenter()
    for i in range(20_000):
        assert d.add(i, Piece("a", "b", i, 17, 0, True, b"x" * 8, version=6)) is None
    assert len(d._groups) <= MAX_GROUPS and d.refused >= 20_000 - MAX_GROUPS
    assert d.add(0, Piece("a", "b", 1, 17, MAX_DATAGRAM - 4, False, b"y" * 8)) is None
    for off in range(0, 8 * 2000, 8):  # tiny fragments: at most MAX_PIECES held
        d.add(1, Piece("a", "b", 7, 17, off, True, b"z" * 8, version=6))
    assert len(d._groups[(6, "a", "b", 7, 17)].pieces) <= 1024


def test_a_tcp_segment_in_fragments_gets_its_stream_fields(tmp_path: Path) -> None:
    """A TCP segment cut into IPv4 fragments: the last fragment decodes the joined segment
    and carries tcp.stream and the relative numbers of it (found by the conversation fuzzer:
    the annotation read the fragment, not the joined header)."""
    scapy = pytest.importorskip("scapy.all")
    syn = scapy.Ether() / scapy.IP(src="10.0.0.1", dst="10.0.0.2") / scapy.TCP(
        sport=1234, dport=5555, flags="S", seq=1000)  # fmt: skip
    data = scapy.Ether() / scapy.IP(src="10.0.0.1", dst="10.0.0.2", id=9) / scapy.TCP(
        sport=1234, dport=5555, flags="PA", seq=1001, ack=1) / (b"x" * 3000)  # fmt: skip
    frames = [syn, *(scapy.Ether() / f for f in scapy.fragment(data[scapy.IP], 1480))]
    path = tmp_path / "tcp-fragments.pcap"
    scapy.wrpcap(str(path), frames)
    pkts = decoded(path)
    last = pkts[-1]
    assert ":".join(layer.name for layer in last.layers[1:]) == "eth:ip:tcp:data"
    assert (last.value("tcp.stream"), last.value("tcp.seq"), last.value("tcp.nxtseq")) == (
        0,
        1,
        3001,
    )


def test_a_byte_of_the_frame_never_names_a_joined_field() -> None:
    """field_at(offset) reads the frame's bytes: a joined layer's fields count in the joined
    payload, so they are never the answer for a frame offset."""
    pkt = decoded(DATA / "ipv4_frag_ping.pcap")[2]
    hit = pkt.field_at(2)  # the ICMP checksum's offset in the joined payload; Ethernet here
    assert hit is not None and hit[0].name == "eth"


def test_the_joined_layers_say_their_data_source_in_json() -> None:
    """-T json: a joined layer's pos/len count in the buffer its "source" names."""
    import json

    from dissect.engine import packet_json

    pkt = decoded(DATA / "ipv4_frag_ping.pcap")[2]
    layers = json.loads(packet_json(pkt))["layers"]
    assert [(x["protocol"], x.get("source")) for x in layers[2:4]] == [
        ("ip", None),
        ("icmp", "Reassembled IPv4 (4008 bytes)"),
    ]
