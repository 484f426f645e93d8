"""tshark's decoding of the service captures in tests/data/services, and the comparison.

`<capture>.tshark.json` beside each capture holds, per frame, every field tshark 4.0.17
(`tshark -n -T json -x`, TSHARK_ARGS) shows under the layers the test names: name, value
as tshark prints it, position, length and bit mask. `python -m tests.services_tshark --write`
makes them again (needs tshark; the tests never run it).

compare() checks a packet of ours against them field by field: each (name, position,
length, mask) of tshark's must be ours with the same value, in the same number; fields
either side leaves out are returned, for the test to hold against its list of known ones.
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from dissect.engine import Packet

DATA = Path(__file__).parent / "data" / "services"
TSHARK_ARGS = ("-n", "-T", "json", "-x", "-o", "tcp.desegment_tcp_streams:FALSE",
               "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE")  # fmt: skip
# capture -> the tshark layers kept in its expectation
LAYERS = {
    "tcpdump_ssh.pcap": ("ssh",),
    "crafted_ssh.pcap": ("ssh",),
    "tcpdump_syslog_udp.pcap": ("syslog",),
    "arkime_wireshark-dhcpv6.pcap": ("dhcpv6",),
    "pcapplusplus_dhcpv6.pcap": ("dhcpv6",),
    "crafted_dhcpv6.pcap": ("dhcpv6",),
    "crafted_nbns.pcap": ("nbns",),
    "crafted_snmp.pcap": ("snmp",),
    "crafted_syslog.pcap": ("syslog",),
    "crafted_tftp.pcap": ("tftp",),
    "crafted_sip.pcap": ("sip", "sdp"),  # tshark nests sdp under sip.msg_body
    "crafted_modbus.pcap": ("mbtcp", "modbus"),
    "crafted_mqtt.pcap": ("mqtt",),
    "crafted_mqtt5.pcap": ("mqtt",),
    "libpcap_http_PPI.pcap": ("ppi", "wlan"),
    "pcapplusplus_llc_vlan.pcap": ("cdp",),
    "pcapplusplus_VlanPackets.pcap": ("cdp",),
    "tcpdump_various_gre.pcap": ("pim",),
}
Row = tuple[str, Any, int, int, int]  # name, value, pos, len, mask


def _walk(pairs: list, out: list[Row]) -> None:
    """tshark's JSON object as its (key, value) pairs: a key repeats when a field or a
    subtree occurs more than once, and each `<key>_raw` comes just before its key."""
    raws: dict[str, Any] = {}
    for key, value in pairs:
        if key.endswith("_raw"):
            raws[key[:-4]] = value
            continue
        raw = raws.pop(key, None)
        if isinstance(value, list) and value and isinstance(value[0], tuple):
            _walk(value, out)  # a subtree (its own pairs)
            continue
        if key.startswith("_ws.") or " " in key or "." not in key:
            continue  # expert info, or a text item with no field name
        if isinstance(value, list) and value and isinstance(value[0], list):
            for v in value:  # the same field several times in one object
                _walk(v, out)
            continue
        vals = value if isinstance(value, list) else [value]
        multi = isinstance(raw, list) and raw and isinstance(raw[0], list)
        for i, v in enumerate(vals):
            r = raw[i] if multi else raw
            pos, length, mask = (r[1], r[2], r[3]) if isinstance(r, list) else (-1, 0, 0)
            out.append((key, v, pos, length, mask))


def write() -> None:
    for name, layers in LAYERS.items():
        path = DATA / name
        if not path.exists():
            continue
        proc = subprocess.run(["tshark", "-r", str(path), *TSHARK_ARGS], capture_output=True,
                              text=True, check=True, timeout=120)  # fmt: skip
        frames: dict[str, list[Row]] = {}
        for pkt in json.loads(proc.stdout, object_pairs_hook=list):
            lay = dict(dict(pkt)["_source"])["layers"]
            rows: list[Row] = []
            for lname, part in lay:
                if lname in layers:
                    _walk(part, rows)
            frames[dict(dict(lay)["frame"])["frame.number"]] = rows
        doc = {"tshark": "4.0.17", "args": list(TSHARK_ARGS), "layers": list(layers),
               "frames": frames}  # fmt: skip
        (DATA / f"{name}.tshark.json").write_text(json.dumps(doc, indent=0) + "\n")


def expected(name: str) -> dict[int, list[Row]]:
    doc = json.loads((DATA / f"{name}.tshark.json").read_text())
    return {int(n): [tuple(r) for r in rows] for n, rows in doc["frames"].items()}


def _same(ours: Any, theirs: Any) -> bool:
    """tshark's JSON value (its text) against our raw value (else our display text)."""
    if isinstance(ours, bool):
        return theirs in (("1", "True") if ours else ("0", "False"))
    if isinstance(ours, int):
        try:
            return int(theirs, 0) == ours or int(theirs) == ours
        except ValueError:
            return False
    if isinstance(ours, (bytes, bytearray, memoryview)):
        return bytes(ours).hex(":") == theirs or bytes(ours).hex() == theirs
    if isinstance(ours, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return str(ours) == theirs
    return str(ours) == theirs


def _same_time(f: Any, theirs: str) -> bool:
    """An absolute time as tshark prints it in UTC ("Nov 14, 2023 22:13:20.000000000 UTC")
    against our nanoseconds since the epoch."""
    if f.spec.kind != "time_ns" or not theirs.endswith(" UTC"):
        return False
    import datetime

    stamp, _, frac = theirs[:-4].partition(".")
    when = datetime.datetime.strptime(" ".join(stamp.split()), "%b %d, %Y %H:%M:%S")
    secs = int(when.replace(tzinfo=datetime.UTC).timestamp())
    return secs * 1_000_000_000 + int(frac.ljust(9, "0")[:9] or 0) == f.value


def compare(pkt: Packet, rows: list[Row], layers: tuple[str, ...]) -> tuple[list, list, list]:
    """(tshark's fields we lack, ours tshark lacks, value disagreements) for these layers."""
    ours: dict[tuple, list[Any]] = {}
    for layer in pkt.layers:
        if layer.name not in layers:
            continue
        for issue in layer.issues:  # tshark's expert items are our issues
            ours.setdefault((issue.code, -1, 0, 0), []).append(None)
        for f in layer.walk():
            if f.len == 0:  # tshark gives no position for an empty or generated field
                key = (f.name, -1, 0, 0)
            else:
                key = (f.name, f.pos, f.len, f.mask if f.mask else 0)
            ours.setdefault(key, []).append(f)
    missing, wrong = [], []
    for name, value, pos, length, mask in rows:
        key = (name, pos, length, mask)
        got = ours.get(key)
        if not got:
            missing.append(key)
            continue
        f = got.pop(0)
        if f is not None and not _same(f.value, value) and not _same_time(f, value) \
                and f.spec.show(f.value) != value:  # fmt: skip
            wrong.append((key, f.value, value))
    extra = [k for k, v in ours.items() for _ in v]
    return missing, extra, wrong


def packets(name: str) -> list[Packet]:
    from dissect.engine import decode
    from dissect.index import open_capture

    return [
        decode(r.data, r.linktype, number=r.number, wirelen=r.wirelen, strict=True)
        for r in open_capture(str(DATA / name))
    ]


def assert_agrees(name: str, known_missing: set[str] = frozenset()) -> int:
    """Every field tshark shows in the capture's layers is ours with its value, except the
    names known_missing lists (each with its reason in the test); returns how many agreed."""
    exp = expected(name)
    agreed = 0
    for pkt in packets(name):
        rows = exp[pkt.number]
        missing, _extra, wrong = compare(pkt, rows, LAYERS[name])
        assert {m[0] for m in missing} <= set(known_missing), (pkt.number, missing)
        assert wrong == [], (pkt.number, wrong)
        agreed += len(rows) - len(missing)
    return agreed


if __name__ == "__main__" and "--write" in sys.argv:
    write()
