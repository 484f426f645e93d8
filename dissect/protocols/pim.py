"""PIM version 2, Protocol Independent Multicast (RFC 7761; IP protocol 103): how multicast
routers find their neighbours and build distribution trees.

A 4-byte header (version and type in one byte, a reserved byte, the Internet checksum over
the message: over the header alone for a Register, with IPv6's pseudo-header over IPv6).
Hello messages' options are decoded as Wireshark names them (hold time, LAN prune delay,
DR priority, generation ID, state refresh; others as `pim.optionvalue`); the bodies of the
other types (Join/Prune, Register, Assert, Bootstrap, ...) are shown as data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..protocol import (
    HEX,
    U16,
    Bits,
    Bytes,
    Field,
    Flag,
    Int,
    Layer,
    Osi,
    Protocol,
    Str,
    bind,
    explain_checksum_status,
    pseudo_sum,
    verify,
)

PIM_PROTO = 103
MAX_OPTIONS = 256  # Hello options read per message (each takes at least 4 bytes anyway)
TYPES = {0: "Hello", 1: "Register", 2: "Register-stop", 3: "Join/Prune", 4: "Bootstrap",
         5: "Assert", 6: "Graft", 7: "Graft-Ack", 8: "Candidate-RP-Advertisement",
         9: "State-Refresh", 10: "DF election", 11: "ECMP redirect", 12: "PFM"}  # fmt: skip
OPTION_NAMES = {1: "Hold Time", 2: "LAN Prune Delay", 18: "Deprecated N value",
                19: "DR Priority", 20: "Generation ID", 21: "State-Refresh",
                22: "Bidirectional Capable", 24: "Address List",
                65001: "Address List (old implementations)",
                65004: "RPF Proxy Vector (Cisco proprietary)"}  # fmt: skip


@dataclass(slots=True)
class PimState:
    """The Hello options tail() found: (position, type, length) each, for detail()."""

    options: list[tuple[int, int, int]]


PIM = Protocol(
    "pim", "Protocol Independent Multicast", osi=Osi.NETWORK, short="PIMv2",
    header=(
        Bits("pim.version", "Version", 1, mask=0xF0, explain="The PIM version: 2."),
        Bits("pim.type", "Type", 1, mask=0x0F, names=TYPES, at=0,
             explain="The message: Hello (neighbour discovery), Join/Prune (tree building), "
             "Register (a source's first packets to the rendezvous point), ..."),
        Bytes("pim.res_bytes", "Reserved byte(s)", 1, at=1, explain="Unused: zero."),
        U16("pim.cksum", "Checksum", base=HEX, at=2,
            explain="The Internet checksum over the message (a Register's: its header)."),
    ),
    state=PimState, colour="#d7af87",
    explain="PIM is how multicast routers discover each other (Hello) and build the trees "
    "multicast traffic flows down (Join/Prune, Register, Assert), whatever unicast routing "
    "protocol they run.",
)  # fmt: skip

CHECKSUM_STATUS = Str("pim.cksum.status", "Checksum Status", generated=True,
                      explain=explain_checksum_status)  # fmt: skip
CHECKSUM_CALC = Int("pim.cksum.calculated", "Calculated Checksum", base=HEX, generated=True,
                    explain="The checksum worked out over the captured message.")  # fmt: skip
OPTIONS = Int("pim.option", "PIM Options", explain="The Hello's options and how many.")
OPTION = Str("pim.hello_option", "", explain="One Hello option: type, length, value.")
OPTION_TYPE = Int("pim.optiontype", "Type", names=OPTION_NAMES, explain="Which option.")
OPTION_LENGTH = Int("pim.optionlength", "Length", explain="Bytes of the option's value.")
OPTION_VALUE = Bytes("pim.optionvalue", "Unknown", explain="A value of an option not decoded.")
HOLDTIME = Int("pim.holdtime", "Holdtime", unit="s",
               explain="How long to keep this neighbour without a new Hello (65535: forever).")  # fmt: skip
T_BIT = Flag("pim.t", "T", 0x80, 1, explain="Set: the sender can suppress joins.")
PROPAGATION = Int("pim.propagation_delay", "Propagation Delay", unit="ms",
                  explain="The delay the sender expects on the LAN.")  # fmt: skip
OVERRIDE = Int("pim.override_interval", "Override Interval", unit="ms",
               explain="How long a router waits to override a prune.")  # fmt: skip
DR_PRIORITY = Int("pim.dr_priority", "DR Priority",
                  explain="The sender's priority to become the LAN's designated router.")  # fmt: skip
GENERATION_ID = Int("pim.generation_id", "Generation ID",
                    explain="A random number the router picks at start: a new one says it "
                    "restarted and its state was lost.")  # fmt: skip
REFRESH = (
    (Int("pim.state_refresh_version", "Version", explain="The state refresh version."), 1),
    (Int("pim.state_refresh_interval", "Interval", unit="s", explain="Seconds between refreshes."), 1),
    (Int("pim.state_refresh_reserved", "Reserved", explain="Unused."), 2),
)  # fmt: skip
BODY = Bytes("pim.body", "Message body", explain="The message after its header (not decoded "
             "for this type).")  # fmt: skip


def _u(data: Any, p: int, n: int) -> int:
    return int.from_bytes(bytes(data[p : p + n]), "big")


def _tail(data: Any, layer: Layer) -> None:
    pos, end = layer.pos, layer.payload_end
    options: list[tuple[int, int, int]] = []
    if layer.value("pim.type") == 0:
        p = pos + 4
        for _i in range(MAX_OPTIONS):
            if p + 4 > end:
                break
            kind, n = _u(data, p, 2), _u(data, p + 2, 2)
            if p + 4 + n > end:
                layer.issue("error", "malformed", "pim.optionlength.bad",
                            f"Option length {n} runs past the message's end", p + 2, 2)  # fmt: skip
                break
            options.append((p, kind, n))
            p += 4 + n
    layer.state = PimState(options)
    layer.hdr_len = end - pos
    layer.payload_pos = end
    _checksum(data, layer, pos, end)


def _checksum(data: Any, layer: Layer, pos: int, end: int) -> None:
    """Verified as the engine's policy does (not for a fragment or inside an ICMP error);
    a Register's covers its header only, and over IPv6 a pseudo-header comes first."""
    ctx = layer.packet.ctx
    if ctx.fragment or ctx.in_error or end > len(data):
        return
    stop = pos + 8 if layer.value("pim.type") == 1 else end
    initial = 0
    if ctx.pseudo_src is not None and len(ctx.pseudo_src) == 16:
        initial = pseudo_sum(ctx.pseudo_src, ctx.pseudo_dst, PIM_PROTO, end - pos)
    verify(layer, data, pos, min(stop, end), pos + 2, CHECKSUM_STATUS, CHECKSUM_CALC, initial)


def _info(layer: Layer) -> str:
    kind = layer.value("pim.type")
    return TYPES.get(kind, f"Unknown ({kind})") if kind is not None else ""


def _detail(data: Any, layer: Layer) -> None:
    state = layer.state
    if state is None:
        return
    pos, end = layer.pos, layer.payload_end
    if layer.value("pim.type") != 0:
        if end > pos + 4:
            layer.add(BODY, pos + 4, end - pos - 4, bytes(data[pos + 4 : end]))
        return
    if not state.options:
        return
    first = state.options[0][0]
    top = layer.add(OPTIONS, first, end - first, len(state.options))
    for p, kind, n in state.options:
        node = layer.add(OPTION, p, 4 + n, OPTION_NAMES.get(kind, f"Option {kind}"), 0, top)
        layer.add(OPTION_TYPE, p, 2, kind, 0, node)
        layer.add(OPTION_LENGTH, p + 2, 2, n, 0, node)
        _option(data, layer, node, kind, p + 4, n)


def _option(data: Any, layer: Layer, node: Field, kind: int, v: int, n: int) -> None:
    if kind == 1 and n == 2:
        layer.add(HOLDTIME, v, 2, _u(data, v, 2), 0, node)
    elif kind == 2 and n == 4:
        layer.add(T_BIT, v, 1, bool(data[v] & 0x80), 0x80, node)
        layer.add(PROPAGATION, v, 2, _u(data, v, 2) & 0x7FFF, 0x7FFF, node)
        layer.add(OVERRIDE, v + 2, 2, _u(data, v + 2, 2), 0, node)
    elif kind in (19, 20) and n == 4:
        layer.add(DR_PRIORITY if kind == 19 else GENERATION_ID, v, 4, _u(data, v, 4), 0, node)
    elif kind == 21 and n == 4:
        p = v
        for spec, size in REFRESH:
            layer.add(spec, p, size, _u(data, p, size), 0, node)
            p += size
    elif n > 0:
        layer.add(OPTION_VALUE, v, n, bytes(data[v : v + n]), 0, node)


PIM.tail = _tail
PIM.detail = _detail
PIM.info = _info

bind("ip.proto", PIM_PROTO, PIM)  # IPv4's protocol and IPv6's next header alike
