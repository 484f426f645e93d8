"""The joined datagram on a decoded packet: what `annotate` does with an IP fragment.

With defragmentation on (the stream pass ran), a fragment that does not complete its
datagram carries only "Fragmented IP protocol" bytes: the layers above IP become one `data`
layer, as in Wireshark, even on the first fragment whose bytes start with a transport
header. The fragment that completes the datagram lists the fragments
("[3 IPv4 Fragments (4008 bytes): #1(1480), ...]", ip.fragment, ip.fragment.count,
ip.reassembled.length; ipv6.* for IPv6) and the layers above IP are decoded from the joined
payload.

Those layers belong to a second packet whose bytes are the joined payload and whose
`source` names it as Wireshark names the data source ("Reassembled IPv4 (4008 bytes)"):
every field's span counts from that payload's first byte, and `layer.packet.data` is the
buffer a hex view shows for it (`data_sources`). The second packet shares the frame's
layer list, so a layer reading the layers below it (ICMP's TTL) sees the IP header.
"""

from __future__ import annotations

from typing import Any

from ..engine import DATA, Context, Layer, Packet, decode, lookup, spec_for
from .defrag import CONFLICT, OVERLAP

_SPECS = {
    v: tuple(spec_for(f"{p}.{n}") for n in ("fragments", "fragment", "fragment.count",
                                              "reassembled.length", "fragment.overlap",
                                              "fragment.overlap.conflict"))
    for v, p in ((4, "ip"), (6, "ipv6"))
}  # fmt: skip
_REASSEMBLED_IN = {4: spec_for("ip.reassembled_in"), 6: spec_for("ipv6.reassembled.in")}
_TITLE = {4: "IPv4", 6: "IPv6"}


def fragment_layers(pkt: Packet) -> tuple[int, int, int] | None:
    """(version, index of the layer the fragment's tree goes in, index of the layer whose
    payload is the fragment's bytes) of the first IP fragment header, as segment_of finds
    it (None: none; a header an ICMP error quotes is not one)."""
    for k, layer in enumerate(pkt.layers):
        name = layer.protocol.name
        if name in ("icmp", "icmpv6") and pkt.ctx.in_error:
            return None
        if name == "ip" and (layer.value("ip.flags.mf") or layer.value("ip.frag_offset")):
            return 4, k, k
        if name == "ipv6.fraghdr":
            top = k - 1
            while top > 0 and pkt.layers[top].protocol.name != "ipv6":
                top -= 1
            return 6, top, k
    return None


def annotate_fragment(pkt: Packet, table: Any, i: int, complete: bool, later: bool) -> None:
    """Fragment i's fields; the joined datagram's layers on the one that completes it
    (`complete`). later=False: no ip.reassembled_in (a later packet tells it)."""
    where = fragment_layers(pkt)
    if where is None:
        return
    version, top, k = where
    ip = pkt.layers[top]
    if not complete:
        _as_data(pkt, k)
        if later and table.number[i]:
            ip.add(_REASSEMBLED_IN[version], ip.pos, 0, table.number[i])
        return
    pieces = table.fragments.get(i, [])
    _fragment_tree(ip, version, pieces)
    payload = table.joined(i)
    if payload is None:  # beyond the kept datagrams and no index to read them again
        _as_data(pkt, k)
        return
    _decode_joined(pkt, k, payload, version)


def _fragment_tree(ip: Layer, version: int, pieces: list) -> None:
    """Wireshark's "[N IPv4 Fragments (B bytes): #a(x), ...]" subtree and its issues."""
    top_spec, frag, count, length, overlap, conflict = _SPECS[version]
    total = max((off + n for _j, off, n, _m in pieces), default=0)
    text = ", ".join(f"#{j + 1}({n})" for j, _off, n, _m in pieces)
    top = ip.add(top_spec, ip.pos, 0,
                 f"{len(pieces)} {_TITLE[version]} Fragments ({total} bytes): {text}")  # fmt: skip
    for j, _off, _n, marks in pieces:
        f = ip.child(top, frag, ip.pos, 0, j + 1)
        if marks & OVERLAP:
            ip.child(f, overlap, ip.pos, 0, True)
        if marks & CONFLICT:
            ip.child(f, conflict, ip.pos, 0, True)
    ip.child(top, count, ip.pos, 0, len(pieces))
    ip.child(top, length, ip.pos, 0, total)
    if any(m & CONFLICT for *_r, m in pieces):
        ip.issue("error", "protocol", conflict.name, conflict.label, ip.pos, 0)
    elif any(m & OVERLAP for *_r, m in pieces):
        ip.issue("warn", "protocol", overlap.name, overlap.label, ip.pos, 0)


def _as_data(pkt: Packet, k: int) -> None:
    """The layers above layer k become one data layer over its payload."""
    below = pkt.layers[k]
    del pkt.layers[k + 1 :]
    if below.payload_pos >= below.payload_end:
        return
    layer = Layer(DATA, pkt, below.payload_pos, below.payload_end)
    DATA.tail(pkt.data, layer)
    pkt.layers.append(layer)


def _decode_joined(pkt: Packet, k: int, payload: bytes, version: int) -> None:
    """Replace the layers above layer k by those decoded from the joined payload."""
    below = pkt.layers[k]
    key = below.value("ip.proto") if version == 4 else below.value("ipv6.fraghdr.nxt")
    ctx = Context()
    ctx.pseudo_src, ctx.pseudo_dst = pkt.ctx.pseudo_src, pkt.ctx.pseudo_dst
    joined = decode(payload, pkt.linktype, number=pkt.number, time_ns=pkt.time_ns,
                    interface=pkt.interface, start=(lookup("ip.proto", key) or DATA, 0),
                    ctx=ctx)  # fmt: skip
    joined.source = f"Reassembled {_TITLE[version]} ({len(payload)} bytes)"  # Wireshark's
    del pkt.layers[k + 1 :]
    pkt.layers.extend(joined.layers[1:])  # not its frame layer: the frame is this packet's
    joined.layers = pkt.layers


def data_sources(pkt: Packet) -> list[tuple[str, bytes]]:
    """The buffers the packet's fields index: the frame, then each put-together one (its
    packet's `source` names it)."""
    out = [(f"Frame ({len(pkt.data)} bytes)", pkt.data)]
    seen = {id(pkt)}
    for layer in pkt.layers:
        other = layer.packet
        if other is not None and id(other) not in seen:
            seen.add(id(other))
            out.append((other.source or "Reassembled data", other.data))
    return out
