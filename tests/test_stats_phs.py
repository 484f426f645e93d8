"""-z io,phs from the bytes: a quiet record's path (dissect/stats/stacks.py) is the one the
decoder gives it, on every capture of tests/data and on random headers made to be odd."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import numpy as np
import pytest

from dissect import open_capture
from dissect.engine import decode
from dissect.fastfilter import CHUNK, Columns
from dissect.readers.writer import PcapWriter
from dissect.stats.phs import path_of, protocol_path
from dissect.stats.stacks import quiet_paths

DATA = Path(__file__).parent / "data"
CAPTURES = sorted(p for p in DATA.rglob("*") if p.suffix in (".pcap", ".pcapng"))


def differences(path: Path) -> tuple[int, list[tuple[int, tuple[str, ...], list[str]]]]:
    """(records read from the bytes, those whose decoded path differs)."""
    from dissect.index import CaptureError

    try:
        idx = open_capture(str(path))
        idx.index_all()
    except CaptureError:  # a capture made to be unreadable: nothing to count
        return 0, []
    decided, wrong = 0, []
    for a in range(0, len(idx), CHUNK):
        c = Columns(idx, a, min(len(idx), a + CHUNK), 0)
        mask, groups = quiet_paths(c, np.ones(c.n, bool))
        decided += int(mask.sum())
        for names, rows in groups:
            for r in rows.tolist():
                rec = idx.record(a + r)
                got = protocol_path(decode(rec.data, rec.linktype, wirelen=rec.wirelen))
                if got != path_of(list(names), "ok"):
                    wrong.append((a + r + 1, names, got))
        c.release()
    idx.close()
    return decided, wrong


def test_quiet_paths_are_the_decoders_on_every_capture() -> None:
    decided = 0
    for path in CAPTURES:
        n, wrong = differences(path)
        assert wrong == [], path.name
        decided += n
    assert decided > 500  # the path is taken, not only declined


def _odd_frame(rnd: random.Random) -> tuple[bytes, int]:
    """Ethernet, IPv4, then TCP (options of every shape, some broken), UDP or an unbound
    protocol; lengths that lie now and then; some frames cut short. (frame, captured)"""
    pieces = [b"\x01", b"\x00", b"\x02\x04\x05\xb4", b"\x08\x0a" + bytes(8), b"\x04\x02",
              b"\x03\x03\x07", bytes([rnd.randrange(256)]),
              bytes([rnd.randrange(5), rnd.randrange(12)])]  # fmt: skip
    opts = b"".join(rnd.choice(pieces) for _ in range(rnd.randrange(6)))[:40]
    hdr = 20 + len(opts) // 4 * 4 if rnd.random() < 0.9 else rnd.randrange(64)
    payload = bytes(rnd.randrange(3)) if rnd.random() < 0.2 else b""
    proto = rnd.choice([6, 6, 6, 17, 99])
    if proto == 6:
        flags = rnd.choice([0x10, 0x02, 0x18, 0x04])
        l4 = struct.pack("!HHIIBBHHH", 40000, rnd.choice([80, 5555]), 1, 0, (hdr // 4) << 4,
                         flags, 1000, 0, 0) + opts[: max(0, hdr - 20)]  # fmt: skip
    elif proto == 17:
        length = 8 + len(payload) + rnd.choice([0, 0, 0, 1, -1, -8])
        l4 = struct.pack("!HHHH", 40000, 5555, length & 0xFFFF, 0)
    else:
        l4 = b""
    total = 20 + len(l4) + len(payload) + rnd.choice([0, 0, 0, 0, 1, -1, 4, -4])
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total & 0xFFFF, 0, rnd.choice([0, 0, 0x2000]),
                     64, proto, 0, b"\x0a\0\0\1", b"\x0a\0\0\2")  # fmt: skip
    frame = bytes(range(12)) + b"\x08\x00" + ip + l4 + payload + bytes(rnd.choice([0, 0, 2, 6]))
    return frame, len(frame) if rnd.random() < 0.8 else rnd.randrange(14, len(frame) + 1)


@pytest.mark.parametrize("seed", range(3))
def test_quiet_paths_are_the_decoders_on_odd_headers(seed: int, tmp_path: Path) -> None:
    """Broken TCP options, IP and UDP lengths that lie, frames cut short: a record is read
    from the bytes only when decoding it would give the same path; the others (those the
    decoder marks malformed among them) are left to the decoder."""
    rnd = random.Random(seed)
    path = tmp_path / "odd.pcap"
    with PcapWriter(str(path), 1) as w:
        for i in range(3000):
            frame, captured = _odd_frame(rnd)
            w.write(frame[:captured], i * 1000, wirelen=len(frame))
    decided, wrong = differences(path)
    assert wrong == [] and decided > 300
    idx = open_capture(str(path))
    idx.index_all()
    marked = [i for i in range(len(idx)) if "_ws.malformed" in
              protocol_path(decode(idx.record(i).data, 1))]  # fmt: skip
    idx.close()
    assert marked  # the odd headers do reach the decoder's checks
