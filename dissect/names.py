"""Value-name tables shared by several protocols (as Wireshark's shared value_strings)."""

from __future__ import annotations

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


# -- plain-language explanations several protocols' fields share (FieldSpec explain=) ------
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
