"""CDP, the Cisco Discovery Protocol (LLC SNAP, Cisco OUI, PID 0x2000): what a Cisco
device tells its neighbours about itself every minute.

A 4-byte header (version, TTL, checksum: the Internet checksum over the whole PDU) and then
TLVs (type and length 2 bytes each, the length counting the 4-byte TLV header): device
ID, addresses, port, capabilities, software version, platform, IP prefixes, protocol hello
(cluster management), VTP domain, native VLAN, duplex, trust, management addresses, ... as
Wireshark names them; other types show their data as `cdp.data`. Tests compare with tshark.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..protocol import (
    HEX,
    U8,
    U16,
    Bool,
    Bytes,
    Field,
    Flag,
    Int,
    IPv4,
    Layer,
    Mac,
    Osi,
    Protocol,
    Str,
    Text,
    bind,
    explain_checksum_status,
    ipv4_str,
    mac_str,
    verify,
)

MAX_TLVS = 256  # TLVs read per PDU (each takes at least 4 bytes anyway)
MAX_ADDRESSES = 64  # addresses read per Addresses TLV
TLV_TYPES = {
    0x01: "Device ID", 0x02: "Addresses", 0x03: "Port ID", 0x04: "Capabilities",
    0x05: "Software version", 0x06: "Platform", 0x07: "IP Prefix/Gateway (used for ODR)",
    0x08: "Protocol Hello", 0x09: "VTP Management Domain", 0x0A: "Native VLAN",
    0x0B: "Duplex", 0x0E: "VoIP VLAN Reply", 0x0F: "VoIP VLAN Query", 0x10: "Power",
    0x11: "MTU", 0x12: "Trust Bitmap", 0x13: "Untrusted Port CoS", 0x14: "System Name",
    0x15: "System Object ID", 0x16: "Management Address", 0x17: "Location",
}  # fmt: skip
PROTOCOL_IDS = {0x0112: "Cluster Management"}


@dataclass(slots=True)
class CdpState:
    """The TLVs tail() found: (position, type, length) each, and the Info's names."""

    tlvs: list[tuple[int, int, int]]
    device: str
    port: str


CDP = Protocol(
    "cdp", "Cisco Discovery Protocol", osi=Osi.DATA_LINK, short="CDP",
    header=(
        U8("cdp.version", "Version", explain="The CDP version: 1 or 2."),
        U8("cdp.ttl", "TTL", unit=" seconds",
           explain="How long the neighbour should keep this information without a new one."),
        U16("cdp.checksum", "Checksum", base=HEX,
            explain="The Internet checksum over the whole CDP message."),
    ),
    state=CdpState, colour="#87afd7",
    explain="CDP is how Cisco devices introduce themselves to their direct neighbours: name, "
    "port, platform, software, addresses and VLAN, sent to a multicast address every minute.",
)  # fmt: skip

CHECKSUM_STATUS = Str("cdp.checksum.status", "Checksum Status", generated=True,
                      explain=explain_checksum_status)  # fmt: skip
CHECKSUM_CALC = Int("cdp.checksum.calculated", "Calculated Checksum", base=HEX, generated=True,
                    explain="The checksum worked out over the captured message.")  # fmt: skip
TLV_TYPE = Int("cdp.tlv.type", "Type", base=HEX, names=TLV_TYPES, explain="What the TLV holds.")
TLV_LEN = Int("cdp.tlv.len", "Length", explain="Bytes of the TLV, its 4-byte header included.")
TLV = Str("cdp.tlv", "", explain="One type-length-value item of the message.")
DEVICE_ID = Text("cdp.deviceid", "Device ID", explain="The sending device's name.")
PORT_ID = Text("cdp.portid", "Sent through Interface", explain="The port the message left by.")
PLATFORM = Text("cdp.platform", "Platform", explain="The device's hardware model.")
SOFTWARE = Text("cdp.software_version", "Software version",
                explain="One line of the device's software description.")  # fmt: skip
VTP_DOMAIN = Text("cdp.vtp_management_domain", "VTP Management Domain",
                  explain="The VLAN Trunking Protocol domain the device is in.")  # fmt: skip
SYSTEM_NAME = Text("cdp.system_name", "System Name", explain="The device's system name.")
LOCATION = Text("cdp.location", "Location", explain="Where the device is.")
LOCATION_UNKNOWN = Int("cdp.location.unknown", "UNKNOWN", base=HEX,
                       explain="A byte before the location (meaning not published).")  # fmt: skip
CAPABILITIES = Int("cdp.capabilities", "Capabilities", base=HEX,
                   explain="What the device is: router, switch, bridge, host, phone, ...")  # fmt: skip
CAPABILITY_FLAGS = tuple(
    Flag(f"cdp.capabilities.{n}", label, mask, 4, explain=f"{label}: whether the device is one.")
    for n, label, mask in (
        ("router", "Router", 0x1), ("trans_bridge", "Transparent Bridge", 0x2),
        ("src_bridge", "Source Route Bridge", 0x4), ("switch", "Switch", 0x8),
        ("host", "Host", 0x10), ("igmp_capable", "IGMP capable", 0x20),
        ("repeater", "Repeater", 0x40), ("voip_phone", "VoIP Phone", 0x80),
        ("remote", "Remotely Managed Device", 0x100),
        ("cvta", "CVTA/STP Dispute Resolution/Cisco VT Camera", 0x200),
        ("mac_relay", "Two Port Mac Relay", 0x400),
    )
)  # fmt: skip
ADDRESS_COUNT = Int("cdp.number_of_addresses", "Number of addresses",
                    explain="How many addresses follow.")  # fmt: skip
PROTOCOL_TYPE = Int("cdp.protocol_type", "Protocol type", base=HEX, names={1: "NLPID", 2: "802.2"},
                    explain="How the address's protocol is named: 1 NLPID, 2 an 802.2 header.")  # fmt: skip
PROTOCOL_LENGTH = Int("cdp.protocol_length", "Protocol length", explain="Bytes of the protocol.")
PROTOCOL = Bytes("cdp.protocol", "Protocol", explain="The address's protocol (0xcc: IP).")
ADDRESS_LENGTH = Int("cdp.address_length", "Address length", explain="Bytes of the address.")
ADDRESS_IPV4 = IPv4("cdp.nrgyz.ip_address", "IP Address", explain="An IPv4 address of the device.")
ADDRESS = Bytes("cdp.address", "Address", explain="An address of another protocol.")
IP_PREFIX = IPv4("cdp.ip_prefix", "IP Prefix",
                 explain="A network the device routes (ODR), with its prefix length after it.")  # fmt: skip
OUI = Int("cdp.oui", "OUI", explain="Who defined the hello protocol (0x00000c: Cisco).")
PROTOCOL_ID = Int("cdp.protocol_id", "Protocol ID", base=HEX, names=PROTOCOL_IDS,
                  explain="Which hello protocol this is.")  # fmt: skip
CLUSTER_UNKNOWN = Int("cdp.cluster.unknown", "UNKNOWN", base=HEX, explain="Meaning not published.")
CLUSTER = (
    (IPv4("cdp.cluster.master_ip", "Cluster Master IP", explain="The cluster commander's address."), 4),
    (IPv4("cdp.cluster.ip", "IP?", explain="An address of the cluster (meaning not published)."), 4),
    (Int("cdp.cluster.version", "Version?", base=HEX, explain="Cluster protocol version."), 1),
    (Int("cdp.cluster.sub_version", "Sub Version?", base=HEX, explain="Its sub-version."), 1),
    (Int("cdp.cluster.status", "Status?", base=HEX, explain="The member's status."), 1),
    (CLUSTER_UNKNOWN, 1),
    (Mac("cdp.cluster.commander_mac", "Cluster Commander MAC", explain="The commander's MAC."), 6),
    (Mac("cdp.cluster.switch_mac", "Switch's MAC", explain="This switch's MAC address."), 6),
    (CLUSTER_UNKNOWN, 1),
    (Int("cdp.cluster.management_vlan", "Management VLAN", explain="The cluster's VLAN."), 2),
)  # fmt: skip
NATIVE_VLAN = Int("cdp.native_vlan", "Native VLAN", explain="The port's untagged VLAN.")
DUPLEX = Bool("cdp.duplex", "Duplex", text=lambda v: "Full" if v else "Half",
              explain="Whether the port runs full or half duplex.")  # fmt: skip
TRUST = Int("cdp.trust_bitmap", "Trust Bitmap", base=HEX, explain="Whether the port trusts "
            "the CoS marking of an attached phone's traffic.")  # fmt: skip
UNTRUSTED_COS = Int("cdp.untrusted_port_cos", "Untrusted port CoS", base=HEX,
                    explain="The CoS given to untrusted traffic.")  # fmt: skip
MTU = Int("cdp.mtu", "MTU", explain="The port's largest frame payload.")
POWER = Int("cdp.power_consumption", "Power Consumption", explain="Milliwatts the device draws.")
DATA = Bytes("cdp.data", "Data", explain="The TLV's data, of a type not decoded here.")
U16_TLVS = {0x0A: NATIVE_VLAN, 0x10: POWER}
U8_TLVS = {0x12: TRUST, 0x13: UNTRUSTED_COS}
TEXT_TLVS = {0x01: DEVICE_ID, 0x03: PORT_ID, 0x06: PLATFORM, 0x09: VTP_DOMAIN,
             0x14: SYSTEM_NAME}  # fmt: skip


def _u(data: Any, p: int, n: int) -> int:
    return int.from_bytes(bytes(data[p : p + n]), "big")


def _text(data: Any, p: int, n: int) -> str:
    return bytes(data[p : p + n]).decode("latin-1")


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    tlvs: list[tuple[int, int, int]] = []
    device = port = ""
    p = pos + 4
    for _i in range(MAX_TLVS):
        if p + 4 > end:
            break
        kind, n = _u(data, p, 2), _u(data, p + 2, 2)
        if n < 4 or p + n > end:
            layer.issue("error", "malformed", "cdp.tlv.len.bad",
                        f"TLV length {n} does not fit the {end - p} bytes left", p + 2, 2)  # fmt: skip
            break
        tlvs.append((p, kind, n))
        if kind == 0x01:
            device = _text(data, p + 4, n - 4)
        elif kind == 0x03:
            port = _text(data, p + 4, n - 4)
        p += n
    layer.state = CdpState(tlvs, device, port)
    layer.hdr_len = end - pos
    layer.payload_pos = end
    _checksum(data, layer, pos, end)


def _checksum(data: Any, layer: Layer, pos: int, end: int) -> None:
    """The Internet checksum over the message, as Cisco computes it: an odd last byte is the
    low byte of the last word, its high byte the last byte's sign (Wireshark does the same)."""
    if layer.packet.ctx.in_error or end - pos < 4 or end > len(data):
        return
    if (end - pos) & 1:
        last = data[end - 1]
        data = bytes(data[: end - 1]) + bytes((0xFF if last & 0x80 else 0, last))
        end += 1
    verify(layer, data, pos, end, pos + 2, CHECKSUM_STATUS, CHECKSUM_CALC)


def _info(layer: Layer) -> str:
    s = layer.state
    return "" if s is None else f"Device ID: {s.device}  Port ID: {s.port}  "


def _detail(data: Any, layer: Layer) -> None:
    if layer.state is None:
        return
    for p, kind, n in layer.state.tlvs:
        node = layer.add(TLV, p, n, TLV_TYPES.get(kind, f"Type {kind:#06x}"))
        layer.add(TLV_TYPE, p, 2, kind, 0, node)
        layer.add(TLV_LEN, p + 2, 2, n, 0, node)
        _value(data, layer, node, kind, p + 4, p + n)


def _value(data: Any, layer: Layer, node: Field, kind: int, v: int, e: int) -> None:
    n = e - v
    if kind in TEXT_TLVS:  # an empty text has no bytes to span, as Wireshark shows it
        layer.add(TEXT_TLVS[kind], v if n else v, n, _text(data, v, n), 0, node)
    elif kind == 0x05:
        _software(data, layer, node, v, e)
    elif kind in (0x02, 0x16):
        _addresses(data, layer, node, v, e)
    elif kind == 0x04 and n >= 4:
        value = _u(data, v, 4)
        caps = layer.add(CAPABILITIES, v, 4, value, 0, node)
        for flag in CAPABILITY_FLAGS:
            layer.add(flag, v, 4, bool(value & flag.mask), flag.mask, caps)
    elif kind == 0x07:
        for p in range(v, e - 4, 5):  # address and prefix length: Wireshark spans both
            layer.add(IP_PREFIX, p, 5, ipv4_str(bytes(data[p : p + 4])), 0, node)
    elif kind == 0x08 and n >= 5:
        _hello(data, layer, node, v, e)
    elif kind in U16_TLVS and n >= 2:
        layer.add(U16_TLVS[kind], v, 2, _u(data, v, 2), 0, node)
    elif kind in U8_TLVS and n >= 1:
        layer.add(U8_TLVS[kind], v, 1, data[v], 0, node)
    elif kind == 0x0B and n >= 1:
        layer.add(DUPLEX, v, 1, bool(data[v]), 0, node)
    elif kind == 0x17 and n >= 1:
        layer.add(LOCATION_UNKNOWN, v, 1, data[v], 0, node)
        layer.add(LOCATION, v + 1, n - 1, _text(data, v + 1, n - 1), 0, node)
    elif kind == 0x11 and n >= 4:
        layer.add(MTU, v, 4, _u(data, v, 4), 0, node)
    elif n > 0:
        layer.add(DATA, v, n, bytes(data[v:e]), 0, node)


def _software(data: Any, layer: Layer, node: Field, v: int, e: int) -> None:
    """One field per line, as Wireshark splits it: the span includes the line's end, the
    value does not."""
    p = v
    while p < e:
        nl = bytes(data[p:e]).find(b"\n")
        stop = e if nl < 0 else p + nl
        layer.add(SOFTWARE, p, min(stop + 1, e) - p, _text(data, p, stop - p), 0, node)
        p = stop + 1


def _addresses(data: Any, layer: Layer, node: Field, v: int, e: int) -> None:
    if e - v < 4:
        return
    count = _u(data, v, 4)
    layer.add(ADDRESS_COUNT, v, 4, count, 0, node)
    p = v + 4
    for _i in range(min(count, MAX_ADDRESSES)):
        if p + 2 > e:
            return
        plen = data[p + 1]
        if p + 2 + plen + 2 > e:
            return
        alen = _u(data, p + 2 + plen, 2)
        at = p + 4 + plen
        if at + alen > e:
            return
        layer.add(PROTOCOL_TYPE, p, 1, data[p], 0, node)
        layer.add(PROTOCOL_LENGTH, p + 1, 1, plen, 0, node)
        layer.add(PROTOCOL, p + 2, plen, bytes(data[p + 2 : p + 2 + plen]), 0, node)
        layer.add(ADDRESS_LENGTH, p + 2 + plen, 2, alen, 0, node)
        is_ip = data[p] == 1 and plen == 1 and data[p + 2] == 0xCC and alen == 4
        spec = ADDRESS_IPV4 if is_ip else ADDRESS
        value = ipv4_str(bytes(data[at : at + 4])) if is_ip else bytes(data[at : at + alen])
        layer.add(spec, at, alen, value, 0, node)
        p = at + alen


def _hello(data: Any, layer: Layer, node: Field, v: int, e: int) -> None:
    layer.add(OUI, v, 3, _u(data, v, 3), 0, node)
    if v + 5 > e:
        return
    pid = _u(data, v + 3, 2)
    layer.add(PROTOCOL_ID, v + 3, 2, pid, 0, node)
    p = v + 5
    if pid != 0x0112:
        if p < e:
            layer.add(DATA, p, e - p, bytes(data[p:e]), 0, node)
        return
    for spec, size in CLUSTER:
        if p + size > e:
            return
        raw = bytes(data[p : p + size])
        value = (
            ipv4_str(raw)
            if spec.kind == "ipv4"
            else mac_str(raw)
            if spec.kind == "mac"
            else _u(data, p, size)
        )
        layer.add(spec, p, size, value, 0, node)
        p += size


CDP.tail = _tail
CDP.detail = _detail
CDP.info = _info

bind("llc.cisco_pid", 0x2000, CDP)
