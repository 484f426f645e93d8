"""The long tail through scapy: where our decoders leave `data` and scapy knows the bytes.

Frames are crafted with scapy and were checked with tshark 4.0.17 (RIPv2 "Response", HSRP
"Hello (state Active)", RADIUS "Access-Request id=9"); the spans asserted are the bytes of
each field in those frames.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest

scapy_all = pytest.importorskip("scapy.all")

from dissect import scapy_tail  # noqa: E402
from dissect.cli import build_parser, finish_args, run_batch  # noqa: E402
from dissect.engine import decode, packet_dict, tree_text  # noqa: E402
from tests.spans import check_spans, names  # noqa: E402

IP, UDP, Ether = scapy_all.IP, scapy_all.UDP, scapy_all.Ether


@pytest.fixture(autouse=True)
def generous_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test depends on the machine's speed: scapy gets all the time it needs here (the
    limit itself is tested with a stand-in that sleeps)."""
    monkeypatch.setattr(scapy_tail, "TIME_LIMIT", 60.0)


def rip() -> bytes:
    return bytes(Ether() / IP(src="10.0.0.1", dst="224.0.0.9") / UDP(sport=520, dport=520)
                 / scapy_all.RIP(cmd=2, version=2)
                 / scapy_all.RIPEntry(addr="10.1.0.0", mask="255.255.0.0", metric=3))  # fmt: skip


def l2tp() -> bytes:
    """L2TP on port 1702: on 1701 our own decoder reads it; here a Decode As rule hands it to
    scapy (test_bit_fields_span_their_bits)."""
    return bytes(Ether() / IP() / UDP(sport=1702, dport=1702)
                 / scapy_all.L2TP(hdr="control+length", tunnel_id=7, session_id=9))  # fmt: skip


def test_rip_is_decoded_by_scapy_with_spans() -> None:
    pkt = scapy_tail.extend(decode(rip(), 1, strict=True))
    assert names(pkt)[-2:] == ["scapy", "scapy"]
    assert pkt.layers[-2].title == "RIP header (decoded by scapy)"
    cmd = pkt.get("rip.command")  # Wireshark's name where the table knows it
    assert (cmd.value, cmd.pos, cmd.len) == (2, 42, 1)
    metric = pkt.get("rip.metric")
    assert (metric.value, metric.pos, metric.len) == (3, 62, 4)
    check_spans(pkt)


def test_unmapped_fields_are_named_after_scapy() -> None:
    pkt = scapy_tail.extend(decode(rip(), 1, strict=True))
    assert pkt.get("scapy.rip.null") is not None


def test_bit_fields_span_their_bits() -> None:
    from dissect import decode_as

    decode_as.add(decode_as.parse("udp.port==1702,scapy.L2TP"))
    try:
        pkt = scapy_tail.extend(decode(l2tp(), 1, strict=True))
    finally:
        decode_as.clear()
    layer = pkt.layers[-1] if pkt.layers[-1].name == "scapy" else pkt.layers[-2]
    assert layer.name == "scapy"
    ver = pkt.get("scapy.l2tp.version")
    assert (ver.pos, ver.len, ver.mask) == (43, 1, 0x0F)  # the low 4 bits of the first word
    hdr = pkt.get("scapy.l2tp.hdr")  # the 12 flag bits before it, over two bytes
    assert (hdr.pos, hdr.len, hdr.mask) == (42, 2, 0xFFF0)
    assert pkt.get("l2tp.tunnel").value == 7  # Wireshark's name for scapy's tunnel_id


def test_the_tree_and_json_say_scapy_decoded_it() -> None:
    pkt = scapy_tail.extend(decode(rip(), 1, strict=True))
    assert "RIP entry (decoded by scapy)" in tree_text(pkt)
    layers = packet_dict(pkt)["layers"]
    assert [la["title"] for la in layers if la["protocol"] == "scapy"][0].endswith(
        "(decoded by scapy)"
    )


def test_packets_we_decode_are_left_alone() -> None:
    frame = bytes(Ether() / IP() / UDP(sport=40000, dport=53) / scapy_all.DNS(qd=scapy_all.DNSQR()))
    pkt = decode(frame, 1, strict=True)
    before = names(pkt)
    assert names(scapy_tail.extend(pkt)) == before


def test_a_payload_by_definition_is_not_handed_to_scapy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A ping's data is what it is, not an unknown protocol (scapy would cost half a
    millisecond a packet on a capture full of pings): only data a carrier could not
    dispatch (after Ethernet, IP, TCP, UDP...) goes to scapy."""
    asked: list[int] = []
    monkeypatch.setattr(scapy_tail, "_scapy_layers", lambda pkt: asked.append(pkt.number) or [])
    ping = bytes(Ether() / IP() / scapy_all.ICMP() / (b"x" * 32))
    assert names(scapy_tail.extend(decode(ping, 1, number=1)))[-1] == "data"
    scapy_tail.extend(decode(rip(), 1, number=2))
    assert asked == [2]


def test_a_slow_scapy_is_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scapy_tail, "TIME_LIMIT", 0.05)
    monkeypatch.setattr(scapy_tail, "_scapy_layers", lambda pkt: time.sleep(0.5) or [])
    pkt = scapy_tail.extend(decode(rip(), 1, strict=True))
    assert names(pkt)[-1] == "data" and "scapy.timeout" in {i.code for i in pkt.issues}


def test_a_failing_scapy_leaves_data(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(pkt: object) -> list:
        raise RuntimeError("scapy broke")

    monkeypatch.setattr(scapy_tail, "_scapy_layers", boom)
    assert names(scapy_tail.extend(decode(rip(), 1, strict=True)))[-1] == "data"


def test_hostile_bytes_never_raise() -> None:
    frame = bytearray(rip())
    for i in range(42, len(frame)):
        for v in (0x00, 0xFF, 0x80):
            frame[i] = v
            check_spans(scapy_tail.extend(decode(bytes(frame), 1)))


def test_cli_json_and_v_use_scapy_but_rows_do_not(tmp_path: Path) -> None:
    path = tmp_path / "rip.pcap"
    scapy_all.wrpcap(str(path), [Ether(rip())])
    p = build_parser()

    def run(*argv: str) -> str:
        out, err = io.StringIO(), io.StringIO()
        assert run_batch(finish_args(p, p.parse_args(["-r", str(path), *argv])), out, err) == 0
        return out.getvalue()

    assert "scapy" not in run()  # the summary rows: never scapy
    assert "(decoded by scapy)" in run("-V")
    assert any(la["protocol"] == "scapy" for la in json.loads(run("-T", "json"))[0]["layers"])


def test_a_filter_naming_a_scapy_field_runs_scapy(tmp_path: Path) -> None:
    from dissect.filter import compile_filter

    frames = [rip(), bytes(Ether() / IP() / UDP(sport=40000, dport=53) / scapy_all.DNS())]
    assert [compile_filter("scapy.rip.null == 0").match_frame(f, 1) for f in frames] == [
        True, False,
    ]  # fmt: skip
    assert not compile_filter("scapy.rip.null == 1").match_frame(frames[0], 1)
    assert compile_filter("scapy.ripentry.metric == 3").match_frame(frames[0], 1) is False
    # (metric has Wireshark's name, rip.metric: the scapy. name is not what the layer holds)


def test_a_filter_on_a_wireshark_name_scapy_made_runs_scapy() -> None:
    from dissect.filter import compile_filter

    scapy_tail.extend(decode(rip(), 1))  # rip.metric now exists, declared by the tail
    assert compile_filter("rip.metric == 3").match_frame(rip(), 1)
    assert not compile_filter("rip.metric == 4").match_frame(rip(), 1)


def test_scapy_is_imported_only_for_a_packet_that_needs_it() -> None:
    """Importing scapy takes about a second: -V on a capture we decode whole never pays it."""
    import subprocess
    import sys

    code = (
        "import io, sys\n"
        "from dissect.cli import build_parser, run_batch\n"
        "out = io.StringIO()\n"
        "args = build_parser().parse_args(['-r', sys.argv[1], '-V'])\n"
        "assert run_batch(args, out=out, err=io.StringIO()) == 0 and 'Frame Number: 1' in out.getvalue()\n"
        "print('scapy' in sys.modules)\n"
    )
    demo = Path(__file__).resolve().parent.parent / "captures" / "http-get.pcap"
    done = subprocess.run([sys.executable, "-c", code, str(demo)], capture_output=True,
                          text=True, timeout=120, check=True)  # fmt: skip
    assert done.stdout.strip() == "False"


# -- Decode As to a scapy layer ----------------------------------------------------------------
def radius_on(port: int) -> bytes:
    """A RADIUS Access-Request (tshark: "Access-Request id=9" on 1812) on another port."""
    return bytes(Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=40000, dport=port)
                 / scapy_all.Radius(code=1, id=9, authenticator=bytes(16)))  # fmt: skip


@pytest.fixture
def rules() -> object:
    from dissect import decode_as

    yield decode_as
    decode_as.clear()


def test_decode_as_a_scapy_layer_on_another_port(rules) -> None:  # noqa: ANN001
    frame = radius_on(5000)
    assert names(scapy_tail.extend(decode(frame, 1, strict=True)))[-1] == "data"
    rules.add(rules.parse("udp.port==5000,scapy.Radius"))
    pkt = scapy_tail.extend(decode(frame, 1, strict=True))
    assert pkt.layers[-1].title == "RADIUS (decoded by scapy)"
    code = pkt.get("radius.code")
    assert (code.value, code.pos, code.len) == (1, 42, 1)
    assert pkt.get("radius.id").value == 9
    check_spans(pkt)


def test_decode_as_scapy_replaces_our_own_decoder(rules) -> None:  # noqa: ANN001
    frame = radius_on(53)
    assert "dns" in names(decode(frame, 1))
    rules.add(rules.parse("udp.port==53,Radius"))  # a bare scapy class name: no decoder of ours
    assert str(rules.RULES[0]) == "udp.port==53,scapy.Radius"
    pkt = decode(frame, 1, strict=True)
    assert names(pkt)[-1] == "data"  # the list rows: our decoding stops, scapy never runs
    assert names(scapy_tail.extend(pkt))[-1] == "scapy"
    rules.remove(rules.RULES[0])
    assert "dns" in names(decode(frame, 1))


@pytest.mark.parametrize("text", ["udp.port==5000,scapy.NoSuchLayer", "udp.port==5000,Nope"])
def test_decode_as_an_unknown_scapy_layer_is_refused(rules, text: str) -> None:  # noqa: ANN001
    with pytest.raises(rules.DecodeAsError, match="no protocol"):
        rules.parse(text)


def test_cli_decode_as_scapy_in_v(rules, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "radius.pcap"
    scapy_all.wrpcap(str(path), [Ether(radius_on(5000))])
    p = build_parser()
    out, err = io.StringIO(), io.StringIO()
    args = finish_args(
        p, p.parse_args(["-r", str(path), "-V", "-d", "udp.port==5000,scapy.Radius"])
    )
    assert run_batch(args, out, err) == 0
    assert "RADIUS (decoded by scapy)" in out.getvalue()


def test_tui_dialog_offers_scapy_layers_once_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    from tui import decode_as as dialog
    from tui import source

    monkeypatch.setitem(source._SCAPY, "started", True)
    monkeypatch.setitem(source._SCAPY, "ready", False)
    assert not any(value.startswith("scapy.") for _shown, value in dialog.protocol_choices())
    monkeypatch.setitem(source._SCAPY, "ready", True)
    values = [value for _shown, value in dialog.protocol_choices()]
    assert "scapy.Radius" in values and "scapy.HSRP" in values and "http2" in values


def test_a_fragments_payload_is_not_handed_to_scapy(tmp_path: Path) -> None:
    """A fragment's bytes wait for the rest of their datagram: tshark shows them as data
    ("Fragmented IP protocol"), and scapy must not decode them (its ICMP filled the
    timestamps it lacked from the clock: two runs printed different values)."""
    frames = scapy_all.fragment(IP(src="10.1.0.1", dst="10.1.0.2") / scapy_all.ICMP()
                                / (b"x" * 3000), fragsize=1480)  # fmt: skip
    capture = tmp_path / "fragments.pcap"
    scapy_all.wrpcap(str(capture), [Ether() / f for f in frames])
    p = build_parser()
    args = finish_args(p, p.parse_args(["-r", str(capture), "-V"]))
    out = io.StringIO()
    assert run_batch(args, out=out, err=io.StringIO()) == 0
    assert "Data (1480 bytes)" in out.getvalue() and "scapy" not in out.getvalue()
