"""layerscope's decoding core: readers, index, protocol decoders, model, outputs.

Importable API:

    from dissect import decode, open_capture
    pkt = decode(frame_bytes, linktype=1)
    pkt.value("ip.src"); pkt.get("tcp.flags.syn").pos
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "decode", "open_capture"]

from ._compiled import select as _select_core  # noqa: E402

CORE = _select_core()  # "compiled" or "pure": which modules of the core load (_compiled.py)


def __getattr__(name: str):  # lazy: `layerscope --version` imports nothing heavy
    if name == "decode":
        from .engine import decode

        return decode
    if name == "open_capture":
        from .index import open_capture

        return open_capture
    raise AttributeError(name)
