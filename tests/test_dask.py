"""`layerscope export --dask`: a real `dask scheduler` and two `dask worker` processes on
127.0.0.1, started here by PID and stopped after; the dataset must equal the local run's,
also when a worker is killed in the middle of the job."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dissect.export import job

from .exportlib import read_tables, run

pytest.importorskip("distributed")
ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "captures" / "sample-netns.pcap"
DASK = Path(sys.executable).parent / "dask"
START_TIMEOUT = 60.0  # seconds for the scheduler and workers to come up on a loaded machine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


class Cluster:
    """A scheduler and two workers (one process, one thread each) on 127.0.0.1."""

    def __init__(self, tmp: Path) -> None:
        port = _free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
        common = {
            "env": env,
            "cwd": tmp,
            "stdout": subprocess.DEVNULL,
            "stderr": subprocess.DEVNULL,
        }
        self.scheduler = subprocess.Popen(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port),
             "--no-dashboard"], **common,
        )  # fmt: skip
        self.workers = [
            subprocess.Popen(
                [
                    str(DASK),
                    "worker",
                    self.address,
                    "--nworkers",
                    "1",
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                    "--no-nanny",
                    "--host",
                    "127.0.0.1",
                ],
                **common,
            )  # fmt: skip
            for _ in range(2)
        ]

    def wait(self) -> None:
        from distributed import Client

        with Client(self.address, timeout=f"{START_TIMEOUT}s") as client:
            client.wait_for_workers(2, timeout=START_TIMEOUT)

    def stop(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            _stop(proc)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    if not DASK.exists():
        pytest.skip(f"no dask command next to {sys.executable}")
    c = Cluster(tmp_path)
    try:
        c.wait()
        yield c
    finally:
        c.stop()


def _inputs(folder: Path, n: int) -> list[str]:
    folder.mkdir()
    out = []
    for k in range(n):
        shutil.copy(SAMPLE, folder / f"c{k}.pcap")
        out.append(str(folder / f"c{k}.pcap"))
    return out


@pytest.mark.parametrize("only", [(), ("--protocols", "frames")], ids=["every table", "frames"])
def test_dask_run_equals_local_run(cluster: Cluster, tmp_path: Path, only: tuple) -> None:
    """Every table; and `frames` alone, whose rows of plain records are made without
    decoding (dissect/export/columnar.py) on the Dask workers as on the local ones."""
    files = _inputs(tmp_path / "in", 4)
    argv = ["export", *files, "--chunk-records", "8", "--spans", *only]
    code, _out, err = run(*argv, "--parquet", str(tmp_path / "local"), "--workers", "2")
    assert code == 0, err
    code, _out, err = run(*argv, "--parquet", str(tmp_path / "dask"), "--dask", cluster.address)
    assert code == 0, err
    local, dask = read_tables(tmp_path / "local"), read_tables(tmp_path / "dask")
    assert local.keys() == dask.keys() and len(local["frames"]) == 4 * 36
    for name in local:
        key = lambda r: (r["file"], r["number"], r.get("layer"))  # noqa: E731
        assert sorted(local[name], key=key) == sorted(dask[name], key=key), name


def test_a_dying_worker_loses_and_doubles_no_row(cluster: Cluster, tmp_path: Path) -> None:
    """One worker is killed (SIGKILL, by PID) once the first chunk is done: the scheduler
    runs its chunks again on the other worker; the dataset equals the local run's."""
    files = _inputs(tmp_path / "in", 6)
    argv = ["export", *files, "--chunk-records", "4"]
    assert run(*argv, "--parquet", str(tmp_path / "local"), "--workers", "1")[0] == 0
    out = tmp_path / "dask"
    result: list = []
    runner = threading.Thread(
        target=lambda: result.append(run(*argv, "--parquet", str(out), "--dask", cluster.address))
    )
    runner.start()
    victim = cluster.workers[0]
    deadline = time.monotonic() + START_TIMEOUT
    while not list((out / job.MARKERS).glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list((out / job.MARKERS).glob("*.json")), "no chunk finished in time"
    victim.kill()
    victim.wait(timeout=15)
    runner.join(timeout=300)
    assert not runner.is_alive()
    code, _out, err = result[0]
    assert code == 0, err
    done = len(list((out / job.MARKERS).glob("*.json")))
    assert done == 6 * 9  # every chunk finished, none still to do
    assert read_tables(out) == read_tables(tmp_path / "local")
    assert not list(out.glob("*/.part-*"))  # the killed attempt's files are gone


def test_dask_local_cluster(tmp_path: Path) -> None:
    """`--dask local`: a Dask cluster of this machine's cores, started and stopped by the
    command (run as a process of its own: the cluster's helpers are its children)."""
    files = _inputs(tmp_path / "in", 2)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LAYERSCOPE_WORKERS": "2"}
    done = subprocess.run(
        [sys.executable, "-m", "tui.main", "export", *files, "--parquet", str(tmp_path / "o"),
         "--dask", "local"], env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(read_tables(tmp_path / "o")["frames"]) == 2 * 36


def test_no_scheduler_there_is_one_line(tmp_path: Path) -> None:
    address = f"tcp://127.0.0.1:{_free_port()}"
    code, _out, err = run(
        "export", str(SAMPLE), "--parquet", str(tmp_path / "o"), "--dask", address
    )
    assert code == 2
    assert (
        err.startswith(f"layerscope: error: --dask {address}: cannot start")
        and err.count("\n") == 1
    )
