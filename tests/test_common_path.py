"""What every command pays before its first packet: loading the decoders must not import
libraries only some packets need, and `-q` alone (a count from the index) loads no decoder.
Each check runs in a fresh interpreter, where nothing was imported yet."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAPTURE = ROOT / "captures" / "sample-netns.pcap"


def loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=120).stdout  # fmt: skip
    return set(out.split()[-1000000:])


def test_loading_the_decoders_leaves_hpack_and_cryptography_for_their_first_packet() -> None:
    mods = loaded_after("import dissect.engine as e; e._load()")
    assert "dissect.protocols.quic" in mods and "dissect.protocols.http2" in mods
    assert "hpack" not in mods and "cryptography" not in mods and "scapy" not in mods


def test_count_alone_loads_no_decoder() -> None:
    code = (
        "import io, contextlib\nfrom dissect import cli\nout = io.StringIO()\n"
        f"with contextlib.redirect_stdout(out):\n    cli.main(['-q', '-r', {str(CAPTURE)!r}])\n"
        "assert out.getvalue().strip() == '36', out.getvalue()"
    )
    mods = loaded_after(code)
    assert "dissect.protocols" not in mods and "dissect.streams" not in mods
