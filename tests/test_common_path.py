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


def run_cli(*argv: str) -> str:
    """Code that runs the CLI on the sample capture, its output discarded."""
    args = [*argv, "-r", str(CAPTURE)]
    return ("import io, contextlib\nfrom dissect import cli\n"
            f"with contextlib.redirect_stdout(io.StringIO()):\n    cli.main({args!r})\n")  # fmt: skip


def test_the_list_and_a_filter_naming_no_stream_field_load_no_stream_pass() -> None:
    for argv in [(), ("-q", "-Y", "tcp.port == 80"), ("-Y", "tcp.port == 80")]:
        mods = loaded_after(run_cli(*argv))
        assert "dissect.protocols.tcp" in mods, argv  # the packets were decoded
        assert not {m for m in mods if m.startswith("dissect.streams.")} - {
            "dissect.streams.cli", "dissect.streams.names"}, argv  # fmt: skip


def test_a_filter_naming_a_stream_field_still_runs_the_stream_pass() -> None:
    mods = loaded_after(run_cli("-q", "-Y", "tcp.stream == 1"))
    assert "dissect.streams.table" in mods and "dissect.streams.conversation" in mods
