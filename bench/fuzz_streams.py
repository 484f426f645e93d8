#!/usr/bin/env python3
"""Conversation fuzzer: whole captures reordered, duplicated, dropped and overlapped,
through the stream layer (`bench/fuzz.py conversations [--trials N] [--seed S]`).

Seeds are the captures of captures/ and tests/data/ that hold TCP or UDP. Each trial takes
one, and mutates the conversation rather than one packet: reorders records, duplicates
some, drops some, rewrites TCP sequence numbers so segments overlap, leave gaps or wrap
past 2^32 (an overlap may carry other bytes than the first copy), and cuts IPv4 and IPv6
datagrams into fragments (shuffled, some overlapping with other bytes, some lost). The
result goes, in memory, through the stream pass, every packet's annotation (the fields,
the joined datagrams' layers and the tree), and follow of every stream in every mode; the
chunked pass is also compared with the same packets fed one at a time (they must agree).
Counted: exceptions and disagreements (the target: 0), the worst trial's time and the
largest number of bytes a reassembler held (bounded by its cap).
Not a test: figures; a failing trial is replayed by its seed (--trials 1 --seed S).
"""

from __future__ import annotations

import argparse
import glob
import random
import struct
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dissect.engine import decode  # noqa: E402
from dissect.index import CaptureError, open_capture  # noqa: E402
from dissect.output import tree_text  # noqa: E402
from dissect.readers.writer import PcapWriter  # noqa: E402
from dissect.streams import StreamTable, annotate  # noqa: E402
from dissect.streams.conversation import segments_of  # noqa: E402
from dissect.streams.follow import MODES, follow, render  # noqa: E402

Record = tuple[bytes, int, int]  # data, linktype, time_ns


def load_seeds() -> list[list[Record]]:
    seeds = []
    for path in sorted(glob.glob(str(ROOT / "captures" / "*.pcap*"))
                       + glob.glob(str(ROOT / "tests" / "data" / "**" / "*.pcap*"), recursive=True)):  # fmt: skip
        if path.endswith(".json"):
            continue
        try:
            with open_capture(path) as idx:
                recs = [(r.data, r.linktype, r.time_ns) for r in idx]
        except CaptureError:
            continue
        if (
            recs
            and len(recs) <= 5000
            and any(b"\x06" in d[:64] or b"\x11" in d[:64] for d, _l, _t in recs)
        ):
            seeds.append(recs)
    return seeds


def tcp_offset(data: bytes, linktype: int) -> int | None:
    """Where the TCP header of a plain Ethernet/IPv4 frame starts (None: not one)."""
    pkt = decode(data, linktype)
    layer = pkt.layer("tcp")
    return None if layer is None else layer.pos


def mutate(rng: random.Random, recs: list[Record]) -> list[Record]:
    out = list(recs)
    for _ in range(rng.randint(1, 6)):
        op = rng.choice(("swap", "dup", "drop", "seq", "wrap", "bytes", "frag"))
        if not out:
            break
        k = rng.randrange(len(out))
        if op == "swap" and len(out) > 1:
            j = rng.randrange(len(out))
            out[k], out[j] = out[j], out[k]
        elif op == "dup":
            out.insert(rng.randrange(len(out) + 1), out[k])
        elif op == "drop":
            del out[k]
        elif op == "frag":
            out[k : k + 1] = _fragments(rng, out[k])
        else:
            out[k] = _rewrite(rng, out[k], op)
    return out


def _rewrite(rng: random.Random, rec: Record, op: str) -> Record:
    data, lt, t = rec
    pos = tcp_offset(data, lt)
    if pos is None or pos + 8 > len(data):
        return rec
    b = bytearray(data)
    seq = struct.unpack_from("!I", b, pos + 4)[0]
    if op == "seq":  # overlap or gap: move the segment by a little
        seq = (seq + rng.randint(-3000, 3000)) % (1 << 32)
    elif op == "wrap":
        seq = (1 << 32) - rng.randint(1, 2000)
    else:  # other bytes under the same sequence number: a conflicting overlap
        for i in range(pos + 20, len(b)):
            if rng.random() < 0.3:
                b[i] ^= 0xFF
    struct.pack_into("!I", b, pos + 4, seq)
    return bytes(b), lt, t


def _fragments(rng: random.Random, rec: Record) -> list[Record]:
    """An Ethernet frame's IPv4 or IPv6 datagram as fragments: random 8-byte-aligned cuts,
    shuffled; some overlap an earlier piece with other bytes; one may be lost."""
    data, lt, t = rec
    if lt != 1 or len(data) < 14 + 48 or data[12:14] not in (b"\x08\x00", b"\x86\xdd"):
        return [rec]
    v6 = data[12:14] == b"\x86\xdd"
    hdr = 40 if v6 else (data[14] & 0x0F) * 4
    head, payload = data[: 14 + hdr], data[14 + hdr :]
    cuts = sorted(
        {rng.randrange(1, max(2, len(payload) // 8)) * 8 for _ in range(rng.randint(1, 4))}
    )
    spans = [(a, b) for a, b in zip([0, *cuts], [*cuts, len(payload)], strict=True) if a < b]
    ident = rng.randrange(1 << 16)
    pieces = []
    for n, (a, b) in enumerate(spans):
        if a and rng.random() < 0.2:  # overlap the piece before, with other bytes there
            a = max(0, a - 8)
        chunk = bytes(x ^ 0x5A for x in payload[a:b]) if rng.random() < 0.1 else payload[a:b]
        more = n < len(spans) - 1
        pieces.append(_piece(head, v6, hdr, a, more, ident, chunk))
    rng.shuffle(pieces)
    if len(pieces) > 1 and rng.random() < 0.2:
        pieces.pop()
    return [(p, lt, t + n) for n, p in enumerate(pieces)]


def _piece(head: bytes, v6: bool, hdr: int, offset: int, more: bool, ident: int,
           chunk: bytes) -> bytes:  # fmt: skip
    b = bytearray(head)
    if v6:  # a Fragment header after the fixed one, carrying the next header
        nxt = b[14 + 6]
        b[14 + 6] = 44
        b[14 + 4 : 14 + 6] = struct.pack("!H", 8 + len(chunk))
        frag = struct.pack("!BBHI", nxt, 0, offset | int(more), ident)
        return bytes(b) + frag + chunk
    struct.pack_into(
        "!HHH", b, 14 + 2, hdr + len(chunk), ident, (offset // 8) | (0x2000 if more else 0)
    )
    return bytes(b) + chunk


def same_as_fed(idx: object, table: StreamTable) -> bool:
    """The chunked pass and the same packets fed one at a time agree."""
    fed = StreamTable()
    for rec in idx:  # type: ignore[attr-defined]
        pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns,
                     wirelen=rec.wirelen)  # fmt: skip
        fed.add(segments_of(pkt))
    names = ("ids", "facts", "analysis", "number", "rtt_us")
    return all(getattr(fed, n) == getattr(table, n) for n in names) and fed.others == table.others


def trial(recs: list[Record], tmp: Path) -> int:
    """The stream layer over one mutated capture; the most bytes a reassembler held."""
    with PcapWriter(str(tmp), recs[0][1]) as w:
        for data, _lt, t in recs:
            w.write(data, t)
    held = 0
    with open_capture(str(tmp)) as idx:
        idx.index_all()
        table = StreamTable.build(idx)
        if not same_as_fed(idx, table):
            raise AssertionError("the chunked pass differs from one packet at a time")
        for rec in idx:
            pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns)
            annotate(pkt, table)
            tree_text(pkt, True)
        for kind, count in (("tcp", table.tcp_streams), ("udp", table.udp_streams)):
            for n in range(min(count, 50)):
                f = follow(idx, table, kind, n)
                for mode in MODES:
                    render(f, mode)
                held = max(held, *f.missing, 0)
    return held


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    seeds = load_seeds()
    tmp = ROOT / "bench" / "out" / "fuzz-streams.pcap"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    failures, worst, gap = 0, 0.0, 0
    for s in range(a.seed, a.seed + a.trials):
        rng = random.Random(s)
        recs = mutate(rng, rng.choice(seeds))
        if not recs:
            continue
        t = time.perf_counter()
        try:
            gap = max(gap, trial(recs, tmp))
        except Exception:
            failures += 1
            print(f"seed {s}: {traceback.format_exc(limit=3)}", flush=True)
        worst = max(worst, time.perf_counter() - t)
    print(f"{a.trials} trials over {len(seeds)} seed captures: {failures} exceptions, "
          f"slowest trial {worst:.2f} s, largest open gap {gap:,} bytes")  # fmt: skip
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
