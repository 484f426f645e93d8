"""The engine's renderers and field placement: what they keep between packets follows each
packet, and a field placed before the fields exist lands where it would have after."""

from __future__ import annotations

import json

import pytest

from dissect.engine import (
    FieldSpec,
    decode,
    field_text,
    packet_dict,
    packet_json,
    spec_for,
    tree_rows,
)

from .test_core import RAW_IPV4, SEED

ETHERNET = 1
# Ethernet before the seed's IPv4 packet, plain and with an 802.1Q tag: every IPv4 and TCP
# header field lies 4 bytes further in the tagged frame.
ETH = bytes.fromhex("0200000000020200000000010800")
VLAN = bytes.fromhex("020000000002020000000001810000640800")

PLACED = FieldSpec("test_render.placed", "Placed", "int", generated=True)
# Declared here, at import, as every field is (a field declared later is not in the tables
# the export made of the declarations).
VARIED = FieldSpec("test_render.varied", "Varied", "uint", 4, base="hex")
REPEATED = FieldSpec("test_render.repeated", "Repeated", "uint", 2)
FLOAT = FieldSpec("test_render.float", "Float", "float", generated=True)
PLACED_TOO = FieldSpec("test_render.placed_too", "Placed too", "int", generated=True)

# (anchor, after) placements, in order: before and after one anchor, two after one anchor,
# an anchor among the generated checksum fields, and one the header does not have.
PLACEMENTS = [
    ("tcp.seq_raw", 0), ("tcp.seq_raw", 1), ("tcp.dstport", 1), ("tcp.dstport", 1),
    ("tcp.checksum.status", 1), ("tcp.no_such_field", 1),
]  # fmt: skip


def _place_all(layer) -> None:
    for n, (anchor, after) in enumerate(PLACEMENTS):
        layer.place(PLACED if n % 2 else PLACED_TOO, layer.pos, 0, n, anchor, after)


def _order(layer) -> list[tuple[str, object]]:
    return [(f.spec.name, f.value) for f in layer.fields]


def test_a_placed_field_waits_for_the_fields_and_lands_at_its_anchor():
    built_first = decode(SEED, RAW_IPV4).layer("tcp")
    assert built_first.fields  # built now: each placed field moves at once
    _place_all(built_first)
    waiting = decode(SEED, RAW_IPV4).layer("tcp")
    _place_all(waiting)
    assert waiting._fields is None  # placing built nothing
    assert _order(waiting) == _order(built_first)
    names = [name for name, _v in _order(waiting)]
    seq = names.index("tcp.seq_raw")
    assert names[seq - 1 : seq + 2] == [
        "test_render.placed_too",
        "tcp.seq_raw",
        "test_render.placed",
    ]
    dst = names.index("tcp.dstport")
    assert [v for _n, v in _order(waiting)[dst + 1 : dst + 3]] == [3, 2]  # the later one first
    assert names[names.index("tcp.checksum.status") + 1] == "test_render.placed_too"
    assert _order(waiting)[-1] == ("test_render.placed", 5)  # no such anchor: at the end


@pytest.mark.parametrize("first, second", [(ETH, VLAN), (VLAN, ETH)])
def test_json_positions_follow_each_packet(first, second):
    """A header field's '"pos": …' text is kept from the packet before: kept only for the
    place it was made for."""
    packet_json(decode(first + SEED, ETHERNET))
    pkt = decode(second + SEED, ETHERNET)
    assert json.loads(packet_json(pkt)) == packet_dict(pkt)
    ttl = spec_for("ip.ttl")
    assert ttl.json_pos == len(second) + 8


def test_tree_of_a_placed_field_is_the_same_as_built_first():
    pkts = [decode(SEED, RAW_IPV4) for _ in range(2)]
    assert pkts[0].layer("tcp").fields
    for pkt in pkts:
        _place_all(pkt.layer("tcp"))
    assert tree_rows(pkts[1], True) == tree_rows(pkts[0], True)


def test_a_field_whose_values_do_not_repeat_stops_keeping_its_texts():
    spec = VARIED
    texts = [spec.line(v) for v in range(3 * 512)]
    assert spec.varied and not spec.texts  # nothing kept once it is varied
    assert texts[700] == "Varied: 0x000002bc" == spec.line(700)
    repeated = REPEATED
    for i in range(8 * 512):  # a new value every fourth packet: the cache fills, and clears
        repeated.line(1000 + i if i % 4 == 0 else i % 50)
    assert not repeated.varied and repeated.texts


@pytest.mark.parametrize(
    "value", [0.000033, 1e-7, 123456789.125, 1e22, -0.0, float("nan"), float("inf"), -float("inf")]
)
def test_json_writes_a_float_as_json_dumps_does(value):
    assert FLOAT.json_open(value).removeprefix(FLOAT.json_head).split(",")[0] == json.dumps(value)


KEPT_GENERATED = FieldSpec("test_render.kept_generated", "Kept generated", "int", generated=True)
SOMETIMES_GENERATED = FieldSpec("test_render.sometimes", "Sometimes", "uint", 2)


def _tree_with(spec: FieldSpec, value: int, generated: bool = False) -> list[str]:
    pkt = decode(SEED, RAW_IPV4)
    tcp = pkt.layer("tcp")
    tcp.add(spec, tcp.pos, 0, value, generated=generated)
    return tree_rows(pkt, False)


def test_a_generated_fields_line_is_kept_with_its_brackets():
    """A generated field's -V line is one lookup, as a header field's: kept bracketed."""
    first = _tree_with(KEPT_GENERATED, 7)
    assert "    [Kept generated: 7]" in first
    assert KEPT_GENERATED.tree_lines[0][7] == (7, "    [Kept generated: 7]")
    assert _tree_with(KEPT_GENERATED, 7) == first


def test_a_field_generated_where_its_spec_is_not_is_bracketed_and_not_kept():
    plain = _tree_with(SOMETIMES_GENERATED, 9)
    generated = _tree_with(SOMETIMES_GENERATED, 9, generated=True)
    assert "    Sometimes: 9" in plain and "    [Sometimes: 9]" in generated
    assert SOMETIMES_GENERATED.tree_lines[0][9] == (9, "    Sometimes: 9")
    assert _tree_with(SOMETIMES_GENERATED, 9) == plain


def test_json_fields_are_separated_and_closed_as_json_dumps_writes_them():
    """Leaf fields end with their kept '…"fields": []}, ' text; the last one of each list
    has no separator, whether it is a leaf or has children."""
    for _ in range(2):  # the second time from the kept texts
        pkt = decode(ETH + SEED, ETHERNET)
        tcp = pkt.layer("tcp")
        top = tcp.add(KEPT_GENERATED, tcp.pos, 0, 1)
        tcp.add(SOMETIMES_GENERATED, tcp.pos, 0, 2, parent=top)
        text = packet_json(pkt)
        assert text == json.dumps(packet_dict(pkt))
        tcp_json = next(la for la in json.loads(text)["layers"] if la["protocol"] == "tcp")
        assert tcp_json["fields"][-1]["fields"][0]["value"] == 2


def _made_lines(pkt) -> list[str]:
    """The tree's field lines as field_text makes each one, nothing kept."""
    out: list[str] = []

    def rows(data: bytes, f, depth: int) -> None:
        if not f.spec.hidden:
            out.append("    " * depth + field_text(data, f))
        for c in f.children or ():
            rows(data, c, depth + 1)

    for layer in pkt.layers:
        for f in layer.fields:
            rows(pkt.data, f, 1)
    return out


# The seed's TCP options (NOP, NOP, timestamps) with other timestamps, and with a window
# scale in place of the NOPs: the deep lines (option kind, length, values) change.
OTHER_TIMES = SEED.replace(bytes.fromhex("814630a031d4daac"), bytes.fromhex("0000000131d4daad"))
WSCALE = SEED.replace(bytes.fromhex("0101080a"), bytes.fromhex("0303"), 1).replace(
    bytes.fromhex("814630a031d4daac"), bytes.fromhex("07814630a031d4da"), 1
)


def test_deep_lines_kept_per_value_are_the_lines_field_text_makes():
    for data in (SEED, OTHER_TIMES, WSCALE, SEED, OTHER_TIMES):
        pkt = decode(data, RAW_IPV4)
        kept = [r for r in tree_rows(pkt, False) if r.startswith("    ") and "[Expert" not in r]
        assert kept == _made_lines(pkt)
        assert any(r.startswith("            Kind: ") for r in kept)  # depth 3 lines are there


def test_get_finds_the_first_field_of_a_name_depth_first():
    layer = decode(SEED, RAW_IPV4).layer("tcp")
    every = layer.walk()
    assert sum(f.spec.name == "tcp.option_kind" for f in every) == 3
    for name in {f.spec.name for f in every}:
        assert layer.get(name) is next(f for f in every if f.spec.name == name)
    assert layer.get("tcp.no_such_field") is None


def _fields_of(pkt) -> list[list[tuple]]:
    return [
        [(f.spec.name, f.value, f.pos, f.len, f.mask, f.generated) for f in layer.walk()]
        for layer in pkt.layers
    ]


@pytest.mark.parametrize("spans", [False, True])
@pytest.mark.parametrize("data, link", [(SEED, RAW_IPV4), (ETH + SEED, ETHERNET),
                                        (VLAN + SEED, ETHERNET)])  # fmt: skip
def test_a_tree_from_the_header_tuple_is_the_tree_of_the_built_fields(data, link, spans):
    """The -V tree renders the fixed header from the unpacked tuple (no Field made): the
    same lines as the tree of the built fields, and the fields built afterwards are those
    of a packet whose fields were built first."""
    built = decode(data, link)
    for layer in built.layers:
        assert layer.fields
    direct = decode(data, link)
    rows = tree_rows(direct, spans)
    assert all(layer._fields is None for layer in direct.layers)  # rendered from items
    header = [s for s in direct.layer("ip").items if isinstance(s, FieldSpec)]
    assert [s.name for s in header][:3] == ["ip.version", "ip.hdr_len", "ip.dsfield"]
    assert rows == tree_rows(built, spans)
    assert _fields_of(direct) == _fields_of(built)


def test_detail_builds_only_the_header_field_it_looks_up():
    """TCP's detail hangs the flags in letters under tcp.flags: that field alone is built
    (with its children), in its place; the rest of the header stays declarations."""
    pkt = decode(SEED, RAW_IPV4)
    tree_rows(pkt, False)
    items = pkt.layer("tcp").items
    built = {x.spec.name: x for x in items if not isinstance(x, FieldSpec)}
    assert "tcp.flags" in built and "tcp.srcport" not in built
    flags = built["tcp.flags"]
    assert flags.children[-1].spec.name == "tcp.flags.str"
    assert pkt.layer("tcp").get("tcp.flags") is flags  # the fields, built later, keep it
