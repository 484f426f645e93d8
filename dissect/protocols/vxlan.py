"""Virtual eXtensible Local Area Network (RFC 7348; the Group Based Policy extension,
draft-smith-vxlan-group-policy).

Eight bytes over UDP port 4789: flags (the I bit says the VNI is valid; G, D and A belong
to the group policy extension), a group policy ID, the 24-bit VXLAN Network Identifier
and a reserved byte. A whole Ethernet frame follows.
"""

from __future__ import annotations

from ..names import true_false
from ..protocol import DATA, HEX, PROTOCOLS, U8, U16, U24, Bits, Flag, Layer, Osi, Protocol, bind

FLAG_NAMES = ((0x8000, "GBP Extension"), (0x0800, "VXLAN Network ID (VNI)"),
              (0x0040, "Don't Learn"), (0x0008, "Policy Applied"))  # fmt: skip


def _flags_text(value: int) -> str:
    """'0x0c00, VXLAN Network ID (VNI)': the value and the names of the flags set."""
    names = [name for mask, name in FLAG_NAMES if value & mask]
    return ", ".join([f"0x{value:04x}", *names])


VXLAN = Protocol(
    "vxlan", "Virtual eXtensible Local Area Network", osi=Osi.DATA_LINK, short="VXLAN",
    header=(
        U16("vxlan.flags", "Flags", base=HEX, text=_flags_text,
            explain="Which parts of the header are valid: the I bit must be set for the VNI to "
            "count; G, D and A belong to the group policy extension.",
            children=(
                Flag("vxlan.flag_g", "GBP Extension", 0x8000,
                     text=true_false("Defined", "Not defined"),
                     explain="Set when the group policy ID field is in use."),
                Flag("vxlan.flag_i", "VXLAN Network ID (VNI)", 0x0800,
                     explain="Set when the VNI field is valid (always, in RFC 7348)."),
                Flag("vxlan.flag_d", "Don't Learn", 0x0040,
                     explain="Group policy: the receiver should not learn the inner source MAC."),
                Flag("vxlan.flag_a", "Policy Applied", 0x0008,
                     explain="Group policy: the policy was applied already on the way."),
                Bits("vxlan.flags_reserved", "Reserved(R)", mask=0x77B7, base=HEX,
                     explain="Reserved flag bits: zero when sent, ignored when received."),
            )),
        U16("vxlan.gbp", "Group Policy ID",
            explain="Group policy: the source's policy group (zero when not used)."),
        U24("vxlan.vni", "VXLAN Network Identifier (VNI)",
            explain=lambda v, _l: f"VNI {v}: which of up to 16 million virtual networks the "
            "frame belongs to, as a VLAN ID does on a single network."),
        U8("vxlan.reserved8", "Reserved",
           explain="Reserved: zero when sent, ignored when received."),
    ),
    colour="#87afaf",
    explain="VXLAN carries Ethernet frames of a virtual network over UDP, so virtual machines "
    "on different hosts share one layer-2 network across an IP network.",
)  # fmt: skip


def _tail(data: object, layer: Layer) -> None:
    layer.next = PROTOCOLS.get("eth") or DATA  # the inner frame


VXLAN.tail = _tail

bind("udp.port", 4789, VXLAN)
