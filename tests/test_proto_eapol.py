"""802.1X EAPOL and EAP (dissect/protocols/eapol.py, eap.py) against tshark.

tests/data/tunnels/crafted_eapol.pcap (ATTRIBUTION.md there); its `.fields.json` holds what
tshark 4.0.17 shows of every eapol.*, eap.* and wlan_rsna_eapol.* field, the protocol list
and the Info column (tests/tshark_fields.py).
"""

from __future__ import annotations

from pathlib import Path

from dissect.engine import columns, decode
from dissect.index import open_capture
from tests.spans import check_every_truncation, field_span, issue_codes, names
from tests.tshark_fields import compare

DATA = Path(__file__).parent / "data" / "tunnels"
# tshark's expert items appear as fields (MD5's MITM warning, a bad length)
EXPERT = frozenset({"eap.mitm_attacks", "eap.bad_length"})
# tshark decodes EAP but leaves it out of frame.protocols; #10 is cut inside the EAP
# header, where tshark shows none of it and we show the code and identifier that are there
UNLISTED, CUT = frozenset({"eap"}), frozenset({10})


def frames() -> list[bytes]:
    with open_capture(str(DATA / "crafted_eapol.pcap")) as idx:
        return [r.data for r in idx]


def test_eapol_agrees_with_tshark():
    assert compare(DATA / "crafted_eapol.pcap", EXPERT, CUT, unlisted=UNLISTED) == []


def test_eap_methods_and_info():
    ident = decode(frames()[2], 1, strict=True)
    assert names(ident) == ["eth", "eapol", "eap"]
    assert ident.value("eap.identity") == "user"
    assert columns(ident)[3] == "Response, Identity"
    md5 = decode(frames()[3], 1, strict=True)
    assert field_span(md5, "eap.md5.value")[1:3] == (24, 16)
    assert columns(decode(frames()[0], 1))[3] == "Start"


def test_key_descriptor():
    key = decode(frames()[7], 1, strict=True)
    assert key.value("wlan_rsna_eapol.keydes.msgnr") == 1
    assert field_span(key, "wlan_rsna_eapol.keydes.key_info.key_ack") == (True, 19, 2, 0x80)
    assert field_span(key, "eapol.keydes.replay_counter") == (1, 23, 8, 0)
    assert columns(key)[3] == "Key (Message 1 of 4)"


def test_bad_eap_length_is_marked():
    pkt = decode(frames()[8], 1, strict=True)
    assert "eap.len.bad" in issue_codes(pkt)
    assert pkt.layer("eap").status == "malformed"


def test_every_truncation_of_every_frame():
    for frame in frames():
        check_every_truncation(frame, 1)
