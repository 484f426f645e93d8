"""The capture helper: capture rights for one group without sudo, and never for the shared
interpreter.

    sudo layerscope --install-capture-helper GROUP

`setcap cap_net_raw+ep /usr/bin/python3.11` would give raw sockets to every Python program
of every user. Instead HELPER_DIR (root-owned, only root writes there) holds

    python3   a copy of this interpreter: root:GROUP, mode 0750, cap_net_raw+ep
    lib/      pcapy and the libpcap it bundles, copied from this installation

dissect/capture.py starts the capture process with it as `python3 -I -S -c <source>`: no
site-packages, no user site, no PYTHON* variables, cwd "/", and a sys.path made of the
interpreter's standard library and lib/ -- each of which `install` checked is root's
alone, as it checked every shared library the copy loads. The capture process gives the
capability up as soon as its handle is open.

What this does not restrict, said plainly: a member of GROUP can run any Python code with
cap_net_raw through that copy (sniff any interface of the host, forge packets) -- the
trust Wireshark's dumpcap gives its group, here given to a general-purpose program.
cap_net_admin is not granted: libpcap needs only cap_net_raw for what layerscope opens.
"""

from __future__ import annotations

import grp
import json
import os
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from dissect.readers import live

HELPER_DIR = Path("/usr/local/libexec/layerscope")
CAPABILITY = "cap_net_raw+ep"
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Run by the new copy: where it finds code (sys.path) and which files it has mapped.
_PROBE = """import sys, json
sys.path.extend({paths!r})
import pcapy
maps = [line.split(None, 5)[-1].strip() for line in open("/proc/self/maps")]
print(json.dumps(sys.path + sorted({{m for m in maps if m.startswith("/")}})))
"""


class InstallError(Exception):
    """The helper cannot be installed (one line)."""


@dataclass(frozen=True, slots=True)
class Helper:
    python: Path  # the interpreter copy with cap_net_raw
    paths: tuple[str, ...]  # appended to its sys.path: where pcapy is


def installed(directory: Path = HELPER_DIR) -> Helper | None:
    """The installed helper, if this process may run it and nobody but root can change it."""
    python, lib = directory / "python3", directory / "lib"
    if not os.access(python, os.X_OK) or not_roots(python) or not_roots(lib):
        return None
    return Helper(python, (str(lib),))


def _chain(path: str | os.PathLike[str]) -> tuple[set[Path], list[Path]]:
    """(the path as written and resolved, those two and all their parents)."""
    given, real = Path(os.path.abspath(path)), Path(os.path.realpath(path))
    return {given, real}, list(dict.fromkeys([given, *given.parents, real, *real.parents]))


def not_roots(path: str | os.PathLike[str]) -> str | None:
    """The first of path and its parents that someone other than root may change, or None.
    A sticky directory (/tmp) is fine above: nobody else may rename root's entries in it."""
    tops, parts = _chain(path)
    for part in parts:
        try:
            st = os.lstat(part)
        except OSError:
            return str(part)
        if stat.S_ISLNK(st.st_mode):  # a link's own mode means nothing; its owner may re-point it
            writable = False
        else:
            writable = st.st_mode & 0o022 and not (part not in tops and st.st_mode & stat.S_ISVTX)
        if st.st_uid != 0 or writable:
            return str(part)
    return None


def writable_by(path: str | os.PathLike[str], uid: int, groups: tuple[int, ...]) -> str | None:
    """The first of path and its parents this user may change (write, or replace an entry
    of), or None."""
    tops, parts = _chain(path)
    for part in parts:
        try:
            st = os.lstat(part)
        except OSError:
            continue
        if st.st_uid == uid:
            return str(part)
        if stat.S_ISLNK(st.st_mode) or (part not in tops and st.st_mode & stat.S_ISVTX):
            continue
        if st.st_mode & stat.S_IWOTH or (st.st_mode & stat.S_IWGRP and st.st_gid in groups):
            return str(part)
    return None


def group_can_read(path: str | os.PathLike[str], gid: int) -> bool:
    """Whether a member of group gid, who owns nothing on the way, can reach and read path."""
    real = Path(os.path.realpath(path))
    for part in [real, *real.parents]:
        st = os.stat(part)
        if part != real:
            need = "x"  # a directory on the way: search
        else:
            need = "rx" if stat.S_ISDIR(st.st_mode) else "r"
        other = sum({"r": stat.S_IROTH, "x": stat.S_IXOTH}[c] for c in need)
        group = other << 3
        if st.st_mode & other != other and (st.st_gid != gid or st.st_mode & group != group):
            return False
    return True


def install(group: str, directory: Path = HELPER_DIR, interpreter: str | None = None) -> Helper:
    """Copy the interpreter and pcapy into `directory`, grant the copy cap_net_raw, check it."""
    if os.geteuid() != 0:
        raise InstallError("run it as root: sudo layerscope --install-capture-helper GROUP")
    gid = _group_id(group)
    setcap = shutil.which("setcap", path=SAFE_PATH)
    if setcap is None:
        raise InstallError("setcap not found: install libcap2-bin (Debian) or libcap (Fedora)")
    try:
        pcapy = live.load_pcapy()
    except live.CaptureFailure as exc:
        raise InstallError(str(exc)) from None
    source = os.path.realpath(interpreter or sys.executable)
    _root_only(source, "the interpreter")
    _make_dir(directory)
    helper = Helper(directory / "python3", (str(directory / "lib"),))
    _copy_pcapy(Path(pcapy.__file__), directory / "lib")
    new = directory / ".python3.new"
    shutil.copyfile(source, new)
    os.chown(new, 0, gid)  # before setcap: a chown clears file capabilities
    os.chmod(new, 0o750)
    _run([setcap, CAPABILITY, str(new)])
    os.replace(new, helper.python)
    try:
        _verify(helper, group, gid)
    except InstallError:
        helper.python.unlink()
        shutil.rmtree(directory / "lib", ignore_errors=True)
        raise
    return helper


def _group_id(group: str) -> int:
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        pass
    if group.isascii() and group.isdigit():
        return int(group)
    raise InstallError(f"no group named {group!r}: create it (groupadd) or name another")


def _root_only(path: str | os.PathLike[str], what: str) -> None:
    part = not_roots(path)
    if part is not None:
        raise InstallError(f"{what} ({path}) is not root's alone: {part} may be changed by "
                           "another user, and the helper would run that with cap_net_raw")  # fmt: skip


def _make_dir(directory: Path) -> None:
    directory.mkdir(mode=0o755, parents=True, exist_ok=True)
    _root_only(directory, "the helper's directory")


def _copy_pcapy(module: Path, lib: Path) -> None:
    """pcapy's extension module and the libraries its wheel bundles (found through
    $ORIGIN), readable by all, writable by root only."""
    new = lib.with_name(".lib.new")
    shutil.rmtree(new, ignore_errors=True)
    new.mkdir(mode=0o755)
    shutil.copyfile(module, new / module.name)
    bundled = module.parent / "pcapy_ng.libs"
    if bundled.is_dir():
        shutil.copytree(bundled, new / bundled.name, copy_function=shutil.copyfile)
    for root, _dirs, files in os.walk(new):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)
    shutil.rmtree(lib, ignore_errors=True)
    os.replace(new, lib)


def _run(cmd: list[str]) -> str:
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd="/",
                             env={"PATH": SAFE_PATH})  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InstallError(f"{cmd[0]}: {exc}") from None
    if res.returncode != 0:
        last = (res.stderr.strip().splitlines() or ["failed"])[-1]
        raise InstallError(f"{os.path.basename(cmd[0])}: {last}")
    return res.stdout


def _verify(helper: Helper, group: str, gid: int) -> None:
    """Start the copy as the capture process will be started; every directory on its
    sys.path and every file it maps must be root's alone and readable by the group."""
    probe = _PROBE.format(paths=list(helper.paths))
    for path in json.loads(_run([str(helper.python), "-I", "-S", "-c", probe])):
        if not os.path.exists(path):
            continue  # e.g. pythonXY.zip, on sys.path whether there or not
        _root_only(path, "a file the copied interpreter uses")
        if not group_can_read(path, gid):
            raise InstallError(f"members of {group} cannot read {path}, which the copied "
                               "interpreter needs: install layerscope with an interpreter "
                               "they can read (a system Python)")  # fmt: skip
