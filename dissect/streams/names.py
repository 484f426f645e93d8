"""Which display-filter names need the stream pass (dissect/streams/table.py): apart from
the pass, so the CLI can ask without importing it (the packet list and a filter that
names none never load the stream layer)."""

from __future__ import annotations

from collections.abc import Iterable

STREAM_FIELDS = frozenset(
    (
        "tcp.stream",
        "udp.stream",
        "ip.fragment.overlap",
        "ip.fragment.overlap.conflict",
        "ipv6.fragments",
        "ipv6.fragment",
        "ipv6.fragment.count",
        "ipv6.reassembled.length",
        "ipv6.reassembled.in",
        "ipv6.fragment.overlap",
        "ipv6.fragment.overlap.conflict",
        "tcp.seq",
        "tcp.nxtseq",
        "tcp.ack",
        "dns.response_in",
        "dns.response_to",
        "dns.time",
        "ip.fragments",
        "ip.fragment",
        "ip.fragment.count",
        "ip.reassembled.length",
        "ip.reassembled_in",
        # PDUs across segments (pdus.py)
        "tcp.segments",
        "tcp.segment",
        "tcp.segment.count",
        "tcp.reassembled.length",
        "tcp.reassembled.data",
        "tcp.reassembled_in",
        "tcp.segment_data",
        "http.request_in",
        "http.response_in",
        "http.time",
    )
)  # and every tcp.analysis.* (names_stream_fields)


# Protocols whose PDUs may span segments (pdus.py): tshark shows their fields on the frame
# where the PDU completes, so a filter naming them reads the reassembled layers.
PDU_PROTOCOLS = frozenset(("http", "tls", "dns", "http2", "x509af", "x509if", "x509sat",
                           "x509ce", "data-text-lines", "media"))  # fmt: skip


def names_stream_fields(names: Iterable[str]) -> bool:
    """Whether any of these filter names needs the stream pass."""
    return any(n in STREAM_FIELDS or n.startswith("tcp.analysis")
               or n.split(".", 1)[0] in PDU_PROTOCOLS for n in names)  # fmt: skip
