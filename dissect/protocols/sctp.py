"""Stream Control Transmission Protocol (RFC 9260; I-DATA RFC 8260, AUTH RFC 4895,
ASCONF RFC 5061, RE-CONFIG RFC 6525, PAD RFC 4820, FORWARD-TSN RFC 3758, NR-SACK).

A 12-byte common header (ports, verification tag, CRC-32C checksum) and then chunks: type,
flags, length, value, each padded to four bytes. Several chunks may share one packet, so
the Info column names each. The checksum is verified by the shared checksum policy; the
user data of DATA chunks is shown in the chunk (several may share a packet), not handed on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..names import explain_destination_port, explain_source_port, true_false
from ..protocol import (
    HEX,
    U8,
    U16,
    U32,
    Bytes,
    Checksum,
    Field,
    Flag,
    Int,
    IPv4,
    IPv6,
    Layer,
    Osi,
    Protocol,
    Str,
    Text,
    alias,
    bind,
    ipv4_str,
    ipv6_str,
    uint_at,
)

CHUNK_NAMES = {
    0: "DATA", 1: "INIT", 2: "INIT_ACK", 3: "SACK", 4: "HEARTBEAT", 5: "HEARTBEAT_ACK",
    6: "ABORT", 7: "SHUTDOWN", 8: "SHUTDOWN_ACK", 9: "ERROR", 10: "COOKIE_ECHO",
    11: "COOKIE_ACK", 12: "ECNE", 13: "CWR", 14: "SHUTDOWN_COMPLETE", 15: "AUTH",
    16: "NR_SACK", 64: "I_DATA", 128: "ASCONF_ACK", 129: "PKTDROP", 130: "RE_CONFIG",
    132: "PAD", 192: "FORWARD_TSN", 193: "ASCONF", 194: "I_FORWARD_TSN",
}  # fmt: skip
PARAM_NAMES = {
    1: "Heartbeat info", 5: "IPv4 address", 6: "IPv6 address", 7: "State cookie",
    8: "Unrecognized parameters", 9: "Cookie preservative", 11: "Hostname address",
    12: "Supported address types", 13: "Outgoing SSN reset request",
    14: "Incoming SSN reset request", 15: "SSN/TSN reset request",
    16: "Re-configuration response", 17: "Add outgoing streams request",
    18: "Add incoming streams request", 0x8000: "ECN", 0x8001: "Nonce supported",
    0x8002: "Random", 0x8003: "Authenticated Chunk list", 0x8004: "Requested HMAC Algorithm",
    0x8005: "Padding", 0x8008: "Supported Extensions", 0xC000: "Forward TSN supported",
    0xC001: "Add IP address", 0xC002: "Delete IP address", 0xC003: "Error cause indication",
    0xC004: "Set primary address", 0xC005: "Success report",
    0xC006: "Adaptation Layer Indication",
}  # fmt: skip
CAUSE_NAMES = {
    1: "Invalid stream identifier", 2: "Missing mandatory parameter", 3: "Stale cookie error",
    4: "Out of resources", 5: "Unresolvable address", 6: "Unrecognized chunk type",
    7: "Invalid mandatory parameter", 8: "Unrecognized parameters", 9: "No user data",
    10: "Cookie received while shutting down", 11: "Restart of an association with new addresses",
    12: "User initiated ABORT", 13: "Protocol violation",
    0x00A0: "Request to delete last remaining IP address",
    0x00A1: "Operation refused due to resource shortage",
    0x00A2: "Request to delete source IP address", 0x00A3: "Association aborted due to illegal ASCONF-ACK",
    0x00A4: "Request refused - no authorization", 0x0105: "Unsupported HMAC identifier",
}  # fmt: skip
PPIDS = {0: "not specified", 46: "DIAMETER", 47: "DIAMETER (DTLS)", 18: "S1AP", 3: "M3UA",
         51: "WebRTC String", 53: "WebRTC Binary", 50: "WebRTC Control", 60: "NGAP"}  # fmt: skip
MAX_CHUNKS, MAX_ITEMS = 256, 1024  # chunks per packet, parameters/blocks per chunk
DATA_TYPES = (0, 64)
YES_NO_BIT = (
    true_false("Skip chunk and continue processing of the packet", "Stop processing of the packet"),
    true_false("Do report", "Do not report"),
    true_false("Skip parameter and continue processing of the chunk", "Stop processing of chunk"),
)


@dataclass(slots=True)
class SctpState:
    """The Info column, made once by tail() from every chunk."""

    info: str


def _spec(kind: Any, name: str, label: str, explain: str, **kw: Any) -> Any:
    return kind(name, label, explain=explain, **kw)


CHUNK = Str("sctp.chunk", "", explain="One chunk: a type, flags, a length and the chunk's value.")
CHUNK_TYPE = U8("sctp.chunk_type", "Chunk type", names=lambda v: CHUNK_NAMES.get(v, "Unknown"),
                explain="What this chunk is: DATA carries user messages, the others control "
                "the association.")  # fmt: skip
CHUNK_BIT_1 = Flag("sctp.chunk_bit_1", "Bit", 0x80, text=YES_NO_BIT[0],
                   explain="What a receiver that does not know the chunk type does with the packet.")  # fmt: skip
CHUNK_BIT_2 = Flag("sctp.chunk_bit_2", "Bit", 0x40, text=YES_NO_BIT[1],
                   explain="Whether a receiver that does not know the chunk type reports it.")  # fmt: skip
CHUNK_FLAGS = U8(
    "sctp.chunk_flags",
    "Chunk flags",
    base=HEX,
    explain="Flags whose meaning depends on the chunk type.",
)
CHUNK_LENGTH = U16("sctp.chunk_length", "Chunk length",
                   explain="Bytes of the chunk, its 4-byte header included, padding excluded.")  # fmt: skip
CHUNK_PADDING = Bytes(
    "sctp.chunk_padding", "Chunk padding", explain="Zero bytes that round the chunk up to four."
)
CHUNK_VALUE = Bytes(
    "sctp.chunk_value", "Chunk value", explain="The value of a chunk type not decoded here."
)
DATA_E = Flag("sctp.data_e_bit", "E-Bit", 0x01, text=true_false("Last segment", "Not the last segment"),
              explain="Set on the last piece of a user message.")  # fmt: skip
DATA_B = Flag("sctp.data_b_bit", "B-Bit", 0x02, text=true_false("First segment", "Subsequent segment"),
              explain="Set on the first piece of a user message.")  # fmt: skip
DATA_U = Flag("sctp.data_u_bit", "U-Bit", 0x04, text=true_false("Unordered delivery", "Ordered delivery"),
              explain="Set when the message may be delivered out of order.")  # fmt: skip
DATA_I = Flag("sctp.data_i_bit", "I-Bit", 0x08,
              text=true_false("Send SACK immediately", "Possibly delay SACK"),
              explain="Set when the receiver should acknowledge at once.")  # fmt: skip
DATA_TSN = U32("sctp.data_tsn_raw", "Transmission sequence number (absolute)",
               explain="The chunk's number in the association: acknowledgments refer to it.")  # fmt: skip
DATA_SID = U16(
    "sctp.data_sid",
    "Stream identifier",
    base=HEX,
    explain="Which stream of the association the message belongs to.",
)
DATA_SSN = U16(
    "sctp.data_ssn", "Stream sequence number", explain="The message's number within its stream."
)
DATA_PPID = U32("sctp.data_payload_proto_id", "Payload protocol identifier", names=PPIDS,
                explain="Which application protocol the user data is (0: not said).")  # fmt: skip
DATA_RESERVED = U16("sctp.data_reserved", "Reserved", explain="Reserved: zero.")
DATA_MID = U32(
    "sctp.data_mid", "Message identifier", explain="I-DATA: the message's number within its stream."
)
DATA_FSN = U32(
    "sctp.data_fsn",
    "Fragment sequence number",
    explain="I-DATA: the piece's number within its message.",
)
USER_DATA = Bytes(
    "sctp.user_data", "User data", explain="The application's bytes this DATA chunk carries."
)
INIT_FIELDS = {
    kind: (
        U32(f"sctp.{kind}_initiate_tag", "Initiate tag", base=HEX,
            explain="The tag the peer must put in every packet it sends to this endpoint."),
        U32(f"sctp.{kind}_credit", "Advertised receiver window credit (a_rwnd)",
            explain="Bytes of buffer the sender has for incoming data."),
        U16(f"sctp.{kind}_nr_out_streams", "Number of outbound streams",
            explain="How many streams the sender wants to send on."),
        U16(f"sctp.{kind}_nr_in_streams", "Number of inbound streams",
            explain="How many streams the sender accepts at most."),
        U32(f"sctp.{kind}_initial_tsn", "Initial TSN", explain="The sender's first TSN."),
    )
    for kind in ("init", "initack")
}  # fmt: skip
SACK_FIELDS = (
    U32("sctp.sack_cumulative_tsn_ack_raw", "Cumulative TSN ACK (absolute)",
        explain="Every TSN up to this one arrived."),
    U32("sctp.sack_a_rwnd", "Advertised receiver window credit (a_rwnd)",
        explain="Bytes of buffer the receiver has left."),
    U16("sctp.sack_number_of_gap_blocks", "Number of gap acknowledgement blocks",
        explain="How many ranges past the cumulative TSN arrived."),
    U16("sctp.sack_number_of_duplicated_tsns", "Number of duplicated TSNs",
        explain="How many TSNs arrived more than once."),
)  # fmt: skip
GAP = Str("sctp.sack_gap_block", "", explain="A range of TSNs that arrived past a missing one.")
GAP_START = U16(
    "sctp.sack_gap_block_start",
    "Start",
    explain="The range's first TSN, as an offset from the cumulative TSN.",
)
GAP_START_TSN = Int(
    "sctp.sack_gap_block_start_tsn", "Start TSN", generated=True, explain="The range's first TSN."
)
GAP_END = U16(
    "sctp.sack_gap_block_end",
    "End",
    explain="The range's last TSN, as an offset from the cumulative TSN.",
)
GAP_END_TSN = Int(
    "sctp.sack_gap_block_end_tsn", "End TSN", generated=True, explain="The range's last TSN."
)
GAP_TOTAL = Int("sctp.sack_number_of_tsns_gap_acked", "Number of TSNs in gap acknowledgement blocks",
                generated=True, explain="How many TSNs the gap blocks acknowledge.")  # fmt: skip
DUP_TSN = U32(
    "sctp.sack_duplicate_tsn", "Duplicate TSN", explain="A TSN that arrived more than once."
)
NONCE = Flag("sctp.sack_nounce_sum", "Nounce sum", 0x01, text=lambda v: str(int(v)),
             explain="ECN nonce sum (historic).")  # fmt: skip
SHUTDOWN_TSN = U32("sctp.shutdown_cumulative_tsn_ack", "Cumulative TSN Ack",
                   explain="Every TSN up to this one arrived.")  # fmt: skip
ECNE_TSN = U32(
    "sctp.ecne_lowest_tsn",
    "Lowest TSN",
    explain="The lowest TSN that arrived with congestion marked.",
)
CWR_TSN = U32(
    "sctp.cwr_lowest_tsn",
    "Lowest TSN",
    explain="The congestion window was reduced for TSNs from here.",
)
T_BITS = {
    6: Flag("sctp.abort_t_bit", "T-Bit", 0x01, text=true_false("Tag reflected", "Tag not reflected"),
            explain="Set when the verification tag is the sender's own (reflected)."),
    14: Flag("sctp.shutdown_complete_t_bit", "T-Bit", 0x01,
             text=true_false("Tag reflected", "Tag not reflected"),
             explain="Set when the verification tag is the sender's own (reflected)."),
}  # fmt: skip
COOKIE = Bytes(
    "sctp.cookie", "Cookie", explain="The state cookie echoed back to the endpoint that made it."
)
FWD_TSN = U32(
    "sctp.forward_tsn_tsn",
    "New cumulative TSN",
    explain="The receiver should move its cumulative TSN here, skipping abandoned data.",
)
FWD_SID = U16(
    "sctp.forward_tsn_sid",
    "Stream identifier",
    explain="A stream whose skipped messages are listed.",
)
FWD_SSN = U16(
    "sctp.forward_tsn_ssn",
    "Stream sequence number",
    explain="The last skipped message in that stream.",
)
PAD_DATA = Bytes(
    "sctp.padding_data",
    "Padding data",
    explain="Bytes that make the packet bigger (path MTU probing).",
)
ASCONF_SEQ = U32(
    "sctp.asconf_seq_nr_number",
    "Sequence number",
    base=HEX,
    explain="The address configuration change's number.",
)
ASCONF_ACK_SEQ = U32(
    "sctp.asconf_ack_seq_nr_number",
    "Sequence number",
    base=HEX,
    explain="The number of the change acknowledged.",
)
SHARED_KEY = U16(
    "sctp.shared_key_id",
    "Shared key identifier",
    explain="Which shared key authenticates the packet.",
)
HMAC_ID = U16(
    "sctp.hmac_id",
    "HMAC identifier",
    names={1: "SHA-1", 3: "SHA-256"},
    explain="Which HMAC algorithm is used.",
)
HMAC = Bytes("sctp.hmac", "HMAC", explain="The message authentication code over the packet.")
PARAM = Str("sctp.parameter", "", explain="One parameter: a type, a length and a value.")
PARAM_TYPE = U16("sctp.parameter_type", "Parameter type", base=HEX, names=PARAM_NAMES,
                 explain="What the parameter is.")  # fmt: skip
PARAM_BIT_1 = Flag("sctp.parameter_bit_1", "Bit", 0x8000, 2, text=YES_NO_BIT[2],
                   explain="What a receiver that does not know the parameter does.")  # fmt: skip
PARAM_BIT_2 = Flag("sctp.parameter_bit_2", "Bit", 0x4000, 2, text=YES_NO_BIT[1],
                   explain="Whether a receiver that does not know the parameter reports it.")  # fmt: skip
PARAM_LENGTH = U16(
    "sctp.parameter_length",
    "Parameter length",
    explain="Bytes of the parameter, header included, padding excluded.",
)
PARAM_VALUE = Bytes(
    "sctp.parameter_value", "Parameter value", explain="A parameter value not decoded here."
)
PARAM_PADDING = Bytes(
    "sctp.parameter_padding",
    "Parameter padding",
    explain="Zero bytes that round the parameter up to four.",
)
PARAM_VALUES = {
    1: Bytes("sctp.parameter_heartbeat_information", "Heartbeat information",
             explain="Sender-chosen bytes the peer echoes in its heartbeat acknowledgment."),
    5: IPv4("sctp.parameter_ipv4_address", "IP Version 4 address", explain="An address of the sender."),
    6: IPv6("sctp.parameter_ipv6_address", "IP Version 6 address", explain="An address of the sender."),
    7: Bytes("sctp.parameter_state_cookie", "State cookie",
             explain="Opaque state the peer must echo back in COOKIE ECHO."),
    9: U32("sctp.parameter_cookie_preservative_incr", "Suggested Cookie life-span increment (msec)",
           explain="How much longer the sender asks the cookie to live."),
    11: Text("sctp.parameter_hostname", "Hostname", explain="The sender's host name."),
    0xC006: U32("sctp.adaptation_layer_indication", "Indication", base=HEX,
                explain="Which adaptation layer the sender uses."),
    0x8002: Bytes("sctp.random_number", "Random number", explain="Random bytes for the shared key."),
}  # fmt: skip
ADDR_TYPE = U16("sctp.parameter_supported_address_type", "Supported address type",
                names={5: "IPv4 address", 6: "IPv6 address", 11: "Hostname address"},
                explain="An address type the sender can use.")  # fmt: skip
SUPPORTED_CHUNK = U8("sctp.supported_chunk_type", "Supported chunk type", names=CHUNK_NAMES,
                     explain="A chunk type the sender supports.")  # fmt: skip
AUTH_CHUNK = U8("sctp.chunk_type_to_auth", "Chunk type", names=CHUNK_NAMES,
                explain="A chunk type that must be authenticated.")  # fmt: skip
CAUSE = Str("sctp.cause", "", explain="One error cause: a code, a length and details.")
CAUSE_CODE = U16(
    "sctp.cause_code", "Cause code", base=HEX, names=CAUSE_NAMES, explain="What went wrong."
)
CAUSE_LENGTH = U16(
    "sctp.cause_length", "Cause length", explain="Bytes of the cause, header included."
)
CAUSE_INFO = Bytes("sctp.cause_information", "Cause information", explain="Details of the cause.")
CAUSE_SID = U16("sctp.cause_stream_identifier", "Stream identifier",
                explain="The stream identifier that does not exist.")  # fmt: skip
CAUSE_RESERVED = U16("sctp.cause_reserved", "Reserved", explain="Reserved: zero.")
CAUSE_PADDING = Bytes(
    "sctp.cause_padding", "Cause padding", explain="Zero bytes that round the cause up to four."
)

SCTP = Protocol(
    "sctp", "Stream Control Transmission Protocol", osi=Osi.TRANSPORT, short="SCTP",
    header=(
        U16("sctp.srcport", "Source port", explain=explain_source_port),
        U16("sctp.dstport", "Destination port", explain=explain_destination_port),
        U32("sctp.verification_tag", "Verification tag", base=HEX,
            explain="The tag the receiver chose at setup: a packet without it is dropped, so "
            "blind attackers cannot inject into the association."),
        U32("sctp.checksum", "Checksum", base=HEX,
            explain="CRC-32C over the whole packet, so the receiver can detect corruption."),
    ),
    checksum=Checksum("sctp.checksum", algorithm="crc32c"),
    state=SctpState,
    colour="#87d7d7",
    describe=lambda layer: (
        "Stream Control Transmission Protocol, Src Port: "
        f"{layer.value('sctp.srcport')}, Dst Port: {layer.value('sctp.dstport')}"
    ),
    explain="SCTP carries messages between two endpoints over an association of several "
    "streams, with acknowledgments and retransmission like TCP but message by message, and "
    "can use several addresses per endpoint (telephony signalling, WebRTC data channels).",
)  # fmt: skip

alias("sctp.port", "sctp.srcport", "sctp.dstport")


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    i, info = pos + 12, []
    for _ in range(MAX_CHUNKS):
        if i >= end:
            break
        if i + 4 > end:
            layer.short(i + 4 - pos, "SCTP chunk header")
            break
        ctype, length = data[i], uint_at(data, i + 2, 2)
        if length < 4:
            layer.issue("error", "malformed", "sctp.chunk_length.bad",
                        f"Chunk length {length} is less than the 4-byte chunk header", i + 2, 2)  # fmt: skip
            _chunk_header(data, layer, i, 4)
            break
        stop = i + length
        if stop > end:  # as Wireshark: the chunk's header at most, and no more chunks
            layer.short(stop - pos, f"{CHUNK_NAMES.get(ctype, 'unknown')} chunk")
            if layer.status == "malformed":
                _chunk_header(data, layer, i, end - i, bits=False)
            info.append(CHUNK_NAMES.get(ctype, "RESERVED"))
            i = end
            break
        chunk = _chunk_header(data, layer, i, length)
        info.append(_chunk_body(data, layer, chunk, ctype, i, stop))
        padded = i + ((length + 3) & ~3)
        if stop < end and padded > stop:
            pad_end = min(padded, end)
            layer.add(CHUNK_PADDING, stop, pad_end - stop, bytes(data[stop:pad_end]), parent=chunk)
        i = padded
    layer.state = SctpState(" ".join(info))
    layer.hdr_len = end - pos  # every byte is a chunk's (or the broken chunk's)
    layer.payload_pos = end


def _chunk_header(data: Any, layer: Layer, i: int, size: int, bits: bool = True) -> Field:
    ctype, flags = data[i], data[i + 1]
    name = CHUNK_NAMES.get(ctype, "RESERVED")
    chunk = layer.add(CHUNK, i, size, f"{name} chunk")
    t = layer.add(CHUNK_TYPE, i, 1, ctype, parent=chunk)
    layer.add(CHUNK_BIT_1, i, 1, bool(ctype & 0x80), mask=0x80, parent=t)
    layer.add(CHUNK_BIT_2, i, 1, bool(ctype & 0x40), mask=0x40, parent=t)
    f = layer.add(CHUNK_FLAGS, i + 1, 1, flags, parent=chunk)
    if not bits:
        pass
    elif ctype in DATA_TYPES:
        for spec in (DATA_I, DATA_U, DATA_B, DATA_E):
            layer.add(spec, i + 1, 1, bool(flags & spec.mask), mask=spec.mask, parent=f)
    elif ctype in T_BITS:
        layer.add(T_BITS[ctype], i + 1, 1, bool(flags & 1), mask=1, parent=f)
    elif ctype == 3:
        layer.add(NONCE, i + 1, 1, bool(flags & 1), mask=1, parent=f)
    layer.add(CHUNK_LENGTH, i + 2, 2, uint_at(data, i + 2, 2), parent=chunk)
    return chunk


def _u32(data: Any, i: int) -> int:
    return uint_at(data, i, 4)


def _chunk_body(data: Any, layer: Layer, chunk: Field, ctype: int, i: int, stop: int) -> str:
    """The chunk's value; returns its part of the Info column."""
    body = i + 4
    name = CHUNK_NAMES.get(ctype, "RESERVED")
    if ctype in DATA_TYPES:
        return _data(data, layer, chunk, ctype, i, stop)
    if ctype in (1, 2) and body + 16 <= stop:
        specs = INIT_FIELDS["init" if ctype == 1 else "initack"]
        for spec, off, size in zip(specs, (0, 4, 8, 10, 12), (4, 4, 2, 2, 4), strict=True):
            layer.add(spec, body + off, size, uint_at(data, body + off, size), parent=chunk)
        chunk.value = (f"{name} chunk (Outbound streams: {uint_at(data, body + 8, 2)}, "
                       f"inbound streams: {uint_at(data, body + 10, 2)})")  # fmt: skip
        _params(data, layer, chunk, body + 16, stop)
    elif ctype == 3 and body + 12 <= stop:
        return _sack(data, layer, chunk, body, stop)
    elif ctype in (4, 5, 130, 193, 128):
        if ctype in (193, 128) and body + 4 <= stop:
            spec = ASCONF_SEQ if ctype == 193 else ASCONF_ACK_SEQ
            layer.add(spec, body, 4, _u32(data, body), parent=chunk)
            body += 4
        if ctype in (4, 5):
            chunk.value = f"{name} chunk (Information: {stop - body} bytes)"
        _params(data, layer, chunk, body, stop)
    elif ctype in (6, 9):
        _causes(data, layer, chunk, body, stop)
    elif ctype == 7 and body + 4 <= stop:
        layer.add(SHUTDOWN_TSN, body, 4, _u32(data, body), parent=chunk)
        chunk.value = f"{name} chunk (Cumulative TSN ack: {_u32(data, body)})"
    elif ctype in (12, 13) and body + 4 <= stop:
        layer.add(ECNE_TSN if ctype == 12 else CWR_TSN, body, 4, _u32(data, body), parent=chunk)
        chunk.value = f"{name} chunk (Lowest TSN: {_u32(data, body)})"
    elif ctype == 10:
        layer.add(COOKIE, body, stop - body, bytes(data[body:stop]), parent=chunk)
        chunk.value = f"{name} chunk (Cookie length: {stop - body} bytes)"
    elif ctype in (192, 194) and body + 4 <= stop:
        _forward_tsn(data, layer, chunk, body, stop)
    elif ctype == 15 and body + 4 <= stop:
        layer.add(SHARED_KEY, body, 2, uint_at(data, body, 2), parent=chunk)
        layer.add(HMAC_ID, body + 2, 2, uint_at(data, body + 2, 2), parent=chunk)
        layer.add(HMAC, body + 4, stop - body - 4, bytes(data[body + 4 : stop]), parent=chunk)
    elif ctype == 132:
        layer.add(PAD_DATA, body, stop - body, bytes(data[body:stop]), parent=chunk)
    elif ctype not in CHUNK_NAMES and stop > body:
        layer.add(CHUNK_VALUE, body, stop - body, bytes(data[body:stop]), parent=chunk)
        chunk.value = f"RESERVED chunk (Type: {ctype}, value length: {stop - body} bytes)"
    return name


def _data(data: Any, layer: Layer, chunk: Field, ctype: int, i: int, stop: int) -> str:
    """DATA and I-DATA: TSN, stream, sequence or message numbers, and the user data."""
    name = CHUNK_NAMES[ctype]
    if i + 16 > stop:
        return name
    tsn, sid = _u32(data, i + 4), uint_at(data, i + 8, 2)
    layer.add(DATA_TSN, i + 4, 4, tsn, parent=chunk)
    layer.add(DATA_SID, i + 8, 2, sid, parent=chunk)
    if ctype == 0:
        layer.add(DATA_SSN, i + 10, 2, uint_at(data, i + 10, 2), parent=chunk)
        layer.add(DATA_PPID, i + 12, 4, _u32(data, i + 12), parent=chunk)
        start = i + 16
    else:
        if i + 20 > stop:
            return name
        layer.add(DATA_RESERVED, i + 10, 2, uint_at(data, i + 10, 2), parent=chunk)
        layer.add(DATA_MID, i + 12, 4, _u32(data, i + 12), parent=chunk)
        layer.add(DATA_FSN, i + 16, 4, _u32(data, i + 16), parent=chunk)
        start = i + 20
    if stop > start:
        layer.add(USER_DATA, start, stop - start, bytes(data[start:stop]), parent=chunk)
    flags = data[i + 1]
    order = "unordered" if flags & 4 else "ordered"
    seg = {3: "complete segment", 2: "first segment", 1: "last segment"}.get(
        flags & 3, "middle segment"
    )
    chunk.value = f"{name} chunk ({order}, {seg}, TSN: {tsn}, SID: {sid}, payload length: {stop - start} bytes)"
    return f"{name} (TSN={tsn})"


def _sack(data: Any, layer: Layer, chunk: Field, body: int, stop: int) -> str:
    vals = (_u32(data, body), _u32(data, body + 4), uint_at(data, body + 8, 2),
            uint_at(data, body + 10, 2))  # fmt: skip
    for spec, off, size, value in zip(SACK_FIELDS, (0, 4, 8, 10), (4, 4, 2, 2), vals, strict=True):
        layer.add(spec, body + off, size, value, parent=chunk)
    cum, i, total, last_end = vals[0], body + 12, 0, 0
    for _ in range(min(vals[2], MAX_ITEMS)):
        if i + 4 > stop:
            break
        start, end = uint_at(data, i, 2), uint_at(data, i + 2, 2)
        gap = layer.add(GAP, i, 4, f"Gap Acknowledgement for TSN {cum + start} to {cum + end}",
                        parent=chunk)  # fmt: skip
        s = layer.add(GAP_START, i, 2, start, parent=gap)
        layer.add(GAP_START_TSN, i, 0, cum + start, parent=s)
        e = layer.add(GAP_END, i + 2, 2, end, parent=gap)
        layer.add(GAP_END_TSN, i + 2, 0, cum + end, parent=e)
        total += max(0, end - start + 1)
        last_end = end
        i += 4
    if vals[2]:
        layer.add(GAP_TOTAL, body + 8, 0, total, parent=chunk)
    for _ in range(min(vals[3], MAX_ITEMS)):
        if i + 4 > stop:
            break
        layer.add(DUP_TSN, i, 4, _u32(data, i), parent=chunk)
        i += 4
    chunk.value = (f"SACK chunk (Cumulative TSN: {cum}, a_rwnd: {vals[1]}, gaps: {vals[2]}, "
                   f"duplicate TSNs: {vals[3]})")  # fmt: skip
    return f"SACK (Ack={cum}{f'+{last_end}' if last_end else ''}, Arwnd={vals[1]})"


def _forward_tsn(data: Any, layer: Layer, chunk: Field, body: int, stop: int) -> None:
    layer.add(FWD_TSN, body, 4, _u32(data, body), parent=chunk)
    chunk.value = f"{CHUNK_NAMES[data[body - 4]]} chunk(Cumulative TSN: {_u32(data, body)})"
    i = body + 4
    for _ in range(MAX_ITEMS):
        if i + 4 > stop or data[body - 4] != 192:
            break
        layer.add(FWD_SID, i, 2, uint_at(data, i, 2), parent=chunk)
        layer.add(FWD_SSN, i + 2, 2, uint_at(data, i + 2, 2), parent=chunk)
        i += 4


def _params(data: Any, layer: Layer, chunk: Field, i: int, stop: int) -> None:
    """Type-length-value parameters, each padded to four bytes."""
    for _ in range(MAX_ITEMS):
        if i + 4 > stop:
            break
        ptype, length = uint_at(data, i, 2), uint_at(data, i + 2, 2)
        end = min(i + max(length, 4), stop)
        param = layer.add(PARAM, i, end - i, f"{PARAM_NAMES.get(ptype, 'Unknown')} parameter",
                          parent=chunk)  # fmt: skip
        t = layer.add(PARAM_TYPE, i, 2, ptype, parent=param)
        layer.add(PARAM_BIT_1, i, 2, bool(ptype & 0x8000), mask=0x8000, parent=t)
        layer.add(PARAM_BIT_2, i, 2, bool(ptype & 0x4000), mask=0x4000, parent=t)
        layer.add(PARAM_LENGTH, i + 2, 2, length, parent=param)
        if length < 4:
            layer.issue("error", "malformed", "sctp.parameter_length.bad",
                        f"Parameter length {length} is less than 4", i + 2, 2)  # fmt: skip
            break
        _param_value(data, layer, param, ptype, i + 4, end)
        padded = min(i + ((length + 3) & ~3), stop)
        if padded > end:
            layer.add(PARAM_PADDING, end, padded - end, bytes(data[end:padded]), parent=param)
        i = padded


def _param_value(data: Any, layer: Layer, param: Field, ptype: int, i: int, end: int) -> None:
    if end <= i:
        return
    spec = PARAM_VALUES.get(ptype)
    if ptype == 5 and end - i >= 4:
        addr = ipv4_str(bytes(data[i : i + 4]))
        layer.add(spec, i, 4, addr, parent=param)
        param.value = f"IPv4 address parameter (Address: {addr})"
    elif ptype == 6 and end - i >= 16:
        addr = ipv6_str(bytes(data[i : i + 16]))
        layer.add(spec, i, 16, addr, parent=param)
        param.value = f"IPv6 address parameter (Address: {addr})"
    elif ptype == 12:
        for k in range(i, end - 1, 2):
            layer.add(ADDR_TYPE, k, 2, uint_at(data, k, 2), parent=param)
    elif ptype in (0x8008, 0x8003):
        each = SUPPORTED_CHUNK if ptype == 0x8008 else AUTH_CHUNK
        for k in range(i, end):
            layer.add(each, k, 1, data[k], parent=param)
    elif ptype == 0x8004:
        for k in range(i, end - 1, 2):
            layer.add(HMAC_ID, k, 2, uint_at(data, k, 2), parent=param)
    elif spec is not None and spec.kind == "uint" and end - i >= 4:
        layer.add(spec, i, 4, _u32(data, i), parent=param)
    elif spec is not None and spec.kind == "text":
        text = bytes(data[i:end]).split(b"\0", 1)[0].decode("utf-8", "replace")
        layer.add(spec, i, end - i, text, parent=param)
    else:
        layer.add(spec or PARAM_VALUE, i, end - i, bytes(data[i:end]), parent=param)


def _causes(data: Any, layer: Layer, chunk: Field, i: int, stop: int) -> None:
    """ABORT and ERROR: error causes, each a code, a length and details."""
    for _ in range(MAX_ITEMS):
        if i + 4 > stop:
            break
        code, length = uint_at(data, i, 2), uint_at(data, i + 2, 2)
        end = min(i + max(length, 4), stop)
        cause = layer.add(CAUSE, i, end - i, f"{CAUSE_NAMES.get(code, 'Unknown')} cause",
                          parent=chunk)  # fmt: skip
        layer.add(CAUSE_CODE, i, 2, code, parent=cause)
        layer.add(CAUSE_LENGTH, i + 2, 2, length, parent=cause)
        if length < 4:
            break
        if code == 1 and end >= i + 8:  # invalid stream identifier
            layer.add(CAUSE_SID, i + 4, 2, uint_at(data, i + 4, 2), parent=cause)
            layer.add(CAUSE_RESERVED, i + 6, 2, uint_at(data, i + 6, 2), parent=cause)
        elif end > i + 4:
            layer.add(CAUSE_INFO, i + 4, end - i - 4, bytes(data[i + 4 : end]), parent=cause)
        padded = min(i + ((length + 3) & ~3), stop)
        if padded > end:
            layer.add(CAUSE_PADDING, end, padded - end, bytes(data[end:padded]), parent=cause)
        i = padded


def _info(layer: Layer) -> str:
    state = layer.state
    return state.info if state is not None else ""


SCTP.tail = _tail
SCTP.info = _info

bind("ip.proto", 132, SCTP)
