"""Live capture in the TUI: a PacketSource that follows the capture file, the interface
picker and save dialogs, and the screen actions (i, ctrl+e, space, w, ctrl+c).

The capture process (dissect/readers/live.py) writes the file; this side only reads it:
the TUI process never holds raw-socket rights (dissect/capture.py explains how).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from dissect.engine import safe_text
from dissect.index import CaptureError, open_capture

from .source import PacketSource

if TYPE_CHECKING:  # dissect.capture (subprocess, the helper) loads with the first capture
    from dissect.capture import InterfaceInfo, Launcher, LiveCapture, LiveOptions

    from .app import LayerscopeApp

__all__ = ["InterfaceScreen", "LiveActions", "LivePacketSource"]

FOLLOW_WAIT = 0.1  # seconds index_more waits for news when it has caught up with the file


class LivePacketSource(PacketSource):
    """Packets of a running capture: the index follows the file the capture process writes.

    Pausing freezes the number of rows the views see while the index keeps growing.
    """

    def __init__(self, capture: LiveCapture) -> None:
        super().__init__(f"live: {capture.options.interface}", open_capture(capture.path), "live")
        self.capture = capture
        self.paused_at: int | None = None
        self._wake = threading.Event()
        capture.on_event = lambda event: self._wake.set()

    @classmethod
    def start(cls, options: LiveOptions, launcher: Launcher | None = None) -> LivePacketSource:
        """Start a capture; CaptureError (one line) when it cannot start."""
        from dissect.capture import CaptureStartError, LiveCapture

        try:
            capture = LiveCapture(options, launcher).start()
        except CaptureStartError as exc:
            raise CaptureError(str(exc)) from None
        return cls(capture)

    @property
    def indexed(self) -> int:
        n = len(self._index) if self._index is not None else 0
        return n if self.paused_at is None else min(n, self.paused_at)

    @property
    def new_packets(self) -> int:
        """Packets captured since the view was paused."""
        n = len(self._index) if self._index is not None else 0
        return 0 if self.paused_at is None else max(0, n - self.paused_at)

    @property
    def running(self) -> bool:
        return self.capture.running

    @property
    def done(self) -> bool:
        return not self.capture.running and super().done

    @property
    def progress(self) -> float:
        return 1.0

    def set_paused(self, paused: bool) -> None:
        self.paused_at = (len(self._index) if self._index is not None else 0) if paused else None

    def index_more(self, count: int = 65536) -> bool:
        """Index what the file holds; once caught up, wait briefly for more (never spins).
        True only when the capture has ended and its file is fully indexed."""
        assert self._index is not None
        ended = not self.capture.running  # read first: the file is complete once it ended
        self._index.refresh()
        caught_up = self._index.index_more(count)
        if caught_up and ended:
            return True
        if caught_up:
            self._wake.wait(FOLLOW_WAIT)
            self._wake.clear()
        return False

    def stop(self) -> None:
        self.capture.stop()

    def close(self) -> None:
        self.capture.close()
        super().close()

    def status_text(self) -> Text:
        """For the status bar: state, captured, dropped by kernel, packets per second."""
        s, text = self.capture.stats, Text()
        if self.capture.running:
            text.append("● capturing", "bold #ff5f5f")
        elif self.capture.error is not None:  # e.g. the capture process was killed, disk full
            text.append(f"■ failed: {safe_text(str(self.capture.error), 200)}", "bold #ff5f5f")
        else:
            text.append("■ stopped", "bold")
        text.append(f"  captured {s.captured:,}  dropped {s.dropped:,}  {s.pps:,.0f} pps")
        if self.paused_at is not None:
            text.append(f"  ⏸ paused: {self.new_packets:,} new packets", "bold #ffaf00")
        return text


class InterfaceScreen(ModalScreen[str | None]):
    """Pick the interface to capture on."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, interfaces: list[InterfaceInfo]) -> None:
        super().__init__()
        self.interfaces = interfaces

    def compose(self) -> ComposeResult:
        with Vertical(id="interface-dialog", classes="dialog"):
            yield Label("Capture on which interface? (enter starts, escape cancels)")
            yield OptionList(*[Option(_interface_label(i), id=i.name) for i in self.interfaces])

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _interface_label(info: InterfaceInfo) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{safe_text(info.name, 20):<12}", "bold" if info.up else "dim")
    text.append(f" {info.state:<12}", "green" if info.up else "dim")
    text.append(" " + safe_text(", ".join(info.addresses) or info.description, 80))
    return text


class LiveActions(Screen[None]):
    """The browser screen's live-capture keys; BrowserScreen inherits them (and the bindings)."""

    BINDINGS = [
        Binding("i", "pick_interface", "Capture on an interface", show=False),
        Binding("ctrl+e", "toggle_capture", "Start / stop the capture", show=False),
        Binding("space", "pause", "Pause / resume the view (capture goes on)", show=False),
        Binding("ctrl+c", "stop_or_quit", "Stop capture / quit", show=False, priority=True),
    ]

    class CaptureStarted(Message):
        def __init__(self, source: PacketSource | None, error: str | None = None) -> None:
            super().__init__()
            self.source, self.error = source, error

    last_interface: str | None = None

    def _app(self) -> LayerscopeApp:
        return self.app  # type: ignore[return-value]

    def _live(self) -> LivePacketSource | None:
        source = self._app().source
        return source if isinstance(source, LivePacketSource) else None

    def live_status(self) -> Text | None:
        live = self._live()
        return live.status_text() if live is not None else None

    def action_pick_interface(self) -> None:
        from dissect.capture import list_interfaces

        self.app.push_screen(InterfaceScreen(list_interfaces()), self.start_capture)

    def action_toggle_capture(self) -> None:
        live = self._live()
        if live is not None and live.running:
            live.stop()
            self.notify("Capture stopped.")
        elif self.last_interface or live is not None:
            self.start_capture(self.last_interface or live.capture.options.interface)  # type: ignore[union-attr]
        else:
            self.action_pick_interface()

    def start_capture(self, interface: str | None) -> None:
        """A new capture replaces the packets on screen: ask first if they are not saved."""
        if not interface:
            return
        doing = f"capturing on {interface}"
        self.ask_unsaved(doing, lambda: self._start_capture(interface))  # type: ignore[attr-defined]

    def _start_capture(self, interface: str) -> None:
        from dissect.capture import LiveOptions

        self.last_interface = interface
        app = self._app()
        options = LiveOptions(interface, filter=app.capture_filter, prefix=app.capture_prefix)
        self._start_worker(options, app.launcher)

    @work(thread=True, exclusive=True, group="capture")
    def _start_worker(self, options: LiveOptions, launcher: Launcher | None) -> None:
        try:
            self.post_message(self.CaptureStarted(LivePacketSource.start(options, launcher)))
        except CaptureError as exc:
            self.post_message(self.CaptureStarted(None, str(exc)))

    def on_live_actions_capture_started(self, message: CaptureStarted) -> None:
        if message.source is None:
            self.notify(message.error or "", title="Cannot capture", severity="error", markup=False)
            return
        self.workers.cancel_group(self, "index")
        self._app().replace_source(message.source)
        self.load_source()  # type: ignore[attr-defined]

    def action_pause(self) -> None:
        live = self._live()
        if live is None:
            return
        live.set_paused(live.paused_at is None)
        if live.paused_at is None:
            self.notify("View resumed.")
        self.update_status()  # type: ignore[attr-defined]

    def action_stop_or_quit(self) -> None:
        live = self._live()
        if live is not None and live.running:
            live.stop()
            self.notify("Capture stopped: ctrl+c again or q quits.")
        else:
            self.ask_unsaved("quitting", self.app.exit)  # type: ignore[attr-defined]
