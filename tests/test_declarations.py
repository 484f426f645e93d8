"""What is per protocol lives on its declaration: explanations, colours, state, checksums.

Over every packet of the sample captures and tests/data: every field has an explanation on
its spec and rendering it never raises; every layer's state is None or an instance of the
class its protocol declares. Every protocol declares a colour, which the packet list, the
CLI's Rich output and the tree read. And a protocol copied from the template, touching no
other file, shows its fields, checksum status, colour and explanations everywhere.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import re
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dissect import output
from dissect.cli import Printer
from dissect.engine import (
    FIELDS,
    PROTOCOLS,
    TABLES,
    Packet,
    decode,
    inet_checksum,
    packet_json,
    tree_text,
)
from dissect.index import CaptureError, open_capture
from tui.explain import explain_field, explain_layer, explanation
from tui.widgets import layer_colour
from tui.widgets.packet_list import row_colours

ROOT = Path(__file__).resolve().parent.parent
CAPTURE_DIRS = (ROOT / "tests" / "data", ROOT / "captures")
SUFFIXES = (".pcap", ".pcapng", ".cap", ".gz")
COLOUR = re.compile(r"#[0-9a-f]{6}")


def sample_packets() -> Iterator[Packet]:
    for folder in CAPTURE_DIRS:
        for path in sorted(folder.rglob("*")):
            if path.suffix not in SUFFIXES:
                continue
            try:
                idx = open_capture(str(path))
            except CaptureError:
                continue  # the readers' own broken-file cases
            try:
                for r in idx:
                    yield decode(r.data, r.linktype, number=r.number, time_ns=r.time_ns,
                                 wirelen=r.wirelen, comment=r.comment)  # fmt: skip
            finally:
                idx.close()


@pytest.fixture(scope="module")
def packets() -> list[Packet]:
    pkts = list(sample_packets())
    assert len(pkts) > 1000
    return pkts


# -- explanations --------------------------------------------------------------------------------
def test_every_decoded_field_has_an_explanation_that_renders(packets: list[Packet]) -> None:
    missing: set[str] = set()
    seen: set[str] = set()
    for pkt in packets:
        for layer in pkt.layers:
            assert explain_layer(layer)
            for f in layer.walk():
                seen.add(f.spec.name)
                if not f.spec.explain:
                    missing.add(f.spec.name)
                text = explain_field(layer, f)  # never raises, whatever the value
                assert text and "No explanation" not in text, f.spec.name
    assert missing == set()
    assert len(seen) > 500  # the captures reach most of the decoders' fields


def test_every_decoded_fields_own_explanation_renders(packets: list[Packet]) -> None:
    """The declared sentence itself, not the view's fallback ("Label: value."): a function
    that raises or returns nothing for a value the captures hold fails here."""
    silent: dict[str, object] = {}
    for pkt in packets:
        for layer in pkt.layers:
            for f in layer.walk():
                if f.spec.name not in silent and not explanation(f.spec, f.value, layer):
                    silent[f.spec.name] = f.value
    assert silent == {}


SILENT_EXPLANATIONS = """
from dissect.engine import FIELDS, PROTOCOLS, Layer, Packet, decode
decode(b"", 1)
values = {"uint": 0, "bits": 0, "flag": 0, "int": 0, "bool": False, "bytes": b"", "text": "",
          "str": "", "mac": "00:00:5e:00:53:01", "ipv4": "192.0.2.1", "ipv6": "2001:db8::1",
          "time_ns": 0, "float": 0.0}
silent = {}
for name, spec in FIELDS.items():
    proto = PROTOCOLS.get(name.split(".")[0]) or PROTOCOLS["data"]
    pkt = Packet(bytes(64), 1)
    layer = Layer(proto, pkt, 0, 64)
    pkt.layers.append(layer)
    entry = spec.explain
    try:
        text = entry(values.get(spec.kind, 0), layer) if callable(entry) else entry
        if not text:
            silent[name] = "empty"
    except Exception as exc:
        silent[name] = f"{type(exc).__name__}: {exc}"
print(silent)
"""


def test_every_registered_fields_explanation_renders_for_a_value_of_its_kind() -> None:
    """Fields the captures never reach too: each explanation function gives a sentence for
    a plain value of its kind on a bare layer of its protocol, and does not raise. In a
    fresh process: other tests register fields of their own."""
    proc = subprocess.run([sys.executable, "-c", SILENT_EXPLANATIONS], capture_output=True,
                          text=True, cwd=ROOT, timeout=120, check=True)  # fmt: skip
    assert proc.stdout.strip() == "{}"


def test_every_declared_field_and_protocol_has_an_explanation() -> None:
    """In a fresh process: other tests register fields and protocols of their own."""
    code = (
        "from dissect.engine import FIELDS, PROTOCOLS, decode; decode(b'', 1)\n"
        "fields = [n for n, s in FIELDS.items()\n"
        "          if not (callable(s.explain) or (type(s.explain) is str and s.explain))]\n"
        "print(fields, [n for n, p in PROTOCOLS.items() if not p.explain])"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, check=True)  # fmt: skip
    assert proc.stdout.strip() == "[] []"  # a sentence or fn(value, layer) -> sentence


def test_explanations_say_what_this_value_means() -> None:
    pkt = decode(icmpv6_echo(), 1, strict=True)
    icmp6 = pkt.layer("icmpv6")
    text = explain_field(icmp6, icmp6.get("icmpv6.type"))
    assert text.startswith("Type 128, Echo (ping) request (informational): a ping")
    ipv6 = pkt.layer("ipv6")
    assert "link-local" in explain_field(ipv6, ipv6.get("ipv6.src"))
    # a fixed sentence on a field with value names gets the value's name after it
    eth = pkt.layer("eth")
    assert explain_field(eth, eth.get("eth.type")).endswith("Here: IPv6 (0x86dd).")
    # the declared checksum field says what its status found
    assert "Checksum verified" in explain_field(icmp6, icmp6.get("icmpv6.checksum"))


def test_packet_text_in_an_explanation_is_escaped() -> None:
    body = b"GET / HTTP/1.1\r\nHost: \x1b[31mevil\x1b]0;x\x07\r\n\r\n"
    pkt = decode(tcp_frame(body, 80), 1)
    layer = pkt.layer("http")
    text = explain_field(layer, layer.get("http.host"))
    assert "\x1b" not in text and "\x07" not in text and "\\x1b" in text


# -- state -----------------------------------------------------------------------------------
def test_every_layer_state_is_its_protocols_declared_class(packets: list[Packet]) -> None:
    kept: set[str] = set()
    for pkt in packets:
        for layer in pkt.layers:
            state, cls = layer.state, layer.protocol.state
            if state is None:
                continue
            assert cls is not None and isinstance(state, cls), (layer.protocol.name, state)
            kept.add(layer.protocol.name)
    assert {"arp", "dns", "http", "icmp", "llc", "ntp", "tls"} <= kept


def test_state_classes_are_slotted() -> None:
    decode(b"", 1)
    for proto in PROTOCOLS.values():
        if proto.state is not None:
            assert hasattr(proto.state, "__slots__") and proto.state.__doc__, proto.name


# -- colours ---------------------------------------------------------------------------------
def test_every_protocol_declares_a_colour_shared_by_its_short_name() -> None:
    decode(b"", 1)
    by_short: dict[str, set[str]] = {}
    for proto in PROTOCOLS.values():
        assert COLOUR.fullmatch(proto.colour), proto.name
        by_short.setdefault(proto.short, set()).add(proto.colour)
    assert {short: c for short, c in by_short.items() if len(c) > 1} == {}


def test_icmpv6_rows_are_coloured_like_every_protocol() -> None:
    pkt = decode(icmpv6_echo(), 1, strict=True)
    s = output.summarize(pkt)
    assert s.protocol == "ICMPv6" and s.colour == PROTOCOLS["icmpv6"].colour
    assert row_colours(s)[0] == PROTOCOLS["icmpv6"].colour  # the row's tint


def test_tree_and_hex_colours_follow_the_protocol_not_the_position() -> None:
    v6 = decode(icmpv6_echo(), 1, strict=True)
    v4 = decode(tcp_frame(b"", 9), 1, strict=True)
    assert layer_colour(v6.layer("eth")) == layer_colour(v4.layer("eth")) == PROTOCOLS["eth"].colour
    assert layer_colour(v6.layer("icmpv6")) == PROTOCOLS["icmpv6"].colour
    assert layer_colour(v4.layer("tcp")) == PROTOCOLS["tcp"].colour
    assert layer_colour(v4.layers[0]) == ""  # the frame pseudo-layer owns no bytes


def test_cli_rich_rows_use_the_declared_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("COLORTERM", "truecolor")
    monkeypatch.setenv("TERM", "xterm-256color")

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    args = argparse.Namespace(format="text", verbose=False, spans=False, hexdump=False)
    printer = Printer(args, out)
    assert printer.console is not None
    printer.packet(decode(icmpv6_echo(), 1, strict=True))
    r, g, b = (int(PROTOCOLS["icmpv6"].colour[i : i + 2], 16) for i in (1, 3, 5))
    assert f"\x1b[38;2;{r};{g};{b}m" in out.getvalue()


# -- checksums ---------------------------------------------------------------------------------
def test_an_icmpv6_error_checks_its_own_checksum_not_the_quoted_ones() -> None:
    quoted = icmpv6_echo()[14:]  # the IPv6 packet the error quotes, its ICMPv6 checksum good
    body = struct.pack("!BBHI", 1, 4, 0, 0) + quoted  # port unreachable
    pkt = decode(ipv6_frame(58, body), 1, strict=True)
    assert [la.name for la in pkt.layers[1:6]] == ["eth", "ipv6", "icmpv6", "ipv6", "icmpv6"]
    assert [f.value for f in pkt.find("icmpv6.checksum.status")] == ["good", "unverified"]


# -- the template: a protocol in one file ----------------------------------------------------
@pytest.fixture
def template_protocol(tmp_path: Path) -> Iterator[object]:
    """_template.py copied as a newcomer would (names and port changed), loaded as a module
    of dissect.protocols; unregistered afterwards so no other test sees it."""
    source = (ROOT / "dissect" / "protocols" / "_template.py").read_text()
    source = source.replace('"example', '"tmplcopy').replace("{example.", "{tmplcopy.")
    source = source.replace("65535", "61999")
    source = source.replace('"EXAMPLE"', '"TMPLCOPY"').replace('"#d7afff"', '"#123456"')
    name = "dissect.protocols.tmplcopy"
    path = tmp_path / "tmplcopy.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(name, None)
        PROTOCOLS.pop("tmplcopy", None)
        TABLES.get("udp.port", {}).pop(61999, None)
        for field in [n for n in FIELDS if n.startswith("tmplcopy.")]:
            del FIELDS[field]


def template_message(kind: int, good: bool = True) -> bytes:
    body = struct.pack("!BBHH", 1, kind, 10, 0) + b"ping"
    ck = inet_checksum(body) if good else 0x1234
    return body[:4] + struct.pack("!H", ck) + body[6:]


def test_a_protocol_copied_from_the_template_works_everywhere(template_protocol: object) -> None:
    pkt = decode(udp_frame(template_message(1), 61999), 1, strict=True)
    layer = pkt.layer("tmplcopy")
    assert layer is not None and layer.status == "ok"
    assert layer.state == template_protocol.ExampleState(10)
    text = tree_text(pkt)
    assert "Layer 7 · Application — Example Protocol, Version: 1\n" in text  # declared title
    assert "Type: Request (1)" in text and "[Checksum Status: good]" in text
    assert "Value: 70:69:6e:67" in text
    fields = {f["name"]: f for la in json.loads(packet_json(pkt))["layers"] for f in la["fields"]}
    assert fields["tmplcopy.type"]["show"] == "Request (1)"
    assert fields["tmplcopy.checksum.status"]["value"] == "good"
    s = output.summarize(pkt)
    assert (s.protocol, s.info, s.colour) == ("TMPLCOPY", "Example Request, 10 bytes", "#123456")
    assert layer_colour(layer) == "#123456"
    assert explain_field(layer, layer.get("tmplcopy.type")) == (
        "Type 1: the receiver should answer it."
    )
    assert explain_field(layer, layer.get("tmplcopy.version")) == (
        "Which version of the protocol the sender speaks."
    )
    assert "Checksum verified" in explain_field(layer, layer.get("tmplcopy.checksum"))
    assert explain_layer(layer).startswith("One sentence for the OSI panel")


def test_the_templates_checksum_warns_when_wrong(template_protocol: object) -> None:
    pkt = decode(udp_frame(template_message(2, good=False), 61999), 1, strict=True)
    layer = pkt.layer("tmplcopy")
    assert layer.value("tmplcopy.checksum.status") == "bad"
    assert [i.code for i in layer.issues] == ["tmplcopy.checksum.bad"]
    assert output.summarize(pkt).bad_checksum
    assert "Checksum wrong" in explain_field(layer, layer.get("tmplcopy.checksum"))


# -- frames -------------------------------------------------------------------------------------
ETH_V4 = bytes.fromhex("001122334455 66778899aabb 0800")
ETH_V6 = bytes.fromhex("333300000001 66778899aabb 86dd")
SRC6 = bytes.fromhex("fe800000000000000000000000000001")
DST6 = bytes.fromhex("fe800000000000000000000000000002")


def ipv4_frame(proto: int, l4: bytes) -> bytes:
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0x4000, 64, proto, 0,
                     bytes((10, 0, 0, 1)), bytes((10, 0, 0, 2)))  # fmt: skip
    ip = ip[:10] + struct.pack("!H", inet_checksum(ip)) + ip[12:]
    return ETH_V4 + ip + l4


def udp_frame(payload: bytes, dport: int) -> bytes:
    return ipv4_frame(17, struct.pack("!HHHH", 40000, dport, 8 + len(payload), 0) + payload)


def tcp_frame(payload: bytes, dport: int) -> bytes:
    tcp = struct.pack("!HHIIBBHHH", 40000, dport, 1, 1, 0x50, 0x18, 8192, 0, 0)
    return ipv4_frame(6, tcp + payload)


def ipv6_frame(nxt: int, payload: bytes) -> bytes:
    if nxt == 58:  # fill in the ICMPv6 checksum over the pseudo-header
        pseudo = SRC6 + DST6 + struct.pack("!IxxxB", len(payload), 58)
        ck = inet_checksum(pseudo + payload[:2] + b"\0\0" + payload[4:])
        payload = payload[:2] + struct.pack("!H", ck) + payload[4:]
    head = struct.pack("!IHBB", 0x60000000, len(payload), nxt, 64) + SRC6 + DST6
    return ETH_V6 + head + payload


def icmpv6_echo() -> bytes:
    return ipv6_frame(58, struct.pack("!BBHHH", 128, 0, 0, 7, 1) + b"abcd")
