"""Virtual Router Redundancy Protocol: version 2 (RFC 3768) and 3 (RFC 9568, IPv4 and IPv6).

The master of a group of routers sharing virtual addresses advertises itself; the backups
take over when the advertisements stop. Version 3's checksum covers an IP pseudo-header
too, version 2's only the message, so the tail checks it (the shared policy's conditions).
"""

from __future__ import annotations

from typing import Any

from ..names import EXPLAIN_RESERVED
from ..protocol import (
    DATA,
    HEX,
    U8,
    U16,
    Bits,
    Bytes,
    Int,
    IPv4,
    IPv6,
    Layer,
    Osi,
    Protocol,
    Str,
    Text,
    bind,
    explain_checksum_status,
    ipv4_str,
    ipv6_str,
    pseudo_sum,
    uint_at,
    verify,
)

TYPES = {1: "Advertisement"}
AUTH_TYPES = {
    0: "No Authentication", 1: "Simple Text Authentication [RFC 2338] / Reserved [RFC 3768]",
    2: "IP Authentication Header [RFC 2338] / Reserved [RFC 3768]",
    254: "Cisco VRRP MD5 Authentication",
}  # fmt: skip
MAX_ADDRS = 255  # the count is one byte


def _prio_name(value: int) -> str:
    if value == 0:
        return "Current Master has stopped participating in VRRP"
    if value == 100:
        return "Default priority for a backup VRRP router"
    if value == 255:
        return "This VRRP router owns the virtual router's IP address(es)"
    return "Non-default backup priority"


TYPEVER = U8("vrrp.typever", "VRRP message version and type",
             text=lambda v: f"Version {v >> 4}, Packet type {v & 15} ({TYPES.get(v & 15, 'Unknown')})",
             explain="The protocol version (high four bits) and the message type (low four).",
             children=(
                 Bits("vrrp.version", "VRRP protocol version", mask=0xF0,
                      explain="2 (IPv4 only) or 3 (IPv4 and IPv6)."),
                 Bits("vrrp.type", "VRRP packet type", mask=0x0F, names=TYPES,
                      explain="1: an advertisement, the only type."),
             ))  # fmt: skip
CHECKSUM = U16("vrrp.checksum", "Checksum", base=HEX,
               explain="The Internet checksum over the message (version 3: and an IP "
               "pseudo-header).")  # fmt: skip
CHECKSUM_STATUS = Str("vrrp.checksum.status", "Checksum Status", generated=True,
                      explain=explain_checksum_status)  # fmt: skip
CHECKSUM_CALC = Int("vrrp.checksum.calculated", "Calculated Checksum", base=HEX, generated=True,
                    explain="The checksum worked out over the captured bytes.")  # fmt: skip
AUTH_TYPE = U8("vrrp.auth_type", "Auth Type", names=AUTH_TYPES,
               explain="Version 2: the (deprecated) authentication in use.")  # fmt: skip
ADVER_INT = U8("vrrp.adver_int", "Adver Int",
               explain="Version 2: seconds between the master's advertisements.")  # fmt: skip
RESERVED = Bits("vrrp.reserved_mbz", "Reserved", mask=0xF0, explain=EXPLAIN_RESERVED)
SHORT_ADVER_INT = Bits("vrrp.short_adver_int", "Adver Int", 2, mask=0x0FFF,
                       explain="Version 3: centiseconds between the master's advertisements.")  # fmt: skip
IP_ADDR = IPv4("vrrp.ip_addr", "IP Address", explain="A virtual address the group shares.")
IPV6_ADDR = IPv6("vrrp.ipv6_addr", "IPv6 Address", explain="A virtual address the group shares.")
AUTH_STRING = Text("vrrp.auth_string", "Authentication String",
                   explain="Version 2: a clear-text password (no protection).")  # fmt: skip
MD5_DATA = Bytes("vrrp.md5_auth_data", "MD5 Authentication Data",
                 explain="Cisco's MD5 authentication data.")  # fmt: skip

VRRP = Protocol(
    "vrrp", "Virtual Router Redundancy Protocol", osi=Osi.NETWORK, short="VRRP",
    header=(
        TYPEVER,
        U8("vrrp.virt_rtr_id", "Virtual Rtr ID", explain="Which virtual router (group) this is."),
        U8("vrrp.prio", "Priority", names=_prio_name,
           explain="The sender's priority: the highest becomes master (255: it owns the "
           "addresses, 0: it is giving up)."),
        U8("vrrp.addr_count", "Addr Count", explain="How many virtual addresses follow."),
    ),
    colour="#d7d7af",
    info=lambda layer: "" if layer.values is None else (
        f"Announcement (v{layer.value('vrrp.version')})"
    ),
    explain="VRRP lets several routers share a virtual gateway address: the master answers "
    "for it and advertises itself, and a backup takes over when the master falls silent.",
)  # fmt: skip


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    version, count = data[pos] >> 4, data[pos + 3]
    layer.next = DATA
    if version not in (2, 3):
        layer.hdr_len, layer.payload_pos = 4, pos + 4
        return
    if pos + 8 > end:
        layer.short(8, "VRRP header")
        layer.hdr_len, layer.payload_pos = end - pos, end
        layer.stop()
        return
    if version == 2:
        layer.add(AUTH_TYPE, pos + 4, 1, data[pos + 4])
        layer.add(ADVER_INT, pos + 5, 1, data[pos + 5])
    else:
        layer.add(RESERVED, pos + 4, 1, data[pos + 4] >> 4, mask=0xF0)
        layer.add(SHORT_ADVER_INT, pos + 4, 2, uint_at(data, pos + 4, 2) & 0x0FFF, mask=0x0FFF)
    layer.add(CHECKSUM, pos + 6, 2, uint_at(data, pos + 6, 2))
    _check(data, layer, version)
    i = _addresses(data, layer, version, count, pos + 8, end)
    if version == 2 and i + 8 <= end:
        auth = data[pos + 4]
        if auth == 1:
            text = bytes(data[i : i + 8]).split(b"\0", 1)[0].decode("latin-1")
            layer.add(AUTH_STRING, i, 8, text)
        i += 8
    if version == 2 and data[pos + 4] == 254 and end > i:
        layer.add(MD5_DATA, i, end - i, bytes(data[i:end]))
        i = end
    layer.hdr_len, layer.payload_pos = i - pos, i


def _addresses(data: Any, layer: Layer, version: int, count: int, i: int, end: int) -> int:
    """Version 3 over IPv6 carries IPv6 addresses; every other message IPv4 ones."""
    pkt = layer.packet
    size = (
        16
        if version == 3 and pkt.ctx.pseudo_src is not None and len(pkt.ctx.pseudo_src) == 16
        else 4
    )
    for _ in range(min(count, MAX_ADDRS)):
        if i + size > end:
            layer.short(i + size - layer.pos, "VRRP address")
            return end
        raw = bytes(data[i : i + size])
        if size == 4:
            layer.add(IP_ADDR, i, 4, ipv4_str(raw))
        else:
            layer.add(IPV6_ADDR, i, 16, ipv6_str(raw))
        i += size
    return i


def _check(data: Any, layer: Layer, version: int) -> None:
    """The checksum, unless the bytes it covers are not all here (fragment, ICMP quote,
    capture cut): version 3 sums the IP pseudo-header first."""
    pkt = layer.packet
    ctx = pkt.ctx
    pos, end = layer.pos, layer.payload_end
    cut = pkt.caplen < pkt.wirelen and end >= pkt.caplen
    if ctx.fragment or ctx.in_error or cut:
        layer.add(CHECKSUM_STATUS, pos + 6, 0, "unverified")
        return
    initial = 0
    if version == 3:
        if ctx.pseudo_src is None:
            return
        initial = pseudo_sum(ctx.pseudo_src, ctx.pseudo_dst, 112, end - pos)
    verify(layer, data, pos, end, pos + 6, CHECKSUM_STATUS, CHECKSUM_CALC, initial=initial)


VRRP.tail = _tail

bind("ip.proto", 112, VRRP)
