"""Link-layer header types (LINKTYPE_* values) used in pcap and pcapng files.

Numbers from the tcpdump.org link-layer header type registry, also in
draft-ietf-opsawg-pcaplinktype. Only the types this project meets are named here;
any other number still passes through the index unchanged.
"""

NULL = 0  # BSD loopback: 4-byte address family in host byte order
ETHERNET = 1
AX25 = 3
IEEE802_5 = 6
ARCNET_BSD = 7
SLIP = 8
PPP = 9
FDDI = 10
PPP_HDLC = 50
PPP_ETHER = 51
ATM_RFC1483 = 100
RAW = 101  # raw IPv4 or IPv6, version from the first nibble
C_HDLC = 104
IEEE802_11 = 105
FRELAY = 107
LOOP = 108  # OpenBSD loopback: address family in network byte order
ENC = 109
LINUX_SLL = 113
PFLOG = 117
IEEE802_11_PRISM = 119
IP_OVER_FC = 122
IEEE802_11_RADIOTAP = 127
ARCNET_LINUX = 129
IEEE802_11_AVS = 163
BACNET_MS_TP = 165
PPP_PPPD = 166
PPI = 192
IEEE802_15_4_WITHFCS = 195
USB_LINUX = 189
BLUETOOTH_HCI_H4_WITH_PHDR = 201
IPV4 = 228
IPV6 = 229
IEEE802_15_4_NOFCS = 230
DBUS = 231
NETLINK = 253
NFLOG = 239
USB_LINUX_MMAPPED = 220
ETHERNET_MPACKET = 274
LINUX_SLL2 = 276

LINKTYPE_NAMES: dict[int, str] = {
    value: name
    for name, value in list(globals().items())
    if name.isupper() and isinstance(value, int)
}

# libpcap writes some platform DLT_* values into files unchanged; these are the ones that
# mean a LINKTYPE_* with another number. DLT_RAW is 12 on most platforms and 14 on OpenBSD
# (libpcap pcap-common.c, linktype_to_dlt/dlt_to_linktype).
DLT_ALIASES: dict[int, int] = {12: RAW, 14: RAW}


def canonical(linktype: int) -> int:
    """Map a link type as found in a file header to its LINKTYPE_* number."""
    return DLT_ALIASES.get(linktype, linktype)


def linktype_name(linktype: int) -> str:
    """Registry name of a link type ("ETHERNET"), or "LINKTYPE_<n>" when unknown."""
    name = LINKTYPE_NAMES.get(canonical(linktype))
    return name if name is not None else f"LINKTYPE_{linktype}"
