"""A hex dump saved as UTF-16 (issue 12, item 15): Windows tools save text that way, with a
BOM or little- or big-endian without one. It decodes in `--hex -` and in the TUI's paste
dialog, which receives such a file's bytes one per character (NULs shown as U+2400)."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from pathlib import Path

import pytest
from textual.events import Paste

from dissect.cli import build_parser, run_batch
from dissect.readers.hextext import decode_dump, parse_hex_dump
from tui.app import LayerscopeApp, visible_controls
from tui.screens import PasteHexScreen
from tui.source import PacketSource

SCRIPT = Path(sys.executable).parent / "layerscope"
DUMP = (  # an ICMP echo request to 127.0.0.1, as `tshark -x` prints it (CRLF: Windows)
    "0000  45 00 00 1c 00 01 00 00 40 01 f9 d9 7f 00 00 01   E.......@.......\r\n"
    "0010  7f 00 00 01 08 00 f7 ff 00 00 00 00               ............\r\n"
)
PACKET = bytes.fromhex("4500001c000100004001f9d97f0000017f0000010800f7ff00000000")
ENCODINGS = ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-8"]  # utf-16: with a BOM


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_decode_dump(encoding: str) -> None:
    text = decode_dump(DUMP.encode(encoding))
    assert text == DUMP
    assert [p.data for p in parse_hex_dump(text).packets] == [PACKET]


def test_decode_dump_of_other_bytes_never_fails() -> None:
    latin1 = b"\xff\xfe pasted from a Latin-1 terminal\n45 00"  # not a BOM: no NULs follow
    assert decode_dump(latin1) == "\ufffd\ufffd pasted from a Latin-1 terminal\n45 00"
    assert decode_dump(b"\xff\xfe") == "\ufffd\ufffd"
    assert decode_dump(b"45 00 \xff\x00") == "45 00 \ufffd\x00"
    assert decode_dump(b"\x00") == "\x00"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_hex_from_stdin(monkeypatch: pytest.MonkeyPatch, encoding: str) -> None:
    raw = io.BytesIO(DUMP.encode(encoding))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(raw))
    out, err = io.StringIO(), io.StringIO()
    rc = run_batch(build_parser().parse_args(["--hex", "-", "-x"]), out=out, err=err)
    assert (rc, err.getvalue()) == (0, "")
    assert "ICMP" in out.getvalue() and "0010  7f 00 00 01 08 00 f7 ff" in out.getvalue()


def test_hex_from_stdin_subprocess() -> None:
    got = subprocess.run([str(SCRIPT), "--hex", "-", "--print"], input=DUMP.encode("utf-16"),
                         capture_output=True, timeout=60)  # fmt: skip
    assert (got.returncode, got.stderr) == (0, b"")
    assert b"Echo (ping) request" in got.stdout


@pytest.mark.parametrize(
    "pasted",
    [
        DUMP.encode("utf-16").decode("latin-1"),  # the file's bytes, one per character
        DUMP.encode("utf-16-be").decode("latin-1"),
        DUMP.encode("utf-16").decode("utf-8", "replace"),  # its BOM read as UTF-8
        "\ufeff" + DUMP,  # decoded, the BOM kept
    ],
    ids=["le-bom-latin1", "be-latin1", "le-bom-utf8", "decoded-bom"],
)
def test_parse_hex_dump_of_utf16_text(pasted: str) -> None:
    assert [p.data for p in parse_hex_dump(pasted).packets] == [PACKET]
    shown = visible_controls(pasted)  # what the TUI's paste box holds: NUL -> U+2400
    assert [p.data for p in parse_hex_dump(shown).packets] == [PACKET]


def test_tui_paste_of_a_utf16_dump() -> None:
    async def main() -> None:
        app = LayerscopeApp(PacketSource.demo())
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("p")
            dialog = app.screen
            assert isinstance(dialog, PasteHexScreen)
            app.post_message(Paste(DUMP.encode("utf-16").decode("latin-1")))
            await pilot.pause()
            assert [p.data for p in dialog.preview.packets] == [PACKET]
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.source.packet(1).data == PACKET

    asyncio.run(main())
