"""Protocol stacks of *quiet* records read from the bytes, for the protocol hierarchy.

dissect/fastfilter.py finds the records whose stack is plain (every layer a plain layer of
a protocol with a Bulk declaration) and where each layer starts; the decoder provably
builds those layers there. A layer's status (ok, truncated, malformed) is another matter:
it comes from the protocol's tail, and from the engine's declared steps. A plain layer is
*quiet* when the engine would run no tail for it: its protocol declares its steps
(`Protocol.declares`) and when its tail is needed (`tail_when`), no condition of which
holds (fastfilter's plain already says so), and nothing the declared steps look at is out
of the ordinary -- its options walk to their end (`opt_eol`/`opt_nop`) and its length
field fits in the bytes below it (engine.py `_declared_steps`). A record whose layers are
all quiet and whose last one has no payload left for an application decodes to exactly
those layers (plus `data` for bytes after a key nothing binds) with status "ok": no
step that could mark it runs. Every condition comes from the declarations, none is
written here per protocol. Other records are decoded (dissect/stats/phs.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

QUIET_DEPTH = 16  # a quiet stack has each Bulk protocol once: never deeper than this


def quiet_protocols() -> frozenset[str]:
    """The Bulk protocols whose plain layers can be quiet: no tail unless declared."""
    from ..fastfilter import PLANS

    return frozenset(
        name for name, plan in PLANS.items()
        if plan.proto.declares and plan.proto.tail_when is not None
    )  # fmt: skip


Groups = list[tuple[tuple[str, ...], np.ndarray]]  # (layer names, rows of the chunk)


def quiet_paths(c: Any, sel: np.ndarray) -> tuple[np.ndarray, Groups]:
    """(decided rows, [(layer names, rows)]) among the selected rows of a chunk (a
    fastfilter.Columns): the quiet records, grouped by their layers' names."""
    from ..fastfilter import PLANS

    decided = np.zeros(c.n, bool)
    cand = sel & c.simple & ~c.payload
    if not cand.any():
        return decided, []
    quiet = quiet_protocols()
    names = sorted(PLANS)
    sig = np.zeros(c.n, np.int64)
    for bit, name in enumerate(names):
        sig |= c.present[name].astype(np.int64) << bit
    out = []
    for value in np.unique(sig[cand]).tolist():
        stack = [n for bit, n in enumerate(names) if value >> bit & 1]
        if not stack or any(n not in quiet for n in stack) or len(stack) > QUIET_DEPTH:
            continue
        rows = np.flatnonzero(cand & (sig == value))
        got = _chain(c, rows, stack)
        if got is None:
            continue
        order, ok, rest = got
        for tail in (False, True):
            chosen = rows[ok & (rest == tail)]
            if len(chosen):
                decided[chosen] = True
                out.append((tuple(order) + (("data",) if tail else ()), chosen))
    return decided, out


def _chain(c: Any, rows: np.ndarray, stack: list[str]) -> tuple[list[str], Any, Any] | None:
    """(the stack in order, rows whose layers are all quiet, rows whose last layer leaves
    bytes after its header) for rows with these plain layers; None when the rows do not
    all have them in one order (decoded)."""
    from ..fastfilter import PLANS, _load

    bases = {n: c.base[n][rows] for n in stack}
    order = sorted(stack, key=lambda n: int(bases[n][0]))
    if any((bases[a] >= bases[b]).any() for a, b in zip(order, order[1:], strict=False)):
        return None
    room = c.off[rows] + c.cap[rows] - bases[order[0]]
    ok = np.ones(len(rows), bool)
    hdr: Any = 0
    for depth, name in enumerate(order):
        plan, base = PLANS[name], c.base[name][rows]
        hdr = plan.size
        if plan.hdr_len is not None:
            hdr = _load(c, plan.hdr_len[0], base, plan.hdr_len[1]).astype(np.int64)
        end = room
        if plan.length is not None:
            length = _load(c, plan.length[0], base, plan.length[1]).astype(np.int64)
            length += plan.length_from
            ok &= length <= room  # longer than the bytes: the declared steps look closer
            end = np.minimum(length, room)
            if depth == 0:
                ok &= end == room  # bytes past the first layer would be a data layer
        if plan.proto.opt_eol >= 0:
            ok &= options_end(c, plan.proto, base, hdr)
        if depth + 1 < len(order):
            ok &= bases[order[depth + 1]] == base + hdr
        room = end - hdr
    last = PLANS[order[-1]]
    if last.apps:  # a payload there is an application's: c.payload excluded those
        ok &= room == 0
    return order, ok, room > 0


def options_end(c: Any, proto: Any, base: np.ndarray, hdr: Any) -> np.ndarray:
    """Per record: the options between the fixed header and `hdr` walk to their end as
    the engine's declared steps walk them (kind, length; end-of-list and no-op kinds
    one byte), so those steps call nothing out of the ordinary."""
    start = base + proto.size
    stop = base + hdr
    i = start.copy()
    fine = np.ones(len(base), bool)
    active = i < stop
    for _ in range(int((stop - start).max(initial=0)) + 1):  # each step moves a byte on
        if not active.any():
            break
        kind = _byte(c, i)
        active &= kind != proto.opt_eol
        step = np.ones(len(i), np.int64)
        long = active & (kind != proto.opt_nop)
        n = _byte(c, i + 1)
        bad = long & ((i + 1 >= stop) | (n < 2) | (i + n > stop))
        fine &= ~bad
        active &= ~bad
        step = np.where(long, n, step)
        i = np.where(active, i + step, i)
        active &= i < stop
    return fine


def _byte(c: Any, pos: np.ndarray) -> np.ndarray:
    """The byte at each position of the chunk's buffer."""
    return (c._word(pos) >> np.uint64(56)).astype(np.int64)
