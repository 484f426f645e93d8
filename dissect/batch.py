"""The batch CLI's per-packet loop, compiled with the core (dissect/_compiled.py): decode
each row of CaptureIndex.rows() and render its summary line. Apart from dissect/cli.py so
that `layerscope --version` still imports none of the core."""

from __future__ import annotations

from collections.abc import Iterable

from .output import summarize, summary_line
from .protocol import decode


def summary_text(rows: Iterable[tuple], t0_ns: int, strict: bool = False) -> str:
    """Each row's summary line, each ending in a newline: what the Printer writes for them."""
    out = []
    for number, time_ns, _cap, wirelen, linktype, iface, data, comment in rows:
        # by position: a compiled call to decode() cannot skip its `upto` argument
        pkt = decode(data, linktype, number, time_ns, wirelen, iface, comment, None, strict)
        out.append(summary_line(summarize(pkt, t0_ns)))
        pkt.release()
    out.append("")
    return "\n".join(out)
