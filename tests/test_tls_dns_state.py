"""TLS and DNS keep what tail() read in layer.state for detail(): that state must not hold
the packet in a reference cycle (a released packet is freed at once, as Packet.release
promises, not by the cycle collector), and building the fields must not change it."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from dissect.engine import decode
from dissect.index import open_capture

DATA = Path(__file__).parent / "data"
CAPTURES = [
    "golden/arkime/openssl-tls1_2.pcap",
    "golden/pcapplusplus/tls1_3.pcap",
    "app_tcp/pcapplusplus_ssl-malformed1.pcap",
    "golden/arkime/dns-wiresharkrepo.pcap",
    "golden/tcpdump/dns_tcp.pcap",
    "golden/tcpdump/edns-opts.pcap",
    "app_udp/dpkt_truncated_dns.pcap",
]
APP = {"tls", "dns", "mdns", "llmnr"}


def _records(name: str) -> list:
    recs = [r for r in open_capture(str(DATA / name))]
    pkts = [_decode(r) for r in recs]
    assert any(layer.protocol.name in APP for p in pkts for layer in p.layers), name
    return recs


def _decode(r):
    return decode(r.data, r.linktype, number=r.number, time_ns=r.time_ns, wirelen=r.wirelen)


@pytest.mark.parametrize("fields", [False, True], ids=["tail", "tail+detail"])
@pytest.mark.parametrize("name", CAPTURES)
def test_a_released_packet_leaves_no_cycle(name: str, fields: bool) -> None:
    recs = _records(name)
    gc.collect()
    gc.disable()
    try:
        for r in recs:
            pkt = _decode(r)
            if fields:
                for layer in pkt.layers:
                    layer.walk()
            pkt.release()
        assert gc.collect() == 0
    finally:
        gc.enable()


@pytest.mark.parametrize("name", CAPTURES)
def test_building_the_fields_leaves_info_and_title_alone(name: str) -> None:
    """The list row (Info, from tail()'s state) and the title read the same before and
    after detail() built the fields from that state."""
    for r in _records(name):
        pkt = _decode(r)
        layers = [layer for layer in pkt.layers if layer.protocol.name in APP]
        before = [(layer.protocol.info(layer), layer.title) for layer in layers]
        for layer in layers:
            layer.walk()
        assert [(layer.protocol.info(layer), layer.title) for layer in layers] == before
