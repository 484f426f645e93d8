"""Value-name tables shared by several protocols (as Wireshark's shared value_strings)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Differentiated Services codepoints (RFC 2474, 3246, 4594, 5865, 8622) and ECN (RFC 3168):
# the same byte in IPv4's DS field and IPv6's traffic class.
DSCP_NAMES = {
    0: "Default", 1: "Lower Effort", 8: "Class Selector 1", 10: "Assured Forwarding 11",
    12: "Assured Forwarding 12", 14: "Assured Forwarding 13", 16: "Class Selector 2",
    18: "Assured Forwarding 21", 20: "Assured Forwarding 22", 22: "Assured Forwarding 23",
    24: "Class Selector 3", 26: "Assured Forwarding 31", 28: "Assured Forwarding 32",
    30: "Assured Forwarding 33", 32: "Class Selector 4", 34: "Assured Forwarding 41",
    36: "Assured Forwarding 42", 38: "Assured Forwarding 43", 40: "Class Selector 5",
    44: "Voice Admit", 46: "Expedited Forwarding", 48: "Class Selector 6", 56: "Class Selector 7",
}  # fmt: skip
ECN_NAMES = {
    0: "Not ECN-Capable Transport", 1: "ECN-Capable Transport codepoint '01'",
    2: "ECN-Capable Transport codepoint '10'", 3: "Congestion Experienced",
}  # fmt: skip
EXPLAIN_RESERVED = "Reserved for future use: senders set it to zero and receivers ignore it."


WELL_KNOWN_PORTS = {
    20: "FTP data", 21: "FTP", 22: "SSH", 23: "Telnet", 25: "SMTP (mail)", 53: "DNS",
    67: "DHCP server", 68: "DHCP client", 69: "TFTP", 80: "HTTP (web)", 110: "POP3 (mail)",
    123: "NTP (time)", 137: "NetBIOS names", 143: "IMAP (mail)", 161: "SNMP", 443: "HTTPS",
    514: "syslog", 546: "DHCPv6 client", 547: "DHCPv6 server", 853: "DNS over TLS",
    1900: "SSDP (UPnP discovery)", 3306: "MySQL", 5353: "mDNS", 5355: "LLMNR", 8080: "HTTP",
}  # fmt: skip


def explain_source_port(value: int, layer: object) -> str:
    eph = (
        " An ephemeral port: the client's OS picked it for this conversation."
        if value >= 32768
        else ""
    )
    return f"Source port {value}: which program on the sending host this belongs to.{eph}"


def explain_destination_port(value: int, layer: object) -> str:
    service = WELL_KNOWN_PORTS.get(value)
    known = f", the well-known port of {service}" if service else ""
    return f"Destination port {value}{known}: which program on the receiving host gets the data."


def explain_ip_address(value: object, layer: object) -> str:
    """What kind of IPv4 or IPv6 address this is (the value is its text)."""
    import ipaddress

    addr = ipaddress.ip_address(str(value))
    if addr.is_loopback:
        kind = "loopback: this host talking to itself"
    elif addr.is_multicast:
        kind = "a multicast group: every host that joined it receives the packet"
    elif addr.is_unspecified:
        kind = "unspecified: the sender has no address yet"
    elif addr.is_link_local:
        kind = "link-local: valid only on this link, never routed"
    elif addr.is_private:
        kind = "private: used inside a network, not routed on the Internet"
    else:
        kind = "a public Internet address"
    return f"IP address {value}, {kind}. Unlike a MAC address it stays the same end to end."


def explain_mac(value: object, layer: object) -> str:
    text = str(value)
    first = int(text[:2], 16) if len(text) >= 2 else 0
    if text == "ff:ff:ff:ff:ff:ff":
        kind = "broadcast: every device on the link receives the frame"
    elif first & 1:
        kind = "a group (multicast) address: the devices that joined the group receive it"
    else:
        kind = "one device's hardware address"
    return f"MAC address {text}, {kind}. It is only meaningful on this link: routers rewrite it."


def explain_dscp(value: int, layer: object) -> str:
    name = DSCP_NAMES.get(value, "a class this network may define")
    return (
        f"DSCP {value} ({name}): the packet's traffic class, which routers may use to queue or "
        "prioritise it (0 is ordinary best effort)."
    )


def explain_ecn(value: int, layer: object) -> str:
    meaning = {
        0: "the sender does not support ECN",
        1: "the sender supports ECN",
        2: "the sender supports ECN",
        3: "a congested router marked the packet instead of dropping it",
    }.get(value, "")
    return f"Explicit Congestion Notification {value}: {meaning}."


# Wireshark's short names, in the DS field's own line: "0x00 (DSCP: CS0, ECN: Not-ECT)"
DSCP_SHORT = {
    0: "CS0", 1: "LE", 8: "CS1", 10: "AF11", 12: "AF12", 14: "AF13", 16: "CS2", 18: "AF21",
    20: "AF22", 22: "AF23", 24: "CS3", 26: "AF31", 28: "AF32", 30: "AF33", 32: "CS4", 34: "AF41",
    36: "AF42", 38: "AF43", 40: "CS5", 46: "EF PHB", 48: "CS6", 56: "CS7",
}  # fmt: skip
ECN_SHORT = {0: "Not-ECT", 1: "ECT(1)", 2: "ECT(0)", 3: "CE"}


def ds_names(ds: int) -> str:
    """'DSCP: CS0, ECN: Not-ECT' for a DS byte (IPv4's DS field, IPv6's traffic class)."""
    return f"DSCP: {DSCP_SHORT.get(ds >> 2, 'Unknown')}, ECN: {ECN_SHORT[ds & 3]}"


def duration(secs: int, msecs: int = 0) -> str:
    """'3 minutes, 20 seconds', '4 hours, 28 minutes, 51.171 seconds': a time span as
    Wireshark words it (time_secs_to_str, time_msecs_to_str)."""
    if secs == 0 and msecs == 0:
        return "0 seconds"
    parts = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        n, secs = divmod(secs, size)
        if n:
            parts.append(f"{n} {unit}{'' if n == 1 else 's'}")
    if msecs:
        parts.append(f"{secs}.{msecs:03d} seconds")
    elif secs:
        parts.append(f"{secs} second{'' if secs == 1 else 's'}")
    return ", ".join(parts)


def true_false(yes: str, no: str) -> Callable[[Any], str]:
    """A flag's text in Wireshark's words for set and clear (its true_false_string)."""
    return lambda v: yes if v else no


TRUE_FALSE = true_false("True", "False")  # a Wireshark boolean with no words of its own


# Private Enterprise Numbers (IANA's enterprise-numbers registry, names as it spells them),
# which name a pcapng Custom Block's owner. A compact choice, not the registry's 60,000-odd
# entries: 0 (reserved); 32473, RFC 5612's number for documentation and examples, which test
# files use; the writers of the public test captures (36724); Netflix (10949), whose Black
# Box Log custom blocks Wireshark decodes; and the network vendors and platforms whose
# tools write custom blocks or whose PENs are met most in flow and SNMP records.
ENTERPRISE_NAMES = {
    0: "Reserved", 9: "ciscoSystems", 11: "Hewlett-Packard", 311: "Microsoft",
    1588: "Brocade Communications Systems, Inc.", 2011: "HUAWEI Technology Co.,Ltd",
    2636: "Juniper Networks, Inc.", 3375: "F5 Labs, Inc.", 6876: "VMware Inc.",
    8072: "net-snmp", 10949: "Netflix.com", 11129: "Google, Inc.", 12356: "Fortinet, Inc.",
    14988: "MikroTik", 25461: "PALO ALTO NETWORKS", 29671: "Meraki Networks, Inc.",
    30065: "Arista Networks, Inc.", 32473: "Example Enterprise Number for Documentation Use",
    36724: "Kaplan Research and Application Prototyping",
}  # fmt: skip


def enterprise_name(pen: int) -> str:
    """A PEN's registered name, "Unknown" for one not in the table (as Wireshark words it)."""
    return ENTERPRISE_NAMES.get(pen, "Unknown")
