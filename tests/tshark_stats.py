"""tshark's -z report text, read back: the report blocks of a text holding several and the
rows of each that a comparison looks at. Shared by tests/test_stats_tshark.py and
tools/stats_corpus.py (which makes the fixtures)."""

from __future__ import annotations

REPORTS = ["io,phs", "conv,eth", "conv,ip", "conv,ipv6", "conv,tcp", "conv,udp",
           "endpoints,eth", "endpoints,ip", "endpoints,ipv6", "endpoints,tcp", "endpoints,udp",
           "io,stat,0", "io,stat,1", "ptype,tree", "expert"]  # fmt: skip
LONG = 100_000  # seconds: a capture spanning longer gets no io,stat,1 (tshark prints every row)
TITLES = {"io,phs": "Protocol Hierarchy Statistics", "io,stat,1": "| IO Statistics",
          "io,stat,0": "| IO Statistics",
          "ptype,tree": "IPv4 Statistics/IP Protocol Types:"}  # fmt: skip
KINDS = {"eth": "Ethernet", "ip": "IPv4", "ipv6": "IPv6", "tcp": "TCP", "udp": "UDP"}


def title_of(report: str) -> str:
    if report in TITLES:
        return TITLES[report]
    what, kind = report.split(",")
    return f"{KINDS[kind]} {'Conversations' if what == 'conv' else 'Endpoints'}"


def block(text: str, report: str) -> list[str] | None:
    """The lines of one report in a text holding several (None: absent). The two io,stat
    reports share a title: io,stat,0 is the one with the fewest intervals."""
    lines = text.splitlines()
    title = title_of(report)
    found = []
    for i, line in enumerate(lines):
        if line.rstrip() == title.rstrip() or (title.startswith("|") and line.startswith(title)):
            out: list[str] = []
            for rest in lines[i + 1 :]:
                end_tree = (
                    report == "ptype,tree" and rest.startswith("----") and out and not out[-1]
                )
                if rest.startswith("====") or end_tree:
                    break
                out.append(rest.rstrip())
            found.append(out)
    if not found:
        return None
    found.sort(key=lambda b: sum("<>" in x for x in b))
    return found[-1] if report == "io,stat,1" else found[0]


def rows(report: str, lines: list[str]) -> list[str]:
    if report == "io,phs":
        return [x for x in lines if "frames:" in x]
    if report.startswith(("conv,", "endpoints,")):
        return [x for x in lines if x and not x.startswith(("Filter:", " "))]
    if report.startswith("io,stat"):  # the numbers of each interval (labels are laid out apart)
        return [" ".join(x.split("|")[2:]).split() for x in lines if "<>" in x]
    if report == "ptype,tree":
        return sorted(" ".join(x.split()[:2]) for x in lines[2:] if x.strip())
    return lines


def expert_counts(text: str) -> dict[str, int]:
    out = {}
    for line in text.splitlines():
        for label in ("Errors", "Warns", "Notes", "Chats"):
            if line.startswith(label + " ("):
                out[label] = int(line.split("(")[1].rstrip(")"))
    return out


def agreement(mine: str, theirs: str, reports: list[str]) -> dict[str, bool]:
    """Per report: do our rows equal tshark's? (expert: the count of errors)."""
    result = {}
    for report in reports:
        if report == "expert":
            result[report] = expert_counts(mine).get("Errors", 0) == expert_counts(theirs).get(
                "Errors", 0
            )
            continue
        t, m = block(theirs, report), block(mine, report)
        if t is None:
            result[report] = m is None or not rows(report, m)
        else:
            result[report] = m is not None and rows(report, m) == rows(report, t)
    return result
