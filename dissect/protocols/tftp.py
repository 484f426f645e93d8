"""Trivial File Transfer Protocol (RFC 1350; options RFC 2347, 2348, 2349) on UDP port 69.

Five messages: read and write requests (file name, transfer mode, options), data blocks,
acknowledgements, errors, and the option acknowledgement. The data of a block is handed
on as `data`. Only port 69 is bound: a server answers from a port of its own, which
Wireshark follows through its conversation table; here such packets need Decode As
(`-d udp.port==N,tftp`). Without the session, a block is "(last)" when it is shorter than
the default 512 bytes (a negotiated blksize is not known).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..protocol import U16, FieldSpec, Int, Layer, Osi, Protocol, Text, bind

DEFAULT_BLOCK_SIZE = 512  # RFC 1350: a shorter block ends the transfer
MAX_OPTIONS = 64  # option pairs read per request; more is no real traffic
RRQ, WRQ, DATA, ACK, ERROR, OACK = 1, 2, 3, 4, 5, 6
OPCODES = {RRQ: "Read Request", WRQ: "Write Request", DATA: "Data Packet", ACK: "Acknowledgement",
           ERROR: "Error Code", OACK: "Option Acknowledgement", 255: "Information (MSDP)"}  # fmt: skip
ERRORS = {0: "Not defined", 1: "File not found", 2: "Access violation",
          3: "Disk full or allocation exceeded", 4: "Illegal TFTP Operation",
          5: "Unknown transfer ID", 6: "File already exists", 7: "No such user",
          8: "Option negotiation failed"}  # fmt: skip

OPCODE = U16("tftp.opcode", "Opcode", names=OPCODES,
             explain="What the message is: 1 read request, 2 write request, 3 data, 4 "
             "acknowledgement, 5 error, 6 option acknowledgement.")  # fmt: skip
SOURCE_FILE = Text("tftp.source_file", "Source File",
                   explain="The file the client wants to read from the server.")  # fmt: skip
DESTINATION_FILE = Text("tftp.destination_file", "Destination File",
                        explain="The file the client wants to write on the server.")  # fmt: skip
TYPE = Text("tftp.type", "Type",
            explain="Transfer mode: octet (bytes as they are) or netascii (text with CR LF "
            "line ends).")  # fmt: skip
OPTION_NAME = Text("tftp.option.name", "Option name",
                   explain="An option the client proposes or the server accepts: blksize "
                   "(block size), tsize (file size), timeout, windowsize.")  # fmt: skip
OPTION_VALUE = Text("tftp.option.value", "Option value", explain="The option's value.")
BLOCK = U16("tftp.block", "Block",
            explain="Block number: data blocks count from 1; an acknowledgement names the block "
            "it confirms (0 confirms the options).")  # fmt: skip
BLOCK_FULL = Int("tftp.block.full", "Full Block Number", generated=True,
                 explain="The block number without wrapping at 65535 (here: as sent; the "
                 "wraps of a long transfer are not counted).")  # fmt: skip
ERROR_CODE = U16("tftp.error.code", "Error code", names=ERRORS,
                 explain="Why the transfer failed: file not found, access violation, disk "
                 "full...")  # fmt: skip
ERROR_MESSAGE = Text("tftp.error.message", "Error message",
                     explain="The sender's words on the error.")  # fmt: skip


@dataclass(slots=True)
class TftpState:
    """What tail() read: the opcode and the Info text."""

    opcode: int
    info: str


def _strings(data: Any, p: int, end: int, limit: int) -> tuple[list[tuple[int, int, str]], bool]:
    """NUL-ended strings from p: (pos, length with the NUL, text); True if the last one
    has no NUL before the end."""
    out = []
    while p < end and len(out) < limit:
        nul = bytes(data[p:end]).find(b"\0")
        if nul < 0:
            return out, True
        out.append((p, nul + 1, bytes(data[p : p + nul]).decode("ascii", "replace")))
        p += nul + 1
    return out, False


def _tail(data: Any, layer: Layer) -> None:
    start, end = layer.pos, layer.payload_end
    layer.hdr_len = end - start
    layer.payload_pos = end
    if end - start < 2:
        layer.short(2, "TFTP opcode")
        return
    opcode = (data[start] << 8) | data[start + 1]
    name = OPCODES.get(opcode, f"Unknown (0x{opcode:04x})")
    info, bad = _read(data, layer, opcode, start + 2, end)
    layer.state = TftpState(opcode, name + info)
    if bad:
        _malformed(layer, bad)


def _read(data: Any, layer: Layer, opcode: int, p: int, end: int) -> tuple[str, str]:
    """The message after the opcode: (Info text, what is wrong or "")."""
    if opcode in (RRQ, WRQ, OACK):
        strings, open_end = _strings(data, p, end, 2 + 2 * MAX_OPTIONS)
        head = strings[:2] if opcode != OACK else []
        opts = strings[len(head) :]
        info = f", File: {head[0][2]}" if head else ""
        info += f", Transfer type: {head[1][2]}" if len(head) > 1 else ""
        for i in range(0, len(opts) - 1, 2):
            info += f", {opts[i][2]}={opts[i + 1][2]}"
        missing = opcode != OACK and len(head) < 2
        return info, ("a string without its NUL" if open_end or missing else "")
    if opcode in (DATA, ACK):
        if end - p < 2:
            return "", "no block number"
        block = (data[p] << 8) | data[p + 1]
        if opcode == DATA:
            layer.hdr_len = 4  # the block's data is handed on
            layer.payload_pos = p + 2
            last = " (last)" if end - p - 2 < DEFAULT_BLOCK_SIZE else ""
            return f", Block: {block}{last}", ""
        return f", Block: {block}", ""
    if opcode == ERROR:
        if end - p < 2:
            return "", "no error code"
        code = (data[p] << 8) | data[p + 1]
        strings, open_end = _strings(data, p + 2, end, 1)
        text = strings[0][2] if strings else ""
        layer.issue("note", "protocol", "tftp.error", f"TFTP ERROR packet: {text}", p, 2)
        info = f", Code: {ERRORS.get(code, 'Unknown')}, Message: {text}"
        return info, ("an error message without its NUL" if open_end or not strings else "")
    return "", "an opcode TFTP does not define"


def _malformed(layer: Layer, what: str) -> None:
    pkt = layer.packet
    if pkt.ctx.in_error or pkt.ctx.fragment:
        return
    cut = pkt.caplen < pkt.wirelen and layer.payload_end >= pkt.caplen
    layer.issue("warn" if cut else "error", "truncated" if cut else "malformed",
                "tftp.truncated" if cut else "tftp.malformed", f"TFTP message: {what}",
                layer.pos, layer.payload_end - layer.pos)  # fmt: skip


def _detail(data: Any, layer: Layer) -> None:
    state = layer.state
    if state is None:
        return
    start, end = layer.pos, layer.payload_end
    opcode, p = state.opcode, start + 2
    layer.add(OPCODE, start, 2, opcode)
    if opcode in (RRQ, WRQ, OACK):
        strings, _open = _strings(data, p, end, 2 + 2 * MAX_OPTIONS)
        specs: list[FieldSpec] = [] if opcode == OACK else [
            SOURCE_FILE if opcode == RRQ else DESTINATION_FILE, TYPE]  # fmt: skip
        for i, (pos, n, text) in enumerate(strings):
            spec = specs[i] if i < len(specs) else (OPTION_NAME, OPTION_VALUE)[(i - len(specs)) % 2]
            layer.add(spec, pos, n, text)
    elif opcode in (DATA, ACK) and end - p >= 2:
        block = (data[p] << 8) | data[p + 1]
        layer.add(BLOCK, p, 2, block)
        layer.add(BLOCK_FULL, p, 0, block)
    elif opcode == ERROR and end - p >= 2:
        layer.add(ERROR_CODE, p, 2, (data[p] << 8) | data[p + 1])
        strings, _open = _strings(data, p + 2, end, 1)
        for pos, n, text in strings:
            layer.add(ERROR_MESSAGE, pos, n, text)


def _info(layer: Layer) -> str:
    return layer.state.info if layer.state is not None else ""


TFTP = Protocol(
    "tftp", "Trivial File Transfer Protocol", osi=Osi.APPLICATION, short="TFTP", tail=_tail,
    detail=_detail, info=_info, state=TftpState, colour="#afd7af",
    explain="TFTP copies files without login or listing, in numbered blocks each "
    "acknowledged: network boot (PXE) and device firmware use it.",
)  # fmt: skip

bind("udp.port", 69, TFTP)
