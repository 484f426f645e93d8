"""What every start pays for: libraries only some packets need are imported with the first
such packet, not when the protocols load."""

from __future__ import annotations

import subprocess
import sys


def test_protocols_load_without_hpack():
    code = (
        "import sys; import dissect.engine as e; e._load(); "
        "print(sorted(m for m in ('hpack', 'scapy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
