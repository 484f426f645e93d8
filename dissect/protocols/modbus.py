"""Modbus/TCP (Modbus Application Protocol v1.1b3; Modbus Messaging on TCP/IP v1.0b) on
TCP port 502.

Two layers, as Wireshark shows them: `mbtcp`, the 7-byte MBAP header (transaction id,
protocol id, length, unit id), and `modbus`, the PDU (function code and data) it frames.
Several ADUs in one segment become one pair of layers each. A segment to port 502 is a
query, one from it a response. The data of the public function codes 1-6, 15 and 16 and
exceptions are decoded; others show their data as bytes. Without the session, a
response's register and coil numbers are not known (they are the request's), so only the
values are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..protocol import HEX, U8, U16, Bits, Bytes, Flag, Int, Layer, Osi, Protocol, bind

MODBUS_PORT = 502
MAX_BITS = 2000  # coil values shown per message (Modbus reads at most 2000 coils)
FUNCTIONS = {
    1: "Read Coils", 2: "Read Discrete Inputs", 3: "Read Holding Registers",
    4: "Read Input Registers", 5: "Write Single Coil", 6: "Write Single Register",
    7: "Read Exception Status", 8: "Diagnostics", 11: "Get Comm. Event Counters",
    12: "Get Comm. Event Log", 15: "Write Multiple Coils", 16: "Write Multiple Registers",
    17: "Report Slave ID", 20: "Read File Record", 21: "Write File Record",
    22: "Mask Write Register", 23: "Read Write Register", 24: "Read FIFO Queue",
    43: "Encapsulated Interface Transport", 90: "Unity (Schneider)",
}  # fmt: skip
EXCEPTIONS = {1: "Illegal function", 2: "Illegal data address", 3: "Illegal data value",
              4: "Slave device failure", 5: "Acknowledge", 6: "Slave device busy",
              8: "Memory parity error", 10: "Gateway path unavailable",
              11: "Gateway target device failed to respond"}  # fmt: skip

# The shortest PDU of each function, as query and as response (function code included)
MIN_QUERY = {1: 5, 2: 5, 3: 5, 4: 5, 5: 5, 6: 5, 15: 6, 16: 6}
MIN_RESPONSE = {1: 2, 2: 2, 3: 2, 4: 2, 5: 5, 6: 5, 15: 5, 16: 5}

MBTCP = Protocol(
    "mbtcp", "Modbus/TCP", osi=Osi.APPLICATION, short="Modbus/TCP",
    header=(
        U16("mbtcp.trans_id", "Transaction Identifier",
            explain="Chosen by the client; the server's response repeats it."),
        U16("mbtcp.prot_id", "Protocol Identifier", explain="Always 0 for Modbus."),
        U16("mbtcp.len", "Length",
            explain="Bytes that follow this field: the unit id and the PDU."),
        U8("mbtcp.unit_id", "Unit Identifier",
           explain="Which device behind a gateway the message is for (a serial line's slave "
           "address)."),
    ),
    colour="#d7afd7",
    explain="Modbus/TCP carries Modbus, the industrial control protocol, over TCP: a header "
    "(transaction, length, unit) before each request or response.",
)  # fmt: skip

FUNC_CODE = Bits("modbus.func_code", "Function Code", 1, mask=0x7F, names=FUNCTIONS,
                 explain="What the request does: read coils (1) or registers (3, 4), write one "
                 "(5, 6) or several (15, 16)...; a response sets the top bit for an "
                 "exception.")  # fmt: skip
REFERENCE = U16("modbus.reference_num", "Reference Number",
                explain="The first coil or register the request is about (numbered from 0).")  # fmt: skip
WORD_CNT = U16("modbus.word_cnt", "Word Count", explain="How many registers.")
BIT_CNT = U16("modbus.bit_cnt", "Bit Count", explain="How many coils or inputs.")
BYTE_CNT = U8("modbus.byte_cnt", "Byte Count", explain="How many data bytes follow.")
EXCEPTION = U8("modbus.exception_code", "Exception Code", names=EXCEPTIONS,
               explain="Why the device refused: an illegal function, address or value, a "
               "device failure, busy...")  # fmt: skip
DATA = Bytes("modbus.data", "Data", explain="The function's data.")
PADDING = U8("modbus.padding", "Padding", base=HEX,
             explain="The second byte of a coil value (0x00 after 0xFF for on, 0x00 0x00 for "
             "off).")  # fmt: skip
REGNUM = Int("modbus.regnum16", "Register Number", generated=True,
             explain="Which register this value is for (the reference number plus its place).")  # fmt: skip
REGVAL = U16("modbus.regval_uint16", "Register Value (UINT16)",
             explain="A register's 16-bit value.")  # fmt: skip
BITVAL = Flag("modbus.bitval", "Bit Value", 0x01, 1,
              explain="One coil or discrete input: on (1) or off (0).")  # fmt: skip


@dataclass(slots=True)
class ModbusState:
    """What tail() read for the Info column and the tree."""

    query: bool
    trans_id: int
    unit_id: int
    func: int  # the byte as sent (top bit: exception)


def _mbtcp_tail(data: Any, layer: Layer) -> None:
    """The PDU that follows is `mbtcp.len` - 1 bytes; a length the segment does not hold
    is noted (the rest is in the next segment), one below 2 is malformed."""
    length = layer.value("mbtcp.len")
    if length is None:
        return  # the header itself is cut short (the engine marked it)
    if length < 2:
        layer.issue("error", "malformed", "mbtcp.len.bad",
                    f"length {length} leaves no room for a function code", layer.pos + 4, 2)  # fmt: skip
        layer.stop()
        return
    layer.next = MODBUS


def _is_query(layer: Layer) -> bool:
    for below in layer.packet.layers:
        if below.protocol.name == "tcp":
            return below.value("tcp.dstport") == MODBUS_PORT
    return True


def _tail(data: Any, layer: Layer) -> None:
    layers = layer.packet.layers
    mbap = layers[layers.index(layer) - 1]
    start, end = layer.pos, layer.payload_end
    pdu_end = min(end, start + mbap.value("mbtcp.len") - 1)
    layer.hdr_len = pdu_end - start
    layer.payload_pos = pdu_end
    if start >= end:
        layer.short(1, "Modbus function code")
        return
    if start + mbap.value("mbtcp.len") - 1 > end:
        pkt = layer.packet
        cut = pkt.caplen < pkt.wirelen and end >= pkt.caplen
        layer.issue("warn" if cut else "error", "truncated" if cut else "malformed",
                    "modbus.truncated" if cut else "modbus.malformed",
                    f"the PDU of {mbap.value('mbtcp.len') - 1} bytes has {end - start} here",
                    start, end - start)  # fmt: skip
    elif pdu_end < end:
        layer.next = MBTCP  # another ADU follows in the segment
    state = ModbusState(_is_query(layer), mbap.value("mbtcp.trans_id"),
                        mbap.value("mbtcp.unit_id"), data[start])  # fmt: skip
    layer.state = state
    least = (
        2 if state.func & 0x80 else (MIN_QUERY if state.query else MIN_RESPONSE).get(state.func, 1)
    )
    if pdu_end - start < least and pdu_end == start + mbap.value("mbtcp.len") - 1:
        layer.issue("error", "malformed", "modbus.malformed",
                    f"{FUNCTIONS.get(state.func & 0x7F, 'this function')} needs {least} bytes, "
                    f"the PDU has {pdu_end - start}", start, pdu_end - start)  # fmt: skip


def _detail(data: Any, layer: Layer) -> None:
    state = layer.state
    if state is None:
        return
    start, end = layer.pos, layer.pos + layer.hdr_len
    func = state.func
    layer.add(FUNC_CODE, start, 1, func & 0x7F, 0x7F)
    p = start + 1
    if func & 0x80:
        _fixed(layer, data, p, end, ((EXCEPTION, 1),))
    elif func in (1, 2, 3, 4) and state.query:
        _fixed(layer, data, p, end, ((REFERENCE, 2), (BIT_CNT if func < 3 else WORD_CNT, 2)))
    elif func in (1, 2) or func in (3, 4):
        _read_response(layer, data, p, end, func)
    elif func in (5, 6):
        if _fixed(layer, data, p, end, ((REFERENCE, 2),)) and p + 4 <= end:
            layer.add(DATA, p + 2, 2, bytes(data[p + 2 : p + 4]))
            if func == 5:  # Wireshark shows the value's second byte again, as padding
                layer.add(PADDING, p + 3, 1, data[p + 3])
    elif func in (15, 16):
        _write_multiple(layer, data, p, end, func, state.query)
    elif p < end:
        layer.add(DATA, p, end - p, bytes(data[p:end]))


def _fixed(layer: Layer, data: Any, p: int, end: int, specs: tuple) -> bool:
    """Fixed-size fields in order while the bytes last; False if one did not fit."""
    for spec, size in specs:
        if p + size > end:
            return False
        layer.add(spec, p, size, int.from_bytes(data[p : p + size], "big"))
        p += size
    return True


def _read_response(layer: Layer, data: Any, p: int, end: int, func: int) -> None:
    if p >= end:
        return
    count = data[p]
    layer.add(BYTE_CNT, p, 1, count)
    stop = min(end, p + 1 + count)
    if func in (3, 4):
        for q in range(p + 1, stop - 1, 2):
            layer.add(REGVAL, q, 2, (data[q] << 8) | data[q + 1])
        return
    for q in range(p + 1, min(stop, p + 1 + MAX_BITS // 8)):
        for bit in range(8):
            mask = 1 << bit
            layer.add(BITVAL, q, 1, bool(data[q] & mask), mask)


def _write_multiple(layer: Layer, data: Any, p: int, end: int, func: int, query: bool) -> None:
    count_spec = BIT_CNT if func == 15 else WORD_CNT
    if not _fixed(layer, data, p, end, ((REFERENCE, 2), (count_spec, 2))) or not query:
        return
    reference = (data[p] << 8) | data[p + 1]
    q = p + 4
    if q >= end:
        return
    n = data[q]
    layer.add(BYTE_CNT, q, 1, n)
    stop = min(end, q + 1 + n)
    if func == 15:
        if stop > q + 1:
            layer.add(DATA, q + 1, stop - q - 1, bytes(data[q + 1 : stop]))
        return
    for i, r in enumerate(range(q + 1, stop - 1, 2)):
        layer.add(REGNUM, r, 2, reference + i)
        layer.add(REGVAL, r, 2, (data[r] << 8) | data[r + 1])


def _info(layer: Layer) -> str:
    """'   Query: Trans:     1; Unit:   1, Func:   3: Read Holding Registers', as tshark."""
    s = layer.state
    if s is None:
        return ""
    func = s.func & 0x7F
    text = (f"{'Query' if s.query else 'Response':>8}: Trans: {s.trans_id:5d}; Unit: "
            f"{s.unit_id:3d}, Func: {func:3d}: {FUNCTIONS.get(func, 'Unknown function')}")  # fmt: skip
    return text + (". Exception returned " if s.func & 0x80 else "")


MODBUS = Protocol(
    "modbus", "Modbus", osi=Osi.APPLICATION, short="Modbus/TCP", tail=_tail, detail=_detail,
    info=_info, state=ModbusState, colour="#d7afd7",
    explain="Modbus reads and writes a device's coils (on/off outputs), inputs and 16-bit "
    "registers: a controller asks, the device answers or returns an exception.",
)  # fmt: skip
MBTCP.tail = _mbtcp_tail

bind("tcp.port", MODBUS_PORT, MBTCP)
