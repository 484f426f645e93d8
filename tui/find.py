"""Find Packet (ctrl+f): does one packet hold what the user looks for, and where."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dissect.engine import Field, Packet
from dissect.filter import Filter, compile_filter
from dissect.output import summarize, summary_line

if TYPE_CHECKING:  # the dialog loads when first opened
    from .screens import FindRequest

__all__ = ["Finder", "Hit"]


@dataclass(slots=True)
class Hit:
    field: Field | None = None  # the field that holds the text (details, or bytes' owner)
    offset: int = -1  # where the bytes start (bytes search)


class Finder:
    """A compiled search; ValueError (one line) when the text cannot be searched for."""

    def __init__(self, req: FindRequest) -> None:
        self.req = req
        self.flt: Filter | None = None
        self.needle = b""
        if req.by == "filter":
            self.flt = compile_filter(req.text)  # FilterError is a ValueError
        elif req.by == "hex":
            digits = re.sub(r"[\s:.-]|0x", "", req.text)
            try:
                self.needle = bytes.fromhex(digits)
            except ValueError:
                raise ValueError(f"not hex: {req.text[:40]!r}") from None
            if not self.needle:
                raise ValueError("no hex digits")
        else:
            self.needle = req.text.encode("utf-8")
        self.text = req.text.casefold()

    def search(self, pkt: Packet) -> Hit | None:
        req = self.req
        if self.flt is not None:
            return Hit() if self.flt.match(pkt) else None
        if req.by == "hex" or req.where == "bytes":
            at = bytes(pkt.data).find(self.needle)
            hit = pkt.field_at(at) if at >= 0 else None
            return Hit(hit[1] if hit else None, at) if at >= 0 else None
        if req.where == "list":
            return Hit() if self.text in summary_line(summarize(pkt)).casefold() else None
        for layer in pkt.layers:
            for f in layer.walk():
                if self.text in f"{f.label}: {f.show}".casefold():  # as the tree shows it
                    return Hit(f)
        return None
