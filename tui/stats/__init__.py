"""Statistics screens (issue 16): see tui/stats/screen.py."""

from __future__ import annotations

from typing import Any


def open_statistics(app: Any) -> None:
    """Push the Statistics screen over the browser (key S, or the command palette)."""
    from .screen import StatisticsScreen

    browser = app._browser()
    if browser is not None and not isinstance(app.screen, StatisticsScreen):
        app.push_screen(StatisticsScreen(browser))
