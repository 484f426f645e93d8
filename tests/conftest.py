"""Shared pytest hooks."""

from __future__ import annotations

import pytest


def _core() -> str:
    from dissect import _compiled

    hint = "; LAYERSCOPE_CORE=pure tests the .py sources" if _compiled.MODE == "compiled" else ""
    return f"layerscope core: {_compiled.describe()}{hint}"


def pytest_report_header(config) -> str:
    return _core()


def pytest_terminal_summary(terminalreporter) -> None:
    """The header is hidden by -q (pyproject's addopts): say it at the end as well."""
    terminalreporter.write_line(_core())


@pytest.fixture
def quic_memory():
    """No QUIC connection remembered and no key log, before and after the test: the memory
    outlives a decode (a capture's), so one test's packets would decrypt another's."""
    from dissect.protocols import quic

    quic.forget()
    quic.KEYLOG.clear()
    yield quic
    quic.forget()
    quic.KEYLOG.clear()
