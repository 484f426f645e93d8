"""Link Layer Discovery Protocol (IEEE 802.1AB-2016; the 802.1 and 802.3 organisation TLVs
most seen: port VLAN ID and maximum frame size).

A sequence of TLVs, each with a 7-bit type and a 9-bit length: chassis ID, port ID and time
to live first, then optional ones (descriptions, names, capabilities, management address,
organisation-specific), and an End of LLDPDU.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..protocol import (
    DATA,
    DEC_HEX,
    HEX,
    U8,
    U16,
    U24,
    U32,
    Bits,
    Bytes,
    Field,
    Flag,
    IPv4,
    IPv6,
    Layer,
    Mac,
    Osi,
    Protocol,
    Str,
    Text,
    bind,
    ipv4_str,
    ipv6_str,
    mac_str,
    uint_at,
)

CHASSIS_SUBTYPES = {0: "Reserved", 1: "Chassis component", 2: "Interface alias",
                    3: "Port component", 4: "MAC address", 5: "Network address",
                    6: "Interface name", 7: "Locally assigned"}  # fmt: skip
PORT_SUBTYPES = {0: "Reserved", 1: "Interface alias", 2: "Port component", 3: "MAC address",
                 4: "Network address", 5: "Interface name", 6: "Agent circuit Id",
                 7: "Locally assigned"}  # fmt: skip
CHASSIS_ABBR = {1: "CC", 2: "IA", 3: "PC", 4: "MA", 5: "NA", 6: "IN", 7: "LA"}
PORT_ABBR = {1: "IA", 2: "PC", 3: "MA", 4: "NA", 5: "IN", 6: "AC", 7: "LA"}
TLV_NAMES = {0: "End of LLDPDU", 1: "Chassis Id", 2: "Port Id", 3: "Time to Live",
             4: "Port Description", 5: "System Name", 6: "System Description",
             7: "System Capabilities", 8: "Management Address",
             127: "Organization Specific"}  # fmt: skip
CAPABILITIES = ((0x01, "other", "Other"), (0x02, "repeater", "Repeater"), (0x04, "bridge", "Bridge"),
                (0x08, "wlan_access_pt", "WLAN access point"), (0x10, "router", "Router"),
                (0x20, "telephone", "Telephone"), (0x40, "docsis_cable_device", "DOCSIS cable device"),
                (0x80, "station_only", "Station only"))  # fmt: skip
OUI_8021, OUI_8023 = 0x0080C2, 0x00120F
MANDATORY = ("Chassis ID", "Port ID", "Time-to-Live")
MAX_TLVS = 512


@dataclass(slots=True)
class LldpState:
    """The Info column, made once by the tail."""

    info: str


LLDP = Protocol(
    "lldp", "Link Layer Discovery Protocol", osi=Osi.DATA_LINK, short="LLDP",
    state=LldpState,
    colour="#afd7af",
    explain="LLDP lets a device tell its neighbours on a link who it is: its chassis and port "
    "identifiers, names and capabilities; switches build their neighbour tables from it.",
)  # fmt: skip

TLV = Str("lldp.tlv", "", explain="One TLV: a type, a length and the information.")
TLV_TYPE = Bits("lldp.tlv.type", "TLV Type", 2, mask=0xFE00, names=TLV_NAMES,
                explain="What the TLV holds.")  # fmt: skip
TLV_LEN = Bits("lldp.tlv.len", "TLV Length", 2, mask=0x01FF,
               explain="Bytes of information after the type and length.")  # fmt: skip
CHASSIS_SUBTYPE = U8("lldp.chassis.subtype", "Chassis Id Subtype", names=CHASSIS_SUBTYPES,
                     explain="What kind of identifier the chassis ID is.")  # fmt: skip
CHASSIS_ID = Bytes("lldp.chassis.id", "Chassis Id", explain="The device's identifier.")
CHASSIS_MAC = Mac("lldp.chassis.id.mac", "Chassis Id", explain="The device's MAC address.")
CHASSIS_IP4 = IPv4("lldp.chassis.id.ip4", "Chassis Id", explain="The device's address.")
CHASSIS_IP6 = IPv6("lldp.chassis.id.ip6", "Chassis Id", explain="The device's address.")
PORT_SUBTYPE = U8("lldp.port.subtype", "Port Id Subtype", names=PORT_SUBTYPES,
                  explain="What kind of identifier the port ID is.")  # fmt: skip
PORT_ID = Text("lldp.port.id", "Port Id", explain="The sending port's identifier.")
PORT_MAC = Mac("lldp.port.id.mac", "Port Id", explain="The sending port's MAC address.")
PORT_IP4 = IPv4("lldp.port.id.ip4", "Port Id", explain="The sending port's address.")
PORT_IP6 = IPv6("lldp.port.id.ip6", "Port Id", explain="The sending port's address.")
TTL = U16("lldp.time_to_live", "Seconds",
          explain=lambda v, _l: f"Keep this information for {v} seconds"
          + (" (0: forget it now; the device is leaving)." if v == 0 else "."))  # fmt: skip
PORT_DESC = Text("lldp.port.desc", "Port Description", explain="The port's description.")
SYS_NAME = Text("lldp.tlv.system.name", "System Name", explain="The device's name.")
SYS_DESC = Text("lldp.tlv.system.desc", "System Description",
                explain="The device's description (often model and software).")  # fmt: skip


def _caps(prefix: str, label: str, what: str) -> tuple[Any, tuple[Any, ...]]:
    parent = U16(f"lldp.tlv.{prefix}", label, base=HEX, explain=what)
    bits = tuple(Flag(f"lldp.tlv.{prefix}.{n}", text, mask, 2,
                      explain=f"{text}: {'a function the device has' if prefix == 'system_cap' else 'enabled'}.")
                 for mask, n, text in CAPABILITIES)  # fmt: skip
    return parent, bits


SYSTEM_CAP = _caps("system_cap", "Capabilities", "The functions the device has.")
ENABLED_CAP = _caps("enable_system_cap", "Enabled Capabilities", "The functions turned on.")
MGN_FIELDS = (
    U8("lldp.mgn.address.len", "Address String Length",
       explain="Bytes of the address subtype and address."),
    U8("lldp.mgn.address.subtype", "Address Subtype",
       names={1: "IPv4", 2: "IPv6", 6: "802 media plus Ethernet 'canonical format'"},
       explain="The address family (IANA numbers: 1 IPv4, 2 IPv6)."),
    IPv4("lldp.mgn.addr.ip4", "Management Address", explain="Where to manage the device."),
    IPv6("lldp.mgn.addr.ip6", "Management Address", explain="Where to manage the device."),
    Bytes("lldp.mgn.addr.hex", "Management Address", explain="Where to manage the device."),
    U8("lldp.mgn.interface.subtype", "Interface Subtype",
       names={1: "Unknown", 2: "ifIndex", 3: "System port number"},
       explain="How the interface is numbered."),
    U32("lldp.mgn.interface.number", "Interface Number", explain="The management interface."),
    U8("lldp.mgn.obj.len", "OID String Length", explain="Bytes of the object identifier."),
    Bytes("lldp.mgn.obj.id", "Object Identifier", explain="An SNMP object for the interface."),
)  # fmt: skip
OUI = U24("lldp.orgtlv.oui", "Organization Unique Code", base=HEX,
          names={OUI_8021: "IEEE 802.1", OUI_8023: "Ieee 802.3"},
          explain="The organisation that defines this TLV.")  # fmt: skip
SUB_8021 = U8("lldp.ieee.802_1.subtype", "IEEE 802.1 Subtype", base=HEX,
              names={1: "Port VLAN ID"}, explain="Which 802.1 TLV this is.")  # fmt: skip
PVID = U16("lldp.ieee.802_1.port_vlan.id", "Port VLAN Identifier", base=DEC_HEX,
           explain="The VLAN untagged frames on this port belong to.")  # fmt: skip
SUB_8023 = U8("lldp.ieee.802_3.subtype", "IEEE 802.3 Subtype", base=HEX,
              names={4: "Maximum Frame Size"}, explain="Which 802.3 TLV this is.")  # fmt: skip
MAX_FRAME = U16("lldp.ieee.802_3.max_frame_size", "Maximum Frame Size",
                explain="The largest frame the port takes.")  # fmt: skip
UNKNOWN_SUB = U8("lldp.unknown_subtype", "Unknown Subtype", explain="A subtype not decoded here.")
UNKNOWN_CONTENT = Bytes("lldp.unknown_subtype.content", "Unknown Subtype Content",
                        explain="Its content.")  # fmt: skip


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    i, info = pos, []
    for k in range(MAX_TLVS):
        if i + 2 > end:
            if i < end:
                layer.short(i + 2 - pos, "LLDP TLV header")
            break
        word = uint_at(data, i, 2)
        kind, length = word >> 9, word & 0x1FF
        stop = i + 2 + length
        if stop > end:
            layer.short(stop - pos, f"LLDP {TLV_NAMES.get(kind, 'TLV')}")
            i = end
            break
        if k < 3 and kind != k + 1:  # chassis ID, port ID and TTL come first, in order
            what = MANDATORY[k]
            layer.issue("error", "malformed", "lldp.bad_type", f"Invalid {what} TLV", i, 2)
            info.append(f"Invalid {what} TLV")
            i = end
            break
        tlv = layer.add(TLV, i, 2 + length, TLV_NAMES.get(kind, f"Reserved ({kind})"))
        layer.add(TLV_TYPE, i, 2, kind, mask=0xFE00, parent=tlv)
        layer.add(TLV_LEN, i, 2, length, mask=0x01FF, parent=tlv)
        text = _value(data, layer, tlv, kind, i + 2, stop)
        if text:
            info.append(text)
        i = stop
        if kind == 0 or text.startswith("Invalid"):
            break
    layer.state = LldpState(" ".join(info))
    # the bytes after the End TLV are Ethernet's padding
    layer.hdr_len, layer.payload_pos, layer.payload_end, layer.next = i - pos, i, i, DATA


def _value(data: Any, layer: Layer, tlv: Field, kind: int, i: int, stop: int) -> str:
    """One TLV's information; returns its part of the Info column."""
    n = stop - i
    if kind in (1, 2) and n >= 1:
        return _ident(data, layer, tlv, kind, i, stop)
    if kind == 3 and n >= 2:
        ttl = uint_at(data, i, 2)
        layer.add(TTL, i, 2, ttl, parent=tlv)
        tlv.value = f"Time To Live = {ttl} sec"
        return str(ttl)
    if kind in (4, 5, 6):
        text = bytes(data[i:stop]).decode("utf-8", "replace")
        spec = {4: PORT_DESC, 5: SYS_NAME, 6: SYS_DESC}[kind]
        layer.add(spec, i, n, text, parent=tlv)
        tlv.value = f"{spec.label} = {text}"
        return {5: f"SysN={text}", 6: f"SysD={text}"}.get(kind, "")
    if kind == 7 and n >= 4:
        tlv.value = "Capabilities"
        for (parent, bits), at in ((SYSTEM_CAP, i), (ENABLED_CAP, i + 2)):
            value = uint_at(data, at, 2)
            f = layer.add(parent, at, 2, value, parent=tlv)
            for spec in bits:
                layer.add(spec, at, 2, bool(value & spec.mask), mask=spec.mask, parent=f)
    elif kind == 8 and n >= 1:
        _management(data, layer, tlv, i, stop)
    elif kind == 127 and n >= 4:
        _org(data, layer, tlv, i, stop)
    return ""  # a reserved type: Wireshark shows its type and length only


def _ident(data: Any, layer: Layer, tlv: Field, kind: int, i: int, stop: int) -> str:
    """Chassis or port ID: a subtype and an identifier of that kind."""
    chassis = kind == 1
    sub = data[i]
    layer.add(CHASSIS_SUBTYPE if chassis else PORT_SUBTYPE, i, 1, sub, parent=tlv)
    raw = bytes(data[i + 1 : stop])
    mac_sub, net_sub = (4, 5) if chassis else (3, 4)
    if sub == mac_sub:
        if len(raw) != 6:
            layer.issue("warn", "malformed", "lldp.incorrect_length",
                        f"Invalid {'Chassis' if chassis else 'Port'} ID TLV", i - 2, 2)  # fmt: skip
            tlv.value = f"Invalid {'Chassis' if chassis else 'Port'} ID TLV"
            return tlv.value
        text = mac_str(raw)
        layer.add(CHASSIS_MAC if chassis else PORT_MAC, i + 1, 6, text, parent=tlv)
    elif sub == net_sub and len(raw) in (5, 17):
        text = ipv4_str(raw[1:]) if len(raw) == 5 else ipv6_str(raw[1:])
        if chassis:
            spec = CHASSIS_IP4 if len(raw) == 5 else CHASSIS_IP6
        else:
            spec = PORT_IP4 if len(raw) == 5 else PORT_IP6
        layer.add(spec, i + 2, len(raw) - 1, text, parent=tlv)
    else:
        text = raw.decode("utf-8", "replace")
        value: Any = raw if chassis else text
        layer.add(CHASSIS_ID if chassis else PORT_ID, i + 1, len(raw), value, parent=tlv)
    names = CHASSIS_SUBTYPES if chassis else PORT_SUBTYPES
    what = "Chassis" if chassis else "Port"
    tlv.value = f"{what} Subtype = {names.get(sub, 'Reserved')}, Id: {text}"
    abbr = (CHASSIS_ABBR if chassis else PORT_ABBR).get(sub, "Unknown")
    return f"{abbr}/{text}"


def _management(data: Any, layer: Layer, tlv: Field, i: int, stop: int) -> None:
    tlv.value = "Management Address"
    alen = data[i]
    layer.add(MGN_FIELDS[0], i, 1, alen, parent=tlv)
    if alen < 1 or i + 1 + alen + 6 > stop:
        return
    sub, raw = data[i + 1], bytes(data[i + 2 : i + 1 + alen])
    layer.add(MGN_FIELDS[1], i + 1, 1, sub, parent=tlv)
    if sub == 1 and len(raw) == 4:
        layer.add(MGN_FIELDS[2], i + 2, 4, ipv4_str(raw), parent=tlv)
    elif sub == 2 and len(raw) == 16:
        layer.add(MGN_FIELDS[3], i + 2, 16, ipv6_str(raw), parent=tlv)
    elif raw:
        layer.add(MGN_FIELDS[4], i + 2, len(raw), raw, parent=tlv)
    j = i + 1 + alen
    layer.add(MGN_FIELDS[5], j, 1, data[j], parent=tlv)
    layer.add(MGN_FIELDS[6], j + 1, 4, uint_at(data, j + 1, 4), parent=tlv)
    olen = data[j + 5]
    layer.add(MGN_FIELDS[7], j + 5, 1, olen, parent=tlv)
    if olen and j + 6 + olen <= stop:
        layer.add(MGN_FIELDS[8], j + 6, olen, bytes(data[j + 6 : j + 6 + olen]), parent=tlv)


def _org(data: Any, layer: Layer, tlv: Field, i: int, stop: int) -> None:
    oui, sub = uint_at(data, i, 3), data[i + 3]
    layer.add(OUI, i, 3, oui, parent=tlv)
    if oui == OUI_8021 and sub == 1 and i + 6 <= stop:
        layer.add(SUB_8021, i + 3, 1, sub, parent=tlv)
        layer.add(PVID, i + 4, 2, uint_at(data, i + 4, 2), parent=tlv)
        tlv.value = "IEEE - Port VLAN ID"
    elif oui == OUI_8023 and sub == 4 and i + 6 <= stop:
        layer.add(SUB_8023, i + 3, 1, sub, parent=tlv)
        layer.add(MAX_FRAME, i + 4, 2, uint_at(data, i + 4, 2), parent=tlv)
        tlv.value = "Ieee 802.3 - Maximum Frame Size"
    else:
        layer.add(UNKNOWN_SUB, i + 3, 1, sub, parent=tlv)
        if stop > i + 4:
            layer.add(UNKNOWN_CONTENT, i + 4, stop - i - 4, bytes(data[i + 4 : stop]), parent=tlv)


def _info(layer: Layer) -> str:
    state = layer.state
    return state.info if state is not None else ""


LLDP.tail = _tail
LLDP.info = _info

bind("ethertype", 0x88CC, LLDP)
