#!/usr/bin/env python3
"""Grammar-based display-filter fuzzer: every string compiles or is a FilterError.

    bench/fuzz_filter.py [--count N] [--seconds S] [--seed S] [--json OUT]
    bench/fuzz.py filters [the same options]

Filters come from a grammar over the real registry (field, alias, protocol and pseudo-field
names, and near misses), every operator, values of the field's type and of the wrong one
(huge and negative numbers, bad addresses, strings with unicode, control bytes and odd
escapes, long strings), sets with ranges, regular expressions (catastrophic ones,
backreferences, lookaround, huge counts, deep groups), field-to-field tests, nesting up
to past the depth limit, very long filters; then, for some, a few character-level
mutations.

Per filter: compile_filter must return a Filter or raise FilterError whose column lies in
the text and whose message is one line; any other exception is a failure (saved under
bench/out/fuzz-filter/). A compiled filter is run over every packet of the sample
captures, record by record (match_frame) and through the vectorised scanner: neither may
raise, and both must select the same packets. Timed (thread CPU time): compile, and
evaluation over the samples, per filter; max and p99 are printed. Not a test: the test
suite runs a small hypothesis-driven version (tests/test_filter_fuzz.py).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dissect import regex  # noqa: E402
from dissect.engine import FIELDS, safe_text  # noqa: E402
from dissect.fastfilter import Scanner  # noqa: E402
from dissect.filter import (  # noqa: E402
    KIND_OF,
    MAX_DEPTH,
    MAX_LENGTH,
    Filter,
    FilterError,
    compile_filter,
    field_names,
)
from dissect.index import CaptureIndex, open_capture  # noqa: E402

OUT = ROOT / "bench" / "out" / "fuzz-filter"
SAMPLES = (  # a few packets of every kind the decoders know, malformed ones included
    "captures/sample-netns.pcap",
    "tests/data/app_tcp/pcapplusplus_HttpMalformedResponse.pcapng",
    "tests/data/app_tcp/arkime_tls-split-client-hello.pcap",
    "tests/data/app_udp/arkime_wireshark-dhcp.pcap",
    "tests/data/app_udp/dpkt_truncated_dns.pcap",
    "tests/data/app_udp/tcpdump_ntp.pcap",
    "tests/data/link/pcapplusplus/ArpRequestWithVlan.pcap",
    "tests/data/network/pcapplusplus/IcmpV6_NeighAdvSoli.pcap",
    "tests/data/network/pcapplusplus/ipv4-options.pcap",
    "tests/data/network/tcpdump/ipv6-routing-header.pcap",
)
NAMES = field_names()
KINDS = {name: KIND_OF.get(spec.kind, spec.kind) for name, spec in FIELDS.items()}
RELOPS = ("==", "!=", "===", "!==", "~=", "<", "<=", ">", ">=", "eq", "ne", "lt", "le",
          "gt", "ge", "any_eq", "all_ne", "all_eq", "any_ne")  # fmt: skip
AND, OR, NOT = ("and", "&&", "AND"), ("or", "||", "OR"), ("not ", "!", "! ", "NOT ")
ODD = "\x00\x01\x07\x1b\x7f\x85\x9b\u061c\u200f\u202e\u2028\ufeff\udc80\U0001f600é漢"
PUNCT = "()[]{}<>=!&|~\"\\'.,:;/+-*?^$# \t\n"
CATASTROPHIC = ("(a+)+$", "(a|a)*$", "(a|aa)+$", "(.*a){20}", "(x+x+)+y", "^(\\w+\\s?)*$",
                "(a*)*b", "((a+)+)+c")  # fmt: skip


class FilterGrammar:
    """Random display filters, drawn from `rng` (a hypothesis-controlled Random in tests)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def filter(self) -> str:
        r = self.rng.random()
        if r < 0.05:
            return self.deep()
        if r < 0.08:
            return self.long()
        text = self.expr(self.rng.randint(0, 4))
        return self.mutate(text) if self.rng.random() < 0.2 else text

    # -- structure ------------------------------------------------------------------------
    def expr(self, depth: int) -> str:
        rng = self.rng
        if depth <= 0 or rng.random() < 0.3:
            return self.test()
        r = rng.random()
        if r < 0.2:
            return rng.choice(NOT) + self.expr(depth - 1)
        if r < 0.4:
            return "(" + self.expr(depth - 1) + ")"
        op = rng.choice(AND if r < 0.7 else OR)
        return f"{self.expr(depth - 1)} {op} {self.expr(depth - 1)}"

    def deep(self) -> str:
        """Nesting around the limit, of "(", "!" or both."""
        n = MAX_DEPTH + self.rng.choice((-1, 0, 1, 2, 300))
        kind = self.rng.choice(("(", "!", "!(", "not ("))
        closing = ")" * (n if kind == "(" else n // 2 if "(" in kind else 0)
        opening = kind * (n if kind in ("(", "!") else n // 2)
        return opening + self.test() + closing

    def long(self) -> str:
        joiner = f" {self.rng.choice(AND + OR)} "
        terms = [self.test() for _ in range(self.rng.randint(1, 5))]
        reps = self.rng.choice((100, 2000, MAX_LENGTH // 8))
        return joiner.join(terms * reps)

    def mutate(self, text: str) -> str:
        rng = self.rng
        for _ in range(rng.randint(1, 3)):
            i = rng.randint(0, len(text))
            r = rng.random()
            if r < 0.4:
                text = text[:i] + rng.choice(PUNCT + ODD) + text[i:]
            elif r < 0.7:
                text = text[:i] + text[i + 1 :]
            elif r < 0.85:
                j = rng.randint(i, min(len(text), i + 20))
                text = text[:j] + text[i:j] + text[j:]
            else:
                text = text[:i]
        return text

    # -- tests ----------------------------------------------------------------------------
    def name(self) -> str:
        rng = self.rng
        name = rng.choice(NAMES)
        r = rng.random()
        if r < 0.02:
            return name[:-1] or "x"  # a near miss: did you mean ...
        if r < 0.03:
            return name + rng.choice(("_", ".x", "..", "1"))
        return name

    def test(self) -> str:
        rng, name = self.rng, self.name()
        r = rng.random()
        textual = KINDS.get(name, "proto") in ("text", "str", "bytes", "proto")
        if r < 0.15:
            return name
        if r < 0.75 and rng.random() < 0.85:  # mostly an operator that suits the field
            r = rng.choice((0.3, 0.6, 0.7, 0.8) if textual else (0.3, 0.3, 0.6))
        if r < 0.55:
            return f"{name} {rng.choice(RELOPS)} {self.value(name)}"
        if r < 0.65:
            items = " ".join(self.set_item(name) for _ in range(rng.choice((0, 1, 2, 3, 5, 8))))
            return f"{name} in {{{items}}}"
        if r < 0.75:
            return f"{name} contains {self.value(name)}"
        if r < 0.88:
            return f"{name} matches {self.string(self.regex())}"
        if r < 0.94:
            return f"{self.value(name)} {rng.choice(RELOPS)} {name}"
        return f"{name} {rng.choice(RELOPS)} {self.name()}"

    def set_item(self, name: str) -> str:
        if self.rng.random() < 0.3:
            sep = self.rng.choice(("-", "..", " .. "))
            return f"{self.value(name)}{sep}{self.value(name)}"
        return self.value(name)

    # -- values -----------------------------------------------------------------------------
    def value(self, name: str) -> str:
        kind = KINDS.get(name, "text")
        if self.rng.random() < 0.1:  # the wrong type, now and then
            kind = self.rng.choice(("int", "bool", "ipv4", "ipv6", "mac", "bytes", "text", "float"))
        return getattr(self, f"v_{kind}", self.v_text)()

    def odd(self) -> bool:
        """Whether this value should be an odd one (most are well formed)."""
        return self.rng.random() < 0.25

    def v_int(self) -> str:
        rng = self.rng
        if not self.odd():
            return rng.choice(
                (str(rng.randint(0, 300)), str(rng.randint(0, 65535)), hex(rng.randint(0, 255)))
            )
        return rng.choice((
            hex(rng.randint(0, 2**32)), "0" + oct(rng.randint(0, 999))[2:], str(-rng.randint(1, 10)),
            str(10 ** rng.randint(10, 40)), "9" * rng.choice((20, 5000)), "0b101", "1_000",
            '"TCP"', '"udp"', "0x", "08", "-0", "+5", "٣", "²",
        ))  # fmt: skip

    def v_bool(self) -> str:
        if not self.odd():
            return self.rng.choice(("1", "0", "true", "FALSE"))
        return self.rng.choice(("2", "yes", '"1"', "-1"))

    def v_float(self) -> str:
        if not self.odd():
            return self.rng.choice(("1.5", "0", "100", "0.25"))
        return self.rng.choice(("-0", "1e999", "nan", "inf", "1e-400", "0x1p3", "1,5"))

    def v_ipv4(self) -> str:
        rng = self.rng
        if not self.odd():
            net = f"{rng.choice((10, 192, 172, 8))}.{rng.randint(0, 255)}.0.{rng.randint(0, 255)}"
            return net + rng.choice(("", "", "/8", "/24", "/32"))
        octets = (0, 10, 127, 255, 256, 999)
        addr = ".".join(str(rng.choice(octets)) for _ in range(rng.choice((3, 4, 5))))
        return addr + rng.choice(("", "/33", "/-1", "/0", "/abc"))

    def v_ipv6(self) -> str:
        if not self.odd():
            return self.rng.choice(("::1", "fe80::/10", "::", "2001:db8::1", "::ffff:1.2.3.4"))
        return self.rng.choice(("2001:db8::1/129", ":::", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0"))

    def v_mac(self) -> str:
        rng = self.rng
        sep = rng.choice((":", "-", ".", "")) if self.odd() else ":"
        count = rng.choice((5, 6, 7)) if self.odd() else 6
        return sep.join(f"{rng.randint(0, 255):02x}" for _ in range(count))

    def v_bytes(self) -> str:
        rng = self.rng
        if rng.random() < 0.3:
            return self.string(self.text())
        return ":".join(f"{rng.randint(0, 255):02x}" for _ in range(rng.randint(1, 8)))

    def v_text(self) -> str:
        return self.string(self.text())

    def v_str(self) -> str:
        return self.v_text()

    def v_proto(self) -> str:
        return self.v_bytes()

    def v_none(self) -> str:
        return self.v_int()

    def text(self) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.5:
            return rng.choice(("GET", "/", "example", "good", "bad", "warning", "TCP", ""))
        if r < 0.8:
            return "".join(rng.choice("ab" + ODD + PUNCT) for _ in range(rng.randint(0, 12)))
        return rng.choice(("a", "é", "\x00")) * rng.choice((100, 4000))

    def string(self, body: str) -> str:
        """body as a filter string: escaped, raw, or with odd escapes of its own."""
        rng = self.rng
        r = rng.random()
        if r < 0.2:
            return 'r"' + body.replace('"', "") + '"'
        escaped = body.replace("\\", "\\\\").replace('"', '\\"')
        if r < 0.35:
            escaped += rng.choice(("\\x41", "\\101", "\\n", "\\q", "\\x4", "\\777", "\\"))
        return '"' + escaped + '"'

    # -- regular expressions ---------------------------------------------------------------------
    def regex(self) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.2:
            return rng.choice(CATASTROPHIC)
        if r < 0.25:
            return "(" * rng.choice((50, 101, 1000)) + "a" + ")" * rng.randint(0, 1000)
        return "".join(self.regex_piece() for _ in range(rng.randint(1, 5)))

    def regex_piece(self) -> str:
        rng = self.rng
        atom = rng.choice((
            "a", ".", "\\d", "\\w", "\\s", "[a-z]", "[^/]", "[]a]", "\\b", "^", "$", "(?i)",
            "(ab|cd)", "(?:x)", "(?P<n>x)", "\\1", "(?=a)", "(?<!a)", "(?>a)", "\\x41", "\\p{L}",
            "[[:alpha:]]", "\\z", "\\Z", "(?s)", "é", "\\", "[", "(", ")", "{", "\\k<n>",
        ))  # fmt: skip
        quant = rng.choice((
            "", "", "", "*", "+", "?", "*?", "++", "{2}", "{2,5}", "{,3}", "{1000}", "{1001}",
            "{4294967295}", "{99999999999999999999}", "{5,2}", "{2}+",
        ))  # fmt: skip
        return atom + quant


# -- checking one filter -------------------------------------------------------------------------
class Samples:
    """The sample captures, indexed once: every packet, its frame, and the scanner's index."""

    def __init__(self, paths: tuple[str, ...] = SAMPLES) -> None:
        self.indexes: list[CaptureIndex] = []
        for rel in paths:
            idx = open_capture(str(ROOT / rel))
            idx.index_all()
            self.indexes.append(idx)

    def close(self) -> None:
        for idx in self.indexes:
            idx.close()


def check(text: str, samples: Samples) -> Filter | None:
    """Compile and run one filter; AssertionError (or the exception itself) on a violation.
    Returns the Filter, or None when it was rightly rejected."""
    try:
        flt = compile_filter(text)
    except FilterError as exc:
        assert 0 <= exc.pos <= len(text), f"column {exc.column} outside a {len(text)}-char filter"
        assert exc.message and safe_text(exc.message, len(exc.message) + 1) == exc.message, (
            f"message not one inert line: {exc.message!r}"
        )
        exc.pointer(text)
        return None
    for idx in samples.indexes:
        t0 = idx.time_ns(0) if len(idx) else 0
        one_by_one = [
            i
            for i, r in enumerate(idx)
            if flt.match_frame(
                r.data, r.linktype, r.number, r.time_ns, r.wirelen, r.interface, r.comment, t0
            )  # fmt: skip
        ]
        scanner = Scanner(flt, idx)
        vectorised = [int(i) for _, m in scanner.chunk(0, len(idx)) for i in m]
        assert vectorised == one_by_one, f"scan {vectorised} != predicate {one_by_one}"
    return flt


# -- the long run -----------------------------------------------------------------------------------
def save(text: str, seed: int, n: int, trace: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"filter-{seed}-{n}.json"
    path.write_text(json.dumps({"filter": text, "traceback": trace}, indent=1) + "\n")
    return path


def percentile(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] if values else 0.0


def run(args: argparse.Namespace) -> dict:
    rng, samples = random.Random(args.seed), Samples()
    grammar = FilterGrammar(rng)
    outcomes: Counter[str] = Counter()
    compile_ms: list[float] = []
    eval_ms: list[float] = []
    failures: list[str] = []
    slowest = (0.0, "")
    start = time.monotonic()
    n = 0
    try:
        while n < args.count and (not args.seconds or time.monotonic() - start < args.seconds):
            n += 1
            text = grammar.filter()
            t = time.thread_time()
            try:
                flt = check(text, samples)
            except Exception:  # noqa: BLE001  the fuzzer's whole point: count and keep it
                outcomes["failed"] += 1
                failures.append(str(save(text, args.seed, n, traceback.format_exc())))
                continue
            spent = (time.thread_time() - t) * 1000
            outcomes["compiled" if flt else "rejected"] += 1
            (eval_ms if flt else compile_ms).append(spent)
            slowest = max(slowest, (spent, text[:120]))
    finally:
        samples.close()
    return {
        "filters": n, **outcomes, "failures": failures[:20],
        "seconds": round(time.monotonic() - start, 1),
        "rejected_max_ms": round(max(compile_ms, default=0), 2),
        "compiled_and_run_max_ms": round(max(eval_ms, default=0), 2),
        "compiled_and_run_p99_ms": round(percentile(eval_ms, 0.99), 2),
        "slowest": {"ms": round(slowest[0], 2), "filter": slowest[1]}, "engine": regex.ENGINE,
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=100_000, help="filters in all")
    ap.add_argument("--seconds", type=float, default=0, help="stop after this long (0 = no limit)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (same seed, same filters)")
    ap.add_argument("--json", help="write the figures here")
    ap.add_argument("--engine", choices=("re2", "bounded"), help="for matches (default: RE2)")
    args = ap.parse_args(argv)
    regex.ENGINE = args.engine or regex.ENGINE
    doc = run(args)
    print(json.dumps(doc, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=1) + "\n")
    return 1 if doc.get("failed") else 0


if __name__ == "__main__":
    sys.exit(main())
