"""MQ Telemetry Transport (MQTT 3.1.1, OASIS; 3.1 alike) on TCP port 1883.

Each control packet is a fixed header (type and flags, then the remaining length as a
variable-length integer of 1-4 bytes) and the packet's own fields: CONNECT (protocol name
and level, connect flags, keep-alive, client id, will, user name, password), CONNACK,
PUBLISH (topic, packet id at QoS 1 and 2, the message), the acknowledgements, SUBSCRIBE
and SUBACK, UNSUBSCRIBE, PING and DISCONNECT. Several packets in one segment become one
layer each; a packet that runs past the segment is decoded as far as it goes and noted.
MQTT 5 properties are not decoded (a session's version is known only from its CONNECT).
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
SUBACK_QOS = U8("mqtt.suback.qos", "Granted QoS",
                names={**QOS, 0x80: "Failure"},
                explain="The QoS the broker grants (0x80: the subscription failed).")  # fmt: skip


@dataclass(slots=True)
class MqttState:
    """What tail() read for the Info column: the packet's type and Info text."""

    info: str
    length: int  # the remaining length
    len_size: int  # bytes of the remaining-length varint


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
    layer.state = MqttState(_packet_info(data, start, start + 1 + size, min(stop, end)),
                            length, size)  # fmt: skip


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


def _packet_info(data: Any, start: int, p: int, end: int) -> str:
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
            text += "".join(f" [{t}]" for _pos, _n, t in _topics(data, p + 2, end, True))
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

    def __init__(self, data: Any, layer: Layer, end: int) -> None:
        self.data, self.layer, self.end = data, layer, end

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
    out = _Fields(data, layer, end)
    p = start + 1 + state.len_size
    BODIES.get(kind, _no_body)(out, p, first)


def _no_body(out: _Fields, p: int, first: int) -> None:
    """PINGREQ, PINGRESP, DISCONNECT: nothing after the fixed header."""


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
    for len_spec, spec, flag in CONNECT_STRINGS:
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
    out.uint(CONACK_VAL, p + 1, 1)


def _publish(out: _Fields, p: int, first: int) -> None:
    p = out.string(TOPIC_LEN, TOPIC, p)
    if (first >> 1) & 3 and p < out.end:
        out.uint(MSGID, p, 2)
        p += 2
    if p < out.end:
        out.layer.add(MSG, p, out.end - p, bytes(out.data[p : out.end]))


def _id_only(out: _Fields, p: int, first: int) -> None:
    out.uint(MSGID, p, 2)


def _subscribe(out: _Fields, p: int, first: int) -> None:
    unsubscribe = first >> 4 == UNSUBSCRIBE
    if out.uint(MSGID, p, 2) is None:
        return
    for pos, n, topic in _topics(out.data, p + 2, out.end, not unsubscribe):
        out.layer.add(TOPIC_LEN, pos, 2, n)
        out.layer.add(TOPIC, pos + 2, n, topic)
        if not unsubscribe:
            out.uint(SUB_QOS, pos + 2 + n, 1)


def _suback(out: _Fields, p: int, first: int) -> None:
    if out.uint(MSGID, p, 2) is None:
        return
    for q in range(p + 2, out.end):
        out.uint(SUBACK_QOS, q, 1)


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
