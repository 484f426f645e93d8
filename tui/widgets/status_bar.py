"""One line of facts: source, packets, displayed, selected packet, its bytes, indexing."""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from dissect.engine import safe_text


@dataclass(slots=True)
class Status:
    source: str = ""
    kind: str = ""
    packets: int = 0
    displayed: int = 0
    selected: int | None = None
    nbytes: int | None = None
    done: bool = True
    progress: float = 1.0
    warning: str = ""
    live: Text | None = None  # live capture: state, captured, dropped, pps, paused
    filter: str = ""  # display filter progress ("filtering 45%…") when one is on
    applied: str = ""  # the display filter in force
    marked: int = 0  # packets marked
    note: str = ""  # time format, time reference


class StatusBar(Static):
    """Rendered from a Status record; text from file names goes through safe_text."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.status = Status()

    def show(self, status: Status) -> None:
        self.status = status
        sep = (" │ ", Style(dim=True))
        text = Text(no_wrap=True, end="", overflow="ellipsis")
        text.append(safe_text(status.source, 60), Style(bold=True))
        if status.kind:
            text.append(f" ({status.kind})", Style(dim=True))
        text.append(*sep)
        text.append(f"packets {status.packets:,}")
        if status.live is not None:
            text.append(*sep)
            text.append(status.live)
        elif not status.done:
            text.append(f" indexing {status.progress:.0%}…", Style(color="#ffaf00"))
        text.append(*sep)
        text.append(f"displayed {status.displayed:,}")
        if status.filter:  # displayed/total while a display filter is on
            text.append(f"/{status.packets:,} {status.filter}", Style(color="#ffaf00"))
        if status.applied:
            text.append(": ")
            text.append(safe_text(status.applied, 60), Style(bold=True))
        if status.marked:
            text.append(*sep)
            text.append(f"marked {status.marked:,}")
        text.append(*sep)
        text.append("selected " + (f"#{status.selected}" if status.selected else "—"))
        if status.nbytes is not None:
            text.append(*sep)
            text.append(f"{status.nbytes} bytes")
        if status.note:
            text.append(*sep)
            text.append(status.note, Style(dim=True))
        if status.warning:
            text.append(*sep)
            text.append(safe_text(status.warning, 80), Style(color="#ffaf00"))
        self.update(text, layout=False)  # one line high (app.tcss): no layout pass needed
