"""Decodings in the corpus's "oracle" JSON shape, to compare field by field with tshark.

Shape: {"capture", "rejected", "packets": [{"n", "layers", "malformed", "truncated",
"fields": {name: [{"value", "pos", "len"[, "mask"]}, ...]}}]}; generated fields have
null positions, as tshark's do.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .engine import Packet, decode
from .index import CaptureError, open_capture
from .output import json_value
from .protocol import protocol_path


def packet_oracle(pkt: Packet, tracked: Iterable[str] | None = None) -> dict[str, Any]:
    want = set(tracked) if tracked is not None else None
    fields: dict[str, list[dict[str, Any]]] = {}
    for layer in pkt.layers:
        for f in layer.walk():
            if want is not None and f.name not in want:
                continue
            occ: dict[str, Any] = {"value": json_value(f.value)}
            if f.generated or (f.len == 0 and layer.protocol.name == "frame"):
                occ["pos"] = occ["len"] = None
            else:
                occ["pos"], occ["len"] = f.pos, f.len
                if f.mask:
                    occ["mask"] = f.mask
            fields.setdefault(f.name, []).append(occ)
    return {
        "n": pkt.number,
        "layers": protocol_path(pkt),
        "malformed": any(layer.status == "malformed" for layer in pkt.layers),
        "truncated": any(layer.status == "truncated" for layer in pkt.layers),
        "fields": fields,
    }


def capture_to_oracle(path: str, name: str, tracked: Iterable[str] | None = None) -> dict[str, Any]:
    """Decode every packet of a capture file into the oracle shape."""
    try:
        idx = open_capture(path)
    except CaptureError as exc:
        return {
            "schema": "layerscope-oracle/1",
            "capture": name,
            "rejected": True,
            "error": str(exc),
            "packets": [],
        }
    packets = []
    with idx:
        for rec in idx:
            pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns,
                         wirelen=rec.wirelen, interface=rec.interface)  # fmt: skip
            packets.append(packet_oracle(pkt, tracked))
    return {"schema": "layerscope-oracle/1", "capture": name, "rejected": False,
            "warnings": list(idx.warnings), "packets": packets}  # fmt: skip
