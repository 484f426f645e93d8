"""Privilege boundaries of live capture (issue 12, items 1-4).

What runs as root, from where, and what the root launcher does for the unprivileged
dissector. Planted modules (argparse.py, json.py, ...) write a marker file named after the
uid that imported them; a capture as sudo-like root (SUDO_UID=65534) must leave none.
Root-only tests build their own namespaces (network, PID, mount) and skip with the reason
otherwise; every wait is bounded; processes are stopped by PID.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from dissect.capture import CaptureStartError, LiveCapture, LiveOptions, drop_target
from tests.test_live import (  # noqa: F401  (netns: a fixture)
    ENV,
    LAYERSCOPE,
    PY,
    ROOT,
    Cli,
    needs_root,
    netns,
    nsexec,
    packets,
    send,
    udp_numbers,
)

NOBODY = 65534
# Every module the capture process imports, and a few Python looks for on its own.
PLANTED = ("argparse", "json", "socket", "select", "struct", "signal", "errno", "ctypes",
           "dataclasses", "typing", "types", "pcapy", "sitecustomize", "usercustomize")  # fmt: skip
MARKER = (
    "import os as _os\n"
    "open(_os.path.join({marks!r}, 'marker-uid%d-%s' % (_os.getuid(), __name__)), 'w').close()\n"
)


def _shared_dir(mode: int) -> Path:
    """A fresh directory under /tmp that other users can reach (pytest's tmp_path is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="layerscope-priv-", dir="/tmp"))
    path.chmod(mode)
    return path


@pytest.fixture
def dirs() -> Iterator[tuple[Path, Path]]:
    """(a world-writable working directory full of planted modules, the marker directory)."""
    work, marks = _shared_dir(0o1777), _shared_dir(0o1777)
    plant(work, marks)
    try:
        yield work, marks
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(marks, ignore_errors=True)


def plant(directory: Path, marks: Path) -> None:
    for name in PLANTED:
        (directory / f"{name}.py").write_text(MARKER.format(marks=str(marks)))


def markers(marks: Path) -> list[str]:
    return sorted(p.name for p in marks.iterdir() if p.name.startswith("marker-"))


SUDO_NOBODY = {"SUDO_UID": str(NOBODY), "SUDO_GID": str(NOBODY), "SUDO_USER": "nobody"}


# -- item 1: nothing from the working directory, the environment or the user's files ----------
@needs_root
def test_sudo_capture_runs_nothing_from_the_working_directory(
    netns: str,  # noqa: F811
    dirs: tuple[Path, Path],
) -> None:
    """`sudo layerscope -i lo -w c.pcapng` started in a world-writable directory."""
    work, marks = dirs
    try:
        cli = Cli(netns, "-i", "lo", "-c", "3", "-w", "c.pcapng", "-q", "udp",
                  env={**ENV, **SUDO_NOBODY}, cwd=str(work))  # fmt: skip
    except AssertionError as exc:  # it did not start: say first what ran
        assert markers(marks) == [], exc
        raise
    send(netns, "127.0.0.1", 3)
    _, err, status = cli.finish(sig=None)
    assert markers(marks) == []
    assert status == 0, err
    out = work / "c.pcapng"  # relative to where it was started, though the capture runs in /
    assert out.stat().st_uid == NOBODY and udp_numbers(packets(out)[0]) == [0, 1, 2]


DISSECTOR = r"""
import os, sys
from pathlib import Path
from dissect.capture import LiveCapture, LiveOptions, prepare_privileges
pkg, work, marks = sys.argv[1:4]
launcher = prepare_privileges()  # root forks the launcher, then we are SUDO_UID
assert os.getuid() == 65534, os.getuid()
marker = "\n" + open(os.path.join(work, "json.py")).read()
for name in ("dissect/readers/live.py", "dissect/readers/writer.py"):  # the user edits them
    with open(os.path.join(pkg, name), "a") as fh:
        fh.write(marker)
for planted in Path(work).glob("*.py"):  # and plants modules beside their package
    Path(pkg, planted.name).write_text(planted.read_text())
capture = LiveCapture(LiveOptions("lo", "udp", write=os.path.join(work, "x.pcapng")), launcher)
capture.start()
print("ready as", capture.ready["uid"], flush=True)
capture.close()
launcher.close()
"""


@needs_root
def test_launcher_reads_no_code_the_user_changed_after_start(
    netns: str,  # noqa: F811
    dirs: tuple[Path, Path],
) -> None:
    """The dropped dissector edits its own (user-writable) package, then asks the root
    launcher for a capture: the capture process must not run the edited code."""
    work, marks = dirs
    home = _shared_dir(0o755)
    try:
        pkg = home / "pkg"
        for name in ("dissect", "tui"):
            shutil.copytree(ROOT / name, pkg / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.c"))  # fmt: skip
        subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(pkg)], check=True, timeout=30)
        env = {**ENV, **SUDO_NOBODY, "PYTHONPATH": str(pkg), "LAYERSCOPE_CORE": "pure"}
        res = subprocess.run(nsexec(netns, PY, "-P", "-c", DISSECTOR, str(pkg), str(work), str(marks)),
                             capture_output=True, text=True, timeout=60, env=env, cwd=str(work))  # fmt: skip
    finally:
        shutil.rmtree(home, ignore_errors=True)
    assert [m for m in markers(marks) if m.startswith("marker-uid0-")] == []
    assert res.returncode == 0 and "ready as 65534" in res.stdout, res.stdout + res.stderr


@needs_root
def test_capture_process_without_launcher_starts_isolated(
    netns: str,  # noqa: F811
    dirs: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """No launcher (a user with the capture helper; here root through `ip netns exec`): the
    caller's working directory, PYTHONPATH and user site reach nothing."""
    work, marks = dirs
    site = work / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    site.mkdir(parents=True)
    plant(site, marks)
    monkeypatch.chdir(work)
    for name, value in (("PYTHONPATH", str(work)), ("PYTHONUSERBASE", str(work)),
                        ("PYTHONSTARTUP", str(work / "json.py"))):  # fmt: skip
        monkeypatch.setenv(name, value)
    capture = LiveCapture(LiveOptions("lo", "udp", write=str(tmp_path / "x.pcapng"),
                                      prefix=nsexec(netns)))  # fmt: skip
    try:
        capture.start()
    except CaptureStartError:
        pass  # what ran matters first
    finally:
        capture.close()
    assert markers(marks) == []
    assert capture.ready is not None and capture.error is None, capture.error


def test_capture_process_needs_nothing_but_the_standard_library() -> None:
    """Its code, run as the dedicated helper runs it (-I -S, no site-packages at all): it
    gets as far as looking for pcapy, and says so on the control pipe."""
    from dissect.capture import helper_command

    cmd = helper_command(["-i", "lo", "-w", "/nonexistent/x"])
    assert cmd[1:3] == ["-I", "-c"]  # isolated: no cwd, no user site, no PYTHON* variables
    cmd.insert(2, "-S")
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=30, cwd="/", env={})
    assert '"ev":"error"' in res.stdout and "pcapy-ng is not installed" in res.stdout, res


# -- item 2: no signal for a recycled PID ----------------------------------------------------
RECYCLER = r"""
import os, signal, subprocess, sys
from dissect.capture import Launcher
launcher = Launcher(None)
pid, fd = launcher.spawn(["-i", "nosuchdev0", "-w", "/nonexistent/x"])
with os.fdopen(fd, "rb") as pipe:
    pipe.read()  # to the end: the capture process has ended
for attempt in range(50):  # ask the kernel for that PID again (PID namespace of our own)
    with open("/proc/sys/kernel/ns_last_pid", "w") as fh:
        fh.write(str(pid - 1))
    victim = subprocess.Popen(["sleep", "30"])
    if victim.pid == pid:
        break
    victim.kill()
    victim.wait()
else:
    sys.exit("pid %d never came back" % pid)
launcher.signal(pid, signal.SIGKILL)  # a request for the old capture process
try:
    victim.wait(timeout=3)
    print("victim killed", flush=True)
except subprocess.TimeoutExpired:
    print("victim alive", flush=True)
    victim.kill()
    victim.wait()
launcher.close()
"""


@needs_root
@pytest.mark.skipif(shutil.which("unshare") is None, reason="unshare (util-linux) not installed")
def test_launcher_never_signals_a_recycled_pid() -> None:
    cmd = ["unshare", "--pid", "--fork", "--mount-proc", PY, "-P", "-c", RECYCLER]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=ENV, cwd="/")
    if "never came back" in res.stderr:
        pytest.skip("the kernel did not hand the PID out again (ns_last_pid ignored)")
    assert res.stdout.strip() == "victim alive", res.stdout + res.stderr


# -- item 3: capabilities for a dedicated copy, never the shared interpreter -----------------
SYSTEM_PYTHON = f"/usr/bin/python{sys.version_info[0]}.{sys.version_info[1]}"


def _helper_skip() -> str | None:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return "installing the helper and capturing need root and iproute2"
    for tool in ("setcap", "getcap", "setpriv"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"{SYSTEM_PYTHON} (an interpreter other users can read) is not installed"
    try:
        grp.getgrgid(NOBODY)
        pwd.getpwuid(NOBODY)
    except KeyError:
        return "no user and group 65534 (nobody, nogroup)"
    return None


@pytest.mark.skipif(_helper_skip() is not None, reason=str(_helper_skip()))
def test_installed_helper_lets_its_group_capture_and_nobody_else(netns: str) -> None:  # noqa: F811
    from dissect import capture_helper
    from dissect.capture import helper_command

    base, out = _shared_dir(0o755), _shared_dir(0o1777)
    group = grp.getgrgid(NOBODY).gr_name
    try:
        helper = capture_helper.install(group, base / "helper", interpreter=SYSTEM_PYTHON)
        st = helper.python.stat()
        assert (st.st_uid, st.st_gid, st.st_mode & 0o7777) == (0, NOBODY, 0o750)
        caps = subprocess.run(["getcap", str(helper.python)], capture_output=True, text=True)
        assert caps.stdout.split()[-1] == "cap_net_raw=ep"  # that copy only, that right only
        assert capture_helper.installed(base / "helper") == helper
        assert subprocess.run(["getcap", os.path.realpath(SYSTEM_PYTHON)], capture_output=True,
                              text=True).stdout.strip() == ""  # fmt: skip
        args = ["-i", "lo", "-w", str(out / "x.pcapng"), "-c", "2", "-f", "udp"]
        as_nobody = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        proc = subprocess.Popen(nsexec(netns, *as_nobody, *helper_command(args, helper)),
                                stdout=subprocess.PIPE, text=True, cwd="/", env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})  # fmt: skip
        assert proc.stdout is not None
        ready = proc.stdout.readline()
        send(netns, "127.0.0.1", 2)
        rest, _ = proc.communicate(timeout=30)
        assert '"ev":"ready"' in ready and f'"uid":{NOBODY}' in ready, ready + rest
        assert '"ev":"done"' in rest and '"captured":2' in rest, rest
        assert udp_numbers(packets(out / "x.pcapng")[0]) == [0, 1]
    finally:
        shutil.rmtree(base, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)


def _exec_bits_enforced() -> bool:
    """Whether this kernel refuses to run a root-only (0700) program for another user (some
    sandboxed kernels let anyone run a file with any execute bit)."""
    base = _shared_dir(0o755)
    try:
        shutil.copyfile(shutil.which("true") or "/bin/true", base / "t")
        (base / "t").chmod(0o700)
        res = subprocess.run(["setpriv", "--reuid=1", "--regid=1", "--clear-groups", str(base / "t")],
                             capture_output=True, timeout=30)  # fmt: skip
        return res.returncode != 0
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.skipif(_helper_skip() is not None, reason=str(_helper_skip()))
def test_installed_helper_is_refused_to_users_outside_its_group() -> None:
    from dissect import capture_helper

    if not _exec_bits_enforced():
        pytest.skip("this kernel lets any user execute a file with an execute bit (0700 ran)")
    base = _shared_dir(0o755)
    try:
        helper = capture_helper.install(grp.getgrgid(NOBODY).gr_name, base / "helper",
                                        interpreter=SYSTEM_PYTHON)  # fmt: skip
        someone_else = next(u for u in pwd.getpwall() if u.pw_uid not in (0, NOBODY)
                            and u.pw_gid != NOBODY)  # fmt: skip
        refused = subprocess.run(
            ["setpriv", f"--reuid={someone_else.pw_uid}", f"--regid={someone_else.pw_gid}",
             "--clear-groups", str(helper.python), "-c", "pass"], capture_output=True, text=True
        )  # fmt: skip
        assert refused.returncode != 0 and "Permission denied" in refused.stderr
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="the installer runs as root")
def test_installer_refuses_an_interpreter_its_group_cannot_read(tmp_path: Path) -> None:
    """This interpreter may live in root's home (pyenv): a copy that members of the group
    could not start is refused with one line, and nothing is left behind."""
    from dissect import capture_helper

    if shutil.which("setcap") is None:
        pytest.skip("setcap is not installed")
    base = _shared_dir(0o755)
    try:
        capture_helper.install("root", base / "helper")
    except capture_helper.InstallError as exc:
        assert "\n" not in str(exc) and "members of root cannot read" in str(exc)
        assert list((base / "helper").iterdir()) == []  # no copy, no capability left behind
    else:  # this interpreter is readable by all: then the copy was installed, as checked
        assert capture_helper.installed(base / "helper") is not None
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_install_needs_root_and_names_the_way(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from dissect.cli import install_helper_cmd

    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    out, err = io.StringIO(), io.StringIO()
    assert install_helper_cmd("users", out, err) == 2
    assert out.getvalue() == "" and err.getvalue().count("\n") == 1
    assert "sudo layerscope --install-capture-helper GROUP" in err.getvalue()


# -- item 4: odd SUDO_UID / SUDO_GID ---------------------------------------------------------
ODD_IDS = [
    {"SUDO_UID": "-1"},
    {"SUDO_UID": "99999999999999999999"},
    {"SUDO_UID": "abc"},
    {"SUDO_UID": ""},
    {"SUDO_UID": "4294967295"},  # (uid_t)-1: "unchanged" to setresuid, so: stay root
    {"SUDO_UID": "٣"},  # a digit, not an ASCII one
    {"SUDO_UID": "\x1b]0;pwned\x07"},
    {"SUDO_UID": str(NOBODY), "SUDO_GID": "-5"},
    {"SUDO_UID": str(NOBODY), "SUDO_GID": "99999999999999999999"},
]


@pytest.mark.skipif(os.geteuid() != 0, reason="SUDO_UID matters only to root")
@pytest.mark.parametrize("env", ODD_IDS, ids=[repr(e) for e in ODD_IDS])
def test_odd_sudo_ids_are_one_line(env: dict[str, str]) -> None:
    res = subprocess.run([*LAYERSCOPE, "-i", "nosuchdev0", "-q"], capture_output=True,
                         text=True, timeout=30, env={**ENV, **env}, cwd="/")  # fmt: skip
    assert res.returncode == 2 and res.stderr.count("\n") == 1, res.stderr
    assert "Traceback" not in res.stderr and "\x1b" not in res.stderr
    assert "is not a user or group id" in res.stderr and "-Z USER" in res.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="SUDO_UID matters only to root")
def test_sudo_uid_of_no_user_and_root_itself() -> None:
    unused = next(uid for uid in range(40000, 41000) if not _user_exists(uid))
    res = subprocess.run([*LAYERSCOPE, "-i", "nosuchdev0", "-q"], capture_output=True, text=True,
                         timeout=30, env={**ENV, "SUDO_UID": str(unused)}, cwd="/")  # fmt: skip
    assert res.returncode == 2 and res.stderr.count("\n") == 1
    assert f"SUDO_UID={unused} is no user of this system" in res.stderr
    assert drop_target(None, {"SUDO_UID": "0", "SUDO_GID": "0"}) is None  # root stays root
    target = drop_target(None, {"SUDO_UID": str(NOBODY)})  # no SUDO_GID: the user's group
    assert target is not None and target.gid == pwd.getpwuid(NOBODY).pw_gid


def _user_exists(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True
