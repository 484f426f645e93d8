"""Domain Name System (RFC 1035), over UDP and TCP port 53, and Multicast DNS (RFC 6762)
on UDP port 5353.

Also: EDNS(0) OPT records (RFC 6891, options RFC 7871 client subnet, RFC 7873 cookie),
SRV (RFC 2782), AAAA (RFC 3596), the AD/CD bits (RFC 4035), LLMNR (RFC 4795, port 5355).
Over TCP every message has a 2-byte length prefix (RFC 1035 section 4.2.2, RFC 7766);
messages are not reassembled across segments: a segment holding part of a message is
decoded as far as its bytes go and marked; several messages in one segment become one
layer each. Names are expanded through compression pointers (RFC 1035 section 4.1.4)
with loop protection: a pointer chain that revisits bytes, or takes more than
MAX_HOPS jumps, marks the layer malformed and never hangs.
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
    Bytes,
    Field,
    FieldSpec,
    Flag,
    Float,
    Int,
    IPv4,
    IPv6,
    Layer,
    Osi,
    Protocol,
    Settled,
    Str,
    Text,
    bind,
    bind_heuristic,
    ipv4_str,
    ipv6_str,
    settle,
)

MAX_NAME = 253  # longest presentation name (RFC 1035: 255 wire bytes); longer shows as too long
MAX_HOPS = 127  # compression pointers followed per name; a real name needs fewer than this
# Pointer jumps per message: a real name takes a few per 6 bytes at most; this stops names
# chained through each other (k hops for name k) from costing 127 jumps each.
HOPS_PER_BYTE = 0.5

TYPE_NAMES = {
    0: "Unused", 1: "A (Host Address)", 2: "NS (authoritative Name Server)", 3: "MD (Mail Destination)",
    4: "MF (Mail Forwarder)", 5: "CNAME (Canonical NAME for an alias)",
    6: "SOA (Start Of a zone of Authority)", 7: "MB (MailBox domain name)", 8: "MG (Mail Group member)",
    9: "MR (Mail Rename domain)", 10: "NULL RR", 11: "WKS (Well Known Service)",
    12: "PTR (domain name PoinTeR)", 13: "HINFO (host information)",
    14: "MINFO (Mailbox or mail list information)", 15: "MX (Mail eXchange)", 16: "TXT (Text strings)",
    17: "RP (Responsible Person)", 18: "AFSDB (AFS Data Base location)", 19: "X25 (XX.25 PSDN address)",
    20: "ISDN (ISDN address)", 21: "RT (Route Through)", 22: "NSAP (NSAP address)",
    23: "NSAP-PTR (NSAP domain name pointer)", 24: "SIG (security signature)", 25: "KEY (security key)",
    26: "PX (X.400 mail mapping information)", 27: "GPOS (Geographical Position)",
    28: "AAAA (IPv6 Address)", 29: "LOC (Location Information)", 30: "NXT (Next Domain)",
    31: "EID (Endpoint Identifier)", 32: "NIMLOC (Nimrod Locator)", 33: "SRV (Server Selection)",
    34: "ATMA (ATM Address)", 35: "NAPTR (Naming Authority Pointer)", 36: "KX (Key Exchanger)",
    37: "CERT", 38: "A6 (OBSOLETE - use AAAA)", 39: "DNAME", 40: "SINK", 41: "OPT", 42: "APL",
    43: "DS (Delegation Signer)", 44: "SSHFP (SSH Key Fingerprint)", 45: "IPSECKEY",
    46: "RRSIG (Resource Record Signature)", 47: "NSEC (Next Secure)", 48: "DNSKEY (DNS Public Key)",
    49: "DHCID", 50: "NSEC3", 51: "NSEC3PARAM", 52: "TLSA", 55: "HIP (Host Identity Protocol)",
    57: "RKEY", 58: "TALINK (Trust Anchor LINK)", 59: "CDS (Child DS)",
    60: "CDNSKEY (DNSKEY(s) the Child wants reflected in DS)", 61: "OPENPGPKEY (OpenPGP Key)",
    62: "CSYNC (Child-to-Parent Synchronization)", 63: "ZONEMD",
    64: "SVCB (General Purpose Service Endpoints)", 65: "HTTPS (HTTPS Specific Service Endpoints)",
    99: "SPF", 100: "UINFO", 101: "UID", 102: "GID", 103: "UNSPEC", 104: "NID (NodeID)",
    105: "L32 (Locator32)", 106: "L64 (Locator64)", 107: "LP (Locator FQDN)", 108: "EUI48",
    109: "EUI64", 249: "TKEY (Transaction Key)", 250: "TSIG (Transaction Signature)",
    251: "IXFR (incremental transfer)", 252: "AXFR (transfer of an entire zone)",
    253: "MAILB (mailbox-related RRs)", 254: "MAILA (mail agent RRs)",
    255: "* (A request for all records the server/cache has available)", 256: "URI",
    257: "CAA (Certification Authority Restriction)", 32768: "TA (DNSSEC Trust Authorities)",
    32769: "DLV (DNSSEC Lookaside Validation)", 65281: "WINS", 65282: "WINS-R", 65422: "XPF",
}  # fmt: skip
# The Info column uses the mnemonic only (Wireshark's short type table).
TYPE_SHORT = {k: v.split(" ", 1)[0] for k, v in TYPE_NAMES.items()}
TYPE_SHORT.update({10: "NULL", 255: "ANY"})
CLASS_NAMES = {1: "IN", 2: "CS", 3: "CH", 4: "HS", 254: "NONE", 255: "ANY"}
OPCODES = {0: "Standard query", 1: "Inverse query", 2: "Server status request",
           4: "Zone change notification", 5: "Dynamic update", 6: "DNS Stateful operations (DSO)"}  # fmt: skip
RCODES = {
    0: "No error", 1: "Format error", 2: "Server failure", 3: "No such name", 4: "Not implemented",
    5: "Refused", 6: "Name exists", 7: "RRset exists", 8: "RRset does not exist",
    9: "Not authoritative", 10: "Name out of zone", 11: "DSO-Type not implemented",
    16: "Bad OPT Version or TSIG Signature Failure", 17: "Key not recognized",
    18: "Signature out of time window", 19: "Bad TKEY Mode", 20: "Duplicate key name",
    21: "Algorithm not supported", 22: "Bad Truncation", 23: "Bad/missing Server Cookie",
}  # fmt: skip
RCODE_TEXT = {
    0: "the answer is good",
    1: "the server could not read the query",
    2: "the server failed to answer (it could not reach others, or is broken)",
    3: "the name does not exist (NXDOMAIN)",
    4: "the server does not do this kind of query",
    5: "the server refuses to answer this client",
}  # fmt: skip


def _explain_rcode(value: int, layer: Layer) -> str:
    what = RCODE_TEXT.get(value, "a rarer error, mostly for updates and DNSSEC")
    return f"Reply code {value} ({RCODES.get(value, 'unknown')}): {what}."


OPT_CODES = {
    0: "Reserved", 1: "LLQ - Long-lived query", 2: "UL - Update lease",
    3: "NSID - Name Server Identifier", 4: "Owner (reserved)",
    5: "DAU - DNSSEC Algorithm Understood (RFC6975)", 6: "DHU - DS Hash Understood (RFC6975)",
    7: "N3U - NSEC3 Hash Understood (RFC6975)", 8: "CSUBNET - Client subnet",
    9: "EDNS EXPIRE (RFC7314)", 10: "COOKIE", 11: "EDNS TCP Keepalive", 12: "PADDING", 13: "CHAIN",
    15: "Extended DNS Error", 20730: "Experimental - CSUBNET - Client subnet",
}  # fmt: skip

# -- field declarations (Wireshark's dns.* names; mDNS uses the same names) -------------
LENGTH = U16(
    "dns.length",
    "Length",
    explain="Over TCP: the DNS message's length in bytes, written before it so the "
    "receiver knows where it ends.",
)
ID = U16(
    "dns.id",
    "Transaction ID",
    base=HEX,
    explain="Transaction ID: the client picks it, the answer copies it, so the client can "
    "match answers to questions.",
)
F_RESPONSE = Flag(
    "dns.flags.response",
    "Response",
    0x8000,
    2,
    text=true_false("Message is a response", "Message is a query"),
    explain="Response: set in an answer, clear in a query.",
)
F_OPCODE = Bits(
    "dns.flags.opcode",
    "Opcode",
    2,
    mask=0x7800,
    names=OPCODES,
    explain="Opcode: the kind of query (0: a standard query; others: notify, update...).",
)
F_AA = Flag(
    "dns.flags.authoritative",
    "Authoritative",
    0x0400,
    2,
    text=true_false("Server is an authority for domain", "Server is not an authority for domain"),
    explain="Authoritative: the answering server is in charge of the name (its answer "
    "does not come from a cache).",
)
F_CONFLICT = Flag(
    "dns.flags.conflict",
    "Conflict",
    0x0400,
    2,
    text=true_false("The sender received multiple responses", "None"),
    explain="Conflict (LLMNR): another host answered for the same name.",
)
F_TC = Flag(
    "dns.flags.truncated",
    "Truncated",
    0x0200,
    2,
    text=true_false("Message is truncated", "Message is not truncated"),
    explain="Truncated: the answer did not fit in the UDP datagram; the client should ask "
    "again over TCP.",
)
F_RD = Flag(
    "dns.flags.recdesired",
    "Recursion desired",
    0x0100,
    2,
    text=true_false("Do query recursively", "Don't do query recursively"),
    explain="Recursion desired: the client asks the server to find the answer for it, "
    "querying other servers if needed.",
)
F_TENTATIVE = Flag(
    "dns.flags.tentative",
    "Tentative",
    0x0100,
    2,
    text=true_false("Tentative", "Not tentative"),
    explain="Tentative (LLMNR): the sender is still checking that the name is unique.",
)
F_RA = Flag(
    "dns.flags.recavail",
    "Recursion available",
    0x0080,
    2,
    text=true_false("Server can do recursive queries", "Server can't do recursive queries"),
    explain="Recursion available: the server will look answers up for its clients.",
)
F_Z = Flag(
    "dns.flags.z",
    "Z",
    0x0040,
    2,
    text=true_false("reserved - incorrect!", "reserved (0)"),
    explain=EXPLAIN_RESERVED,
)
F_AD = Flag(
    "dns.flags.authenticated",
    "Answer authenticated",
    0x0020,
    2,
    text=true_false(
        "Answer/authority portion was authenticated by the server",
        "Answer/authority portion was not authenticated by the server",
    ),
    explain="Answer authenticated: the server checked the answer's DNSSEC signatures.",
)
F_CD = Flag(
    "dns.flags.checkdisable",
    "Non-authenticated data",
    0x0010,
    2,
    text=true_false("Acceptable", "Unacceptable"),
    explain="Checking disabled: the client asks the server not to check DNSSEC signatures.",
)
F_RCODE = Bits(
    "dns.flags.rcode", "Reply code", 2, mask=0x000F, names=RCODES, explain=_explain_rcode
)


def _flags_show(flags: int) -> str:
    """'0x8180 Standard query response, No error': the opcode, and a response's reply code."""
    text = OPCODES.get((flags >> 11) & 0xF) or f"Unknown operation ({(flags >> 11) & 0xF})"
    if flags & 0x8000:
        rcode = RCODES.get(flags & 0xF) or f"Unknown error ({flags & 0xF})"
        text += f" response, {rcode}"
    return f"0x{flags:04x} {text}"


FLAGS = U16("dns.flags", "Flags", base=HEX, text=_flags_show, children=(
    F_RESPONSE, F_OPCODE, F_AA, F_CONFLICT, F_TC, F_RD, F_TENTATIVE, F_RA, F_Z, F_AD, F_CD, F_RCODE,
), explain="Flags: query or response, the kind of "
            "query, what the client asks for and what the server did, and the reply code.")  # fmt: skip
COUNT_QUERIES = U16("dns.count.queries", "Questions",
                    explain="How many questions the message holds (almost always 1).")  # fmt: skip
COUNT_ZONES = U16("dns.count.zones", "Zones",
                  explain="How many zones a dynamic update is about (always 1).")  # fmt: skip
COUNT_ANSWERS = U16("dns.count.answers", "Answer RRs",
                    explain="How many answer records follow the questions.")  # fmt: skip
COUNT_PREREQ = U16("dns.count.prerequisites", "Prerequisites",
                   explain="How many prerequisite records a dynamic update has.")  # fmt: skip
COUNT_AUTH = U16("dns.count.auth_rr", "Authority RRs",
                 explain="How many authority records follow: the name servers in charge of the "
                 "name.")  # fmt: skip
COUNT_UPDATES = U16("dns.count.updates", "Updates",
                    explain="How many records a dynamic update adds or removes.")  # fmt: skip
COUNT_ADD = U16("dns.count.add_rr", "Additional RRs",
                explain="How many additional records follow: extras such as the servers' "
                "addresses, or EDNS options.")  # fmt: skip

# Record nodes group one question or resource record in the tree, as Wireshark's
# unnamed subtrees do ("example.test: type A, class IN"); their value is that line, and
# the section nodes ("Queries", "Answers", ...) hold them.
QUERY = Text("dns.query", "", explain="One question: a name, the record type wanted and the class.")
SECTION_SPECS = (
    Text(
        "dns.answer",
        "",
        explain="One answer record: the name, its type, how long it may be cached and the data.",
    ),
    Text(
        "dns.authority",
        "",
        explain="One authority record: a name server in charge of the queried name.",
    ),
    Text(
        "dns.additional",
        "",
        explain="One additional record: extra data the server thinks the client will need.",
    ),
)
QUERIES = Str("dns.queries", "Queries", explain="The questions this message asks.")
SECTION_NODES = {
    QUERY: QUERIES,
    SECTION_SPECS[0]: Str(
        "dns.answers", "Answers", explain="The records that answer the question."
    ),
    SECTION_SPECS[1]: Str(
        "dns.authorities",
        "Authoritative nameservers",
        explain="Records naming the servers that are authoritative for the name.",
    ),
    SECTION_SPECS[2]: Str(
        "dns.additionals",
        "Additional records",
        explain="Extra records the server adds to save a lookup (addresses of named servers, EDNS).",
    ),
}
QRY_NAME = Text("dns.qry.name", "Name", explain="The name asked about.")
QRY_NAME_LEN = Int(
    "dns.qry.name.len",
    "Name Length",
    generated=True,
    explain="Length of the name in characters (worked out).",
)
LABELS = Int(
    "dns.count.labels",
    "Label Count",
    generated=True,
    explain="How many labels (dot-separated parts) the name has (worked out).",
)
QRY_TYPE = U16(
    "dns.qry.type",
    "Type",
    names=TYPE_NAMES,
    explain="The record type asked for: A (IPv4 address), AAAA (IPv6 address), MX "
    "(mail server), CNAME (alias)...",
)
QRY_CLASS = U16(
    "dns.qry.class",
    "Class",
    base=HEX,
    names=CLASS_NAMES,
    explain="The class: almost always IN, the Internet.",
)
QRY_QU = Flag(
    "dns.qry.qu",
    '"QU" question',
    0x8000,
    2,
    text=TRUE_FALSE,
    explain="QU (mDNS): the querier wants a unicast answer rather than a multicast one.",
)
RESP_NAME = Text("dns.resp.name", "Name", explain="The record's name: what this answer is about.")
RESP_TYPE = U16(
    "dns.resp.type",
    "Type",
    names=TYPE_NAMES,
    explain="The record's type: A (IPv4 address), AAAA (IPv6 address), CNAME (alias), "
    "NS (name server)...",
)
RESP_CLASS = U16(
    "dns.resp.class",
    "Class",
    base=HEX,
    names=CLASS_NAMES,
    explain="The record's class: almost always IN, the Internet.",
)
CACHE_FLUSH = Flag(
    "dns.resp.cache_flush",
    "Cache flush",
    0x8000,
    2,
    text=TRUE_FALSE,
    explain="Cache flush (mDNS): this record replaces any cached ones for the name.",
)
TTL = U32(
    "dns.resp.ttl",
    "Time to live",
    text=lambda v: f"{v} ({duration(v)})",
    explain=lambda v, _l: (
        f"Time to live {v} s: how long resolvers may cache this record before asking again."
    ),
)
RDLEN = U16("dns.resp.len", "Data length", explain="Length of the record's data in bytes.")
A = IPv4("dns.a", "Address", explain="The IPv4 address the name resolves to.")
AAAA = IPv6("dns.aaaa", "AAAA Address", explain="The IPv6 address the name resolves to.")
CNAME = Text(
    "dns.cname",
    "CNAME",
    explain="The canonical name: the name is an alias for this one, which the resolver "
    "looks up instead.",
)
NS = Text("dns.ns", "Name Server", explain="A name server in charge of the zone.")
PTR = Text(
    "dns.ptr.domain_name",
    "Domain Name",
    explain="The name a reverse lookup (an address written under in-addr.arpa or ip6.arpa) "
    "points to.",
)
MX_PREF = U16(
    "dns.mx.preference",
    "Preference",
    explain="Preference: mail goes to the mail exchanger with the lowest number first.",
)
MX_HOST = Text(
    "dns.mx.mail_exchange",
    "Mail Exchange",
    explain="A mail server that accepts mail for the domain.",
)
TXT_LEN = U8("dns.txt.length", "TXT Length", explain="Length of one text string of the record.")
TXT = Text(
    "dns.txt",
    "TXT",
    explain="Free text the domain publishes (SPF mail policies, ownership proofs...).",
)
SPF_LEN = U8("dns.spf.length", "SPF Length", explain="Length of one text string of the SPF record.")
SPF = Text(
    "dns.spf",
    "SPF",
    explain="An SPF mail policy: which servers may send mail for the domain (obsolete "
    "record type).",
)
HINFO_CPU_LEN = U8("dns.hinfo.cpu_length", "CPU Length", explain="Length of the CPU string.")
HINFO_CPU = Text("dns.hinfo.cpu", "CPU", explain="The host's CPU type, as the record claims.")
HINFO_OS_LEN = U8("dns.hinfo.os_length", "OS Length", explain="Length of the OS string.")
HINFO_OS = Text("dns.hinfo.os", "OS", explain="The host's operating system, as the record claims.")
SOA_MNAME = Text(
    "dns.soa.mname",
    "Primary name server",
    explain="The zone's primary name server: where its master copy lives.",
)
SOA_RNAME = Text(
    "dns.soa.rname",
    "Responsible authority's mailbox",
    explain="The mailbox of the zone's administrator (the first dot stands for @).",
)
SOA_NUMBERS = (
    U32("dns.soa.serial_number", "Serial Number",
        explain="The zone's version number: secondaries copy the zone again when it grows."),
    U32("dns.soa.refresh_interval", "Refresh Interval",
        explain="How often, in seconds, secondary servers check for a new version of the zone."),
    U32("dns.soa.retry_interval", "Retry Interval",
        explain="How long, in seconds, a secondary waits before retrying a failed check."),
    U32("dns.soa.expire_limit", "Expire limit",
        explain="How long, in seconds, a secondary keeps answering without reaching the primary."),
    U32("dns.soa.minimum_ttl", "Minimum TTL",
        explain="How long, in seconds, resolvers may cache a \"no such name\" answer."),
)  # fmt: skip
SRV_SERVICE = Text(
    "dns.srv.service", "Service", explain="The service the SRV record is for (such as _sip)."
)
SRV_PROTO = Text(
    "dns.srv.proto", "Protocol", explain="The transport of that service (_tcp or _udp)."
)
SRV_NAME = Text("dns.srv.name", "Name", explain="The domain the service is offered in.")
SRV_PRIORITY = U16(
    "dns.srv.priority",
    "Priority",
    explain="Priority: clients try the target with the lowest number first.",
)
SRV_WEIGHT = U16(
    "dns.srv.weight",
    "Weight",
    explain="Weight: among targets of one priority, how often each is picked.",
)
SRV_PORT = U16("dns.srv.port", "Port", explain="The port the service listens on.")
SRV_TARGET = Text("dns.srv.target", "Target", explain="The host that provides the service.")
NSEC_NEXT = Text(
    "dns.nsec.next_domain_name",
    "Next Domain Name",
    explain="The next name in the signed zone: proves (DNSSEC) that no name exists in between.",
)
UDP_SIZE = U16(
    "dns.rr.udp_payload_size",
    "UDP payload size",
    explain="EDNS: the biggest UDP answer the sender can receive.",
)
EXT_RCODE = U8(
    "dns.resp.ext_rcode",
    "Higher bits in extended RCODE",
    base=HEX,
    explain="EDNS: the upper bits of an extended reply code.",
)
EDNS_VERSION = U8(
    "dns.resp.edns0_version", "EDNS0 version", explain="EDNS version the sender speaks (0)."
)
Z_DO = Flag(
    "dns.resp.z.do",
    "DO bit",
    0x8000,
    2,
    text=true_false("Accepts DNSSEC security RRs", "Cannot handle DNSSEC security RRs"),
    explain="DNSSEC OK: the sender wants DNSSEC signatures in the answer.",
)
Z_RESERVED = Bits(
    "dns.resp.z.reserved", "Reserved", 2, mask=0x7FFF, base=HEX, explain=EXPLAIN_RESERVED
)
EDNS_Z = U16("dns.resp.z", "Z", base=HEX, children=(Z_DO, Z_RESERVED), explain="EDNS flags.")
OPT = Str("dns.opt", "Option", explain="One EDNS option: code, length and data.")
OPT_CODE = U16(
    "dns.opt.code",
    "Option Code",
    names=OPT_CODES,
    explain="Which EDNS option this is (cookie, client subnet, padding...).",
)
OPT_LEN = U16("dns.opt.len", "Option Length", explain="Length of the option's data in bytes.")
OPT_DATA = Bytes(
    "dns.opt.data",
    "Option Data",
    explain="The data of an option this tool does not decode further.",
)
COOKIE_CLIENT = Bytes(
    "dns.opt.cookie.client",
    "Client Cookie",
    explain="Client cookie: a random value that lets the client recognise "
    "genuine answers (RFC 7873).",
)
COOKIE_SERVER = Bytes(
    "dns.opt.cookie.server",
    "Server Cookie",
    explain="Server cookie: lets the server recognise a client it has talked to.",
)
ECS_FAMILY = U16(
    "dns.opt.client.family",
    "Family",
    names={1: "IPv4", 2: "IPv6"},
    explain="Address family of the client subnet (1 IPv4, 2 IPv6).",
)
ECS_SOURCE = U8(
    "dns.opt.client.netmask",
    "Source Netmask",
    explain="How many leading bits of the client's address the resolver reveals.",
)
ECS_SCOPE = U8(
    "dns.opt.client.scope",
    "Scope Netmask",
    explain="How many leading bits the answer is valid for.",
)
ECS_ADDR = Bytes(
    "dns.opt.client.addr",
    "Client Subnet",
    explain="The client's subnet: lets the server pick an answer close to the client (RFC 7871).",
)
ECS_ADDR4 = IPv4(
    "dns.opt.client.addr4",
    "Client Subnet",
    explain="The client's IPv4 subnet: lets the server pick an answer close to the "
    "client (RFC 7871).",
)
ECS_ADDR6 = IPv6(
    "dns.opt.client.addr6",
    "Client Subnet",
    explain="The client's IPv6 subnet: lets the server pick an answer close to the "
    "client (RFC 7871).",
)
RDATA = Bytes(
    "dns.data", "Data", explain="The record's data, for a type this tool does not decode."
)
EXTRA_DATA = Bytes(
    "dns.extraneous.data",
    "Extraneous Data Bytes",
    explain="Bytes after the last record the counts announced: not part of the message.",
)
EXTRA_LEN = Int(
    "dns.extraneous.length",
    "Extraneous Data Length",
    generated=True,
    explain="How many bytes follow the last record.",
)


class _Short(Exception):
    """The message's bytes ran out (internal: raised by readers, caught in the tail)."""

    def __init__(self, pos: int, needed: int, what: str) -> None:
        super().__init__(what)
        self.pos, self.needed, self.what = pos, needed, what

    def again(self) -> _Short:
        return _Short(self.pos, self.needed, self.what)


class _Bad(Exception):
    """The bytes contradict themselves (internal: bad label type, pointer out of range)."""

    def __init__(self, pos: int, code: str, message: str) -> None:
        super().__init__(message)
        self.pos, self.code, self.message = pos, code, message

    def again(self) -> _Bad:
        return _Bad(self.pos, self.code, self.message)


class _Msg:
    """One DNS message being decoded: its bounds, the layer, and the Info parts so far.

    tail() reads the message with fields off (the list needs only the Info and the issues)
    and leaves this object in layer.state with what it read: the header, each question and
    record head, the names. detail() builds the fields from those, reading again only the
    record data (its names come from `names`)."""

    __slots__ = ("data", "layer", "start", "end", "mdns", "partial", "info", "loops", "raw_len",
                 "hops_left", "fields", "names", "length", "ident", "flags", "counts", "items",
                 "extra")  # fmt: skip

    def __init__(self, data: Any, layer: Layer, start: int, end: int, mdns: bool) -> None:
        self.data, self.layer, self.start, self.end, self.mdns = data, layer, start, end, mdns
        self.partial = False  # over TCP: the message continues in a later segment
        self.info: list[str] = []
        self.loops = self.raw_len = 0
        self.hops_left = MAX_HOPS + int((end - start) * HOPS_PER_BYTE)
        self.fields = False  # detail() turns fields on
        self.names: dict[int, tuple[str, int, int] | _Short | _Bad] = {}  # by offset
        self.length: int | None = None  # over TCP: the 2-byte length before the message
        self.ident = 0
        self.flags: int | None = None  # None: the header could not be read
        self.counts: list[int] = []  # the section counts read
        # questions (pos, own length, type, class, name, name length, None) and record
        # heads (pos, own length, type, class, name, TTL, data length, section field)
        self.items: list[tuple[Any, ...]] = []
        self.extra: int | None = None  # where bytes after the last record begin

    def add(
        self, spec: FieldSpec, pos: int, length: int, value: Any, mask: int, parent: Field | None
    ) -> Field | None:
        """A field under parent (None: top level) once detail() turns fields on; nothing
        while tail() reads."""
        if self.fields:
            return self.layer.add(spec, pos, length, value, mask, parent)
        return None

    def need(self, pos: int, n: int, what: str) -> None:
        if pos + n > self.end:
            raise _Short(pos, n, what)

    def past_end(self, at: int, target: int) -> None:
        """A compression pointer aims past the bytes we have: cut capture or bad pointer."""
        pkt = self.layer.packet if self.layer is not None else None
        cut = pkt is not None and pkt.caplen < pkt.wirelen and self.end >= pkt.caplen
        if cut or self.partial:
            raise _Short(target, 1, "DNS compression pointer target")
        raise _Bad(at, "dns.name.pointer.bad", f"compression pointer to offset {target - self.start} "
                   f"is past the end of the {self.end - self.start}-byte message")  # fmt: skip

    def u8(self, pos: int) -> int:
        if pos + 1 > self.end:
            raise _Short(pos, 1, "DNS field")
        return self.data[pos]

    def u16(self, pos: int) -> int:
        if pos + 2 > self.end:
            raise _Short(pos, 2, "DNS field")
        data = self.data
        return (data[pos] << 8) | data[pos + 1]

    def u32(self, pos: int) -> int:
        if pos + 4 > self.end:
            raise _Short(pos, 4, "DNS field")
        data = self.data
        v = data[pos]  # compiled: an unsigned long, so the shift cannot overflow
        return (v << 24) | (data[pos + 1] << 16) | (data[pos + 2] << 8) | data[pos + 3]


# -- names ------------------------------------------------------------------------------
def read_name(m: _Msg, pos: int) -> tuple[str, int]:
    """Expand the (possibly compressed) name at `pos`.

    Returns (name, bytes the name takes at `pos`): a pointer ends the name's own bytes.
    Names Wireshark cannot show come back as its placeholders: <Root>, <Name too long>,
    <Name contains a pointer that loops>, <Unknown extended label>.
    """
    labels, own, problem = _collect_labels(m, pos)
    total = max(0, len(labels) - 1)
    for label in labels:
        total += len(label)
    if problem == LOOP:
        m.loops += 1
    if problem or total > MAX_NAME or not labels:
        name = problem or ("<Name too long>" if total > MAX_NAME else "<Root>")
        m.raw_len = len(name)  # Wireshark's name length: wire bytes, or the placeholder's text
        return name, own
    m.raw_len = total
    return b".".join(labels).decode("utf-8", "replace"), own


LOOP = "<Name contains a pointer that loops>"
UNKNOWN_LABEL = "<Unknown extended label>"


def _collect_labels(m: _Msg, pos: int) -> tuple[list[bytes], int, str]:
    """(labels, own length, problem placeholder or ""). Pointers are offsets from the message
    start; a chain that has processed as many bytes as the message holds (Wireshark's test)
    or taken MAX_HOPS jumps is a loop. Once a name is too long and its own length known, stop."""
    labels: list[bytes] = []
    data, end = m.data, m.end  # m.u8 and m.need inlined: this loop runs once per label
    cur, own, hops, seen, total = pos, -1, 0, 0, 0
    while True:
        if cur >= end:
            raise _Short(cur, 1, "DNS field")
        n = data[cur]
        kind = n & 0xC0
        if kind == 0xC0:
            if cur + 1 >= end:
                raise _Short(cur + 1, 1, "DNS field")
            target = m.start + (((n & 0x3F) << 8) | data[cur + 1])
            own = cur + 2 - pos if own < 0 else own
            hops, seen = hops + 1, seen + 2
            m.hops_left -= 1
            if seen >= m.end - m.start or hops > MAX_HOPS or m.hops_left < 0:
                return labels, own, LOOP
            if target >= m.end:
                m.past_end(cur, target)
            cur = target
            continue
        if kind == 0x80:
            raise _Bad(cur, "dns.name.label.bad", f"label type 0x80 at offset {cur} is reserved")
        if n == 0:
            return labels, (cur + 1 - pos if own < 0 else own), ""
        if kind == 0x40:  # extended label types (RFC 6891 section 5; bit-strings are obsolete)
            if cur == pos:  # nothing before it: Wireshark gives up on the message
                raise _Bad(
                    cur, "dns.name.label.bad", f"extended label type 0x{n:02x} at offset {cur}"
                )
            return labels, (cur + 1 - pos if own < 0 else own), UNKNOWN_LABEL
        if cur + 1 + n > end:
            raise _Short(cur + 1, n, "DNS name label")
        labels.append(data[cur + 1 : cur + 1 + n])  # data is bytes: the slice is a copy
        total += n + (1 if len(labels) > 1 else 0)
        seen += 1 + n
        cur += 1 + n
        if total > MAX_NAME and own >= 0:
            return labels, own, ""  # too long; its own bytes are known: stop expanding


def _name(m: _Msg, pos: int) -> tuple[str, int]:
    """read_name, once per offset: tail() keeps each result (or the error it raised) and
    detail() takes it back, as its budget of pointer jumps is tail()'s, not a fresh one."""
    got = m.names.get(pos)
    if got is None:
        try:
            name, own = read_name(m, pos)
        except (_Short, _Bad) as exc:
            m.names[pos] = exc.again()
            raise
        m.names[pos] = (name, own, m.raw_len)
        return name, own
    if not isinstance(got, tuple):  # the _Short or _Bad that reading it raised
        raise got.again()
    name, own, m.raw_len = got
    return name, own


def _add_name(m: _Msg, spec: FieldSpec, pos: int, parent: Field | None) -> tuple[str, int]:
    name, n = _name(m, pos)
    m.add(spec, pos, n, name, 0, parent)
    return name, n


# -- the message --------------------------------------------------------------------------
def _tail(data: Any, layer: Layer) -> None:
    """Info and issues from one read of the message with fields off; the fields wait for
    detail() (layer.state keeps what the read found)."""
    start, end = layer.pos, layer.payload_end
    partial = False
    length = None
    if _over_tcp(layer):
        bounds = _tcp_message(data, layer)
        if bounds is None:
            return
        start, end, partial = bounds
        length = int.from_bytes(data[layer.pos : layer.pos + 2], "big")
    m = _Msg(data, layer, start, end, layer.protocol is MDNS)
    m.partial = partial
    m.length = length
    layer.hdr_len = end - layer.pos
    if layer.next is None:
        layer.payload_pos = end
    try:
        _message(m)
    except _Short as exc:
        _ran_out(m, exc)
    except _Bad as exc:
        layer.issue("error", "malformed", exc.code, exc.message, exc.pos, 1)
    if m.loops:
        layer.issue("error", "malformed", "dns.name.loop",
                    f"{m.loops} name(s) contain a compression pointer loop (or more than "
                    f"{MAX_HOPS} pointers in a row, or more in the message than its size "
                    "allows)", layer.pos, 0)  # fmt: skip
    # The state does not point back at its layer (detail() lends the layer to it): with
    # that cycle a released packet would wait for the cycle collector.
    m.layer = None
    layer.state = m


def _detail(data: Any, layer: Layer) -> None:
    """The message's fields, in wire order, from what tail() read: as far as it got."""
    m = layer.state
    if m is None:
        return
    m.layer, m.fields = layer, True
    try:
        _message_fields(data, layer, m)
    finally:
        m.layer = None


def _message_fields(data: Any, layer: Layer, m: _Msg) -> None:
    s = m.start
    if m.length is not None:
        layer.add(LENGTH, layer.pos, 2, m.length)
    if m.flags is None:
        return
    layer.add(ID, s, 2, m.ident)
    _add_flags(m, s + 2, m.flags)
    specs = _count_specs(m.flags)
    for i in range(min(len(specs), len(m.counts))):
        layer.add(specs[i], s + 4 + 2 * i, 2, m.counts[i])
    section, group = None, None
    try:
        for item in m.items:
            spec = QUERY if item[-1] is None else item[-1]
            if spec is not section:  # a section's records under its node ("Answers")
                section = spec
                group = layer.add(SECTION_NODES[spec], item[0], 0, "")
            if item[-1] is None:
                node = _question_fields(m, item, group)
            else:
                node = _record_fields(m, item, group)
            group.len = node.pos + node.len - group.pos
    except (_Short, _Bad):
        return  # the record data stops where tail() found it stops (and raised the issue)
    if m.extra is not None:
        layer.add(EXTRA_DATA, m.extra, m.end - m.extra, data[m.extra : m.end])
        layer.add(EXTRA_LEN, m.extra, 0, m.end - m.extra)


def _tcp_message(data: Any, layer: Layer) -> tuple[int, int, bool] | None:
    """DNS over TCP (RFC 1035 section 4.2.2): a 2-byte length, then the message. Returns the
    message's (start, end, continues-in-a-later-segment); a following message in the same
    segment becomes the next layer."""
    start, end = layer.pos, layer.payload_end
    if end - start < 2:  # a lone byte: the length itself continues in the next segment
        layer.hdr_len = end - start
        layer.issue("note", "sequence", "dns.length.partial",
                    "DNS-over-TCP length continues past this segment; layerscope does not "
                    "reassemble TCP", layer.pos, end - start)  # fmt: skip
        return None
    length = int.from_bytes(data[start : start + 2], "big")
    start += 2
    if start + length < end:
        layer.payload_pos = start + length
        layer.next = layer.protocol
        return start, start + length, False
    if start + length > end:
        layer.issue("note", "sequence", "dns.length.partial",
                    f"DNS message of {length} bytes continues past this segment ({end - start} "
                    "here); layerscope does not reassemble TCP", layer.pos, 2)  # fmt: skip
        return start, end, True
    return start, end, False


def _over_tcp(layer: Layer) -> bool:
    for below in reversed(layer.packet.layers):
        if below is layer or below.protocol.name in ("dns", "mdns", "llmnr"):
            continue
        return below.protocol.name == "tcp"
    return False


def _ran_out(m: _Msg, exc: _Short) -> None:
    """Bytes ended inside the message: a snap-length cut (truncated), the rest of a TCP
    segment or IP fragment still to come (noted), a short ICMP quote (expected), or else
    a message that contradicts its own counts and lengths (malformed)."""
    layer, pkt = m.layer, m.layer.packet
    have = max(0, m.end - exc.pos)
    at = min(exc.pos, m.end)  # the issue points at bytes that exist
    if pkt.caplen < pkt.wirelen and m.end >= pkt.caplen:
        layer.issue("warn", "truncated", "dns.truncated", f"{exc.what}: needs {exc.needed} bytes "
                    f"at offset {exc.pos}, only {have} captured", at, have)  # fmt: skip
    elif m.partial or pkt.ctx.in_error:
        return  # the partial segment is already noted; an ICMP quote ends early by design
    elif pkt.ctx.fragment:
        layer.issue("note", "sequence", "dns.fragment", "the DNS message continues in another IP "
                    "fragment; layerscope does not reassemble IP", at, 0)  # fmt: skip
    else:
        layer.issue("error", "malformed", "dns.malformed", f"{exc.what}: needs {exc.needed} bytes "
                    f"at offset {exc.pos}, only {have} present", at, have)  # fmt: skip


_COUNT_SPECS = (COUNT_QUERIES, COUNT_ANSWERS, COUNT_AUTH, COUNT_ADD)
_UPDATE_COUNT_SPECS = (COUNT_ZONES, COUNT_PREREQ, COUNT_UPDATES, COUNT_ADD)


def _count_specs(flags: int) -> tuple[FieldSpec, ...]:
    if (flags >> 11) & 0xF == 5:  # an update names its sections differently
        return _UPDATE_COUNT_SPECS
    return _COUNT_SPECS


def _message(m: _Msg) -> None:
    """tail()'s read of the message: the Info, and in m what detail() builds fields from."""
    s = m.start
    flags = m.u16(s + 2)  # read before adding anything, as Wireshark does
    ident = m.u16(s)
    m.ident, m.flags = ident, flags
    resp = bool(flags & 0x8000)
    opcode = (flags >> 11) & 0xF
    op = OPCODES.get(opcode)
    if op is None:
        op = f"Unknown operation ({opcode})"
    m.info.append(f"{op}{' response' if resp else ''} 0x{ident:04x}")
    if resp and flags & 0xF:
        m.info.append(RCODES.get(flags & 0xF, f"Unknown error ({flags & 0xF})"))
    counts = m.counts
    for i in range(4):
        counts.append(m.u16(s + 4 + 2 * i))
    pos = s + 12
    for _i in range(counts[0]):
        pos = _question(m, pos)
    for i in range(3):
        spec = SECTION_SPECS[i]
        for _i in range(counts[i + 1]):
            pos = _record(m, pos, spec)
    if pos < m.end:  # bytes after the last record the counts announce
        m.extra = pos
        m.layer.issue("note", "protocol", "dns.extraneous", f"{m.end - pos} bytes of extraneous "
                      "data after the last record", pos, m.end - pos)  # fmt: skip


def _flag_bits(*specs: FieldSpec) -> tuple[tuple[FieldSpec, int, int, bool], ...]:
    """(field, mask, shift, is a flag) for each flag field the header shows."""
    return tuple((s, s.mask, (s.mask & -s.mask).bit_length() - 1, s.kind == "flag") for s in specs)


# Wireshark shows different flag bits for queries and responses (and for LLMNR: RFC 4795
# section 2.1.1, C and T replace AA and RD); a query shows the AD bit only when a client
# sets it (RFC 6840 section 5.7).
_LLMNR_QUERY_FLAGS = _flag_bits(F_RESPONSE, F_OPCODE, F_CONFLICT, F_TC, F_TENTATIVE)
_LLMNR_RESPONSE_FLAGS = _flag_bits(F_RESPONSE, F_OPCODE, F_CONFLICT, F_TC, F_TENTATIVE, F_RCODE)
_RESPONSE_FLAGS = _flag_bits(F_RESPONSE, F_OPCODE, F_AA, F_TC, F_RD, F_RA, F_Z, F_AD, F_CD, F_RCODE)
_QUERY_FLAGS = _flag_bits(F_RESPONSE, F_OPCODE, F_TC, F_RD, F_Z, F_CD)
_QUERY_FLAGS_AD = _flag_bits(F_RESPONSE, F_OPCODE, F_TC, F_RD, F_Z, F_AD, F_CD)


def _add_flags(m: _Msg, pos: int, flags: int) -> None:
    """The flags field and the bits under it, as Wireshark shows them for this message."""
    f = m.add(FLAGS, pos, 2, flags, 0, None)
    resp = bool(flags & 0x8000)
    if m.layer.protocol is LLMNR:
        kids = _LLMNR_RESPONSE_FLAGS if resp else _LLMNR_QUERY_FLAGS
    elif resp:
        kids = _RESPONSE_FLAGS
    else:
        kids = _QUERY_FLAGS_AD if flags & 0x20 else _QUERY_FLAGS
    for spec, mask, shift, flag in kids:
        v = (flags & mask) >> shift
        if flag:
            m.add(spec, pos, 2, bool(v), mask, f)
        else:
            m.add(spec, pos, 2, v, mask, f)


def _question(m: _Msg, pos: int) -> int:
    """One question; like Wireshark, read it whole before adding any of its fields."""
    name, n = _name(m, pos)
    qtype, qclass = m.u16(pos + n), m.u16(pos + n + 2)
    m.items.append((pos, n, qtype, qclass, name, m.raw_len, None))
    short = _type_short(qtype)
    info = (', "QU" question' if qclass & 0x8000 else ', "QM" question') if m.mdns else ""
    m.info.append(f"{short} {name}{info}")
    return pos + n + 4


def _question_fields(m: _Msg, item: tuple[Any, ...], group: Field) -> Field:
    pos, n, qtype, qclass, name, raw_len, _ = item
    cls = qclass & 0x7FFF if m.mdns else qclass
    text = (', "QU" question' if qclass & 0x8000 else ', "QM" question') if m.mdns else ""
    short = _type_short(qtype)
    node = m.add(QUERY, pos, n + 4, f"{name}: type {short}, class {_class_name(cls)}{text}", 0,
                 group)  # fmt: skip
    m.add(QRY_NAME, pos, n, name, 0, node)
    m.add(QRY_NAME_LEN, pos, 0, raw_len, 0, node)
    m.add(LABELS, pos, 0, name.count(".") + 1, 0, node)
    m.add(QRY_TYPE, pos + n, 2, qtype, 0, node)
    m.add(QRY_CLASS, pos + n + 2, 2, cls, 0x7FFF if m.mdns else 0, node)
    if m.mdns:
        m.add(QRY_QU, pos + n + 2, 2, bool(qclass & 0x8000), 0x8000, node)
    return node


def _type_short(rtype: int) -> str:
    """The type's mnemonic (the fallback text is made only for an unknown type)."""
    short = TYPE_SHORT.get(rtype)
    return f"Unknown ({rtype})" if short is None else short


def _class_name(cls: int) -> str:
    name = CLASS_NAMES.get(cls)
    return f"Unknown (0x{cls:04x})" if name is None else name


def _record(m: _Msg, pos: int, section: FieldSpec) -> int:
    """One resource record: owner, type, class, TTL and length are read before any field
    is added (so a record cut short adds nothing, as in Wireshark), then the data."""
    name, n = _name(m, pos)
    p = pos + n
    rtype, rclass, ttl, rdlen = m.u16(p), m.u16(p + 2), m.u32(p + 4), m.u16(p + 8)
    m.need(p + 10, rdlen, "DNS record data")
    m.items.append((pos, n, rtype, rclass, name, ttl, rdlen, section))
    if rtype == 41:
        return _opt_record(m, pos, p + 2, None, name)
    flush = m.mdns and bool(rclass & 0x8000)
    short = _type_short(rtype)
    detail = _rdata(m, rtype, p + 10, rdlen, None)
    info = f"{short}, cache flush" if flush else short
    m.info.append(f"{info} {detail}" if detail else info)
    return p + 10 + rdlen


def _record_fields(m: _Msg, item: tuple[Any, ...], group: Field) -> Field:
    """The record's node, owner and fixed part, then its data (read again: that may stop
    where tail() found the bytes stop, raising as it did)."""
    pos, n, rtype, rclass, name, ttl, rdlen, section = item
    p = pos + n
    node = m.add(section, pos, n + 10, "", 0, group)
    parts = name.split(".", 2)
    if rtype == 33 and len(parts) == 3:  # _service._proto.name (RFC 2782)
        m.add(SRV_SERVICE, pos, n, parts[0], 0, node)
        m.add(SRV_PROTO, pos, n, parts[1], 0, node)
        m.add(SRV_NAME, pos, n, parts[2], 0, node)
    else:
        m.add(RESP_NAME, pos, n, name, 0, node)
    m.add(RESP_TYPE, p, 2, rtype, 0, node)
    if rtype == 41:
        _opt_record(m, pos, p + 2, node, name)
        return node
    cls = rclass & 0x7FFF if m.mdns else rclass
    flush = m.mdns and bool(rclass & 0x8000)
    m.add(RESP_CLASS, p + 2, 2, cls, 0x7FFF if m.mdns else 0, node)
    if m.mdns:
        m.add(CACHE_FLUSH, p + 2, 2, flush, 0x8000, node)
    m.add(TTL, p + 4, 4, ttl, 0, node)
    m.add(RDLEN, p + 8, 2, rdlen, 0, node)
    short = _type_short(rtype)
    node.value = f"{name}: type {short}, class {_class_name(cls)}" + (
        ", cache flush" if flush else ""
    )
    _rdata(m, rtype, p + 10, rdlen, node)
    node.len = p + 10 + rdlen - pos
    return node


def _rdata(m: _Msg, rtype: int, rd: int, rdlen: int, node: Field | None) -> str:
    """Add the record data fields and extend the record's tree line; returns the text
    Wireshark appends to the Info column for this record ("" for none)."""
    detail = suffix = ""
    if rtype == 1 and rdlen == 4 or rtype == 28 and rdlen == 16:
        raw = m.data[rd : rd + rdlen]
        detail = ipv4_str(raw) if rtype == 1 else ipv6_str(raw)
        m.add(A if rtype == 1 else AAAA, rd, rdlen, detail, 0, node)
        suffix = f"addr {detail}"
    elif rtype in NAME_RDATA and rdlen:
        spec, word = NAME_RDATA[rtype]
        detail, n = _add_name(m, spec, rd, node)
        suffix = f"{word} {detail}" if word else detail
        if rtype == 47:
            _type_bitmap(m, rd + n, rd + rdlen, node)
    elif rtype == 6 and rdlen:
        detail, suffix = _soa(m, rd, rdlen, node)
    elif rtype == 13 and rdlen:
        detail, suffix = _hinfo(m, rd, rdlen, node)
    elif rtype == 15 and rdlen:
        detail, suffix = _mx(m, rd, rdlen, node)
    elif rtype == 33 and rdlen >= 7:
        detail, suffix = _srv(m, rd, rdlen, node)
    elif rtype == 16:
        _strings(m, rd, rd + rdlen, node, _TXT_STRINGS)
    elif rtype == 99:
        _strings(m, rd, rd + rdlen, node, _SPF_STRINGS)
    elif rdlen:
        _rest(m, rd, rd + rdlen, node)
    if suffix and node is not None:
        node.value += f", {suffix}"
    return detail


def _mx(m: _Msg, rd: int, rdlen: int, node: Field | None) -> tuple[str, str]:
    pref = m.u16(rd)
    m.add(MX_PREF, rd, 2, pref, 0, node)
    host, _n = _add_name(m, MX_HOST, rd + 2, node)
    return f"{pref} {host}", f"preference {pref}, mx {host}"


def _srv(m: _Msg, rd: int, rdlen: int, node: Field | None) -> tuple[str, str]:
    priority, weight, port = m.u16(rd), m.u16(rd + 2), m.u16(rd + 4)
    m.add(SRV_PRIORITY, rd, 2, priority, 0, node)
    m.add(SRV_WEIGHT, rd + 2, 2, weight, 0, node)
    m.add(SRV_PORT, rd + 4, 2, port, 0, node)
    target, _n = _add_name(m, SRV_TARGET, rd + 6, node)
    return (f"{priority} {weight} {port} {target}",
            f"priority {priority}, weight {weight}, port {port}, target {target}")  # fmt: skip


def _hinfo(m: _Msg, rd: int, rdlen: int, node: Field | None) -> tuple[str, str]:
    cpu, os_ = _strings(m, rd, rd + rdlen, node, _HINFO_STRINGS)
    return f"{cpu} {os_}", f"CPU {cpu}, OS {os_}"


# Record types whose data is one name: (field, word before it on the tree line).
NAME_RDATA = {
    2: (NS, "ns"),
    5: (CNAME, "cname"),
    12: (PTR, ""),
    47: (NSEC_NEXT, "next domain name"),
}


def _type_bitmap(m: _Msg, start: int, end: int, node: Field | None) -> None:
    """NSEC type bit map (RFC 4034 section 4.1.2): one dns.resp.type per set bit."""
    p = start
    while p + 2 <= end:
        window, n = m.u8(p), m.u8(p + 1)
        m.need(p + 2, n, "NSEC type bit map")
        for i in range(min(n, 32) if m.fields else 0):
            byte = m.data[p + 2 + i]
            for bit in range(8):
                if byte & (0x80 >> bit):
                    m.add(RESP_TYPE, p + 2 + i, 1, window * 256 + i * 8 + bit, 0, node)
        p += 2 + n


def _rest(m: _Msg, start: int, end: int, node: Field | None) -> None:
    if end > start:
        m.need(start, end - start, "DNS record data")
        if m.fields:
            m.add(RDATA, start, end - start, m.data[start:end], 0, node)


def _soa(m: _Msg, rd: int, rdlen: int, node: Field | None) -> tuple[str, str]:
    mname, n1 = _add_name(m, SOA_MNAME, rd, node)
    _rname, n2 = _add_name(m, SOA_RNAME, rd + n1, node)
    p = rd + n1 + n2
    for i in range(5):
        m.add(SOA_NUMBERS[i], p + 4 * i, 4, m.u32(p + 4 * i), 0, node)
    return mname, f"mname {mname}"


# Character-string fields (length, text): TXT and SPF repeat their one pair, HINFO has two.
_TXT_STRINGS = ((TXT_LEN, TXT),)
_SPF_STRINGS = ((SPF_LEN, SPF),)
_HINFO_STRINGS = ((HINFO_CPU_LEN, HINFO_CPU), (HINFO_OS_LEN, HINFO_OS))


def _strings(
    m: _Msg,
    start: int,
    end: int,
    node: Field | None,
    specs: tuple[tuple[FieldSpec, FieldSpec], ...],
) -> list[str]:
    """Length-prefixed character strings (RFC 1035 section 3.3): TXT and SPF take as many
    as the data holds (one spec pair, repeated); HINFO takes exactly its two."""
    p, out = start, []
    most = len(specs) if len(specs) > 1 else 65536
    while p < end and len(out) < most:
        len_spec, spec = specs[min(len(out), len(specs) - 1)]
        n = m.u8(p)
        m.add(len_spec, p, 1, n, 0, node)
        m.need(p + 1, n, f"DNS {spec.label} string")
        text = m.data[p + 1 : p + 1 + n].decode("utf-8", "replace")
        m.add(spec, p + 1, n, text, 0, node)
        out.append(text)
        p += 1 + n
    return out + [""] * (len(specs) - len(out))


def _opt_record(m: _Msg, pos: int, p: int, node: Field | None, name: str) -> int:
    """EDNS(0) OPT pseudo-record (RFC 6891): class is the UDP size, TTL the extended flags."""
    size, z, rdlen = m.u16(p), m.u16(p + 4), m.u16(p + 6)
    if node is None:
        m.info.append("OPT")
    else:
        _opt_fields(m, p, node, size, z, rdlen)
        node.value = f"{name}: type OPT"
    rd = p + 8
    q, end = rd, rd + rdlen
    while q < end:
        code, olen = m.u16(q), m.u16(q + 2)
        m.need(q + 4, olen, "EDNS option data")  # before any field claims those bytes
        if node is not None:
            _opt_option(m, q, node, code, olen)
        q += 4 + olen
    if node is not None:
        node.len = end - pos
    return end


def _opt_fields(m: _Msg, p: int, node: Field, size: int, z: int, rdlen: int) -> None:
    mdns = m.mdns
    m.add(UDP_SIZE, p, 2, size & 0x7FFF if mdns else size, 0x7FFF if mdns else 0, node)
    if mdns:
        m.add(CACHE_FLUSH, p, 2, bool(size & 0x8000), 0x8000, node)
    m.add(EXT_RCODE, p + 2, 1, m.data[p + 2], 0, node)
    m.add(EDNS_VERSION, p + 3, 1, m.data[p + 3], 0, node)
    zf = m.add(EDNS_Z, p + 4, 2, z, 0, node)
    m.add(Z_DO, p + 4, 2, bool(z & 0x8000), 0x8000, zf)
    m.add(Z_RESERVED, p + 4, 2, z & 0x7FFF, 0x7FFF, zf)
    m.add(RDLEN, p + 6, 2, rdlen, 0, node)


def _opt_option(m: _Msg, q: int, node: Field, code: int, olen: int) -> None:
    opt = m.add(OPT, q, 4 + olen, OPT_CODES.get(code, f"Unknown ({code})"), 0, node)
    m.add(OPT_CODE, q, 2, code, 0, opt)
    m.add(OPT_LEN, q + 2, 2, olen, 0, opt)
    m.add(OPT_DATA, q + 4, olen, m.data[q + 4 : q + 4 + olen], 0, opt)
    _opt_detail(m, code, q + 4, olen, opt)


def _opt_detail(m: _Msg, code: int, p: int, n: int, opt: Field) -> None:
    """The EDNS options worth spelling out: client subnet (RFC 7871), cookie (RFC 7873)."""
    data = m.data
    if code == 10 and n >= 8:
        m.add(COOKIE_CLIENT, p, 8, data[p : p + 8], 0, opt)
        if n > 8:
            m.add(COOKIE_SERVER, p + 8, n - 8, data[p + 8 : p + n], 0, opt)
    elif code == 8 and n >= 4:
        family = (data[p] << 8) | data[p + 1]
        m.add(ECS_FAMILY, p, 2, family, 0, opt)
        m.add(ECS_SOURCE, p + 2, 1, data[p + 2], 0, opt)
        m.add(ECS_SCOPE, p + 3, 1, data[p + 3], 0, opt)
        raw = data[p + 4 : p + n]
        if family == 1 and len(raw) <= 4:
            m.add(ECS_ADDR4, p + 4, n - 4, ipv4_str(raw.ljust(4, b"\0")), 0, opt)
        elif family == 2 and len(raw) <= 16:
            m.add(ECS_ADDR6, p + 4, n - 4, ipv6_str(raw.ljust(16, b"\0")), 0, opt)
        elif raw:
            m.add(ECS_ADDR, p + 4, n - 4, raw, 0, opt)


# -- protocol declarations ------------------------------------------------------------------
def _info(layer: Layer) -> str:
    m = layer.state
    return " ".join(m.info) if m is not None else ""


def _describe(title: str) -> Any:
    def describe(layer: Layer) -> str:
        kept = layer.state  # the flags tail() read: looking them up in fields would build them
        flags = kept.flags if kept is not None else None
        if flags is None:
            return title
        return f"{title} ({'response' if flags & 0x8000 else 'query'})"

    return describe


COLOUR = "#afd75f"  # DNS and the two protocols that reuse its message format
EXPLAIN = ("DNS turns names such as example.com into addresses (and back): a client sends a "
           "query, a server answers with resource records.")  # fmt: skip

DNS = Protocol(
    "dns", "Domain Name System", osi=Osi.APPLICATION, short="DNS", tail=_tail, detail=_detail,
    info=_info, describe=_describe("Domain Name System"), state=_Msg, colour=COLOUR,
    explain=EXPLAIN,
)  # fmt: skip
MDNS = Protocol(
    "mdns", "Multicast Domain Name System", osi=Osi.APPLICATION, short="MDNS", tail=_tail,
    detail=_detail, info=_info, describe=_describe("Multicast Domain Name System"),
    state=_Msg, colour=COLOUR,
    explain="Multicast DNS lets hosts on one link resolve .local names and discover services "
    "without a DNS server: queries and answers go to a multicast group.",
)  # fmt: skip
LLMNR = Protocol(
    "llmnr", "Link-local Multicast Name Resolution", osi=Osi.APPLICATION, short="LLMNR", tail=_tail,
    detail=_detail, info=_info, describe=_describe("Link-local Multicast Name Resolution"),
    state=_Msg, colour=COLOUR,
    explain="LLMNR lets Windows hosts on one link resolve each other's names without a DNS "
    "server, using DNS-format messages sent to a multicast group.",
)  # fmt: skip

NBNS_PORT = 137  # NetBIOS names travel in DNS-shaped messages; Wireshark binds this port to NBNS


def _looks_like_dns(data: Any, start: int, end: int, layer: Layer) -> bool:
    """Wireshark's UDP heuristic: a standard query or response with few records, every
    one of them well encoded inside the datagram."""
    if end - start <= 12 or NBNS_PORT in (layer.value("udp.srcport"), layer.value("udp.dstport")):
        return False
    flags, quest, ans, auth, add = (
        _u16(data, start + 2), _u16(data, start + 4), _u16(data, start + 6),
        _u16(data, start + 8), _u16(data, start + 10),
    )  # fmt: skip
    if flags & 0x7800:
        return False
    if flags & 0x8000:
        if quest > 1 or ans > 100 or auth > 10:
            return False
    elif quest != 1 or ans or auth:
        return False
    if add > 10 or quest + ans + auth + add == 0:
        return False
    return _records_fit(data, start, end, quest, ans + auth + add)


def _u16(data: bytes, pos: int) -> int:
    return (data[pos] << 8) | data[pos + 1]


def _records_fit(data: Any, start: int, end: int, quest: int, rrs: int) -> bool:
    m = _Msg(data, None, start, end, False)  # type: ignore[arg-type]  # no layer: nothing is added
    pos = start + 12
    try:
        for i in range(quest + rrs):
            name, n = read_name(m, pos)
            pos += n + 4
            if i >= quest:
                m.need(pos, 6, "record")
                pos += 6 + m.u16(pos + 4)
            m.need(pos - 1, 1, "record")
    except (_Short, _Bad):
        return False
    return not m.loops


# Request/response links, made by the stream pass (dissect/streams): they need both packets.
RESPONSE_IN = Int("dns.response_in", "Response In", generated=True,
                  explain=lambda v, _l: f"The answer to this query is frame {v}.")  # fmt: skip
RESPONSE_TO = Int("dns.response_to", "Request In", generated=True,
                  explain=lambda v, _l: f"This answers the query in frame {v}.")  # fmt: skip
TIME = Float("dns.time", "Time", generated=True, unit=" seconds",
             explain=lambda v, _l: f"The answer came {v} s after the query.")  # fmt: skip


def settled_message(data: Any, start: int, end: int) -> bool:
    """Whether tail() reads the DNS message over UDP from start to end without a mark
    (Settled's walk): its questions and records all there, every name plain labels
    ending in a root label, or such labels then one pointer to where a name read before
    without a pointer has a label (so no chain can loop or run out), every record an
    address record of an address's length (whose data _rdata reads as it is). Bytes after
    the last record are only noted. Anything else is left to the decoder."""
    if end - start < 12:
        return False
    heads: set[int] = set()  # where a label of a pointer-free name starts
    pos = start + 12
    for i in range(4):
        for _j in range(_u16(data, start + 4 + 2 * i)):  # each moves on by 5 bytes or more
            pos = _settled_name(data, start, pos, end, heads)
            if pos < 0 or pos + (4 if i == 0 else 10) > end:
                return False
            if i == 0:
                pos += 4
                continue
            rtype, rdlen = _u16(data, pos), _u16(data, pos + 8)
            if not (rtype == 1 and rdlen == 4 or rtype == 28 and rdlen == 16):
                return False
            pos += 10 + rdlen
            if pos > end:
                return False
    return True


def _settled_name(data: Any, start: int, pos: int, end: int, heads: set[int]) -> int:
    """Where the name at pos ends, when _collect_labels reads it without a problem of the
    kind settled_message allows; -1 otherwise."""
    labels: list[int] = []
    while pos < end:  # each label moves on by at least one byte
        n = data[pos]
        if n == 0:
            heads.update(labels)
            return pos + 1
        if n & 0xC0 == 0xC0:
            if pos + 1 >= end or start + ((n & 0x3F) << 8 | data[pos + 1]) not in heads:
                return -1
            return pos + 2
        if n & 0xC0 or pos + 1 + n > end:
            return -1  # an extended or reserved label type, or a label past the end
        labels.append(pos)
        pos += 1 + n
    return -1


bind("udp.port", 53, DNS)
settle(DNS, Settled(walk=settled_message, over=frozenset({"udp"})))
bind_heuristic("udp.port", DNS, _looks_like_dns, min_len=13)  # a header and one byte
bind("tcp.port", 53, DNS)
bind("udp.port", 5353, MDNS)
bind("tcp.port", 5353, DNS)
bind("udp.port", 5355, LLMNR)
