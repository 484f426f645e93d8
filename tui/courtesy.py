"""Background workers step aside while the user is pressing keys.

Python runs one thread at a time: a worker walking the index or scanning for a filter gets
the interpreter every few milliseconds, so a key's work on the UI thread would take about
twice its time while one runs. The app marks each key, click and scroll (`touched`); the
workers call `pause()` between their steps, which sleeps while input is recent. A worker
never waits longer than MAX_PAUSE at a time, so holding a key down slows background work
down without stopping it.

The cyclic garbage collector is the other thing that stops a key: a full collection walks
every object alive (Textual's, the capture's tables) holding the interpreter, ~100 ms on a
big capture, in whichever thread happens to allocate. `settle()` takes what is alive at a
quiet moment (the first screen drawn, the stream pass done) out of its walks. And no
collection starts while keys come in (`hold()`): a key allocates thousands of objects (tree
nodes, text, segments), enough to set off one or two collections of its own and a full one
every few keys, in the middle of its work. The collector is back on once the input has been
quiet for QUIET, or after MAX_HOLD of keys held down (`let_go_if_quiet()`, on a timer), and
collects what the keys left then.
"""

from __future__ import annotations

import gc
import time
from time import monotonic

HOLD = 0.06  # seconds after an input event during which workers sleep
MAX_PAUSE = 0.25  # the longest one pause() sleeps: background work always goes on
BRIEF_PAUSE = 0.03  # the longest one brief_pause() sleeps (a key's work)
STEP = 0.005  # seconds slept at a time while waiting
QUIET = 0.1  # seconds without input before the collector is back on
# Seconds the collector stays off at most (keys held down): what it collects then grows with it.
MAX_HOLD = 0.25


class Courtesy:
    """When the last input came; workers' pause() waits while it is recent."""

    def __init__(self) -> None:
        self._until = 0.0  # one float, written by the UI thread only: no lock needed
        self._held = 0.0  # when hold() turned the collector off (0: not held)
        self._input = 0.0  # when hold() was last called

    def touched(self) -> None:
        """An input event arrived (UI thread)."""
        self._until = monotonic() + HOLD

    def hold(self) -> None:
        """Input is being answered: no collection starts, in any thread (UI thread). A
        collector someone else turned off stays as it was."""
        self._input = monotonic()
        if not self._held and gc.isenabled():
            gc.disable()
            self._held = self._input

    def let_go_if_quiet(self) -> bool:
        """Put the collector back on once the input is quiet (or held too long); True
        when it is not held any more."""
        now = monotonic()
        if self._held and (now - self._input >= QUIET or now - self._held >= MAX_HOLD):
            self.let_go()
        return not self._held

    def let_go(self) -> None:
        if self._held:
            self._held = 0.0
            gc.enable()

    @property
    def busy(self) -> bool:
        return monotonic() < self._until

    def pause(self) -> float:
        """Sleep while input is recent, at most MAX_PAUSE; returns the seconds slept
        (worker threads only: the UI thread would wait for itself)."""
        return self._sleep(MAX_PAUSE)

    def brief_pause(self) -> float:
        """pause() for at most BRIEF_PAUSE: work that a key held down soon needs (the list
        rows just below the screen) waits for one key's work, not for the whole hold."""
        return self._sleep(BRIEF_PAUSE)

    def _sleep(self, longest: float) -> float:
        began = now = monotonic()
        while now < self._until and now - began < longest:
            time.sleep(min(STEP, self._until - now))
            now = monotonic()
        return now - began


def settle() -> None:
    """Objects alive now are left out of the collector's walks (gc.freeze). They are still
    freed by reference counting when let go; only a cycle among them would stay, so this is
    done at the few moments named above, not per packet."""
    gc.freeze()


def unsettle() -> None:
    """The app ends: what settle() kept goes back to the collector (a test process runs many
    apps in turn)."""
    gc.unfreeze()
