"""SSH: version exchange, binary packets, KEXINIT name lists, ECDH/DH, the banner heuristic.

Expectations: tests/data/services/*.tshark.json (tshark 4.0.17, tests/services_tshark.py).
tcpdump_ssh.pcap is a real OpenSSH session; crafted_ssh.pcap is built by
tests/data/services/make_crafted.py (three handshakes: Ed25519, ECDSA, Diffie-Hellman).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dissect.engine import decode
from dissect.index import open_capture
from tests.services_tshark import DATA, LAYERS, compare, expected
from tests.spans import check_every_truncation, check_spans, issue_codes, names, values

# Wireshark counts packets per direction over the whole session (ssh.seq_num); one
# segment at a time cannot. (It also follows the session to know the key exchange
# method; we judge it from the key's size, and agree on these captures.)
# ssh.packet_decode.error is tshark 4.0's expert item on every RSA or Ed25519 signature
# ("Decoded 20 bytes, but packet legnth is 276 bytes"): it counts the blob's length twice.
KNOWN_MISSING = {"ssh.seq_num", "ssh.packet_decode.error"}


def packets(name: str) -> list:
    return [
        decode(r.data, r.linktype, number=r.number, wirelen=r.wirelen, strict=True)
        for r in open_capture(str(DATA / name))
    ]


def info(pkt) -> str:
    layer = pkt.layer("ssh")
    return layer.protocol.info(layer)


@pytest.mark.parametrize("name", ["tcpdump_ssh.pcap", "crafted_ssh.pcap"])
def test_fields_agree_with_tshark(name):
    exp = expected(name)
    checked = 0
    for pkt in packets(name):
        rows = exp[pkt.number]
        missing, _extra, wrong = compare(pkt, rows, LAYERS[name])
        assert {m[0] for m in missing} <= KNOWN_MISSING, (pkt.number, missing)
        assert wrong == [], pkt.number
        checked += len(rows) - len(missing)
    assert checked > 100


def test_info_as_tshark():
    pkts = packets("tcpdump_ssh.pcap")
    assert info(pkts[3]) == "Client: Protocol (SSH-2.0-OpenSSH_7.8)"
    assert info(pkts[5]) == "Server: Protocol (SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u3)"
    assert info(pkts[8]) == "Server: Key Exchange Init"
    assert info(pkts[11]) == "Client: Elliptic Curve Diffie-Hellman Key Exchange Init"
    assert info(pkts[13]).startswith(
        "Server: Elliptic Curve Diffie-Hellman Key Exchange Reply, New Keys, Encrypted packet"
    )
    assert info(pkts[17]) == "Client: Encrypted packet (len=44)"


def test_kexinit_name_lists_and_hassh():
    pkt = packets("tcpdump_ssh.pcap")[7]  # frame 8, the client's KEXINIT
    assert values(pkt, "ssh.kex_algorithms_length") == [269]
    assert values(pkt, "ssh.kex_algorithms")[0].startswith("curve25519-sha256,")
    assert values(pkt, "ssh.kex.hassh") == ["ec7378c1a92f5a8dde7e8b7a1ddf33d1"]  # tshark's
    assert values(pkt, "ssh.direction") == [False]
    server = packets("tcpdump_ssh.pcap")[8]
    assert values(server, "ssh.kex.hasshserver") == ["c099ec12a2b4c3b347f8f17d966469ed"]


def test_banner_on_any_port():
    pkt = packets("crafted_ssh.pcap")[21]  # port 2222: no binding, the banner decides
    assert names(pkt)[-1] == "ssh"
    assert values(pkt, "ssh.protocol") == ["SSH-2.0-OtherPort_1.0"]


def test_packet_past_the_segment_is_noted_not_malformed():
    pkt = packets("crafted_ssh.pcap")[20]  # 120 bytes of a 192-byte KEXINIT
    assert "ssh.continues" in issue_codes(pkt)
    assert pkt.layer("ssh").status == "ok"
    assert values(pkt, "ssh.kex_algorithms")  # decoded as far as the bytes go
    assert values(pkt, "ssh.kex.reserved") == []


def test_dh_and_host_keys():
    pkts = packets("crafted_ssh.pcap")
    assert info(pkts[16]) == "Client: Diffie-Hellman Key Exchange Init"
    assert len(values(pkts[16], "ssh.dh.e")[0]) == 257
    assert values(pkts[4], "ssh.host_key.type") == ["ssh-ed25519"]
    assert values(pkts[4], "ssh.host_key.eddsa.key") == [bytes(range(32))]
    assert values(pkts[10], "ssh.host_key.ecdsa.id") == ["nistp256"]
    assert info(pkts[18]) == "Server: Diffie-Hellman Key Exchange Reply"
    assert len(values(pkts[18], "ssh.dh.f")[0]) == 257
    assert values(pkts[18], "ssh.host_key.data") == [b"\x00\x00\x00\x28" + bytes(40)]


def test_other_tcp_payloads_are_not_ssh():
    pkt = packets("crafted_ssh.pcap")[21]
    frame = bytearray(pkt.data)
    frame[54:58] = b"SSH_"
    assert "ssh" not in names(decode(bytes(frame), 1, strict=True))


@pytest.mark.parametrize("index", [0, 2, 4, 10, 16, 17])
def test_every_truncation_decodes(index):
    check_every_truncation(packets("crafted_ssh.pcap")[index].data, 1)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=300))
def test_arbitrary_payloads_never_raise(body):
    base = packets("crafted_ssh.pcap")[2].data[:54]
    for payload in (body, b"SSH-" + body, b"\x00\x00\x00\x2c\x06\x1e" + body):
        check_spans(decode(base + payload, 1, strict=True))
