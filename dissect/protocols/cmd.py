"""Cisco MetaData (Cisco TrustSec inline tagging, EtherType 0x8909).

Eight bytes between a frame's (or GRE's) EtherType and its payload. As Wireshark reads
them (and as the GRE-carried metadata in tcpdump's various_gre.pcap is laid out): the
EtherType of what follows, then version, length, option type and the Security Group Tag
that TrustSec policies match on.
"""

from __future__ import annotations

from typing import Any

from ..protocol import FIELDS, HEX, U8, U16, Osi, Protocol, bind


def _etype_name(value: Any) -> str | None:
    """EtherType names from eth.py's eth.type field, through the field registry."""
    spec = FIELDS.get("eth.type")
    names = spec.names if spec is not None else None
    return names.get(value) if isinstance(names, dict) else None


CMD = Protocol(
    "cmd", "Cisco MetaData", osi=Osi.DATA_LINK, short="CMD",
    header=(
        U16("cmd.type", "Type", base=HEX, names=_etype_name,
            explain="The EtherType of what follows (0x0800 IPv4, 0x86dd IPv6...)."),
        U8("cmd.version", "Version", explain="The metadata format version (1)."),
        U8("cmd.length", "Length", explain="The metadata's length in 4-byte units after the "
           "first four bytes."),
        U16("cmd.options", "Options", base=HEX,
            explain="The option type and length: 0x0001 is the Security Group Tag."),
        U16("cmd.sgt", "SGT",
            explain="Security Group Tag: the source's group, which TrustSec policies act on."),
    ),
    next_by=("ethertype", ("cmd.type",)),
    colour="#d7875f",
    explain="Cisco MetaData carries a TrustSec Security Group Tag with each frame, so "
    "switches and routers can apply group-based policy.",
)  # fmt: skip

bind("ethertype", 0x8909, CMD)
