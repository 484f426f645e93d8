"""NetBIOS Name Service (RFC 1001, RFC 1002 section 4.2) on UDP port 137.

The message has DNS's shape (header, questions, resource records; RFC 1002 4.2.1) but
its own names and meanings: a NetBIOS name is 16 bytes (15 characters and a type byte)
in "first-level encoding", each half-byte written as a letter 'A'-'P' (RFC 1001 section
14.1), then an optional scope of DNS labels; names may be compressed by pointers as in
DNS. Answers of type NB hold (flags, IPv4 address) pairs; NBSTAT answers hold a node's
name table and adapter statistics (RFC 1002 4.2.18). LLMNR, which uses DNS's own format,
is decoded by dns.py; this file reads NetBIOS names, which DNS's parser does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..names import duration, true_false
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
    IPv4,
    Layer,
    Mac,
    Osi,
    Protocol,
    Str,
    Text,
    bind,
    ipv4_str,
    mac_str,
)

MAX_HOPS = 16  # compression pointers followed per name
MAX_RECORDS = 256  # questions and records read per message; more is no real traffic
NB, NBSTAT = 32, 33

OPCODES = {0: "Name query", 5: "Registration", 6: "Release", 7: "Wait for acknowledgment",
           8: "Refresh", 9: "Refresh (alternate opcode)", 15: "Multi-homed registration"}  # fmt: skip
WACK = 7
RCODES = {0: "No error", 1: "Request was invalidly formatted", 2: "Server failure",
          3: "Requested name does not exist", 4: "Request is not implemented",
          5: "Request was refused", 6: "Name is owned by another node", 7: "Name is in conflict"}  # fmt: skip
TYPES = {NB: "NB", NBSTAT: "NBSTAT"}
CLASSES = {1: "IN", 2: "CS", 3: "CH", 4: "HS", 254: "NONE", 255: "ANY"}
NODE_TYPES = {0: "B-node", 1: "P-node", 2: "M-node", 3: "H-node"}
# The 16th byte of a NetBIOS name says what the name is for (Wireshark's table).
NAME_TYPES = {
    0x00: "Workstation/Redirector", 0x01: "Browser", 0x02: "Workstation/Redirector",
    0x03: "Messenger service/Main name", 0x05: "Forwarded name", 0x06: "RAS Server service",
    0x1B: "Domain Master Browser", 0x1C: "Domain Controllers", 0x1D: "Local Master Browser",
    0x1E: "Browser Election Service", 0x1F: "Net DDE Service", 0x20: "Server service",
    0x21: "RAS client service", 0x22: "Exchange Interchange (MSMail Connector)",
    0x23: "Exchange Store", 0x24: "Exchange Directory", 0x2B: "Lotus Notes Server service",
    0x30: "Modem sharing server service", 0x31: "Modem sharing client service",
    0x43: "SMS Clients Remote Control", 0x44: "SMS Administrators Remote Control Tool",
    0x45: "SMS Clients Remote Chat", 0x46: "SMS Clients Remote Transfer",
    0x4C: "DEC Pathworks TCP/IP Service on Windows NT",
    0x52: "DEC Pathworks TCP/IP Service on Windows NT", 0x6A: "Microsoft Exchange IMC",
    0x87: "Microsoft Exchange MTA", 0xBE: "Network Monitor Agent",
    0xBF: "Network Monitor Analyzer",
}  # fmt: skip
_SUFFIX = re.compile(r"<([0-9a-f]{2})>(?=\.|$)")


def _type_descr(name_type: int) -> str:
    return NAME_TYPES.get(name_type, "Unknown")


def _name_text(value: str) -> str:
    """A question's name with what its type byte means, as Wireshark shows it."""
    if value.endswith(")"):
        return value  # an answer's name, which carries it already
    m = _SUFFIX.search(value)
    return f"{value} ({_type_descr(int(m.group(1), 16))})" if m else value


# -- fields (Wireshark's nbns.* names) -----------------------------------------------------------
ID = U16("nbns.id", "Transaction ID", base=HEX,
         explain="Chosen by the asker; the answer repeats it so the two can be matched.")  # fmt: skip
F_RESPONSE = Flag("nbns.flags.response", "Response", 0x8000, 2,
                  text=true_false("Message is a response", "Message is a query"),
                  explain="Set in an answer, clear in a question.")  # fmt: skip
F_OPCODE = Bits("nbns.flags.opcode", "Opcode", 2, mask=0x7800, names=OPCODES,
                explain="What the message does: a name query, a registration, a release, a "
                "refresh, or a wait-for-acknowledgement.")  # fmt: skip
F_AUTH = Flag("nbns.flags.authoritative", "Authoritative", 0x0400, 2,
              text=true_false("Server is an authority for domain",
                              "Server is not an authority for domain"),
              explain="The answer comes from the name's owner or its name server.")  # fmt: skip
F_TRUNC = Flag("nbns.flags.truncated", "Truncated", 0x0200, 2,
               text=true_false("Message is truncated", "Message is not truncated"),
               explain="The message did not fit in the datagram.")  # fmt: skip
F_RD = Flag("nbns.flags.recdesired", "Recursion desired", 0x0100, 2,
            text=true_false("Do query recursively", "Don't do query recursively"),
            explain="The asker wants a name server to answer for the name's owner.")  # fmt: skip
F_RA = Flag("nbns.flags.recavail", "Recursion available", 0x0080, 2,
            text=true_false("Server can do recursive queries",
                            "Server can't do recursive queries"),
            explain="The answering name server can answer for others.")  # fmt: skip
F_BROADCAST = Flag("nbns.flags.broadcast", "Broadcast", 0x0010, 2,
                   text=true_false("Broadcast packet", "Not a broadcast packet"),
                   explain="The message went to every host on the subnet.")  # fmt: skip
F_RCODE = Bits("nbns.flags.rcode", "Reply code", 2, mask=0x000F, names=RCODES,
               explain="The outcome of a request: 0 no error, else why it failed.")  # fmt: skip
REQUEST_FLAGS = (F_RESPONSE, F_OPCODE, F_TRUNC, F_RD, F_BROADCAST)
RESPONSE_FLAGS = (F_RESPONSE, F_OPCODE, F_AUTH, F_TRUNC, F_RD, F_RA, F_BROADCAST, F_RCODE)
WACK_FLAGS = RESPONSE_FLAGS[:-1]


def _flags_text(v: int) -> str:
    """'0x8500, Response, Opcode: Name query, Authoritative, Recursion desired, Reply code:
    No error' (the bits that are set, as Wireshark's bitmask line)."""
    parts = [f"0x{v:04x}"]
    kids = RESPONSE_FLAGS if v & 0x8000 else REQUEST_FLAGS
    for spec in kids:
        bit = v & spec.mask
        if spec.kind == "flag":
            if bit:
                parts.append(spec.label)
        else:
            value = bit >> ((spec.mask & -spec.mask).bit_length() - 1)
            parts.append(f"{spec.label}: {spec.names.get(value, 'Unknown')}")
    return ", ".join(parts)


FLAGS = U16("nbns.flags", "Flags", base=HEX, text=_flags_text,
            children=(F_RESPONSE, F_OPCODE, F_AUTH, F_TRUNC, F_RD, F_RA, F_BROADCAST, F_RCODE),
            explain="Question or answer, what is asked, and the outcome.")  # fmt: skip
COUNTS = (
    U16("nbns.count.queries", "Questions", explain="How many questions follow."),
    U16("nbns.count.answers", "Answer RRs", explain="How many answer records follow."),
    U16("nbns.count.auth_rr", "Authority RRs", explain="How many authority records follow."),
    U16("nbns.count.add_rr", "Additional RRs",
        explain="How many additional records follow (a registration's own name and address)."),
)  # fmt: skip
SECTIONS = (
    Str("nbns.queries", "Queries", explain="The names asked about."),
    Str("nbns.answers", "Answers", explain="The records that answer the questions."),
    Str("nbns.authorities", "Authoritative nameservers",
        explain="Records of name servers in charge of the name."),
    Str("nbns.additionals", "Additional records",
        explain="Extra records: in a registration, the name and address being registered."),
)  # fmt: skip
QUERY = Text("nbns.query", "", explain="One question: a NetBIOS name, a type and a class.")
RECORD = Text("nbns.record", "",
              explain="One resource record: a name, its type, how long it is valid and its "
              "data.")  # fmt: skip
NAME = Text("nbns.name", "Name", text=_name_text,
            explain="A NetBIOS name: up to 15 characters and, in <>, the type byte that says "
            "what the name is for (<00> a workstation, <20> a file server...), then any "
            "scope.")  # fmt: skip
TYPE = U16("nbns.type", "Type", names=TYPES,
           explain="NB: a name and its addresses; NBSTAT: a node's table of names.")  # fmt: skip
CLASS = U16("nbns.class", "Class", names=CLASSES, explain="Always IN, the Internet.")
TTL = U32("nbns.ttl", "Time to live", text=duration,
          explain="How long the name stays registered or the answer may be kept.")  # fmt: skip
DATA_LENGTH = U16("nbns.data_length", "Data length",
                  explain="Length of the record's data in bytes.")  # fmt: skip
NB_FLAGS = U16("nbns.nb_flags", "Name flags", base=HEX,
               text=lambda v: f"0x{v:04x}{', Name type' if v & 0x8000 else ''}, ONT: "
               f"{NODE_TYPES[(v >> 13) & 3]} ({NODE_TYPES[(v >> 13) & 3]}, "
               f"{'group' if v & 0x8000 else 'unique'})",
               explain="Whether the name is a group name and how its owner resolves names.")  # fmt: skip
NB_GROUP = Flag("nbns.nb_flags.group", "Name type", 0x8000, 2,
                text=true_false("Group name", "Unique name"),
                explain="A group name (many hosts share it) or a unique one.")  # fmt: skip
NB_ONT = Bits("nbns.nb_flags.ont", "ONT", 2, mask=0x6000, names=NODE_TYPES,
              explain="Owner node type: how the host resolves names (B-node by broadcast, "
              "P-node by a name server, M- and H-node both).")  # fmt: skip
ADDR = IPv4("nbns.addr", "Addr", explain="An IPv4 address of the name's owner.")
NUMBER_OF_NAMES = U8("nbns.number_of_names", "Number of names",
                     explain="How many names the node's name table holds.")  # fmt: skip
NETBIOS_NAME = Str("nbns.netbios_name", "Name",
                   explain="One name in the node's table (its type byte in <>).")  # fmt: skip
NAME_FLAGS = U16("nbns.name_flags", "Name flags", base=HEX,
                 explain="The state of the name in the node's table.")  # fmt: skip
NAME_FLAG_BITS = (
    Flag("nbns.name_flags.group", "Name type", 0x8000, 2,
         text=true_false("Group name", "Unique name"),
         explain="A group name (many hosts share it) or a unique one."),
    Bits("nbns.name_flags.ont", "ONT", 2, mask=0x6000, names=NODE_TYPES,
         explain="Owner node type: how the node resolves names."),
    Flag("nbns.name_flags.drg", "Name is being deregistered", 0x1000, 2,
         text=true_false("Yes", "No"), explain="The node is releasing the name."),
    Flag("nbns.name_flags.cnf", "Name is in conflict", 0x0800, 2,
         text=true_false("Yes", "No"), explain="Another node claims the same unique name."),
    Flag("nbns.name_flags.act", "Name is active", 0x0400, 2,
         text=true_false("Yes", "No"), explain="The name is registered and in use."),
    Flag("nbns.name_flags.prm", "Permanent node name", 0x0200, 2,
         text=true_false("Yes", "No"), explain="The node's permanent name."),
)  # fmt: skip
UNIT_ID = Mac("nbns.unit_id", "Unit ID", explain="The adapter's MAC address.")
# NBSTAT statistics after the unit id: (spec, size), in wire order (RFC 1002 4.2.18)
STATISTICS = (
    (U8("nbns.jumpers", "Jumpers", base=HEX, explain="Adapter jumper settings."), 1),
    (U8("nbns.test_result", "Test result", base=HEX, explain="Adapter self-test result."), 1),
    (U16("nbns.version_number", "Version number", base=HEX,
         explain="Version of the NetBIOS software."), 2),
    (U16("nbns.period_of_statistics", "Period of statistics", base=HEX,
         explain="How long the statistics were gathered."), 2),
    (U16("nbns.num_crcs", "Number of CRCs", explain="Frames received with a bad CRC."), 2),
    (U16("nbns.num_alignment_errors", "Number of alignment errors",
         explain="Frames received misaligned."), 2),
    (U16("nbns.num_collisions", "Number of collisions", explain="Collisions seen."), 2),
    (U16("nbns.num_send_aborts", "Number of send aborts", explain="Sends abandoned."), 2),
    (U32("nbns.num_good_sends", "Number of good sends", explain="Frames sent."), 4),
    (U32("nbns.num_good_receives", "Number of good receives", explain="Frames received."), 4),
    (U16("nbns.numretransmits", "Number of retransmits", explain="Frames sent again."), 2),
    (U16("nbns.num_no_resource_conditions", "Number of no resource conditions",
         explain="Times the node ran out of resources."), 2),
    (U16("nbns.numcommand_blocks", "Number of command blocks",
         explain="Free command blocks."), 2),
    (U16("nbns.numpending_sessions", "Number of pending sessions",
         explain="Sessions being set up."), 2),
    (U16("nbns.max_num_pending_sessions", "Max number of pending sessions",
         explain="Most sessions that may be pending."), 2),
    (U16("nbns.max_total_sessions_possible", "Max total sessions possible",
         explain="Most sessions the node can hold."), 2),
    (U16("nbns.session_data_packet_size", "Session data packet size",
         explain="Largest session data packet."), 2),
)  # fmt: skip
DATA = Bytes("nbns.data", "Data", explain="The record's data, for a type not decoded here.")


# -- names ------------------------------------------------------------------------------
class _Short(Exception):
    """The message's bytes ran out (internal)."""


def _labels(data: Any, p: int, start: int, end: int) -> tuple[list[bytes], int]:
    """The labels of the name at p (pointers followed) and the bytes it takes at p."""
    labels: list[bytes] = []
    own, hops = -1, 0
    while True:
        if p >= end:
            raise _Short
        n = data[p]
        if n & 0xC0 == 0xC0:
            if p + 1 >= end:
                raise _Short
            own = p + 2 if own < 0 else own
            hops += 1
            target = start + (((n & 0x3F) << 8) | data[p + 1])
            if hops > MAX_HOPS or target >= end:
                return labels, own
            p = target
            continue
        if n == 0:
            return labels, (p + 1 if own < 0 else own)
        if n & 0xC0 or p + 1 + n > end:
            raise _Short
        labels.append(bytes(data[p + 1 : p + 1 + n]))
        p += 1 + n


def _printable(raw: bytes) -> str:
    """15 name characters as Wireshark prints them: unprintable ones as <xx>, trailing
    spaces dropped."""
    text = "".join(chr(c) if 0x20 <= c < 0x7F else f"<{c:02x}>" for c in raw)
    return text.rstrip(" ")


def _netbios(first: bytes) -> tuple[str, int]:
    """Undo the first-level encoding: (name with its type, type byte; -1 if illegal)."""
    if len(first) % 2 or any(not 0x41 <= c <= 0x5A for c in first):
        return "Illegal NetBIOS name", -1
    # Letters past 'P' are not first-level encoding, but Wireshark takes 'A'-'Z' and keeps
    # the low 8 bits of the result, as its char arithmetic does
    raw = bytes((((first[i] - 0x41) << 4) & 0xFF) | (first[i + 1] - 0x41)
                for i in range(0, len(first), 2))  # fmt: skip
    if len(raw) != 16:
        return f"Illegal NetBIOS name ({len(raw)} bytes long)", -1
    return f"{_printable(raw[:15])}<{raw[15]:02x}>", raw[15]


def _name(data: Any, p: int, start: int, end: int) -> tuple[str, int, int]:
    """(name as Wireshark shows it, type byte or -1, bytes it takes at p)."""
    labels, own = _labels(data, p, start, end)
    if not labels:
        return "<Root>", -1, own - p
    name, name_type = _netbios(labels[0])
    scope = b".".join(labels[1:]).decode("ascii", "replace")
    return (f"{name}.{scope}" if scope else name), name_type, own - p


# -- the message -------------------------------------------------------------------------
@dataclass(slots=True)
class NbnsState:
    """What tail() read: the flags and the Info text."""

    flags: int
    info: str


class _Msg:
    """One pass over the message: tail() reads it for the Info and issues, detail() again
    with `build` on to add the fields."""

    def __init__(self, data: Any, layer: Layer, build: bool) -> None:
        self.data, self.layer, self.build = data, layer, build
        self.start, self.end = layer.pos, layer.payload_end
        self.info: list[str] = []

    def add(self, spec: FieldSpec, p: int, n: int, value: Any, parent: Field | None,
            mask: int = 0) -> Field | None:  # fmt: skip
        return self.layer.add(spec, p, n, value, mask, parent) if self.build else None

    def u16(self, p: int) -> int:
        if p + 2 > self.end:
            raise _Short
        return (self.data[p] << 8) | self.data[p + 1]

    def u32(self, p: int) -> int:
        if p + 4 > self.end:
            raise _Short
        return int.from_bytes(self.data[p : p + 4], "big")


def _message(m: _Msg) -> None:
    s = m.start
    flags = m.u16(s + 2)
    counts = [m.u16(s + 4 + 2 * i) for i in range(4)]
    ident = m.u16(s)
    response, opcode = bool(flags & 0x8000), (flags >> 11) & 0xF
    m.info.append(
        OPCODES.get(opcode, f"Unknown operation ({opcode})") + (" response" if response else "")
    )
    if response and opcode != WACK and flags & 0xF:
        m.info.append(f", {RCODES.get(flags & 0xF, 'Unknown error')}")
    m.add(ID, s, 2, ident, None)
    _flags(m, s + 2, flags, None)
    for i, spec in enumerate(COUNTS):
        m.add(spec, s + 4 + 2 * i, 2, counts[i], None)
    p = s + 12
    for section in range(4):
        count = min(counts[section], MAX_RECORDS)
        if not count:
            continue
        node = m.add(SECTIONS[section], p, 0, "", None)
        start = p
        for _ in range(count):
            # Questions go to the Info of a request, answers to that of a response;
            # authority and additional records to neither.
            info = section == 0 and not response or section == 1 and response
            p = _question(m, p, node, info) if section == 0 else _record(m, p, node, info, opcode)
            if node is not None:
                node.len = p - start


def _flags(m: _Msg, p: int, flags: int, parent: Field | None) -> None:
    """The flags and the bits Wireshark shows for a request, a response or the flags a
    WACK record echoes (those have no reply code)."""
    f = m.add(FLAGS, p, 2, flags, parent)
    wack = parent is not None
    kids = (WACK_FLAGS if wack else RESPONSE_FLAGS) if flags & 0x8000 else REQUEST_FLAGS
    for spec in kids:
        v = (flags & spec.mask) >> ((spec.mask & -spec.mask).bit_length() - 1)
        m.add(spec, p, 2, bool(v) if spec.kind == "flag" else v, f, spec.mask)


def _question(m: _Msg, p: int, parent: Field | None, info: bool) -> int:
    name, name_type, n = _name(m.data, p, m.start, m.end)
    rtype, rclass = m.u16(p + n), m.u16(p + n + 2)
    type_name = TYPES.get(rtype, "Unknown")
    if info:
        m.info.append(f" {type_name} {name}")
    node = m.add(QUERY, p, n + 4, f"{name}: type {type_name}, class "
                 f"{CLASSES.get(rclass, 'Unknown')}", parent)  # fmt: skip
    m.add(NAME, p, n, name, node)
    m.add(TYPE, p + n, 2, rtype, node)
    m.add(CLASS, p + n + 2, 2, rclass, node)
    return p + n + 4


def _record(m: _Msg, p: int, parent: Field | None, info: bool, opcode: int) -> int:
    name, name_type, n = _name(m.data, p, m.start, m.end)
    q = p + n
    rtype, rclass, ttl, dlen = m.u16(q), m.u16(q + 2), m.u32(q + 4), m.u16(q + 8)
    type_name = TYPES.get(rtype, "Unknown")
    rd = q + 10
    node = m.add(RECORD, p, min(10 + n + dlen, m.end - p), f"{name}: type {type_name}, class "
                 f"{CLASSES.get(rclass, 'Unknown')}", parent)  # fmt: skip
    if rtype == NB:  # Wireshark adds what the name is for to an NB record's name
        name = f"{name} ({_type_descr(name_type)})" if name_type >= 0 else name
    # Wireshark places a record's name one byte into it (add_rr_to_tree: offset + 1)
    m.add(NAME, p + 1, max(0, n - 1), name, node)
    for spec, off, size, value in ((TYPE, 0, 2, rtype), (CLASS, 2, 2, rclass), (TTL, 4, 4, ttl),
                                   (DATA_LENGTH, 8, 2, dlen)):  # fmt: skip
        m.add(spec, q + off, size, value, node)
    if info and rtype == NB and opcode != WACK:
        if rd + 6 > m.end:  # Wireshark reads the first address whatever the data length
            raise _Short
        m.info.append(f" NB {ipv4_str(bytes(m.data[rd + 2 : rd + 6]))}")
    elif info and rtype != NB:
        m.info.append(f" {type_name}")
    end = min(rd + dlen, m.end)
    if rtype == NB and opcode == WACK:  # the request's flags, echoed (RFC 1002 4.2.16)
        for w in range(rd, end - 1, 2):
            _flags(m, w, m.u16(w), node)
    elif rtype == NB:
        _nb_entries(m, rd, end, node)
    elif rtype == NBSTAT:
        _node_status(m, rd, end, node)
    elif rtype != NB and dlen:
        m.add(DATA, rd, end - rd, bytes(m.data[rd:end]), node)
    if rd + dlen > m.end:
        raise _Short
    return rd + dlen


def _nb_entries(m: _Msg, p: int, end: int, node: Field | None) -> None:
    while p + 6 <= end:
        flags = m.u16(p)
        f = m.add(NB_FLAGS, p, 2, flags, node)
        m.add(NB_GROUP, p, 2, bool(flags & 0x8000), f, 0x8000)
        m.add(NB_ONT, p, 2, (flags >> 13) & 3, f, 0x6000)
        m.add(ADDR, p + 2, 4, ipv4_str(bytes(m.data[p + 2 : p + 6])), node)
        p += 6


def _node_status(m: _Msg, p: int, end: int, node: Field | None) -> None:
    """NODE_STATUS_RESPONSE data (RFC 1002 4.2.18): the name table, then statistics."""
    if p >= end:
        return
    count = m.data[p]
    m.add(NUMBER_OF_NAMES, p, 1, count, node)
    p += 1
    for _ in range(count):
        if p + 18 > end:
            return
        raw = bytes(m.data[p : p + 16])
        m.add(NETBIOS_NAME, p, 16, _printable(raw[:15]), node)
        flags = m.u16(p + 16)
        f = m.add(NAME_FLAGS, p + 16, 2, flags, node)
        for spec in NAME_FLAG_BITS:
            v = (flags & spec.mask) >> ((spec.mask & -spec.mask).bit_length() - 1)
            m.add(spec, p + 16, 2, bool(v) if spec.kind == "flag" else v, f, spec.mask)
        p += 18
    if p + 6 > end:
        return
    m.add(UNIT_ID, p, 6, mac_str(bytes(m.data[p : p + 6])), node)
    p += 6
    for spec, size in STATISTICS:
        if p + size > end:
            return
        m.add(spec, p, size, int.from_bytes(m.data[p : p + size], "big"), node)
        p += size


def _tail(data: Any, layer: Layer) -> None:
    layer.hdr_len = layer.payload_end - layer.pos
    layer.payload_pos = layer.payload_end
    m = _Msg(data, layer, build=False)
    try:
        _message(m)
    except _Short:
        _ran_out(layer)
    flags = m.u16(m.start + 2) if m.end - m.start >= 4 else 0
    layer.state = NbnsState(flags, "".join(m.info))


def _ran_out(layer: Layer) -> None:
    pkt = layer.packet
    if pkt.ctx.in_error or pkt.ctx.fragment:
        return
    cut = pkt.caplen < pkt.wirelen and layer.payload_end >= pkt.caplen
    layer.issue("warn" if cut else "error", "truncated" if cut else "malformed",
                "nbns.truncated" if cut else "nbns.malformed",
                "NBNS message ends before its counts and lengths say", layer.payload_end, 0)  # fmt: skip


def _detail(data: Any, layer: Layer) -> None:
    try:
        _message(_Msg(data, layer, build=True))
    except _Short:
        pass  # tail() marked where the bytes ran out


def _info(layer: Layer) -> str:
    return layer.state.info if layer.state is not None else ""


NBNS = Protocol(
    "nbns", "NetBIOS Name Service", osi=Osi.APPLICATION, short="NBNS", tail=_tail,
    detail=_detail, info=_info, state=NbnsState, colour="#d7af87",
    explain="NBNS maps the NetBIOS names of Windows hosts (WORKSTATION<00>) to IPv4 "
    "addresses, by broadcast on the subnet or by asking a WINS server.",
)  # fmt: skip

bind("udp.port", 137, NBNS)
