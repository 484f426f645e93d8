"""The optional compiled core (setup.py, dissect/_compiled.py) and the pure-Python source.

The suite runs on whichever core this process selected (the pytest header says which;
`make test-pure` runs it all on the sources). Here: the selection itself, the .pxd files
agreeing with the classes they declare, and, when the compiled core is active, a subset
of the decoder tests on the pure source plus a byte-for-byte comparison of both cores'
output on every capture in the repository.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import json
import os
import random
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import dissect
from dissect import _compiled

ROOT = Path(__file__).resolve().parent.parent
COMPILED = dissect.CORE == "compiled"
needs_compiled = pytest.mark.skipif(not COMPILED, reason=f"core is {_compiled.describe()}")
MUTANTS_PER_RECORD = 2
# Quick decoder tests that cover every layer: run again on the pure source.
PURE_SUBSET = [
    "tests/test_core.py",
    "tests/test_golden.py",
    "tests/test_network.py",
    "tests/test_link.py",
    "tests/test_app_tcp.py",
    "tests/test_app_udp.py",
    "tests/test_parallel.py",  # the batch CLI's compiled loop (dissect/batch.py) on the source
    "tests/test_rows.py",  # the batch CLI's list row and its integer-formatted time
]


def pure_env() -> dict[str, str]:
    return {**os.environ, _compiled.ENV: "pure", "PYTHONPATH": str(ROOT)}


def test_the_active_core_is_the_one_loaded():
    """Says which core this run tests, and checks every core module agrees with it."""
    print(f"layerscope core: {_compiled.describe()}")
    for name in _compiled.MODULES:
        mod = importlib.import_module(name)
        is_extension = not mod.__file__.endswith(".py")
        assert is_extension == COMPILED, f"{name} from {mod.__file__}, core {dissect.CORE}"
    if os.environ.get(_compiled.ENV, "").lower() == "pure":
        assert not COMPILED


@needs_compiled
def test_compiled_types_are_extension_types():
    from dissect.fields import FieldSpec
    from dissect.model import Field, Layer, Packet
    from dissect.protocol import Protocol

    for cls in (Field, Layer, Packet, FieldSpec, Protocol):
        assert type(cls.__dict__["__init__"]).__name__ == "wrapper_descriptor", cls
    layer = Layer(Protocol.__new__(Protocol), Packet(b"", 1), 0, 0)
    with pytest.raises(AttributeError):
        layer.undeclared = 1  # only what model.pxd declares exists on a compiled Layer


# -- the .pxd files match the classes they turn into extension types ----------------------
def pxd_classes(pxd: Path) -> dict[str, set[str] | None]:
    """cdef class name -> attribute names it declares (None: it also has a __dict__)."""
    out: dict[str, set[str] | None] = {}
    current: str | None = None
    for line in pxd.read_text().splitlines():
        m = re.match(r"cdef class (\w+)", line)
        if m:
            current = m.group(1)
            out[current] = set()
            continue
        if current is None or not line.startswith("    "):
            if line.strip() and not line.startswith((" ", "#", "@")):
                current = None
            continue
        m = re.match(r"\s+cdef (?:public |readonly )?(?:\w+) ([\w, ]+)$", line)
        if m and current is not None and out[current] is not None:
            names = {n.strip() for n in m.group(1).split(",")}
            out[current] = None if "__dict__" in names else out[current] | names  # type: ignore[operator]
    return out


def py_slots(py: Path) -> dict[str, tuple[str, ...] | None]:
    out: dict[str, tuple[str, ...] | None] = {}
    for node in ast.parse(py.read_text()).body:
        if isinstance(node, ast.ClassDef):
            slots = None
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "__slots__" for t in stmt.targets
                ):
                    slots = tuple(ast.literal_eval(stmt.value))
            out[node.name] = slots
    return out


PXDS = sorted(p for p in (ROOT / "dissect").rglob("*.pxd"))


def test_every_pxd_belongs_to_a_compiled_module():
    names = {
        "dissect." + ".".join(p.relative_to(ROOT / "dissect").with_suffix("").parts) for p in PXDS
    }
    assert names <= set(_compiled.MODULES), names - set(_compiled.MODULES)


@pytest.mark.parametrize("pxd", PXDS, ids=lambda p: p.name)
def test_pxd_declares_exactly_the_slots(pxd: Path):
    """A slot missing from the .pxd is an attribute the compiled class lacks (AttributeError
    on first use, compiled only); an extra one is a stale declaration. A class without
    __slots__ must keep a __dict__ in the .pxd, so undeclared attributes still work."""
    slots = py_slots(pxd.with_suffix(".py"))
    for cls, declared in pxd_classes(pxd).items():
        assert cls in slots, f"{pxd.name} declares {cls}, which {pxd.stem}.py does not define"
        if slots[cls] is None:
            assert declared is None, f"{cls} has no __slots__: declare `cdef dict __dict__`"
        else:
            assert declared == set(slots[cls]), (  # type: ignore[arg-type]
                f"{pxd.name}: {cls} declares {sorted(declared or ())}, "
                f"__slots__ has {sorted(slots[cls] or ())}"
            )


# -- selection -----------------------------------------------------------------------------
def test_selection_is_all_or_nothing_and_never_stale(tmp_path: Path, monkeypatch):
    pkg = tmp_path / "dissect"
    (pkg / "protocols").mkdir(parents=True)
    monkeypatch.setattr(_compiled, "PACKAGE_DIR", str(pkg))
    monkeypatch.delenv(_compiled.ENV, raising=False)
    ext = _compiled.EXTENSION_SUFFIXES[0]
    for name in _compiled.MODULES:
        base = _compiled.source_base(name)
        Path(base + ".py").write_text("")
        os.utime(base + ".py", (1_000, 1_000))
    assert _compiled.check() == ("pure", "not compiled")
    for name in _compiled.MODULES[:-1]:
        Path(_compiled.source_base(name) + ext).write_bytes(b"")
    assert _compiled.check() == ("pure", f"{_compiled.MODULES[-1]} is not compiled: rebuild")
    Path(_compiled.source_base(_compiled.MODULES[-1]) + ext).write_bytes(b"")
    assert _compiled.check() == ("compiled", "")
    monkeypatch.setenv(_compiled.ENV, "pure")
    assert _compiled.check()[0] == "pure"
    monkeypatch.delenv(_compiled.ENV)
    # Newer than the extension module but as built (a wheel unpacked, a git checkout): used.
    model = _compiled.source_base("dissect.model")
    Path(model + ".pxd").write_text("cdef class Field: pass\n")
    os.utime(model + ".pxd", (2**31, 2**31))
    recorded = {name: _compiled.source_hashes(name) for name in _compiled.MODULES}
    (pkg / _compiled.MANIFEST).write_text(json.dumps(recorded))
    assert _compiled.check() == ("compiled", "")
    Path(model + ".pxd").write_text("cdef class Field: cdef public object spec\n")  # edited
    os.utime(model + ".pxd", (2**31, 2**31))
    mode, why = _compiled.check()
    assert mode == "pure" and "dissect/model.pxd changed since" in why
    (pkg / _compiled.MANIFEST).unlink()  # nothing recorded: a newer source counts as edited
    assert _compiled.check()[0] == "pure"


def test_pure_source_imports_without_cython():
    """Without Cython installed, model.py's class decorators come from the stand-in."""
    code = (
        "import sys; sys.modules['cython'] = None\n"
        "import dissect, dissect.model\n"
        "from dissect.protocol import decode\n"
        "assert dissect.CORE == 'pure' and dissect.model.cython.compiled is False\n"
        "print(decode(bytes(60), 1))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], env=pure_env(), cwd=ROOT, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    assert "frame:eth:data" in r.stdout


# -- both cores, same behaviour ---------------------------------------------------------------
def capture_files() -> list[Path]:
    out = [
        p
        for base in (ROOT / "captures", ROOT / "tests" / "data")
        for p in base.rglob("*")
        if p.suffix in (".pcap", ".pcapng", ".cap")
    ]
    return sorted(out)


def frames(paths: list[str]):
    """(key, record) for every record of the captures, then mutants of them: bit flips,
    overwritten bytes, cuts and a longer wire length, from a fixed seed, so both cores
    also meet malformed packets and the decoders' error paths."""
    from dissect.index import CaptureError, open_capture

    seeds = []
    for path in paths:
        try:
            idx = open_capture(path).index_all()
        except CaptureError as exc:
            yield path, f"error: {exc}"
            continue
        for i in range(len(idx)):
            r = idx.record(i)
            seeds.append(r)
            yield path, r
        idx.close()
    rnd = random.Random(20240601)
    for n, r in enumerate(seeds * MUTANTS_PER_RECORD):
        data = bytearray(r.data)
        for _ in range(rnd.randint(1, 4)):
            if not data:
                break
            i = rnd.randrange(min(len(data), 96))
            kind = rnd.random()
            if kind < 0.4:
                data[i] ^= 1 << rnd.randrange(8)
            elif kind < 0.7:
                data[i] = rnd.choice((0x00, 0x01, 0x7F, 0x80, 0xFF, rnd.randrange(256)))
            else:
                del data[rnd.randrange(len(data)) :]
        wirelen = max(r.wirelen, len(data)) + (rnd.randrange(64) if rnd.random() < 0.2 else 0)
        yield f"mutant {n}", replace(r, data=bytes(data), caplen=len(data), wirelen=wirelen)


def digest(paths: list[str]) -> dict[str, str]:
    """Per capture file (and per mutant), a hash of everything the outputs show."""
    from dissect.output import packet_dict, row_line, summarize, summary_line, tree_text
    from dissect.protocol import decode

    hashes: dict[str, hashlib._Hash] = {}
    out: dict[str, str] = {}
    for key, r in frames(paths):
        if isinstance(r, str):
            out[key] = r
            continue
        h = hashes.setdefault(key, hashlib.sha256())
        pkt = decode(
            r.data, r.linktype, number=r.number, time_ns=r.time_ns, wirelen=r.wirelen,
            interface=r.interface, comment=r.comment,
        )  # fmt: skip
        h.update(summary_line(summarize(pkt)).encode())
        h.update(row_line(pkt, r.time_ns - 1_234_567_891).encode())  # integer-formatted time
        h.update(tree_text(pkt, spans=True).encode())
        h.update(json.dumps(packet_dict(pkt, with_bytes=True), sort_keys=True).encode())
    out.update((key, h.hexdigest()) for key, h in hashes.items())
    return out


@needs_compiled
def test_compiled_and_pure_cores_agree_on_every_capture():
    paths = [str(p) for p in capture_files()]
    assert len(paths) > 100
    code = (
        "import json, sys\n"
        "from tests.test_compiled import digest\n"
        "json.dump(digest(json.load(sys.stdin)), sys.stdout)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(paths), env=pure_env(), cwd=ROOT, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    pure = json.loads(r.stdout)
    compiled = digest(paths)
    assert pure.keys() == compiled.keys()
    assert sum(k.startswith("mutant") for k in pure) > 1000
    differ = [k for k in compiled if pure[k] != compiled[k]]
    assert not differ, f"compiled and pure output differ on {differ[:10]}"


@needs_compiled
def test_decoder_subset_on_the_pure_source():
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider",
         *PURE_SUBSET],
        env=pure_env(), cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
