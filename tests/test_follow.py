"""`-z follow,tcp|udp,ascii|hex|raw,N` prints what tshark prints, byte for byte.

Every tests/data/streams/<capture>.follow.<kind>.<mode>.<N>.txt is tshark 4.0.17's own
output (see the README there): retransmissions, a segment lost for good (the stream ends
at the gap, as in tshark), segments cut by the snaplen, a RST with data, IPv6 nodes, UDP."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from dissect.cli import build_parser, run_batch

DATA = Path(__file__).parent / "data" / "streams"
EXPECTED = sorted(DATA.glob("*.follow.*.txt"))


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = run_batch(build_parser().parse_args(list(argv)), out=out, err=err)
    return rc, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda p: p.name[: -len(".txt")])
def test_follow_equals_tshark(expected: Path) -> None:
    capture, _, kind, mode, n = expected.name[: -len(".txt")].rsplit(".", 4)
    rc, out, err = run("-r", str(DATA / f"{capture}.pcap"), "-q", "-z", f"follow,{kind},{mode},{n}")
    assert rc == 0, err
    assert out == expected.read_bytes().decode("latin-1")  # CRs kept, as tshark writes them


def test_follow_reads_the_inflated_payload() -> None:
    """A TCP stream inside IPComp follows the inflated bytes, as tshark's (it gave the
    compressed ones)."""
    tunnels = DATA.parent / "tunnels"
    rc, out, _ = run("-n", "-r", str(tunnels / "libpcap_AH-IPcomp-IPv6.pcap"), "-q", "-z",
                     "follow,tcp,raw,0")  # fmt: skip
    assert rc == 0 and "474554202f346b2e68746d6c" in out  # "GET /4k.html"
    assert out == (tunnels / "libpcap_AH-IPcomp-IPv6.follow.tcp.raw.0.txt").read_text()


def test_follow_after_the_packets_and_twice() -> None:
    """Without -q the packets come first, then each -z follow block in tshark's order: the
    last one given first (tshark 4.0 prints every -z that way)."""
    cap = str(DATA / "tcpdump_dns_tcp.pcap")
    rc, out, _ = run("-r", cap, "-z", "follow,tcp,raw,0", "-z", "follow,tcp,ascii,0")
    assert rc == 0
    lines = out.splitlines()
    assert len([x for x in lines if "Follow: tcp," in x]) == 2
    assert lines.index("Follow: tcp,ascii") < lines.index("Follow: tcp,raw")
    assert "33779 → 53" in lines[0]


def test_follow_and_statistics_in_one_run() -> None:
    """-q -z io,phs -z follow,...: both printed (they used to run in different passes and
    the follow block was lost), the follow block first as tshark prints them."""
    cap = str(DATA / "tcpdump_dns_tcp.pcap")
    rc, out, _ = run("-r", cap, "-q", "-z", "io,phs", "-z", "follow,tcp,ascii,0")
    assert rc == 0
    assert 0 <= out.index("Follow: tcp,ascii") < out.index("Protocol Hierarchy Statistics")


def test_follow_of_a_stream_that_does_not_exist() -> None:
    """tshark prints an empty block with ':0' nodes."""
    rc, out, _ = run("-r", str(DATA / "tcpdump_dns_tcp.pcap"), "-q", "-z", "follow,tcp,raw,7")
    assert rc == 0
    assert "Node 0: :0\nNode 1: :0\n" + "=" * 67 in out


@pytest.mark.parametrize("stat", ["follow,tcp,ascii", "follow,sctp,raw,0", "follow,tcp,asc,0",
                                  "follow,udp,raw,-1", "follow,tcp,raw,99999999999"])  # fmt: skip
def test_bad_follow_argument_is_one_error_line(stat: str) -> None:
    rc, out, err = run("-r", str(DATA / "tcpdump_dns_tcp.pcap"), "-q", "-z", stat)
    assert rc == 2 and out == ""
    assert len(err.splitlines()) == 1 and "follow" in err


def test_other_statistics_are_left_alone() -> None:
    """-z is shared: a statistic that is not follow,... is not this module's error."""
    rc, out, _ = run("-r", str(DATA / "tcpdump_dns_tcp.pcap"), "-q", "-z", "io,phs")
    assert rc == 0 and "Follow" not in out
