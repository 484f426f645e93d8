"""Linux netfilter NFLOG (link type 239): header, TLVs and the logged packet.

Captures (copied unchanged from the public corpus, attribution in
tests/data/link/ATTRIBUTION.md): arkime's nflog.pcap (an HTTP exchange logged by
`iptables -j NFLOG`) and PcapPlusPlus's nflogPacket.pcap (a DNS query). Expectations beside
them (`<capture>.fields.json`) are tshark 4.0.17's every nflog.* field with positions
(`python -m tests.tshark_fields --write CAPTURE nflog`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dissect.engine import decode
from dissect.index import open_capture
from tests.spans import check_every_truncation, issue_codes, names, values
from tests.tshark_fields import compare

LINK = Path(__file__).parent / "data" / "link"
CAPTURES = [LINK / "arkime" / "nflog.pcap", LINK / "pcapplusplus" / "nflogPacket.pcap"]


def records(path: Path) -> list:
    with open_capture(str(path)) as idx:
        return list(idx)


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: p.name)
def test_every_field_agrees_with_tshark(path: Path) -> None:
    # The type's mask 0x7fff: tshark draws it on the little-endian number; ours is a
    # computed number without a bit pattern (the bytes are not big-endian). The timestamp
    # is compared below (tshark writes it as a date). nflog.padding is ours: the payload
    # TLV's padding after the logged packet, which tshark leaves without a field.
    assert compare(path, skip=frozenset({"nflog.timestamp", "nflog.padding"})) == []


def test_timestamp_as_tshark() -> None:
    rec = records(CAPTURES[0])[1]
    stamp = decode(rec.data, rec.linktype).get("nflog.timestamp")
    assert stamp is not None and stamp.show == "2017-03-15 18:51:10.046864000 UTC"  # tshark:
    # "Mar 15, 2017 18:51:10.046864000 UTC"


def test_layers_and_values() -> None:
    rec = records(CAPTURES[0])[0]
    pkt = decode(rec.data, rec.linktype, strict=True)
    assert names(pkt)[:3] == ["nflog", "ip", "tcp"]
    assert values(pkt, "nflog.uid") == [1612] and values(pkt, "nflog.gid") == [1026]
    assert values(pkt, "nflog.hook") == [3]
    assert pkt.layer("ip").pos == 48  # the payload TLV's value
    dns = records(CAPTURES[1])[0]
    assert names(decode(dns.data, dns.linktype))[-1] == "dns"


def test_a_lying_tlv_length_is_malformed() -> None:
    rec = records(CAPTURES[1])[0]
    frame = bytearray(rec.data)
    frame[4:6] = (0xFFF0).to_bytes(2, "little")
    pkt = decode(bytes(frame), rec.linktype, strict=True)
    assert "nflog.tlv_length.bad" in issue_codes(pkt)


def test_every_truncation_decodes() -> None:
    rec = records(CAPTURES[1])[0]
    check_every_truncation(bytes(rec.data), rec.linktype)
