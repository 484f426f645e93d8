"""Quiet records: plain records whose layers the declarations decide, read in numpy.

dissect/fastfilter.py's Columns finds, for a run of records, the *plain* ones (every layer a
protocol declaring a Bulk, at the offsets its declaration gives) and where each layer
starts; the decoder provably builds those layers there. What the decoder would add to a
layer is another matter: it comes from the protocol's tail and from the engine's declared
steps (engine.py `_run_declared`). A plain layer is *quiet* when the engine would run no
tail for it: its protocol declares its steps (`Protocol.declares`) and when its tail is
needed (`tail_when`), no condition of which holds (fastfilter's plain layer says so), and
nothing the declared steps look at is out of the ordinary -- the header length is at least
its minimum and fits, the options walk to their end, the total length fits the bytes below.

Every condition comes from the declarations, none is written here per protocol. Two
readers build on this: the protocol hierarchy (dissect/stats/stacks.py, a quiet record's
path) and the `frames` export (dissect/export/columnar.py, a quiet record's row, once its
declared checksums are also good).

The hierarchy needs less than a row: only the path. So it also takes, as the top layer, a
protocol whose tail does run but whose Bulk declares when that tail changes nothing of
the path (`settled`), and an application on a port-bound payload whose `Settled`
declaration (dissect/protocol.py) holds of the payload's bytes (`applications`): its
fixed-offset words for many records at once in numpy, its walk (a DNS message's names, an
HTTP header block, a segment's TLS records) one record at a time, compiled with its
protocol module.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .fastfilter import PLANS, Columns, _load
from .fastfilter import _holds as holds
from .protocol import SETTLED

OPTION_STEPS = 40  # options a header holds at most (a 60-byte header less its 20 fixed)


def quiet_protocols() -> frozenset[str]:
    """The Bulk protocols whose plain layers can be quiet: no tail unless declared."""
    return frozenset(
        name for name, plan in PLANS.items()
        if plan.proto.declares and plan.proto.tail_when is not None
    )  # fmt: skip


def settled_protocols() -> frozenset[str]:
    """The Bulk protocols that declare when their decoder leaves the hierarchy's path as
    the bytes give it (Bulk.settled): their tail runs, so they are not quiet, but such a
    layer can end a stack whose path is read from the bytes."""
    return frozenset(name for name, plan in PLANS.items() if plan.proto.bulk.settled)


def stacks(c: Columns, todo: np.ndarray,
           last: frozenset[str] = frozenset()) -> dict[tuple[str, ...], np.ndarray]:  # fmt: skip
    """The selected records by stack of quiet protocols (names from the link layer up,
    ordered by where each layer starts): positions of the records with that stack. A
    record with a protocol that cannot be quiet is in none, except a protocol of `last`
    as its top layer."""
    names = list(PLANS)
    below = quiet_protocols()  # what every layer under the top one must be
    quiet = below | last
    present = np.zeros(c.n, np.int64)
    for bit, name in enumerate(names):
        present |= c.present[name].astype(np.int64) << bit
    out: dict[tuple[str, ...], np.ndarray] = {}
    for code in np.unique(present[todo]).tolist():
        have = [n for bit, n in enumerate(names) if code >> bit & 1]
        if not have or any(n not in quiet for n in have):
            continue
        at = np.flatnonzero(todo & (present == code))
        have.sort(key=lambda n: int(c.base[n][at[0]]))
        ordered = np.ones(len(at), bool)
        for low, high in zip(have, have[1:], strict=False):
            ordered &= c.base[low][at] < c.base[high][at]
        if ordered.any() and all(n in below for n in have[:-1]):
            out[tuple(have)] = at[ordered]
    return out


def settled(c: Columns, name: str, base: np.ndarray,
            end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """For layers of a settled protocol (settled_protocols) at `base`, ending at `end` by
    the layers below: (where its declaration holds: conditions true and the message's
    bytes there; where the message ends; where the bytes it hands on end)."""
    plan = PLANS[name]
    bulk = plan.proto.bulk
    ok = end - base >= max(bulk.settled_size, plan.size)
    for field, op, value in bulk.settled:
        spec, rel = plan.fields[field]
        ok &= holds(_load(c, spec, base, rel), op, value)
    top = base + bulk.settled_size
    return ok, top, (top if bulk.settled_ends else end)


def declared_steps(c: Columns, names: tuple[str, ...], at: np.ndarray) -> tuple[Any, ...]:
    """For the records `at` of one stack: (quiet, each layer's start, each layer's end,
    each layer's header length), the last three one row per layer. Quiet where every
    layer's declared steps find nothing unusual (the engine's _declared_steps) and each
    layer starts where the one below ends its header."""
    bases = np.array([c.base[n][at] for n in names])
    end = c.off[at] + c.cap[at]
    ok = np.ones(len(at), bool)
    ends, hdrs = [], []
    for k, (name, base) in enumerate(zip(names, bases, strict=True)):
        plan, proto = PLANS[name], PLANS[name].proto
        room = end - base
        hdr = np.full(len(base), plan.size, np.int64)
        if plan.hdr_len is not None and proto.hl_spec is None:  # the tail says it: decoded
            ok[:] = False
        elif proto.hl_spec is not None:
            hdr = _load(c, proto.hl_spec, base, proto.hl_spec.offset).astype(np.int64)
            ok &= (hdr >= proto.hl.minimum) & (hdr <= room)
        if proto.opt_eol >= 0:
            ok &= options_end(c, proto, base + plan.size, base + hdr)
        if proto.tl_spec is not None:
            v = _load(c, proto.tl_spec, base, proto.tl_spec.offset).astype(np.int64)
            v += proto.tl_extra
            ok &= (hdr <= v) & (v <= room)
            end = np.where(ok, base + v, end)
        if k + 1 < len(names):
            ok &= bases[k + 1] == base + hdr
        ends.append(end)
        hdrs.append(hdr)
    return ok, bases, np.array(ends), np.array(hdrs)


def options_end(c: Columns, proto: Any, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Where the declared options walk to their end without one that does not fit (the
    engine's walk: an `eol` kind ends them, a `nop` is one byte, any other has a length
    of at least 2 that stays inside the header and is not the kind the tail checks)."""
    buf = np.frombuffer(c.buffer, np.uint8)
    last = len(buf) - 1
    i, fits = start.copy(), np.ones(len(start), bool)
    going = i < stop
    for _ in range(OPTION_STEPS):
        if not going.any():
            break
        kind = buf[np.minimum(i, last)]
        going &= kind != proto.opt_eol
        nop = going & (kind == proto.opt_nop)
        other = going & ~nop
        n = buf[np.minimum(i + 1, last)].astype(np.int64)
        bad = other & ((i + 1 >= stop) | (n < 2) | (i + n > stop) | (kind == proto.opt_checked))
        fits &= ~bad
        i = np.where(nop, i + 1, np.where(other & ~bad, i + n, i))
        going &= ~bad & (i < stop)
    return fits & ~going  # a walk still going after OPTION_STEPS: not decided here


def applications(c: Columns, name: str, base: np.ndarray, top: np.ndarray, end: np.ndarray,
                 asked: np.ndarray) -> dict[str, np.ndarray]:  # fmt: skip
    """For layers of a Bulk protocol that only applications follow (its plan's `apps`) at
    `base`, their payload from `top` to `end`: {application: where its table hands the
    payload to that protocol (the lower port first, as the engine's next_protocol) and
    its Settled declaration holds}, among the layers `asked` (a walk runs for those
    only). A payload no port binds (heuristics decide) or whose protocol declares
    nothing, or not this, is in none."""
    plan = PLANS[name]
    bound = dict(plan.table)
    if not bound:
        return {}
    keys = [_load(c, spec, base, rel).astype(np.int64)
            for spec, rel in (plan.fields[k] for k in plan.proto.next_by[1])]  # fmt: skip
    if len(keys) == 2:  # two ports: the lower first
        keys = [np.minimum(*keys), np.maximum(*keys)]
    order = np.array(sorted(bound), np.int64)
    chosen = np.full(len(base), -1, np.int64)  # the binding's key, -1: none
    for key in keys:
        at = np.minimum(np.searchsorted(order, key), len(order) - 1)
        chosen = np.where((chosen < 0) & (order[at] == key), key, chosen)
    out: dict[str, np.ndarray] = {}
    for key in np.unique(chosen[asked & (chosen >= 0)]).tolist():
        app = bound[key]
        decl = SETTLED.get(app)
        if decl is not None and (not decl.over or name in decl.over):
            got = out.get(app, np.zeros(len(base), bool))
            out[app] = got | message_settled(c, decl, top, end, asked & (chosen == key))
    return out


def message_settled(c: Columns, decl: Any, top: np.ndarray, end: np.ndarray,
                    asked: np.ndarray) -> np.ndarray:  # fmt: skip
    """Where a Settled declaration holds of the messages from `top` to `end`, among the
    messages `asked`: its words and length for all at once, then its walk one by one
    for the others."""
    ok = np.zeros(len(top), bool)
    if decl.length is not None:
        off, width, extra = decl.length
        need = max([off + width] + [o + w for o, w, _op, _v in decl.words])
        ok = asked & (end - top >= need)
        for o, w, op, value in decl.words:
            ok &= holds(c.at(top, o, w).astype(np.int64), op, value)
        ok &= c.at(top, off, width).astype(np.int64) + extra == end - top
    if decl.walk is not None:
        walk, buffer, rows = decl.walk, c.buffer, np.flatnonzero(asked & ~ok)
        spans = zip(top[rows].tolist(), end[rows].tolist(), strict=True)
        ok[rows] = [walk(buffer, a, b) for a, b in spans]
    return ok
