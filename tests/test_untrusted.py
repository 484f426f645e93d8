"""Untrusted text on screen (issue 6, part 4): payloads and names carrying CSI, an OSC
title change, 8-bit CSI (0x9b), a bidi override (U+202E), NUL and Rich/Textual markup
show inert in every TUI widget, in dialogs and toasts, and in the CLI.

The hostile text sits in an HTTP request line and headers, a DNS name, a TLS SNI, pcapng
section/packet comments and an interface name, and the capture's file name. Pilot tests
read what Textual composes for the screen (every segment of every line) and the Text of
off-screen rows; a tmux test runs the real app in a terminal and reads the pane title,
its colours, and clicks the markup. tests/test_cli.py covers CSI/OSC/markup in the CLI
piped and on a pty; the CLI tests here add the DNS/TLS/pcapng/bidi/NUL cases.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.text import Text
from textual.events import Paste
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widgets import OptionList, Static, TextArea
from textual.worker import WorkerCancelled

from dissect import capture
from dissect.capture import InterfaceInfo
from dissect.cli import build_parser, list_interfaces_cmd, run_live
from dissect.engine import safe_text, unsafe_char
from dissect.readers.writer import PcapngWriter
from tests.inert import assert_inert_bytes, assert_inert_text, first_unsafe
from tests.test_cli import ROOT, SAMPLE, SGR, cli, read_pty, run
from tests.test_robust import ether, ipv4, udp
from tests.tmuxlib import Tmux
from tui.app import LayerscopeApp
from tui.app import run as tui_run
from tui.screens import CopyScreen, OpenFileScreen, PasteHexScreen, describe_preview
from tui.source import HexPreview, PacketSource
from tui.widgets.field_tree import FieldTree
from tui.widgets.hex_pane import HexPane
from tui.widgets.packet_list import PacketList

SCRIPT = Path(sys.executable).parent / "layerscope"
MARKUP = ("[bold]", "[/b]", "[TODO]", "[link=https://x]", "[@click=app.quit]")
EVIL = ("\x1b[31mRED\x1b[5;9;38;5;201mLOUD\x1b]0;pwned\x07\u009b31m\u202eRTL\x00NUL"
        "[bold]B[/b][TODO][link=https://x]L[/link][@click=app.quit]Q"
        "\u061cALM\u2066ISO\u200bZW\ufeffBOM\u2028LS")  # fmt: skip
EVIL_BYTES = EVIL.encode() + b"\x9b2J"  # and a raw 8-bit CSI, not UTF-8
# no '/' in a name; \udc9b is the byte 0x9b of a name that is not UTF-8 (surrogateescape)
EVIL_NAME = "\x1b]0;pwned\x07\u202e\u061c[bold]x[TODO][@click=app.quit]\udc9b.pcapng"
EVIL_NAME_SHOWN = "\\x1b]0;pwned\\x07\\u202e\\u061c[bold]x[TODO][@click=app.quit]\\udc9b.pcapng"
SIZE = (200, 60)
Body = Callable[[LayerscopeApp, Pilot], Awaitable[None]]


# -- the hostile capture ---------------------------------------------------------------------
def tcp(port: int) -> bytes:
    return struct.pack("!HHIIBBHHH", 40000, port, 1, 0, 0x50, 0x18, 512, 0, 0)


def ip_frame(proto: int, l4: bytes, payload: bytes) -> bytes:
    return ether(0x0800) + ipv4(proto, len(l4) + len(payload)) + l4 + payload


def dns_query(name: bytes) -> bytes:
    labels = b"".join(bytes([len(name[i : i + 60])]) + name[i : i + 60]
                      for i in range(0, len(name), 60))  # fmt: skip
    return struct.pack("!HHHHHH", 1, 0x0100, 1, 0, 0, 0) + labels + b"\0\0\x01\0\x01"


def client_hello(sni: bytes) -> bytes:
    ext = struct.pack("!HBH", len(sni) + 3, 0, len(sni)) + sni
    exts = struct.pack("!HH", 0, len(ext)) + ext
    hello = (b"\x03\x03" + bytes(32) + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00"
             + struct.pack("!H", len(exts)) + exts)  # fmt: skip
    hs = b"\x01" + len(hello).to_bytes(3, "big") + hello
    return struct.pack("!BHH", 22, 0x0301, len(hs)) + hs


def hostile_frames(evil: bytes = EVIL_BYTES) -> list[bytes]:
    """HTTP (URI, Host, User-Agent), a DNS name, a TLS SNI, and a raw UDP payload."""
    http = (b"GET /" + evil.replace(b" ", b"_") + b" HTTP/1.1\r\nHost: " + evil
            + b"\r\nUser-Agent: " + evil + b"\r\n\r\n")  # fmt: skip
    dns = dns_query(evil)
    tls = client_hello(evil)
    return [
        ip_frame(6, tcp(80), http),
        ip_frame(17, udp(53, len(dns)), dns),
        ip_frame(6, tcp(443), tls),
        ip_frame(17, udp(9, len(evil)), evil),
    ]


def write_capture(path: Path, evil: str = EVIL) -> Path:
    evil_bytes = evil.encode() + (b"\x9b2J" if evil == EVIL else b"xxx")
    with PcapngWriter(path, comment=evil) as w:
        w.add_interface(1, name=evil)
        for n, frame in enumerate(hostile_frames(evil_bytes)):
            w.write(frame, 1_700_000_000_000_000_000 + n, comment=evil)
    return path


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    return write_capture(tmp_path / EVIL_NAME)


# -- what the screen shows ---------------------------------------------------------------------
def check_strips(strips: list[Strip], where: str) -> str:
    """No control or bidi character in any segment, no link or click action from packet
    text; returns the text, one line per strip."""
    lines = []
    for y, strip in enumerate(strips):
        line = "".join(seg.text for seg in strip)
        assert_inert_text(line, f"{where}: line {y}", keep="")  # one screen line: no \n either
        for seg in strip:
            style = seg.style
            if style is not None and ("pwned" in seg.text or "[@click" in seg.text):
                assert not style.link and not (style.meta or {}).get("@click"), (where, seg)
        lines.append(line)
    return "\n".join(lines)


def screen_text(app: LayerscopeApp, where: str) -> str:
    """Everything Textual composed for the current screen (modal dialogs and toasts too)."""
    return check_strips(app.screen._compositor.render_strips(), where)


def check_text(text: object, where: str) -> None:
    """A rich Text, Textual Content or str: no control character; no link or action."""
    plain = str(getattr(text, "plain", text))
    assert_inert_text(plain, where)
    if isinstance(text, Text):
        for span in text.spans:
            style = span.style
            assert isinstance(style, str) or not (style.link or style.meta), (where, span)


async def settle(pilot: Pilot) -> None:
    """Let workers finish and their messages land. With the Open dialog up, only pause:
    its DirectoryTree keeps a loader worker running for as long as it is shown."""
    for _ in range(4):
        if not isinstance(pilot.app.screen, OpenFileScreen):
            try:
                await pilot.app.workers.wait_for_complete()
            except WorkerCancelled:  # the file picker's loader, once the dialog closes
                pass
        await pilot.pause(0.05)


def run_app(path: Path, body: Body) -> None:
    async def main() -> None:
        app = LayerscopeApp(PacketSource.open(path))
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            await body(app, pilot)
            assert app.is_running

    asyncio.run(main())


async def select_row(app: LayerscopeApp, pilot: Pilot, row: int) -> FieldTree:
    app.screen.query_one(PacketList).cursor = row
    await settle(pilot)
    tree = app.screen.query_one(FieldTree)
    tree.action_expand_all()
    await settle(pilot)
    return tree


HOSTILE_FIELDS = ("http.request.uri", "http.user_agent", "dns.qry.name",
                  "tls.handshake.extensions_server_name", "frame.comment", "data.data")  # fmt: skip


def offscreen_texts(app: LayerscopeApp) -> list[tuple[str, Text]]:
    """The Text of every tree node, hex row and list row, visible or not."""
    out: list[tuple[str, Text]] = []
    tree = app.screen.query_one(FieldTree)
    stack = list(tree.root.children)
    while stack:
        node = stack.pop()
        out.append(("tree", node.label))
        stack.extend(node.children)
    hexpane = app.screen.query_one(HexPane)
    out += [("hex", hexpane._row_text(r)) for r in range(len(hexpane.packet.data) // 16 + 1)]
    plist = app.screen.query_one(PacketList)
    out += [("list", plist._row_text(plist.summary(r))) for r in range(plist.count)]
    return out


# -- Pilot tests -------------------------------------------------------------------------------
def test_every_pane_shows_hostile_packets_inert(hostile: Path) -> None:
    """List, tree (every node), explain line, hex pane and its bit line, OSI panel and status
    bar, for each hostile packet with its hostile field selected."""

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        seen = ""
        for row in range(4):
            tree = await select_row(app, pilot, row)
            for name in HOSTILE_FIELDS:
                f = tree.packet.get(name) if tree.packet else None
                if f is not None:
                    tree.select_field(f)
                    await pilot.pause()
                    seen += screen_text(app, f"row {row} {name}")
                    check_text(app.screen.query_one("#explain", Static).render(), name)
            for where, text in offscreen_texts(app):
                check_text(text, f"row {row} {where}")
            await pilot.press("l")  # the OSI panel
            await pilot.pause()
            seen += screen_text(app, f"row {row} OSI panel")
            await pilot.press("l")
        for m in MARKUP:
            assert m in seen, m  # shown literally, not interpreted
        assert "pwned" in seen and "\\x1b" in seen and "\\u202e" in seen

    run_app(hostile, body)


def test_status_bar_and_file_name(hostile: Path) -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        status = app.screen.query_one("#status", Static)
        check_text(status.render(), "status bar")
        text = screen_text(app, "main screen")
        assert EVIL_NAME_SHOWN in text

    run_app(hostile, body)


def test_paste_dialog_shows_a_hostile_dump_inert(hostile: Path) -> None:
    dump = f"{EVIL}\n{hostile_frames()[0][:64].hex(' ')}\n{EVIL} again\n"

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PasteHexScreen)
        assert isinstance(app.focused, TextArea)
        app.post_message(Paste(dump))  # as a terminal delivers it: to the app, then the focus
        await settle(pilot)
        text = screen_text(app, "paste dialog")
        assert "Ignored lines: 2" in text and "[bold]B[/b]" in text and "␛" in text
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.query_one(PacketList).count == 5
        screen_text(app, "after paste (toast)")

    run_app(hostile, body)


@pytest.mark.parametrize("key", ["o", "slash", "p"])
def test_pasting_into_any_input_shows_controls_as_symbols(hostile: Path, key: str) -> None:
    """Input and TextArea draw their text as it is: the app turns a paste's controls into
    visible symbols first (the path box, the display filter bar, the paste box)."""

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        await pilot.press(key)
        await settle(pilot)
        app.post_message(Paste(EVIL + "\n4500"))
        await settle(pilot)
        text = screen_text(app, f"paste after {key!r}")
        assert "␛[31mRED" in text and "[@click=app.quit]" in text
        await pilot.press("escape")

    run_app(hostile, body)


def test_copy_dialog_and_its_toast(hostile: Path) -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        tree = await select_row(app, pilot, 0)
        f = tree.packet.get("http.user_agent")
        tree.select_field(f)
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CopyScreen)
        screen_text(app, "copy dialog")
        app.screen.query_one(OptionList).highlighted = 0
        await pilot.press("enter")
        await settle(pilot)
        assert app.clipboard == f.show  # what is copied is the escaped value too
        toast = screen_text(app, "copy toast")  # says where it went, not just "Copied"
        assert "http.user_agent" in toast and "OSC 52" in toast

    run_app(hostile, body)


def test_open_dialog_lists_hostile_file_names(
    hostile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file picker lists names as text (its root, the working directory, too); a
    hostile non-capture gives an inert error."""
    here = tmp_path / ("\u061c\x1b]0;dir\x07\udc9b")
    here.mkdir()
    bad = here / ("\x1b[2J\x9b[@click=app.quit]\u202enot-a-capture.pcap")
    bad.write_bytes(b"\x1b]0;pwned\x07 " * 10)
    monkeypatch.chdir(here)

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, OpenFileScreen)
        text = screen_text(app, "open dialog")
        assert "[@click=app.quit]" in text and "\\u061c\\x1b]0;dir\\x07\\udc9b" in text
        app.screen.dismiss(str(bad))
        await settle(pilot)
        screen_text(app, "open error toast")
        # the message, not the screen: the toast wraps it where the path's length says
        (message,) = [n.message for n in app._notifications if n.title == "Cannot open"]
        check_text(message, "open error toast")
        assert "not a pcap or pcapng file" in message and "[@click=app.quit]" in message

    run_app(hostile, body)


def test_toasts_escape_their_message_and_title(hostile: Path) -> None:
    """Every toast goes through the app's notify: a message quoting a path, an OS error
    or a filter shows its controls as escapes, whoever posts it."""

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        app.screen.notify(EVIL, title=EVIL, markup=False)
        await settle(pilot)
        text = screen_text(app, "toast")
        assert "\\u061cALM" in text and "\\x1b]0;pwned\\x07" in text

    run_app(hostile, body)


def test_filter_errors_show_escaped_and_as_text(hostile: Path) -> None:
    """A filter from -Y (raw controls) or a paste: the bar draws it with controls as
    symbols; its error in the bar's border and in the toast is text, not markup."""

    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        app.screen.apply_filter("tcp.port == \x1b]0;pwned\x07\u061c")
        await settle(pilot)
        assert "unexpected character" in screen_text(app, "filter error toast")
        await pilot.press("slash")
        await settle(pilot)
        app.post_message(Paste('"[@click=app.quit]X"'))
        await settle(pilot)
        text = screen_text(app, "filter bar error")
        assert '"[@click=app.quit]X" is a string, not a field' in text  # literal, not markup

    run_app(hostile, body)


def test_initial_display_filter_with_controls(hostile: Path) -> None:
    async def main() -> None:
        app = LayerscopeApp(PacketSource.open(hostile))
        app.initial_filter = 'http.host contains "\x1b]0;pwned\x07\u202e"'
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            assert "␛]0;pwned␇" in screen_text(app, "-Y in the filter bar")

    asyncio.run(main())


def test_paste_preview_error_is_escaped() -> None:
    check_text(describe_preview(HexPreview(error=f"could not parse: {EVIL}"), None), "preview")


def test_tui_start_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / EVIL_NAME
    bad.write_bytes(b"not a capture")
    assert tui_run(argparse.Namespace(read=str(bad))) == 1
    err = capsys.readouterr().err
    assert err.startswith("layerscope: error: ") and EVIL_NAME_SHOWN in err
    assert_inert_text(err)


def find_cell(text: str, needle: str) -> tuple[int, int]:
    """(x, y) screen cell of the first occurrence of needle."""
    for y, line in enumerate(text.splitlines()):
        i = line.find(needle)
        if i >= 0:
            return cell_len(line[:i]), y
    raise AssertionError(f"{needle!r} not on screen")


def test_clicking_rendered_markup_fires_nothing(hostile: Path) -> None:
    async def body(app: LayerscopeApp, pilot: Pilot) -> None:
        fired: list[str] = []

        async def quit_() -> None:
            fired.append("quit")

        app.action_quit = quit_  # type: ignore[method-assign]
        app.open_url = lambda url, **kw: fired.append(url)  # type: ignore[method-assign]
        tree = await select_row(app, pilot, 0)
        x, y = find_cell(screen_text(app, "before clicks"), "     2 ")
        await pilot.click(offset=(x + 5, y))  # positive control: a click selects packet 2
        await settle(pilot)
        assert app.screen.query_one(PacketList).cursor == 1
        tree.action_expand_all()
        await pilot.pause()
        lines = screen_text(app, "before clicks").splitlines()
        for needle in ("[@click=app.quit]", "[link=https://x]", "[bold]"):
            spots = [(cell_len(ln[: ln.index(needle)]) + 3, y)
                     for y, ln in enumerate(lines) if needle in ln]  # fmt: skip
            assert spots, needle
            for x, y in spots:  # list row, tree lines, status bar: wherever it is drawn
                await pilot.click(offset=(x, y))
                await pilot.pause()
        assert fired == [] and app.is_running

    run_app(hostile, body)


# -- the CLI -----------------------------------------------------------------------------------
def check_output(out: str) -> None:
    assert_inert_text(out, "output")
    for m in MARKUP:
        assert m in out, m


@pytest.mark.parametrize("flags", [["-V"], ["-x"], ["-V", "-x", "--spans"]])
def test_cli_piped(hostile: Path, flags: list[str]) -> None:
    rc, out, err = run("-r", str(hostile), *flags)
    assert (rc, err) == (0, "")
    check_output(out)
    if "-V" in flags:
        for shown in ("Server Name: \\x1b[31mRED", "Name: \\x1b[31mRED", "Comment: \\x1b[31mRED"):
            assert shown in out, shown
        assert "\\u202e" in out


def test_cli_json_keeps_the_text_escaped_by_json(hostile: Path) -> None:
    rc, out, _ = run("-r", str(hostile), "-T", "json")
    assert rc == 0 and "\x1b" not in out and "\\u001b" in out
    frame = json.loads(out)[0]["layers"][0]
    comment = next(f for f in frame["fields"] if f["name"] == "frame.comment")
    assert comment["value"] == EVIL.split("\x00")[0]  # the reader stops at NUL


def test_cli_on_a_terminal(hostile: Path) -> None:
    rc, out, err = read_pty([str(SCRIPT), "-r", str(hostile), "-V", "-x"])
    assert rc == 0 and b"Traceback" not in err, err
    plain = SGR.sub(b"", out).replace(b"\r\n", b"\n").decode()
    check_output(plain)
    assert b"\x1b]" not in out and b"\x07" not in out and b"\xc2\x9b" not in out


def test_cli_error_line_with_a_hostile_file_name(tmp_path: Path) -> None:
    bad = tmp_path / ("\x1b]0;pwned\x07\u202e[bold]x[@click=app.quit]\x9b.pcap")
    bad.write_bytes(b"plain text, not a capture")
    rc, out, err = run("-r", str(bad))
    assert rc == 2 and out == "" and len(err.splitlines()) == 1
    assert_inert_text(err)
    assert "\\x1b]0;pwned\\x07\\u202e[bold]x[@click=app.quit]\\x9b.pcap" in err


# Each kind of character a terminal may act on, and the escape it is shown as.
ESCAPED = (
    ("\x1b", "\\x1b"), ("\x07", "\\x07"), ("\x00", "\\x00"), ("\x7f", "\\x7f"),
    ("\x9b", "\\x9b"), ("\x85", "\\x85"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"),
    ("\u061c", "\\u061c"), ("\u200e", "\\u200e"), ("\u200f", "\\u200f"),
    ("\u202a", "\\u202a"), ("\u202e", "\\u202e"), ("\u2066", "\\u2066"),
    ("\u2069", "\\u2069"), ("\u200b", "\\u200b"), ("\ufeff", "\\ufeff"), ("\xad", "\\xad"),
    ("\u2028", "\\u2028"), ("\u2029", "\\u2029"), ("\U000e0041", "\\U000e0041"),
    ("\udc9b", "\\udc9b"), ("\ud800", "\\ud800"), ("\U0010ffff", "\\U0010ffff"),
)  # fmt: skip


@pytest.mark.parametrize(("ch", "shown"), ESCAPED)
def test_safe_text_escapes_each_kind_of_control(ch: str, shown: str) -> None:
    # ascii(): a failure report holding a lone surrogate could not be sent between workers
    assert ascii(safe_text(f"a{ch}b")) == ascii(f"a{shown}b")
    assert unsafe_char(ch)


def test_safe_text_keeps_what_is_drawn() -> None:
    drawn = "GET /é 中文 → … \xa0nbsp \u3000wide \ue000icon 😀 \\x1b-literal"
    assert safe_text(drawn) == drawn
    assert safe_text("x" * 600, 512) == "x" * 512 + "…"


def test_safe_text_memory_is_bounded() -> None:
    """What each character is shown as is kept for the next text, up to a bound."""
    from dissect import engine as fields

    many = "".join(map(chr, range(0x4E00, 0x4E00 + 3 * fields.SHOWN_MAX))) + "\n"
    assert safe_text(many, len(many)) == many[:-1] + "\\n"
    assert len(fields._SHOWN) <= fields.SHOWN_MAX


@given(st.text(st.characters(codec=None), max_size=60))  # surrogates included
def test_safe_text_output_is_inert_and_encodable(s: str) -> None:
    out = safe_text(s, 300)
    assert_inert_text(out, keep="")
    out.encode("utf-8")  # no lone surrogate left: any stream can write it
    assert safe_text(out, 1000) == out  # escaping twice changes nothing
    if s.isprintable() or first_unsafe(s) is None:
        assert out == s


# Text a terminal would act on, of every kind, for what the CLI prints.
WIDE = "\x1b[31mRED\x1b]0;pwned\x07\x9b2J\u061cALM\u202eRTL\u2066ISO\u200bZW\x00NUL"


@pytest.mark.parametrize(
    "flt",
    ["foo\x1b]0;pwned\x07 == 1", 'http.host == "a" "\x1b]0;pwned\x07"',
     'ip.src == "\u061c\u202eRTL"', '"\x9b[2J"', "tcp.port == 80 \udc9b"],
)  # fmt: skip
def test_filter_error_lines_escape_the_filter(flt: str) -> None:
    rc, out, err = run("-r", str(SAMPLE), "-Y", flt)
    assert rc == 2 and out == ""
    assert_inert_text(err)
    message, echo, caret = err.splitlines()
    assert message.startswith("layerscope: error: display filter: ")
    assert echo == "    " + safe_text(flt)


def test_filter_caret_points_at_the_escaped_part() -> None:
    _rc, _out, err = run("-r", str(SAMPLE), "-Y", "foo\x1b]0;pwned\x07 == 1")
    assert err.splitlines() == [
        'layerscope: error: display filter: unexpected character "\\x1b" (column 4)',
        "    foo\\x1b]0;pwned\\x07 == 1",
        "       ^~~~",
    ]


def test_cli_prints_wide_hostile_text_inert(tmp_path: Path) -> None:
    """Summary lines, -V, -x and JSON of packets whose HTTP headers, DNS name, TLS SNI,
    payload and pcapng comments carry bidi and format characters as well as escapes."""
    path = write_capture(tmp_path / "wide.pcapng", WIDE)
    for flags in ([], ["-V"], ["-x"], ["-V", "--spans"], ["-T", "json"], ["-T", "jsonl"]):
        rc, out, err = run("-r", str(path), *flags)
        assert (rc, err) == (0, "")
        assert_inert_text(out, str(flags))
        proc = cli("-r", str(path), *flags)  # through the real stdout encoder
        assert proc.returncode == 0 and proc.stderr == b""
        assert_inert_bytes(proc.stdout, str(flags))
    _rc, out, _err = run("-r", str(path), "-V")
    assert "Name: \\x1b[31mRED" in out and "\\u061cALM\\u202eRTL\\u2066ISO\\u200bZW" in out


def hostile_name(tmp_path: Path, what: str) -> bytes:
    """A file name as bytes: escapes, U+061C and U+202E in UTF-8, and bytes that are not
    UTF-8 at all (0x9b, 0xff), which Python holds as lone surrogates."""
    return os.fsencode(tmp_path) + b"/\x1b]0;pwned\x07\xd8\x9c\xe2\x80\xae\x9b\xff" + what.encode()


def test_error_lines_for_hostile_file_names(tmp_path: Path) -> None:
    missing = hostile_name(tmp_path, "missing.pcap")
    directory = hostile_name(tmp_path, "dir.pcap")
    os.mkdir(directory)
    text = hostile_name(tmp_path, "text.pcap")
    with open(text, "wb") as f:
        f.write(b"plain text, not a capture")
    for path in (missing, directory, text):
        proc = cli(b"-r", path)
        assert proc.returncode == 2 and proc.stdout == b""
        assert_inert_bytes(proc.stderr, repr(path))
        (line,) = proc.stderr.decode().splitlines()
        assert line.startswith("layerscope: error: ") and "pwned" in line


def test_argument_errors_and_warnings_escaped(tmp_path: Path) -> None:
    proc = cli(str(SAMPLE), WIDE.replace("\x00", ""), b"\x9b\xff")  # a stray argument
    assert proc.returncode == 2
    assert_inert_bytes(proc.stderr)
    assert "unrecognized arguments: \\x1b[31mRED" in proc.stderr.decode()
    paste = f"{WIDE}\n{hostile_frames()[3].hex(' ')}\n".encode() + b"\x9b\xff trailing\n"
    proc = cli("--hex", "-", input=paste)
    assert proc.returncode == 0 and b"ignored 2 line(s)" in proc.stderr
    assert_inert_bytes(proc.stderr)
    assert_inert_bytes(proc.stdout)


def test_interface_list_escapes_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """-D: names, descriptions and addresses are whatever the system (or a container
    next to us) calls them."""
    evil = InterfaceInfo(WIDE, "up", [f"fe80::1%{WIDE}"], 1, description=WIDE)
    plain = InterfaceInfo("lo", "up, running", ["127.0.0.1"], 772)
    monkeypatch.setattr(capture, "list_interfaces", lambda: [plain, evil])
    out = io.StringIO()
    assert list_interfaces_cmd(out) == 0
    assert_inert_text(out.getvalue())
    assert len(out.getvalue().splitlines()) == 2 and "\\u061cALM" in out.getvalue()


def test_listening_line_escapes_interface_and_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The capture's opening line quotes -i and the -w path: a capture that is already
    over (so nothing runs) goes through run_live's printing."""
    path = str(tmp_path / EVIL_NAME)
    args = build_parser().parse_args(["-i", WIDE, "-w", path, "-q"])
    live = capture.LiveCapture(capture.live_options(args))
    live.ready = {"linktype": 1, "snaplen": 262144}
    live._exited.set()
    live.start = lambda: live  # type: ignore[method-assign]
    monkeypatch.setattr(capture, "LiveCapture", lambda options, launcher: live)
    out, err = io.StringIO(), io.StringIO()
    assert run_live(args, None, out, err) == 0
    assert_inert_text(err.getvalue())
    first = err.getvalue().splitlines()[0]
    assert first.startswith("layerscope: listening on \\x1b[31mRED") and EVIL_NAME_SHOWN in first


def test_log_records_reach_stderr_escaped() -> None:
    """A reader bug is logged with the file's name and the exception; with no logging set
    up, logging's last-resort handler prints the record: escaped like the error lines."""
    code = ("import logging, sys\nfrom dissect.cli import guarded\n"
            "def fn():\n"
            "    try:\n        raise ValueError(sys.argv[2])\n"
            "    except ValueError:\n"
            "        logging.getLogger('dissect.index').exception('opening %s', sys.argv[1])\n"
            "    return 0\n"
            "sys.exit(guarded(fn))\n")  # fmt: skip
    name = os.fsencode(EVIL_NAME)
    proc = subprocess.run([sys.executable, "-c", code, name, WIDE.replace("\x00", "")],
                          capture_output=True, cwd=ROOT, timeout=60)  # fmt: skip
    assert proc.returncode == 0
    assert_inert_bytes(proc.stderr)
    text = proc.stderr.decode()
    assert f"opening {EVIL_NAME_SHOWN}" in text and "ValueError: \\x1b[31mRED" in text


@pytest.mark.skipif(os.geteuid() != 0, reason="-Z is looked up only when root")
def test_privilege_error_line_escaped() -> None:
    proc = cli("-Z", WIDE.replace("\x00", ""), "-i", "lo", "-c", "1")
    assert proc.returncode == 2
    assert_inert_bytes(proc.stderr)
    assert "unknown user" in proc.stderr.decode()


# -- tmux: the real app in a real terminal --------------------------------------------------------
# What the payload's SGR would set if it reached the terminal: red, blink, strike, colour 201.
FORBIDDEN = {"fg:1", "fg:9", "fg:201", "attr:5", "attr:9"}


def sgr_attributes(screen: str) -> set[str]:
    """Every colour and attribute set by the SGR sequences of `capture-pane -e`."""
    out: set[str] = set()
    for m in re.finditer(r"\x1b\[([0-9;]*)m", screen):
        params = [int(p or 0) for p in m.group(1).split(";")]
        while params:
            p = params.pop(0)
            if p in (38, 48) and params[:1] == [5]:
                out.add(("fg:" if p == 38 else "bg:") + str(params[1]))
                params = params[2:]
            elif p in (38, 48) and params[:1] == [2]:
                out.add(("fg:" if p == 38 else "bg:") + ",".join(map(str, params[1:4])))
                params = params[4:]
            elif 30 <= p <= 37 or 90 <= p <= 97:
                out.add(f"fg:{p - 30 if p < 90 else p - 82}")
            else:
                out.add(f"attr:{p}")
    return out


def check_detector() -> None:
    """Positive control: raw OSC and SGR written to a pane do change its title and colours,
    so the checks on the app's pane would see a leak."""
    tmux = Tmux()
    try:
        sgr = "\\033[31mR\\033[91mR\\033[5;9;38;5;201mX\\033[0m"
        raw = f"printf '\\033]2;probe\\007{sgr}done'; sleep 60"
        tmux("new-session", "-d", "-s", "t", raw)
        tmux.wait_for("done")
        assert tmux.get("#{pane_title}") == "probe"
        assert FORBIDDEN <= sgr_attributes(tmux.screen(colours=True))
    finally:
        tmux.kill()


def click_on(tmux: Tmux, needle: str) -> None:
    x, y = find_cell(tmux.screen(), needle)
    tmux.click(x + 3, y)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux not installed")
def test_tmux_title_colours_and_clicks(hostile: Path, tmp_path: Path) -> None:
    check_detector()
    tmux = Tmux()
    try:
        tmux.start([str(SCRIPT), str(hostile)], tmp_path)
        before = tmux.get("#{pane_title}")
        tmux("send-keys", "-t", "t", "Enter")
        tmux.wait_for("packets 4")
        # The rows paint after the status bar (a worker decodes them): wait for text only
        # they hold. The file name in the status bar holds "pwned" and "[@click=app.quit]"
        # too, so waiting for those let the clicks below land on the status bar.
        tmux.wait_for("[link=https://x]")
        assert "[@click=app.quit]" in tmux.screen()
        assert tmux.get("#{pane_title}") == before
        leaked = FORBIDDEN & sgr_attributes(tmux.screen(colours=True))
        assert not leaked, f"payload colours reached the terminal: {leaked}"
        click_on(tmux, "     2 ")  # positive control: a click selects packet 2
        tmux.wait_for("selected #2")
        for needle in ("[@click=app.quit]", "[link=https://x]", "[bold]"):
            click_on(tmux, needle)
        time.sleep(1.0)
        assert tmux.get("#{pane_dead}") == "0" and "packets 4" in tmux.screen()
        assert tmux.get("#{pane_title}") == before
        tmux("send-keys", "-t", "t", "q")  # quitting is visible, so "still runs" means it
        end = time.monotonic() + 20
        while tmux.get("#{pane_dead}") != "1" and time.monotonic() < end:
            time.sleep(0.2)
        assert tmux.get("#{pane_dead}") == "1"
    finally:
        tmux.kill()
