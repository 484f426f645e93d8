"""Shared pytest hooks."""

from __future__ import annotations


def _core() -> str:
    from dissect import _compiled

    hint = "; LAYERSCOPE_CORE=pure tests the .py sources" if _compiled.MODE == "compiled" else ""
    return f"layerscope core: {_compiled.describe()}{hint}"


def pytest_report_header(config) -> str:
    return _core()


def pytest_terminal_summary(terminalreporter) -> None:
    """The header is hidden by -q (pyproject's addopts): say it at the end as well."""
    terminalreporter.write_line(_core())
