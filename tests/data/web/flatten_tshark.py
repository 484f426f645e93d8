"""Flatten `tshark -T json -x` output into the expectations the web tests read.

    tshark -r CAPTURE -T json -x -o tcp.desegment_tcp_streams:FALSE | \\
        python tests/data/web/flatten_tshark.py PROTO[,PROTO...] > CAPTURE.tshark.json

For each packet: its protocols, and for each layer of the named protocols (in order) the
fields as [name, value, pos, len, in_decrypted], where in_decrypted says the position is in
Wireshark's decrypted data (under a QUIC frame) rather than in the frame itself.
"""

from __future__ import annotations

import json
import sys


def pairs(items: list[tuple[str, object]]) -> list[tuple[str, object]]:
    return items


def fields(node: object, out: list, decrypted: bool) -> None:
    if not isinstance(node, list):
        return
    values = dict((k, v) for k, v in node if not isinstance(v, list) or not v or not isinstance(v[0], tuple))
    for key, value in node:
        if key.endswith("_raw") and isinstance(value, list) and value:
            name = key[:-4]
            raws = value if isinstance(value[0], list) else [value]
            shown = values.get(name)
            shown = shown if isinstance(shown, list) else [shown]
            for i, raw in enumerate(raws):
                inside = decrypted or name == "quic.frame"
                out.append([name, shown[i] if i < len(shown) else None, raw[1], raw[2], inside])
        elif isinstance(value, list) and value and isinstance(value[0], tuple):
            fields(value, out, decrypted or key == "quic.frame")


def main() -> None:
    wanted = sys.argv[1].split(",")
    packets = json.load(sys.stdin, object_pairs_hook=pairs)
    result = []
    for pkt in packets:
        layers = dict(pkt)["_source"]
        layers = dict(layers)["layers"]
        frame = dict(dict(layers)["frame"])
        entry = {"number": int(frame["frame.number"]), "protocols": frame["frame.protocols"],
                 "layers": []}
        for key, value in layers:
            if key in wanted:
                out: list = []
                fields(value, out, False)
                entry["layers"].append({"protocol": key, "fields": out})
        result.append(entry)
    json.dump(result, sys.stdout, indent=0)


if __name__ == "__main__":
    main()
