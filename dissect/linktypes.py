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

# A record that is not a packet has a record kind where a packet has its link type: a
# value above every LINKTYPE_* (pcapng's are 16-bit), so that everything a record goes
# through (the index, decode(), the writers, the bulk filter) tells it from a packet by the
# one number it already carries. A pcapng Custom Block (draft-ietf-opsawg-pcapng section
# 4.8; Wireshark: REC_TYPE_CUSTOM_BLOCK) has no interface and no time; its kind carries the
# block's Private Enterprise Number, which says what its bytes are as a link type does, and
# whether the block may be copied (type 0x00000BAD; 0x40000BAD: must not be).
PCAPNG_CUSTOM_BLOCK = 1 << 40
_COPY_BIT = 1 << 32


def custom_block_kind(pen: int, copy: bool) -> int:
    """The record kind of a Custom Block with this PEN (32-bit) and copy flag."""
    return PCAPNG_CUSTOM_BLOCK | (_COPY_BIT if copy else 0) | (pen & 0xFFFFFFFF)


def custom_block(kind: int) -> tuple[int, bool] | None:
    """(PEN, copy allowed) when the record kind (a link type's place) is a Custom Block."""
    if kind < PCAPNG_CUSTOM_BLOCK:
        return None
    return kind & 0xFFFFFFFF, bool(kind & _COPY_BIT)


def is_record(kind: int) -> bool:
    """Whether a link type's place holds a record kind (not a packet's LINKTYPE_*)."""
    return kind >= PCAPNG_CUSTOM_BLOCK


LINKTYPE_NAMES: dict[int, str] = {
    value: name
    for name, value in list(globals().items())
    if name.isupper() and isinstance(value, int) and value < 0x10000
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
