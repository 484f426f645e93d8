"""Record tests/data/web/aioquic_initial.pcap: one QUIC handshake on loopback (aioquic).

Run as root from the repository root with the dev venv:
    python tests/data/web/record_quic.py tests/data/web/aioquic_initial.pcap
A server on 127.0.0.1:443 (self-signed certificate made here), a client that connects with
SNI quic.layerscope.test and ALPN h3 then closes; tcpdump records udp port 443 on lo.
Every process is bounded in time and stopped by its PID.
"""

from __future__ import annotations

import asyncio
import datetime
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aioquic.asyncio import connect, serve
from aioquic.quic.configuration import QuicConfiguration
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SNI = "quic.layerscope.test"


def certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SNI)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(1)
        .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cpath, kpath = folder / "cert.pem", folder / "key.pem"
    cpath.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    kpath.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                      serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cpath, kpath


async def handshake(cpath: Path, kpath: Path) -> None:
    server_cfg = QuicConfiguration(is_client=False, alpn_protocols=["h3"])
    server_cfg.load_cert_chain(cpath, kpath)
    server = await serve("127.0.0.1", 443, configuration=server_cfg)
    client_cfg = QuicConfiguration(is_client=True, alpn_protocols=["h3"], server_name=SNI)
    client_cfg.verify_mode = 0  # self-signed
    try:
        async with connect("127.0.0.1", 443, configuration=client_cfg) as client:
            await asyncio.wait_for(client.ping(), 5)
    finally:
        server.close()


def main(out: str) -> None:
    dump = subprocess.Popen(["tcpdump", "-i", "lo", "-U", "-w", out, "udp port 443"],
                            stderr=subprocess.PIPE, text=True)
    try:
        dump.stderr.readline()  # "listening on lo ...": it captures from now on
        time.sleep(1.0)
        with tempfile.TemporaryDirectory() as tmp:
            asyncio.run(asyncio.wait_for(handshake(*certificate(Path(tmp))), 10))
        time.sleep(1.0)
    finally:
        dump.terminate()
        dump.communicate(timeout=5)


if __name__ == "__main__":
    main(sys.argv[1])
