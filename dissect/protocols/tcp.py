"""Transmission Control Protocol (RFC 9293; options RFC 7323 timestamps/window scale,
RFC 2018 SACK, RFC 6994 experimental, RFC 7413 Fast Open, RFC 8684 MPTCP)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..names import EXPLAIN_RESERVED, explain_destination_port, explain_source_port
from ..protocol import (
    HEX,
    U8,
    U16,
    U32,
    Bits,
    Bulk,
    Bytes,
    Checksum,
    Field,
    Flag,
    Float,
    HeaderLength,
    Int,
    Layer,
    Options,
    Osi,
    Protocol,
    Str,
    alias,
    bind,
    hex_bytes,
    path_after,
    uint_at,
)
from . import mptcp

OPTION_TEXT = {
    0: "End of option list: nothing follows.",
    1: "No-Operation: one byte of padding that aligns the next option.",
    2: "Maximum segment size: the biggest segment the sender will accept.",
    3: "Window scale: lets the window grow past 64 KiB.",
    4: "SACK permitted: the sender understands selective acknowledgments.",
    5: "SACK: which blocks past the acknowledged point arrived already.",
    8: "Timestamps: measure the round-trip time and protect against wrapped sequence numbers.",
    28: "User timeout: how long data may stay unacknowledged before the connection gives up.",
    29: "TCP Authentication Option: a MAC that authenticates the segment.",
    30: "Multipath TCP: one connection over several paths.",
    34: "TCP Fast Open cookie: lets a returning client send data in its SYN.",
    172: "Accurate ECN counters.",
    253: "An experimental option (RFC 6994).",
    254: "An experimental option (RFC 6994).",
}  # fmt: skip

TCP_LEN = Int("tcp.len", "TCP Segment Len", generated=True,
              explain=lambda v, _l: f"{v} bytes of application data in this segment (worked out, not a header field).")  # fmt: skip


def _explain_ack(value: int, layer: Layer) -> str:
    if not layer.value("tcp.flags.ack"):
        return f"Acknowledgment number {value}: ignored, the ACK flag is not set."
    return (
        f"Acknowledgment number {value}: the next byte expected from the other side; every "
        "byte before it arrived."
    )


def _explain_flags(value: int, layer: Layer) -> str:
    if value & 0x02:
        what = "opening a connection" + (" (the reply to a SYN)" if value & 0x10 else "")
    elif value & 0x04:
        what = "aborting the connection"
    elif value & 0x01:
        what = "closing the sender's side of the connection"
    elif value & 0x08:
        what = "data the receiver should hand to the application now"
    else:
        what = "an ordinary segment of an open connection"
    return f"Flags 0x{value:03x} ({flags_text(value) or 'none'}): {what}."


def _explain_hdr_len(value: int, layer: Layer) -> str:
    options = f", {value - 20} bytes of options" if value > 20 else ", no options"
    return f"Data offset {value // 4} → {value}-byte TCP header{options}; the data starts after it."


def _explain_option_kind(value: int, layer: Layer) -> str:
    return f"Option kind {value}: {OPTION_TEXT.get(value, 'one this tool does not describe.')}"


def _explain_seq(value: int, layer: Layer) -> str:
    return (
        f"Sequence number {value}: where this segment's first data byte sits in the sender's "
        "byte stream (it starts at a random value, so the receiver can put bytes in order)."
    )


OPTION_NAMES = {  # Wireshark's tcp.option_kind value names
    0: "End of Option List", 1: "No-Operation", 2: "Maximum Segment Size", 3: "Window Scale",
    4: "SACK Permitted", 5: "SACK", 6: "Echo", 7: "Echo Reply", 8: "Time Stamp Option",
    9: "Partial Order Connection Permitted", 10: "Partial Order Service Profile", 11: "CC",
    12: "CC.NEW", 13: "CC.ECHO", 14: "TCP Alternate Checksum Request",
    15: "TCP Alternate Checksum Data", 16: "Skeeter", 17: "Bubba", 18: "Trailer Checksum Option",
    19: "MD5 Signature Option", 20: "SCPS Capabilities",
    21: "Selective Negative Acknowledgements", 22: "Record Boundaries",
    23: "Corruption experienced", 24: "SNAP", 25: "Unassigned", 26: "TCP Compression Filter",
    27: "Quick-Start Response", 28: "User Timeout Option", 29: "The TCP Authentication Option",
    30: "Multipath TCP", 34: "TCP Fast Open Cookie", 76: "Riverbed Probe",
    78: "Riverbed Transparency", 172: "Accurate ECN Order 0", 174: "Accurate ECN Order 1",
    253: "RFC3692-style Experiment 1", 254: "RFC3692-style Experiment 2",
}  # fmt: skip

FLAG_ORDER = ((0x001, "FIN"), (0x002, "SYN"), (0x004, "RST"), (0x008, "PSH"), (0x010, "ACK"),
              (0x020, "URG"), (0x040, "ECE"), (0x080, "CWR"), (0x100, "AE"))  # fmt: skip


def _set(v: Any) -> str:
    return "Set" if v else "Not set"


def _flags_show(flags: int) -> str:
    """'0x018 (PSH, ACK)': the names Wireshark lists, reserved bits last, '<None>' if none."""
    names = flags_text(flags)
    if flags & 0xE00:
        names = f"{names}, Reserved" if names else "Reserved"
    return f"0x{flags:03x} ({names or '<None>'})"


def _flag(name: str, label: str, mask: int, explain: str) -> Any:
    """A flag bit shown over the 12 flag bits, as Wireshark's 12-bit booleans."""
    return Flag(name, label, mask, bits=12, explain=explain)


@dataclass(slots=True)
class TcpState:
    """Set by the stream layer (streams/pdus.py) on a segment of a PDU put together later:
    the Info tshark shows there, what its application decoder wrote before it asked for
    more bytes ("HTTP/1.1 200 OK [TCP segment of a reassembled PDU]")."""

    info: str


TCP = Protocol(
    "tcp", "Transmission Control Protocol", osi=Osi.TRANSPORT, short="TCP", state=TcpState,
    header=(
        U16("tcp.srcport", "Source Port", explain=explain_source_port),
        U16("tcp.dstport", "Destination Port", explain=explain_destination_port),
        U32("tcp.seq_raw", "Sequence Number (raw)", explain=_explain_seq),
        U32("tcp.ack_raw", "Acknowledgment number (raw)", explain=_explain_ack),
        Bits("tcp.hdr_len", "Header Length", mask=0xF0, scale=4,
             text=lambda v: f"{v} bytes ({v // 4})", explain=_explain_hdr_len),
        # Wireshark writes the flags' value with their names and no bit pattern
        Bits("tcp.flags", "Flags", 2, mask=0x0FFF, at=12, base=HEX, bits=0, text=_flags_show,
             children=(
            Bits("tcp.flags.res", "Reserved", mask=0x0E00, bits=12, text=_set, explain=EXPLAIN_RESERVED),
            _flag("tcp.flags.ae", "Accurate ECN", 0x0100, explain="Accurate ECN: with ECE and CWR it counts congestion marks more "
                 "precisely (RFC 9768)."),
            _flag("tcp.flags.cwr", "Congestion Window Reduced", 0x0080, explain="Congestion Window Reduced: the sender slowed down after an ECN "
                 "congestion signal."),
            _flag("tcp.flags.ece", "ECN-Echo", 0x0040, explain="ECN-Echo: the receiver saw a congestion mark (or, on a SYN, ECN is "
                 "being negotiated)."),
            _flag("tcp.flags.urg", "Urgent", 0x0020, explain="Urgent: the urgent pointer marks urgent data (rarely used)."),
            _flag("tcp.flags.ack", "Acknowledgment", 0x0010, explain="Acknowledgment: the acknowledgment number is valid; every segment after "
                 "the first SYN has it."),
            _flag("tcp.flags.push", "Push", 0x0008, explain="Push: hand the data to the application now instead of waiting to buffer "
                 "more."),
            _flag("tcp.flags.reset", "Reset", 0x0004, explain="Reset: the connection is aborted at once (refused, or an error)."),
            _flag("tcp.flags.syn", "Syn", 0x0002, explain="Synchronize: opening a connection; the sequence number is the starting "
                 "point."),
            _flag("tcp.flags.fin", "Fin", 0x0001, explain="Finish: the sender has no more data and closes its side of the "
                 "connection."),
        ), explain=_explain_flags),
        U16("tcp.window_size_value", "Window",
            explain=lambda v, _l: f"Window {v}: how many more bytes the sender can accept now "
            "(flow control), multiplied by the window scale agreed in the handshake."),
        U16("tcp.checksum", "Checksum", base=HEX,
            explain="The checksum covers the TCP header, the data and a pseudo-header of the IP "
            "addresses, so the receiver can detect corruption."),
        U16("tcp.urgent_pointer", "Urgent Pointer",
            explain=lambda v, layer: f"Urgent pointer {v}: " + ("where the urgent data ends."
            if layer.value("tcp.flags.urg") else "unused, the URG flag is not set.")),
    ),
    next_by=("tcp.port", ("tcp.srcport", "tcp.dstport")),
    header_length=HeaderLength("tcp.hdr_len", minimum=20, bad="tcp.hdr_len.bad",
                               what="TCP header with options"),
    options=Options(eol=0, nop=1, checked=mptcp.KIND),
    payload_length=(TCP_LEN, "tcp.hdr_len"),  # the segment length, at the data offset
    colour="#a9a1ff",
    checksum=Checksum("tcp.checksum", pseudo=6),  # over the pseudo-header and the segment
    tail_when=(("tcp.flags", "&", 0x004),),  # RST: its data is diagnostic text, kept in TCP
    bulk=Bulk(),  # options move no fixed field; its header length: header_length
    explain="TCP gives the two applications a reliable, ordered byte stream: sequence "
    "numbers, acknowledgments, retransmission and flow control.",
)  # fmt: skip

# Each option's label (Wireshark's, without "TCP Option - "), by kind
OPTION_LABELS = {
    0: "End of Option List (EOL)", 1: "No-Operation (NOP)", 2: "Maximum segment size",
    3: "Window scale", 4: "SACK permitted", 5: "SACK", 8: "Timestamps", 28: "User Timeout",
    29: "TCP AO", 30: "MPTCP", 34: "TCP Fast Open", 172: "Accurate ECN",
    253: "Experimental", 254: "Experimental",
}  # fmt: skip


def _options_show(raw: bytes) -> str:
    """'(12 bytes), No-Operation (NOP), No-Operation (NOP), Timestamps': the options by name."""
    names, i, end = [], 0, len(raw)
    while i < end:  # each step advances at least one byte
        kind = raw[i]
        if kind == mptcp.KIND and _mptcp_stops(raw, i, end):
            break  # Wireshark names an option once decoded: its decoder stopped at this one
        names.append(OPTION_LABELS.get(kind, "Unknown"))
        if kind in (0, 1):
            i += 1
        elif i + 1 >= end or raw[i + 1] < 2:
            break
        else:
            i += raw[i + 1]
    return ", ".join([f"({end} bytes)", *names])


def _mptcp_stops(data: Any, i: int, end: int) -> bool:
    """The MPTCP option at i is whole but malformed: Wireshark decodes nothing after it."""
    if i + 1 >= end or data[i + 1] < 2 or i + data[i + 1] > end:
        return False
    return mptcp.malformed_at(bytes(data[i : i + data[i + 1]])) is not None


def _option_show(raw: bytes) -> str:
    """What Wireshark appends to an option's label: its values in words ('' for none)."""
    kind, n = raw[0], len(raw)
    if kind == 2 and n == 4:
        return f"{uint_at(raw, 2, 2)} bytes"
    if kind == 3 and n == 3:
        return f"{raw[2]} (multiply by {1 << min(raw[2], 14)})"
    if kind == 8 and n == 10:
        return f"TSval {uint_at(raw, 2, 4)}, TSecr {uint_at(raw, 6, 4)}"
    if kind in (0, 1, 4):
        return ""
    return hex_bytes(raw)


OPTIONS = Bytes(
    "tcp.options",
    "Options",
    text=_options_show,
    explain="TCP options: extras after the fixed 20-byte header, such as the maximum "
    "segment size, window scale, selective acknowledgments and timestamps.",
)
OPTION_SPECS = {
    kind: Bytes(f"tcp.options.{name}", f"TCP Option - {OPTION_LABELS[kind]}", text=_option_show,
                explain=explain)
    for kind, name, explain in (
        (0, "eol", "End of the option list: the rest of the options area is padding."),
        (1, "nop", "No-operation: a filler byte that aligns the next option."),
        (2, "mss", "The largest segment the sender is willing to receive, in bytes "
                   "(sent in SYNs)."),
        (3, "wscale", "Window scale: the receive window in later segments is multiplied by "
                      "2 to this power, so windows above 64 KiB are possible."),
        (4, "sack_perm", "The sender can take selective acknowledgments (SACK)."),
        (5, "sack", "Selective acknowledgment: blocks of data received after a gap, so the "
                    "sender resends only what is missing."),
        (8, "timestamp", "Timestamps: the sender's clock and the last one it received, used "
                         "to measure round trips and reject old duplicate segments."),
        (28, "user_to", "User timeout: how long data may stay unacknowledged before the "
                        "connection is dropped."),
        (29, "ao", "TCP Authentication Option: a MAC that authenticates the segment."),
        (34, "tfo", "TCP Fast Open cookie: lets data ride on the SYN of a repeat connection."),
        (172, "acc_ecn", "Accurate ECN counters: how many bytes arrived with each ECN mark."),
        (253, "experimental", "An option kind reserved for experiments (RFC 4727)."),
    )
}  # fmt: skip
OPTION_SPECS[254] = OPTION_SPECS[253]
OPTION_SPECS[mptcp.KIND] = mptcp.OPTION
OPTION_UNKNOWN = Bytes(
    "tcp.options.unknown",
    "TCP Option - Unknown",
    explain="An option of a kind this tool does not decode, shown as bytes.",
)
OPTION_KIND = U8("tcp.option_kind", "Kind", names=OPTION_NAMES, explain=_explain_option_kind)
FLAGS_STR = Str("tcp.flags.str", "TCP Flags", generated=True,
                explain="The flags as letters, reserved bits first: each letter a flag that is set.")  # fmt: skip
OPTION_LEN = U8(
    "tcp.option_len",
    "Length",
    explain=lambda v, _l: f"Option length: {v} bytes, counting the kind and length bytes.",
)
MSS = U16(
    "tcp.options.mss_val",
    "MSS Value",
    explain=lambda v, _l: f"MSS {v}: the largest segment of data the sender wants to receive.",
)
WSCALE = U8(
    "tcp.options.wscale.shift",
    "Shift count",
    explain=lambda v, _l: (
        f"Window scale shift {v}: the other side multiplies this side's windows by 2^{v}."
    ),
)
WSCALE_MULT = Int(
    "tcp.options.wscale.multiplier",
    "Multiplier",
    generated=True,
    explain=lambda v, _l: f"Window multiplier {v}, worked out from the shift.",
)
SACK_LE = U32(
    "tcp.options.sack_le",
    "left edge",
    explain=lambda v, _l: f"SACK block start {v}: data from this sequence number on arrived.",
)
SACK_RE = U32(
    "tcp.options.sack_re",
    "right edge",
    explain=lambda v, _l: f"SACK block end {v}: the received block ends before it.",
)
TSVAL = U32(
    "tcp.options.timestamp.tsval",
    "Timestamp value",
    explain=lambda v, _l: (
        f"TSval {v}: the sender's clock when it sent this; echoed back to measure the round trip."
    ),
)
TSECR = U32(
    "tcp.options.timestamp.tsecr",
    "Timestamp echo reply",
    explain=lambda v, _l: (
        f"TSecr {v}: the latest timestamp received from the other side, echoed back."
        if v
        else "TSecr 0: nothing to echo yet."
    ),
)
OPTION_DATA = Bytes("tcp.option.data", "Data", explain="The option's value bytes.")
PAYLOAD = Bytes(
    "tcp.payload",
    "TCP payload",
    explain="Data carried by the segment that TCP keeps: on a reset it is diagnostic "
    "text saying why.",
)
alias("tcp.port", "tcp.srcport", "tcp.dstport")
# What the stream pass (dissect/streams) adds to a packet: it needs the packets before it.
STREAM = Int("tcp.stream", "Stream index", generated=True,
             explain=lambda v, _l: f"TCP conversation number {v}, in order of first appearance "
             "in the capture (the same in both directions).")  # fmt: skip
SEQ = Int("tcp.seq", "Sequence Number",
          text=lambda v: f"{v}    (relative sequence number)",
          explain=lambda v, _l: f"Sequence number {v}, counted from the start of this "
          "direction of the connection (the raw number minus the initial one).")  # fmt: skip
NXTSEQ = Int("tcp.nxtseq", "Next Sequence Number", generated=True,
             text=lambda v: f"{v}    (relative sequence number)",
             explain=lambda v, _l: f"The sequence number the next segment in this direction "
             f"should carry: {v} (this one's plus its length, SYN and FIN counting one).")  # fmt: skip
ACK_REL = Int("tcp.ack", "Acknowledgment Number",
              text=lambda v: f"{v}    (relative ack number)",
              explain=lambda v, _l: f"Acknowledgment number {v}, relative: every byte of "
              "the other direction before it has arrived.")  # fmt: skip
# The stream pass's TCP analysis (dissect/streams/analysis.py): Wireshark's names and labels;
# a flag's label is also its expert message.
ANALYSIS = Str("tcp.analysis", "SEQ/ACK analysis", generated=True, text=lambda v: "",
               explain="What the segment means for the connection, worked out from the "
               "packets before it (retransmissions, lost segments, windows, round trips).")  # fmt: skip
ANALYSIS_FLAGS = Str("tcp.analysis.flags", "TCP Analysis Flags", generated=True,
                     text=lambda v: "", explain="Something about this segment is worth a "
                     "look: the flags under it say what.")  # fmt: skip
ANALYSIS_FLAG_SPECS = {
    name: Str(name, label, generated=True, text=lambda v: "", explain=explain)
    for name, label, explain in (
        ("tcp.analysis.retransmission", "This frame is a (suspected) retransmission",
         "Its bytes were sent before: the sender did not see them acknowledged in time."),
        ("tcp.analysis.fast_retransmission", "This frame is a (suspected) fast retransmission",
         "Sent again right after duplicate ACKs said the receiver is missing it."),
        ("tcp.analysis.spurious_retransmission",
         "This frame is a (suspected) spurious retransmission",
         "Sent again although the receiver had acknowledged these bytes already."),
        ("tcp.analysis.out_of_order", "This frame is a (suspected) out-of-order segment",
         "It arrived after a segment that follows it in the byte stream."),
        ("tcp.analysis.lost_segment", "Previous segment(s) not captured (common at capture start)",
         "Bytes before this segment were never seen: lost, or missed by the capture."),
        ("tcp.analysis.ack_lost_segment",
         "ACKed segment that wasn't captured (common at capture start)",
         "The ACK covers bytes the capture never saw."),
        ("tcp.analysis.duplicate_ack", "Duplicate ACK",
         "The same acknowledgment again: the receiver is missing the next bytes."),
        ("tcp.analysis.zero_window", "TCP Zero Window segment",
         "The receiver has no buffer space left: the sender must stop."),
        ("tcp.analysis.zero_window_probe", "TCP Zero Window Probe",
         "One byte sent into a zero window to learn when it opens."),
        ("tcp.analysis.zero_window_probe_ack", "ACK to a TCP Zero Window Probe",
         "The answer to a zero-window probe."),
        ("tcp.analysis.window_full", "TCP window specified by the receiver is now completely full",
         "This segment fills the receiver's advertised window exactly."),
        ("tcp.analysis.keep_alive", "TCP keep-alive segment",
         "An empty (or one-byte) segment that checks the other side is still there."),
        ("tcp.analysis.keep_alive_ack", "ACK to a TCP keep-alive segment",
         "The answer to a keep-alive."),
        ("tcp.analysis.window_update", "TCP window update",
         "Only the window changed: the receiver has room again."),
    )
}  # fmt: skip
DUPACK_NUM = Int("tcp.analysis.duplicate_ack_num", "Duplicate ACK #", generated=True,
                 explain=lambda v, _l: f"The {v}. duplicate of the same acknowledgment.")  # fmt: skip
ACK_RTT = Float("tcp.analysis.ack_rtt", "The RTT to ACK the segment was", generated=True,
                unit=" seconds", explain=lambda v, _l: f"{v} s passed between the segment "
                "and this acknowledgment of it (a round trip).")  # fmt: skip
BYTES_IN_FLIGHT = Int("tcp.analysis.bytes_in_flight", "Bytes in flight", generated=True,
                      explain=lambda v, _l: f"{v} bytes sent and not yet acknowledged.")  # fmt: skip
INITIAL_RTT = Float("tcp.analysis.initial_rtt", "iRTT", generated=True, unit=" seconds",
                    explain=lambda v, _l: f"The connection's first round trip: {v} s from the "
                    "SYN to the ACK of the SYN-ACK.")  # fmt: skip
# Application PDUs put together from several segments (dissect/streams/pdus.py).
SEGMENTS = Str("tcp.segments", "", generated=True, explain="The segments whose bytes make the PDU decoded "
               "below, in sequence order, and how many bytes each gave.")  # fmt: skip
SEGMENT = Int("tcp.segment", "Frame", generated=True,
              explain=lambda v, _l: f"Frame {v} carried part of the reassembled PDU.")  # fmt: skip
SEGMENT_COUNT = Int("tcp.segment.count", "Segment count", generated=True,
                    explain=lambda v, _l: f"The PDU was put together from {v} segments.")  # fmt: skip
REASSEMBLED_LENGTH = Int("tcp.reassembled.length", "Reassembled TCP length", generated=True,
                         explain=lambda v, _l: f"The reassembled PDU is {v} bytes long.")  # fmt: skip
REASSEMBLED_DATA = Bytes("tcp.reassembled.data", "Reassembled TCP Data", generated=True,
                         explain="The PDU's bytes, put together from the segments.")  # fmt: skip
REASSEMBLED_IN = Int("tcp.reassembled_in", "Reassembled PDU in frame", generated=True,
                     explain=lambda v, _l: f"This segment is part of a PDU that spans "
                     f"several segments; it is decoded in frame {v}, where it completes.")  # fmt: skip
SEGMENT_DATA = Bytes("tcp.segment_data", "TCP segment data", text=lambda v: f"({len(v)} bytes)",
                     explain="Bytes of a PDU that continues in later segments (decoded "
                     "where it completes).")  # fmt: skip


def _tail(data: Any, layer: Layer) -> None:
    """What the declaration leaves: the issue of an option whose length is bad, and a RST's
    data. The engine has set the header length (or stopped a bogus or cut header)."""
    if layer.stopped:
        return
    pos, end = layer.pos, layer.payload_end
    whole = True
    if layer.hdr_len > 20:  # the options are checked now, built later (by _detail)
        whole = _options(data, layer, pos + 20, _options_end(data, layer), build=False)
    # RFC 9293 3.5.3: data on a RST (tcp.flags & 0x004) is diagnostic text (the reset
    # cause), not for the application; Wireshark keeps it in TCP rather than dissecting it
    # further. After a malformed MPTCP option Wireshark's TCP decodes nothing more: its
    # bytes stay in TCP too.
    if (data[pos + 13] & 0x04 or not whole) and layer.payload_pos < end:
        start = layer.payload_pos
        layer.add(PAYLOAD, start, end - start, data[start:end])
        layer.hdr_len = end - pos
        layer.payload_pos = end


def _detail(data: Any, layer: Layer) -> None:
    """Options: built when the tree or a filter asks, not for every list row. They end at
    the data offset (hdr_len also covers the diagnostic payload of a RST, kept in TCP).
    Also the flags in letters, under the flags field, as Wireshark shows them."""
    flags = layer.get("tcp.flags")
    if flags is not None:
        layer.child(flags, FLAGS_STR, flags.pos, 0, _flags_letters(flags.value))
    if layer.hdr_len > 20:
        end = _options_end(data, layer)
        if end > layer.pos + 20:  # not a RST's payload alone
            _options(data, layer, layer.pos + 20, end, build=True)


def _flags_letters(flags: int) -> str:
    """'·······AP···': one letter per flag bit set, from the reserved bits down to FIN."""
    return "".join([c if flags >> (11 - i) & 1 else "·" for i, c in enumerate("RRRACEUAPRSF")])


def _options_end(data: Any, layer: Layer) -> int:
    return layer.pos + min(layer.hdr_len, _data_offset(data, layer))


def _data_offset(data: Any, layer: Layer) -> int:
    """The header length the data offset field declares (read from the bytes: the fields
    are being built)."""
    return (data[layer.pos + 12] >> 4) * 4


def _options(data: Any, layer: Layer, start: int, end: int, build: bool) -> bool:
    """Walk the options. The tail walks them with build=False to raise the issues they
    can have, so a row's status never changes when the tree is opened; detail walks them
    again with build=True to make the fields (raising nothing). False: a malformed MPTCP
    option stopped the walk (and Wireshark's TCP)."""
    opts = layer.add(OPTIONS, start, end - start, bytes(data[start:end])) if build else None
    i = start
    while i < end:  # each step advances at least one byte
        kind = data[i]
        if kind in (0, 1):
            if build:
                o = layer.child(opts, OPTION_SPECS[kind], i, 1, bytes(data[i : i + 1]))
                layer.child(o, OPTION_KIND, i, 1, kind)
            i += 1  # after an EOL Wireshark shows each padding byte as one more option
            continue
        if i + 1 >= end or data[i + 1] < 2 or i + data[i + 1] > end:
            _bad_length(data, layer, opts, kind, i, end)
            break
        n = data[i + 1]
        whole = True
        if kind == mptcp.KIND:  # Wireshark's decoder stops at a malformed one
            raw = bytes(data[i : i + n])
            whole = mptcp.malformed_at(raw) is None if build else mptcp.check(raw, layer, i)
        if build:
            spec = OPTION_SPECS.get(kind, OPTION_UNKNOWN)
            o = layer.child(opts, spec, i, n, bytes(data[i : i + n]))
            layer.child(o, OPTION_KIND, i, 1, kind)
            layer.child(o, OPTION_LEN, i + 1, 1, n)
            _option_value(data, layer, o, kind, i, n)
        if not whole:
            return False
        i += n
    return True


def _bad_length(data: Any, layer: Layer, opts: Field | None, kind: int, i: int, end: int) -> None:
    """An option whose length runs past the options (or is below 2): the rest as its bytes
    in the tree, one issue from the tail (none when the capture cut the header)."""
    if opts is not None:
        spec = OPTION_SPECS.get(kind, OPTION_UNKNOWN)
        o = layer.child(opts, spec, i, end - i, bytes(data[i:end]))
        layer.child(o, OPTION_KIND, i, 1, kind)
    elif not _cut_by_capture(data, layer, i, end):
        layer.issue("error", "malformed", "tcp.option.len.invalid",
                    f"option {kind} at offset {i} has a bad length", i, end - i)  # fmt: skip


def _path_after(data: Any, layer: Layer) -> list[str]:
    """'mptcp' for each MPTCP option Wireshark decodes (up to one that stops it), as its
    frame.protocols lists them after 'tcp'."""
    out: list[str] = []
    if layer.stopped or layer.hdr_len <= 20:
        return out
    i, end = layer.pos + 20, _options_end(data, layer)
    while i < end:  # each step advances at least one byte
        kind = data[i]
        if kind in (0, 1):
            i += 1
            continue
        if i + 1 >= end or data[i + 1] < 2 or i + data[i + 1] > end:
            break
        if kind == mptcp.KIND:
            out.append("mptcp")
            if mptcp.malformed_at(bytes(data[i : i + data[i + 1]])) is not None:
                break
        i += data[i + 1]
    return out


def _cut_by_capture(data: Any, layer: Layer, i: int, end: int) -> bool:
    """The option at i runs into bytes the capture did not keep, inside the header's own
    length: the header was cut (layer.short said so), the option length is not bad."""
    declared_end = layer.pos + _data_offset(data, layer)
    if layer.status != "truncated" or end >= declared_end:
        return False
    return i + 1 >= end or (data[i + 1] >= 2 and i + data[i + 1] <= declared_end)


def _option_value(data: Any, layer: Layer, o: Field, kind: int, i: int, n: int) -> None:
    if kind == mptcp.KIND:
        mptcp.build(bytes(data[i : i + n]), layer, o, i)
    elif kind == 2 and n == 4:
        layer.child(o, MSS, i + 2, 2, uint_at(data, i + 2, 2))
    elif kind == 3 and n == 3:
        layer.child(o, WSCALE, i + 2, 1, data[i + 2])
        layer.child(o, WSCALE_MULT, i + 2, 0, 1 << min(data[i + 2], 14))
    elif kind == 5 and n >= 10 and (n - 2) % 8 == 0:
        for off in range(2, n, 8):
            layer.child(o, SACK_LE, i + off, 4, uint_at(data, i + off, 4))
            layer.child(o, SACK_RE, i + off + 4, 4, uint_at(data, i + off + 4, 4))
    elif kind == 8 and n == 10:
        layer.child(o, TSVAL, i + 2, 4, uint_at(data, i + 2, 4))
        layer.child(o, TSECR, i + 6, 4, uint_at(data, i + 6, 4))
    elif n > 2 and kind != 4:
        layer.child(o, OPTION_DATA, i + 2, n - 2, bytes(data[i + 2 : i + n]))


def flags_text(flags: int) -> str:
    text = _FLAGS_TEXT.get(flags)
    if text is None:  # 12 bits: at most 4,096 texts, each made once
        text = ", ".join([name for bit, name in FLAG_ORDER if flags & bit])
        _FLAGS_TEXT[flags & 0xFFF] = text
    return text


_FLAGS_TEXT: dict[int, str] = {}


_INFO_NAMES = ("tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq_raw", "tcp.ack_raw",
               "tcp.window_size_value", "tcp.hdr_len", "tcp.urgent_pointer")  # fmt: skip
_INFO = TCP.reader(*_INFO_NAMES)


def _relative(layer: Layer, seq: Any, ack: Any) -> tuple[Any, Any]:
    """The relative numbers when the stream pass has added them (dissect/streams), as
    Wireshark shows them; else the raw ones."""
    for f in layer.extra:
        if f.spec is SEQ:
            seq = f.value
        elif f.spec is ACK_REL:
            ack = f.value
    return seq, ack


def _info(layer: Layer) -> str:
    """Wireshark's Info: ports, flags, sequence numbers, window and segment length. A header
    cut short shows what Wireshark shows: nothing under 4 bytes, the ports alone when the
    window is missing, no Len when the fixed header's last field (the urgent pointer) is."""
    if layer.state is not None:
        return layer.state.info
    sport, dport, flags, seq, ack, win, hdr_len, urgent = _INFO(layer)
    if urgent is None or layer.extra:  # a cut header, or fields the stream pass added
        return _info_unusual(layer, sport, dport, flags, seq, ack, win, hdr_len, urgent)
    # Most packets: one text, no search of added fields (this runs for every list row).
    seg = _segment_len(layer, hdr_len)
    if flags & 0x010:
        return f"{sport} → {dport} [{flags_text(flags) or '<None>'}] Seq={seq} Ack={ack} Win={win} Len={seg}"
    return f"{sport} → {dport} [{flags_text(flags) or '<None>'}] Seq={seq} Win={win} Len={seg}"


def _info_unusual(layer: Layer, sport: Any, dport: Any, flags: Any, seq: Any, ack: Any,
                  win: Any, hdr_len: Any, urgent: Any) -> str:  # fmt: skip
    if dport is None:
        return ""
    if win is None:
        return f"{sport} → {dport}"
    seq, ack = _relative(layer, seq, ack)
    acked = f" Ack={ack}" if flags & 0x010 else ""
    text = f"{sport} → {dport} [{flags_text(flags) or '<None>'}] Seq={seq}{acked} Win={win}"
    if urgent is not None:
        text += f" Len={_segment_len(layer, hdr_len)}"
    if any(f.spec is SEGMENT_DATA for f in layer.extra[-2:]):  # the stream pass said so
        text += " [TCP segment of a reassembled PDU]"
    return text


def _segment_len(layer: Layer, hdr_len: int | None) -> int:
    """Payload bytes after the header (a RST's diagnostic text counts, as in Wireshark)."""
    return max(0, layer.payload_end - layer.pos - (hdr_len or 0))


def _describe(layer: Layer) -> str:
    """Wireshark's title: the acknowledgment number only when the ACK flag is set; only the
    ports of a header cut before its data offset (an ICMP error's quote)."""
    sport, dport, flags, seq, ack, _win, hdr_len, _urgent = _INFO(layer)
    seq, ack = _relative(layer, seq, ack)
    if hdr_len is None:
        return f"Transmission Control Protocol, Src Port: {sport}, Dst Port: {dport}"
    acked = f"Ack: {ack}, " if (flags or 0) & 0x010 else ""
    return (
        f"Transmission Control Protocol, Src Port: {sport}, Dst Port: {dport}, "
        f"Seq: {seq}, {acked}Len: {_segment_len(layer, hdr_len)}"
    )


TCP.tail = _tail
TCP.detail = _detail
TCP.info = _info
TCP.describe = _describe

bind("ip.proto", 6, TCP)
path_after(TCP, _path_after)
