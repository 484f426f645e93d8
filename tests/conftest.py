"""Shared pytest hooks."""

from __future__ import annotations


def pytest_report_header(config) -> str:
    from dissect import _compiled

    return f"layerscope core: {_compiled.describe()}  (LAYERSCOPE_CORE=pure: the .py sources)"
