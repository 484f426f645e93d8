"""IPv4 (RFC 791; options RFC 791, 1108, 1393, 2113, 7126).

Fragments other than the first carry no transport header: their payload is data.
"""

from __future__ import annotations

from typing import Any

from ..checksum import verify
from ..fields import HEX, Bits, Bytes, Flag, Int, IPv4, Str, U8, U16, alias
from ..model import Layer, Osi
from ..protocol import DATA, Protocol, bind, lookup

IP_PROTOCOLS = {
    0: "IPv6 Hop-by-Hop", 1: "ICMP", 2: "IGMP", 4: "IPIP", 6: "TCP", 17: "UDP", 41: "IPv6",
    43: "IPv6 Routing", 44: "IPv6 Fragment", 47: "GRE", 50: "ESP", 51: "AH", 58: "ICMPv6",
    59: "IPv6 No Next Header", 60: "IPv6 Destination Options", 89: "OSPF", 103: "PIM",
    112: "VRRP", 132: "SCTP",
}  # fmt: skip

OPTION_NAMES = {
    0: "End of Options List (EOL)", 1: "No-Operation (NOP)", 7: "Record Route",
    68: "Time Stamp", 130: "Security", 131: "Loose Source Route", 133: "Extended Security",
    134: "Commercial Security", 136: "Stream ID", 137: "Strict Source Route",
    148: "Router Alert", 82: "Traceroute", 25: "Quick-Start",
}  # fmt: skip

DF_EXPLAIN = {True: "Set", False: "Not set"}

IP_SRC = IPv4("ip.src", "Source Address")
IP_DST = IPv4("ip.dst", "Destination Address")
IP_CHECKSUM = U16("ip.checksum", "Header Checksum", base=HEX)

IP = Protocol(
    "ip", "Internet Protocol Version 4", osi=Osi.NETWORK, short="IPv4",
    header=(
        Bits("ip.version", "Version", mask=0xF0),
        Bits("ip.hdr_len", "Header Length", mask=0x0F, at=0, scale=4, unit=" bytes"),
        U8("ip.dsfield", "Differentiated Services Field", base=HEX, children=(
            Bits("ip.dsfield.dscp", "Differentiated Services Codepoint", mask=0xFC),
            Bits("ip.dsfield.ecn", "Explicit Congestion Notification", mask=0x03),
        )),
        U16("ip.len", "Total Length"),
        U16("ip.id", "Identification", base=HEX),
        Bits("ip.flags", "Flags", mask=0xE0, base=HEX, children=(
            Flag("ip.flags.rb", "Reserved bit", 0x80),
            Flag("ip.flags.df", "Don't fragment", 0x40),
            Flag("ip.flags.mf", "More fragments", 0x20),
        )),
        Bits("ip.frag_offset", "Fragment Offset", 2, mask=0x1FFF, at=6),
        U8("ip.ttl", "Time to Live"),
        U8("ip.proto", "Protocol", names=IP_PROTOCOLS),
        IP_CHECKSUM,
        IP_SRC,
        IP_DST,
    ),
    next_by=("ip.proto", ("ip.proto",)),
    addresses=("ip.src", "ip.dst"),
    describe=lambda layer: (
        f"Internet Protocol Version 4, Src: {layer.value('ip.src')}, Dst: {layer.value('ip.dst')}"
    ),
    explain="IPv4 carries the packet from its source host to its destination host across "
    "networks; routers read this header to forward it.",
)  # fmt: skip

OPTIONS = Bytes("ip.options", "Options")
OPTION = Int("ip.opt.type", "Type", names=OPTION_NAMES)
OPTION_LEN = U8("ip.opt.len", "Length")
OPTION_DATA = Bytes("ip.opt.value", "Value")
CHECKSUM_STATUS = Str("ip.checksum.status", "Header checksum status", generated=True)
CHECKSUM_CALC = Int("ip.checksum.calculated", "Calculated Checksum", base=HEX, generated=True)
alias("ip.addr", "ip.src", "ip.dst")
alias("ip.host", "ip.src", "ip.dst")


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    version = layer.value("ip.version")
    hdr_len = layer.value("ip.hdr_len")
    if version != 4:
        layer.issue("error", "malformed", "ip.version.bad", f"version {version} is not 4: not an IPv4 header", pos, 1)
        layer.next = DATA
        return
    if hdr_len < 20:
        layer.issue("error", "malformed", "ip.hdr_len.bad", f"header length {hdr_len} bytes is less than the minimum 20", pos, 1)
        layer.next = DATA
        return
    if pos + hdr_len > end:
        layer.short(hdr_len, "IPv4 header with options")
        layer.hdr_len = end - pos
        _options(data, layer, pos + 20, end)
        layer.payload_pos = end
        return
    layer.hdr_len = hdr_len
    layer.payload_pos = pos + hdr_len
    if hdr_len > 20:
        _options(data, layer, pos + 20, pos + hdr_len)
    _bound_total_length(layer)
    verify(layer, data, pos, pos + hdr_len, pos + 10, "ip.checksum.status", "ip.checksum.calculated",
           what="header checksum")  # fmt: skip
    layer.packet.ctx["l3"] = (bytes(data[pos + 12 : pos + 16]), bytes(data[pos + 16 : pos + 20]))
    if layer.value("ip.frag_offset"):
        layer.next = DATA  # later fragments: no transport header in them
    else:
        layer.next = lookup("ip.proto", layer.value("ip.proto"))


def _bound_total_length(layer: Layer) -> None:
    """Total length bounds the payload: below it is Ethernet padding, above it truncation."""
    total = layer.value("ip.len")
    pos, end = layer.pos, layer.payload_end
    if total == 0:
        return  # TSO / large send offload: length left for the NIC, use what we have
    if total < layer.hdr_len:
        layer.issue("error", "malformed", "ip.len.bad",
                    f"total length {total} is less than the header length {layer.hdr_len}", pos + 2, 2)  # fmt: skip
        return
    if pos + total <= end:
        layer.payload_end = pos + total
    else:
        pkt = layer.packet
        cut = pkt.caplen < pkt.wirelen
        group = "truncated" if cut else "malformed"
        layer.issue("warn" if cut else "error", group, f"ip.len.{'cut' if cut else 'bad'}",
                    f"total length {total} exceeds the {end - pos} bytes "
                    f"{'captured' if cut else 'present'}: payload ends at the last byte",
                    pos + 2, 2)  # fmt: skip


def _options(data: Any, layer: Layer, start: int, end: int) -> None:
    opts = layer.add(OPTIONS, start, end - start, bytes(data[start:end]))
    i, guard = start, 0
    while i < end and guard < 40:
        guard += 1
        kind = data[i]
        if kind in (0, 1):
            o = layer.add(OPTION, i, 1, kind, parent=opts)
            i += 1
            if kind == 0:
                break
            continue
        if i + 1 >= end or data[i + 1] < 2 or i + data[i + 1] > end:
            layer.issue("error", "malformed", "ip.opt.len.bad", f"option {kind} at offset {i} has a bad length", i, end - i)
            break
        n = data[i + 1]
        o = layer.add(OPTION, i, n, kind, parent=opts)
        layer.add(OPTION_LEN, i + 1, 1, n, parent=o)
        if n > 2:
            layer.add(OPTION_DATA, i + 2, n - 2, bytes(data[i + 2 : i + n]), parent=o)
        i += n


IP.tail = _tail


def _info(layer: Layer) -> str:
    off = layer.value("ip.frag_offset") or 0
    mf = layer.value("ip.flags.mf")
    if off or mf:
        proto = IP_PROTOCOLS.get(layer.value("ip.proto"), str(layer.value("ip.proto")))
        return f"Fragmented IP protocol (proto={proto} {layer.value('ip.proto')}, off={off * 8}, ID={layer.value('ip.id'):04x})"
    return ""


IP.info = _info

bind("ethertype", 0x0800, IP)
bind("ip.proto", 4, IP)
