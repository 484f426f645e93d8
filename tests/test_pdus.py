"""Application PDUs across TCP segments (issue 14): HTTP, TLS (certificates), DNS over TCP.

The captures in tests/data/reassembly were made on loopback (make_captures.sh) and the
expectations are tshark 4.0's, with its default preferences (reassembly on):
`tshark -T json -x` flattened by tests/data/web/flatten_tshark.py. Compared: which frames
complete a PDU and from which segments, tcp.reassembled_in on the others, and each field of
the reassembled layers by name, value and span inside the reassembled bytes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from dissect.engine import FIELDS, decode, packet_dict, tree_text
from dissect.index import open_capture
from dissect.streams import StreamTable, annotate
from dissect.streams import pdus as pdus_module
from dissect.streams.pdus import PduMap

DATA = Path(__file__).parent / "data" / "reassembly"
CAPTURES = (
    "http_gzip_chunked",
    "tls12_cert_chain",
    "dns_tcp_multi",
    "h2_data_frame",
    "http_lost_segment",
    "http_keepalive_byte",
    "http_until_fin",
    "tls13_app_data",
    "h2_hpack",
    "http_no_body",
)
APP = ("http", "tls", "dns", "data-text-lines", "http2")
# Span agreement wanted per capture (fields we declare, in the reassembled layers).
MIN_AGREEMENT = 0.99
# Known differences, with the reason; counted apart in span_agreement.
KNOWN = {
    # A coded body's File Data: tshark spans it in the "Uncompressed entity body" source;
    # ours stays on the coded bytes of the reassembled source (a field lives in one layer,
    # and a layer's spans in one data source). The value is the uncompressed body in both.
    "http.file_data",
    # A decoded HTTP/2 header's parts: tshark spans them in its decompressed header data;
    # ours span the HPACK representation they came from (as tshark's http2.header item).
    "http2.header.name.length",
    "http2.header.name",
    "http2.header.value.length",
    "http2.header.value",
    "http2.header.length",
    "http2.header.count",
    "http2.headers.method",
    "http2.headers.path",
    "http2.headers.scheme",
    "http2.headers.authority",
    "http2.headers.user_agent",
}


def packets(name: str | Path, build: bool = True) -> tuple[list[Any], PduMap]:
    """Every packet of a capture (a name in DATA, or a path) with the stream fields and
    the reassembled PDUs, as the command line prints them."""
    idx = open_capture(str(name if isinstance(name, Path) else DATA / f"{name}.pcap"))
    table = StreamTable.build(idx)
    pdus = PduMap(idx, table)
    if build:
        pdus.build()
    table.pdus = pdus
    out = []
    for i in range(len(idx)):
        rec = idx.record(i)
        pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns)
        annotate(pkt, table, later=False)
        out.append(pkt)
    return out, pdus


def expected(name: str) -> list[dict[str, Any]]:
    return json.loads((DATA / f"{name}.tshark.json").read_text())


def tshark_layer(entry: dict[str, Any], proto: str) -> list[list[Any]] | None:
    return next((la["fields"] for la in entry["layers"] if la["protocol"] == proto), None)


def values(fields: list[list[Any]], name: str) -> list[str]:
    return [str(f[1]) for f in fields if f[0] == name]


@pytest.mark.parametrize("name", CAPTURES)
def test_completing_frames_and_segments_as_tshark(name: str) -> None:
    """The frames that show a reassembled PDU, their segment lists and lengths; the
    frames that only carry part of one point to where it completes."""
    pkts, pdus = packets(name)
    for entry, pkt in zip(expected(name), pkts, strict=True):
        segs = tshark_layer(entry, "tcp.segments")
        ours = [f.value for f in pkt.find("tcp.segment")]
        if segs is None:
            assert ours == [], pkt.number
        else:
            # tshark's JSON keeps one value per repeated key: compare the spans' lengths;
            # it has no span for a segment without data (a FIN ending a body)
            empty = sum(not n for p in pdus.ends[pkt.number - 1] for _j, _o, n in p.pieces)
            assert len(ours) - empty == len([f for f in segs if f[0] == "tcp.segment"]), pkt.number
            assert [str(pkt.value("tcp.reassembled.length"))] == values(
                segs, "tcp.reassembled.length"
            ) or not values(segs, "tcp.reassembled.length")
            data = pkt.get("tcp.reassembled.data").value
            assert len(data) == sum(f[3] for f in segs if f[0] == "tcp.segment")
        tcp = tshark_layer(entry, "tcp") or []
        want_in = values(tcp, "tcp.reassembled_in")
        got_in = [str(f.value) for f in pkt.find("tcp.reassembled_in")]
        assert got_in == want_in, pkt.number


def reassembled_layers(pkt: Any) -> list[Any]:
    return [la for la in pkt.layers if la.packet is not None and la.packet is not pkt
            and (la.packet.source or "").startswith("Reassembled TCP")]  # fmt: skip


def span_agreement(pkts: list[Any], entries: list[dict[str, Any]]) -> tuple[int, int, list]:
    """(fields agreeing, fields compared, the differences) over the reassembled layers:
    every field of tshark's first application layer on a completing frame whose name we
    declare must be in our reassembled layers with the same span."""
    agree = total = 0
    diffs: list[tuple] = []
    for entry, pkt in zip(entries, pkts, strict=True):
        if tshark_layer(entry, "tcp.segments") is None:
            continue
        walked = [f for la in reassembled_layers(pkt) for f in la.walk()]
        ours = {(f.name, f.pos, f.len) for f in walked}
        # generated fields (Wireshark's bracketed items) have no bytes of their own here
        made = {f.name for f in walked if f.generated}
        theirs = next((la["fields"] for la in entry["layers"] if la["protocol"] in APP), [])
        for fname, _value, pos, length, _inside in theirs:
            if fname not in FIELDS or fname in made or fname in KNOWN:
                continue
            total += 1
            if (fname, pos, length) in ours:
                agree += 1
            else:
                diffs.append((pkt.number, fname, pos, length))
    return agree, total, diffs


@pytest.mark.parametrize("name", CAPTURES)
def test_reassembled_fields_spans_as_tshark(name: str) -> None:
    """Spans point into the reassembled bytes, where tshark's do (>= 99 % of the fields
    both know)."""
    agree, total, diffs = span_agreement(packets(name)[0], expected(name))
    assert total >= 5
    assert agree / total >= MIN_AGREEMENT, diffs[:20]


def test_http_chunked_gzip_body_and_links() -> None:
    """The chunked, gzip-coded response: de-chunked and uncompressed as Wireshark shows it,
    the body decoded from the uncompressed bytes (a data source of its own), and the
    request/response link with the time between them."""
    pkts, _ = packets("http_gzip_chunked")
    pkt = pkts[21]  # frame 22 completes the response
    http = next(la for la in pkt.layers if la.protocol.name == "http")
    assert http.packet.source == "Reassembled TCP (5311 bytes)"
    assert pkt.value("http.request_in") == 4
    assert pkt.value("http.time") == pytest.approx(0.133798, abs=1e-6)
    body = pkt.layers[-1]
    assert body.protocol.name == "data-text-lines"
    assert body.packet.source == "Uncompressed entity body (12000 bytes)"
    assert len(pkt.value("http.file_data")) == 12000
    assert "5108 bytes -> 12000 bytes" in pkt.value("http.content_encoded_entity")
    text = tree_text(pkt)
    assert "[9 Reassembled TCP Segments (5311 bytes): #6(170), #8(1448), #10(59)" in text


def test_tls_certificate_chain_decoded() -> None:
    """The Certificate record spans frames 6 and 8: decoded on 8 with the chain's subject,
    issuer, validity and subjectAltName, values as tshark shows them."""
    pkts, _ = packets("tls12_cert_chain")
    pkt = pkts[7]
    fields = tshark_layer(expected("tls12_cert_chain")[7], "tls") or []
    assert [f.value for f in pkt.find("x509ce.dNSName")] == values(fields, "x509ce.dNSName")
    assert [f.value for f in pkt.find("x509sat.uTF8String")] == values(fields, "x509sat.uTF8String")
    assert [str(f.value) for f in pkt.find("tls.handshake.certificate_length")] == ["1023", "911"]
    assert pkt.value("x509af.notBefore") == "2026-12-07 13:29:41 (UTC)"
    assert [f.value for f in pkt.find("x509ce.IPAddress.ipv4")] == ["127.0.0.1"]
    # the records after the certificate are the frame's own: Info joins them, as tshark's
    from dissect.engine import columns

    assert columns(pkt)[3] == "Certificate, Server Key Exchange, Server Hello Done"


def test_dns_over_tcp_message_across_five_segments() -> None:
    pkts, _ = packets("dns_tcp_multi")
    pkt = pkts[13]
    dns = reassembled_layers(pkt)[0]
    assert dns.protocol.name == "dns"
    assert pkt.value("dns.length") == 3234
    assert pkt.value("dns.count.answers") == 200
    assert [f.value for f in pkt.find("tcp.segment")] == [6, 8, 10, 12, 14]


def test_random_access_reads_only_that_stream() -> None:
    """Showing one frame puts its PDU together from that stream's frames alone, with the
    same result as the pass over the whole capture."""
    idx = open_capture(str(DATA / "http_gzip_chunked.pcap"))
    table = StreamTable.build(idx)
    read: list[int] = []
    record = idx.record

    def counting(i: int) -> Any:
        read.append(i)
        return record(i)

    idx.record = counting  # type: ignore[method-assign]
    table.pdus = PduMap(idx, table)
    rec = record(21)
    pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns)
    annotate(pkt, table)
    assert pkt.value("tcp.segment.count") == 9
    assert set(read) <= set(table.frames("tcp", 0))


def test_framing_steps_aside_and_a_framed_stream_takes_no_lock(monkeypatch) -> None:  # noqa: ANN001
    """The TUI frames a stream beside its UI: `between` runs as it goes (its worker steps
    aside for keys there), and a stream framed before is answered while another thread
    holds the lock, framing a long one (seconds on a big capture)."""
    monkeypatch.setattr(pdus_module, "STEP_FRAMES", 2)
    idx = open_capture(str(DATA / "http_gzip_chunked.pcap"))
    table = StreamTable.build(idx)
    pdus = table.pdus = PduMap(idx, table)
    frames = table.frames("tcp", 0, everywhere=False)
    assert frames == [i for i in table.frames("tcp", 0) if not table.facts[i] & 0x03]
    calls: list[int] = []
    pdus.stream(0, lambda: calls.append(1))
    assert calls and len(calls) == len(frames) // 2
    again = threading.Thread(target=pdus.stream, args=(0,), daemon=True)
    with pdus._lock:  # another stream is being framed
        again.start()
        again.join(10)
        waiting = again.is_alive()
    assert not waiting


def test_limit_reached_is_marked_not_dropped() -> None:
    """Past the cap of bytes held, the PDU is not put together, and its frames say so."""
    idx = open_capture(str(DATA / "http_gzip_chunked.pcap"))
    table = StreamTable.build(idx)
    table.pdus = PduMap(idx, table, cap=1000).build()
    rec = idx.record(21)
    pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns)
    annotate(pkt, table)
    assert pkt.get("tcp.segments") is None
    notes = [i.message for i in pkt.issues if i.code == "tcp.reassembly.limit"]
    assert notes and notes[0].startswith("not reassembled: limit reached")


def test_cli_json_and_filter_see_reassembled_fields() -> None:
    """-T json names each reassembled layer's data source; a filter on a reassembled field
    matches the frame where the PDU completes (tshark's one pass)."""
    cap = str(DATA / "tls12_cert_chain.pcap")
    run = [sys.executable, "-c", "import sys; from tui.main import main; sys.exit(main())"]
    out = subprocess.run(run + ["-r", cap, "-Y", 'x509ce.dNSName == "example.test"'],
                         capture_output=True, text=True, timeout=120, check=True).stdout  # fmt: skip
    assert [line.split()[0] for line in out.splitlines()] == ["8"]
    out = subprocess.run(run + ["-r", cap, "-T", "json", "-c", "8"], capture_output=True,
                         text=True, timeout=120, check=True).stdout  # fmt: skip
    layers = json.loads(out)[7]["layers"]
    assert [la.get("source") for la in layers if la["protocol"] == "tls"] == [
        "Reassembled TCP (1952 bytes)",
        None,
    ]


def test_sources_map_each_byte_to_its_frame() -> None:
    pkts, pdus = packets("dns_tcp_multi")
    ((name, spans),) = pdus.sources(pkts[13])
    assert name == "Reassembled TCP (3236 bytes)"
    assert len(pdus.read(pdus.ends[13][0])) == 3236
    assert spans == [(0, 700, 6), (700, 700, 8), (1400, 700, 10), (2100, 700, 12), (2800, 436, 14)]
    assert packet_dict(pkts[13])["layers"][-1]["source"] == name


def shown(v: Any) -> str:
    """A value as tshark's JSON writes it (numbers in decimal)."""
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, bytes):
        return ":".join(f"{b:02x}" for b in v)
    return str(v)


def same(field: Any, theirs: str) -> bool:
    """tshark writes hex-based numbers as 0x..., an absolute time as its text, a text
    field's bytes as text up to the first NUL (a C string)."""
    ours = field.value
    if theirs.startswith("0x") and isinstance(ours, int):
        return ours == int(theirs, 16)
    if isinstance(ours, int) and not isinstance(ours, bool) and theirs.endswith(" UTC"):
        return field.spec.line(ours).endswith(": " + theirs)
    if isinstance(ours, bytes) and shown(ours) != theirs:
        return ours.split(b"\0", 1)[0].decode("utf-8", "replace") == theirs
    return shown(ours) == theirs


def value_agreement(pkts: list[Any], entries: list[dict[str, Any]]) -> tuple[int, int, list]:
    """Values of the reassembled layers' fields that tshark's JSON names once per layer
    (a repeated name keeps one value there), where we have the field at the same span."""
    agree = total = 0
    diffs: list[tuple] = []
    for entry, pkt in zip(entries, pkts, strict=True):
        if tshark_layer(entry, "tcp.segments") is None:
            continue
        ours = {(f.name, f.pos, f.len): f for la in reassembled_layers(pkt)
                for f in la.walk()}  # fmt: skip
        theirs = next((la["fields"] for la in entry["layers"] if la["protocol"] in APP), [])
        names = [f[0] for f in theirs]
        for fname, value, pos, length, _inside in theirs:
            key = (fname, pos, length)
            if names.count(fname) != 1 or key not in ours or value is None:
                continue
            total += 1
            if same(ours[key], str(value)):
                agree += 1
            else:
                diffs.append((pkt.number, fname, shown(ours[key].value)[:40], str(value)[:40]))
    return agree, total, diffs


@pytest.mark.parametrize("name", CAPTURES)
def test_reassembled_field_values_as_tshark(name: str) -> None:
    agree, total, diffs = value_agreement(packets(name)[0], expected(name))
    assert total > 5
    assert agree / total >= MIN_AGREEMENT, diffs[:20]


def test_tui_hex_pane_shows_the_reassembled_bytes_as_a_second_source() -> None:
    """After the stream pass (run in the background once the index is done), frame 22's
    hex pane has the frame, the reassembled PDU and the uncompressed body as sources;
    selecting a field of the HTTP layer shows the reassembled bytes, where the cursor's
    byte says which frame it came from, and a click there selects the field under it."""
    import asyncio

    from tui.app import LayerscopeApp
    from tui.source import PacketSource
    from tui.widgets.hex_pane import HexPane
    from tui.widgets.packet_list import PacketList

    async def main() -> None:
        app = LayerscopeApp(PacketSource.open(DATA / "http_gzip_chunked.pcap"))
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(8):
                await app.workers.wait_for_complete()
                await pilot.pause()
            app.screen.query_one(PacketList).cursor = 21
            pane = app.screen.query_one(HexPane)
            for _ in range(200):  # bounded: the stream pass and the decode, in workers
                await app.workers.wait_for_complete()
                await pilot.pause()
                if len(pane.sources) == 3:
                    break
            names = [p.source for p in pane.sources]
            assert names == [None, "Reassembled TCP (5311 bytes)",
                             "Uncompressed entity body (12000 bytes)"]  # fmt: skip
            assert pane.packet is pane.frame
            pane.focus()
            await pilot.press("s")
            assert pane.packet is pane.sources[1] and len(pane.packet.data) == 5311
            assert "Reassembled TCP (5311 bytes)" in str(pane.border_title)
            pane.cursor = 200  # byte 200 of the PDU: frame 8's part (170..1617)
            await pilot.pause()
            assert pane.origin_of(200) == 8
            assert "byte 200 from frame #8" in str(pane.border_title)
            pane.cursor = 20  # inside the Server header line
            await pilot.pause()
            item = app.screen.item  # the field the byte picked, in the reassembled layer
            assert item is not None and item.field is not None
            assert (item.field.pos, item.field.len) == (17, 36)  # the Server: header line
            assert pane.packet is pane.sources[1]

    asyncio.run(main())


def test_cli_reassembly_limit() -> None:
    """--reassembly-limit 0 decodes each segment alone; a limit below a PDU's length marks
    its frames instead of putting it together."""
    cap = str(DATA / "dns_tcp_multi.pcap")
    run = [sys.executable, "-c", "import sys; from tui.main import main; sys.exit(main())"]

    def verbose(*extra: str) -> str:
        return subprocess.run(run + ["-r", cap, "-V", *extra], capture_output=True, text=True,
                              timeout=120, check=True).stdout  # fmt: skip

    assert verbose().count("Reassembled TCP Segments") == 2
    assert verbose("--reassembly-limit", "0").count("Reassembled TCP Segments") == 0
    limited = verbose("--reassembly-limit", "1000")
    assert "[5 Reassembled TCP Segments" not in limited
    assert "not reassembled: limit reached (reassembly limit 1000 bytes)" in limited


def test_http2_conversation_and_a_data_frame_across_segments() -> None:
    """HTTP/2 on port 8080 (HTTP's): the conversation is HTTP/2 from its frames, so every
    segment decodes as HTTP/2 as in tshark, and the 6,009-byte DATA frame is put together
    from five segments on frame 16."""
    pkts, _ = packets("h2_data_frame")
    from dissect.engine import columns

    listed = (DATA / "h2_data_frame.tshark.txt").read_text().splitlines()
    for line, pkt in zip(listed, pkts, strict=True):
        proto = line.split()[5]
        if proto == "HTTP2" and pkt.number != 16:
            assert columns(pkt)[2] == "HTTP2", pkt.number
    assert [f.value for f in pkts[15].find("tcp.segment")] == [10, 11, 13, 14, 16]
    assert columns(pkts[9])[3] == "SETTINGS[0], HEADERS[1]: 200 OK"


def test_mangled_conversations_never_raise(tmp_path: Path) -> None:
    """Segments dropped, duplicated, swapped and bytes flipped (seeded): the pass, the
    boundaries and the reassembled layers are bounded work, never an exception."""
    import random

    from dissect.readers.writer import PcapWriter

    rng = random.Random(14)
    for name in CAPTURES:
        idx = open_capture(str(DATA / f"{name}.pcap"))
        recs = [idx.record(i) for i in range(len(idx.index_all()))]
        for trial in range(6):
            frames = [bytearray(r.data) for r in recs]
            for _ in range(len(frames) // 3):
                k = rng.randrange(len(frames))
                action = rng.randrange(4)
                if action == 0:
                    frames.pop(k)
                elif action == 1:
                    frames.insert(k, bytearray(frames[k]))
                elif action == 2 and k + 1 < len(frames):
                    frames[k], frames[k + 1] = frames[k + 1], frames[k]
                elif len(frames[k]) > 54:
                    frames[k][rng.randrange(54, len(frames[k]))] ^= 1 << rng.randrange(8)
            path = tmp_path / f"{name}-{trial}.pcap"
            with open(path, "wb") as fh, PcapWriter(fh, recs[0].linktype) as w:
                for n, f in enumerate(frames):
                    w.write(bytes(f), n * 1000)
            mangled = open_capture(str(path))
            table = StreamTable.build(mangled)
            table.pdus.cap = rng.choice((300, 4000, 1 << 20))
            table.pdus.build()
            for i in range(len(mangled)):
                rec = mangled.record(i)
                pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns)
                annotate(pkt, table)
                tree_text(pkt)
                packet_dict(pkt)


def test_dns_answers_link_to_queries_across_segments() -> None:
    """dns.response_to and dns.time where the answer (14) or the query (17) was put
    together from several segments, as tshark's."""
    pkts, _ = packets("dns_tcp_multi")
    # tshark -r dns_tcp_multi.pcap -T fields -e frame.number -e dns.response_to -e dns.time
    for number, to, secs in ((14, 4, 0.042319), (19, 17, 0.000103)):
        pkt = pkts[number - 1]
        assert pkt.value("dns.response_to") == to, number
        assert pkt.value("dns.time") == pytest.approx(secs, abs=1e-6), number


def test_server_key_exchange_parameters_as_tshark() -> None:
    """Frame 8's own ServerKeyExchange (ECDHE on x25519, signed): curve, public key and
    signature fields at tshark's positions with tshark's values."""
    pkts, _ = packets("tls12_cert_chain")
    own = [la for la in pkts[7].layers  # the frame's own bytes: no reassembled source
           if la.protocol.name == "tls" and (la.packet is None or not la.packet.source)]  # fmt: skip
    ours = {(f.name, f.pos, f.len): f for la in own for f in la.walk()}
    theirs = [la["fields"] for la in expected("tls12_cert_chain")[7]["layers"]
              if la["protocol"] == "tls"][-1]  # fmt: skip
    wanted = [f for f in theirs if f[0].startswith(("tls.handshake.server_", "tls.handshake.sig"))]
    assert len(wanted) == 9
    for name, value, pos, length, _inside in wanted:
        assert same(ours[(name, pos, length)], str(value)), name


def handshake_fields(entry: dict[str, Any]) -> list[list[Any]]:
    """tshark's fields of a handshake message put together from records: from its
    fragment list to the next record, positions in the "Reassembled TLS Handshake" bytes."""
    out: list[list[Any]] = []
    for la in entry["layers"]:
        inside = False
        for f in la["fields"]:
            if f[0] == "tls.handshake.fragments":
                inside = True
            elif f[0] == "tls.record":
                inside = False
            if inside:
                out.append(f)
    return out


def test_handshake_messages_over_records_as_tshark() -> None:
    """The Certificate over three records (frame 6) and the ServerKeyExchange over two
    records in two segments (frame 8) are put together as tshark's: a data source of
    their own, each field at tshark's span with its value; the certificate's
    authorityKeyIdentifier issuer name and Certificate Transparency timestamps decoded;
    the records and Info say fragment as tshark's."""
    from dissect.engine import columns

    pkts, _ = packets("tls12_dhe_fragmented")
    listed = (DATA / "tls12_dhe_fragmented.tshark.txt").read_text().splitlines()
    names = set()
    for number, size in ((6, 1142), (8, 783)):
        pkt = pkts[number - 1]
        (hs,) = [la for la in pkt.layers if la.packet is not None
                 and (la.packet.source or "").startswith("Reassembled TLS Handshake")]  # fmt: skip
        assert hs.packet.source == f"Reassembled TLS Handshake ({size} bytes)"
        ours = {(f.name, f.pos, f.len): f for f in hs.walk()}
        theirs = [f for f in handshake_fields(expected("tls12_dhe_fragmented")[number - 1])
                  if f[0] in FIELDS and f[3]]  # fmt: skip
        assert len(theirs) > 15
        missing = [f[:4] for f in theirs if tuple(f[i] for i in (0, 2, 3)) not in ours]
        assert not missing, missing
        # values that are values in both (tshark's value of a name or a validity time is
        # its item count or CHOICE; ours the text)
        once = [f for f in theirs if [g[0] for g in theirs].count(f[0]) == 1 and f[1]
                and f[0].startswith(("tls.", "x509sat.", "x509if.oid", "x509ce.dNSName"))]  # fmt: skip
        for name, value, pos, length, _inside in once:
            assert same(ours[(name, pos, length)], str(value)), (number, name)
        names |= {f[0] for f in theirs}
        assert columns(pkt)[3] == listed[number - 1].split(" TLSv1.2 ", 1)[1].split(" ", 1)[1]
    assert {"x509ce.directoryName", "tls.sct.sct_timestamp", "tls.handshake.ys"} <= names


def info_text(text: str) -> str:
    """An Info without what TCP's own decoder writes differently (options, window scaling,
    analysis prefixes: not this module's) and with spaces collapsed."""
    import re

    text = re.sub(r"\[TCP (Retransmission|Previous segment not captured|ACKed unseen "
                  r"segment)\] ", "", text)  # fmt: skip
    text = re.sub(r" (TSval|TSecr|MSS|WS)=\S*| SACK_PERM", "", text)
    return " ".join(re.sub(r"Win=\d+", "Win=N", text).split())


@pytest.mark.parametrize("name", CAPTURES)
def test_segments_of_a_pdu_show_tsharks_info(name: str) -> None:
    """The frames that carry part of a PDU completed elsewhere (or never) show tshark's
    Info: an HTTP start line while its length is not known, "[TCP segment of a
    reassembled PDU]" alone where a TLS record starts, TCP's text after that; a
    retransmission or a keep-alive byte is TCP's alone."""
    from dissect.engine import columns

    pkts, pdus = packets(name)
    lines = (DATA / f"{name}.tshark.txt").read_text().splitlines()
    checked = 0
    for line, pkt in zip(lines, pkts, strict=True):
        i = pkt.number - 1
        if i in pdus.within or i in pdus.bare:
            theirs = line.split(None, 7)[7]  # after the protocol and the length
            assert info_text(columns(pkt)[3]) == info_text(theirs), pkt.number
            checked += 1
    assert checked


def test_a_certificate_the_x509_parser_refuses_is_still_read() -> None:
    """The leaf certificate with its version field made v6 (no such version):
    `cryptography` refuses it, our DER walk still reads its names, validity and
    extensions (the fields it gave in the capture)."""
    from cryptography import x509

    from tests.test_app_tcp import dec, handshake, record, tcp_frame

    pkts, _ = packets("tls12_dhe_fragmented")
    cert = pkts[5].get("tls.handshake.certificate").value

    def below(f: Any) -> list[tuple[str, Any]]:
        return [(c.name, c.value) for c in f.children or ()] + [
            x for c in f.children or () for x in below(c)]  # fmt: skip

    want = below(pkts[5].get("tls.handshake.certificate"))
    version = cert.index(b"\xa0\x03\x02\x01\x02") + 4
    bad = cert[:version] + b"\x05" + cert[version + 1 :]
    with pytest.raises(x509.InvalidVersion):
        x509.load_der_x509_certificate(bad)
    chain = len(bad).to_bytes(3, "big") + bad
    body = len(chain).to_bytes(3, "big") + chain
    pkt = dec(tcp_frame(record(22, handshake(11, body)), 443, 50000))
    got = below(pkt.get("tls.handshake.certificate"))
    assert got[0] == ("x509af.version", 5)
    assert got[1:] == want[1:] and len(got) > 20
    assert {"x509ce.directoryName", "tls.sct.sct_timestamp"} <= {name for name, _v in got}


# -- HPACK: one dynamic table per connection direction ------------------------------------
HPACK_FIELDS = ("http2.header.name", "http2.header.value", "http2.header.repr",
                "http2.header.index")  # fmt: skip


def header_lines(pkt: Any) -> list[tuple[str, str]]:
    return [(f.name, str(f.value)) for la in pkt.layers if la.protocol.name == "http2"
            for f in la.walk() if f.name in HPACK_FIELDS]  # fmt: skip


def tshark_header_lines(entry: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f[0], str(f[1])) for la in entry["layers"] if la["protocol"] == "http2"
            for f in la["fields"] if f[0] in HPACK_FIELDS]  # fmt: skip


def test_hpack_dynamic_table_follows_the_connection() -> None:
    """h2_hpack: every request after the first refers to dynamic table entries the first
    added (and one of them is put together from two segments); each header block decodes
    to tshark's lines (name, value, representation, index), as one HPACK decoder per
    connection direction fed in frame order gives."""
    pkts, _ = packets("h2_hpack")
    blocks = 0
    for entry, pkt in zip(expected("h2_hpack"), pkts, strict=True):
        want = tshark_header_lines(entry)
        assert header_lines(pkt) == want, pkt.number
        assert not [i for i in pkt.issues if i.code == "http2.header.undecoded"], pkt.number
        blocks += bool(want)
    assert blocks == 8
    assert ("http2.header.index", "67") in header_lines(pkts[13])  # a dynamic entry


def test_hpack_random_access_decodes_alike() -> None:
    """The TUI shows frames in any order from a map filled a stream at a time: a header
    block decodes the same whatever was decoded before (here: last frame first)."""
    idx = open_capture(str(DATA / "h2_hpack.pcap"))
    table = StreamTable.build(idx)
    table.pdus = PduMap(idx, table)
    entries = expected("h2_hpack")
    for i in (14, 8, *reversed(range(len(idx)))):
        rec = idx.record(i)
        pkt = decode(rec.data, rec.linktype, number=rec.number, time_ns=rec.time_ns)
        annotate(pkt, table)
        assert header_lines(pkt) == tshark_header_lines(entries[i]), rec.number


def test_hpack_on_every_core(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """-T json on two workers: the connection's last frames are in a chunk a worker starts
    mid-capture, and still decode with the table the connection's earlier frames built."""
    import io

    from dissect import parallel
    from dissect.cli import build_parser, run_batch
    from dissect.readers.writer import PcapWriter

    with open_capture(str(DATA / "h2_hpack.pcap")) as idx:
        recs = [idx.record(i) for i in range(len(idx.index_all()))]
    filler = bytes.fromhex("020000000002020000000001080045000020000100004011f9a40a0e00010a0e0002"
                           "d431d4310000000c0000000000000000")  # fmt: skip
    frames = [r.data for r in recs[:10]] + [filler] * 200 + [r.data for r in recs[10:]]
    path = tmp_path / "h2_spread.pcap"
    with PcapWriter(path, 1) as w:
        for n, frame in enumerate(frames):
            w.write(frame, 1_700_000_000_000_000_000 + n * 1_000_000)
    monkeypatch.setattr(parallel, "MIN_PACKETS", 50)
    monkeypatch.setattr(parallel, "CHUNK", 64)
    calls: list[int] = []
    real = parallel.ordered_map
    monkeypatch.setattr(parallel, "ordered_map", lambda r, w, n: calls.append(n) or real(r, w, n))
    outs = []
    for workers in ("2", "1"):
        monkeypatch.setenv("LAYERSCOPE_WORKERS", workers)
        out, err = io.StringIO(), io.StringIO()
        assert run_batch(build_parser().parse_args(["-r", str(path), "-T", "json"]), out=out,
                         err=err) == 0, err.getvalue()  # fmt: skip
        outs.append(out.getvalue())
    assert calls == [2]
    assert outs[0] == outs[1]
    text = json.dumps(json.loads(outs[0])[-1])  # the last response's HEADERS frame
    for value in ("layerscope-test", "node-7", "text/plain"):
        assert f'"{value}"' in text


def test_hpack_in_the_plain_list_follows_the_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plain list (no stream pass) of HTTP/2 (here by Decode As): a header block's
    connection is framed when the block is first decoded, so the Info of a block that
    refers to the dynamic table is tshark's ("(text/plain)" comes from it), in one process
    and on two workers alike."""
    import io

    from dissect import parallel
    from dissect.cli import build_parser, finish_args, run_batch

    def listed() -> list[str]:
        argv = ["-r", str(DATA / "h2_hpack.pcap"), "--print", "-d", "tcp.port==80,http2"]
        out, err = io.StringIO(), io.StringIO()
        args = finish_args(build_parser(), build_parser().parse_args(argv))
        assert run_batch(args, out=out, err=err) == 0, err.getvalue()
        return [" ".join(line.split()[6:]) for line in out.getvalue().splitlines()]

    from dissect import decode_as

    theirs = [" ".join(line.split()[6:])
              for line in (DATA / "h2_hpack.tshark.txt").read_text().splitlines()]  # fmt: skip
    try:
        alone = listed()
        for n in (5, 6, 7, 8, 9, 10, 13, 14, 15):  # not the handshake nor frames 11-12
            assert alone[n - 1] == theirs[n - 1], n  # (a block over two segments: reassembly)
        assert alone[9] == "81 HEADERS[3]: 200 OK, DATA[3] (text/plain)"
        monkeypatch.setattr(parallel, "MIN_PACKETS", 1)
        monkeypatch.setattr(parallel, "worker_count", lambda: 2)
        monkeypatch.setattr(parallel, "chunk_for", lambda _bytes: 3)
        assert listed() == alone
    finally:
        decode_as.clear()


def test_hpack_tables_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_SENDERS directions a new one is not followed (its blocks decode alone, as
    before); a CONTINUATION nobody began stops following its direction; past MAX_ENTRIES
    table entries remembered, later blocks are not remembered."""
    from dissect.protocols import http2

    monkeypatch.setattr(http2, "MAX_SENDERS", 1)
    tables = http2.Tables()
    block = b"\x40\x06x-test\x03one"  # indexes it
    headers = (len(block)).to_bytes(3, "big") + b"\x01\x05\x00\x00\x00\x01" + block
    tables.feed(0, 7, headers)
    tables.feed(2, 8, headers)
    assert list(tables.before) == [(7, __import__("zlib").crc32(block), len(block))]
    assert tables.senders[0] is not None and 2 not in tables.senders
    assert tables.senders[0].table[1] == ((b"x-test", b"one"),)
    tables.feed(0, 9, b"\x00\x00\x01\x09\x04\x00\x00\x00\x01\xbe")
    assert tables.senders[0] is None
    monkeypatch.setattr(http2, "MAX_ENTRIES", 1)  # the tables remembered hold one entry
    tables = http2.Tables()
    tables.feed(0, 7, headers)
    tables.feed(0, 8, headers)
    assert [k[0] for k in tables.before] == [7]


def test_hpack_after_an_h2c_upgrade() -> None:
    """tests/data/web/h2c.pcap: a connection with prior knowledge whose second request
    refers to the dynamic table, and one upgraded from HTTP/1.1 (101 Switching Protocols,
    Upgrade: h2c): from the 101 on, both directions are HTTP/2 frames to the stream layer,
    and every header block decodes to tshark's lines."""
    web = DATA.parent / "web"
    pkts, _ = packets(web / "h2c.pcap")
    entries = json.loads((web / "h2c.pcap.tshark.json").read_text())
    blocks = 0
    for entry, pkt in zip(entries, pkts, strict=True):
        want = tshark_header_lines(entry)
        assert header_lines(pkt) == want, pkt.number
        blocks += bool(want)
    assert blocks == 5


def test_responses_without_a_body_pair_as_tshark() -> None:
    """A response to HEAD, a 204, a 304 has no body whatever its Content-Length says: the
    next message is not taken for it, and each response answers its own request (tshark
    -2 -e http.request_in); an interim 100 Continue answers none."""
    pkts, _ = packets("http_no_body")
    links = {p.number: p.get("http.request_in").value for p in pkts if p.get("http.request_in")}
    assert links == {5: 4, 7: 6, 9: 8, 14: 12, 16: 15}


@pytest.mark.parametrize("span", [1 << 20, 300])  # 300: a read for about every record
def test_a_streams_segments_are_read_in_batches_as_one_by_one(
    monkeypatch: pytest.MonkeyPatch, span: int
) -> None:
    """PduMap.stream reads a stream's frames with their neighbours' (segments(), over
    CaptureIndex.datas_at): the same segments as reading each record alone, for frames
    that skip records and batches that end mid-stream."""
    from dissect import index as index_module

    monkeypatch.setattr(index_module, "SPAN_BYTES", span)
    monkeypatch.setattr(pdus_module, "SEGMENT_BATCH", 3)
    with open_capture(str(DATA / "http_gzip_chunked.pcap")) as idx:
        frames = list(range(0, len(idx.index_all()), 2))
        assert len(frames) > 3 and len(frames) % 3
        assert idx.datas_at(frames) == [idx.record(i).data for i in frames]
        got = list(pdus_module.segments(idx, frames))
        assert [i for i, _seg in got] == frames
        assert [seg for _i, seg in got] == [pdus_module.read_segment(idx, i) for i in frames]
        assert any(seg is not None and seg.payload for _i, seg in got)
