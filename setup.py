"""The compiled engine: dissect/engine.py, compiled by Cython (pure-Python mode: its C types are
declared in the file itself), and the protocol modules compiled as they are written (plain
Python, no declarations), when Cython and a C compiler are available (dissect/_compiled.py
lists them). Everything else about the package is in pyproject.toml.

A user's `pip install` without a C compiler still works: the engine then runs as Python, and
says so on stderr. With LAYERSCOPE_BUILD=strict (set by `make build`, hence by `make test` and
CI) a Cython error or a failed C compile fails the build instead: a broken engine can never
pass unnoticed. LAYERSCOPE_CORE=pure installs the source alone.

Editable installs (`pip install -e .`) put the extension module next to the source; rebuild
in place after editing dissect/engine.py with `make build` (until then dissect imports the
source: dissect/_compiled.py compares the source with what was built).
"""

from __future__ import annotations

import json
import os
import runpy
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
CORE = runpy.run_path(os.path.join(HERE, "dissect", "_compiled.py"))
STRICT = os.environ.get("LAYERSCOPE_BUILD", "").strip().lower() == "strict"
SOURCE_HASHES: dict[str, str] = {}  # module -> hash of the source Cython compiled


def say(msg: str) -> None:
    print(f"layerscope: {msg}", file=sys.stderr, flush=True)


def jobs() -> int:
    """Modules translated and compiled at once: LAYERSCOPE_BUILD_JOBS, else the CPUs here."""
    env = os.environ.get("LAYERSCOPE_BUILD_JOBS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def fail_or_fall_back(reason: str) -> list[Extension]:
    if STRICT:
        raise SystemExit(f"layerscope: the compiled engine could not be built: {reason}")
    say(f"{reason}: installing the pure-Python engine")
    return []


def extensions() -> list[Extension]:
    if os.environ.get(CORE["ENV"], "").strip().lower() == "pure":
        say(f"{CORE['ENV']}=pure: installing the pure-Python engine")
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        return fail_or_fall_back("Cython is not available")
    exts = [
        Extension(name, [os.path.relpath(CORE["source_base"](name), HERE) + ".py"])
        for name in CORE["MODULES"]
    ]
    # Cython regenerates C when the .py changed; a change of the directives below must
    # regenerate it too.
    me = os.path.getmtime(__file__)
    c_files = [e.sources[0][:-3] + ".c" for e in exts]
    stale = any(os.path.exists(c) and os.path.getmtime(c) < me for c in c_files)
    try:
        # Hashed before Cython reads them: a source edited during the build then no longer
        # matches the manifest, and the import check calls the build stale.
        SOURCE_HASHES.update((e.name, CORE["source_hash"](e.name)) for e in exts)
        built = cythonize(
            exts,
            language_level=3,
            nthreads=jobs(),
            force=stale,
            quiet=True,
            compiler_directives={
                "binding": False,
                # Annotations stay documentation: Cython would otherwise enforce or coerce
                # them (`x: int` turns True into 1, `x: str` rejects bytes), changing
                # behaviour. C types are declared with cython.declare / cython.locals.
                "annotation_typing": False,
            },
        )
    except Exception as exc:  # a Cython error in the engine's source
        return fail_or_fall_back(f"Cython failed ({type(exc).__name__}: {exc})")
    for ext in built:
        ext.optional = not STRICT  # no C compiler: pure Python, unless the build is strict
    return built


class BuildExt(build_ext):
    """Builds the engine, says what it did, and records the source it was built from
    (dissect/_compiled.py: built_from)."""

    def run(self) -> None:
        super().run()
        where = HERE if self.inplace else self.build_lib
        built = {
            e.name: SOURCE_HASHES[e.name]
            for e in self.extensions
            if os.path.exists(os.path.join(where, self.get_ext_filename(e.name)))
        }
        with open(os.path.join(where, "dissect", CORE["MANIFEST"]), "w", encoding="utf-8") as f:
            json.dump(built, f, indent=1, sort_keys=True)

    def finalize_options(self) -> None:
        super().finalize_options()
        if not self.parallel:
            self.parallel = jobs()

    def build_extensions(self) -> None:
        if self.compiler.compiler_type == "unix":
            # No debug info, and -O2 rather than Python's -O3: a fifth less compile time.
            for ext in self.extensions:
                ext.extra_compile_args = [*ext.extra_compile_args, "-g0", "-O2"]
        super().build_extensions()
        missing = [e.name for e in self.extensions if not os.path.exists(self.get_ext_fullpath(e.name))]
        if not missing:
            say("compiled engine built and up to date")
        elif STRICT:
            raise SystemExit(f"layerscope: could not compile {', '.join(missing)}")
        else:
            say(f"could not compile {', '.join(missing)}: the pure-Python engine will be used")


setup(ext_modules=extensions(), cmdclass={"build_ext": BuildExt})
