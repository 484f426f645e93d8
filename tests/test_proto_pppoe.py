"""PPPoE discovery and session, PPP, LCP, IPCP, IPv6CP (dissect/protocols/pppoe.py, ppp.py)
against tshark; PPP also under PPTP's GRE (tests/test_proto_gre.py's captures).

Captures in tests/data/tunnels (ATTRIBUTION.md there); their `.fields.json` hold what tshark
4.0.17 shows of every pppoe.*, pppoed.*, ppp.*, lcp.*, ipcp.* and ipv6cp.* field, the
protocol list and the Info column (tests/tshark_fields.py).
"""

from __future__ import annotations

from pathlib import Path

from dissect.engine import columns, decode
from dissect.index import open_capture
from tests.spans import check_every_truncation, field_span, issue_codes, names
from tests.tshark_fields import compare

DATA = Path(__file__).parent / "data" / "tunnels"
# Wireshark's "PPPoE Tags" and "Options: (n bytes), ..." subtrees are text items with no
# filter name; ours are named so they can be selected
TEXT_ITEMS = frozenset({"pppoed.tags", "lcp.options", "ipcp.options", "ipv6cp.options"})


def frames(name: str) -> list[bytes]:
    with open_capture(str(DATA / name)) as idx:
        return [r.data for r in idx]


def test_pppoe_and_ppp_agree_with_tshark():
    assert compare(DATA / "crafted_pppoe.pcap", TEXT_ITEMS) == []
    dhcpv6 = frozenset()  # the session capture's DHCPv6 payload: decoded (dhcpv6.py)
    assert compare(DATA / "pcapplusplus_PPPoESession.pcap", TEXT_ITEMS, elsewhere=dhcpv6) == []


def test_ppp_in_pptp_gre_agrees_with_tshark():
    # crafted_gre #6 is PPTP: enhanced GRE carrying PPP with HDLC address and control
    diffs = frozenset({"gre.checksum.incorrect", "gre.checksum.calculated"})
    assert compare(DATA / "crafted_gre.pcap", diffs) == []


def test_discovery_tags_and_info():
    pado = decode(frames("crafted_pppoe.pcap")[1], 1, strict=True)
    assert names(pado) == ["eth", "pppoed"]
    assert pado.value("pppoed.tags.ac_name") == "ac1"
    assert field_span(pado, "pppoed.tags.ac_cookie")[1:3] == (43, 8)
    assert columns(pado)[3] == "Active Discovery Offer (PADO) AC-Name='ac1'"
    overrun = decode(frames("crafted_pppoe.pcap")[14], 1, strict=True)
    assert "pppoed.tag_length.invalid" in issue_codes(overrun)


def test_lcp_options_and_echo():
    req = decode(frames("crafted_pppoe.pcap")[5], 1, strict=True)
    assert names(req) == ["eth", "pppoes", "ppp", "lcp"]
    assert field_span(req, "lcp.opt.mru") == (1492, 28, 2, 0)
    assert req.get("lcp.opt.auth_protocol_bytes").show == (
        "Authentication Protocol: Password Authentication Protocol (0xc023)"
    )
    assert req.get("lcp.options").value.startswith("Options: (18 bytes), Maximum Receive Unit")
    echo = decode(frames("crafted_pppoe.pcap")[7], 1, strict=True)
    assert echo.value("lcp.magic_number") == 0x01020304
    assert columns(echo)[3] == "Echo Request"


def test_network_control_and_payloads():
    ipcp = decode(frames("crafted_pppoe.pcap")[9], 1, strict=True)
    assert ipcp.value("ipcp.opt.pri_dns_address") == "8.8.8.8"
    ipv4 = decode(frames("crafted_pppoe.pcap")[11], 1, strict=True)
    assert names(ipv4) == ["eth", "pppoes", "ppp", "ip", "icmp", "data"]
    ipv6 = decode(frames("crafted_pppoe.pcap")[12], 1, strict=True)
    assert names(ipv6) == ["eth", "pppoes", "ppp", "ipv6", "icmpv6"]


def test_every_truncation_of_every_frame():
    for frame in frames("crafted_pppoe.pcap"):
        check_every_truncation(frame, 1)


def test_ppp_link_type_agrees_with_tshark():
    # LINKTYPE_PPP (9): HDLC address and control, then the protocol; #2's option overruns
    # its message, which tshark reports with an expert item named as a field
    assert (
        compare(DATA / "crafted_ppp_link.pcap", frozenset({"lcp.options", "ppp.opt.len.invalid"}))
        == []
    )
    with open_capture(str(DATA / "crafted_ppp_link.pcap")) as idx:
        first = next(iter(idx))
    assert names(decode(first.data, first.linktype, strict=True)) == ["ppp", "ip", "icmp", "data"]
