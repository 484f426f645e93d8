"""The batch CLI's per-packet loop, compiled with the core (dissect/_compiled.py): decode
each row of CaptureIndex.rows() and render its summary line. Apart from dissect/cli.py so
that `layerscope --version` still imports none of the core."""

from __future__ import annotations

from collections.abc import Iterable

from .output import row_line
from .protocol import decode


def summary_text(rows: Iterable[tuple], t0_ns: int, strict: bool = False) -> str:
    """Each row's summary line, each ending in a newline: what the Printer writes for them."""
    out = []
    for number, time_ns, _cap, wirelen, linktype, iface, data, comment in rows:
        # every argument named (keyword-only in Python; compiled, a C call cannot skip `upto`)
        pkt = decode(data, linktype, number=number, time_ns=time_ns, wirelen=wirelen,
                     interface=iface, comment=comment, upto=None, strict=strict)  # fmt: skip
        out.append(row_line(pkt, t0_ns))
        pkt.release()
    out.append("")
    return "\n".join(out)
