"""Optional compiled core: the modules listed in dissect/_compiled.py are compiled with
Cython (pure-Python mode; .pxd files beside them declare the hot classes) when Cython and
a C compiler are available. Otherwise, or with LAYERSCOPE_CORE=pure in the environment,
the package installs as pure Python; each case says so on stderr. Everything else about
the package is in pyproject.toml.

Editable installs (`pip install -e .`) put the extension modules next to the sources.
Rebuild in place after editing a compiled module: `make build` (until then dissect
imports the pure sources, see dissect/_compiled.py). LAYERSCOPE_BUILD_JOBS sets how many
modules are translated and compiled at once (default: the CPUs this process may use).
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


def say(msg: str) -> None:
    print(f"layerscope: {msg}", file=sys.stderr, flush=True)


def jobs() -> int:
    env = os.environ.get("LAYERSCOPE_BUILD_JOBS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def extensions() -> list[Extension]:
    if os.environ.get(CORE["ENV"], "").strip().lower() == "pure":
        say(f"{CORE['ENV']}=pure: installing the pure-Python core")
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        say("Cython is not available: installing the pure-Python core")
        return []
    exts = [
        # relative paths: setuptools wants them so
        Extension(name, [os.path.relpath(CORE["source_base"](name), HERE) + ".py"], optional=True)
        for name in CORE["MODULES"]
    ]
    # Cython regenerates C when a .py or .pxd changed; a change of the directives below
    # must regenerate it too.
    me = os.path.getmtime(__file__)
    c_files = [e.sources[0][:-3] + ".c" for e in exts]
    stale = any(os.path.exists(c) and os.path.getmtime(c) < me for c in c_files)
    try:
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
                # behaviour. Typed variables are declared in the .pxd files instead.
                "annotation_typing": False,
            },
        )
    except Exception as exc:  # any Cython failure: fall back to pure Python, never fail
        say(f"Cython failed ({type(exc).__name__}: {exc}): installing the pure-Python core")
        return []
    for ext in built:
        ext.optional = True  # no C compiler, or a compile error: pure Python, not a failure
    return built


class BuildExt(build_ext):
    """Builds the extensions in parallel, optimised but quick to build; says what it did
    and records what each was built from (dissect/_compiled.py: built_from)."""

    def run(self) -> None:
        super().run()
        where = HERE if self.inplace else self.build_lib
        built = {
            e.name: CORE["source_hashes"](e.name)
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
            # No debug info, and -O2 rather than Python's -O3: a fifth less compile time,
            # about 2% more instructions per packet.
            for ext in self.extensions:
                ext.extra_compile_args = [*ext.extra_compile_args, "-g0", "-O2"]
        super().build_extensions()
        built = [os.path.exists(self.get_ext_fullpath(e.name)) for e in self.extensions]
        if all(built):
            say(f"compiled core: {len(built)} modules built and up to date")
        else:
            missing = [e.name for e, ok in zip(self.extensions, built, strict=True) if not ok]
            say(f"could not compile {', '.join(missing)}: the pure-Python core will be used")


setup(ext_modules=extensions(), cmdclass={"build_ext": BuildExt})
