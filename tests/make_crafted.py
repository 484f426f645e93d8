#!/usr/bin/env python3
"""Build crafted (broken, odd or hostile-by-structure) capture files.

    tests/make_crafted.py OUTDIR       # writes every file and OUTDIR/MANIFEST.tsv

Each case says what the CLI must do with it (tests/test_crafted.py checks it): exit 0
printing `packets` packets and at most one warning line containing `message` (none when
`message` is empty), or exit 2 with exactly one error line containing `message`. The
packets printed must be `frames`: every valid packet before the damage is still there.
Formats: draft-ietf-opsawg-pcap and draft-ietf-opsawg-pcapng; the payloads are real
packets of captures/sample-netns.pcap (a DNS query, its answer, an HTTP request).
"""

from __future__ import annotations

import io
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dissect.index import open_capture  # noqa: E402
from dissect.readers.writer import PcapngWriter  # noqa: E402

SAMPLE = ROOT / "captures" / "sample-netns.pcap"
T0 = 1_700_000_000_000_000_000
USEC, NSEC, MODIFIED = 0xA1B2C3D4, 0xA1B23C4D, 0xA1B2CD34
SHB, IDB, PB, SPB, NRB, ISB, EPB, DSB = 0x0A0D0D0A, 1, 2, 3, 4, 5, 6, 0x0A
BOM = 0x1A2B3C4D
FOUR_GIB = 0xFFFFFFFF


@dataclass(frozen=True)
class Crafted:
    """One crafted file and what the CLI must make of it."""

    name: str
    data: bytes
    frames: tuple[bytes, ...]  # the packets that must be printed, in order
    message: str = ""  # substring of the single warning (exit 0) or error (exit 2) line
    exit: int = 0
    why: str = ""

    @property
    def packets(self) -> int:
        return len(self.frames)


def sample_frames() -> tuple[bytes, bytes, bytes]:
    """A DNS query, its answer and an HTTP request (Ethernet) from the sample capture."""
    with open_capture(SAMPLE) as idx:
        idx.index_all()
        return idx.record(2).data, idx.record(3).data, idx.record(7).data


F = sample_frames()
RAW = tuple(f[14:] for f in F)  # the same packets from the IPv4 header on


# -- pcap ----------------------------------------------------------------------------------
def pcap_header(
    magic: int = USEC, order: str = "<", snaplen: int = 65535, linktype: int = 1, version=(2, 4)
) -> bytes:
    return struct.pack(order + "IHHIIII", magic, *version, 0, 0, snaplen, linktype)


def pcap_record(data: bytes, n: int = 0, order: str = "<", caplen: int | None = None,
                wirelen: int | None = None, modified: bool = False) -> bytes:  # fmt: skip
    caplen = len(data) if caplen is None else caplen
    wirelen = len(data) if wirelen is None else wirelen
    head = struct.pack(order + "IIII", 1_700_000_000 + n, n * 1000, caplen, wirelen)
    if modified:  # ifindex, protocol, packet type, pad
        head += struct.pack(order + "IHBB", 2, 0x0800, 0, 0)
    return head + data


def pcap(frames=F, order: str = "<", magic: int = USEC, **head) -> bytes:  # noqa: ANN001
    body = b"".join(pcap_record(f, n, order) for n, f in enumerate(frames))
    return pcap_header(magic, order, **head) + body


def pcap_cases() -> list[Crafted]:
    good, c = pcap(), Crafted
    modified = pcap_header(MODIFIED) + b"".join(
        pcap_record(f, n, modified=True) for n, f in enumerate(F)
    )
    old = pcap_header(version=(2, 2)) + b"".join(pcap_record(f, n) for n, f in enumerate(F))
    # fmt: off
    return [
        c("pcap-usec-le.pcap", good, F, why="baseline: little-endian microseconds"),
        c("pcap-usec-be.pcap", pcap(order=">"), F, why="swapped byte order"),
        c("pcap-nsec-le.pcap", pcap(magic=NSEC), F, why="nanosecond magic"),
        c("pcap-nsec-be.pcap", pcap(order=">", magic=NSEC), F, why="nanoseconds, big-endian"),
        c("pcap-modified.pcap", modified, F, why="Kuznetzov's pcap: 24-byte record headers"),
        c("pcap-v2.2-swapped-lengths.pcap", old, F, why="version 2.2: lengths in the old order"),
        c("pcap-wrong-magic.pcap", b"\xde\xad\xbe\xef" + good[4:], (), "magic 0xdeadbeef", 2),
        c("pcap-magic-off-by-one.pcap", struct.pack("<I", USEC + 1) + good[4:], (),
          "not a pcap or pcapng file", 2),
        c("pcap-truncated-file-header.pcap", good[:10], (), "truncated pcap file header", 2),
        c("pcap-bad-version.pcap", pcap(version=(1, 0)), (), "unsupported pcap version 1.0", 2),
        c("pcap-reserved-linktype-bits.pcap", pcap(linktype=0x00300001), (), "reserved bits", 2),
        c("pcap-empty.pcap", b"", (), "empty file", why="0 bytes"),
        c("pcap-header-only.pcap", pcap(frames=()), (), why="no records"),
        c("pcap-truncated-last-record.pcap", good[:-20], F[:2], "truncated last record"),
        c("pcap-truncated-record-header.pcap", good + pcap_record(F[0])[:10], F,
          "truncated record header"),
        c("pcap-trailing-garbage.pcap", good + b"\x17" * 7, F, "truncated record header"),
        *pcap_length_cases(good),
    ]
    # fmt: on


def pcap_length_cases(good: bytes) -> list[Crafted]:
    """Lying length fields: caplen past snaplen, past the file, near 4 GiB."""
    c, big = Crafted, pcap_record(F[0], 9, caplen=FOUR_GIB)
    small_wirelen = pcap_header() + b"".join(pcap_record(f, n, wirelen=20) for n, f in enumerate(F))
    holes = (F[0], b"", F[1], b"")
    # fmt: off
    return [
        c("pcap-caplen-gt-snaplen.pcap", pcap(snaplen=64), F,
          why="snaplen 64 but records up to 181 bytes: read as libpcap does"),
        c("pcap-snaplen-zero.pcap", pcap(snaplen=0), F, why="snaplen 0 (unknown)"),
        c("pcap-caplen-ffffffff.pcap", good + big, F, "claims caplen 4294967295",
          why="a record claiming a 4 GiB packet after three good ones"),
        c("pcap-caplen-ffffffff-first.pcap", pcap(frames=()) + big, (), "claims caplen"),
        c("pcap-snaplen-4gib-caplen-4gib.pcap", pcap(snaplen=FOUR_GIB) + big, F,
          "truncated last record", why="snaplen allows it; the file does not hold it"),
        c("pcap-caplen-over-max.pcap", good + pcap_record(b"x" * 16, caplen=262145), F,
          "claims caplen 262145"),
        c("pcap-caplen-gt-wirelen.pcap", small_wirelen, F, why="original length < captured"),
        c("pcap-zero-length-records.pcap", pcap(frames=holes), holes),
        c("pcap-unknown-linktype.pcap", pcap(linktype=147), F, why="LINKTYPE_USER0: data"),
        c("pcap-raw-ip-linktype.pcap", pcap(frames=RAW, linktype=101), RAW),
    ]
    # fmt: on


# -- pcapng --------------------------------------------------------------------------------
def block(btype: int, body: bytes, order: str = "<", length: int | None = None,
          trailer: int | None = None) -> bytes:  # fmt: skip
    body += b"\0" * (-len(body) % 4)
    n = len(body) + 12 if length is None else length
    tail = n if trailer is None else trailer
    return struct.pack(order + "II", btype, n) + body + struct.pack(order + "I", tail)


def shb(order: str = "<", version=(1, 0)) -> bytes:  # noqa: ANN001
    return block(SHB, struct.pack(order + "IHHq", BOM, *version, -1), order)


def idb(linktype: int = 1, snaplen: int = 0, order: str = "<", options: bytes = b"") -> bytes:
    return block(IDB, struct.pack(order + "HHI", linktype, 0, snaplen) + options, order)


def epb(data: bytes, iface: int = 0, n: int = 0, order: str = "<", caplen: int | None = None,
        wirelen: int | None = None) -> bytes:  # fmt: skip
    ticks = (T0 // 1000) + n * 1000  # default if_tsresol: microseconds
    caplen = len(data) if caplen is None else caplen
    wirelen = len(data) if wirelen is None else wirelen
    head = struct.pack(order + "IIIII", iface, ticks >> 32, ticks & 0xFFFFFFFF, caplen, wirelen)
    return block(EPB, head + data, order)


def spb(data: bytes, order: str = "<") -> bytes:
    return block(SPB, struct.pack(order + "I", len(data)) + data, order)


def ng(frames=F, order: str = "<") -> bytes:  # noqa: ANN001
    return (
        shb(order) + idb(order=order) + b"".join(epb(f, 0, n, order) for n, f in enumerate(frames))
    )


def pcapng_cases() -> list[Crafted]:
    good, two, c = ng(), ng(F[:2]), Crafted
    huge_if = shb() + idb(snaplen=FOUR_GIB) + epb(F[0]) + epb(b"abcd", caplen=0xFFFFFFF0)
    # fmt: off
    return [
        c("ng-le.pcapng", good, F, why="baseline"),
        c("ng-be.pcapng", ng(order=">"), F, why="big-endian section"),
        c("ng-shb-only.pcapng", shb(), ()),
        c("ng-truncated-shb.pcapng", good[:20], (), "truncated section header block", 2),
        c("ng-bad-byte-order-magic.pcapng", good[:8] + b"\x01\x02\x03\x04" + good[12:], (),
          "bad byte-order magic", 2),
        c("ng-bad-version.pcapng", shb(version=(2, 0)) + good[28:], (),
          "unsupported pcapng version 2.0", 2),
        c("ng-zero-block-length.pcapng", two + struct.pack("<II", EPB, 0) + bytes(8) + epb(F[2]),
          F[:2], "bad block length 0"),
        c("ng-bad-block-length.pcapng", two + block(EPB, bytes(28), length=34) + epb(F[2]),
          F[:2], "bad block length 34"),
        c("ng-block-length-4gib.pcapng", two + block(EPB, bytes(40), length=0xFFFFFFF0),
          F[:2], "truncated last block"),
        c("ng-trailer-mismatch.pcapng", two + block(EPB, bytes(28), trailer=99) + epb(F[2]),
          F[:2], "trailing length 99"),
        c("ng-truncated-last-block.pcapng", good[:-10], F[:2], "truncated last block"),
        c("ng-truncated-block-header.pcapng", good + b"\x06\0\0\0\x40", F,
          "truncated block header"),
        c("ng-epb-caplen-4gib.pcapng", two + epb(b"abcd", caplen=FOUR_GIB), F[:2],
          "claims caplen 4294967295"),
        c("ng-epb-caplen-past-block.pcapng", two + epb(b"abcd", caplen=100), F[:2],
          "caplen 100 overruns block"),
        c("ng-snaplen-4gib-caplen-4gib.pcapng", huge_if, F[:1], "overruns block",
          why="the interface allows 4 GiB; the block does not hold it"),
        c("ng-caplen-gt-snaplen.pcapng", shb() + idb(snaplen=64) + b"".join(map(epb, F)), F),
        *pcapng_block_cases(),
    ]
    # fmt: on


def pcapng_block_cases() -> list[Crafted]:
    """Unusual but legal block structure, and interfaces that do not exist."""
    c, two = Crafted, ng(F[:2])
    nrb = struct.pack("<HH", 1, 8) + bytes([10, 0, 0, 1]) + b"x.y\0" + bytes(4)
    unknown = (
        block(0x00000BAD, struct.pack("<I", 32473) + b"custom")
        + block(NRB, nrb)
        + block(0x12345678, b"unknown block type")
        + block(DSB, b"TLSK\4\0\0\0keys")
    )
    cb = b"custom\0\0"  # the custom block's bytes: its data, padded
    isb = block(ISB, struct.pack("<III", 0, 0, 0))
    pb = block(PB, struct.pack("<HHIIII", 0, 0, 0, 0, len(F[0]), len(F[0])) + F[0])
    late = block(EPB, struct.pack("<IIIII", 0, FOUR_GIB, FOUR_GIB, 4, 4) + b"late")
    bad_opt = idb(options=struct.pack("<HH", 2, 200) + b"eth0")
    # fmt: off
    return [
        c("ng-unknown-blocks.pcapng", shb() + unknown + idb() + epb(F[0]) + unknown + isb
          + epb(F[1]) + unknown + epb(F[2]) + isb, (cb, F[0], cb, F[1], cb, F[2]),
          why="the Custom Block is a frame (as in tshark), the other blocks are skipped"),
        c("ng-iface-out-of-range.pcapng", shb() + idb() + epb(F[0]) + epb(F[1], iface=7)
          + epb(F[2]), (F[0], F[2]), "interface id 7 out of range"),
        c("ng-iface-out-of-range-twice.pcapng", shb() + idb() + epb(F[0]) + epb(F[1], iface=7)
          + epb(F[1], iface=9) + epb(F[2]), (F[0], F[2]), "(and 1 more like it)"),
        c("ng-epb-before-idb.pcapng", shb() + epb(F[0]) + idb() + epb(F[1]), (F[1],),
          "interface id 0 out of range"),
        c("ng-spb.pcapng", shb() + idb() + b"".join(map(spb, F)), F, why="simple packet blocks"),
        c("ng-spb-snaplen-cut.pcapng", shb() + idb(snaplen=40) + b"".join(map(spb, F)),
          tuple(f[:40] for f in F)),
        c("ng-obsolete-pb.pcapng", shb() + idb() + pb, F[:1]),
        c("ng-several-sections.pcapng", ng(F[:1]) + ng(F[1:2], ">") + ng(F[2:]), F,
          why="three sections, byte order changing, interfaces reset"),
        c("ng-bad-later-section.pcapng", two + shb(version=(9, 9)) + idb() + epb(F[2]), F[:2],
          "unsupported pcapng version 9.9"),
        c("ng-mixed-linktypes.pcapng", *mixed_linktypes(), "interface id 4 out of range"),
        c("ng-idb-bad-options.pcapng", shb() + bad_opt + epb(F[0]), F[:1], "overruns block"),
        c("ng-timestamp-2262.pcapng", shb() + idb() + late + epb(F[0]), (b"late", F[0]),
          "timestamp out of range"),
        c("ng-hostile-comments.pcapng", hostile_comments(), F,
          why="comments and interface name carry ESC, OSC and markup"),
    ]
    # fmt: on


def mixed_linktypes() -> tuple[bytes, tuple[bytes, ...]]:
    """Ethernet, raw IPv4 (101), Linux cooked (113) and BSD loopback (0) in one section,
    then a packet on an interface that does not exist."""
    sll = struct.pack("!HHH8sH", 0, 1, 6, F[2][6:12] + b"\0\0", 0x0800) + F[2][14:]
    null = struct.pack("<I", 2) + RAW[0]
    head = shb() + idb(1) + idb(101) + idb(113) + idb(0)
    body = epb(F[0], 0) + epb(RAW[1], 1) + epb(F[2], 0) + epb(sll, 2) + epb(null, 3)
    return head + body + epb(b"x" * 8, 4), (F[0], RAW[1], F[2], sll, null)


def hostile_comments() -> bytes:
    evil = "\x1b[31mRED\x1b]0;pwned\x07\u009b31m\u202e[bold]x[/b][@click=app.quit]"
    out = io.BytesIO()
    w = PcapngWriter(out, comment=evil)
    w.add_interface(1, name=evil)
    for n, f in enumerate(F):
        w.write(f, T0 + n, comment=evil)
    return out.getvalue()


CASES: tuple[Callable[[], list[Crafted]], ...] = (pcap_cases, pcapng_cases)


def all_cases() -> list[Crafted]:
    cases = [case for make in CASES for case in make()]
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    return cases


def write_all(outdir: Path) -> list[Crafted]:
    """Write every case into outdir, plus MANIFEST.tsv (name, exit, packets, message)."""
    outdir.mkdir(parents=True, exist_ok=True)
    cases = all_cases()
    rows = ["name\texit\tpackets\tmessage\twhy"]
    for case in cases:
        (outdir / case.name).write_bytes(case.data)
        rows.append(f"{case.name}\t{case.exit}\t{case.packets}\t{case.message}\t{case.why}")
    (outdir / "MANIFEST.tsv").write_text("\n".join(rows) + "\n")
    return cases


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.split("\n\n")[1].strip(), file=sys.stderr)
        return 2
    cases = write_all(Path(argv[0]))
    print(f"{len(cases)} crafted files in {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
