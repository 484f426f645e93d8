"""Simple Network Management Protocol v1 and v2c (RFC 1157, RFC 3416, RFC 1901) on UDP
ports 161 (agent) and 162 (traps), in BER (ITU-T X.690).

A message is a SEQUENCE of version, community and one PDU: a request or response
(request id, error status and index, variable bindings), a GetBulk request (non-repeaters,
max-repetitions), or a v1 Trap (enterprise, agent address, generic and specific trap,
time stamp). Each variable binding is an object name (an OID) and a value of one of the
SMI types (RFC 2578: Integer32, OCTET STRING, OID, IpAddress, Counter32, Gauge32,
TimeTicks, Opaque, Counter64) or a v2 exception (noSuchObject, noSuchInstance,
endOfMibView). For SNMPv3 (RFC 3412) the global header, the USM security parameters (RFC
3414) with both engine ids split as Wireshark splits them (RFC 3411's enterprise, format and
address/text/data, Net-SNMP's creation time, RFC 1910's AgentID), and the scoped PDU when it
is in the clear; an encrypted one stays bytes.

BER is read by the small TLV reader below rather than a library: the tree needs the byte
span of every element, which pyasn1's decoder does not report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..protocol import (
    HEX,
    U8,
    U32,
    Bytes,
    Field,
    FieldSpec,
    Flag,
    Int,
    IPv4,
    IPv6,
    Layer,
    Mac,
    Osi,
    Protocol,
    Str,
    Text,
    TimeNs,
    bind,
    ipv4_str,
    ipv6_str,
    mac_str,
)

MAX_VARBINDS = 512  # variable bindings read per message; more is no real traffic
MAX_OID_BYTES = 128  # an OID longer than this is shown as far as this
SEQUENCE, INTEGER, OCTET_STRING, NULL, OID = 0x30, 0x02, 0x04, 0x05, 0x06
VERSIONS = {0: "version-1", 1: "v2c", 2: "v2u", 3: "snmpv3"}
PDUS = {0: "get-request", 1: "get-next-request", 2: "get-response", 3: "set-request",
        4: "trap", 5: "getBulkRequest", 6: "informRequest", 7: "snmpV2-trap", 8: "report"}  # fmt: skip
TRAP_V1, GET_BULK = 4, 5
ERRORS = {
    0: "noError", 1: "tooBig", 2: "noSuchName", 3: "badValue", 4: "readOnly", 5: "genErr",
    6: "noAccess", 7: "wrongType", 8: "wrongLength", 9: "wrongEncoding", 10: "wrongValue",
    11: "noCreation", 12: "inconsistentValue", 13: "resourceUnavailable", 14: "commitFailed",
    15: "undoFailed", 16: "authorizationError", 17: "notWritable", 18: "inconsistentName",
}  # fmt: skip
GENERIC_TRAPS = {0: "coldStart", 1: "warmStart", 2: "linkDown", 3: "linkUp",
                 4: "authenticationFailure", 5: "egpNeighborLoss", 6: "enterpriseSpecific"}  # fmt: skip
SECURITY_MODELS = {0: "any", 1: "SNMPv1", 2: "SNMPv2c", 3: "USM"}
ARC_NAMES = {"0": "itu-t", "1": "iso", "2": "joint-iso-itu-t"}


def oid_resolved(oid: str) -> str:
    """'iso.3.6.1...': the OID as Wireshark resolves it with no MIB loaded (its first arc)."""
    first, _, rest = oid.partition(".")
    name = ARC_NAMES.get(first)
    return f"{name}.{rest}" if name and rest else oid


def _oid_text(v: str) -> str:
    return f"{v} ({oid_resolved(v)})"


# -- fields (Wireshark's snmp.* names; spans are the BER contents, as Wireshark's) -------------
VERSION = U8("snmp.version", "version", names=VERSIONS,
             explain="The SNMP version: 0 for SNMPv1, 1 for SNMPv2c.")  # fmt: skip
COMMUNITY = Text("snmp.community", "community",
                 explain="The community string: a shared password, sent in the clear, that "
                 "grants read or write access (often 'public').")  # fmt: skip
DATA = U8("snmp.data", "data", names=PDUS,
          explain="Which PDU the message carries: a get, get-next, get-bulk or set request, a "
          "response, a trap or an inform.")  # fmt: skip
PDU_ELEMENTS = {
    k: Str(f"snmp.{v.replace('-', '_')}_element", v,
           explain=f"The {v} PDU: its request id, status and variable bindings.")
    for k, v in PDUS.items()
}  # fmt: skip
REQUEST_ID = Int("snmp.request_id", "request-id",
                 explain="Chosen by the manager; the response repeats it to match the two.")  # fmt: skip
ERROR_STATUS = Int("snmp.error_status", "error-status", names=ERRORS,
                   explain="The outcome: noError, or why the agent could not do it (noSuchName, "
                   "tooBig, readOnly...).")  # fmt: skip
ERROR_INDEX = Int("snmp.error_index", "error-index",
                  explain="Which variable binding caused the error (1 the first; 0 none).")  # fmt: skip
NON_REPEATERS = Int("snmp.non_repeaters", "non-repeaters",
                    explain="GetBulk: how many of the first bindings get one next value each.")  # fmt: skip
MAX_REPETITIONS = Int("snmp.max_repetitions", "max-repetitions",
                      explain="GetBulk: how many next values to return for each other binding.")  # fmt: skip
ENTERPRISE = Text("snmp.enterprise", "enterprise", text=_oid_text,
                  explain="Trap: the OID of the device type or vendor that sent the trap.")  # fmt: skip
AGENT_ADDR = IPv4("snmp.agent_addr", "agent-addr",
                  explain="Trap: the address of the agent that sent it.")  # fmt: skip
GENERIC_TRAP = Int("snmp.generic_trap", "generic-trap", names=GENERIC_TRAPS,
                   explain="Trap: what happened (cold start, link down, link up, "
                   "authentication failure... or 6, enterprise specific).")  # fmt: skip
SPECIFIC_TRAP = Int("snmp.specific_trap", "specific-trap",
                    explain="Trap: the vendor's own trap number (for enterpriseSpecific).")  # fmt: skip
TIME_STAMP = Int("snmp.time_stamp", "time-stamp",
                 explain="Trap: the agent's uptime when it sent the trap, in hundredths of a "
                 "second.")  # fmt: skip
VARIABLE_BINDINGS = Int("snmp.variable_bindings", "variable-bindings", unit=" items",
                        explain="The list of (object name, value) pairs the message is about.")  # fmt: skip
VARBIND = Text("snmp.VarBind_element", "",
               explain="One variable binding: an object (by OID) and its value.")  # fmt: skip
NAME = Text("snmp.name", "Object Name", text=_oid_text,
            explain="The object's OID: which variable of the MIB (1.3.6.1.2.1.1.5.0 is the "
            "system name).")  # fmt: skip
VALUE_INT = Int("snmp.value.int", "Value (Integer32)", explain="The value: a signed integer.")
VALUE_OCTETS = Bytes("snmp.value.octets", "Value (OctetString)",
                     explain="The value: a string of bytes (often text).")  # fmt: skip
VAR_BIND_STR = Text("snmp.var-bind_str", "Variable-binding-string",
                    explain="The string value as text.")  # fmt: skip
VALUE_OID = Text("snmp.value.oid", "Value (OID)", text=_oid_text,
                 explain="The value: an object identifier.")  # fmt: skip
VALUE_NULL = Str("snmp.value.null", "Value (Null)",
                 explain="No value: a request names the objects it wants, and leaves values "
                 "empty.")  # fmt: skip
VALUE_IPV4 = IPv4("snmp.value.ipv4", "Value (IpAddress)", explain="The value: an IPv4 address.")
VALUE_IPV6 = IPv6("snmp.value.ipv6", "Value (IpAddress)", explain="The value: an IPv6 address.")
VALUE_COUNTER = Int("snmp.value.counter", "Value (Counter32)",
                    explain="The value: a counter (Counter32 or Counter64) that only grows and "
                    "wraps around.")  # fmt: skip
VALUE_G32 = Int("snmp.value.g32", "Value (Gauge32)",
                explain="The value: a gauge, which goes up and down (a speed, a level).")  # fmt: skip
VALUE_TIMETICKS = Int("snmp.value.timeticks", "Value (Timeticks)",
                      explain="The value: a time in hundredths of a second (uptimes).")  # fmt: skip
VALUE_U32 = Int("snmp.value.u32", "Value (Unsigned32)",
                explain="The value: an unsigned integer (the old UInteger32 type).")  # fmt: skip
VALUE_OPAQUE = Bytes("snmp.value.opaque", "Value (Opaque)",
                     explain="The value: opaque bytes (a wrapped BER value).")  # fmt: skip
VALUE_UNK = Bytes("snmp.value.unk", "Value (Unknown)",
                  explain="A value of a type this tool does not know.")  # fmt: skip
NO_SUCH_OBJECT = Str("snmp.noSuchObject", "noSuchObject",
                     explain="The agent has no such object.")  # fmt: skip
NO_SUCH_INSTANCE = Str("snmp.noSuchInstance", "noSuchInstance",
                       explain="The object exists but not this instance of it.")  # fmt: skip
END_OF_MIB_VIEW = Str("snmp.endOfMibView", "endOfMibView",
                      explain="A walk reached the end of what the agent shows.")  # fmt: skip
MSG_VERSION = U8("snmp.msgVersion", "msgVersion", names=VERSIONS,
                 explain="The SNMP version: 3.")  # fmt: skip
MSG_GLOBAL = Str("snmp.msgGlobalData_element", "msgGlobalData",
                 explain="SNMPv3's header: message id, maximum size, flags and security model.")  # fmt: skip
MSG_ID = U32("snmp.msgID", "msgID", explain="Matches a response to its request.")
MSG_MAX_SIZE = U32("snmp.msgMaxSize", "msgMaxSize",
                   explain="The largest message the sender can receive.")  # fmt: skip
MSG_FLAGS = Bytes("snmp.msgFlags", "msgFlags",
                  explain="Whether the message is authenticated, encrypted, and wants a report.")  # fmt: skip
MSG_SECURITY_MODEL = U32("snmp.msgSecurityModel", "msgSecurityModel", names=SECURITY_MODELS,
                         explain="Which security model protects the message (3: USM).")  # fmt: skip
MSG_SECURITY_PARAMETERS = Bytes("snmp.msgSecurityParameters", "msgSecurityParameters",
                                explain="The security model's parameters (USM: engine id, user "
                                "name, authentication and privacy parameters).")  # fmt: skip
V3_FLAGS = (
    Flag("snmp.v3.flags.report", "Reportable", 0x04, 1,
         explain="The receiver must send a report if it cannot process the message."),
    Flag("snmp.v3.flags.crypt", "Encrypted", 0x02, 1, explain="The scoped PDU is encrypted."),
    Flag("snmp.v3.flags.auth", "Authenticated", 0x01, 1,
         explain="The message carries an authentication code."),
)  # fmt: skip
USM_FIELDS = (
    Bytes("snmp.msgAuthoritativeEngineID", "msgAuthoritativeEngineID",
          explain="The id of the SNMP engine that is authoritative for this exchange."),
    Int("snmp.msgAuthoritativeEngineBoots", "msgAuthoritativeEngineBoots",
        explain="How many times that engine has restarted."),
    Int("snmp.msgAuthoritativeEngineTime", "msgAuthoritativeEngineTime",
        explain="Seconds since that engine last restarted (against replayed messages)."),
    Text("snmp.msgUserName", "msgUserName", explain="The user the message is sent as."),
    Bytes("snmp.msgAuthenticationParameters", "msgAuthenticationParameters",
          explain="The message's authentication code (HMAC)."),
    Bytes("snmp.msgPrivacyParameters", "msgPrivacyParameters",
          explain="The salt of the encryption."),
)  # fmt: skip
ENGINE_CONFORM = Flag("snmp.engineid.conform", "Engine ID Conformance", 0x80, 1,
                      names={True: "RFC3411 (SNMPv3)", False: "RFC1910 (Non-SNMPv3)"},
                      explain="Set: the id follows RFC 3411 (enterprise, format, data); clear: "
                      "the historic RFC 1910 AgentID (enterprise and an 8-byte trailer).")  # fmt: skip
ENGINE_ENTERPRISE = U32("snmp.engineid.enterprise", "Engine Enterprise ID",
                        explain="The IANA enterprise number of the engine's maker (9: Cisco, "
                        "8072: Net-SNMP), without the conformance bit.")  # fmt: skip
ENGINE_FORMATS = {1: "IPv4 address", 2: "IPv6 address", 3: "MAC address",
                  4: "Text, administratively assigned", 5: "Octets, administratively assigned"}  # fmt: skip
ENGINE_FORMAT = U8("snmp.engineid.format", "Engine ID Format",
                   names=lambda v: ENGINE_FORMATS.get(v, "Reserved/Enterprise-specific"),
                   explain="How the rest of the engine id is made (RFC 3411 section 5).")  # fmt: skip
ENGINE_IPV4 = IPv4("snmp.engineid.ipv4", "Engine ID Data: IPv4 address",
                   explain="The engine's IPv4 address.")  # fmt: skip
ENGINE_IPV6 = IPv6("snmp.engineid.ipv6", "Engine ID Data: IPv6 address",
                   explain="The engine's IPv6 address.")  # fmt: skip
ENGINE_CISCO = U8("snmp.engineid.cisco.type", "Engine ID Data: Cisco type", base=HEX,
                  names={0: "Agent", 1: "Manager"},
                  explain="Cisco puts a byte before the MAC address: agent or manager.")  # fmt: skip
ENGINE_MAC = Mac("snmp.engineid.mac", "Engine ID Data: MAC address",
                 explain="The engine's MAC address.")  # fmt: skip
ENGINE_TEXT = Text("snmp.engineid.text", "Engine ID Data: Text",
                   explain="A name the administrator gave the engine.")  # fmt: skip
ENGINE_DATA = Bytes("snmp.engineid.data", "Engine ID Data",
                    explain="The engine id's own bytes (Net-SNMP: 4 random bytes).")  # fmt: skip
ENGINE_TIME = TimeNs("snmp.engineid.time", "Engine ID Data: Creation Time",
                     explain="When a Net-SNMP engine made its id (its seconds, little-endian).")  # fmt: skip
AGENTID_TRAILER = Bytes("snmp.agentid_trailer", "AgentID Trailer",
                        explain="The 8 bytes after the enterprise number of an RFC 1910 AgentID.")  # fmt: skip
MSG_DATA = U8("snmp.msgData", "msgData", names={0: "plaintext", 1: "encryptedPDU"},
              explain="The scoped PDU: in the clear (plaintext) or encrypted.")  # fmt: skip
ENCRYPTED_PDU = Bytes("snmp.encryptedPDU", "encryptedPDU",
                      explain="The encrypted scoped PDU: unreadable without the user's key.")  # fmt: skip
PLAINTEXT = Str("snmp.plaintext_element", "plaintext",
                explain="The scoped PDU in the clear: context and PDU.")  # fmt: skip
CONTEXT_ENGINE_ID = Bytes("snmp.contextEngineID", "contextEngineID",
                          explain="The engine that holds the context.")  # fmt: skip
CONTEXT_NAME = Text("snmp.contextName", "contextName",
                    explain="The context (a set of objects) the PDU is about.")  # fmt: skip
# tag -> (field, kind) of the SMI value types (RFC 2578 section 7.1, RFC 3416 section 3)
VALUE_TAGS = {0x02: (VALUE_INT, "int"), 0x04: (VALUE_OCTETS, "bytes"), 0x05: (VALUE_NULL, "none"),
              0x06: (VALUE_OID, "oid"), 0x40: (VALUE_IPV4, "addr"), 0x41: (VALUE_COUNTER, "uint"),
              0x42: (VALUE_G32, "uint"), 0x43: (VALUE_TIMETICKS, "uint"),
              0x44: (VALUE_OPAQUE, "bytes"), 0x46: (VALUE_COUNTER, "uint"),
              0x47: (VALUE_U32, "uint"),
              0x80: (NO_SUCH_OBJECT, "none"), 0x81: (NO_SUCH_INSTANCE, "none"),
              0x82: (END_OF_MIB_VIEW, "none")}  # fmt: skip


# Values Wireshark also shows as a Variable-binding-string
STRING_VIEWED = frozenset((VALUE_OCTETS, VALUE_OPAQUE, VALUE_IPV6, VALUE_U32, VALUE_UNK))


class _Bad(Exception):
    """The BER contradicts itself or the bytes run out (internal)."""

    def __init__(self, pos: int, what: str) -> None:
        super().__init__(what)
        self.pos, self.what = pos, what


def ber(data: Any, p: int, end: int) -> tuple[int, int, int]:
    """(tag, header length, content length) of the TLV at p; raises _Bad if it does not fit
    (indefinite lengths and multi-byte tags are not SNMP's)."""
    if p + 2 > end:
        raise _Bad(p, "BER header")
    tag, n = data[p], data[p + 1]
    if tag & 0x1F == 0x1F:
        raise _Bad(p, "BER tag of more than one byte")
    if n < 0x80:
        hdr, length = 2, n
    elif n == 0x80 or n > 0x84:
        raise _Bad(p + 1, "BER length form")
    else:
        k = n & 0x7F
        if p + 2 + k > end:
            raise _Bad(p + 1, "BER length")
        hdr, length = 2 + k, int.from_bytes(data[p + 2 : p + 2 + k], "big")
    if p + hdr + length > end:
        raise _Bad(p, "BER element")
    return tag, hdr, length


def _oid(raw: bytes) -> str:
    arcs: list[int] = []
    v = 0
    for c in raw[:MAX_OID_BYTES]:
        v = (v << 7) | (c & 0x7F)
        if not c & 0x80:
            arcs.append(v)
            v = 0
    if not arcs:
        return ""
    first = arcs[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(str(a) for a in head + arcs[1:])


@dataclass(slots=True)
class SnmpState:
    """What tail() read for the Info column."""

    info: str


class _Msg:
    """One pass over the message: tail() reads it for the Info and issues, detail() again
    with `build` on to add the fields."""

    def __init__(self, data: Any, layer: Layer, build: bool) -> None:
        self.data, self.layer, self.build = data, layer, build
        self.end = layer.payload_end
        self.info: list[str] = []

    def add(self, spec: FieldSpec, p: int, n: int, value: Any, parent: Field | None,
            mask: int = 0) -> Any:  # fmt: skip
        return self.layer.add(spec, p, n, value, mask, parent) if self.build else None

    def tlv(self, p: int, end: int, want: int | None = None) -> tuple[int, int, int]:
        """(tag, content start, content end) of the element at p within end."""
        tag, hdr, length = ber(self.data, p, end)
        if want is not None and tag != want:
            raise _Bad(p, f"BER tag 0x{tag:02x} where 0x{want:02x} belongs")
        return tag, p + hdr, p + hdr + length

    def integer(self, spec: FieldSpec, p: int, end: int, parent: Field | None) -> tuple[int, int]:
        _tag, c, e = self.tlv(p, end, INTEGER)
        value = int.from_bytes(self.data[c:e], "big", signed=True) if e > c else 0
        self.add(spec, c, e - c, value, parent)
        return value, e


def _message(m: _Msg) -> None:
    data, start = m.data, m.layer.pos
    _tag, c, end = m.tlv(start, m.end, SEQUENCE)
    _tag, vc, ve = m.tlv(c, end, INTEGER)
    version = int.from_bytes(data[vc:ve], "big") if ve > vc else 0
    if version == 3:
        _v3(m, c, end)
        return
    m.integer(VERSION, c, end, None)
    _tag, cc, ce = m.tlv(ve, end, OCTET_STRING)
    m.add(COMMUNITY, cc, ce - cc, bytes(data[cc:ce]).decode("utf-8", "replace"), None)
    _pdu(m, ce, end, None)


def _pdu(m: _Msg, p: int, end: int, parent: Field | None) -> None:
    """The PDU at p: its choice (snmp.data) and its element."""
    tag, pc, pe = m.tlv(p, end)
    kind = tag - 0xA0
    if kind not in PDUS:
        raise _Bad(p, f"BER tag 0x{tag:02x} is not an SNMP PDU")
    m.info.append(PDUS[kind])
    choice = m.add(DATA, p, end - p, kind, parent)
    node = m.add(PDU_ELEMENTS[kind], pc, pe - pc, "", choice)
    p = _trap_header(m, pc, pe, node) if kind == TRAP_V1 else _pdu_header(m, pc, pe, node, kind)
    _varbinds(m, p, pe, node)


def _pdu_header(m: _Msg, p: int, end: int, node: Field | None, kind: int) -> int:
    specs = (REQUEST_ID, NON_REPEATERS, MAX_REPETITIONS) if kind == GET_BULK else (
        REQUEST_ID, ERROR_STATUS, ERROR_INDEX)  # fmt: skip
    for spec in specs:
        _v, p = m.integer(spec, p, end, node)
    return p


def _trap_header(m: _Msg, p: int, end: int, node: Field | None) -> int:
    """v1 Trap-PDU (RFC 1157 section 4.1.6)."""
    _tag, c, e = m.tlv(p, end, OID)
    enterprise = _oid(bytes(m.data[c:e]))
    m.add(ENTERPRISE, c, e - c, enterprise, node)
    m.info.append(oid_resolved(enterprise))
    _tag, c, e = m.tlv(e, end, 0x40)
    if e - c == 4:
        m.add(AGENT_ADDR, c, 4, ipv4_str(bytes(m.data[c:e])), node)
    _v, p = m.integer(GENERIC_TRAP, e, end, node)
    _v, p = m.integer(SPECIFIC_TRAP, p, end, node)
    _tag, c, e = m.tlv(p, end, 0x43)
    m.add(TIME_STAMP, c, e - c, int.from_bytes(m.data[c:e], "big"), node)
    return e


def _varbinds(m: _Msg, p: int, end: int, node: Field | None) -> None:
    _tag, c, e = m.tlv(p, end, SEQUENCE)
    bounds = []
    q = c
    while q < e and len(bounds) < MAX_VARBINDS:
        _tag, vc, ve = m.tlv(q, e, SEQUENCE)
        bounds.append((q, vc, ve))
        q = ve
    vbs = m.add(VARIABLE_BINDINGS, c, e - c, len(bounds), node)
    for q, vc, ve in bounds:
        _tag, nc, ne = m.tlv(vc, ve, OID)
        name = _oid(bytes(m.data[nc:ne]))
        m.info.append(name)
        vb = m.add(VARBIND, q, ve - q, name, vbs)
        m.add(NAME, nc, ne - nc, name, vb)
        text = _value(m, ne, ve, vb)
        if vb is not None:
            vb.value = f"{name}: {text}"


def _value(m: _Msg, p: int, end: int, vb: Field | None) -> str:
    """The binding's value field; returns the text Wireshark puts on the binding's line."""
    tag, c, e = m.tlv(p, end)
    raw = bytes(m.data[c:e])
    spec, kind = VALUE_TAGS.get(tag, (VALUE_UNK, "bytes"))
    if kind == "int":
        value: Any = int.from_bytes(raw, "big", signed=True) if raw else 0
    elif kind == "uint":
        value = int.from_bytes(raw, "big")
    elif kind == "oid":
        value = _oid(raw)
    elif kind == "addr":
        spec = VALUE_IPV4 if len(raw) == 4 else VALUE_IPV6 if len(raw) == 16 else VALUE_UNK
        value = ipv4_str(raw) if len(raw) == 4 else ipv6_str(raw) if len(raw) == 16 else raw
    elif kind == "none":
        value = ""
    else:
        value = raw
    m.add(spec, c, e - c, value, vb)
    if kind == "none" and tag >= 0x80 and not m.build:
        m.layer.issue("note", "protocol", "snmp.varbind.response",
                      f"{m.info[-1]}: {spec.label}", c - 2, 2)  # fmt: skip
    if spec in STRING_VIEWED:  # Wireshark shows these bytes as text too
        m.add(VAR_BIND_STR, c, e - c, _text_until_nul(raw), vb)
    if spec is VALUE_OCTETS and all(0x20 <= b < 0x7F for b in raw):
        return f'"{raw.decode("ascii")}"'
    if kind == "none":
        return spec.label
    return spec.show(value)


def _text_until_nul(raw: bytes) -> str:
    return "".join(chr(c) if c < 0x80 else "\ufffd" for c in raw.split(b"\0", 1)[0])


def _v3(m: _Msg, p: int, end: int) -> None:
    """SNMPv3 (RFC 3412 section 6): version, global data, the USM parameters (RFC 3414
    section 2.4), then the scoped PDU in the clear or encrypted."""
    _v, p = m.integer(MSG_VERSION, p, end, None)
    _tag, gc, ge = m.tlv(p, end, SEQUENCE)
    node = m.add(MSG_GLOBAL, gc, ge - gc, "", None)
    q = gc
    for spec in (MSG_ID, MSG_MAX_SIZE):
        _tag, c, e = m.tlv(q, ge, INTEGER)
        m.add(spec, c, e - c, int.from_bytes(m.data[c:e], "big"), node)
        q = e
    _tag, c, e = m.tlv(q, ge, OCTET_STRING)
    flags = m.add(MSG_FLAGS, c, e - c, bytes(m.data[c:e]), node)
    if e - c == 1:
        for bit in V3_FLAGS:
            m.add(bit, c, 1, bool(m.data[c] & bit.mask), flags, bit.mask)
    _tag, c, e = m.tlv(e, ge, INTEGER)
    model = int.from_bytes(m.data[c:e], "big")
    m.add(MSG_SECURITY_MODEL, c, e - c, model, node)
    _tag, sc, se = m.tlv(ge, end, OCTET_STRING)
    if model == 3:
        _usm(m, sc, se)
    else:
        m.add(MSG_SECURITY_PARAMETERS, sc, se - sc, bytes(m.data[sc:se]), None)
    tag, c, e = m.tlv(se, end)
    encrypted = tag == OCTET_STRING
    choice = m.add(MSG_DATA, se, end - se, int(encrypted), None)
    if encrypted:
        m.info.append("encryptedPDU: privKey Unknown")
        m.add(ENCRYPTED_PDU, c, e - c, bytes(m.data[c:e]), choice)
        return
    _scoped_pdu(m, se, end, choice)


def _usm(m: _Msg, p: int, end: int) -> None:
    _tag, c, e = m.tlv(p, end, SEQUENCE)
    for spec in USM_FIELDS:
        tag, vc, ve = m.tlv(c, e)
        raw = bytes(m.data[vc:ve])
        if spec.kind == "int":
            value: Any = int.from_bytes(raw, "big")
        elif spec.kind == "text":
            value = raw.decode("utf-8", "replace")
        else:
            value = raw
        node = m.add(spec, vc, ve - vc, value, None)
        if spec is USM_FIELDS[0]:
            _engine_id(m, vc, ve, node)
        c = ve


def _engine_id(m: _Msg, p: int, end: int, parent: Field | None) -> None:
    """An SnmpEngineID split as Wireshark splits it: RFC 3411's conformance bit, enterprise,
    format and data, or RFC 1910's AgentID; what does not fit its format is an issue."""
    data = m.data
    if end - p < 1:
        return
    conform = bool(data[p] & 0x80)
    m.add(ENGINE_CONFORM, p, 1, conform, parent, 0x80)
    if end - p < 4:
        return
    enterprise = int.from_bytes(data[p : p + 4], "big") & (0x7FFFFFFF if conform else 0xFFFFFFFF)
    m.add(ENGINE_ENTERPRISE, p, 4, enterprise, parent)
    p += 4
    if not conform:
        if end - p == 8:
            m.add(AGENTID_TRAILER, p, 8, bytes(data[p:end]), parent)
        elif not m.build:
            m.layer.issue("warn", "protocol", "snmp.rfc1910_non_conformant",
                          "Data not conforming to RFC1910", p, end - p)  # fmt: skip
        return
    if p < end:
        p = _engine_data(m, data[p], enterprise, p, end, parent)
    if p < end and not m.build:
        m.layer.issue("warn", "protocol", "snmp.rfc3411_non_conformant",
                      "Data not conforming to RFC3411", p, end - p)  # fmt: skip


def _engine_data(m: _Msg, fmt: int, enterprise: int, p: int, end: int,
                 parent: Field | None) -> int:  # fmt: skip
    """The format byte and the data after it; returns where the data stops."""
    data = m.data
    m.add(ENGINE_FORMAT, p, 1, fmt, parent)
    p += 1
    n = end - p
    if fmt == 1 and n == 4:
        m.add(ENGINE_IPV4, p, 4, ipv4_str(bytes(data[p:end])), parent)
    elif fmt == 2 and n == 16:
        m.add(ENGINE_IPV6, p, 16, ipv6_str(bytes(data[p:end])), parent)
    elif fmt == 3:
        if enterprise == 9 and n == 7:  # Cisco: agent or manager before the address
            m.add(ENGINE_CISCO, p, 1, data[p], parent)
            p, n = p + 1, n - 1
        if n == 6:
            m.add(ENGINE_MAC, p, 6, mac_str(bytes(data[p:end])), parent)
    elif fmt == 4 and n <= 27:
        m.add(ENGINE_TEXT, p, n, bytes(data[p:end]).decode("ascii", "replace"), parent)
    elif fmt == 128 and enterprise in (2021, 8072) and n in (8, 12):
        m.add(ENGINE_DATA, p, 4, bytes(data[p : p + 4]), parent)  # (UCD|Net)-SNMP random
        secs = int.from_bytes(data[p + 4 : end], "little", signed=True)
        m.add(ENGINE_TIME, p + 4, n - 4, secs * 1_000_000_000, parent)
    elif fmt not in (1, 2, 3, 4) and n <= 27:
        m.add(ENGINE_DATA, p, n, bytes(data[p:end]), parent)
    else:
        return p
    return end


def _scoped_pdu(m: _Msg, p: int, end: int, parent: Field | None) -> None:
    """ScopedPDU (RFC 3412 section 6.8): context engine id and name, then the PDU."""
    _tag, c, e = m.tlv(p, end, SEQUENCE)
    node = m.add(PLAINTEXT, c, e - c, "", parent)
    _tag, ic, ie = m.tlv(c, e, OCTET_STRING)
    engine = m.add(CONTEXT_ENGINE_ID, ic, ie - ic, bytes(m.data[ic:ie]), node)
    _engine_id(m, ic, ie, engine)
    _tag, nc, ne = m.tlv(ie, e, OCTET_STRING)
    m.add(CONTEXT_NAME, nc, ne - nc, bytes(m.data[nc:ne]).decode("utf-8", "replace"), node)
    _pdu(m, ne, e, node)


def _tail(data: Any, layer: Layer) -> None:
    layer.hdr_len = layer.payload_end - layer.pos
    layer.payload_pos = layer.payload_end
    m = _Msg(data, layer, build=False)
    try:
        _message(m)
    except _Bad as exc:
        _bad(layer, exc)
    layer.state = SnmpState(" ".join(m.info))


def _bad(layer: Layer, exc: _Bad) -> None:
    pkt = layer.packet
    if pkt.ctx.in_error or pkt.ctx.fragment:
        return
    cut = pkt.caplen < pkt.wirelen and layer.payload_end >= pkt.caplen
    at = min(exc.pos, layer.payload_end)
    layer.issue("warn" if cut else "error", "truncated" if cut else "malformed",
                "snmp.truncated" if cut else "snmp.malformed",
                f"SNMP {exc.what} at offset {exc.pos - layer.pos} does not fit the message", at,
                0)  # fmt: skip


def _detail(data: Any, layer: Layer) -> None:
    try:
        _message(_Msg(data, layer, build=True))
    except _Bad:
        pass  # tail() marked where the message stops making sense


def _info(layer: Layer) -> str:
    return layer.state.info if layer.state is not None else ""


def detect(data: Any, pos: int, end: int, layer: Layer) -> bool:
    """On the SNMP ports, Wireshark takes only a BER SEQUENCE whose length fits the
    datagram as it was sent (a snap-length cut still counts); anything else is data."""
    if end - pos < 2 or data[pos] != SEQUENCE:
        return False
    n = data[pos + 1]
    if n < 0x80:
        length, hdr = n, 2
    elif 0x81 <= n <= 0x84 and end - pos >= 2 + (n & 0x7F):
        hdr = 2 + (n & 0x7F)
        length = int.from_bytes(data[pos + 2 : pos + hdr], "big")
    else:
        return False
    pkt = layer.packet
    sent_end = end + max(0, pkt.wirelen - pkt.caplen) if end >= pkt.caplen else end
    return pos + hdr + length <= sent_end


def _tail_checked(data: Any, layer: Layer) -> None:
    if not detect(data, layer.pos, layer.payload_end, layer):
        layer.decline()
        return
    _tail(data, layer)


SNMP = Protocol(
    "snmp", "Simple Network Management Protocol", osi=Osi.APPLICATION, short="SNMP",
    tail=_tail_checked, detail=_detail, info=_info, state=SnmpState, colour="#d7875f",
    explain="SNMP lets a manager read and change the counters and settings of network "
    "devices (get, set, walk) and receive their alerts (traps).",
)  # fmt: skip

bind("udp.port", 161, SNMP)
bind("udp.port", 162, SNMP)
