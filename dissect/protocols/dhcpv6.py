"""Dynamic Host Configuration Protocol for IPv6 (RFC 8415) on UDP ports 546 (client) and
547 (server and relay agent).

A client message is a type, a 3-byte transaction id and options; a relay message (types
12 and 13) carries a hop count, two addresses and options, one of which (Relay Message,
9) holds the relayed message itself, decoded in place. Options are type-length-value
(RFC 8415 section 21); those that hold options of their own (IA_NA, IA_TA, IA Address,
IA_PD, IA Prefix) are decoded recursively, at most MAX_DEPTH deep. Decoded option values:
DUIDs (section 11), the identity associations and their addresses and prefixes (RFC 8415,
formerly RFC 3633), Option Request, Preference, Elapsed Time, Server Unicast, Status Code,
User and Vendor Class, Vendor-specific Information, Interface-Id, DNS servers and search
list (RFC 3646), Lifetime (RFC 4242), Client FQDN (RFC 4704). Other options show their
type and length, as Wireshark 4.0 does for them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from ..protocol import (
    HEX,
    U8,
    U16,
    U24,
    U32,
    Bytes,
    Field,
    FieldSpec,
    Flag,
    IPv6,
    Layer,
    Osi,
    Protocol,
    Str,
    Text,
    bind,
    ipv6_str,
)

MAX_DEPTH = 8  # options inside options (relay messages nest); deeper is no real traffic
DUID_EPOCH = 946684800  # 2000-01-01 00:00:00 UTC, where DUID-LLT times count from

MSG_TYPES = {
    1: "Solicit", 2: "Advertise", 3: "Request", 4: "Confirm", 5: "Renew", 6: "Rebind",
    7: "Reply", 8: "Release", 9: "Decline", 10: "Reconfigure", 11: "Information-request",
    12: "Relay-forw", 13: "Relay-reply", 14: "Leasequery", 15: "Leasequery-reply",
    16: "Leasequery-done", 17: "Leasequery-data", 18: "Reconfigure-request",
    19: "Reconfigure-reply",
}  # fmt: skip
RELAY_TYPES = (12, 13)
OPTION_NAMES = {
    1: "Client Identifier", 2: "Server Identifier",
    3: "Identity Association for Non-temporary Address",
    4: "Identity Association for Temporary Address", 5: "IA Address", 6: "Option Request",
    7: "Preference", 8: "Elapsed time", 9: "Relay Message", 11: "Authentication",
    12: "Server unicast", 13: "Status code", 14: "Rapid Commit", 15: "User Class",
    16: "Vendor Class", 17: "Vendor-specific Information", 18: "Interface-Id",
    19: "Reconfigure Message", 20: "Reconfigure Accept", 21: "SIP Server Domain Name List",
    22: "SIP Servers IPv6 Address List", 23: "DNS recursive name server",
    24: "Domain Search List", 25: "Identity Association for Prefix Delegation", 26: "IA Prefix",
    27: "Network Information Server", 28: "Network Information Server V2",
    29: "Network Information Server Domain Name", 30: "Network Information Server V2 Domain Name",
    31: "Simple Network Time Protocol Server", 32: "Lifetime", 33: "BCMCS Server Domain",
    34: "BCMCS Servers IPv6 Address List", 36: "Geoconf Civic Address", 37: "Remote Identifier",
    38: "Subscriber Identifier", 39: "Client Fully Qualified Domain Name",
    40: "PANA Agents IPv6 Address List", 41: "Time Zone", 42: "Time Zone Database",
    43: "Echo Request Option", 44: "Leasequery Query", 45: "Leasequery Client Data",
    46: "Client Last Transaction Time", 47: "Leasequery Relay Data",
    48: "Leasequery Client Link Address List", 52: "CAPWAP Access Controllers", 53: "Relay-ID",
    56: "NTP Server", 57: "Access Network Domain Name",
    58: "SIP User Agent Configuration Service Domains", 59: "Boot File URL",
    60: "Boot File Parameters", 61: "Client System Architecture Type",
    62: "Client Network Interface Identifier", 64: "Dual-Stack Lite AFTR Name",
    65: "ERP Local Domain Name", 66: "Relay-Supplied Options", 67: "Prefix Exclude",
    79: "Client Link-Layer Address", 80: "Link Address", 82: "SOL_MAX_RT", 83: "INF_MAX_RT",
    86: "PCP Server", 87: "DHCPv4 Message", 88: "DHCP 4o6 Servers Address",
    103: "Captive Portal", 112: "Manufacturer Usage Description", 135: "Relay Source Port",
}  # fmt: skip
DUID_TYPES = {1: "link-layer address plus time", 2: "assigned by vendor based on Enterprise number",
              3: "link-layer address", 4: "Universally Unique IDentifier (UUID)"}  # fmt: skip
HW_TYPES = {1: "Ethernet", 6: "IEEE 802", 32: "InfiniBand"}
STATUS_CODES = {
    0: "Success", 1: "UnspecFail", 2: "NoAddrAvail", 3: "NoBinding", 4: "NotOnLink",
    5: "UseMulticast", 6: "NoPrefixAvail", 7: "UnknownQueryType", 8: "MalformedQuery",
    9: "NotConfigured", 10: "NotAllowed", 11: "QueryTerminated", 12: "DataMissing",
    13: "CatchUpComplete", 14: "NotSupported", 15: "TLSConnectionRefused",
}  # fmt: skip
ENTERPRISES = {9: "ciscoSystems", 311: "Microsoft", 4491: "Cable Television Laboratories, Inc.",
               3561: "The Broadband Forum (formerly 'ADSL Forum')"}  # fmt: skip


def _option_name(v: int) -> str:
    return OPTION_NAMES.get(v, "Unknown")


def _enterprise(v: int) -> str:
    return f"{ENTERPRISES.get(v, 'Unknown')} ({v})"


def _duid_time(v: int) -> str:
    t = datetime.datetime.fromtimestamp(DUID_EPOCH + v, datetime.UTC)
    return f"{t:%b} {t.day:2d}, {t.year} {t:%H:%M:%S}.000000000 UTC"


# -- fields (Wireshark's dhcpv6.* names) ---------------------------------------------------------
MSGTYPE = U8("dhcpv6.msgtype", "Message type", names=MSG_TYPES,
             explain="What the message is: Solicit (a client looks for servers), Advertise, "
             "Request, Reply, Renew, Release..., or a relay agent's Relay-forw / Relay-reply.")  # fmt: skip
XID = U24("dhcpv6.xid", "Transaction ID", base=HEX,
          explain="Chosen by the client; the server's answer repeats it so the client can "
          "match them.")  # fmt: skip
HOPCOUNT = U8("dhcpv6.hopcount", "Hopcount",
              explain="How many relay agents have relayed this message so far.")  # fmt: skip
LINKADDR = IPv6("dhcpv6.linkaddr", "Link address",
                explain="An address on the link the client is on, so the server knows which "
                "addresses fit it.")  # fmt: skip
PEERADDR = IPv6("dhcpv6.peeraddr", "Peer address",
                explain="The address of the client or relay the relay agent got the message "
                "from.")  # fmt: skip
OPTION = Text("dhcpv6.option.type_str", "Option",
              explain="One option: a type, a length and the value.")  # fmt: skip
OPTION_TYPE = U16("dhcpv6.option.type", "Option", names=_option_name,
                  explain="Which option this is.")  # fmt: skip
OPTION_LENGTH = U16("dhcpv6.option.length", "Length",
                    explain="Length of the option's value in bytes.")  # fmt: skip
DUID = Bytes("dhcpv6.duid.bytes", "DUID",
             explain="DHCP Unique Identifier: names the client or server for as long as it "
             "lives, whatever its interfaces.")  # fmt: skip
DUID_TYPE = U16("dhcpv6.duid.type", "DUID Type", names=DUID_TYPES,
                explain="How the DUID was made: from a link-layer address and a time, from an "
                "enterprise number, from a link-layer address alone, or a UUID.")  # fmt: skip
LLT_HWTYPE = U16("dhcpv6.duidllt.hwtype", "Hardware type", names=HW_TYPES,
                 explain="The link type of the address in the DUID (1: Ethernet).")  # fmt: skip
LLT_TIME = U32("dhcpv6.duidllt.time", "DUID Time", text=_duid_time,
               explain="When the DUID was made, in seconds since 2000-01-01 UTC.")  # fmt: skip
LLT_ADDR = Str("dhcpv6.duidllt.link_layer_addr", "Link-layer address",
               explain="A link-layer (MAC) address of the host that made the DUID.")  # fmt: skip
LL_HWTYPE = U16("dhcpv6.duidll.hwtype", "Hardware type", names=HW_TYPES,
                explain="The link type of the address in the DUID (1: Ethernet).")  # fmt: skip
LL_ADDR = Str("dhcpv6.duidll.link_layer_addr", "Link-layer address",
              explain="A link-layer (MAC) address of the host the DUID names.")  # fmt: skip
EN_ENTERPRISE = U32("dhcpv6.duiden.enterprise", "Enterprise ID", text=_enterprise,
                    explain="The IANA enterprise number of the vendor that assigned the DUID.")  # fmt: skip
EN_IDENTIFIER = Bytes("dhcpv6.duiden.identifier", "Identifier",
                      explain="The vendor's identifier for the device.")  # fmt: skip
DUID_UUID = Bytes("dhcpv6.duiduuid.bytes", "UUID", explain="The device's UUID (RFC 6355).")
IAID = Str("dhcpv6.iaid", "IAID",
           explain="Identity association id: the client's name for one interface's set of "
           "addresses or prefixes.")  # fmt: skip
IATA = Str("dhcpv6.iata", "IATA",
           explain="Identity association id for temporary addresses.")  # fmt: skip
T1 = U32("dhcpv6.iaid.t1", "T1",
         explain="Seconds until the client asks the same server to renew the addresses.")  # fmt: skip
T2 = U32("dhcpv6.iaid.t2", "T2",
         explain="Seconds until the client asks any server to renew (rebind) them.")  # fmt: skip
IAADDR = IPv6("dhcpv6.iaaddr.ip", "IPv6 address", explain="An address leased to the client.")
IAADDR_PREF = U32("dhcpv6.iaaddr.pref_lifetime", "Preferred lifetime",
                  explain="Seconds the address may be used for new connections.")  # fmt: skip
IAADDR_VALID = U32("dhcpv6.iaaddr.valid_lifetime", "Valid lifetime",
                   explain="Seconds the address stays valid at all.")  # fmt: skip
PREFIX_PREF = U32("dhcpv6.iaprefix.pref_lifetime", "Preferred lifetime",
                  explain="Seconds the delegated prefix is preferred.")  # fmt: skip
PREFIX_VALID = U32("dhcpv6.iaprefix.valid_lifetime", "Valid lifetime",
                   explain="Seconds the delegated prefix stays valid.")  # fmt: skip
PREFIX_LEN = U8("dhcpv6.iaprefix.pref_len", "Prefix length",
                explain="Length of the delegated prefix in bits.")  # fmt: skip
PREFIX_ADDR = IPv6("dhcpv6.iaprefix.pref_addr", "Prefix address",
                   explain="The prefix delegated to the requesting router, to number its own "
                   "networks from.")  # fmt: skip
REQUESTED = U16("dhcpv6.requested_option_code", "Requested Option code", names=_option_name,
                explain="An option the client asks the server to send.")  # fmt: skip
PREFERENCE = U8("dhcpv6.option_preference", "Pref-value",
                explain="The server's preference (255: use this server at once).")  # fmt: skip
ELAPSED = U16("dhcpv6.elapsed_time", "Elapsed time", scale=10, text=lambda v: f"{v}ms",
              explain="How long the client has been trying, in milliseconds (sent in "
              "hundredths of a second).")  # fmt: skip
UNICAST = IPv6("dhcpv6.unicast", "IPv6 address",
               explain="The server's address the client may send to directly.")  # fmt: skip
STATUS_CODE = U16("dhcpv6.status_code", "Status Code", names=STATUS_CODES,
                  explain="The outcome: 0 success, else why the server could not do it.")  # fmt: skip
STATUS_MSG = Text("dhcpv6.status_msg", "Status Message",
                  explain="The server's words on the status, for people.")  # fmt: skip
USERCLASS_LEN = U16("dhcpv6.userclass.length", "Length",
                    explain="Length of one user class.")  # fmt: skip
USERCLASS_DATA = Bytes("dhcpv6.userclass.opaque_data", "Suboption",
                       explain="A user class: what kind of user or application the client is.")  # fmt: skip
VENDORCLASS_ENT = U32("dhcpv6.vendorclass.enterprise", "Enterprise ID", text=_enterprise,
                      explain="The IANA enterprise number of the client's vendor.")  # fmt: skip
VENDORCLASS_DATA = Text("dhcpv6.vendorclass.data", "vendor-class-data",
                        explain="The vendor's words for the kind of device (such as "
                        "PXEClient:...).")  # fmt: skip
VENDOROPTS_ENT = U32("dhcpv6.vendoropts.enterprise", "Enterprise ID", text=_enterprise,
                     explain="The IANA enterprise number of the vendor whose options follow.")  # fmt: skip
VENDOROPT_CODE = U16("dhcpv6.vendoropts.enterprise.option_code", "Option code",
                     explain="The vendor's option number.")  # fmt: skip
VENDOROPT_LEN = U16("dhcpv6.vendoropts.enterprise.option_length", "Option length",
                    explain="Length of the vendor option's data.")  # fmt: skip
VENDOROPT_DATA = Bytes("dhcpv6.vendoropts.enterprise.option_data", "Option data",
                       explain="The vendor option's data.")  # fmt: skip
INTERFACE_ID = Bytes("dhcpv6.interface_id", "Interface-ID",
                     explain="The relay agent's name for the interface the message came in on.")  # fmt: skip
DNS_SERVER = IPv6("dhcpv6.dns_server", "DNS server address",
                  explain="A recursive DNS server the client should use.")  # fmt: skip
SEARCH_ENTRY = Text("dhcpv6.search_list_entry", "List entry",
                    explain="A domain the client appends to short names it looks up.")  # fmt: skip
TLD = Text("dhcpv6.tld", "Top Level Domain name",
           explain="A search domain of one label only (a top-level domain such as 'test.'): "
           "names under it are rarely resolvable.")  # fmt: skip
LIFETIME = U32("dhcpv6.lifetime", "Lifetime",
               explain="Seconds until the client should ask for this information again.")  # fmt: skip
FQDN_FLAGS = U8("dhcpv6.client_fqdn_flags", "Flags", base=HEX,
                explain="Who updates the DNS for the client's name: the S, O and N bits.")  # fmt: skip
FQDN_CLIENT_N = Flag("dhcpv6.clientfqdn.client.n", "N bit", 0x04, 1,
                     explain="N: the server should not update the DNS at all.")  # fmt: skip
FQDN_CLIENT_S = Flag("dhcpv6.clientfqdn.client.s", "S bit", 0x01, 1,
                     explain="S: the client asks the server to update the name's AAAA record.")  # fmt: skip
FQDN_SERVER_N = Flag("dhcpv6.clientfqdn.server.n", "N bit", 0x04, 1,
                     explain="N: the server will not update the DNS.")  # fmt: skip
FQDN_SERVER_O = Flag("dhcpv6.clientfqdn.server.o", "O bit", 0x02, 1,
                     explain="O: the server overrode the client's S bit.")  # fmt: skip
FQDN_SERVER_S = Flag("dhcpv6.clientfqdn.server.s", "S bit", 0x01, 1,
                     explain="S: the server updates the name's AAAA record.")  # fmt: skip
CLIENT_DOMAIN = Text("dhcpv6.client_domain", "Client Domain Name",
                     explain="The client's fully qualified domain name.")  # fmt: skip
CLIENT_MESSAGES = (1, 3, 5, 6, 11)  # in these the client sets the FQDN flags


@dataclass(slots=True)
class Dhcpv6State:
    """What tail() read for the Info column: each message's summary, a relayed one after
    its relay's ("Relay-forw L: 2001:db8::1 Solicit XID: 0x123456 CID: ...")."""

    msgtype: int
    info: str


# -- tail: bounds and Info --------------------------------------------------------------------
def _walk(data: Any, p: int, end: int) -> tuple[list[tuple[int, int, int]], int]:
    """(type, value start, value length) of the options in [p, end), and where a bad one
    starts (-1: all fit)."""
    out = []
    while p < end:
        if p + 4 > end:
            return out, p
        code = (data[p] << 8) | data[p + 1]
        n = (data[p + 2] << 8) | data[p + 3]
        if p + 4 + n > end:
            return out, p
        out.append((code, p + 4, n))
        p += 4 + n
    return out, -1


def _tail(data: Any, layer: Layer) -> None:
    start, end = layer.pos, layer.payload_end
    layer.hdr_len = end - start
    layer.payload_pos = end
    if start < end:
        layer.state = Dhcpv6State(data[start], _read(data, layer, start, end, 0))


def _read(data: Any, layer: Layer, p: int, end: int, depth: int) -> str:
    """Check one message's options and return its Info text (a relay's with the relayed
    message's after it)."""
    msgtype = data[p]
    name = MSG_TYPES.get(msgtype, f"Unknown ({msgtype})")
    relay = msgtype in RELAY_TYPES
    head = 34 if relay else 4
    if end - p < head:
        layer.short(p - layer.pos + head, f"DHCPv6 {name} header")
        return name
    options, bad = _walk(data, p + head, end)
    if relay:
        info = f"{name} L: {ipv6_str(bytes(data[p + 2 : p + 18]))} "
    else:
        info = f"{name} XID: 0x{int.from_bytes(data[p + 1 : p + 4], 'big'):06x} "
        cid = next((bytes(data[v : v + n]) for c, v, n in options if c == 1), None)
        info += f"CID: {cid.hex()} " if cid is not None else ""
    for code, v, n in options:
        if code == 15:
            _check_user_class(layer, data, v, v + n)
        elif code == 9 and relay and n and depth < MAX_DEPTH:
            if data[v] not in RELAY_TYPES and data[p + 1] != 0:
                layer.issue("warn", "protocol", "dhcpv6.error_hopcount",
                            f"Hopcount of most inner message has to equal 0 instead of "
                            f"{data[p + 1]}", p + 1, 1)  # fmt: skip
            info += _read(data, layer, v, v + n, depth + 1)
    if bad >= 0:
        _bad_option(layer, data, bad, end)
    return info


def _check_user_class(layer: Layer, data: Any, p: int, end: int) -> None:
    """User Class (RFC 8415 section 21.15): classes of a 2-byte length and data."""
    while p + 2 <= end:
        p += 2 + ((data[p] << 8) | data[p + 1])
    if p > end:
        layer.issue("error", "malformed", "dhcpv6.malformed_option",
                    "User Class: suboption too long", end, 0)  # fmt: skip


def _bad_option(layer: Layer, data: Any, p: int, end: int) -> None:
    pkt = layer.packet
    cut = pkt.caplen < pkt.wirelen and end >= pkt.caplen
    if cut:
        layer.issue("warn", "truncated", "dhcpv6.truncated",
                    f"DHCPv6 option at offset {p} runs past the captured bytes", p, end - p)  # fmt: skip
    elif not (pkt.ctx.fragment or pkt.ctx.in_error):
        layer.issue("error", "malformed", "dhcpv6.bogus_length",
                    f"DHCPv6 option at offset {p} does not fit the {end - p} bytes left", p,
                    end - p)  # fmt: skip


# -- detail: the fields --------------------------------------------------------------------------
def _detail(data: Any, layer: Layer) -> None:
    _message(data, layer, layer.pos, layer.payload_end, None, 0)


def _message(data: Any, layer: Layer, p: int, end: int, parent: Field | None, depth: int) -> None:
    if p >= end:
        return
    msgtype = data[p]
    layer.add(MSGTYPE, p, 1, msgtype, 0, parent)
    if msgtype in RELAY_TYPES:
        if p + 34 > end:
            return
        layer.add(HOPCOUNT, p + 1, 1, data[p + 1], 0, parent)
        layer.add(LINKADDR, p + 2, 16, ipv6_str(bytes(data[p + 2 : p + 18])), 0, parent)
        layer.add(PEERADDR, p + 18, 16, ipv6_str(bytes(data[p + 18 : p + 34])), 0, parent)
        _options(data, layer, p + 34, end, parent, depth, msgtype)
    elif p + 4 <= end:
        layer.add(XID, p + 1, 3, int.from_bytes(data[p + 1 : p + 4], "big"), 0, parent)
        _options(data, layer, p + 4, end, parent, depth, msgtype)


def _options(data: Any, layer: Layer, p: int, end: int, parent: Field | None, depth: int,
             msgtype: int) -> None:  # fmt: skip
    options, _bad = _walk(data, p, end)
    for code, v, n in options:
        node = layer.add(OPTION, v - 4, n + 4, _option_name(code), 0, parent)
        layer.add(OPTION_TYPE, v - 4, 2, code, 0, node)
        layer.add(OPTION_LENGTH, v - 2, 2, n, 0, node)
        if depth < MAX_DEPTH:
            _value(data, layer, code, v, n, node, depth, msgtype)


def _u32(data: Any, p: int) -> int:
    return int.from_bytes(data[p : p + 4], "big")


def _value(data: Any, layer: Layer, code: int, v: int, n: int, node: Field, depth: int,
           msgtype: int) -> None:  # fmt: skip
    """The value of one option, by its type."""
    simple = SIMPLE.get(code)
    if simple is not None:
        spec, size = simple
        for q in range(v, v + n - size + 1, size):
            raw = bytes(data[q : q + size])
            value = ipv6_str(raw) if size == 16 else int.from_bytes(raw, "big") * spec.scale
            layer.add(spec, q, size, value, 0, node)
        return
    handler = HANDLERS.get(code)
    if handler is not None:
        handler(data, layer, v, n, node, depth, msgtype)


def _duid(data: Any, layer: Layer, v: int, n: int, node: Field, depth: int, msgtype: int) -> None:
    if n < 2:
        return
    layer.add(DUID, v, n, bytes(data[v : v + n]), 0, node)
    kind = (data[v] << 8) | data[v + 1]
    layer.add(DUID_TYPE, v, 2, kind, 0, node)
    end = v + n
    if kind == 1 and n >= 8:
        layer.add(LLT_HWTYPE, v + 2, 2, (data[v + 2] << 8) | data[v + 3], 0, node)
        layer.add(LLT_TIME, v + 4, 4, _u32(data, v + 4), 0, node)
        layer.add(LLT_ADDR, v + 8, n - 8, bytes(data[v + 8 : end]).hex(":"), 0, node)
    elif kind == 2 and n >= 6:
        layer.add(EN_ENTERPRISE, v + 2, 4, _u32(data, v + 2), 0, node)
        layer.add(EN_IDENTIFIER, v + 6, n - 6, bytes(data[v + 6 : end]), 0, node)
    elif kind == 3 and n >= 4:
        layer.add(LL_HWTYPE, v + 2, 2, (data[v + 2] << 8) | data[v + 3], 0, node)
        layer.add(LL_ADDR, v + 4, n - 4, bytes(data[v + 4 : end]).hex(":"), 0, node)
    elif kind == 4 and n == 18:
        layer.add(DUID_UUID, v + 2, 16, bytes(data[v + 2 : end]), 0, node)


def _ia(data: Any, layer: Layer, v: int, n: int, node: Field, depth: int, msgtype: int) -> None:
    """IA_NA (3) and IA_PD (25): IAID, T1, T2, then options; IA_TA (4): IAID, options."""
    if n < 4:
        return
    ta = ((data[v - 4] << 8) | data[v - 3]) == 4  # IA_TA: no T1 and T2
    layer.add(IATA if ta else IAID, v, 4, bytes(data[v : v + 4]).hex(), 0, node)
    if ta:
        _options(data, layer, v + 4, v + n, node, depth + 1, msgtype)
    elif n >= 12:
        layer.add(T1, v + 4, 4, _u32(data, v + 4), 0, node)
        layer.add(T2, v + 8, 4, _u32(data, v + 8), 0, node)
        _options(data, layer, v + 12, v + n, node, depth + 1, msgtype)


def _iaaddr(data: Any, layer: Layer, v: int, n: int, node: Field, depth: int, msgtype: int) -> None:
    if n < 24:
        return
    layer.add(IAADDR, v, 16, ipv6_str(bytes(data[v : v + 16])), 0, node)
    layer.add(IAADDR_PREF, v + 16, 4, _u32(data, v + 16), 0, node)
    layer.add(IAADDR_VALID, v + 20, 4, _u32(data, v + 20), 0, node)
    _options(data, layer, v + 24, v + n, node, depth + 1, msgtype)


def _iaprefix(data: Any, layer: Layer, v: int, n: int, node: Field, depth: int,
              msgtype: int) -> None:  # fmt: skip
    if n < 25:
        return
    layer.add(PREFIX_PREF, v, 4, _u32(data, v), 0, node)
    layer.add(PREFIX_VALID, v + 4, 4, _u32(data, v + 4), 0, node)
    layer.add(PREFIX_LEN, v + 8, 1, data[v + 8], 0, node)
    layer.add(PREFIX_ADDR, v + 9, 16, ipv6_str(bytes(data[v + 9 : v + 25])), 0, node)
    _options(data, layer, v + 25, v + n, node, depth + 1, msgtype)


def _relay_message(data: Any, layer: Layer, v: int, n: int, node: Field, depth: int,
                   msgtype: int) -> None:  # fmt: skip
    _message(data, layer, v, v + n, node, depth + 1)


def _status(data: Any, layer: Layer, v: int, n: int, node: Field, depth: int, msgtype: int) -> None:
    if n >= 2:
        layer.add(STATUS_CODE, v, 2, (data[v] << 8) | data[v + 1], 0, node)
        layer.add(STATUS_MSG, v + 2, n - 2, _text(data, v + 2, v + n), 0, node)


def _text(data: Any, p: int, end: int) -> str:
    return bytes(data[p:end]).decode("utf-8", "replace")


def _user_class(data: Any, layer: Layer, v: int, n: int, node: Field, depth: int,
                msgtype: int) -> None:  # fmt: skip
    p, end = v, v + n
    while p + 2 <= end:
        size = (data[p] << 8) | data[p + 1]
        if p + 2 + size > end:
            return  # tail() marked it
        layer.add(USERCLASS_LEN, p, 2, size, 0, node)
        layer.add(USERCLASS_DATA, p + 2, size, bytes(data[p + 2 : p + 2 + size]), 0, node)
        p += 2 + size


def _vendor_class(data: Any, layer: Layer, v: int, n: int, node: Field, depth: int,
                  msgtype: int) -> None:  # fmt: skip
    if n < 4:
        return
    layer.add(VENDORCLASS_ENT, v, 4, _u32(data, v), 0, node)
    p, end = v + 4, v + n
    while p + 2 <= end:  # each class: a 2-byte length and its text
        size = (data[p] << 8) | data[p + 1]
        if p + 2 + size > end:
            return
        layer.add(VENDORCLASS_DATA, p + 2, size, _text(data, p + 2, p + 2 + size), 0, node)
        p += 2 + size


def _vendor_opts(data: Any, layer: Layer, v: int, n: int, node: Field, depth: int,
                 msgtype: int) -> None:  # fmt: skip
    if n < 4:
        return
    layer.add(VENDOROPTS_ENT, v, 4, _u32(data, v), 0, node)
    p, end = v + 4, v + n
    while p + 4 <= end:
        code, size = (data[p] << 8) | data[p + 1], (data[p + 2] << 8) | data[p + 3]
        if p + 4 + size > end:
            return
        layer.add(VENDOROPT_CODE, p, 2, code, 0, node)
        layer.add(VENDOROPT_LEN, p + 2, 2, size, 0, node)
        layer.add(VENDOROPT_DATA, p + 4, size, bytes(data[p + 4 : p + 4 + size]), 0, node)
        p += 4 + size


def _bytes_of(spec: FieldSpec) -> Any:
    def handler(data: Any, layer: Layer, v: int, n: int, node: Field, depth: int,
                msgtype: int) -> None:  # fmt: skip
        if n:
            layer.add(spec, v, n, bytes(data[v : v + n]), 0, node)

    return handler


def _domain_names(data: Any, p: int, end: int) -> list[tuple[int, int, str]]:
    """DNS wire names without compression (RFC 8415 section 10): (pos, length, name)."""
    out, start, labels = [], p, []
    while p < end:
        n = data[p]
        if n == 0 or n > 63 or p + 1 + n > end:
            if n == 0:
                out.append((start, p + 1 - start, ".".join(labels) + "."))
            elif labels:
                out.append((start, p - start, ".".join(labels)))
            p += 1 if n == 0 else end - p
            start, labels = p, []
            continue
        labels.append(_text(data, p + 1, p + 1 + n))
        p += 1 + n
    if labels:
        out.append((start, p - start, ".".join(labels)))
    return out


def _search_list(data: Any, layer: Layer, v: int, n: int, node: Field, depth: int,
                 msgtype: int) -> None:  # fmt: skip
    for pos, size, name in _domain_names(data, v, v + n):
        tld = name.endswith(".") and name.count(".") == 1
        layer.add(TLD if tld else SEARCH_ENTRY, pos, size, name, 0, node)


def _client_fqdn(data: Any, layer: Layer, v: int, n: int, node: Field, depth: int,
                 msgtype: int) -> None:  # fmt: skip
    if n < 1:
        return
    flags = data[v]
    f = layer.add(FQDN_FLAGS, v, 1, flags, 0, node)
    bits = ((FQDN_CLIENT_N, FQDN_CLIENT_S) if msgtype in CLIENT_MESSAGES
            else (FQDN_SERVER_N, FQDN_SERVER_O, FQDN_SERVER_S))  # fmt: skip
    for spec in bits:
        layer.add(spec, v, 1, bool(flags & spec.mask), spec.mask, f)
    for pos, size, name in _domain_names(data, v + 1, v + n):
        layer.add(CLIENT_DOMAIN, pos, size, name, 0, node)


# Options whose value is a run of one fixed-size field: (field, size)
SIMPLE = {6: (REQUESTED, 2), 7: (PREFERENCE, 1), 8: (ELAPSED, 2), 12: (UNICAST, 16),
          23: (DNS_SERVER, 16), 32: (LIFETIME, 4)}  # fmt: skip
HANDLERS = {
    1: _duid, 2: _duid, 3: _ia, 4: _ia, 25: _ia, 5: _iaaddr, 26: _iaprefix, 9: _relay_message,
    13: _status, 15: _user_class, 16: _vendor_class, 17: _vendor_opts,
    18: _bytes_of(INTERFACE_ID), 24: _search_list, 39: _client_fqdn,
}  # fmt: skip


def _info(layer: Layer) -> str:
    return layer.state.info if layer.state is not None else ""


DHCPV6 = Protocol(
    "dhcpv6", "DHCPv6", osi=Osi.APPLICATION, short="DHCPv6", tail=_tail, detail=_detail,
    info=_info, state=Dhcpv6State, colour="#87afd7",
    explain="DHCPv6 gives IPv6 hosts their addresses, DNS servers and delegated prefixes: a "
    "client solicits, servers advertise, the client requests and a server replies.",
)  # fmt: skip

bind("udp.port", 546, DHCPV6)
bind("udp.port", 547, DHCPV6)
