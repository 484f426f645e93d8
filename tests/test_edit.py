"""Edit and see (tui/edit.py): a field's new value goes into its bytes under its mask; the
lengths and checksums that depend on it are recomputed from the declarations; the packet
decodes again, the changed bytes are known, and the edited packet can be saved."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input

from dissect.engine import decode
from dissect.index import open_capture
from tests.test_annotate import demo_packet
from tests.test_declarations import udp_frame
from tests.test_tui import settle
from tui.app import LayerscopeApp
from tui.edit import EditError, EditScreen, changed_bytes, edit_packet
from tui.source import PacketSource
from tui.widgets.field_tree import FieldTree


def test_ttl_edit_recomputes_the_ip_header_checksum_only() -> None:
    pkt = demo_packet()
    ip = pkt.layer("ip")
    e = edit_packet(pkt, ip, ip.get("ip.ttl"), "1")
    assert e.packet.value("ip.ttl") == 1
    assert e.packet.value("ip.checksum.status") == "good"
    assert e.changed == {8, 10}  # the TTL and the checksum byte that moved
    assert e.notes == ["ip.ttl: 64 → 1", "ip.checksum: 0x152e → 0x542e (checksum recomputed)"]
    # the TCP checksum was wrong already (offload) and covers nothing edited: left alone
    assert e.packet.value("tcp.checksum.status") == "bad"


def test_an_address_edit_recomputes_the_transport_checksum_through_the_pseudo_header() -> None:
    pkt = demo_packet()
    ip = pkt.layer("ip")
    e = edit_packet(pkt, ip, ip.get("ip.dst"), "192.0.2.7")
    assert str(e.packet.value("ip.dst")) == "192.0.2.7"
    assert e.packet.value("ip.checksum.status") == "good"
    assert e.packet.value("tcp.checksum.status") == "good"


def test_a_bit_field_is_written_under_its_mask() -> None:
    pkt = demo_packet()
    tcp = pkt.layer("tcp")
    e = edit_packet(pkt, tcp, tcp.get("tcp.flags.syn"), "set")
    assert e.packet.value("tcp.flags") == 0x01A
    assert e.packet.value("tcp.hdr_len") == 32  # the other bits of those bytes kept
    ip = pkt.layer("ip")
    e = edit_packet(pkt, ip, ip.get("ip.flags.df"), "0")
    assert e.packet.value("ip.flags") == 0 and e.packet.value("ip.frag_offset") == 0


def test_a_longer_value_fixes_the_lengths_and_checksums_around_it() -> None:
    pkt = demo_packet()
    http = pkt.layer("http")
    e = edit_packet(pkt, http, http.get("http.host"), "Host: example.org.longer.name")
    assert len(e.data) == 198 + 4  # "example.org.longer.name" for "waf.cs.illinois.edu"
    assert e.packet.value("ip.len") == 202
    assert e.packet.value("http.host") == "example.org.longer.name"
    assert e.packet.value("ip.checksum.status") == "good"
    assert e.packet.value("tcp.checksum.status") == "good"  # it covers the edited bytes
    assert e.packet.status == "ok"
    assert {3, 11} <= e.changed and 2 not in e.changed and 40 not in e.changed
    assert 200 not in e.changed  # the bytes after the edit moved, they did not change


def test_udp_length_and_checksum_follow_a_resized_payload() -> None:
    pkt = decode(udp_frame(b"abcd", 40001), 1, strict=True)
    data = pkt.layer("data")
    e = edit_packet(pkt, data, data.get("data.data"), "61 62 63 64 65 66")
    assert e.packet.value("udp.length") == 8 + 6 and e.packet.value("ip.len") == 20 + 8 + 6
    assert e.packet.value("ip.checksum.status") == "good"
    # zero over IPv4 means "not computed" (the engine's policy): it stays zero
    assert e.packet.value("udp.checksum") == 0
    assert "udp.length: 12 → 14 (length recomputed)" in e.notes


def test_a_typed_length_or_checksum_stays_as_typed() -> None:
    pkt = demo_packet()
    ip = pkt.layer("ip")
    e = edit_packet(pkt, ip, ip.get("ip.checksum"), "0x1234")
    assert e.packet.value("ip.checksum") == 0x1234
    assert e.packet.value("ip.checksum.status") == "bad"


@pytest.mark.parametrize(("name", "text"), [("ip.ttl", "256"), ("ip.ttl", "x"),
                                             ("ip.src", "1.2.3"), ("ip.flags.df", "2")])  # fmt: skip
def test_values_that_do_not_fit_are_refused(name: str, text: str) -> None:
    pkt = demo_packet()
    ip = pkt.layer("ip")
    with pytest.raises(EditError):
        edit_packet(pkt, ip, ip.get(name), text)


def test_changed_bytes_after_a_resize_compare_the_moved_bytes() -> None:
    assert changed_bytes(b"abcXYZdef", b"abcQdef", 3, 3) == {3}
    assert changed_bytes(b"abcd", b"abxd", 2, 1) == {2}


def test_edit_key_edits_the_selected_field_and_saves(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)

    async def main() -> None:
        app = LayerscopeApp(PacketSource.demo())
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            tree = app.screen.query_one(FieldTree)
            tree.select_field(tree.packet.get("ip.ttl"))
            tree.focus()  # the tree's own keys (e, E) must not swallow it
            await settle(pilot)
            await pilot.press("f2")
            screen = app.screen
            assert isinstance(screen, EditScreen)
            box = screen.query_one("#edit-value", Input)
            assert box.value == "64" and box.has_focus
            box.value = "3"
            await pilot.press("enter")
            await pilot.pause()
            assert screen.packet.value("ip.ttl") == 3 and screen.changed == {8, 10}
            assert "ip.checksum: 0x152e" in str(screen.query_one("#edit-notes").render())
            await pilot.press("ctrl+s")
            await pilot.pause()
            await pilot.press("escape")

    asyncio.run(main())
    idx = open_capture(str(tmp_path / "edited-1.pcap"))
    rec = next(iter(idx))
    pkt = decode(rec.data, rec.linktype)
    idx.close()
    assert pkt.value("ip.ttl") == 3 and pkt.value("ip.checksum.status") == "good"


class Host(App[None]):
    def on_mount(self) -> None:
        pkt = demo_packet()
        self.push_screen(EditScreen(pkt, pkt.get("ip.ttl")))


def test_edit_snapshot_after_an_edit(snap_compare) -> None:  # noqa: ANN001
    async def run_before(pilot: Pilot) -> None:
        await pilot.pause()
        pilot.app.screen.query_one("#edit-value", Input).value = "1"
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(Host(), terminal_size=(130, 44), run_before=run_before)
