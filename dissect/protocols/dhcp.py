"""Dynamic Host Configuration Protocol and BOOTP (RFC 2131, RFC 951; options RFC 2132,
client identifier RFC 4361) on UDP ports 67, 68 and 4011.

A fixed 236-byte BOOTP header, the magic cookie 99.130.83.99, then type-length-value
options up to End (255). Without the cookie the 64-byte vendor area of RFC 951 follows.
Wireshark's layer is "dhcp" for both DHCP and plain BOOTP.
"""

from __future__ import annotations

from typing import Any

from ..names import EXPLAIN_RESERVED, TRUE_FALSE, duration, true_false
from ..protocol import (
    HEX,
    U8,
    U16,
    U32,
    Bits,
    Bool,
    Bytes,
    Field,
    FieldSpec,
    Flag,
    IPv4,
    Layer,
    Mac,
    Osi,
    Protocol,
    Text,
    bind,
    ipv4_str,
    mac_str,
)

MAGIC = b"\x63\x82\x53\x63"
MSG_TYPES = {
    1: "Discover", 2: "Offer", 3: "Request", 4: "Decline", 5: "ACK", 6: "NAK", 7: "Release",
    8: "Inform", 9: "Force Renew", 10: "Lease query", 11: "Lease Unassigned", 12: "Lease Unknown",
    13: "Lease Active", 14: "Bulk Lease Query", 15: "Lease Query Done", 16: "Active LeaseQuery",
    17: "Lease Query Status", 18: "TLS",
}  # fmt: skip
HW_TYPES = {
    0: "NET/ROM pseudo", 1: "Ethernet", 2: "Experimental Ethernet", 3: "AX.25", 4: "ProNET",
    5: "Chaos", 6: "IEEE 802", 7: "ARCNET", 8: "Hyperchannel", 9: "Lanstar",
    10: "Autonet Short Address", 11: "Localtalk", 12: "LocalNet", 13: "Ultra link", 14: "SMDS",
    15: "Frame Relay DLCI", 16: "ATM", 17: "HDLC", 18: "Fibre Channel", 19: "ATM (RFC 2225)",
    20: "Serial Line", 21: "ATM", 22: "MIL-STD-188-220", 23: "Metricom STRIP",
    24: "IEEE 1394.1995", 25: "MAPOS", 26: "Twinaxial", 27: "EUI-64", 28: "HIPARP",
    29: "IP and ARP over ISO 7816-3", 30: "ARPSec", 31: "IPsec tunnel", 32: "InfiniBand",
    33: "TIA-102 Project 25 CAI", 34: "Wiegand Interface", 35: "Pure IP", 36: "Experimental 1",
    37: "HFI",
}  # fmt: skip
OPTION_NAMES = {
    0: "Padding",
    1: "Subnet Mask", 2: "Time Offset", 3: "Router", 4: "Time Server", 5: "Name Server",
    6: "Domain Name Server", 7: "Log Server", 8: "Quotes Server", 9: "LPR Server",
    10: "Impress Server", 11: "Resource Location Server", 12: "Host Name", 13: "Boot File Size",
    14: "Merit Dump File", 15: "Domain Name", 16: "Swap Server", 17: "Root Path",
    18: "Extensions Path", 19: "IP Forwarding", 20: "Non-Local Source Routing",
    21: "Policy Filter", 22: "Maximum Datagram Reassembly Size", 23: "Default IP Time-to-Live",
    24: "Path MTU Aging Timeout", 25: "Path MTU Plateau Table", 26: "Interface MTU",
    27: "All Subnets are Local", 28: "Broadcast Address", 29: "Perform Mask Discovery",
    30: "Mask Supplier", 31: "Perform Router Discover", 32: "Router Solicitation Address",
    33: "Static Route", 34: "Trailer Encapsulation", 35: "ARP Cache Timeout",
    36: "Ethernet Encapsulation", 37: "TCP Default TTL", 38: "TCP Keepalive Interval",
    39: "TCP Keepalive Garbage", 40: "Network Information Service Domain",
    41: "Network Information Service Servers", 42: "Network Time Protocol Servers",
    43: "Vendor-Specific Information", 44: "NetBIOS over TCP/IP Name Server",
    45: "NetBIOS over TCP/IP Datagram Distribution Name Server",
    46: "NetBIOS over TCP/IP Node Type", 47: "NetBIOS over TCP/IP Scope",
    48: "X Window System Font Server", 49: "X Window System Display Manager",
    50: "Requested IP Address", 51: "IP Address Lease Time", 52: "Option Overload",
    53: "DHCP Message Type", 54: "DHCP Server Identifier", 55: "Parameter Request List",
    56: "Message",
    57: "Maximum DHCP Message Size", 58: "Renewal Time Value", 59: "Rebinding Time Value",
    60: "Vendor class identifier", 61: "Client identifier", 62: "Novell/Netware IP domain",
    63: "Novell Options", 64: "Network Information Service+ Domain",
    65: "Network Information Service+ Servers", 66: "TFTP Server Name", 67: "Bootfile name",
    68: "Mobile IP Home Agent", 69: "SMTP Server", 70: "POP3 Server", 71: "NNTP Server",
    72: "Default WWW Server", 73: "Default Finger Server", 74: "Default IRC Server",
    75: "StreetTalk Server", 76: "StreetTalk Directory Assistance Server",
    77: "User Class Information", 78: "Directory Agent Information",
    79: "Service Location Agent Scope", 80: "Rapid commit",
    81: "Client Fully Qualified Domain Name", 82: "Agent Information Option", 83: "iSNS",
    85: "Novell Directory Services Servers", 86: "Novell Directory Services Tree Name",
    87: "Novell Directory Services Context", 88: "BCMCS Controller Domain Name [TODO:RFC4280]",
    89: "BCMCS Controller IPv4 address [TODO:RFC4280]", 90: "Authentication",
    91: "Client last transaction time", 92: "Associated IP option",
    93: "Client System Architecture", 94: "Client Network Device Interface",
    95: "LDAP [TODO:RFC3679]", 97: "UUID/GUID-based Client Identifier",
    98: "Open Group's User Authentication [TODO:RFC2485]", 99: "Civic Addresses Configuration",
    100: "PCode", 101: "TCode", 108: "IPv6-Only Preferred", 112: "NetInfo Parent Server Address",
    113: "NetInfo Parent Server Tag", 114: "DHCP Captive-Portal", 116: "DHCP Auto-Configuration",
    117: "Name Service Search", 118: "Subnet Selection Option", 119: "Domain Search",
    120: "SIP Servers", 121: "Classless Static Route",
    122: "CableLabs Client Configuration [TODO:RFC3495]",
    123: "Coordinate-based Location Configuration", 124: "V-I Vendor Class",
    125: "V-I Vendor-specific Information", 128: "DOCSIS full security server IP [TODO]",
    136: "PANA Authentication Agent", 137: "LoST Server Domain Name",
    138: "CAPWAP Access Controllers", 139: "IPv4 Address-MoS", 140: "IPv4 FQDN-MoS",
    141: "SIP UA Configuration Domains", 142: "IPv4 Address ANDSF",
    143: "Zerotouch Redirect [TODO: draft-ietf-netconf-zerotouch]",
    144: "Geospatial Location [TODO:RFC6225]", 145: "Forcerenew Nonce Capable",
    146: "RDNSS Selection", 150: "TFTP Server Address", 151: "Leasequery Status code",
    152: "Leasequery Base Time", 153: "Leasequery Start Time of State",
    154: "Leasequery Query Start Time", 155: "Leasequery Query End Time",
    156: "Leasequery Dhcp State", 157: "Leasequery Data Source", 158: "PCP Server",
    159: "Portparams", 161: "Manufacturer Usage Description", 175: "Etherboot",
    176: "IP Telephone", 177: "Etherboot", 208: "PXELINUX Magic", 209: "PXE Configuration file",
    210: "PXE Path Prefix", 211: "Reboot Time", 212: "6RD", 213: "V4 Access Domain",
    220: "Subnet Allocation", 221: "Virtual Subnet Selection", 242: "Private/Avaya IP Telephone",
    249: "Private/Classless Static Route", 252: "Private/Proxy autodiscovery",
    255: "End",
}  # fmt: skip


MSG_TEXT = {
    1: "a client looks for DHCP servers (step 1 of 4)",
    2: "a server offers the client an address (step 2)",
    3: "the client asks for the offered address, or to renew its lease (step 3)",
    4: "the client refuses the address: another host already uses it",
    5: "the server confirms: the client may use the address for the lease time (step 4)",
    6: "the server refuses: the client must start over",
    7: "the client gives its address back",
    8: "the client, which has an address, asks only for the other settings",
}  # fmt: skip


def _explain_message_type(value: int, layer: Layer) -> str:
    what = MSG_TEXT.get(value, "a lease query or other less common message")
    return f"DHCP message type {value} ({MSG_TYPES.get(value, 'unknown')}): {what}."


def _option_name(code: int) -> str | None:
    if code in OPTION_NAMES:
        return OPTION_NAMES[code]
    return "Private" if 224 <= code <= 254 else "Unassigned"


DHCP = Protocol(
    "dhcp", "Dynamic Host Configuration Protocol", osi=Osi.APPLICATION, short="DHCP",
    header=(
        U8("dhcp.type", "Message type", names={1: "Boot Request", 2: "Boot Reply"}, explain="BOOTP message type: a request from a client, or a reply from a server (the "
           "DHCP message type option says which DHCP step it is)."),
        U8("dhcp.hw.type", "Hardware type", base=HEX, names=HW_TYPES, explain="The client's link type (1: Ethernet)."),
        U8("dhcp.hw.len", "Hardware address length", explain="Length of the client's hardware address (6 for a MAC address)."),
        U8("dhcp.hops", "Hops", explain="How many relay agents forwarded the message (0 when client and server share a "
           "link)."),
        U32("dhcp.id", "Transaction ID", base=HEX, explain="Transaction ID: a random number the client picks; the server's answers copy "
            "it, so the client can match them."),
        U16("dhcp.flags", "Bootp flags", at=10, base=HEX,
            text=lambda v: f"0x{v:04x} ({'Broadcast' if v & 0x8000 else 'Unicast'})", children=(
            Flag("dhcp.flags.bc", "Broadcast flag", 0x8000, text=true_false("Broadcast", "Unicast"), explain="Broadcast: the client cannot "
                 "receive a unicast packet before it has an address, so the server must broadcast "
                 "its answer."),
            Bits("dhcp.flags.reserved", "Reserved flags", mask=0x7FFF, base=HEX, explain=EXPLAIN_RESERVED),
        ), explain="Flags: only the broadcast "
            "flag is defined."),
        IPv4("dhcp.ip.client", "Client IP address",
             explain="The client's current address, when it already has one and is renewing it "
             "(otherwise 0.0.0.0)."),
        IPv4("dhcp.ip.your", "Your (client) IP address",
             explain="\"Your\" address: the address the server offers or assigns to the client."),
        IPv4("dhcp.ip.server", "Next server IP address",
             explain="The server the client should use next (for network booting: where the boot "
             "file is)."),
        IPv4("dhcp.ip.relay", "Relay agent IP address",
             explain="The relay agent that forwarded the message between networks (0.0.0.0 when "
             "none did)."),
    ),
    colour="#ffd75f",
    explain="DHCP hands a host its IP address, netmask, router and DNS servers when it joins "
    "a network: Discover, Offer, Request, ACK between client and server.",
)  # fmt: skip

SECS = U16(
    "dhcp.secs", "Seconds elapsed", explain="Seconds since the client began asking for an address."
)
HW_ADDR = Bytes(
    "dhcp.hw.addr",
    "Client hardware address",
    explain="The client's hardware address, in a form this tool does not decode.",
)
HW_MAC = Mac(
    "dhcp.hw.mac_addr",
    "Client MAC address",
    explain="The client's MAC address: how the server knows which client this is.",
)
HW_PADDING = Bytes(
    "dhcp.hw.addr_padding",
    "Client hardware address padding",
    explain="Unused bytes of the 16-byte hardware address field.",
)
# An empty name is "Server host name not given", as Wireshark words it (the label is in the text)
SERVER = Text("dhcp.server", "", text=lambda v: f"Server host name: {v}" if v else
              "Server host name not given", explain="An optional server host name (usually empty).")  # fmt: skip
FILE = Text("dhcp.file", "", text=lambda v: f"Boot file name: {v}" if v else
            "Boot file name not given", explain="An optional boot file name, for network booting (usually empty).")  # fmt: skip
COOKIE = IPv4(
    "dhcp.cookie",
    "Magic cookie",
    text=lambda v: "DHCP",
    explain="The magic cookie 99.130.83.99: says that DHCP options follow.",
)  # the only cookie we name
IS_BOOTP = Bool(
    "dhcp.bootp",
    "Frame is BOOTP",
    generated=True,
    text=TRUE_FALSE,
    explain="No DHCP message type option: this is plain BOOTP, DHCP's predecessor.",
)
VENDOR = Bytes(
    "dhcp.vendor_specific_options",
    "Bootp vendor specific options",
    explain="BOOTP's vendor area, without the magic cookie that would make it DHCP options.",
)
OPTION = U8(
    "dhcp.option.type",
    "Option",
    text=lambda v: f"({v}) {_option_name(v)}",
    explain="The option code: which setting this option carries.",
)
OPTION_LEN = U8(
    "dhcp.option.length",
    "Length",
    explain=lambda v, _l: f"Option length: {v} bytes of value follow.",
)
OPTION_VALUE = Bytes(
    "dhcp.option.value",
    "Value",
    hidden=True,
    explain="The option's value, for an option this tool does not decode further.",
)  # its fields show it
OPTION_END = U8("dhcp.option.end", "Option End", explain="End option: no options follow.")
PADDING = Bytes(
    "dhcp.option.padding", "Padding", explain="Zero bytes after the end option: padding."
)
MSG_TYPE = U8("dhcp.option.dhcp", "DHCP", names=MSG_TYPES, explain=_explain_message_type)
REQUEST_ITEM = U8(
    "dhcp.option.request_list_item",
    "Parameter Request List Item",
    text=lambda v: f"({v}) {_option_name(v)}",
    explain="One setting the client asks the server for (subnet mask, router, DNS servers...).",
)
CLIENT_ID_TYPE = U8(
    "dhcp.client_id.type",
    "Type",
    explain="The client identifier's type: 1 means a MAC address follows, 255 a DUID as IPv6 uses.",
)
CLIENT_ID_TEXT = Text(
    "dhcp.client_id.undef", "Client Identifier", explain="The client identifier, as text."
)
CLIENT_ID = Bytes(
    "dhcp.client_id",
    "Identifier",
    explain="The client identifier: how the server recognises the client (instead "
    "of its MAC address).",
)
ROUTE_IP = IPv4(
    "dhcp.option.static_route.ip",
    "Destination IP Address",
    explain="The destination of a static route.",
)
ROUTE_ROUTER = IPv4(
    "dhcp.option.static_route.router",
    "Destination Router",
    explain="The router to reach that destination through.",
)


def _specs(kind: Any, table: dict[int, tuple[str, str, str]], **kw: Any) -> dict[int, FieldSpec]:
    """Specs of one kind by option code, from (name, label, explanation)."""
    return {
        code: kind(name, label, explain=text, **kw) for code, (name, label, text) in table.items()
    }


# Options with one value, or a list of IPv4 addresses, by how the value is read.
IPV4_ONE = _specs(IPv4, {
    1: ("dhcp.option.subnet_mask", "Subnet Mask",
        "The subnet mask of the client's network: which part of an address is the network."),
    16: ("dhcp.option.swap_server", "Swap Server",
        "A server the client may swap to (diskless clients)."),
    28: ("dhcp.option.broadcast_address", "Broadcast Address",
        "The broadcast address of the client's network."),
    32: ("dhcp.option.router_solicitation_address", "Router Solicitation Address",
        "Where the client should send router solicitations."),
    50: ("dhcp.option.requested_ip_address", "Requested IP Address",
        "The address the client asks for (one it was offered or had before)."),
    54: ("dhcp.option.dhcp_server_id", "DHCP Server Identifier",
        "Which DHCP server this is: the client answers the one whose offer it takes."),
})  # fmt: skip
IPV4_LIST = _specs(IPv4, {
    3: ("dhcp.option.router", "Router",
        "A router (default gateway) the client should send off-network packets to."),
    4: ("dhcp.option.time_server", "Time Server",
        "A time server (RFC 868) the client may use."),
    5: ("dhcp.option.name_server", "Name Server",
        "An old IEN 116 name server (not DNS)."),
    6: ("dhcp.option.domain_name_server", "Domain Name Server",
        "A DNS server the client should use to resolve names."),
    7: ("dhcp.option.log_server", "Log Server",
        "A syslog-style log server the client may log to."),
    8: ("dhcp.option.quotes_server", "Quotes Server",
        "A quote-of-the-day server (RFC 865)."),
    9: ("dhcp.option.lpr_server", "LPR Server",
        "A line printer (LPR) server."),
    10: ("dhcp.option.impress_server", "Impress Server",
        "An Imagen Impress print server."),
    11: ("dhcp.option.resource_location_server", "Resource Location Server",
        "A resource location server (RFC 887)."),
    41: ("dhcp.option.nis_server", "Network Information Service Server",
        "A NIS server (network user and host directory)."),
    42: ("dhcp.option.ntp_server", "Network Time Protocol Server",
        "An NTP server the client should set its clock from."),
    44: ("dhcp.option.netbios_over_tcpip_name_server", "NetBIOS over TCP/IP Name Server",
        "A WINS server: resolves Windows NetBIOS names."),
    45: ("dhcp.option.netbios_over_tcpip_dd_name_server", "NetBIOS over TCP/IP Datagram Distribution Name Server",
        "A NetBIOS datagram distribution server."),
    48: ("dhcp.option.xwindows_system_font_server", "X Window System Font Server",
        "An X Window System font server."),
    49: ("dhcp.option.xwindows_system_display_manager", "X Window System Display Manager",
        "An X Window System display manager."),
    65: ("dhcp.option.nis_plus_server", "Network Information Service+ Server",
        "A NIS+ server."),
    68: ("dhcp.option.mobile_ip_home_agent", "Mobile IP Home Agent",
        "A Mobile IP home agent."),
    69: ("dhcp.option.smtp_server", "SMTP Server",
        "An SMTP (outgoing mail) server."),
    70: ("dhcp.option.pop3_server", "POP3 Server",
        "A POP3 (incoming mail) server."),
    71: ("dhcp.option.nntp_server", "NNTP Server",
        "An NNTP (news) server."),
    72: ("dhcp.option.default_www_server", "Default WWW Server",
        "A default web server."),
    150: ("dhcp.option.tftp_server_address", "TFTP Server Address",
        "The TFTP server to load the boot file from (network booting)."),
})  # fmt: skip
STRINGS = _specs(Text, {
    12: ("dhcp.option.hostname", "Host Name",
        "The client's host name: the name it asks for, or the one the server gives it."),
    14: ("dhcp.option.merit_dump_file", "Merit Dump File",
        "Where the client should write a core dump if it crashes."),
    15: ("dhcp.option.domain_name", "Domain Name",
        "The client's DNS domain: added to short names."),
    17: ("dhcp.option.root_path", "Root Path",
        "The client's root disk path (diskless clients)."),
    18: ("dhcp.option.extension_path", "Extensions Path",
        "A file holding more options, to load by TFTP."),
    40: ("dhcp.option.nis_domain", "Network Information Service Domain",
        "The client's NIS domain."),
    47: ("dhcp.option.netbios_over_tcpip_scope", "NetBIOS over TCP/IP Scope",
        "The NetBIOS scope the client belongs to."),
    56: ("dhcp.option.message", "Message",
        "A text message from the server, usually saying why it refused (in a NAK)."),
    60: ("dhcp.option.vendor_class_id", "Vendor class identifier",
        "Vendor class: names the client's kind or software (such as MSFT 5.0, or a PXE boot ROM), "
        "so the server can answer it differently."),
    64: ("dhcp.option.nis_plus_domain", "Network Information Service+ Domain",
        "The client's NIS+ domain."),
    66: ("dhcp.option.tftp_server_name", "TFTP Server Name",
        "The TFTP server to load the boot file from, by name (network booting)."),
    67: ("dhcp.option.bootfile_name", "Bootfile name",
        "The boot file to load (network booting)."),
})  # fmt: skip
U32S = _specs(U32, {
    24: ("dhcp.option.path_mtu_aging_timeout", "Path MTU Aging Timeout",
        "How long, in seconds, to trust a discovered path MTU."),
    35: ("dhcp.option.arp_cache_timeout", "ARP Cache Timeout",
        "How long, in seconds, to keep ARP cache entries."),
    38: ("dhcp.option.tcp_keepalive_interval", "TCP Keepalive Interval",
        "How long, in seconds, a TCP connection may sit idle before a keepalive probe."),
    51: ("dhcp.option.ip_address_lease_time", "IP Address Lease Time",
        "Lease time, in seconds: how long the client may keep the address before it must renew."),
    58: ("dhcp.option.renewal_time_value", "Renewal Time Value",
        "Renewal time (T1), in seconds: when the client starts asking its server to extend the "
        "lease."),
    59: ("dhcp.option.rebinding_time_value", "Rebinding Time Value",
        "Rebinding time (T2), in seconds: when the client asks any server, its own not answering."),
}, text=lambda v: f"({v}s) {'infinity' if v == 0xFFFFFFFF else duration(v)}")  # fmt: skip
U16S = _specs(U16, {
    13: ("dhcp.option.boot_file_size", "Boot File Size",
        "Size of the boot file, in 512-byte blocks."),
    22: ("dhcp.option.max_datagram_reassembly_size", "Maximum Datagram Reassembly Size",
        "The biggest datagram the client must be able to reassemble."),
    26: ("dhcp.option.interface_mtu", "Interface MTU",
        "The MTU the client should use on this interface."),
    57: ("dhcp.option.dhcp_max_message_size", "Maximum DHCP Message Size",
        "The biggest DHCP message the client accepts."),
})  # fmt: skip
U8S = _specs(U8, {
    23: ("dhcp.option.default_ip_ttl", "Default IP Time-to-Live",
        "The TTL the client should put in its IP packets."),
    37: ("dhcp.option.tcp_default_ttl", "TCP Default TTL",
        "The TTL the client should put in its TCP segments."),
    46: ("dhcp.option.netbios_over_tcpip_node_type", "NetBIOS over TCP/IP Node Type",
        "How the client resolves NetBIOS names (broadcast, WINS, or both in some order)."),
    52: ("dhcp.option.option_overload", "Option Overload",
        "Whether the server-name and file fields hold more options."),
})  # fmt: skip
U8S[53] = MSG_TYPE
BOOLS = _specs(Bool, {
    19: ("dhcp.option.ip_forwarding", "IP Forwarding",
        "Whether the client should route packets between its interfaces."),
    20: ("dhcp.option.non_local_source_routing", "Non-Local Source Routing",
        "Whether the client should forward source-routed packets to other networks."),
    29: ("dhcp.option.perform_mask_discovery", "Perform Mask Discovery",
        "Whether the client should ask for its subnet mask with ICMP."),
    31: ("dhcp.option.perform_router_discover", "Perform Router Discover",
        "Whether the client should look for routers with ICMP router discovery."),
    34: ("dhcp.option.trailer_encapsulation", "Trailer Encapsulation",
        "Whether the client should use trailer encapsulation (obsolete)."),
    36: ("dhcp.option.ethernet_encapsulation", "Ethernet Encapsulation",
        "Whether the client should use 802.3 (not Ethernet II) framing."),
    39: ("dhcp.option.tcp_keepalive_garbage", "TCP Keepalive Garbage",
        "Whether TCP keepalives should carry a garbage byte (for old implementations)."),
}, text=true_false("Enabled", "Disabled"))  # fmt: skip
BOOLS.update(_specs(Bool, {
    27: ("dhcp.option.all_subnets_are_local", "All Subnets are Local",
        "Whether every subnet of the network has the same MTU as the client's."),
    30: ("dhcp.option.mask_supplier", "Mask Supplier",
        "Whether the client should answer ICMP subnet mask requests."),
}, text=true_false("Yes", "No")))  # fmt: skip
TIME_OFFSET = FieldSpec(
    "dhcp.option.time_offset",
    "Time Offset",
    "int",
    4,
    signed=True,
    explain="The client's offset from UTC, in seconds (deprecated in favour of time zone names).",
)
FIXED = {**{c: (s, 4) for c, s in IPV4_ONE.items()}, **{c: (s, 4) for c, s in U32S.items()},
         **{c: (s, 2) for c, s in U16S.items()}, **{c: (s, 1) for c, s in U8S.items()},
         **{c: (s, 1) for c, s in BOOLS.items()}, 2: (TIME_OFFSET, 4)}  # fmt: skip


class _Short(Exception):
    """The bytes ended inside the message (internal; caught in the tail)."""

    def __init__(self, needed: int, what: str) -> None:
        super().__init__(what)
        self.needed, self.what = needed, what


def _continues_elsewhere(layer: Layer) -> bool:
    """The datagram is an IP fragment, or quoted in an ICMP error, and not cut by the snap
    length: running out of bytes is expected there (pkt.ctx flags set by the IP layers)."""
    pkt = layer.packet
    if pkt.caplen < pkt.wirelen and layer.payload_end >= pkt.caplen:
        return False
    return bool(pkt.ctx.fragment or pkt.ctx.in_error)


def _need(layer: Layer, pos: int, n: int, what: str) -> None:
    if pos + n > layer.payload_end:
        raise _Short(pos + n - layer.pos, what)


def _tail(data: Any, layer: Layer) -> None:
    layer.hdr_len = layer.payload_end - layer.pos
    layer.payload_pos = layer.payload_end
    try:
        voff = _bootp_rest(data, layer)
        _options(data, layer, voff)
    except _Short as exc:
        if not _continues_elsewhere(layer):
            layer.short(exc.needed, exc.what)
    if layer.value("dhcp.option.dhcp") is None:  # no message type option: plain BOOTP
        layer.add(IS_BOOTP, layer.pos, 0, True, generated=True)


def _secs(data: Any, layer: Layer) -> None:
    """Seconds elapsed; some Windows clients write it little-endian (Wireshark's test:
    a big-endian value above 255 with a zero low byte)."""
    pos = layer.pos + 8
    secs = int.from_bytes(data[pos : pos + 2], "big")
    if secs > 0xFF and not secs & 0xFF:
        secs = int.from_bytes(data[pos : pos + 2], "little")
        layer.issue("note", "protocol", "dhcp.secs_le", "Seconds elapsed appears to be encoded as little-endian",
                    pos, 2)  # fmt: skip
    layer.add(SECS, pos, 2, secs)


def _bootp_rest(data: Any, layer: Layer) -> int:
    """Client hardware address, server name, file name and cookie (or vendor area)."""
    pos = layer.pos
    _secs(data, layer)
    htype, hlen = data[pos + 1], data[pos + 2]
    _need(layer, pos + 28, 16, "DHCP client hardware address")
    n = hlen if 0 < hlen <= 16 else 16
    if htype == 1 and hlen == 6:
        layer.add(HW_MAC, pos + 28, 6, mac_str(bytes(data[pos + 28 : pos + 34])))
    else:
        layer.add(HW_ADDR, pos + 28, n, bytes(data[pos + 28 : pos + 28 + n]))
    if n < 16:
        layer.add(HW_PADDING, pos + 28 + n, 16 - n, bytes(data[pos + 28 + n : pos + 44]))
    for spec, off, size in ((SERVER, 44, 64), (FILE, 108, 128)):
        _need(layer, pos + off, size, f"DHCP {'server host' if off == 44 else 'boot file'} name")
        raw = bytes(data[pos + off : pos + off + size])
        layer.add(spec, pos + off, size, raw.split(b"\0", 1)[0].decode("latin-1"))
    if bytes(data[pos + 236 : pos + 240]) == MAGIC:
        layer.add(COOKIE, pos + 236, 4, ipv4_str(MAGIC))
        return pos + 240
    _need(layer, pos + 236, 64, "BOOTP vendor area")
    layer.add(VENDOR, pos + 236, 64, bytes(data[pos + 236 : pos + 300]))
    return pos + 300


def _options(data: Any, layer: Layer, p: int) -> None:
    """Type-length-value options up to End; a run of Pad bytes is one padding field."""
    end = layer.payload_end
    while p < end:  # every pass consumes at least one byte
        code = data[p]
        if code == 0:
            q = p + 1
            while q < end and data[q] == 0:
                q += 1
            node = layer.add(OPTION, p, q - p, 0)
            layer.add(PADDING, p, q - p, bytes(data[p:q]), parent=node)
            p = q
            continue
        if code == 255:
            node = layer.add(OPTION, p, 1, 255)
            layer.add(OPTION_END, p, 1, 255, parent=node)
            if p + 1 < end:  # after End: padding to the minimum BOOTP size
                layer.add(PADDING, p + 1, end - p - 1, bytes(data[p + 1 : end]))
            return
        _need(layer, p, 2, "DHCP option length")
        n = data[p + 1]
        node = layer.add(OPTION, p, min(2 + n, end - p), code)
        layer.add(OPTION_LEN, p + 1, 1, n, parent=node)
        _need(layer, p + 2, n, f"DHCP option {code} value")
        layer.add(OPTION_VALUE, p + 2, n, bytes(data[p + 2 : p + 2 + n]), parent=node)
        _option_value(data, layer, code, p + 2, n, node)
        p += 2 + n


def _option_value(data: Any, layer: Layer, code: int, v: int, n: int, node: Field) -> None:
    if code in FIXED:
        spec, size = FIXED[code]
        if n != size:
            _bad_length(layer, node, f"length isn't {size}")
        elif spec.kind == "ipv4":
            layer.add(spec, v, 4, ipv4_str(bytes(data[v : v + 4])), parent=node)
        elif spec.kind == "bool":
            layer.add(spec, v, 1, bool(data[v]), parent=node)
        else:
            raw = int.from_bytes(data[v : v + n], "big", signed=spec.signed)
            layer.add(spec, v, n, raw, parent=node)
    elif code in IPV4_LIST or code == 33:
        step = 8 if code == 33 else 4
        if n % step:
            _bad_length(layer, node, f"length isn't a multiple of {step}")
            return
        for q in range(v, v + n, 4):
            spec = IPV4_LIST.get(code) or (ROUTE_IP if (q - v) % 8 == 0 else ROUTE_ROUTER)
            layer.add(spec, q, 4, ipv4_str(bytes(data[q : q + 4])), parent=node)
    elif code in STRINGS:
        text = bytes(data[v : v + n]).split(b"\0", 1)[0].decode("utf-8", "replace")
        layer.add(STRINGS[code], v, n, text, parent=node)
    elif code == 55:
        for q in range(v, v + n):
            layer.add(REQUEST_ITEM, q, 1, data[q], parent=node)
    elif code == 61:
        _client_id(data, layer, v, n, node)


def _client_id(data: Any, layer: Layer, v: int, n: int, node: Field) -> None:
    """Client identifier (RFC 2132 section 9.14): a hardware type and address, or other."""
    if n == 7 and data[v] == 1:
        layer.add(DHCP.by_name["dhcp.hw.type"], v, 1, 1, parent=node)
        layer.add(HW_MAC, v + 1, 6, mac_str(bytes(data[v + 1 : v + 7])), parent=node)
    elif n >= 1:
        layer.add(CLIENT_ID_TYPE, v, 1, data[v], parent=node)
        if n > 1 and data[v] == 0:
            text = bytes(data[v + 1 : v + n]).decode("utf-8", "replace")
            layer.add(CLIENT_ID_TEXT, v + 1, n - 1, text, parent=node)
        elif n > 1:
            layer.add(CLIENT_ID, v + 1, n - 1, bytes(data[v + 1 : v + n]), parent=node)


def _bad_length(layer: Layer, node: Field, message: str) -> None:
    layer.issue(
        "error",
        "protocol",
        "dhcp.bad_length",
        f"option {node.value}: {message}",
        node.pos,
        node.len,
    )


def _info_text(layer: Layer) -> str:
    kind = layer.value("dhcp.option.dhcp")
    xid = layer.value("dhcp.id")
    if kind is not None and xid is not None:
        name = MSG_TYPES.get(kind, f"Unknown Message Type (0x{kind:02x})")
        return f"DHCP {name:<8} - Transaction ID 0x{xid:x}"
    op = layer.value("dhcp.type")
    if op == 1:
        mac = layer.value("dhcp.hw.mac_addr")
        return f"Boot Request from {mac} ({mac})" if mac else "Boot Request"
    if op == 2:
        return "Boot Reply"
    return f"Unknown BOOTP message type ({op})" if op is not None else ""


def _describe(layer: Layer) -> str:
    kind = layer.value("dhcp.option.dhcp")
    if kind is None:
        return "Dynamic Host Configuration Protocol"
    return f"Dynamic Host Configuration Protocol ({MSG_TYPES.get(kind, 'Unknown Message Type')})"


DHCP.tail = _tail
DHCP.info = _info_text
DHCP.describe = _describe

bind("udp.port", 67, DHCP)
bind("udp.port", 68, DHCP)
bind("udp.port", 4011, DHCP)
