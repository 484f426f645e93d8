"""The Multipath TCP option (TCP option kind 30) against tshark 4.0.17, field by field.

Captures in tests/data/streams (README there): every MPTCP subtype and length form made
with scapy (`make_mptcp_options.py`), and two of tcpdump's test captures (a connection with
MP_CAPABLE, DSS and a fast close; a SYN whose DSS option is 3 bytes long). Their
`.fields.json` hold tshark's `mptcp*` and `tcp.option*` fields and its frame.protocols.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dissect.engine import decode
from dissect.index import open_capture
from tests.tshark_fields import compare

DATA = Path(__file__).parent / "data" / "streams"
CAPTURES = ["crafted_mptcp-options", "tcpdump_mptcp-fclose", "tcpdump_mptcp-dss-oobr"]
# tshark's MPTCP connection analysis (on by default): which subflows make a connection,
# data sequence numbers relative to the key's initial one, key echo checks. It needs the
# packets before; layerscope does not do it (yet), so these fields are not compared.
ANALYSIS = frozenset({
    "mptcp.master", "mptcp.stream", "mptcp.analysis.subflows", "mptcp.ack", "mptcp.dss.dsn",
    "mptcp.connection.echoed_key_mismatch",
})  # fmt: skip
# "mptcp" is the option's own item: a tree of fields in tshark's JSON, bytes in ours. An
# expert item is an issue of ours, with its name as code (checked below).
SKIP = ANALYSIS | {"mptcp", "mptcp.dss.infinite_mapping"}
# Frame 5 of the crafted capture is the second version-1 MP_CAPABLE with the sender's key 1:
# tshark's token there is the one of key 2 (the receiver's key of the connection state it
# kept from frame 4), while its IDSN is key 1's. Ours is key 1's, as RFC 8684 defines it.
KNOWN = ["#5 mptcp.expected_token[0] value 3441844757 != tshark '3439633525'"]
# What tshark marks "[Malformed Packet: MPTCP]" in the crafted capture.
MALFORMED = {25, 26, 28, 29, 30, 31, 34}


@pytest.mark.parametrize("name", CAPTURES)
def test_mptcp_fields_and_protocols_equal_tshark(name: str) -> None:
    problems = compare(DATA / f"{name}.pcap", skip=SKIP)
    # The Info column is not this test's: tshark's shows relative sequence numbers, which
    # need the stream pass that compare() does not run.
    problems = [p for p in problems if " info " not in p]
    assert problems == (KNOWN if name == "crafted_mptcp-options" else [])


def test_a_short_mptcp_option_is_malformed_as_in_tshark() -> None:
    got, warned = set(), set()
    with open_capture(str(DATA / "crafted_mptcp-options.pcap")) as idx:
        for r in idx:
            pkt = decode(r.data, r.linktype, number=r.number)
            tcp = pkt.layer("tcp")
            if tcp.status == "malformed":
                got.add(r.number)
                assert [i.code for i in tcp.issues if i.group == "malformed"] == ["mptcp.malformed"]
                assert pkt.layers[-1] is tcp  # nothing decoded after it, as in tshark
            if any(i.code == "mptcp.dss.infinite_mapping" for i in tcp.issues):
                warned.add(r.number)
    assert got == MALFORMED
    assert warned == {11}  # tshark: "Fallback to infinite mapping" (a data-level length of 0)


def test_options_summary_stops_at_a_malformed_mptcp_option() -> None:
    with open_capture(str(DATA / "tcpdump_mptcp-dss-oobr.pcap")) as idx:
        rec = next(iter(idx))
    pkt = decode(rec.data, rec.linktype)
    opts = pkt.layer("tcp").get("tcp.options")
    assert opts.spec.show(opts.value) == (
        "(20 bytes), Maximum segment size, SACK permitted, Timestamps"
    )  # tshark: the names of the options decoded before its MPTCP decoder stopped
