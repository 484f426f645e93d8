"""SCTP (dissect/protocols/sctp.py) and the CRC-32C checksum policy, against tshark.

tests/data/tunnels/crafted_sctp.pcap has one packet per chunk type (and bundles, IPv6, a
wrong CRC, a capture cut, an overlong chunk); its `.fields.json` holds what tshark 4.0.17
shows of every sctp.* field with CRC-32C checked, TSNs absolute and reassembly off
(tests/tshark_fields.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dissect.engine import Checksum, columns, crc32c, decode
from dissect.index import open_capture
from tests.spans import check_every_truncation, field_span, issue_codes, values
from tests.tshark_fields import compare

DATA = Path(__file__).parent / "data" / "tunnels"
# Wireshark's chunk, parameter, cause and gap-block subtrees are text items with no filter
# name, ours are named so they can be selected; it adds hidden sctp.port, sctp.assoc_index
# and sctp.initiate_tag duplicates; its expert items are fields; a wrong checksum's right
# value is our sctp.checksum.calculated, as for every checksum; DATA user data is a field
# of its chunk here (a packet may bundle several)
DIFFS = frozenset({
    "sctp.chunk", "sctp.parameter", "sctp.cause", "sctp.sack_gap_block", "sctp.user_data",
    "sctp.port", "sctp.assoc_index", "sctp.initiate_tag", "sctp.chunk_length.bad",
    "sctp.checksum_bad.expert", "sctp.checksum.calculated",
})  # fmt: skip
FIRST_SEGMENT = frozenset({6})  # tshark hands a first segment's user data to "data"


def frames() -> list[bytes]:
    with open_capture(str(DATA / "crafted_sctp.pcap")) as idx:
        return [r.data for r in idx]


def test_sctp_agrees_with_tshark():
    assert compare(DATA / "crafted_sctp.pcap", DIFFS, FIRST_SEGMENT) == []


def test_crc32c_known_value():
    assert crc32c(b"123456789") == 0xE3069283  # RFC 3720 B.4's check value
    with pytest.raises(ValueError):
        Checksum("x.checksum", algorithm="adler32")


def test_checksum_through_the_shared_policy():
    good = decode(frames()[4], 1, strict=True)
    assert good.value("sctp.checksum.status") == "good"
    bad = decode(frames()[21], 1, strict=True)
    assert bad.value("sctp.checksum.status") == "bad"
    assert bad.value("sctp.checksum.calculated") == 0x0BF18BBC
    assert "sctp.checksum.bad" in issue_codes(bad)
    assert columns(bad)[5]  # the list marks the bad checksum
    cut = decode(frames()[22], 1, wirelen=90, strict=True)
    assert cut.value("sctp.checksum.status") == "unverified"
    assert cut.layer("sctp").status == "truncated"


def test_chunks_and_info():
    infos = [columns(decode(f, 1, strict=True))[3] for f in frames()]
    assert infos[0] == "INIT"
    assert infos[5] == "DATA (TSN=1002) DATA (TSN=1003)"
    assert infos[6] == "SACK (Ack=1005+6, Arwnd=50000)"
    assert infos[19] == "RESERVED"
    init = decode(frames()[0], 1, strict=True)
    assert field_span(init, "sctp.init_nr_in_streams") == (65535, 60, 2, 0)
    assert values(init, "sctp.parameter_supported_address_type") == [5, 6]
    sack = decode(frames()[6], 1, strict=True)
    assert values(sack, "sctp.sack_gap_block_end_tsn") == [1008, 1011]
    assert sack.value("sctp.sack_number_of_tsns_gap_acked") == 4


def test_overlong_chunk_is_malformed():
    pkt = decode(frames()[23], 1, strict=True)
    assert pkt.layer("sctp").status == "malformed"


def test_every_truncation_of_every_frame():
    for frame in frames():
        check_every_truncation(frame, 1)
