"""Protocol stacks of quiet records read from the bytes, for the protocol hierarchy.

A quiet record (dissect/quiet.py) decodes to exactly its plain layers, with status "ok":
no step that could mark a layer runs. Its path is those layers' names, plus `data` when
bytes follow the last header that nothing binds. Two declarations stretch this to layers
whose tail runs: a last layer of a protocol whose Bulk declares it settled (an ARP
request, an ICMP echo), and on a payload that only applications follow, the application
the port table hands it to when its Settled declaration holds of the bytes (TLS records
without a hello, a DNS message of plain names and address records, an HTTP header block
or continuation). Other records are decoded (dissect/stats/phs.py).
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
    for names, rows in quiet.stacks(c, sel & c.simple, settled).items():
        ok, bases, ends, hdrs = quiet.declared_steps(c, names, rows)
        ok &= ends[0] == c.off[rows] + c.cap[rows]  # bytes past the first layer: data
        top, last = bases[-1] + hdrs[-1], ends[-1]  # the last layer's message, its bytes
        if names[-1] in settled:  # its tail runs: its declaration says what it can change
            held, top, last = quiet.settled(c, names[-1], bases[-1], ends[-1])
            ok &= held
        rest = last > top
        groups = [(names, ok & ~rest)]
        if PLANS[names[-1]].apps:  # a payload there is an application's
            apps = quiet.applications(c, names[-1], bases[-1], top, last, ok & rest)
            groups += [(names + (app,), held) for app, held in apps.items()]
        else:
            groups.append((names + ("data",), ok & rest))
        for path, chosen in groups:
            if chosen.any():
                decided[rows[chosen]] = True
                out.append((path, rows[chosen]))
    return decided, out
