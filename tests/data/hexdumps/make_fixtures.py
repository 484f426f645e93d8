"""Regenerate the hex-dump fixtures in this folder (not run by the tests).

Needs scapy (dev extra) and the real tools: `apt-get install -y tcpdump tshark xxd bsdextrautils`.
Each dump `NAME.txt` is paired with `NAME.hex`: the packets it must parse to, one hex line each.
Run from the repository root: `.venv/bin/python tests/data/hexdumps/make_fixtures.py`.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

from scapy.all import ARP, DNS, DNSQR, ICMP, IP, TCP, UDP, Ether, IPv6, Raw, hexdump, rdpcap, wrpcap

HERE = Path(__file__).parent
SEEDS = Path("/work/shared/seeds")


def frames() -> list:
    """Packets chosen to trip a parser: hex-looking ASCII, a dst MAC of 45:00:..., zero runs."""
    eth = Ether(src="00:1b:21:3a:4f:5c", dst="00:1c:c0:2e:6d:29")
    return [
        eth
        / IP(src="10.0.0.1", dst="10.0.0.2")
        / ICMP()
        / Raw(b"cafe dead beef face add 0123456789abcdef"),
        Ether(src="00:1b:21:3a:4f:5c", dst="45:00:00:54:00:00")
        / IP(src="192.168.1.5", dst="93.184.216.34")
        / TCP(sport=51000, dport=80, flags="PA", seq=1000, ack=2000)
        / Raw(b"GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: cafe\r\n\r\n"),
        eth
        / IPv6(src="2001:db8::1", dst="2001:db8::2")
        / UDP(sport=5353, dport=53)
        / DNS(qd=DNSQR(qname="example.com")),
        eth
        / IP(src="10.0.0.1", dst="10.0.0.2")
        / UDP(sport=1, dport=9)
        / Raw(b"\0" * 100 + b"dead"),
        Ether(src="00:1b:21:3a:4f:5c", dst="ff:ff:ff:ff:ff:ff") / ARP(pdst="10.0.0.9"),
        # frame of 68 bytes ending in "cafe": the last dump line's ASCII column is just "cafe"
        eth / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=7, dport=7) / Raw(b"x" * 22 + b"cafe"),
        # IP packet of 57 bytes ending "dead beef": tcpdump -x's last line shows ASCII "dead.beef"
        eth
        / IP(src="10.0.0.1", dst="10.0.0.2")
        / UDP(sport=7, dport=7)
        / Raw(b"y" * 20 + b"dead beef"),
        # frame of 73 bytes: tshark's and xxd's last line shows ASCII "dead beef"
        eth
        / IP(src="10.0.0.1", dst="10.0.0.2")
        / UDP(sport=7, dport=7)
        / Raw(b"z" * 22 + b"dead beef"),
    ]


def reassembly() -> list:
    """A GET split over two segments, so tshark -x prints a "Reassembled TCP" block."""
    eth = Ether(src="00:1b:21:3a:4f:5c", dst="00:1c:c0:2e:6d:29")
    c, s = "10.0.0.1", "10.0.0.2"
    req = b"GET /index.html HTTP/1.1\r\nHost: example.com\r\nX-Pad: " + b"a" * 40 + b"\r\n\r\n"
    return [
        eth / IP(src=c, dst=s) / TCP(sport=40000, dport=80, flags="S", seq=100),
        eth / IP(src=s, dst=c) / TCP(sport=80, dport=40000, flags="SA", seq=500, ack=101),
        eth
        / IP(src=c, dst=s)
        / TCP(sport=40000, dport=80, flags="PA", seq=101, ack=501)
        / Raw(req[:40]),
        eth
        / IP(src=c, dst=s)
        / TCP(sport=40000, dport=80, flags="PA", seq=141, ack=501)
        / Raw(req[40:]),
    ]


def wireshark_c_arrays(num: int, sources: list[tuple[str, bytes]], old: bool = False) -> str:
    """Wireshark's "Export Packet Dissections > As C Arrays" (epan/print.c proto_tree_write_carrays):
    newer releases name each data source and comment ASCII with `//`, older ones with `/* */`."""
    out = []
    for n, (name, data) in enumerate(sources):
        out.append(f"/* {name} */\n" if old else f"// {name}\n")
        suffix = f"_{n}" if n else ""
        out.append(f"static const unsigned char pkt{num}{suffix}[{len(data)}] = {{\n")
        for i in range(0, len(data), 8):
            chunk = data[i : i + 8]
            ascii_ = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
            items = ", ".join(f"0x{b:02x}" for b in chunk)
            if i + 8 < len(data):
                out.append(f"{items}, /* {ascii_} */\n" if old else f"{items}, // |{ascii_}|\n")
            else:
                pad = "      " * (8 - len(chunk)) if len(chunk) < 8 else ""
                out.append(
                    f"{items}{pad}  /* {ascii_} */\n}};\n\n"
                    if old
                    else f"{items}{pad}  // |{ascii_}|\n}};\n\n"
                )
    return "".join(out)


def follow_c_arrays(chunks: list[bytes]) -> str:
    """Wireshark's Follow TCP Stream shown "as C Arrays"."""
    out = []
    for n, data in enumerate(chunks):
        out.append(f"char peer0_{n}[] = {{ /* Packet {n + 4} */\n")
        lines = [", ".join(f"0x{b:02x}" for b in data[i : i + 8]) for i in range(0, len(data), 8)]
        out.append(",\n".join(lines) + " };\n")
    return "".join(out)


def run(cmd: list[str], stdin: bytes | None = None) -> str:
    out = subprocess.run(cmd, input=stdin, capture_output=True, check=True)
    return out.stdout.decode()


def save(name: str, text: str, packets: list[bytes]) -> None:
    (HERE / f"{name}.txt").write_text(text)
    (HERE / f"{name}.hex").write_text("".join(p.hex() + "\n" for p in packets))


def write_pcap(pkts: list, path: Path) -> list[bytes]:
    for i, p in enumerate(pkts):
        p.time = 1700000000 + i + 0.123456
    wrpcap(str(path), pkts)
    return [bytes(p) for p in rdpcap(str(path))]


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    raw = write_pcap(frames(), tmp / "f.pcap")
    l3 = [f[14:] for f in raw]  # tcpdump -x / -X start at the network header
    f = str(tmp / "f.pcap")
    env_tz = ["env", "TZ=UTC"]
    save("tcpdump_x", run([*env_tz, "tcpdump", "-nr", f, "-x"]), l3)
    save("tcpdump_xx", run([*env_tz, "tcpdump", "-nr", f, "-xx"]), raw)
    save("tcpdump_X", run([*env_tz, "tcpdump", "-nr", f, "-X"]), l3)
    save("tcpdump_XX", run([*env_tz, "tcpdump", "-nr", f, "-XX"]), raw)
    save("tcpdump_tttt_XX_e", run([*env_tz, "tcpdump", "-nr", f, "-tttt", "-e", "-XX"]), raw)
    save("tcpdump_t_xx", run(["tcpdump", "-nr", f, "-t", "-xx"]), raw)
    save("tshark_x", run(["tshark", "-r", f, "-x"]), raw)
    # verbose outputs: packet trees and multi-line summaries between the dumps
    save("verbose_tshark_V_x", run([*env_tz, "tshark", "-r", f, "-V", "-x"]), raw)
    save("verbose_tcpdump_v_XX", run([*env_tz, "tcpdump", "-nr", f, "-v", "-XX"]), raw)
    save("verbose_tcpdump_vvv_e_xx", run([*env_tz, "tcpdump", "-nr", f, "-vvv", "-e", "-xx"]), raw)
    save("tshark_x_P", run([*env_tz, "tshark", "-r", f, "-x", "-P", "-t", "ud"]), raw)
    reasm = write_pcap(reassembly(), tmp / "r.pcap")
    save("tshark_reassembled", run(["tshark", "-r", str(tmp / "r.pcap"), "-x"]), reasm)
    frame4, req = reasm[3], bytes(reassembly()[2][Raw].load + reassembly()[3][Raw].load)
    sources = [
        (f"Frame ({len(frame4)} bytes)", frame4),
        (f"Reassembled TCP ({len(req)} bytes)", req),
    ]
    save("c_arrays", wireshark_c_arrays(4, sources), [frame4])
    save("c_arrays_old", wireshark_c_arrays(4, sources, old=True), [frame4])
    save("c_arrays_follow", follow_c_arrays([raw[1][54:], raw[0][42:]]), [raw[1][54:], raw[0][42:]])
    save("escaped_python", "".join(f"pkt{i} = {f!r}\n" for i, f in enumerate(raw[:3])), raw[:3])
    http = raw[1]
    c_lines = [
        '"' + "".join(f"\\x{b:02x}" for b in http[i : i + 16]) + '"'
        for i in range(0, len(http), 16)
    ]
    save("escaped_c", "const char pkt[] =\n" + "\n".join(c_lines) + ";\n", [http])
    save("scapy_hexdump", "".join(hexdump(f, dump=True) + "\n\n" for f in raw[:2]), raw[:2])
    named = {"http": raw[1], "zeros": raw[3], "cafe": raw[5], "deadbeef": raw[7]}
    for name, frame in named.items():
        save(f"xxd_{name}", run(["xxd"], frame), [frame])
        save(f"xxd_g1_{name}", run(["xxd", "-g1"], frame), [frame])
        save(f"xxd_p_{name}", run(["xxd", "-p"], frame), [frame])
        save(f"hexdump_C_{name}", run(["hexdump", "-C"], frame), [frame])
        save(f"od_{name}", run(["od", "-Ax", "-tx1"], frame), [frame])
        save(f"od_octal_{name}", run(["od", "-tx1"], frame), [frame])
        save(f"od_z_{name}", run(["od", "-Ax", "-tx1z"], frame), [frame])
    seed = (SEEDS / "002_4e79d693d8db029c.txt").read_text()
    (HERE / "seed_offset_words.txt").write_text(seed)
    for n in (
        "000_18738b1eef7ff3ea",
        "001_4ceeba70fd8d209a",
        "003_6ffad9137edc9dad",
        "004_111ba78e0fea0ec6",
    ):
        (HERE / f"prose_{n[:3]}.txt").write_text((SEEDS / f"{n}.txt").read_text())
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
