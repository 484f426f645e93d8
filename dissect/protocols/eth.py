"""Ethernet II and IEEE 802.3 framing (IEEE 802.3 clause 3; EtherTypes per IANA/IEEE)."""

from __future__ import annotations

from typing import Any

from ..fields import HEX, Mac, U16, alias
from ..model import Layer, Osi
from ..protocol import Protocol, bind_linktype, lookup

ETHERTYPES = {
    0x0800: "IPv4", 0x0806: "ARP", 0x86DD: "IPv6", 0x8100: "802.1Q Virtual LAN",
    0x88A8: "802.1ad Provider Bridge (Q-in-Q)", 0x9100: "802.1Q-in-Q", 0x8035: "RARP",
    0x8847: "MPLS label switched packet", 0x8848: "MPLS multicast", 0x8863: "PPPoE Discovery",
    0x8864: "PPPoE Session", 0x88CC: "802.1 Link Layer Discovery Protocol (LLDP)",
    0x888E: "802.1X Authentication", 0x88E5: "802.1AE (MACsec)", 0x88F7: "PTPv2 over Ethernet",
    0x9000: "Configuration Test Protocol (loopback)", 0x22F0: "AVTP", 0x0842: "Wake on LAN",
}  # fmt: skip

ETH_TYPE = U16("eth.type", "Type", base=HEX, names=ETHERTYPES)
ETH_LEN = U16("eth.len", "Length")

ETH = Protocol(
    "eth", "Ethernet II", osi=Osi.DATA_LINK, short="ETH",
    header=(
        Mac("eth.dst", "Destination"),
        Mac("eth.src", "Source"),
    ),
    addresses=("eth.src", "eth.dst"),
    padding="eth.padding",
    explain="Ethernet delivers the frame between two devices on the same link, "
    "addressed by their hardware (MAC) addresses.",
)  # fmt: skip

alias("eth.addr", "eth.src", "eth.dst")


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    if pos + 14 > end:
        layer.short(14, "Ethernet type/length field")
        layer.hdr_len = end - pos
        layer.payload_pos = end
        return
    value = int.from_bytes(data[pos + 12 : pos + 14], "big")
    layer.hdr_len = 14
    layer.payload_pos = pos + 14
    if value <= 1500:
        # IEEE 802.3: the field is a length and an LLC header follows.
        layer.add(ETH_LEN, pos + 12, 2, value)
        if pos + 14 + value < end:
            layer.payload_end = pos + 14 + value
        layer.next = lookup("eth.llc", 0)
    else:
        layer.add(ETH_TYPE, pos + 12, 2, value)
        layer.next = lookup("ethertype", value)


def _describe(layer: Layer) -> str:
    kind = "IEEE 802.3 Ethernet" if layer.get("eth.len") else "Ethernet II"
    return f"{kind}, Src: {layer.value('eth.src')}, Dst: {layer.value('eth.dst')}"


ETH.tail = _tail
ETH.describe = _describe

bind_linktype(1, ETH)
