"""Heuristic dispatch: each heuristic declares the cheap test (first byte, fewest bytes)
the driver makes before calling it, so a payload no port claims costs no Python call per
heuristic unless it can be that protocol."""

from __future__ import annotations

import pytest
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import Ether

import dissect.protocols  # noqa: F401  (every protocol bound)
from dissect.engine import HEURISTICS, Heuristic, decode
from tests.spans import names


def tcp(payload: bytes, port: int = 40000) -> bytes:
    return bytes(
        Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=port + 1, dport=port) / payload
    )


def udp(payload: bytes, port: int = 40000) -> bytes:
    return bytes(
        Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=port + 1, dport=port) / payload
    )


@pytest.fixture
def calls(monkeypatch) -> dict[str, int]:
    """Counts the calls of every registered heuristic's check."""
    counted: dict[str, int] = {}
    for table in ("tcp.port", "udp.port"):
        for proto, h in HEURISTICS[table]:
            counted[proto.name] = 0

            def fn(data, pos, end, layer, _inner=h.fn, _name=proto.name):
                counted[_name] += 1
                return _inner(data, pos, end, layer)

            monkeypatch.setattr(h, "fn", fn)
    return counted


def test_payloads_no_heuristic_can_claim_call_none(calls) -> None:
    for frame in (tcp(bytes(64)), udp(b"\x01" + bytes(5)), tcp(b"\x80" * 200)):
        assert names(decode(frame, 1))[-1] == "data"
    assert calls == dict.fromkeys(calls, 0)


def test_a_payload_is_checked_only_by_the_heuristics_it_can_start(calls) -> None:
    assert names(decode(tcp(b"SSH-2.0-OpenSSH_9.6\r\n"), 1))[-1] == "ssh"
    assert calls["ssh"] == 1 and calls["tls"] == calls["http2"] == 0
    tls_record = bytes.fromhex("1603010005") + bytes.fromhex("0100000100")
    assert names(decode(tcp(tls_record), 1))[-1] == "tls"
    assert calls["tls"] == 1 and calls["http2"] == 0
    assert names(decode(udp(bytes.fromhex("c000000001") + bytes(30)), 1))[-2] == "quic"


def test_the_check_stays_callable_with_its_test() -> None:
    h = Heuristic(lambda data, pos, end, layer: True, first=b"S", min_len=4)
    assert h(b"SSH-", 0, 4, None) and not h(b"SSH", 0, 3, None) and not h(b"XSH-", 0, 4, None)
    assert Heuristic(lambda *a: True)(b"\x00", 0, 1, None)  # no first byte named: any
