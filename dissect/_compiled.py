"""The optional compiled core: which modules setup.py compiles, and whether this process
uses them.

The .py files are the source of truth and always work alone. When Cython and a C
compiler are there at install time, setup.py compiles the modules in MODULES (pure-Python
mode: the augmenting .pxd files next to some of them declare the hot classes as extension
types) into extension modules placed beside the sources. `select()`, run once by
dissect/__init__.py, decides which of the two this process imports:

  compiled  every module in MODULES has its extension module, built from the .py and
            .pxd there now (an edited source is never shadowed by a stale build);
  pure      otherwise, or with LAYERSCOPE_CORE=pure in the environment: every module in
            MODULES is imported from its .py, even where an extension module exists.

All or nothing, because compiled modules cimport each other's types. Kept free of other
dissect imports: setup.py runs this file on its own, and it is never compiled itself.
"""

from __future__ import annotations

import os
import sys
from importlib.machinery import EXTENSION_SUFFIXES, ModuleSpec
from importlib.util import spec_from_file_location
from types import SimpleNamespace

ENV = "LAYERSCOPE_CORE"  # "pure": ignore the compiled modules
MANIFEST = "_compiled.json"  # beside this file, written by setup.py: see built_from()
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))

# The decoding core: the driver, the model, field specs, the outputs a list row or a tree
# needs, and the protocols of most packets on a typical network (link, IP, transport, and
# the common applications). Rare protocols stay pure Python: each module costs several
# seconds of C compiler time at install. setup.py and select() both read this tuple.
MODULES: tuple[str, ...] = (
    "dissect.batch",
    "dissect.checksum",
    "dissect.fields",
    "dissect.model",
    "dissect.output",
    "dissect.protocol",
    "dissect.trailer",
    "dissect.protocols.arp",
    "dissect.protocols.dns",
    "dissect.protocols.eth",
    "dissect.protocols.http",
    "dissect.protocols.icmp",
    "dissect.protocols.icmpv6",
    "dissect.protocols.ip",
    "dissect.protocols.ipv6",
    "dissect.protocols.sll",
    "dissect.protocols.tcp",
    "dissect.protocols.tls",
    "dissect.protocols.udp",
    "dissect.protocols.vlan",
)


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except FileNotFoundError:
        return 0.0


def source_base(name: str) -> str:
    """Path of module `name` without its suffix, e.g. .../dissect/protocols/tcp."""
    return os.path.join(PACKAGE_DIR, *name.split(".")[1:])


def extension_path(name: str) -> str | None:
    base = source_base(name)
    for suffix in EXTENSION_SUFFIXES:
        if os.path.exists(base + suffix):
            return base + suffix
    return None


def source_hashes(name: str) -> dict[str, str]:
    """sha256 of module `name`'s .py and, where there is one, its .pxd."""
    import hashlib

    out = {}
    for suffix in (".py", ".pxd"):
        try:
            with open(source_base(name) + suffix, "rb") as f:
                out[suffix] = hashlib.sha256(f.read()).hexdigest()
        except FileNotFoundError:
            pass
    return out


def built_from() -> dict[str, dict[str, str]]:
    """What setup.py recorded it built each extension module from (source_hashes)."""
    import json

    try:
        with open(os.path.join(PACKAGE_DIR, MANIFEST), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def check() -> tuple[str, str]:
    """("compiled", "") or ("pure", the reason)."""
    if os.environ.get(ENV, "").strip().lower() == "pure":
        return "pure", f"{ENV}=pure"
    missing = []
    recorded: dict[str, dict[str, str]] | None = None
    for name in MODULES:
        ext = extension_path(name)
        if ext is None:
            missing.append(name)
            continue
        built = os.stat(ext).st_mtime
        base = source_base(name)
        newer = [s for s in (base + ".py", base + ".pxd") if _mtime(s) > built]
        if newer:
            # Newer is not always edited (a wheel's files are unpacked in any order, a git
            # checkout rewrites files): compare contents with what the build recorded.
            if recorded is None:
                recorded = built_from()
            was = recorded.get(name, {})
            if any(was.get(suffix) != digest for suffix, digest in source_hashes(name).items()):
                rel = os.path.relpath(newer[0], os.path.dirname(PACKAGE_DIR))
                return "pure", f"{rel} changed since its compiled module was built: rebuild"
    if len(missing) == len(MODULES):
        return "pure", "not compiled"
    if missing:
        return "pure", f"{missing[0]} is not compiled: rebuild"
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


# Stands in for the `cython` module where Cython is not installed (model.py falls back to
# it): the class decorators the compiled modules use change nothing in pure Python.
cython = SimpleNamespace(compiled=False, cclass=_same, no_gc=_same, locals=lambda **types: _same)


def select() -> str:
    """Decide compiled or pure for this process; returns the mode."""
    global MODE, REASON
    MODE, REASON = check()
    if MODE == "pure" and SourceFinder not in sys.meta_path:
        sys.meta_path.insert(0, SourceFinder)  # type: ignore[arg-type]
    return MODE


def describe() -> str:
    """One line for reports, e.g. "compiled (11 modules)" or "pure (not compiled)"."""
    if MODE == "compiled":
        return f"compiled ({len(MODULES)} modules)"
    return f"pure ({REASON})"
