"""The decode driver and model on the built-in demo packet and on crafted frames."""

from __future__ import annotations

import pytest

from dissect.engine import FIELDS, PROTOCOLS, FieldSpec, Osi, decode
from dissect.protocol import U8

# The seed notes' packet: raw IPv4, 198 bytes (tcpdump -x of a wget to waf.cs.illinois.edu).
SEED = bytes.fromhex(
    "450000c61e1f40004006152eac16b24c12dc95a6bafa00500f60c9b4356a523f"
    "801801f6079e00000101080a814630a031d4daac474554202f20485454502f31"
    "2e310d0a557365722d4167656e743a20576765742f312e32302e3320286c696e"
    "75782d676e75290d0a4163636570743a202a2f2a0d0a4163636570742d456e63"
    "6f64696e673a206964656e746974790d0a486f73743a207761662e63732e696c"
    "6c696e6f69732e6564750d0a436f6e6e656374696f6e3a204b6565702d416c69"
    "76650d0a0d0a"
)
RAW_IPV4 = 228


def covered(pkt) -> set[int]:
    got: set[int] = set()
    for layer in pkt.layers[1:]:
        got.update(range(layer.pos, layer.pos + layer.len))
        for f in layer.walk():
            got.update(range(f.pos, f.pos + f.len))
    return got


def test_seed_ipv4_fields_values_and_spans():
    pkt = decode(SEED, RAW_IPV4, strict=True)
    ip = pkt.layer("ip")
    assert ip is not None and ip.osi == Osi.NETWORK
    assert pkt.value("ip.src") == "172.22.178.76"
    assert pkt.value("ip.dst") == "18.220.149.166"
    assert pkt.value("ip.ttl") == 64
    assert pkt.value("ip.hdr_len") == 20
    df = pkt.get("ip.flags.df")
    assert df.value is True and (df.pos, df.len, df.mask) == (6, 1, 0x40)
    flags = pkt.get("ip.flags")
    assert (flags.value, flags.pos, flags.len, flags.mask) == (2, 6, 1, 0xE0)
    frag = pkt.get("ip.frag_offset")
    assert (frag.value, frag.pos, frag.len, frag.mask) == (0, 6, 2, 0x1FFF)
    assert pkt.value("ip.checksum") == 0x152E
    assert pkt.value("ip.checksum.status") == "good"


def test_seed_tcp_checksum_is_bad_with_offload_cause():
    pkt = decode(SEED, RAW_IPV4, strict=True)
    tcp = pkt.layer("tcp")
    assert tcp.osi == Osi.TRANSPORT
    assert (pkt.value("tcp.srcport"), pkt.value("tcp.dstport")) == (47866, 80)
    assert pkt.value("tcp.flags") == 0x018
    assert pkt.value("tcp.checksum") == 0x079E
    assert pkt.value("tcp.checksum.status") == "bad"
    assert pkt.value("tcp.checksum.calculated") == 0xA5BA
    (issue,) = [i for i in tcp.issues if i.group == "checksum"]
    assert "0x079e" in issue.message and "0xa5ba" in issue.message and "offload" in issue.message
    assert (issue.pos, issue.len) == (36, 2)
    kinds = [f.value for f in tcp.all("tcp.option_kind")]
    assert kinds == [1, 1, 8]
    syn = pkt.get("tcp.flags.syn")
    assert (syn.pos, syn.len, syn.mask, syn.value) == (32, 2, 0x002, False)


def test_union_of_spans_covers_every_captured_byte():
    for frame, lt in ((SEED, RAW_IPV4), (SEED[:50], RAW_IPV4), (b"\x00" * 70, 1), (b"\xff" * 3, 1)):
        pkt = decode(frame, lt)
        assert covered(pkt) >= set(range(len(frame))), pkt


@pytest.mark.parametrize("n", range(0, len(SEED) + 1))
def test_every_truncation_decodes_with_spans_in_bounds(n):
    frame = SEED[:n]
    pkt = decode(frame, RAW_IPV4, strict=True, wirelen=len(SEED))
    for layer in pkt.layers:
        for f in layer.walk():
            assert 0 <= f.pos and f.pos + f.len <= n, (f, n)
    if 0 < n < 20:
        assert pkt.layer("ip").status == "truncated"


def test_short_header_without_snaplen_cut_is_malformed():
    pkt = decode(SEED[:30], RAW_IPV4, strict=True)
    assert pkt.status == "malformed"
    tcp = pkt.layer("tcp")
    assert tcp.status == "malformed" and tcp.issues[0].group == "malformed"
    assert pkt.value("tcp.srcport") == 47866  # the fields that fit are still decoded


def test_unknown_linktype_is_one_data_layer():
    pkt = decode(b"abcdef", 9999, strict=True)
    assert [layer.name for layer in pkt.layers] == ["frame", "data"]
    assert pkt.value("data.len") == 6


def test_protocol_exception_becomes_issue_unless_strict(monkeypatch):
    tcp = PROTOCOLS["tcp"]

    def boom(data, layer):
        raise ValueError("kaboom")

    monkeypatch.setattr(tcp, "tail", boom)
    monkeypatch.setattr(tcp, "tail_when", None)  # the tail runs for every packet
    pkt = decode(SEED, RAW_IPV4)
    layer = pkt.layer("tcp")
    assert layer.status == "malformed"
    assert any(i.code == "tcp.exception" and "kaboom" in i.message for i in layer.issues)
    assert covered(pkt) >= set(range(len(SEED)))
    with pytest.raises(ValueError):
        decode(SEED, RAW_IPV4, strict=True)


def test_duplicate_field_name_fails():
    assert "ip.ttl" in FIELDS
    with pytest.raises(ValueError, match="duplicate"):
        U8("ip.ttl", "Time to Live again")
    assert isinstance(FIELDS["ip.ttl"], FieldSpec)


def test_bit_pattern_line():
    pkt = decode(SEED, RAW_IPV4, strict=True)
    df = pkt.get("ip.flags.df")
    assert df.spec.bit_pattern(SEED[6]) == ".1.. ...."
    ver = pkt.get("ip.version")
    assert ver.spec.bit_pattern(SEED[0]) == "0100 ...."


def test_field_at_returns_innermost_field():
    pkt = decode(SEED, RAW_IPV4, strict=True)
    layer, f = pkt.field_at(33)
    assert (
        layer.name == "tcp"
        and f.name
        in {"tcp.flags.res", "tcp.flags.ae", "tcp.flags.cwr", "tcp.flags.fin", "tcp.flags"}
        or f.len <= 2
    )
    layer, f = pkt.field_at(12)
    assert f.name == "ip.src"


def test_decode_is_pure():
    a, b = decode(SEED, RAW_IPV4), decode(SEED, RAW_IPV4)
    assert [(f.name, f.value, f.pos) for layer in a.layers for f in layer.walk()] == [
        (f.name, f.value, f.pos) for layer in b.layers for f in layer.walk()
    ]


def _garbage_after(release: bool) -> int:
    """Objects only the cycle collector could free once a decoded packet is dropped."""
    import gc

    gc.collect()
    gc.disable()
    try:
        pkt = decode(SEED, RAW_IPV4)
        pkt.layers[-1].walk()
        if release:
            pkt.release()
        del pkt
        return gc.collect()
    finally:
        gc.enable()


def test_release_frees_a_packet_without_the_cycle_collector():
    assert _garbage_after(release=False) > 0  # layers point back at their packet: a cycle
    assert _garbage_after(release=True) == 0


def test_release_unlinks_layers():
    pkt = decode(SEED, RAW_IPV4)
    tcp = pkt.layer("tcp")
    pkt.release()
    assert pkt.layers == [] and tcp is not None and tcp.packet is None


TOP, KID = U8("test.core.top", "Top"), U8("test.core.kid", "Kid")


def test_child_is_add_with_a_parent():
    from dissect.engine import Layer, Packet

    pkt = Packet(SEED, RAW_IPV4)
    made = Layer(PROTOCOLS["ip"], pkt, 0, len(SEED))
    assert made.issues == [] and made.extra == [] and made.issues is not made.extra
    assert (made.values, made.next, made.state, made.declined, made.stopped) == (
        None, None, None, False, False)  # fmt: skip
    for wirelen, want in ((None, len(SEED)), (5, len(SEED)), (500, 500)):
        assert Packet(SEED, 228, 3, 7, wirelen, 1).wirelen == want
    top = made.add(TOP, 1, 1, 5)
    kid = made.child(top, KID, 1, 1, 4, 0x0F)
    assert top.children == [kid] and made.extra == [top]
    assert (kid.pos, kid.len, kid.value, kid.mask) == (1, 1, 4, 0x0F)


def test_header_values_equal_each_fields_own_bytes():
    """The compile step (struct items, masks, shifts) against the slow reader of a field's
    own bytes: every header field and child of every layer in the sample captures."""
    from pathlib import Path

    from dissect.index import open_capture

    root = Path(__file__).resolve().parent.parent
    seen = set()
    for path in sorted((root / "captures").glob("*.pcap")):
        with open_capture(str(path)) as idx:
            for rec in idx:
                pkt = decode(rec.data, rec.linktype)
                for layer in pkt.layers:
                    if layer.values is None:
                        continue
                    for spec in layer.protocol.header:
                        for s in (spec, *spec.children):
                            pos = layer.pos + s.offset
                            want = s.from_bytes(pkt.data[pos : pos + (s.width or 0)])
                            got = layer.value(s.name)
                            assert (type(got), got) == (type(want), want), s.name
                            seen.add(s.how)
    assert seen >= {0, 1, 2, 3, 4, 5}  # every way a value comes out of the tuple
