"""`layerscope --serve`: the TUI served by textual-serve, opened in real headless Chromium.

The server and the browser are started here and stopped by their process ids; every wait
is bounded. The page draws the terminal on a canvas (xterm.js), so the test reads what the
page received over its websocket -- the TUI's screen as the browser got it -- through the
Chrome DevTools protocol, and looks for the demo's packet in it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WAIT = 60.0  # seconds any one thing may take at most on a loaded machine
DEMO_TEXT = b"GET / HTTP/1.1"  # the demo packet's Info column

pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None, reason="no chromium (Debian: apt-get install -y chromium)"
    ),
    pytest.mark.timeout(240),
]
aiohttp = pytest.importorskip("aiohttp", reason="textual-serve (and aiohttp) not installed")
pytest.importorskip("textual_serve", reason="textual-serve not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check, what: str, limit: float = WAIT):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Its whole process group (the server's TUI sessions, the browser's helpers)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the TCP sockets listening on `port` (/proc/net/tcp, tcp6)."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, hex_port = local.split(":")
            if int(hex_port, 16) == port and state == "0A":
                found.add(addr)
    return found


@pytest.fixture
def server(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "tui.main", "--serve", "--port", str(port)],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip
    try:
        wait_for(lambda: listening_addresses(port) or proc.poll() is not None, "the server")
        assert proc.poll() is None, (tmp_path / "serve.log").read_text()
        yield port
    finally:
        stop(proc)
        log.close()


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[int]:
    """Headless Chromium with the DevTools protocol on a port it picks; yields that port."""
    profile = tmp_path / "profile"
    proc = subprocess.Popen([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                             "--no-first-run", "--remote-debugging-port=0",
                             f"--user-data-dir={profile}", "--window-size=1280,800",
                             "about:blank"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    try:
        active = profile / "DevToolsActivePort"
        wait_for(lambda: active.exists() and active.read_text().strip(), "chromium")
        yield int(active.read_text().split()[0])
    finally:
        stop(proc)


async def page_receives(devtools: int, url: str, needle: bytes, shot: Path) -> bytes:
    """Open url in the browser's page; return what its websockets received once `needle`
    is among it (or all of it when the time is up)."""
    targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{devtools}/json/list",
                                                timeout=10).read())  # fmt: skip
    page = next(t for t in targets if t["type"] == "page")
    got = b""
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws,
    ):
        calls = iter(range(1, 1000))

        async def call(method: str, **params: object) -> int:
            n = next(calls)
            await ws.send_json({"id": n, "method": method, "params": params})
            return n

        await call("Network.enable")
        await call("Page.navigate", url=url)
        deadline = time.monotonic() + WAIT
        shot_id = None
        while time.monotonic() < deadline:
            try:
                msg = await asyncio.wait_for(ws.receive_json(), timeout=2)
            except TimeoutError:
                continue
            if msg.get("method") == "Network.webSocketFrameReceived":
                frame = msg["params"]["response"]
                data = frame["payloadData"]
                got += base64.b64decode(data) if frame["opcode"] == 2 else data.encode()
                if needle in got and shot_id is None:
                    await asyncio.sleep(1)  # let it draw, for the screenshot
                    shot_id = await call("Page.captureScreenshot", format="png")
            elif shot_id is not None and msg.get("id") == shot_id:
                shot.write_bytes(base64.b64decode(msg["result"]["data"]))
                break
    return got


def test_serve_listens_on_loopback_and_the_browser_shows_the_demo(
    server: int, chromium: int, tmp_path: Path
) -> None:
    assert listening_addresses(server) <= {"0100007F"}  # 127.0.0.1 only
    html = urllib.request.urlopen(f"http://127.0.0.1:{server}/", timeout=10).read()
    assert b"layerscope" in html
    shot = tmp_path / "page.png"
    got = asyncio.run(page_receives(chromium, f"http://127.0.0.1:{server}/", DEMO_TEXT, shot))
    assert DEMO_TEXT in got
    assert b"172.22.178.76" in got  # the demo's source address, in the packet list
    assert shot.exists() and shot.stat().st_size > 10_000
    if os.environ.get("LAYERSCOPE_KEEP_SHOT"):  # to look at it: a path to copy it to
        shutil.copy(shot, os.environ["LAYERSCOPE_KEEP_SHOT"])
