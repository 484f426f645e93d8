"""QUIC beyond the client's first Initial: server Initials, a ClientHello split over two
Initial packets, and Handshake / 1-RTT packets decrypted with a key log.

tests/data/web/aioquic_keylog.pcap is one aioquic connection on loopback
(record_quic_keylog.py beside it) with its SSLKEYLOGFILE (aioquic_keylog.pcap.keys): the
client offers 24 long ALPN names, so its 1,969-byte ClientHello is split over the Initials of
frames 1 and 2; the client sends "hello layerscope" on stream 0 and the server echoes it.
Expectations are tshark 4.0.17's decoding flattened by flatten_tshark.py, without keys
(aioquic_keylog.pcap.tshark.json) and with `-o tls.keylog_file:aioquic_keylog.pcap.keys`
(aioquic_keylog.pcap.keys.tshark.json). A decrypted field's tshark position is in its
decrypted payload: here the same offset from the payload's start (AES-GCM keeps positions).
"""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

import pytest

from dissect import connections
from dissect.engine import Packet, columns, decode, tree_rows
from dissect.index import open_capture
from dissect.protocols import quic
from tests.spans import capture_frames, check_every_truncation, issue_codes, values

DATA = Path(__file__).parent / "data" / "web"
CAPTURE = DATA / "aioquic_keylog.pcap"
KEYS = DATA / "aioquic_keylog.pcap.keys"


pytestmark = pytest.mark.usefixtures("quic_memory")  # tests/conftest.py


def frames() -> list[bytes]:
    return capture_frames(CAPTURE)


def decode_all() -> list[Packet]:
    """Every frame in file order, as a reader decodes them (the memory fills in order)."""
    return [decode(f, 1, number=n, strict=True) for n, f in enumerate(frames(), 1)]


def expected(keys: bool) -> list[dict]:
    name = "aioquic_keylog.pcap.keys.tshark.json" if keys else "aioquic_keylog.pcap.tshark.json"
    return json.loads((DATA / name).read_text())


def skipped(name: str, skip: set[str]) -> bool:
    """The TLS layer item, other dissectors' fields (X.509 inside the Certificate), and
    the names a test accepts missing."""
    if name == "tls" or name.split(".")[0] in ("x509af", "x509if", "x509sat", "pkcs1", "ber"):
        return True
    return name in skip


def disagreements(pkts: list[Packet], exp: list[dict], skip: set[str]) -> tuple[list, int]:
    """tshark's QUIC fields that are not ours at the same position and length. Frame 2's
    TLS fields are in Wireshark's reassembled data: test_split_client_hello_* checks them."""
    bad, checked = [], 0
    for entry, pkt in zip(exp, pkts, strict=True):
        layers = [la for la in pkt.layers if la.name == "quic"]
        for layer, want in zip(layers, entry["layers"], strict=False):
            have: dict[tuple[str, int], list] = {}
            for f in layer.walk():
                have.setdefault((f.name, f.pos), []).append(f)
            payload = layer.get("quic.payload") or layer.get("quic.protected_payload")
            start = payload.pos if payload is not None else 0
            for name, _shown, pos, length, decrypted in want["fields"]:
                if skipped(name, skip) or entry["number"] == 2 and name.startswith("tls."):
                    continue
                at = pos + start if decrypted else pos
                got = have.get((name, at))
                checked += 1
                if not got or got[0].len != length:
                    bad.append((entry["number"], name, at, length))
    return bad, checked


def test_without_keys_every_packet_agrees_with_tshark() -> None:
    """Server Initials decrypted (keys from the client's first DCID, remembered from frame
    1), Handshake and 1-RTT headers as tshark shows them without keys."""
    pkts = decode_all()
    bad, checked = disagreements(pkts, expected(False), set())
    assert bad == [] and checked > 170, bad
    assert values(pkts[2], "quic.frame_type") == [2]  # the server's first Initial: an ACK
    assert values(pkts[3], "tls.handshake.type")[:1] == [2]  # ServerHello in frame 4
    assert columns(pkts[5])[3] == "Protected Payload (KP0), DCID=07a6fcdd3532e268"


def test_server_initial_alone_stays_protected_with_a_note() -> None:
    pkt = decode(frames()[2], 1, strict=True)
    assert pkt.get("quic.remaining_payload") is not None
    assert "quic.decryption_failed" in issue_codes(pkt)


def test_split_client_hello_is_reassembled_in_the_second_initial() -> None:
    pkts = decode_all()
    assert values(pkts[0], "tls.handshake.extensions_server_name") == []
    notes = [i.message for i in pkts[0].issues if i.code == "tls.handshake.fragment"]
    assert notes == ["Client Hello of 1965 bytes continues in the next CRYPTO frame "
                     "(decoded where it ends)"]  # fmt: skip
    assert values(pkts[1], "tls.handshake.extensions_server_name") == ["quic.layerscope.test"]
    assert values(pkts[1], "tls.handshake.length") == [1965]
    exp = expected(False)[1]
    theirs = Counter(f[0] for la in exp["layers"] for f in la["fields"] if f[0].startswith("tls."))
    ours = Counter(f.name for la in pkts[1].layers for f in la.walk() if f.name.startswith("tls."))
    # Wireshark's "(last fragment)" item is not made; our unnamed subtrees (an extension, a
    # transport parameter, a key share entry) have names; tshark's JSON leaves the generated
    # fragment count out (its -V shows "[Handshake Fragment count: 2]").
    assert theirs - ours == Counter({"tls.handshake": 1})
    assert {n for n in ours - theirs} <= {"tls.handshake.fragment.count",
        "tls.quic.parameter", "tls.handshake.extension", "tls.handshake.extensions_key_share",
        "tls.handshake.extensions_key_share_entry", "tls.handshake.random_time",
        "tls.handshake.random_bytes", "tls.handshake.extensions_server_name_indication",
        "tls.handshake.ja3_full", "tls.handshake.ja3",
    }  # fmt: skip
    # A field in frame 2's piece spans its bytes there; one from frame 1 is zero long.
    alpn = [
        f
        for la in pkts[1].layers
        for f in la.walk()
        if f.name == "tls.handshake.extensions_alpn_str"
    ]
    assert alpn[-1].value == "h3" and alpn[-1].len == 2
    sni = pkts[1].get("tls.handshake.extensions_server_name")
    assert sni.len == 0
    # tshark -V: "[Frame: 1, payload: 0-1151]", "[Frame: 2, payload: 1152-1968]", count 2
    assert values(pkts[1], "tls.handshake.fragment") == [1, 2]
    assert values(pkts[1], "tls.handshake.fragment.count") == [2]


def test_with_a_key_log_handshake_and_1rtt_agree_with_tshark() -> None:
    quic.load_keylog(str(KEYS))
    pkts = decode_all()
    bad, checked = disagreements(pkts, expected(True), set())
    assert bad == [] and checked > 300, bad
    assert values(pkts[6], "quic.stream_data") == [b"hello layerscope"]
    assert values(pkts[7], "quic.stream_data") == [b"hello layerscope"]  # the echo
    assert values(pkts[3], "quic.packet_number") == [1, 2]
    # The server's TLS 1.3 messages in its Handshake packet, as tshark decodes them.
    assert values(pkts[3], "tls.handshake.type")[1:] == [8, 11, 15, 20]
    assert values(pkts[3], "tls.handshake.extensions_alpn_str") == ["h3"]


def test_cli_keylog_option_gives_tshark_info() -> None:
    from dissect.cli import build_parser, finish_args, run_batch

    p = build_parser()
    args = finish_args(p, p.parse_args(["-r", str(CAPTURE), "-o", f"tls.keylog_file:{KEYS}"]))
    out, err = io.StringIO(), io.StringIO()
    assert run_batch(args, out, err) == 0
    rows = out.getvalue().splitlines()
    assert rows[6].endswith("Protected Payload (KP0), DCID=dce9fe0746e61953, PKN: 5, STREAM(0)")
    assert rows[9].endswith("Protected Payload (KP0), DCID=dce9fe0746e61953, PKN: 7, CC")


@pytest.mark.parametrize("pref", ["tls.keylog_file:/nonexistent/keys", "tcp.analyze:FALSE"])
def test_cli_bad_preference_is_one_error_line(pref: str) -> None:
    from dissect.cli import build_parser, finish_args

    p = build_parser()
    with pytest.raises(SystemExit):
        finish_args(p, p.parse_args(["-r", str(CAPTURE), "-o", pref]))


def test_connection_memory_is_bounded() -> None:
    conn = quic.Connection(1, b"odcid")
    for i in range(quic.MAX_CIDS + 50):
        quic._remember(i.to_bytes(8, "big"), conn, False)
    assert len(quic.MEMORY.cids) == quic.MAX_CIDS
    assert (0).to_bytes(8, "big") not in quic.MEMORY.cids  # the oldest went first


def test_packet_number_marks_are_bounded() -> None:
    conn = quic.Connection(1, b"odcid")
    for frame in range(1, quic.MAX_MARKS + 50):
        quic._mark(conn, (True, "1-RTT"), frame, frame * 2)
    frames, _values = conn.marks[(True, "1-RTT")]
    assert len(frames) <= quic.MAX_MARKS
    # the largest before a frame is never one sent in or after it
    assert quic._largest_before(conn, (True, "1-RTT"), 1000) <= 999 * 2
    assert quic._largest_before(conn, (True, "1-RTT"), 1) == -1


def test_every_truncation_decodes_with_a_key_log() -> None:
    quic.load_keylog(str(KEYS))
    for frame in frames()[:8]:
        decode(frame, 1, strict=True)  # the connection is remembered in full first
    for frame in (frames()[1], frames()[3], frames()[6]):
        check_every_truncation(frame, 1)


def _texts(pkts: list[Packet]) -> list[str]:
    return ["\n".join(tree_rows(p, True)) for p in pkts]


@pytest.mark.parametrize("keys", [False, True])
def test_learned_capture_decodes_the_same_wherever_decoding_starts(keys: bool) -> None:
    """After the capture's pre-pass (dissect/connections.py) every packet decodes as in a
    reading in file order, alone or backwards: a -V worker's chunk or a TUI jump."""
    if keys:
        quic.load_keylog(str(KEYS))
    in_order = _texts(decode_all())
    quic.forget()
    idx = open_capture(str(CAPTURE))
    try:
        connections.learn(idx)
    finally:
        idx.close()
    backwards = [
        decode(f, 1, number=n, strict=True) for n, f in reversed(list(enumerate(frames(), 1)))
    ]
    assert _texts(backwards[::-1]) == in_order
    alone = decode(frames()[2], 1, number=3, strict=True)  # the server's first Initial
    assert "quic.decryption_failed" not in issue_codes(alone)
    assert values(alone, "quic.frame_type") == [2]


def _verbose(cli) -> str:
    p = cli.build_parser()
    keys = ["-o", f"tls.keylog_file:{KEYS}"]
    args = cli.finish_args(p, p.parse_args(["-r", str(CAPTURE), "-V", *keys]))
    out, err = io.StringIO(), io.StringIO()
    assert cli.run_batch(args, out, err) == 0, err.getvalue()
    return out.getvalue()


def test_cli_verbose_workers_decrypt_chunks_that_start_mid_connection(monkeypatch) -> None:
    """-V on two workers, one record per chunk (each chunk starts mid-connection: worker 2
    never sees the ServerHello of frame 4) prints what one process reading in order
    prints: every packet decrypted."""
    from dissect import cli, parallel

    in_order = _verbose(cli)
    quic.forget()
    monkeypatch.setattr(parallel, "MIN_PACKETS", 1)
    monkeypatch.setattr(parallel, "worker_count", lambda: 2)
    monkeypatch.setattr(parallel, "chunk_for", lambda _bytes: 1)
    monkeypatch.setattr(cli, "SAMPLE_RECORDS", 1)
    chunked = _verbose(cli)
    assert chunked.count("Remaining Payload") == 0
    assert chunked == in_order
    assert not quic.MEMORY.learned  # the capture's memory ended with the command


def test_tui_jump_after_the_stream_pass_decrypts_a_server_initial() -> None:
    """The TUI's background pass learns the connections with the stream table: the server's
    first Initial, shown first, is decrypted."""
    from tui.source import PacketSource

    source = PacketSource.open(CAPTURE)
    try:
        while not source.index_more():
            pass
        assert source.stream_table() is not None
        pkt = source.packet(2)
        assert "quic.decryption_failed" not in issue_codes(pkt)
        assert values(pkt, "quic.frame_type") == [2]
    finally:
        source.close()


def test_a_learned_memory_ends_with_its_capture() -> None:
    """After the with-block the CLI's -V on several workers runs in (print_parallel), and
    after the TUI closes its capture, decoding starts from no connection again: another
    capture in the same process never reads it."""
    from tui.source import PacketSource

    idx = open_capture(str(CAPTURE))
    try:
        with connections.learned(idx) as memory:
            assert quic.MEMORY is memory and memory.learned and memory.cids
    finally:
        idx.close()
    assert not quic.MEMORY.learned and not quic.MEMORY.cids
    source = PacketSource.open(CAPTURE)
    while not source.index_more():
        pass
    source.stream_table()
    assert quic.MEMORY.learned
    source.close()
    assert not quic.MEMORY.learned and not quic.MEMORY.cids


def _plain_list(cli, path: Path) -> str:
    p = cli.build_parser()
    args = cli.finish_args(p, p.parse_args(["-r", str(path), "--print"]))
    out, err = io.StringIO(), io.StringIO()
    assert cli.run_batch(args, out, err) == 0, err.getvalue()
    return out.getvalue()


def _chunked(monkeypatch, parallel, cli) -> None:
    """The parallel plain list on two workers, two records a chunk after the first record."""
    monkeypatch.setattr(parallel, "MIN_PACKETS", 1)
    monkeypatch.setattr(parallel, "worker_count", lambda: 2)
    monkeypatch.setattr(parallel, "chunk_for", lambda _bytes: 2)
    monkeypatch.setattr(cli, "SAMPLE_RECORDS", 1)


def test_parallel_plain_list_decrypts_a_chunk_that_starts_at_a_server_initial(
    monkeypatch, tmp_path: Path
) -> None:
    """A record before the connection shifts the chunks: worker 2's first chunk starts at
    the server's first Initial, whose keys come from the client's Initial in worker 1's
    chunk. The connections are learned when the first QUIC packet is met, so the list is
    what one process reading in order prints."""
    from dissect import cli, parallel

    raw = CAPTURE.read_bytes()
    path = tmp_path / "late.pcap"
    path.write_bytes(raw[:24] + raw[24:32] + (60).to_bytes(4, "little") * 2 + bytes(60) + raw[24:])
    in_order = _plain_list(cli, path)
    quic.forget()
    _chunked(monkeypatch, parallel, cli)
    chunked = _plain_list(cli, path)
    assert "PKN: 0, ACK" in chunked.splitlines()[3]  # frame 4: the server's first Initial
    assert chunked == in_order
    assert not quic.MEMORY.learned and quic.LEARN_FIRST[0] is None


def test_parallel_plain_list_without_quic_learns_nothing(monkeypatch) -> None:
    """No QUIC packet, no learning pass: the plain list of other captures costs the same."""
    from dissect import cli, parallel

    _chunked(monkeypatch, parallel, cli)
    monkeypatch.setattr(connections, "learn", lambda _index: pytest.fail("learned"))
    other = Path(__file__).parent / "data" / "reassembly" / "http_gzip_chunked.pcap"
    assert _plain_list(cli, other).count("\n") == len(capture_frames(other))
