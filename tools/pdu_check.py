#!/usr/bin/env python3
"""Compare the PDUs layerscope puts together across TCP segments with tshark's (a developer
tool; the tests do the same on tests/data/reassembly).

    tools/pdu_check.py [-v] CAPTURE...

-v prints every difference (else the first three per capture).

For each capture: tshark with its default preferences (reassembly on) -T json -x, then per
frame: the same frames complete a PDU, from the same segments; and over the reassembled
layers, the fields at tshark's spans and with its values (tests/test_pdus.py's measures).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from data.web.flatten_tshark import fields as flat_fields  # noqa: E402
from test_pdus import packets, span_agreement, value_agreement  # noqa: E402

PROTOS = ("tcp", "tcp.segments", "http", "tls", "dns", "data-text-lines", "http2")


def tshark(path: str) -> list[dict]:
    out = subprocess.run(["tshark", "-r", path, "-T", "json", "-x"], capture_output=True,
                         check=True, timeout=600).stdout  # fmt: skip
    packets_ = json.loads(out, object_pairs_hook=lambda items: items)
    result = []
    for pkt in packets_:
        layers = dict(dict(dict(pkt)["_source"])["layers"])
        entry = {"layers": []}
        for key, value in dict(dict(pkt)["_source"])["layers"]:
            if key in PROTOS:
                found: list = []
                flat_fields(value, found, False)
                entry["layers"].append({"protocol": key, "fields": found})
        del layers
        result.append(entry)
    return result


def main() -> None:
    totals = [0, 0, 0, 0, 0, 0]
    paths = [a for a in sys.argv[1:] if a != "-v"]
    shown = None if "-v" in sys.argv[1:] else 3
    for path in paths:
        try:
            entries = tshark(path)
        except (subprocess.CalledProcessError, ValueError) as exc:  # a file tshark refuses
            print(f"{path}: skipped, tshark cannot read it ({type(exc).__name__})")
            continue
        pkts, _ = packets(Path(path))
        if len(entries) != len(pkts):
            print(f"{path}: tshark {len(entries)} packets, ours {len(pkts)}: skipped")
            continue
        same = sum(
            ([f.value for f in p.find("tcp.segment")] != [])
            == any(la["protocol"] == "tcp.segments" for la in e["layers"])
            for p, e in zip(pkts, entries, strict=True)
        )
        sa, st, sd = span_agreement(pkts, entries)
        va, vt, vd = value_agreement(pkts, entries)
        for k, v in enumerate((same, len(pkts), sa, st, va, vt)):
            totals[k] += v
        print(f"{os.path.basename(path)}: frames {same}/{len(pkts)}, spans {sa}/{st}, "
              f"values {va}/{vt}", sd[:shown], vd[:shown])  # fmt: skip
    same, n, sa, st, va, vt = totals
    print(f"TOTAL: frames {same}/{n}, spans {sa}/{st} ({sa / max(st, 1):.2%}), "
          f"values {va}/{vt} ({va / max(vt, 1):.2%})")  # fmt: skip


if __name__ == "__main__":
    main()
