"""The layerscope terminal UI: `run(args)` is the entry point `tui/main.py` calls.

The app owns the PacketSource (the only code that calls `dissect`); BrowserScreen
coordinates the panes; the dialogs live in tui/screens.py.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Tree

from dissect.cli import error_line
from dissect.engine import safe_text, unsafe_char
from dissect.streams.cli import conversation_limit

from .browser import BrowserScreen
from .colouring import Colouring, load_rules
from .courtesy import QUIET, Courtesy, unsettle
from .filtering import FilterActions
from .hangup import watch_terminal
from .list_actions import LIST_COMMANDS, ListActions
from .live import LiveActions
from .source import CaptureError, PacketSource
from .teaching import TEACHING_COMMANDS, TeachingActions
from .widgets.field_tree import FieldTree
from .widgets.hex_pane import HexPane
from .widgets.packet_list import PacketList

if TYPE_CHECKING:  # dissect.capture loads with the first capture
    from dissect.capture import Launcher

__all__ = ["LayerscopeApp", "run", "source_from_args"]

log = logging.getLogger(__name__)

# (title, help, action on the browser screen) -- the command palette lists every one.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Paste hex dump", "Decode a pasted hex dump (tcpdump, xxd, hexdump, tshark, od, bare hex)", "paste"),
    ("Open capture file", "Open a pcap or pcapng file", "open"),
    ("Go to packet", "Jump to a packet number", "goto"),
    ("Copy", "Copy the field's value, the packet as hex, or an annotated hex dump", "copy"),
    ("First packet", "Select the first packet", "first"),
    ("Last packet", "Select the last packet", "last"),
    ("Toggle OSI panel", "Switch between the layer tree and the OSI stack", "osi"),
    ("Hex pane beside the tree", "Move the hex pane beside the tree, or back below it", "side"),
    ("Zoom pane", "Fill the screen with the focused pane, or restore", "zoom"),
    ("Next pane", "Focus the next pane", "cycle(1)"),
    ("Grow packet list", "Give the packet list more room", "resize(5)"),
    ("Shrink packet list", "Give the packet list less room", "resize(-5)"),
    ("Capture: choose interface", "Capture live packets on an interface", "pick_interface"),
    ("Capture: start / stop", "Stop the running capture, or start again", "toggle_capture"),
    ("Capture: pause / resume view", "Freeze the list while the capture goes on", "pause"),
    ("Display filter", "Show only packets matching a filter (Wireshark syntax), key /", "filter"),
    ("Follow stream", "The selected packet's TCP or UDP conversation as text, key F", "follow"),
)  # fmt: skip


KEY_NAMES = {"backslash": "\\", "vertical_line": "|", "question_mark": "?", "plus": "+",
             "minus": "-", "shift+tab": "shift+tab"}  # fmt: skip


def key_label(keys: str) -> str:
    """'question_mark' -> '?', 'tab,shift+tab' -> 'tab / shift+tab' (help screen text)."""
    return " / ".join(KEY_NAMES.get(k.strip(), k.strip()) for k in keys.split(","))


class LayerscopeApp(App[int]):
    """Packet list, layer tree and hex pane over one PacketSource."""

    CSS_PATH = "app.tcss"
    TITLE = "layerscope"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
        Binding("question_mark", "help", "Help"),
        Binding("t", "change_theme", "Theme", show=False),
        Binding("d", "decode_as", "Decode As…", show=False),
        Binding("S", "statistics", "Statistics", show=False),
    ]

    def __init__(self, source: PacketSource, linktype: int | None = None) -> None:
        super().__init__()
        self.source = source
        self.linktype = linktype  # link type forced on the command line, for pasted hex too
        self.launcher: Launcher | None = None  # root helper that starts captures (under sudo)
        self.capture_filter: str | None = None  # -f / trailing BPF, for captures started here
        self.capture_prefix: list[str] = []  # e.g. ip netns exec NAME (tests)
        rules, self.rule_problems = load_rules()  # told once the screen is up
        self.colouring = Colouring(rules)
        source.colouring = self.colouring
        self.courtesy = Courtesy()  # background workers pause while keys come in
        self._quiet_check: Timer | None = None  # puts the collector back on (hold_collector)

    def get_default_screen(self) -> Screen:
        return BrowserScreen()

    def replace_source(self, source: PacketSource) -> None:
        old, self.source = self.source, source
        source.colouring, source.columns = old.colouring, old.columns
        old.close()

    async def on_event(self, event: events.Event) -> None:
        """A terminal paste may carry escape sequences (a dump copied from a web page): they
        become visible symbols before any input widget (paste box, path, filter) shows them,
        since Input and TextArea send their text to the terminal as it is.
        Input of any kind tells the background workers to step aside and holds the
        garbage collector off (tui/courtesy.py); the workers are told again once its
        effect is painted: on a loaded machine a key's work can outlast
        the hold counted from its arrival."""
        if isinstance(event, INPUT_EVENTS):
            self.courtesy.touched()
            self.hold_collector()
        if isinstance(event, events.Paste):
            event.text = visible_controls(event.text)
        await super().on_event(event)
        if isinstance(event, INPUT_EVENTS):
            self.screen.call_after_refresh(self.courtesy.touched)

    def hold_collector(self) -> None:
        """No garbage collection while input is answered (tui/courtesy.py)."""
        self.courtesy.hold()
        if self._quiet_check is None:
            self._quiet_check = self.set_interval(QUIET, self._let_go_if_quiet)
        else:
            self._quiet_check.resume()

    def _let_go_if_quiet(self) -> None:
        if self.courtesy.let_go_if_quiet() and self._quiet_check is not None:
            self._quiet_check.pause()

    def on_unmount(self) -> None:
        self.source.close()
        self.courtesy.let_go()
        unsettle()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast passes here (a widget's notify calls the app's): messages quote paths,
        OS errors and filter text, so their controls are escaped once for all callers.
        Callers quoting such text also pass markup=False."""
        super().notify(safe_text(message, NOTIFY_TEXT_MAX), title=safe_text(title, 80),
                       severity=severity, timeout=timeout, markup=markup)  # fmt: skip

    # -- help and palette ------------------------------------------------------------------
    def key_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Every key binding, by where it works, read from the bindings themselves."""

        def keys(bindings: Iterable[Binding | tuple]) -> list[tuple[str, str]]:
            out: list[tuple[str, str]] = []
            for b in bindings:
                if isinstance(b, Binding) and b.description:
                    out.append((key_label(b.key), b.description))
            return out

        return [
            ("Everywhere", keys(self.BINDINGS) + [("ctrl+p", "Command palette (every action)")]),
            ("Main screen", keys(BrowserScreen.BINDINGS) + keys(FilterActions.BINDINGS)),
            ("Live capture", keys(LiveActions.BINDINGS)),
            ("Marks, time, find, save", keys(ListActions.BINDINGS)),
            ("Teaching mode", keys(TeachingActions.BINDINGS)),
            ("Packet list", keys(PacketList.BINDINGS) + [("click", "Select a packet")]),
            ("Layer tree", keys(Tree.BINDINGS) + keys(FieldTree.BINDINGS)),
            ("Hex pane", keys(HexPane.BINDINGS) + [("click", "Select the field under the byte")]),
            ("Dialogs", [("escape", "Close"), ("ctrl+s", "Decode the pasted dump")]),
        ]

    def action_statistics(self) -> None:
        from .stats import open_statistics

        open_statistics(self)

    async def action_quit(self) -> None:
        """q and ctrl+q: ask first when packets would be lost (captured or pasted, unsaved)."""
        browser = self._browser()
        if browser is None or not self.source.unsaved:
            self.exit()
            return
        browser.ask_unsaved("quitting", self.exit)

    def action_help(self) -> None:
        from .screens import HelpScreen  # dialogs load when first opened

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.key_sections()))

    def action_decode_as(self) -> None:
        """Decode As… on the selected packet; when the rules changed, decode everything again."""
        browser = self._browser()
        if browser is None or self.screen is not browser:
            return

        def done(changed: bool | None) -> None:
            if changed:
                self.source.forget_decodes()
                browser.load_source()

        from .decode_as import DecodeAsScreen

        self.push_screen(DecodeAsScreen(browser.packet), done)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help", "Show every key", self.action_help)
        yield SystemCommand("Decode As…", "Decode a port or type of the selected packet as "
                            "another protocol; list and remove the rules (key d)",
                            self.action_decode_as)  # fmt: skip
        yield SystemCommand("Statistics", "Protocol hierarchy, conversations, endpoints, I/O "
                            "graph, expert info, HTTP requests, DNS queries", self.action_statistics)  # fmt: skip
        browser = self._browser()
        if browser is None:
            return
        for title, help_text, action in COMMANDS + LIST_COMMANDS + TEACHING_COMMANDS:
            yield SystemCommand(title, help_text, lambda a=action: browser.run_action(a))

    def _browser(self) -> BrowserScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, BrowserScreen):
                return screen
        return None


NOTIFY_TEXT_MAX = 400  # characters of a toast's message
INPUT_EVENTS = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp,
                events.Paste)  # fmt: skip

# Candidates only; unsafe_char() decides. Tab and line ends stay: the dump forms use them.
_PASTE_CANDIDATE = re.compile("[^\t\n\r\x20-\x7e]")


def visible_controls(text: str) -> str:
    """What safe_text escapes, as symbols instead of escapes: C0 as U+2400 pictures
    (ESC -> ␛, NUL -> ␀), DEL as ␡, anything else (C1, bidi and other format characters,
    surrogates) as U+FFFD. An escape like \\x1b would add hex digits to a pasted dump; no
    symbol is a hex digit, so the dump parses the same. The text stays editable."""

    def symbol(m: re.Match[str]) -> str:
        ch = m.group()
        if not unsafe_char(ch):
            return ch
        o = ord(ch)
        return chr(0x2400 + o) if o < 0x20 else "\u2421" if o == 0x7F else "\ufffd"

    if text.startswith("\ufeff"):  # a byte-order mark: the paste's encoding, not its content
        text = text[1:]
    return _PASTE_CANDIDATE.sub(symbol, text)


def source_from_args(args: argparse.Namespace) -> PacketSource:
    """The source the command line asks for; the built-in demo when it asks for none."""
    source = _source(args)
    source.conversation_limit = conversation_limit(args)  # for its stream pass
    return source


def _source(args: argparse.Namespace) -> PacketSource:
    read = getattr(args, "read", None)
    hex_text = getattr(args, "hex", None)
    if getattr(args, "interface", None) is not None:
        from dissect.capture import live_options

        from .live import LivePacketSource

        return LivePacketSource.start(live_options(args), getattr(args, "launcher", None))
    if read == "-":  # tui/main.py keeps the piped stdin aside for us
        return PacketSource.open(getattr(args, "stdin_stream", None) or sys.stdin.buffer)
    if read:
        return PacketSource.open(read)
    if hex_text is not None:
        return PacketSource.from_hex(hex_text, getattr(args, "linktype", None))
    return PacketSource.demo()


def run(args: argparse.Namespace) -> int:
    """Start the TUI; returns the exit status (1 with one stderr line if the input is unusable)."""
    try:
        source = source_from_args(args)
    except CaptureError as exc:
        sys.stderr.write(error_line(str(exc)) + "\n")
        return 1
    app = LayerscopeApp(source, getattr(args, "linktype", None))
    app.launcher = getattr(args, "launcher", None)
    app.capture_filter = getattr(args, "capture_filter", None)
    app.initial_filter = getattr(args, "display_filter", None)  # -Y: the filter bar starts with it
    app.start_tour = getattr(args, "tour", False)  # --tour: the guided tour opens first
    app.reassembly_limit = getattr(args, "reassembly_limit", None)  # the statistics' switch
    watch = watch_terminal(lambda: app.source)  # exits when the terminal goes away
    try:
        result = app.run()
    finally:
        if watch is not None:
            watch.stop()
    return result if isinstance(result, int) else 0
