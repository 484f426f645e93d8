#!/usr/bin/env python3
"""Score layerscope's decoding against tshark's expectations (a developer tool).

    tools/corpus_check.py [--corpus DIR] [--out DIR] [--show N] [--fields a,b] [FILE_OR_GLOB ...]

Decodes each capture with layerscope, writes it in the oracle JSON shape the corpus uses
(one file per capture under --out, mirroring <group>/<file>.json), then runs the corpus's
own compare tool over the pairs. With no files: every capture that has an expectation.
Also usable on tests/data/golden (--corpus tests/data/golden: expectations beside captures).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from dissect.oracle import capture_to_oracle  # noqa: E402

# tshark layer names of the protocols layerscope decodes (issue: "the list above").
SUPPORTED = {
    "eth", "ethertype", "vlan", "ieee8021ad", "llc", "arp", "ip", "ipv6", "ipv6.hopopts",
    "ipv6.routing", "ipv6.fraghdr", "ipv6.dstopts", "icmp", "icmpv6", "tcp", "udp", "dns",
    "mdns", "http", "data-text-lines", "media", "tls", "dhcp", "ntp", "data", "sll", "null", "raw",
    "llmnr", "ssh", "dhcpv6", "nbns", "snmp", "syslog", "sip", "tftp", "mbtcp", "modbus", "mqtt",
    "nflog", "sdp", "ah", "l2tp", "lcp", "ipcomp",
}  # fmt: skip

DEFAULT_CORPUS = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "corpus"
)


def expected_path(corpus: str, rel: str) -> str | None:
    for p in (os.path.join(corpus, "expected", rel + ".json"), os.path.join(corpus, rel + ".json")):
        if os.path.exists(p):
            return p
    return None


def captures(corpus: str, patterns: list[str]) -> list[str]:
    """Relative paths (<group>/<file>) of the captures to check."""
    if not patterns:
        patterns = ["*/*"]
    out: list[str] = []
    for pat in patterns:
        full = pat if os.path.isabs(pat) or os.path.exists(pat) else os.path.join(corpus, pat)
        for path in sorted(glob.glob(full)):
            if path.endswith((".json", ".md", ".tsv", ".out")) or os.path.isdir(path):
                continue
            rel = os.path.relpath(os.path.abspath(path), os.path.abspath(corpus))
            if expected_path(corpus, rel):
                out.append(rel)
    return out


def all_supported(exp_file: str) -> bool:
    """True when every packet tshark decoded uses only protocols we decode."""
    doc = json.load(open(exp_file))
    if doc.get("rejected"):
        return False
    return all(set(p.get("layers") or []) <= SUPPORTED for p in doc.get("packets", []))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*")
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--out")
    ap.add_argument("--show", type=int, default=0)
    ap.add_argument("--fields")
    ap.add_argument("--min", type=float)
    ap.add_argument("--json")
    ap.add_argument(
        "--supported", action="store_true", help="only captures whose protocols are all decoded"
    )
    a = ap.parse_args(argv)
    corpus = os.path.abspath(a.corpus)
    out = a.out or tempfile.mkdtemp(prefix="corpus-check-")
    exp_dir = tempfile.mkdtemp(prefix="corpus-exp-")
    rels = captures(corpus, a.files)
    if a.supported:
        rels = [r for r in rels if all_supported(expected_path(corpus, r))]
    for rel in rels:
        exp = expected_path(corpus, rel)
        tracked = json.load(open(exp)).get("fields_tracked")
        doc = capture_to_oracle(os.path.join(corpus, rel), rel, tracked)
        target = os.path.join(out, rel + ".json")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as fh:
            json.dump(doc, fh)
        link = os.path.join(exp_dir, rel + ".json")
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(os.path.abspath(exp), link)
    compare = os.path.join(corpus, "tools", "compare.py")
    if not os.path.exists(compare):  # a corpus of expectations only (tests/data/golden)
        compare = os.path.join(DEFAULT_CORPUS, "tools", "compare.py")
    cmd = [sys.executable, compare, exp_dir, out, "--show", str(a.show)]
    if a.fields:
        cmd += ["--fields", a.fields]
    if a.min is not None:
        cmd += ["--min", str(a.min)]
    if a.json:
        cmd += ["--json", a.json]
    print(f"{len(rels)} captures decoded into {out}", flush=True)
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
