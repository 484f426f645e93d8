"""The compiled engine (dissect/engine.py built by setup.py) and its pure-Python source.

The suite runs on whichever engine this process selected (the pytest header says which;
`make test` requires the compiled one, `make test-pure` runs it all on the source). Here: the
selection itself, the build failing loudly, and, when the compiled engine is active, a subset
of the decoder tests on the source plus a byte-for-byte comparison of both engines' output
on every capture in the repository.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import dissect
from dissect import _compiled

ROOT = Path(__file__).resolve().parent.parent
COMPILED = dissect.CORE == "compiled"
needs_compiled = pytest.mark.skipif(not COMPILED, reason=f"engine is {_compiled.describe()}")
MUTANTS_PER_RECORD = 2
# Quick decoder tests that cover every layer: run again on the pure source.
PURE_SUBSET = [
    "tests/test_core.py",
    "tests/test_golden.py",
    "tests/test_network.py",
    "tests/test_link.py",
    "tests/test_app_tcp.py",
    "tests/test_app_udp.py",
    "tests/test_parallel.py",  # the batch CLI's loop (engine.summary_text) on the source
    "tests/test_rows.py",  # the list row and its integer-formatted time
]


def pure_env() -> dict[str, str]:
    return {**os.environ, _compiled.ENV: "pure", "PYTHONPATH": str(ROOT)}


def test_the_active_engine_is_the_one_loaded():
    """Says which engine this run tests; under `make test` and CI it must be the compiled
    one (LAYERSCOPE_CORE=compiled: dissect itself refuses to import otherwise)."""
    import dissect.engine

    print(f"layerscope engine: {_compiled.describe()}")
    is_extension = not dissect.engine.__file__.endswith(".py")
    assert is_extension == COMPILED, f"engine from {dissect.engine.__file__}, {dissect.CORE}"
    wanted = os.environ.get(_compiled.ENV, "").lower()
    if wanted == "compiled":
        assert COMPILED
    if wanted == "pure":
        assert not COMPILED


@needs_compiled
def test_engine_types_are_extension_types():
    from dissect.engine import Field, FieldSpec, Layer, Packet, Protocol

    for cls in (Field, Layer, Packet, FieldSpec, Protocol):
        assert type(cls.__dict__["__init__"]).__name__ == "wrapper_descriptor", cls
    layer = Layer(Protocol.__new__(Protocol), Packet(b"", 1), 0, 0)
    with pytest.raises(AttributeError):
        layer.undeclared = 1  # only what engine.py declares exists on a compiled Layer


def test_protocols_are_plain_python_compiled_as_they_are():
    """No .pxd anywhere and no C types outside the engine and the stream pass's per-packet
    modules: a protocol is one plain file, which the build compiles unchanged (every one
    of them, found by name)."""
    protocols = sorted(p.stem for p in (ROOT / "dissect" / "protocols").glob("[!_]*.py"))
    plain_stream_modules = ("conversation", "datagrams", "pdus", "table")
    assert _compiled.MODULES == (
        "dissect.engine",
        "dissect.streams.analysis",
        *(f"dissect.streams.{n}" for n in plain_stream_modules),
        *(f"dissect.protocols.{n}" for n in protocols),
    )
    assert not list((ROOT / "dissect").rglob("*.pxd"))
    plain = [*(ROOT / "dissect" / "protocols").glob("*.py"),
             *(ROOT / "dissect" / "streams" / f"{n}.py" for n in plain_stream_modules)]  # fmt: skip
    for path in plain:
        assert "cython" not in path.read_text(), path.name


@needs_compiled
def test_the_stream_fields_are_added_by_compiled_modules():
    """-V and JSON add each packet's stream fields (tcp.stream, relative numbers, analysis)
    in table.py, conversation.py, pdus.py and datagrams.py: compiled as written, like a
    protocol module, they run as extension modules."""
    import dissect.streams.conversation
    import dissect.streams.datagrams
    import dissect.streams.pdus
    import dissect.streams.table

    for module in (dissect.streams.conversation, dissect.streams.datagrams,
                   dissect.streams.pdus, dissect.streams.table):  # fmt: skip
        assert not module.__file__.endswith(".py"), module.__file__


# -- selection -----------------------------------------------------------------------------
def test_selection_is_never_stale(tmp_path: Path, monkeypatch):
    pkg = tmp_path / "dissect"
    (pkg / "protocols").mkdir(parents=True)
    (pkg / "streams").mkdir()
    monkeypatch.setattr(_compiled, "PACKAGE_DIR", str(pkg))
    monkeypatch.delenv(_compiled.ENV, raising=False)
    # select() below sets these for the process: this test's calls must not outlive it
    monkeypatch.setattr(_compiled, "MODE", _compiled.MODE)
    monkeypatch.setattr(_compiled, "REASON", _compiled.REASON)
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    ext = _compiled.EXTENSION_SUFFIXES[0]
    for name in _compiled.MODULES:
        Path(_compiled.source_base(name) + ".py").write_text(f"# {name}\n")
    assert _compiled.check() == ("pure", "not compiled")
    for name in _compiled.MODULES[:-1]:
        Path(_compiled.source_base(name) + ext).write_bytes(b"")
    assert _compiled.check() == ("pure", f"{_compiled.MODULES[-1]} is not compiled")
    Path(_compiled.source_base(_compiled.MODULES[-1]) + ext).write_bytes(b"")
    assert _compiled.check()[0] == "pure"  # built from nothing recorded
    recorded = {name: _compiled.source_hash(name) for name in _compiled.MODULES}
    (pkg / _compiled.MANIFEST).write_text(json.dumps(recorded))
    assert _compiled.check() == ("compiled", "")
    tcp = _compiled.source_base("dissect.protocols.tcp") + ".py"
    Path(tcp).write_text("# edited since the build\n")  # a protocol counts as much as the engine
    mode, why = _compiled.check()
    assert mode == "pure" and "dissect/protocols/tcp.py changed since it was compiled" in why
    monkeypatch.setenv(_compiled.ENV, "compiled")
    with pytest.raises(_compiled.EngineUnavailable, match="changed since it was compiled"):
        _compiled.select()
    monkeypatch.setenv(_compiled.ENV, "pure")
    assert _compiled.select() == "pure"


def test_a_stale_engine_fails_loudly_when_the_compiled_one_is_required(tmp_path: Path):
    """LAYERSCOPE_CORE=compiled (make test, CI) on a package whose engine source changed after
    the build: importing dissect is an error, never a quiet fall back to the source."""
    shutil.copytree(ROOT / "dissect", tmp_path / "dissect")
    engine = tmp_path / "dissect" / "engine.py"
    engine.write_text(engine.read_text() + "\n# edited after the build\n")
    env = {**os.environ, _compiled.ENV: "compiled", "PYTHONPATH": str(tmp_path)}
    r = subprocess.run([sys.executable, "-c", "import dissect"], env=env, cwd=tmp_path,
                       capture_output=True, text=True)  # fmt: skip
    assert r.returncode != 0
    assert "EngineUnavailable" in r.stderr and "compiled engine cannot be used" in r.stderr


def test_a_broken_engine_fails_the_build(tmp_path: Path):
    """A strict build (make build, hence make test and CI) of an engine Cython cannot compile
    exits non-zero and says why, instead of installing the pure-Python engine."""
    pytest.importorskip("Cython")
    shutil.copy(ROOT / "setup.py", tmp_path / "setup.py")
    (tmp_path / "dissect" / "protocols").mkdir(parents=True)  # the engine alone
    shutil.copy(ROOT / "dissect" / "_compiled.py", tmp_path / "dissect" / "_compiled.py")
    source = (ROOT / "dissect" / "engine.py").read_text()
    marker = '    hdr_len = cython.declare(cython.Py_ssize_t, visibility="public")\n'
    assert marker in source
    # a C integer attribute declared twice with two types: a Cython compile error
    broken = source.replace(
        marker, marker + '    hdr_len = cython.declare(dict, visibility="public")\n'
    )
    (tmp_path / "dissect" / "engine.py").write_text(broken)
    env = {**os.environ, "LAYERSCOPE_BUILD": "strict"}
    env.pop(_compiled.ENV, None)
    r = subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--build-lib", "."],
                       env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert r.returncode != 0, r.stderr[-2000:]
    assert "the compiled engine could not be built" in r.stderr
    assert not list((tmp_path / "dissect").glob("engine*.so"))


def test_pure_source_imports_without_cython():
    """Without Cython installed, the engine's decorators and declarations come from the
    stand-in in _compiled.py."""
    code = (
        "import sys; sys.modules['cython'] = None\n"
        "import dissect, dissect.engine\n"
        "from dissect.engine import decode\n"
        "assert dissect.CORE == 'pure' and dissect.engine.cython.compiled is False\n"
        "print(decode(bytes(60), 1))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], env=pure_env(), cwd=ROOT, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    assert "frame:eth:data" in r.stdout


def test_stream_pass_runs_without_cython():
    """The stream pass's typed views (cython.longlong[:, :]) read as types in the stand-in."""
    code = (
        "import sys; sys.modules['cython'] = None\n"
        "from dissect import open_capture\n"
        "from dissect.streams import StreamTable\n"
        "t = StreamTable.build(open_capture('tests/data/streams/arkime_v6-http.pcap'))\n"
        "print(len(t), t.tcp_streams)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], env=pure_env(), cwd=ROOT, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["55", "1"]


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
    from dissect.engine import decode
    from dissect.output import packet_json, row_line, summarize, summary_line, tree_text

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
        h.update(packet_json(pkt, with_bytes=True).encode())
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
def test_compiled_and_pure_stream_passes_write_the_same_json():
    """The stream fields too (relative sequence numbers come from the stream pass, whose
    pure version reads numpy integers: JSON once wrote them as strings there)."""
    cmd = [sys.executable, "-m", "tui.main", "-r", str(ROOT / "captures" / "sample-netns.pcap"),
           "-T", "json"]  # fmt: skip
    pure = subprocess.run(cmd, env=pure_env(), cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=True).stdout  # fmt: skip
    compiled = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120,
                              check=True).stdout  # fmt: skip
    assert '"name": "tcp.seq"' in compiled
    assert pure == compiled


@needs_compiled
def test_decoder_subset_on_the_pure_source():
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider",
         *PURE_SUBSET],
        env=pure_env(), cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
