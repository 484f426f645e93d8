"""Background workers step aside while the user is pressing keys.

Python runs one thread at a time: a worker walking the index or scanning for a filter gets
the interpreter every few milliseconds, so a key's work on the UI thread would take about
twice its time while one runs. The app marks each key, click and scroll (`touched`); the
workers call `pause()` between their steps, which sleeps while input is recent. A worker
never waits longer than MAX_PAUSE at a time, so holding a key down slows background work
down without stopping it.
"""

from __future__ import annotations

import time
from time import monotonic

HOLD = 0.06  # seconds after an input event during which workers sleep
MAX_PAUSE = 0.25  # the longest one pause() sleeps: background work always goes on
STEP = 0.005  # seconds slept at a time while waiting


class Courtesy:
    """When the last input came; workers' pause() waits while it is recent."""

    def __init__(self) -> None:
        self._until = 0.0  # one float, written by the UI thread only: no lock needed

    def touched(self) -> None:
        """An input event arrived (UI thread)."""
        self._until = monotonic() + HOLD

    @property
    def busy(self) -> bool:
        return monotonic() < self._until

    def pause(self) -> float:
        """Sleep while input is recent, at most MAX_PAUSE; returns the seconds slept
        (worker threads only: the UI thread would wait for itself)."""
        began = now = monotonic()
        while now < self._until and now - began < MAX_PAUSE:
            time.sleep(min(STEP, self._until - now))
            now = monotonic()
        return now - began
