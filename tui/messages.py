"""Messages the screen's workers post to it (widget messages nest in their widgets)."""

from __future__ import annotations

from textual.message import Message

from dissect.output import Summary


class StreamsReady(Message):
    """The stream pass over the indexed capture finished (tcp.stream, PDUs...)."""

    def __init__(self, generation: int) -> None:
        super().__init__()
        self.generation = generation


class PacketAnnotated(Message):
    """A packet shown without its stream fields has them now (PacketSource.packet_now)."""

    def __init__(self, row: int) -> None:
        super().__init__()
        self.row = row  # source row


class IndexProgress(Message):
    """The index grew. Throttled by the worker; a newer one replaces a queued older one."""

    def __init__(self, generation: int, count: int, done: bool, progress: float) -> None:
        super().__init__()
        self.generation = generation
        self.count = count
        self.done = done
        self.progress = progress

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, IndexProgress)


class RowsDecoded(Message):
    """A block of list rows was summarised on a worker thread."""

    def __init__(
        self,
        generation: int,
        block: int,
        rows: list[Summary | None],
        view: int = 0,
        partial: bool = False,
    ) -> None:
        super().__init__()
        self.generation = generation
        self.block = block
        self.rows = rows
        self.view = view  # the list's view (filter) the rows were decoded for
        self.partial = partial  # only the rows on screen (None elsewhere); the rest follows
