"""Protocol stacks of quiet records read from the bytes, for the protocol hierarchy.

A quiet record (dissect/quiet.py) decodes to exactly its plain layers, with status "ok":
no step that could mark a layer runs. Its path is those layers' names, plus `data` when
bytes follow the last header that nothing binds (a last layer that hands its payload to
applications never has any here: fastfilter's `payload` excludes those). Other records
are decoded (dissect/stats/phs.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import quiet
from ..fastfilter import PLANS

Groups = list[tuple[tuple[str, ...], np.ndarray]]  # (layer names, rows of the chunk)


def quiet_paths(c: Any, sel: np.ndarray) -> tuple[np.ndarray, Groups]:
    """(decided rows, [(layer names, rows)]) among the selected rows of a chunk (a
    fastfilter.Columns): the quiet records, grouped by their layers' names."""
    decided = np.zeros(c.n, bool)
    out: Groups = []
    settled = quiet.settled_protocols()
    for names, rows in quiet.stacks(c, sel & c.simple & ~c.payload, settled).items():
        ok, bases, ends, hdrs = quiet.declared_steps(c, names, rows)
        ok &= ends[0] == c.off[rows] + c.cap[rows]  # bytes past the first layer: data
        top, last = bases[-1] + hdrs[-1], ends[-1]  # the last layer's message, its bytes
        if names[-1] in settled:  # its tail runs: its declaration says what it can change
            held, top, last = quiet.settled(c, names[-1], bases[-1], ends[-1])
            ok &= held
        rest = last > top
        if PLANS[names[-1]].apps:  # a payload there is an application's: decoded
            ok &= ~rest
        for tail in (False, True):
            chosen = rows[ok & (rest == tail)]
            if len(chosen):
                decided[chosen] = True
                out.append((names + (("data",) if tail else ()), chosen))
    return decided, out
