"""Which engine this process runs: the compiled one (built by Cython, setup.py) or the source.

What is compiled: dissect/engine.py and the stream pass's analysis
(dissect/streams/analysis.py), the only modules that declare C types (in the
files themselves), the stream pass's other per-packet modules (STREAM_PASS) and every
protocol module under dissect/protocols/ exactly as it is written: plain
Python, which Cython compiles without any declaration, so a protocol file never has a
compiled twin or a fast path of its own. The .py files are the source of truth: a build
records the hash of each source it compiled (MANIFEST), and `select()`, run once by
dissect/__init__.py, uses the extension modules only while every source is unchanged (all
or nothing: a protocol module compiled against an older engine is never mixed in).

  LAYERSCOPE_CORE unset     the compiled engine when it is built and current, else the
                            source (a user's `pip install` without a C compiler)
  LAYERSCOPE_CORE=compiled  the compiled engine or an ImportError saying why: `make test`
                            and CI set this, so a stale or missing build fails loudly
  LAYERSCOPE_CORE=pure      the source even where an extension module exists (`make test-pure`)

Kept free of other dissect imports: setup.py runs this file on its own.
"""

from __future__ import annotations

import os
import sys
from importlib.machinery import EXTENSION_SUFFIXES, ModuleSpec
from importlib.util import spec_from_file_location
from types import SimpleNamespace

ENV = "LAYERSCOPE_CORE"
MANIFEST = "_compiled.json"  # beside this file, written by setup.py: see built_from()
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
ENGINE = "dissect.engine"


def _protocol_modules() -> tuple[str, ...]:
    """Every protocol module (files starting with "_", the template, are not loaded)."""
    folder = os.path.join(PACKAGE_DIR, "protocols")
    names = sorted(f[:-3] for f in os.listdir(folder) if f.endswith(".py") and f[0] != "_")
    return tuple(f"dissect.protocols.{name}" for name in names)


# The stream pass's per-packet work: analysis.py declares C types (in the file itself); the
# modules that annotate each decoded packet with the stream fields (-V, JSON) and track
# conversations are compiled as written, plain Python like a protocol module.
STREAM_PASS = (
    "dissect.streams.analysis",
    "dissect.streams.conversation",
    "dissect.streams.datagrams",
    "dissect.streams.pdus",
    "dissect.streams.table",
)
MODULES: tuple[str, ...] = (ENGINE, *STREAM_PASS, *_protocol_modules())  # what setup.py compiles


class EngineUnavailable(ImportError):
    """LAYERSCOPE_CORE=compiled, and the compiled engine cannot be used."""


def source_base(name: str) -> str:
    """Path of module `name` without its suffix, e.g. .../dissect/engine."""
    return os.path.join(PACKAGE_DIR, *name.split(".")[1:])


def extension_path(name: str) -> str | None:
    base = source_base(name)
    for suffix in EXTENSION_SUFFIXES:
        if os.path.exists(base + suffix):
            return base + suffix
    return None


def source_hash(name: str) -> str:
    """sha256 of module `name`'s .py."""
    import hashlib

    with open(source_base(name) + ".py", "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def built_from() -> dict[str, str]:
    """What setup.py recorded it built each extension module from (source_hash)."""
    import json

    try:
        with open(os.path.join(PACKAGE_DIR, MANIFEST), encoding="utf-8") as f:
            recorded = json.load(f)
    except (OSError, ValueError):
        return {}
    return recorded if isinstance(recorded, dict) else {}


def check() -> tuple[str, str]:
    """("compiled", "") when every module in MODULES is built from its current source,
    else ("pure", the reason)."""
    for name in MODULES:
        if extension_path(name) is None:
            return "pure", "not compiled" if name == ENGINE else f"{name} is not compiled"
    recorded = built_from()
    for name in MODULES:
        if recorded.get(name) != source_hash(name):
            rel = os.path.relpath(source_base(name) + ".py", os.path.dirname(PACKAGE_DIR))
            return "pure", f"{rel} changed since it was compiled: run `make build`"
    return "compiled", ""


class SourceFinder:
    """Imports the modules in MODULES from their .py files (first on sys.meta_path)."""

    names = frozenset(MODULES)

    @classmethod
    def find_spec(cls, fullname: str, path=None, target=None) -> ModuleSpec | None:
        if fullname not in cls.names:
            return None
        return spec_from_file_location(fullname, source_base(fullname) + ".py")


MODE = "pure"
REASON = "not selected yet"


def _same(obj):
    return obj


class _Int(int):
    """The stand-in's C integer type: `cython.longlong[:, :]` (a typed view of an array)
    must also read as a type where nothing is compiled."""

    def __class_getitem__(cls, _dims: object) -> type:
        return cls


# Stands in for the `cython` module where Cython is not installed: the decorators and
# declarations of the engine's source change nothing in pure Python.
cython = SimpleNamespace(
    compiled=False, cclass=_same, cfunc=_same, ccall=_same, inline=_same, final=_same,
    no_gc=_same, freelist=lambda n: _same, locals=lambda **types: _same,
    returns=lambda t: _same,
    declare=lambda t=None, value=None, **kw: value,
    bint=bool, int=int, longlong=_Int, ulonglong=int, Py_ssize_t=int, Py_UCS4=str, void=None,
    p_uchar=bytes, p_ulonglong=object,
)  # fmt: skip


def select() -> str:
    """Decide compiled or pure for this process; returns the mode."""
    global MODE, REASON
    wanted = os.environ.get(ENV, "").strip().lower()
    if wanted == "pure":
        MODE, REASON = "pure", f"{ENV}=pure"
    else:
        MODE, REASON = check()
        if wanted == "compiled" and MODE != "compiled":
            raise EngineUnavailable(
                f"{ENV}=compiled, but the compiled engine cannot be used: {REASON}"
            )
    if MODE == "pure" and SourceFinder not in sys.meta_path:
        sys.meta_path.insert(0, SourceFinder)  # type: ignore[arg-type]
    return MODE


def describe() -> str:
    """One line for --version and reports: "compiled" or "pure Python (reason)"."""
    return "compiled" if MODE == "compiled" else f"pure Python ({REASON})"
