"""The footer of key bindings, rebuilt only when the keys it shows change.

Textual's Footer recomposes (one widget per key, each styled and laid out) whenever the
screen's bindings may have changed, which is at every focus change: switching panes cost
tens of milliseconds for a footer that looked the same before and after. Most of the
panes' bindings are not shown in the footer, so a pane switch rarely changes it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# Keys kept in sight at any width: the footer cuts what does not fit on the right, and
# the app's keys (Quit, Help) come last in the bindings, so they go first.
FIRST = ("quit", "help")

Shown = tuple[tuple[str, str, str, bool, str | None], ...]


def shown_keys(screen: Screen) -> Shown:
    """What the footer draws: each shown binding's key, action, description, whether it is
    enabled and its tooltip (the command palette's key is among the bindings)."""
    return tuple(
        (key, b.action, b.description, enabled, tooltip)
        for key, (_node, b, enabled, tooltip) in screen.active_bindings.items()
        if b.show or key == screen.app.COMMAND_PALETTE_BINDING
    )


class KeyFooter(Footer):
    """Footer that skips a rebuild when the shown keys are what it already shows, and
    keeps Quit and Help in sight however narrow the terminal."""

    def __init__(self) -> None:
        super().__init__()
        self._shown: Shown | None = None

    def compose(self) -> ComposeResult:
        widgets = list(super().compose())
        # Textual's keys are born compact, get the class once mounted, and then follow the
        # footer: two style passes per key at every build. Built with their look, they need
        # none. The command palette's key does not follow the footer: compact, as born.
        for w in widgets:
            if isinstance(w, FooterKey):
                compact = w.has_class("-command-palette") or self.compact
                w.set_reactive(FooterKey.compact, compact)
                w.set_class(compact, "-compact", update=False)
        first = [w for w in widgets if isinstance(w, FooterKey) and w.action in FIRST]
        yield from sorted(first, key=lambda w: FIRST.index(w.action))
        yield from (w for w in widgets if w not in first)

    def bindings_changed(self, screen: Screen) -> None:
        if screen is self.screen and screen.app.app_focus:
            shown = shown_keys(screen)
            if shown == self._shown:
                return
            self._shown = shown
        super().bindings_changed(screen)
