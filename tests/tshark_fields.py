"""Our fields of some protocols against tshark's, occurrence by occurrence.

An expectation file `<capture>.fields.json` beside a capture holds what tshark 4.0.17 showed
(`tshark -n -T json -x`, made once by `python -m tests.tshark_fields --write CAPTURE
PREFIX...`): per packet the protocol list (frame.protocols) and, for every field whose name
starts with one of the prefixes, its value as tshark shows it, byte position, length and
bit mask, in tree order. `compare` decodes the capture with layerscope and lists every
disagreement; tests assert that list is empty apart from the differences they name.
Tests read only the files; tshark is not run by them.
"""

from __future__ import annotations

import ipaddress
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from dissect.engine import columns, decode
from dissect.index import open_capture
from dissect.protocol import protocol_path

PREFS = ("-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.desegment_tcp_streams:FALSE",
          "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
          "-o", "sctp.checksum:CRC-32C", "-o", "sctp.relative_tsns:FALSE",
          "-o", "sctp.reassembly:FALSE", "-o", "sctp.tsn_analysis:FALSE")  # fmt: skip
TSHARK = ("tshark", "-n", *PREFS)
PSEUDO_LAYERS = {"ethertype"}
HEX_BYTES = re.compile(r"[0-9a-fA-F]{2}(:[0-9a-fA-F]{2})+")
BRACKETS = re.compile(r"\[(Malformed|Packet size limited|Truncated)[^\]]*\]")
# Wireshark's checksum status values (proto_checksum_enum_e) and our words for them.
CHECKSUM_STATUS = {"0": "bad", "1": "good", "2": "unverified", "3": "not present"}


def _wanted(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _is_object(val: Any) -> bool:
    """A JSON object as json.loads(object_pairs_hook=list) gives it: (key, value) pairs."""
    return isinstance(val, list) and bool(val) and isinstance(val[0], tuple)


def _walk(pairs: list, prefixes: tuple[str, ...], out: list) -> None:
    raws: dict[str, list] = {}
    for key, val in pairs:
        if key.endswith("_raw") and isinstance(val, list) and val and isinstance(val[0], str):
            raws[key[:-4]] = val
            continue
        if _is_object(val):
            _walk(val, prefixes, out)
            continue
        if key.endswith("_tree") or not _wanted(key, prefixes) or not isinstance(val, str):
            continue
        raw = raws.pop(key, None)
        pos, length, mask = (raw[1], raw[2], raw[3]) if raw is not None else (None, None, 0)
        out.append([key, val, pos, length, mask])


def tshark_expectation(capture: Path, prefixes: tuple[str, ...]) -> dict[str, Any]:
    text = subprocess.run([*TSHARK, "-T", "json", "-x", "-r", str(capture)], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    packets = []
    for pkt in json.loads(text, object_pairs_hook=list):
        layers = dict(dict(pkt)["_source"])["layers"]  # pairs: a protocol may repeat
        protos = dict(dict(layers)["frame"])["frame.protocols"].split(":")
        fields: list = []
        for name, val in layers:
            if name != "frame" and _is_object(val):
                _walk(val, prefixes, fields)
        packets.append({"layers": [p for p in protos if p not in PSEUDO_LAYERS],
                        "fields": fields})  # fmt: skip
    infos = subprocess.run([*TSHARK, "-r", str(capture), "-T", "fields", "-e",
                            "_ws.col.Info"], capture_output=True, text=True, check=True).stdout  # fmt: skip
    for pkt, info in zip(packets, infos.splitlines(), strict=True):
        pkt["info"] = BRACKETS.sub("", info).rstrip()
    return {"tshark": "4.0.17", "prefixes": list(prefixes), "packets": packets}


def _norm(v: Any) -> Any:
    """tshark's text and our values in one form: integers, addresses, hex bytes, text."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, bytes):
        return v.hex(":")
    if isinstance(v, str):
        if HEX_BYTES.fullmatch(v):
            return v.lower()
        try:
            return int(v, 16) if v.lower().startswith("0x") else int(v)
        except ValueError:
            pass
        try:
            return ipaddress.ip_address(v).compressed
        except ValueError:
            return v
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return str(v)


def ours(capture: Path, prefixes: tuple[str, ...]) -> list[dict[str, Any]]:
    packets = []
    with open_capture(str(capture)) as idx:
        for rec in idx:
            pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns,
                         wirelen=rec.wirelen, strict=True)  # fmt: skip
            fields = []
            for layer in pkt.layers:
                for f in layer.walk():
                    if _wanted(f.name, prefixes):
                        pos = None if f.generated else f.pos
                        length = None if f.generated else f.len
                        fields.append([f.name, f.value, pos, length, f.mask or 0])
            info = BRACKETS.sub("", columns(pkt)[3]).rstrip()
            layers = [p for p in protocol_path(pkt) if p not in PSEUDO_LAYERS]
            packets.append({"layers": layers, "fields": fields,
                            "info": info})  # fmt: skip
    return packets


def compare(
    capture: Path,
    skip: frozenset[str] = frozenset(),
    packets: frozenset[int] = frozenset(),
    elsewhere: frozenset[str] = frozenset(),
    twice: frozenset[str] = frozenset(),
    unlisted: frozenset[str] = frozenset(),
) -> list[str]:
    """Every disagreement with the expectation beside the capture (fields named in `skip`
    and the packets numbered in `packets` are not compared: the test says why). Protocols
    in `elsewhere` are left to other decoders: where tshark names one, `data` agrees.
    Protocols in `twice` are ones tshark lists twice in a row (its dissector calls itself
    for the version): once agrees. Protocols in `unlisted` are layers of ours that tshark
    decodes but leaves out of frame.protocols."""
    exp = json.loads(Path(str(capture) + ".fields.json").read_text())
    prefixes = tuple(exp["prefixes"])
    owners = {p.split(".")[0] for p in prefixes}  # the Info column is theirs when on top
    got = ours(capture, prefixes)
    problems: list[str] = []
    for n, (e, a) in enumerate(zip(exp["packets"], got, strict=True), 1):
        if n in packets:
            continue
        want = ["data" if p in elsewhere else p for p in e["layers"]]
        if want[-2:] == ["data", "data"]:
            want.pop()
        want = [p for k, p in enumerate(want) if not (p in twice and want[k - 1 : k] == [p])]
        if want != [p for p in a["layers"] if p not in unlisted]:
            problems.append(f"#{n} layers {e['layers']} != {a['layers']}")
        top = [p for p in e["layers"] if p != "data"][-1:]
        if top and top[0] in owners and e["info"] != a["info"]:
            problems.append(f"#{n} info {a['info']!r} != tshark {e['info']!r}")
        ours_by: dict[str, list] = {}
        for name, *rest in a["fields"]:
            ours_by.setdefault(name, []).append(rest)
        seen: dict[str, int] = {}
        for name, value, pos, length, mask in e["fields"]:
            if name in skip:
                continue
            i = seen[name] = seen.get(name, -1) + 1
            mine = ours_by.get(name, [])
            if i >= len(mine):
                problems.append(f"#{n} {name}[{i}] missing (tshark: {value!r})")
                continue
            v, p, ln, m = mine[i]
            if name.endswith("checksum.status"):
                value = CHECKSUM_STATUS.get(value, value)
            if isinstance(v, bytes):  # tshark writes bytes as hex, with colons from two on
                same = value.replace(":", "").lower() == v.hex()
            else:
                same = _norm(value) == _norm(v)
            if value != "" and not same:
                problems.append(f"#{n} {name}[{i}] value {v!r} != tshark {value!r}")
            if pos is not None and p is not None and (p, ln) != (pos, length):
                problems.append(f"#{n} {name}[{i}] span {p}+{ln} != tshark {pos}+{length}")
            if mask and m and mask != m:
                problems.append(f"#{n} {name}[{i}] mask {m:#x} != tshark {mask:#x}")
        for name, mine in ours_by.items():
            if name not in skip and len(mine) > seen.get(name, -1) + 1:
                problems.append(f"#{n} {name}: {len(mine) - seen.get(name, -1) - 1} extra")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] != "--write":
        print("usage: python -m tests.tshark_fields --write CAPTURE PREFIX...", file=sys.stderr)
        return 2
    capture = Path(argv[1])
    doc = tshark_expectation(capture, tuple(argv[2:]))
    Path(str(capture) + ".fields.json").write_text(json.dumps(doc, indent=0) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
