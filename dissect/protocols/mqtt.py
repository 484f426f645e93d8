"""MQ Telemetry Transport (MQTT 3.1.1, OASIS; 3.1 alike) on TCP port 1883.

Each control packet is a fixed header (type and flags, then the remaining length as a
variable-length integer of 1-4 bytes) and the packet's own fields: CONNECT (protocol name
and level, connect flags, keep-alive, client id, will, user name, password), CONNACK,
PUBLISH (topic, packet id at QoS 1 and 2, the message), the acknowledgements, SUBSCRIBE
and SUBACK, UNSUBSCRIBE, PING and DISCONNECT. Several packets in one segment become one
layer each; a packet that runs past the segment is decoded as far as it goes and noted.
MQTT 5 (OASIS, 2019) adds properties to most packets, reason codes to the acknowledgements
and subscription options; only the CONNECT says which version a session speaks, so the
version is remembered per TCP conversation (bounded) from the CONNECT, as Wireshark does: a
packet of a session whose CONNECT was not decoded first is read as 3.1.1, with a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..protocol import (
    HEX,
    U8,
    U16,
    Bits,
    Bytes,
    Field,
    FieldSpec,
    Flag,
    Int,
    Layer,
    Osi,
    Protocol,
    Str,
    Text,
    bind,
)

MQTT_PORT = 1883
TYPES = {1: "Connect Command", 2: "Connect Ack", 3: "Publish Message", 4: "Publish Ack",
         5: "Publish Received", 6: "Publish Release", 7: "Publish Complete",
         8: "Subscribe Request", 9: "Subscribe Ack", 10: "Unsubscribe Request",
         11: "Unsubscribe Ack", 12: "Ping Request", 13: "Ping Response", 14: "Disconnect Req",
         15: "Authentication Exchange"}  # fmt: skip
CONNECT, CONNACK, PUBLISH, SUBSCRIBE, SUBACK, UNSUBSCRIBE = 1, 2, 3, 8, 9, 10
ID_ONLY = (4, 5, 6, 7, 11)  # acknowledgements: a packet id alone
QOS = {0: "At most once delivery (Fire and Forget)", 1: "At least once delivery (Acknowledged deliver)",
       2: "Exactly once delivery (Assured Delivery)", 3: "Reserved"}  # fmt: skip
CONNACK_CODES = {0: "Connection Accepted", 1: "Connection Refused: unacceptable protocol version",
                 2: "Connection Refused: identifier rejected", 3: "Connection Refused: server unavailable",
                 4: "Connection Refused: bad user name or password", 5: "Connection Refused: not authorized"}  # fmt: skip

HDRFLAGS = U8("mqtt.hdrflags", "Header Flags", base=HEX,
              explain="The first byte: the packet type and its flags.")  # fmt: skip
MSGTYPE = Bits("mqtt.msgtype", "Message Type", 1, mask=0xF0, names=TYPES,
               explain="What the packet is: CONNECT, PUBLISH, SUBSCRIBE, their "
               "acknowledgements, PINGREQ, DISCONNECT...")  # fmt: skip
HDR_RESERVED = Bits("mqtt.hdr_reserved", "Reserved", 1, mask=0x0F,
                    explain="Flags reserved by the packet type (2 for SUBSCRIBE, UNSUBSCRIBE and "
                    "PUBREL; else 0).")  # fmt: skip
DUPFLAG = Flag("mqtt.dupflag", "DUP Flag", 0x08, 1,
               explain="The message is sent again (an earlier attempt was not acknowledged).")  # fmt: skip
QOS_BITS = Bits("mqtt.qos", "QoS Level", 1, mask=0x06, names=QOS,
                explain="Delivery guarantee: 0 at most once, 1 at least once (PUBACK), 2 exactly "
                "once (PUBREC, PUBREL, PUBCOMP).")  # fmt: skip
RETAIN = Flag("mqtt.retain", "Retain", 0x01, 1,
              explain="The broker keeps this message and gives it to later subscribers.")  # fmt: skip
LENGTH = Int("mqtt.len", "Msg Len",
             explain="Remaining length: the bytes of the packet after this field (a varint of "
             "1-4 bytes).")  # fmt: skip
PROTO_LEN = U16("mqtt.proto_len", "Protocol Name Length", explain="Length of the protocol name.")
PROTONAME = Text("mqtt.protoname", "Protocol Name", explain="'MQTT' (3.1.1), 'MQIsdp' (3.1).")
VER = U8("mqtt.ver", "Version", names={3: "MQTT v3.1", 4: "MQTT v3.1.1", 5: "MQTT v5.0"},
         explain="Protocol level: 3 for 3.1, 4 for 3.1.1, 5 for MQTT 5.")  # fmt: skip
CONFLAG_BITS = (
    Flag("mqtt.conflag.uname", "User Name Flag", 0x80, 1, explain="A user name follows."),
    Flag("mqtt.conflag.passwd", "Password Flag", 0x40, 1, explain="A password follows."),
    Flag("mqtt.conflag.retain", "Will Retain", 0x20, 1,
         explain="The will message is retained."),
    Bits("mqtt.conflag.qos", "QoS Level", 1, mask=0x18, names=QOS,
         explain="The will message's QoS."),
    Flag("mqtt.conflag.willflag", "Will Flag", 0x04, 1,
         explain="A will (a message the broker publishes if the client vanishes) follows."),
    Flag("mqtt.conflag.cleansess", "Clean Session Flag", 0x02, 1,
         explain="Start a fresh session, dropping any the broker kept."),
    Flag("mqtt.conflag.reserved", "(Reserved)", 0x01, 1, explain="Reserved: 0."),
)  # fmt: skip
CONFLAGS = U8("mqtt.conflags", "Connect Flags", base=HEX, children=CONFLAG_BITS,
              explain="What the CONNECT holds and how the session starts.")  # fmt: skip
KALIVE = U16("mqtt.kalive", "Keep Alive",
             explain="Seconds the client may stay silent before the broker drops it.")  # fmt: skip
# Length-prefixed CONNECT payload strings, in wire order: (length field, field, connect flag)
CONNECT_STRINGS = (
    (U16("mqtt.clientid_len", "Client ID Length", explain="Length of the client id."),
     Text("mqtt.clientid", "Client ID", explain="The client's id: names its session."), 0),
    (U16("mqtt.willtopic_len", "Will Topic Length", explain="Length of the will topic."),
     Text("mqtt.willtopic", "Will Topic", explain="Where the will message is published."), 0x04),
    (U16("mqtt.willmsg_len", "Will Message Length", explain="Length of the will message."),
     Bytes("mqtt.willmsg", "Will Message",
           explain="What the broker publishes if the client disconnects uncleanly."), 0x04),
    (U16("mqtt.username_len", "User Name Length", explain="Length of the user name."),
     Text("mqtt.username", "User Name", explain="The user name."), 0x80),
    (U16("mqtt.passwd_len", "Password Length", explain="Length of the password."),
     Text("mqtt.passwd", "Password", explain="The password, in the clear unless TLS is used."),
     0x40),
)  # fmt: skip
CONACK_FLAGS = U8("mqtt.conack.flags", "Acknowledge Flags", base=HEX, children=(
    Bits("mqtt.conack.flags.reserved", "Reserved", mask=0xFE, explain="Reserved: 0."),
    Flag("mqtt.conack.flags.sp", "Session Present", 0x01,
         explain="The broker kept a session for this client."),
), explain="CONNACK flags: whether a session was resumed.")  # fmt: skip
CONACK_VAL = U8("mqtt.conack.val", "Return Code", names=CONNACK_CODES,
                explain="Whether the broker accepted the connection, else why not.")  # fmt: skip
TOPIC_LEN = U16("mqtt.topic_len", "Topic Length", explain="Length of the topic.")
TOPIC = Text("mqtt.topic", "Topic",
             explain="The topic: a path such as sensors/temp (in a subscription, + and # are "
             "wildcards).")  # fmt: skip
MSGID = U16("mqtt.msgid", "Message Identifier",
            explain="Packet id: pairs a message with its acknowledgement.")  # fmt: skip
MSG = Bytes("mqtt.msg", "Message", explain="The application message (the payload).")
SUB_QOS = U8("mqtt.sub.qos", "Requested QoS", names=QOS,
             explain="The highest QoS the subscriber wants for this topic.")  # fmt: skip
# -- MQTT 5 --------------------------------------------------------------------------------
MAX_SESSIONS = 4096  # TCP conversations whose MQTT version is remembered (oldest forgotten)
_VERSIONS: dict[tuple, int] = {}
REASONS = {4: "Disconnect with Will Message", 16: "No matching subscribers", 17: "No subscription existed", 24: "Continue authentication", 25: "Re-authenticate", 128: "Unspecified error", 129: "Malformed Packet", 130: "Protocol Error", 131: "Implementation specific error", 132: "Unsupported Protocol Version", 133: "Client Identifier not valid", 134: "Bad User Name or Password", 135: "Not authorized", 136: "Server unavailable", 137: "Server busy", 138: "Banned", 139: "Server shutting down", 140: "Bad authentication method", 141: "Keep Alive timeout", 142: "Session taken over", 143: "Topic Filter invalid", 144: "Topic Name invalid", 145: "Packet Identifier in use", 146: "Packet Identifier not found", 147: "Receive Maximum exceeded", 148: "Topic Alias invalid", 149: "Packet too large", 150: "Message rate too high", 151: "Quota exceeded", 152: "Administrative action", 153: "Payload format invalid", 154: "Retain not supported", 155: "QoS not supported", 156: "Use another server", 157: "Server moved", 158: "Shared Subscription not supported", 159: "Connection rate exceeded", 160: "Maximum connect time", 161: "Subscription Identifiers not supported", 162: "Wildcard Subscription not supported"}  # fmt: skip


def _reason(name: str, zero: dict[int, str], codes: tuple[int, ...], what: str) -> FieldSpec:
    """A packet type's Reason Code field: the names Wireshark gives that type's codes."""
    return U8(name, "Reason Code", names={**zero, **{c: REASONS[c] for c in codes}},
              explain=f"MQTT 5: {what} (0: success; 0x80 and above: an error).")  # fmt: skip


OK = {0: "Success"}
REASON_CODES = {  # packet type -> its reason code field
    2: _reason("mqtt.connack.reason_code", OK, (128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 140, 144, 149, 151, 154, 155, 156, 157, 159), "whether the broker accepted the connection"),
    4: _reason("mqtt.puback.reason_code", OK, (16, 128, 131, 135, 144, 145, 151, 153), "the outcome of the publication"),
    5: _reason("mqtt.pubrec.reason_code", OK, (16, 128, 131, 135, 144, 145, 151, 153), "the outcome of the publication"),
    6: _reason("mqtt.pubrel.reason_code", OK, (146,), "whether the packet id was known"),
    7: _reason("mqtt.pubcomp.reason_code", OK, (146,), "whether the packet id was known"),
    9: _reason("mqtt.suback.reason_code", {0: "Granted QoS 0", 1: "Granted QoS 1", 2: "Granted QoS 2"}, (128, 131, 135, 143, 145, 151, 158, 161, 162), "the QoS granted for one topic filter, or why not"),
    11: _reason("mqtt.unsuback.reason_code", OK, (17, 131, 135, 143, 145), "the outcome for one topic filter"),
    14: _reason("mqtt.disconnect.reason_code", {0: "Normal disconnection"}, (4, 128, 129, 130, 131, 135, 137, 139, 140, 141, 142, 143, 144, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162), "why the connection ends"),
    15: _reason("mqtt.auth.reason_code", OK, (24, 25), "the step of the authentication exchange"),
}  # fmt: skip
PROPERTY_NAMES = {1: "Payload Format Indicator", 2: "Publication Expiry Interval", 3: "Content Type", 8: "Response Topic", 9: "Correlation Data", 11: "Subscription Identifier", 17: "Session Expiry Interval", 18: "Assigned Client Identifier", 19: "Server Keep Alive", 21: "Authentication Method", 22: "Authentication Data", 23: "Request Problem Information", 24: "Will Delay Interval", 25: "Request Response Information", 26: "Response Information", 28: "Server Reference", 31: "Reason String", 33: "Receive Maximum", 34: "Topic Alias Maximum", 35: "Topic Alias", 36: "Maximum QoS", 37: "Retain Available", 38: "User Property", 39: "Maximum Packet Size", 40: "Wildcard Subscription Available", 41: "Subscription Identifier Available", 42: "Shared Subscription Available"}  # fmt: skip
PROPERTIES = Str("mqtt.properties", "Properties",
                 explain="MQTT 5 properties: optional settings and metadata of the packet.")  # fmt: skip
WILL_PROPERTIES = Str("mqtt.will_properties", "Will Properties",
                      explain="MQTT 5 properties of the will message.")  # fmt: skip
PROPERTY_LEN = Int("mqtt.property_len", "Total Length",
                   explain="Bytes of properties that follow (a variable-length integer).")  # fmt: skip
PROPERTY_ID = U8("mqtt.property_id", "ID", base=HEX, names=PROPERTY_NAMES,
                 explain="Which property this is (MQTT 5 section 2.2.2.2).")  # fmt: skip
PROP_NUMBER = Int("mqtt.prop_number", "Value", explain="The property's number.")
PROP_MAX_QOS = U8("mqtt.property.max_qos", "QoS", names=QOS,
                  explain="The highest QoS the broker supports.")  # fmt: skip
PROP_TOPIC_ALIAS = U16("mqtt.property.topic_alias", "Topic Alias",
                       explain="A number standing for the topic, so later PUBLISHes can omit it.")  # fmt: skip
PROP_CONTENT_TYPE = Text("mqtt.property.content_type", "Content Type",
                         explain="The payload's MIME type (with its 2-byte length).")  # fmt: skip
PROP_STRING_LEN = Int("mqtt.prop_string_len", "Length", explain="Length of the value.")
PROP_STRING = Text("mqtt.prop_string", "Value", explain="The property's text or bytes.")
PROP_KEY_LEN = Int("mqtt.prop_key_len", "Key Length", explain="Length of the key.")
PROP_KEY = Text("mqtt.prop_key", "Key", explain="A user property's name.")
PROP_VALUE_LEN = Int("mqtt.prop_value_len", "Value Length", explain="Length of the value.")
PROP_VALUE = Text("mqtt.prop_value", "Value", explain="A user property's value.")
PROP_UNKNOWN = Text("mqtt.prop_unknown", "Unknown Property",
                    explain="A property this version does not define: the rest is unreadable.")  # fmt: skip
PROP_WIDTHS = {1: 1, 23: 1, 25: 1, 37: 1, 40: 1, 41: 1, 42: 1, 19: 2, 33: 2, 34: 2,
               2: 4, 17: 4, 24: 4, 39: 4}  # fmt: skip
PROP_STRINGS = (8, 9, 18, 21, 22, 26, 28, 31)
SUB_OPTIONS_BITS = (
    Bits("mqtt.subscription_options_reserved", "Reserved", 1, mask=0xC0, base=HEX,
         explain="Reserved: 0."),
    Bits("mqtt.subscription_options_retain", "Retain Handling", 1, mask=0x30,
         names={0: "Send msgs at subscription time", 1: "Send msgs if subscription does not exist",
                2: "Do not send msgs at subscription time", 3: "Reserved"},
         explain="Whether retained messages are sent when the subscription is made."),
    Flag("mqtt.subscription_options_rap", "Retain As Published", 0x08, 1,
         explain="Forwarded messages keep their retain flag."),
    Flag("mqtt.subscription_options_nl", "No Local", 0x04, 1,
         explain="The client's own publications are not sent back to it."),
    Bits("mqtt.subscription_options_qos", "QoS", 1, mask=0x03, names=QOS,
         explain="The highest QoS the subscriber wants."),
)  # fmt: skip
SUB_OPTIONS = U8("mqtt.subscription_options", "Subscription Options", base=HEX,
                 children=SUB_OPTIONS_BITS,
                 explain="MQTT 5: QoS, no-local, retain-as-published and retain handling.")  # fmt: skip
SUBACK_QOS = U8("mqtt.suback.qos", "Granted QoS",
                names={**QOS, 0x80: "Failure"},
                explain="The QoS the broker grants (0x80: the subscription failed).")  # fmt: skip


@dataclass(slots=True)
class MqttState:
    """What tail() read for the Info column: the packet's type and Info text."""

    info: str
    length: int  # the remaining length
    len_size: int  # bytes of the remaining-length varint
    version: int = 0  # the session's protocol level (5: MQTT 5); 0 unknown (read as 3.1.1)


def _varint(data: Any, p: int, end: int) -> tuple[int, int] | None:
    """(value, bytes) of the remaining length at p; None if cut or longer than 4 bytes."""
    value = 0
    for i in range(4):
        if p + i >= end:
            return None
        b = data[p + i]
        value |= (b & 0x7F) << (7 * i)
        if not b & 0x80:
            return value, i + 1
    return None


def _tail(data: Any, layer: Layer) -> None:
    start, end = layer.pos, layer.payload_end
    layer.hdr_len = end - start
    layer.payload_pos = end
    got = _varint(data, start + 1, end)
    if got is None:
        if end - start >= 5:
            layer.issue("error", "malformed", "mqtt.len.bad",
                        "remaining length longer than 4 bytes", start + 1, 4)  # fmt: skip
        else:
            _continues(layer, start, end)
        return
    length, size = got
    stop = start + 1 + size + length
    if stop < end:
        layer.hdr_len = stop - start
        layer.payload_pos = stop
        layer.next = MQTT  # another control packet follows in the segment
    elif stop > end:
        _continues(layer, start, end)
    version = _version(data, layer, start + 1 + size, min(stop, end))
    info = _packet_info(data, start, start + 1 + size, min(stop, end), version)
    layer.state = MqttState(info, length, size, version)


def _conversation(layer: Layer) -> tuple:
    """The TCP conversation the layer is in, the same both ways."""
    ctx, src, dst = layer.packet.ctx, 0, 0
    for below in layer.packet.layers:
        if below.name == "tcp":
            src, dst = below.value("tcp.srcport", 0), below.value("tcp.dstport", 0)
    a, b = (ctx.pseudo_src, src), (ctx.pseudo_dst, dst)
    return (a, b) if (bytes(a[0] or b""), a[1]) <= (bytes(b[0] or b""), b[1]) else (b, a)


def _version(data: Any, layer: Layer, p: int, end: int) -> int:
    """The session's version: a CONNECT's own (remembered for its conversation), else
    what its conversation's CONNECT said; unknown is noted as Wireshark notes it."""
    key = _conversation(layer)
    if data[layer.pos] >> 4 == CONNECT:
        at = p + 2 + (_u16(data, p) if p + 2 <= end else 0)
        version = data[at] if at < end else 0
        if version:
            while len(_VERSIONS) >= MAX_SESSIONS:
                del _VERSIONS[next(iter(_VERSIONS))]
            _VERSIONS.pop(key, None)
            _VERSIONS[key] = version
        return version
    version = _VERSIONS.get(key, 0)
    if not version:
        layer.issue("note", "protocol", "mqtt.unknown_version",
                    "Unknown version (missing the CONNECT packet?)", layer.pos, 1)  # fmt: skip
    return version


def forget() -> None:
    """Forget every session's version (tests start from nothing)."""
    _VERSIONS.clear()


def _continues(layer: Layer, start: int, end: int) -> None:
    pkt = layer.packet
    if pkt.caplen < pkt.wirelen and end >= pkt.caplen:
        layer.issue("warn", "truncated", "mqtt.truncated", "MQTT packet cut by the capture",
                    start, end - start)  # fmt: skip
    else:
        layer.issue("note", "sequence", "mqtt.continues", "the MQTT packet continues past "
                    "this segment; layerscope does not reassemble TCP", start, end - start)  # fmt: skip


def _u16(data: Any, p: int) -> int:
    return (data[p] << 8) | data[p + 1]


def _skip_properties(data: Any, p: int, end: int) -> int:
    """Where the MQTT 5 properties at p end."""
    got = _varint(data, p, end)
    return end if got is None else min(end, p + got[1] + got[0])


def _packet_info(data: Any, start: int, p: int, end: int, version: int = 0) -> str:
    """'Publish Message (id=7) [sensors/hum]', as tshark words it."""
    kind, flags = data[start] >> 4, data[start] & 0xF
    text = TYPES.get(kind, f"Unknown ({kind})")
    if kind == PUBLISH and p + 2 <= end:
        n = _u16(data, p)
        topic = bytes(data[p + 2 : min(end, p + 2 + n)]).decode("utf-8", "replace")
        qos = (flags >> 1) & 3
        if qos and p + 4 + n <= end:
            text += f" (id={_u16(data, p + 2 + n)})"
        return f"{text} [{topic}]"
    if kind in (SUBSCRIBE, SUBACK, UNSUBSCRIBE) or kind in ID_ONLY:
        if p + 2 <= end:
            text += f" (id={_u16(data, p)})"
        if kind == SUBSCRIBE:
            first = _skip_properties(data, p + 2, end) if version == 5 else p + 2
            text += "".join(f" [{t}]" for _pos, _n, t in _topics(data, first, end, True))
    return text


def _topics(data: Any, p: int, end: int, with_qos: bool) -> list[tuple[int, int, str]]:
    """(position, length, topic) of each topic filter; a QoS byte follows each one in a
    SUBSCRIBE."""
    out = []
    while p + 2 <= end:
        n = _u16(data, p)
        if p + 2 + n > end:
            break
        out.append((p, n, bytes(data[p + 2 : p + 2 + n]).decode("utf-8", "replace")))
        p += 2 + n + (1 if with_qos else 0)
    return out


# -- detail ----------------------------------------------------------------------------------
class _Fields:
    """Adds fields while the bytes last (the rest of a cut packet is in a later segment)."""

    def __init__(self, data: Any, layer: Layer, end: int, version: int = 0) -> None:
        self.data, self.layer, self.end = data, layer, end
        self.v5 = version == 5

    def uint(self, spec: FieldSpec, p: int, size: int, parent: Field | None = None) -> int | None:
        if p + size > self.end:
            return None
        v = int.from_bytes(self.data[p : p + size], "big")
        self.layer.add(spec, p, size, v, 0, parent)
        return v

    def string(self, len_spec: FieldSpec, spec: FieldSpec, p: int) -> int:
        """A 2-byte length and its bytes; returns where the next item starts (or end)."""
        n = self.uint(len_spec, p, 2)
        if n is None or p + 2 + n > self.end:
            return self.end
        raw = bytes(self.data[p + 2 : p + 2 + n])
        self.layer.add(
            spec, p + 2, n, raw if spec.kind == "bytes" else raw.decode("utf-8", "replace")
        )
        return p + 2 + n


def _detail(data: Any, layer: Layer) -> None:
    state = layer.state
    if state is None:
        return
    start = layer.pos
    first = data[start]
    kind = first >> 4
    end = min(layer.payload_end, start + 1 + state.len_size + state.length)
    f = layer.add(HDRFLAGS, start, 1, first)
    layer.add(MSGTYPE, start, 1, kind, 0xF0, f)
    if kind == PUBLISH:
        layer.add(DUPFLAG, start, 1, bool(first & 0x08), 0x08, f)
        layer.add(QOS_BITS, start, 1, (first >> 1) & 3, 0x06, f)
        layer.add(RETAIN, start, 1, bool(first & 0x01), 0x01, f)
    else:
        layer.add(HDR_RESERVED, start, 1, first & 0x0F, 0x0F, f)
    layer.add(LENGTH, start + 1, state.len_size, state.length)
    out = _Fields(data, layer, end, state.version)
    p = start + 1 + state.len_size
    BODIES.get(kind, _no_body)(out, p, first)


def _no_body(out: _Fields, p: int, first: int) -> None:
    """PINGREQ, PINGRESP; DISCONNECT and AUTH before MQTT 5: nothing after the header."""
    if out.v5 and p < out.end:  # MQTT 5 DISCONNECT, AUTH: a reason code, then properties
        out.uint(REASON_CODES[first >> 4], p, 1)
        if p + 1 < out.end:
            _properties(out, p + 1)


def _properties(out: _Fields, p: int, spec: FieldSpec = PROPERTIES) -> int:
    """MQTT 5 properties (section 2.2.2): their length, then id and value each; returns
    where they end. An unknown id makes the rest one item, as Wireshark does."""
    got = _varint(out.data, p, out.end)
    if got is None:
        return out.end
    n, size = got
    stop = min(p + size + n, out.end)
    layer = out.layer
    node = layer.add(spec, p, stop - p, "")
    layer.add(PROPERTY_LEN, p, size, n, 0, node)
    q = p + size
    for _i in range(n):  # each property takes at least its id byte
        if q >= stop:
            break
        pid = out.data[q]
        layer.add(PROPERTY_ID, q, 1, pid, 0, node)
        q = _property(out, node, pid, q + 1, stop)
    return p + size + n


def _property(out: _Fields, node: Field | None, pid: int, q: int, stop: int) -> int:
    """One property's value at q; returns where the next property starts."""
    data, layer = out.data, out.layer
    if pid in PROP_WIDTHS or pid in (35, 36):
        width = 2 if pid == 35 else 1 if pid == 36 else PROP_WIDTHS[pid]
        spec = PROP_TOPIC_ALIAS if pid == 35 else PROP_MAX_QOS if pid == 36 else PROP_NUMBER
        if q + width <= stop:
            layer.add(spec, q, width, int.from_bytes(data[q : q + width], "big"), 0, node)
        return q + width
    if pid == 11:  # Subscription Identifier: a variable-length integer
        got = _varint(data, q, stop)
        if got is None:
            return stop
        layer.add(PROP_NUMBER, q, got[1], got[0], 0, node)
        return q + got[1]
    if pid == 3:  # one item: the 2-byte length and the type
        n = _u16(data, q) if q + 2 <= stop else 0
        text = bytes(data[q + 2 : min(stop, q + 2 + n)]).decode("utf-8", "replace")
        layer.add(PROP_CONTENT_TYPE, q, min(stop, q + 2 + n) - q, text, 0, node)
        return q + 2 + n
    if pid in PROP_STRINGS:
        return _prop_string(out, node, PROP_STRING_LEN, PROP_STRING, q, stop)
    if pid == 38:
        q = _prop_string(out, node, PROP_KEY_LEN, PROP_KEY, q, stop)
        return _prop_string(out, node, PROP_VALUE_LEN, PROP_VALUE, q, stop)
    text = bytes(data[q:stop]).decode("utf-8", "replace")
    layer.add(PROP_UNKNOWN, q, stop - q, text, 0, node)
    return stop


def _prop_string(out: _Fields, node: Field | None, len_spec: FieldSpec, spec: FieldSpec,
                 q: int, stop: int) -> int:  # fmt: skip
    if q + 2 > stop:
        return stop
    n = _u16(out.data, q)
    out.layer.add(len_spec, q, 2, n, 0, node)
    text = bytes(out.data[q + 2 : min(stop, q + 2 + n)]).decode("utf-8", "replace")
    out.layer.add(spec, q + 2, min(stop, q + 2 + n) - q - 2, text, 0, node)
    return q + 2 + n


def _connect(out: _Fields, p: int, first: int) -> None:
    p = out.string(PROTO_LEN, PROTONAME, p)
    if out.uint(VER, p, 1) is None or p + 4 > out.end:
        return
    flags = out.data[p + 1]
    node = out.layer.add(CONFLAGS, p + 1, 1, flags)
    for spec in CONFLAG_BITS:
        v = (flags & spec.mask) >> ((spec.mask & -spec.mask).bit_length() - 1)
        out.layer.add(spec, p + 1, 1, bool(v) if spec.kind == "flag" else v, spec.mask, node)
    out.uint(KALIVE, p + 2, 2)
    p += 4
    if out.v5:
        p = _properties(out, p)
    for len_spec, spec, flag in CONNECT_STRINGS:
        if out.v5 and spec is CONNECT_STRINGS[1][1] and flags & flag:
            p = _properties(out, p, WILL_PROPERTIES)  # the will's, before its topic
        if flag == 0 or flags & flag:
            p = out.string(len_spec, spec, p)


def _connack(out: _Fields, p: int, first: int) -> None:
    if p + 2 > out.end:
        return
    flags = out.data[p]
    node = out.layer.add(CONACK_FLAGS, p, 1, flags)
    for spec in CONACK_FLAGS.children:
        v = (flags & spec.mask) >> ((spec.mask & -spec.mask).bit_length() - 1)
        out.layer.add(spec, p, 1, bool(v) if spec.kind == "flag" else v, spec.mask, node)
    out.uint(REASON_CODES[CONNACK] if out.v5 else CONACK_VAL, p + 1, 1)
    if out.v5 and p + 2 < out.end:
        _properties(out, p + 2)


def _publish(out: _Fields, p: int, first: int) -> None:
    p = out.string(TOPIC_LEN, TOPIC, p)
    if (first >> 1) & 3 and p < out.end:
        out.uint(MSGID, p, 2)
        p += 2
    if out.v5 and p < out.end:
        p = _properties(out, p)
    if p < out.end:
        out.layer.add(MSG, p, out.end - p, bytes(out.data[p : out.end]))


def _id_only(out: _Fields, p: int, first: int) -> None:
    """The acknowledgements: a packet id; in MQTT 5 a reason code and properties when the
    packet is longer (UNSUBACK: properties, then a reason code per topic filter)."""
    out.uint(MSGID, p, 2)
    kind = first >> 4
    if not out.v5 or p + 2 >= out.end:
        return
    if kind == 11:
        for q in range(_properties(out, p + 2), out.end):
            out.uint(REASON_CODES[kind], q, 1)
        return
    out.uint(REASON_CODES[kind], p + 2, 1)
    if p + 3 < out.end:
        _properties(out, p + 3)


def _subscribe(out: _Fields, p: int, first: int) -> None:
    unsubscribe = first >> 4 == UNSUBSCRIBE
    if out.uint(MSGID, p, 2) is None:
        return
    p = _properties(out, p + 2) if out.v5 else p + 2
    for pos, n, topic in _topics(out.data, p, out.end, not unsubscribe):
        out.layer.add(TOPIC_LEN, pos, 2, n)
        out.layer.add(TOPIC, pos + 2, n, topic)
        if not unsubscribe and out.v5:
            _options(out, pos + 2 + n)
        elif not unsubscribe:
            out.uint(SUB_QOS, pos + 2 + n, 1)


def _options(out: _Fields, p: int) -> None:
    if p >= out.end:
        return
    v = out.data[p]
    node = out.layer.add(SUB_OPTIONS, p, 1, v)
    for spec in SUB_OPTIONS_BITS:
        bits = (v & spec.mask) >> ((spec.mask & -spec.mask).bit_length() - 1)
        out.layer.add(spec, p, 1, bool(bits) if spec.kind == "flag" else bits, spec.mask, node)


def _suback(out: _Fields, p: int, first: int) -> None:
    if out.uint(MSGID, p, 2) is None:
        return
    first = _properties(out, p + 2) if out.v5 else p + 2
    for q in range(first, out.end):
        out.uint(REASON_CODES[9] if out.v5 else SUBACK_QOS, q, 1)


BODIES = {CONNECT: _connect, CONNACK: _connack, PUBLISH: _publish, SUBSCRIBE: _subscribe,
          UNSUBSCRIBE: _subscribe, SUBACK: _suback, **dict.fromkeys(ID_ONLY, _id_only)}  # fmt: skip


def _info(layer: Layer) -> str:
    """The Info of every MQTT packet of the segment so far, as tshark joins them."""
    layers = layer.packet.layers
    parts = []
    for below in layers[: layers.index(layer) + 1]:
        if below.protocol is MQTT and below.state is not None:
            parts.append(below.state.info)
    return ", ".join(parts)


MQTT = Protocol(
    "mqtt", "MQ Telemetry Transport Protocol", osi=Osi.APPLICATION, short="MQTT", tail=_tail,
    detail=_detail, info=_info, state=MqttState, colour="#87d7af",
    explain="MQTT is a light publish/subscribe protocol for sensors and devices: clients "
    "publish messages on topics to a broker, which passes them to the subscribers.",
)  # fmt: skip

bind("tcp.port", MQTT_PORT, MQTT)
