"""Internet checksum (RFC 1071), used by IPv4, ICMP, ICMPv6, TCP and UDP."""

from __future__ import annotations

from typing import TYPE_CHECKING

try:
    import cython  # compiled (setup.py): the word loop below becomes C
except ModuleNotFoundError:  # pure Python without Cython installed
    from ._compiled import cython

if TYPE_CHECKING:
    from .fields import FieldSpec
    from .model import Layer


def ones_sum(data: bytes | memoryview, start: int = 0) -> int:
    """16-bit one's-complement sum of big-endian words (folded), plus `start`.

    Read as one big integer, the bytes are a number in base 2**16 whose digits are the
    words; since 2**16 = 1 (mod 0xFFFF), that number is congruent to the words' sum, and the
    end-around-carry fold of a non-zero sum is its residue mod 0xFFFF with 0 read as 0xFFFF.
    In pure Python two C-speed big-int operations beat a loop over the words; compiled, the
    loop is C and some ten times faster again on a full-size frame."""
    if cython.compiled and type(data) is bytes:
        return _fold(_word_sum(data, 0, len(data)) + start)
    n = int.from_bytes(data, "big")
    if len(data) & 1:
        n <<= 8  # an odd byte is padded with a zero on the right
    return _fold(n + start)


def range_sum(data: bytes, lo: int, hi: int, start: int = 0) -> int:
    """ones_sum(data[lo:hi], start), without copying the bytes out in the compiled core."""
    if cython.compiled and type(data) is bytes and lo >= 0 and hi >= 0:
        return _fold(_word_sum(data, lo, hi) + start)
    return ones_sum(data[lo:hi], start)


def _fold(n: int) -> int:
    """End-around-carry fold of a sum congruent to the words' sum: its residue mod 0xFFFF,
    a non-zero sum never folding to 0."""
    r = n % 0xFFFF
    return 0xFFFF if r == 0 and n else r


def _word_sum(data, lo, hi):  # typed in checksum.pxd (Python annotations would clash with it)
    """A sum congruent (mod 0xFFFF) to that of the big-endian 16-bit words of data[lo:hi],
    an odd last byte padded with a zero; zero only when every byte is, as the big integer
    above. Compiled, a C loop that adds four bytes at a time as one 32-bit word (a*2**16 + b
    is a + b mod 0xFFFF) into a 64-bit sum, which 2**34 bytes would be needed to overflow."""
    p = data
    hi = min(hi, len(data))  # the compiled loop reads through a pointer: stay inside
    i = max(lo, 0)
    s = 0
    while i + 3 < hi:
        w = p[i]  # compiled: a 64-bit unsigned, so the shift by 24 cannot overflow an int
        s += (w << 24) | (p[i + 1] << 16) | (p[i + 2] << 8) | p[i + 3]
        i += 4
    while i + 1 < hi:
        s += (p[i] << 8) | p[i + 1]
        i += 2
    if i < hi:
        s += p[i] << 8
    return s


def inet_checksum(data: bytes | memoryview, start: int = 0) -> int:
    """The value a sender puts in the checksum field (with that field zeroed)."""
    return ~ones_sum(data, start) & 0xFFFF


def pseudo_sum(src: bytes, dst: bytes, proto: int, length: int) -> int:
    """Sum of the IPv4/IPv6 pseudo-header (RFC 793 / RFC 8200 section 8.1)."""
    start = proto + (length & 0xFFFF) + (length >> 16)
    if cython.compiled and type(src) is bytes and type(dst) is bytes and not len(src) & 1:
        # the addresses summed where they lie: no joined copy (even length: same words)
        return _fold(_word_sum(src, 0, len(src)) + _word_sum(dst, 0, len(dst)) + start)
    return ones_sum(src + dst, start)


def verify(
    layer: Layer,
    data: bytes,
    start: int,
    end: int,
    field_pos: int,
    status_spec: FieldSpec,
    calc_spec: FieldSpec,
    initial: int = 0,
    what: str = "checksum",
) -> str:
    """Check the 16-bit Internet checksum over data[start:end] whose field sits at field_pos.

    Adds the generated `<proto>.checksum.status` ("good"/"bad"/"unverified"), and when bad
    `<proto>.checksum.calculated` and a warning naming the likely cause.
    """
    if end > len(data) or field_pos + 2 > end:
        layer.add(status_spec, field_pos, 0, "unverified")
        return "unverified"
    stored = (data[field_pos] << 8) | data[field_pos + 1]
    if range_sum(data, start, end, initial) == 0xFFFF:
        layer.add(status_spec, field_pos, 0, "good")  # status specs are declared generated
        return "good"
    zeroed = ones_sum(data[start:field_pos] + b"\0\0" + data[field_pos + 2 : end], initial)
    right = ~zeroed & 0xFFFF
    layer.add(status_spec, field_pos, 0, "bad")
    layer.add(calc_spec, field_pos, 0, right)
    name = layer.protocol.short
    layer.issue(
        "warn", "checksum", f"{status_spec.name.rsplit('.', 1)[0]}.bad",
        f"{name} {what} 0x{stored:04x} is wrong (should be 0x{right:04x}); likely cause: "
        "the capturing host offloads checksums to its NIC, so the packet was captured "
        "before the checksum was filled in",
        field_pos, 2,
    )  # fmt: skip
    return "bad"
