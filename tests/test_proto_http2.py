"""HTTP/2 over cleartext: the preface, every frame type, HPACK-decoded headers, stream ids.

tests/data/web/h2c.pcap is h2 talking to h2 on loopback port 8080 (record_http2.py): one
connection with prior knowledge, one upgraded from HTTP/1.1. h2_frames.pcap is crafted
(make_http2_frames.py): one segment per frame type. The expectations beside them are
tshark 4.0.17's decoding (flatten_tshark.py); tshark follows the connections, so it knows
port 8080 is HTTP/2; each packet here is decoded alone, so the tests say so with Decode As.
Wireshark places a decoded header's name and value in its decompressed data; here they span
the HPACK representation they came from, as Wireshark's own http2.header item does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from dissect import decode_as
from dissect.engine import Packet, columns, decode
from dissect.index import open_capture
from tests.spans import check_every_truncation, check_spans, issue_codes, names, values

DATA = Path(__file__).parent / "data" / "web"
# Fields Wireshark puts in its decompressed header data (positions not in the frame).
DECOMPRESSED = {"http2.header.name.length", "http2.header.name", "http2.header.value.length",
                "http2.header.value", "http2.header.unescaped", "http2.header.length",
                "http2.header.count"}  # fmt: skip
FRAMED = {"http2.headers.padding", "http2.headers.weight", "http2.headers.weight_real"}
# Not decoded here: Wireshark's body reassembly and text media under DATA.
NOT_HERE = {"http2.body.fragments", "http2.body.reassembled.in", "http2.header.unescaped",
            "http2.request.full_uri", "data-text-lines", "http.path_segment",
            "http.path_sub_segment"}  # fmt: skip


@pytest.fixture(autouse=True)
def port_8080_is_http2() -> Iterator[None]:
    rule = decode_as.parse("tcp.port==8080,http2")
    decode_as.add(rule)
    yield
    decode_as.remove(rule)


def frames(name: str) -> list[bytes]:
    idx = open_capture(str(DATA / name))
    try:
        return [bytes(r.data) for r in idx]
    finally:
        idx.close()


def dec(frame: bytes) -> Packet:
    return decode(frame, 1, strict=True)


def same(ours: object, shown: str | None) -> bool:
    """Our value against tshark's text of it."""
    if shown is None or isinstance(ours, str):
        return shown is None or ours == shown
    if isinstance(ours, bytes):
        return ours.hex(":") == shown
    return int(ours) == int(shown, 0)


def compare(capture: str) -> tuple[int, list]:
    """Every tshark http2 field against ours: span and value (value only for decompressed
    data). Returns the count checked and the disagreements."""
    expected = json.loads((DATA / f"{capture}.tshark.json").read_text())
    recs = frames(capture)
    checked, bad = 0, []
    for pkt_exp in expected:
        layers = [la for la in pkt_exp["layers"] if la["fields"]]
        if not layers:
            continue
        pkt = dec(recs[pkt_exp["number"] - 1])
        ours = [la for la in pkt.layers if la.name == "http2"]
        for want, have in zip(layers, ours, strict=True):
            fields = have.walk()
            for name, shown, pos, length, _dec in want["fields"]:
                if name in NOT_HERE:
                    continue
                if name in DECOMPRESSED or name.startswith("http2.headers.") and name not in FRAMED:
                    hit = [f for f in fields if f.name == name and same(f.value, shown)]
                else:
                    hit = [f for f in fields if f.name == name and f.pos == pos and f.len == length
                           and (name == "http2.stream" or same(f.value, shown))]  # fmt: skip
                checked += 1
                if not hit:
                    bad.append((pkt_exp["number"], name, shown, pos, length))
    return checked, bad


def test_recorded_h2c_agrees_with_tshark() -> None:
    checked, bad = compare("h2c.pcap")
    # Frames 14 and 16 refer to HPACK entries frames 6 and 10 added: the dynamic table is
    # per connection and each segment is decoded alone here (noted, tested below).
    bad = [b for b in bad if b[0] not in (14, 16)]
    assert bad == [] and checked > 300


def test_every_frame_type_agrees_with_tshark() -> None:
    checked, bad = compare("h2_frames.pcap")
    # Wireshark 4.0 lets a padded DATA frame's data run over its padding (RFC 9113 6.1
    # excludes it): the 15 body bytes here; and it decodes a header block split over a
    # CONTINUATION, which is left noted here; its continuation.header is text there, bytes
    # here (it is HPACK, not text).
    split = DECOMPRESSED | {"http2.header", "http2.header.repr", "http2.continuation.header"}
    bad = [b for b in bad if b[:2] != (3, "http2.data.data") and not (b[0] == 12 and b[1] in split)]
    assert bad == [] and checked > 150


def test_info_column_is_wiresharks() -> None:
    h2c = frames("h2c.pcap")
    assert columns(dec(h2c[3]))[3] == "Magic, SETTINGS[0]"
    assert columns(dec(h2c[5]))[3] == "HEADERS[1]: GET /"
    assert columns(dec(h2c[9]))[3] == "SETTINGS[0], HEADERS[1]: 200 OK, DATA[1] (text/plain)"
    crafted = [columns(dec(f))[3] for f in frames("h2_frames.pcap")]
    assert crafted == [
        "Magic, " + text for text in (
            "SETTINGS[0]", "HEADERS[1]: GET /x", "DATA[1]", "PRIORITY[3]", "RST_STREAM[3]",
            "PUSH_PROMISE[1]: GET /pushed", "PUSH_PROMISE[1]: GET /p2", "PING[0]", "PING[0]",
            "GOAWAY[0]",
            "WINDOW_UPDATE[0]", "HEADERS[5], CONTINUATION[5]", "Unknown type (238)[255]",
            "HEADERS[7]: 200 OK: v-:method v-:path",
        )
    ]  # fmt: skip


def test_headers_decoded_with_their_spans() -> None:
    pkt = dec(frames("h2c.pcap")[5])
    assert values(pkt, "http2.headers.method") == ["GET"]
    assert values(pkt, "http2.headers.path") == ["/"]
    assert values(pkt, "http2.headers.user_agent") == ["layerscope-h2-test"]
    assert values(pkt, "http2.streamid") == [1]
    ua = next(f for f in pkt.find("http2.header") if f.value.startswith("user-agent"))
    block = next(pkt.find("http2.headers"))
    assert block.pos <= ua.pos and ua.pos + ua.len <= block.pos + block.len


def test_a_later_segment_notes_the_dynamic_table_it_lacks() -> None:
    pkt = dec(frames("h2c.pcap")[13])  # GET /again: its repeated headers are table entries
    assert "http2.header.undecoded" in issue_codes(pkt)
    assert values(pkt, "http2.headers.method") == ["GET"]  # decoded up to there
    assert pkt.status == "ok"


def test_preface_found_where_http_is_without_decode_as() -> None:
    decode_as.clear()
    frame = frames("h2_frames.pcap")[0]
    pkt = dec(frame)
    assert names(pkt)[-2:] == ["http2", "http2"]
    # and a later frame on an unbound port stays undecoded: no guessing
    assert "http2" not in names(dec(frames("h2c.pcap")[5]))


def test_http1_text_on_a_decode_as_port_goes_to_http() -> None:
    pkt = dec(frames("h2c.pcap")[23])  # GET /upgrade HTTP/1.1 with Upgrade: h2c
    assert "http" in names(pkt) and "http2" not in names(pkt)


def test_frames_past_the_segment_are_noted() -> None:
    frame = frames("h2c.pcap")[9]
    pkt = dec(frame[:-5])
    assert "http2.continued" in issue_codes(pkt)
    check_spans(pkt)


@pytest.mark.parametrize("n", [0, 1, 5, 10])
def test_every_truncation_decodes(n: int) -> None:
    check_every_truncation(frames("h2_frames.pcap")[n], 1)


def test_bad_padding_is_malformed() -> None:
    frame = bytearray(frames("h2_frames.pcap")[1])
    frame[87] = 200  # pad length past the frame
    pkt = dec(bytes(frame))
    assert "http2.padding.bad" in issue_codes(pkt)
    check_spans(pkt)
