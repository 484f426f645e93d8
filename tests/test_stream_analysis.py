"""TCP analysis (tcp.analysis.*) against tshark's (tests/data/streams/*.analysis.tsv).

Every flag, the duplicate-ACK number, the ACK round trip, bytes in flight and the initial
round trip must equal tshark's on every packet, except the differences listed in KNOWN."""

from __future__ import annotations

from pathlib import Path

import pytest

from dissect import decode, open_capture
from dissect.streams import StreamTable, annotate

DATA = Path(__file__).parent / "data" / "streams"
CAPTURES = sorted(p for p in DATA.glob("*.pcap") if p.with_suffix(".analysis.tsv").exists())
COLUMNS = ("tcp.analysis.retransmission", "tcp.analysis.fast_retransmission",
           "tcp.analysis.spurious_retransmission", "tcp.analysis.out_of_order",
           "tcp.analysis.lost_segment", "tcp.analysis.ack_lost_segment",
           "tcp.analysis.duplicate_ack_num", "tcp.analysis.zero_window",
           "tcp.analysis.window_full", "tcp.analysis.keep_alive", "tcp.analysis.window_update",
           "tcp.analysis.ack_rtt", "tcp.analysis.bytes_in_flight", "tcp.analysis.initial_rtt",
           "tcp.analysis.zero_window_probe", "tcp.analysis.zero_window_probe_ack",
           "tcp.analysis.keep_alive_ack")  # fmt: skip
# (capture, frame): why we differ (none: tshark's duplicate-ACK count lasts until the ACK
# number changes, and it analyses raw sequence numbers, as ours now does).
KNOWN: dict[tuple[str, int], str] = {}


def text(value: object) -> str:
    if value == "":
        return "1"  # a flag: tshark prints 1
    return f"{value:.6f}" if isinstance(value, float) else str(value)


def norm(cell: str) -> str:
    return f"{float(cell):.6f}" if "." in cell else cell


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda p: p.stem)
def test_analysis_equals_tshark(capture: Path) -> None:
    rows = [line.rstrip("\n").split("\t") for line in open(capture.with_suffix(".analysis.tsv"))]
    idx = open_capture(capture)
    table = StreamTable.build(idx)
    differ = []
    for rec, row in zip(idx, rows, strict=True):
        pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns)
        annotate(pkt, table)
        ours = [",".join(text(f.value) for f in pkt.find(name)) for name in COLUMNS]
        theirs = [norm(c) for c in row[1:]]
        if ours != theirs and (capture.stem, rec.number) not in KNOWN:
            differ.append(
                (
                    rec.number,
                    [(n, a, b) for n, a, b in zip(COLUMNS, ours, theirs, strict=True) if a != b],
                )
            )
    assert not differ, "\n".join(map(str, differ))


def test_analysis_flags_are_expert_issues() -> None:
    """A retransmission is a note in the sequence group, its code the filter name."""
    cap = DATA / "arkime_wireshark-retrans.pcap"
    idx = open_capture(cap)
    table = StreamTable.build(idx)
    rec = idx.record(8)  # frame 9: the POST's first copy again
    pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns)
    annotate(pkt, table)
    codes = [(i.severity, i.group, i.code) for i in pkt.issues]
    assert ("note", "sequence", "tcp.analysis.retransmission") in codes
