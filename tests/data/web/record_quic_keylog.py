"""Record tests/data/web/aioquic_keylog.pcap and its key log: a QUIC connection on loopback
(aioquic) whose ClientHello is too big for one Initial packet, with stream data both ways.

Run as root from the repository root with the dev venv:
    python tests/data/web/record_quic_keylog.py tests/data/web/aioquic_keylog.pcap
It writes the capture and CAPTURE.keys (the SSLKEYLOGFILE lines aioquic logs). The client
offers 24 long ALPN names before h3, as Chrome's post-quantum key share does it makes the
ClientHello larger than 1,200 bytes, so its CRYPTO data is split over two Initial packets.
The client sends "hello layerscope" on a bidirectional stream and the server echoes it.
Every process is bounded in time and stopped by its PID.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aioquic.asyncio import connect, serve
from aioquic.quic.configuration import QuicConfiguration

sys.path.insert(0, str(Path(__file__).parent))
from record_quic import SNI, certificate  # noqa: E402

FILLER_ALPN = [f"layerscope-filler-{i:02d}-" + "x" * 40 for i in range(24)]


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    data = await reader.read(1000)
    writer.write(data)
    writer.write_eof()


async def exchange(cpath: Path, kpath: Path, keylog: Path) -> None:
    server_cfg = QuicConfiguration(is_client=False, alpn_protocols=["h3"])
    server_cfg.load_cert_chain(cpath, kpath)
    server = await serve("127.0.0.1", 443, configuration=server_cfg,
                         stream_handler=lambda r, w: asyncio.ensure_future(echo(r, w)))
    with keylog.open("w") as log:
        client_cfg = QuicConfiguration(is_client=True, alpn_protocols=[*FILLER_ALPN, "h3"],
                                       server_name=SNI, secrets_log_file=log)
        client_cfg.verify_mode = 0  # self-signed
        try:
            async with connect("127.0.0.1", 443, configuration=client_cfg) as client:
                reader, writer = await client.create_stream()
                writer.write(b"hello layerscope")
                writer.write_eof()
                await asyncio.wait_for(reader.read(1000), 5)
        finally:
            server.close()


def main(out: str) -> None:
    dump = subprocess.Popen(["tcpdump", "-i", "lo", "-U", "-w", out, "udp port 443"],
                            stderr=subprocess.PIPE, text=True)
    try:
        dump.stderr.readline()  # "listening on lo ...": it captures from now on
        time.sleep(1.0)
        with tempfile.TemporaryDirectory() as tmp:
            coro = exchange(*certificate(Path(tmp)), Path(out + ".keys"))
            asyncio.run(asyncio.wait_for(coro, 10))
        time.sleep(1.0)
    finally:
        dump.terminate()
        dump.communicate(timeout=5)


if __name__ == "__main__":
    main(sys.argv[1])
