"""HTTP/1.x and TLS over TCP: byte fixtures, Wireshark's choices, hostile input.

Expected values, spans and layer lists were checked against tshark 4.0.17 with reassembly
off (the corpus oracle's preferences). Frames are built as Ethernet + IPv4 + TCP (no
options), so the TCP payload always starts at frame offset 54.
"""

from __future__ import annotations

import gzip
import json
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dissect.engine import Layer, Packet, decode
from dissect.index import open_capture
from dissect.output import summarize
from dissect.protocols import http
from dissect.protocols.http import HTTP, MAX_HEADERS
from dissect.protocols.tls import is_grease
from tests.spans import names

DATA = Path(__file__).parent / "data" / "app_tcp"
P = 54  # payload offset in tcp_frame()


def tcp_frame(payload: bytes, sport: int = 40000, dport: int = 80) -> bytes:
    """Ethernet II + IPv4 + TCP (PSH, ACK) around payload; checksums left zero."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, 1000, 1, 0x50, 0x18, 8192, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 1, 0x4000, 64, 6, 0,
                     bytes((10, 0, 0, 1)), bytes((10, 0, 0, 2)))  # fmt: skip
    return bytes.fromhex("001122334455 66778899aabb 0800") + ip + tcp + payload


def dec(frame: bytes, wirelen: int | None = None) -> Packet:
    return decode(frame, 1, strict=True, wirelen=wirelen)


def span(pkt: Packet, name: str, i: int = 0) -> tuple:
    f = list(pkt.find(name))[i]
    return f.value, f.pos, f.len


def codes(pkt: Packet) -> set[str]:
    return {i.code for i in pkt.issues}


def info(pkt: Packet) -> str:
    return summarize(pkt).info


def assert_spans_inside(pkt: Packet) -> None:
    for layer in pkt.layers:
        assert 0 <= layer.pos <= layer.end <= pkt.caplen, layer
        for f in layer.walk():
            assert 0 <= f.pos and f.pos + f.len <= pkt.caplen, (layer.name, f)


def sweep(frame: bytes) -> None:
    """Every truncation decodes strictly, as a short frame and as a snap-length cut."""
    for n in range(len(frame) + 1):
        for wirelen in (None, len(frame)):
            assert_spans_inside(decode(frame[:n], 1, strict=True, wirelen=wirelen))


# -- HTTP requests ------------------------------------------------------------------------
# GET from wget (the project's seed capture), payload only:
#   GET / HTTP/1.1\r\nUser-Agent: Wget/1.20.3 (linux-gnu)\r\nAccept: */*\r\n
#   Accept-Encoding: identity\r\nHost: waf.cs.illinois.edu\r\nConnection: Keep-Alive\r\n\r\n
WGET = bytes.fromhex(
    "474554202f20485454502f312e310d0a557365722d4167656e743a20576765742f312e32302e33"
    "20286c696e75782d676e75290d0a4163636570743a202a2f2a0d0a4163636570742d456e636f64"
    "696e673a206964656e746974790d0a486f73743a207761662e63732e696c6c696e6f69732e6564"
    "750d0a436f6e6e656374696f6e3a204b6565702d416c6976650d0a0d0a"
)


def test_request_line_and_headers():
    pkt = dec(tcp_frame(WGET))
    assert names(pkt) == ["eth", "ip", "tcp", "http"]
    assert span(pkt, "http.request.method") == ("GET", P, 3)
    assert span(pkt, "http.request.uri") == ("/", P + 4, 1)
    assert span(pkt, "http.request.version") == ("HTTP/1.1", P + 6, 8)
    # header fields span the whole line with its CRLF, as Wireshark's do
    assert span(pkt, "http.user_agent") == ("Wget/1.20.3 (linux-gnu)", P + 16, 37)
    assert span(pkt, "http.host") == ("waf.cs.illinois.edu", P + 93, 27)
    assert span(pkt, "http.request.line", 3) == ("Host: waf.cs.illinois.edu\r\n", P + 93, 27)
    assert pkt.value("http.request") is True
    assert pkt.value("http.request.full_uri") == "http://waf.cs.illinois.edu/"
    assert info(pkt) == "GET / HTTP/1.1"
    http = pkt.layer("http")
    assert http.hdr_len == len(WGET) and http.osi == 7


def test_uri_query_parts_and_cookies():
    pkt = dec(tcp_frame(b"GET /x?a=1&&b HTTP/1.1\r\nCookie: k=v; z=1\r\n\r\n"))
    assert span(pkt, "http.request.uri.path") == ("/x", P + 4, 2)
    assert span(pkt, "http.request.uri.query") == ("a=1&&b", P + 7, 6)
    assert [f.value for f in pkt.find("http.request.uri.query.parameter")] == ["a=1", "b"]
    assert [(f.value, f.pos) for f in pkt.find("http.cookie_pair")] == [
        ("k=v", P + 32),
        ("z=1", P + 37),
    ]


def test_empty_uri_and_empty_header_value():
    pkt = dec(tcp_frame(b"GET  HTTP/1.1\r\nUser-Agent:\r\n\r\n"))
    assert span(pkt, "http.request.uri") == ("", P + 4, 0)
    assert span(pkt, "http.request.version") == ("HTTP/1.1", P + 5, 8)
    assert span(pkt, "http.user_agent") == ("", P + 15, 13)


def test_basic_credentials_and_content_length():
    pkt = dec(
        tcp_frame(
            b"POST / HTTP/1.1\r\nAuthorization: Basic dXNlcjpwYXNz\r\nContent-Length: 3\r\n\r\nabc"
        )
    )
    assert pkt.value("http.authbasic") == "user:pass"
    assert pkt.value("http.content_length") == 3
    assert pkt.value("http.content_length_header") == "3"
    assert names(pkt)[-2:] == ["http", "data"]
    assert span(pkt, "http.file_data") == (b"abc", P + 73, 3)


def test_two_requests_in_one_segment_make_one_layer():
    pkt = dec(tcp_frame(b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"))
    assert names(pkt) == ["eth", "ip", "tcp", "http"]
    assert [f.value for f in pkt.find("http.request.uri")] == ["/1", "/2"]
    assert info(pkt) == "GET /1 HTTP/1.1 GET /2 HTTP/1.1"


def test_bytes_after_a_bodiless_request_are_a_continuation():
    pkt = dec(tcp_frame(b"GET / HTTP/1.1\r\n\r\nextra"))
    assert names(pkt)[-2:] == ["http", "data"]
    assert info(pkt) == "GET / HTTP/1.1 Continuation"
    assert pkt.layers[-1].pos == P + 18


def test_leading_crlf_is_malformed_like_wireshark():
    pkt = dec(tcp_frame(b"\r\nGET / HTTP/1.1\r\n\r\n"))
    assert span(pkt, "http.request.method") == ("GET", P + 2, 3)
    assert "http.leading_crlf" in codes(pkt) and pkt.status == "malformed"


def test_bad_header_name_keeps_the_line_only():
    pkt = dec(tcp_frame(b"GET / HTTP/1.1\r\nHost : x\r\n\r\n"))
    assert pkt.get("http.host") is None
    assert span(pkt, "http.request.line") == ("Host : x\r\n", P + 16, 10)
    assert "http.bad_header_name" in codes(pkt) and pkt.status == "ok"


def test_line_without_colon_ends_the_header_block():
    pkt = dec(tcp_frame(b"GET / HTTP/1.1\r\nHost: a\r\nbad line\r\nX: y\r\n\r\n"))
    assert names(pkt)[-2:] == ["http", "data"]
    assert pkt.layers[-1].pos == P + 25


# -- HTTP responses and bodies ----------------------------------------------------------
def response(headers: bytes, body: bytes = b"") -> bytes:
    return tcp_frame(b"HTTP/1.1 200 OK\r\n" + headers + b"\r\n" + body, sport=80, dport=40000)


def test_status_line_and_text_body():
    pkt = dec(
        response(
            b"Server: x\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 6\r\n",
            b"hello\n",
        )
    )
    assert names(pkt) == ["eth", "ip", "tcp", "http", "data-text-lines"]
    assert span(pkt, "http.response.version") == ("HTTP/1.1", P, 8)
    assert span(pkt, "http.response.code") == (200, P + 9, 3)
    assert span(pkt, "http.response.phrase") == ("OK", P + 13, 2)
    assert pkt.value("http.response.code.desc") == "OK"
    assert span(pkt, "http.server") == ("x", P + 17, 11)
    assert pkt.value("http.content_type") == "text/html; charset=utf-8"
    assert info(pkt) == "HTTP/1.1 200 OK (text/html)"
    body = pkt.layers[-1]
    assert (body.pos, body.hdr_len) == (len(pkt.data) - 6, 6)
    assert body.title == "Line-based text data: text/html (1 line)"
    assert summarize(pkt).protocol == "HTTP"


@pytest.mark.parametrize(
    ("ctype", "layer"),
    [(b"text/plain", "data-text-lines"), (b"TEXT/CSS ;x", "data-text-lines"),
     (b"image/gif", "media"), (b"text/csv", "media"), (b"application/octet-stream", "data"),
     (None, "data")],
)  # fmt: skip
def test_body_layer_follows_the_media_type(ctype, layer):
    headers = b"" if ctype is None else b"Content-Type: " + ctype + b"\r\n"
    pkt = dec(response(headers, b"GIF89a..."))
    assert names(pkt)[-1] == layer
    if layer == "media":
        assert span(pkt, "media.type")[1:] == (len(pkt.data) - 9, 9)
        assert info(pkt).endswith(f"({ctype.decode()})")


def test_responses_without_a_body():
    for code in (b"204 No Content", b"304 Not Modified", b"100 Continue"):
        pkt = dec(tcp_frame(b"HTTP/1.1 " + code + b"\r\n\r\n", sport=80))
        assert names(pkt)[-1] == "http"
    pkt = dec(tcp_frame(b"HTTP/1.1 2000 OK\r\n\r\n", sport=80))
    assert span(pkt, "http.response.code") == (200, P + 9, 3)  # Wireshark reads 3 digits
    assert (
        dec(tcp_frame(b"HTTP/1.1 abc OK\r\n\r\n", sport=80)).value("http.response.code.desc")
        == "Unknown (0)"
    )


def test_chunked_body():
    pkt = dec(
        response(
            b"Content-Type: text/html\r\nTransfer-Encoding: chunked\r\n", b"5\r\nhello\r\n0\r\n\r\n"
        )
    )
    assert names(pkt)[-1] == "data-text-lines"
    start = len(pkt.data) - 15
    assert [(f.value, f.pos, f.len) for f in pkt.find("http.chunk_size")] == [
        (5, start, 3),
        (0, start + 10, 3),
    ]
    assert span(pkt, "http.chunk_data") == (b"hello", start + 3, 5)
    assert (
        pkt.layer("http").title
        == "Hypertext Transfer Protocol, has 2 chunks (including last chunk)"
    )


def test_chunk_past_the_segment_and_last_chunk_only():
    pkt = dec(response(b"Transfer-Encoding: chunked\r\n", b"50\r\nhello"))
    assert names(pkt)[-1] == "http" and "http.unreassembled" in codes(pkt) and pkt.status == "ok"
    pkt = dec(response(b"Transfer-Encoding: chunked\r\n", b"0\r\n\r\n"))
    assert names(pkt)[-1] == "http"  # no chunk data: Wireshark shows no body layer


def test_content_coding():
    body = gzip.compress(b"<p>hi</p>\n" * 20)
    pkt = dec(response(b"Content-Type: text/html\r\nContent-Encoding: gzip\r\n", body))
    assert names(pkt)[-1] == "data-text-lines"
    pkt = dec(
        response(b"Content-Type: text/html\r\nContent-Encoding: gzip\r\n", b"not gzip at all")
    )
    assert names(pkt)[-1] == "data"


def test_continuation_on_http_port_is_http_data():
    pkt = dec(tcp_frame(b"\x00\x01binary body bytes", sport=80))
    assert names(pkt)[-2:] == ["http", "data"]
    assert info(pkt) == "Continuation"
    assert span(pkt, "http.file_data") == (b"\x00\x01binary body bytes", P, 19)


def test_continuation_with_header_lines():
    pkt = dec(tcp_frame(b"Host: x\r\nFoo: bar\r\n\r\n", dport=80))
    assert span(pkt, "http.host") == ("x", P, 9)
    assert span(pkt, "http.unknown_header") == ("Foo: bar\\r\\n", P + 9, 10)


# -- recognising HTTP on other ports ----------------------------------------------------
@pytest.mark.parametrize(
    ("payload", "layer"),
    [(b"GET / HTTP/1.0\r\nHost: a\r\n\r\n", "http"), (b"HTTP/1.1 200 OK\r\n\r\n", "http"),
     (b"OPTIONS * HTTP/1.1\r\n\r\n", "http"), (b"GET / HTTP/2.0\r\n\r\n", "data"),
     (b"POST /x HTTP/1.1", "data"), (b"HTTP/1.1\r\n\r\n", "data"), (b"SSH-2.0-x\r\n", "ssh")],
)  # fmt: skip
def test_heuristic_on_any_port(payload, layer):
    assert names(dec(tcp_frame(payload, 40001, 5555)))[-1] == layer


def test_plain_http_on_443_is_given_back_by_tls():
    pkt = dec(tcp_frame(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", dport=443))
    assert names(pkt) == ["eth", "ip", "tcp", "http"]
    assert "http.tls_port" in codes(pkt)
    # not TLS either: the SSH banner heuristic takes it
    assert names(dec(tcp_frame(b"SSH-2.0-OpenSSH\r\n", dport=443)))[-1] == "ssh"


def test_ssdp_over_udp_uses_the_http_decoder():
    payload = b'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\n\r\n'
    udp = struct.pack("!HHHH", 50000, 1900, 8 + len(payload), 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28 + len(payload), 1, 0, 1, 17, 0,
                     bytes((10, 0, 0, 1)), bytes((239, 255, 255, 250)))  # fmt: skip
    pkt = dec(bytes.fromhex("01005e7ffffa 66778899aabb 0800") + ip + udp + payload)
    assert names(pkt) == ["eth", "ip", "udp", "ssdp"]
    assert span(pkt, "http.request.method") == ("M-SEARCH", 42, 8)
    assert span(pkt, "http.host") == ("239.255.255.250:1900", 63, 28)
    assert info(pkt) == "M-SEARCH * HTTP/1.1" and summarize(pkt).protocol == "SSDP"


# -- the header walk's shortcuts agree with the plain reading -----------------------------
# Bytes that make lines interesting to classify: token and non-token characters, the colon,
# blanks, and the starts of methods, status lines and Shoutcast's ICY.
LINE_PARTS = st.lists(
    st.sampled_from([b"GET", b"M-", b"HTTP/", b"ICY", b"NOTIFY", b"Host", b"Content-Type",
                     b"Content-Length", b"transfer-encoding", b"X", b"a" * 20, b":", b" ", b"/",
                     b"-", b"\t", b"\xff", b"\\", b"1.1", b"200"]),
    max_size=8,
).map(b"".join)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(line=LINE_PARTS, lead=st.integers(0, 3))
def test_line_kind_and_tail_spec_agree_with_classify_and_name_spec(line, lead):
    """tail() classifies a line only when its header name is not a valid token or starts
    with I or M (_line_kind), and looks a name up only when it is as long as a body header's
    (_tail_spec): both give what classify() and _name_spec() would."""
    data = b"x" * lead + line + b"\r\n"
    pos, eol = lead, lead + len(line)
    colon = data.find(b":", pos, eol)
    spec = http._tail_spec(data, pos, colon) if colon >= 0 else False
    assert http._line_kind(data, pos, eol, spec) == http.classify(line[:24])
    if colon >= 0:
        full = http._name_spec(data, pos, colon)
        assert (spec is False) == (full is False)
        assert spec is True or spec == full


def test_tail_reads_another_buffer_as_its_bytes():
    payload = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
    for buf in (payload, bytearray(payload), memoryview(payload)):
        pkt = Packet(payload, 1)
        layer = Layer(HTTP, pkt, 0, len(payload))
        pkt.layers.append(layer)
        HTTP.dissect(buf, layer)
        assert layer.state.info == "HTTP/1.1 200 OK" and layer.hdr_len == len(payload) - 2
        assert [f.name for f in layer.walk()][:3] == [
            "http.start_line",
            "http.response.version",
            "http.response.code",
        ]


# -- hostile HTTP: bounded work ---------------------------------------------------------
def dissect_http(payload: bytes) -> Layer:
    pkt = Packet(payload, 1)
    layer = Layer(HTTP, pkt, 0, len(payload))
    pkt.layers.append(layer)
    HTTP.dissect(payload, layer)
    return layer


def test_megabyte_header_line():
    layer = dissect_http(b"GET / HTTP/1.1\r\nX-Long: " + b"a" * (1 << 20) + b"\r\n\r\n")
    assert len(layer.get("http.request.line").value) == (1 << 20) + 10
    assert layer.status == "ok"


def test_header_block_that_never_ends():
    layer = dissect_http(b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 5000)
    assert len(layer.all("http.request.line")) == MAX_HEADERS
    assert "http.too_many_headers" in {i.code for i in layer.issues}
    layer = dissect_http(b"GET / HTTP/1.1\r" + b"X: y\r" * 5000)  # bare CRs end lines too
    assert len(layer.all("http.request.line")) == MAX_HEADERS


def test_many_messages_cookies_and_parameters_are_capped():
    layer = dissect_http(b"GET / HTTP/1.1\r\n\r\n" * 1000)
    assert len(layer.all("http.request.method")) == 64
    layer = dissect_http(
        b"GET /?" + b"a&" * 5000 + b" HTTP/1.1\r\nCookie: " + b"a=b;" * 5000 + b"\r\n\r\n"
    )
    assert len(layer.all("http.request.uri.query.parameter")) == 1000
    assert len(layer.all("http.cookie_pair")) == 1000


def test_untrusted_text_is_escaped_on_display():
    pkt = dec(tcp_frame(b"GET /\x1b[31m HTTP/1.1\r\nHost: [bold]x\x07\r\n\r\n"))
    assert pkt.value("http.request.uri") == "/\x1b[31m"
    assert "\x1b" not in pkt.get("http.request.uri").show
    assert "\x07" not in pkt.get("http.host").show


# -- TLS ---------------------------------------------------------------------------------
# PcapPlusPlus SSL-ClientHello1.pcap frame 1 (Unlicense): ClientHello, SNI www.google.com,
# ALPN h2/spdy/3.1/http/1.1; TLS record at offset 54.
CLIENT_HELLO = bytes.fromhex(
    "30469a23fbfa6cf049b2de6e0800450000e4308a40008006a1730a000004adc27050ed9e01bb2713b62b81007e955018"
    "4114edce000016030100b7010000b303033e7b4a3efdf77a8878eb8c7d4033e053580eb00eb78f688a1871a8e562f2f7"
    "f5000016c02bc02fc00ac009c013c01400330039002f0035000a0100007400000013001100000e7777772e676f6f676c"
    "652e636f6dff01000100000a00080006001700180019000b000201000023000033740000001000170015026832087370"
    "64792f332e3108687474702f312e31000500050100000000000d00160014040105010601020104030503060302030402"
    "0202"
)


def test_client_hello():
    pkt = dec(CLIENT_HELLO)
    assert names(pkt) == ["eth", "ip", "tcp", "tls"]
    assert span(pkt, "tls.record.content_type") == (22, 54, 1)
    assert span(pkt, "tls.record.version") == (0x0301, 55, 2)
    assert span(pkt, "tls.record.length") == (183, 57, 2)
    assert span(pkt, "tls.handshake.type") == (1, 59, 1)
    assert span(pkt, "tls.handshake.length") == (179, 60, 3)
    assert span(pkt, "tls.handshake.version") == (0x0303, 63, 2)
    assert span(pkt, "tls.handshake.session_id_length") == (0, 97, 1)
    assert span(pkt, "tls.handshake.cipher_suites_length") == (22, 98, 2)
    suites = list(pkt.find("tls.handshake.ciphersuite"))
    assert (
        len(suites) == 11 and suites[0].show == "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (0xc02b)"
    )
    assert span(pkt, "tls.handshake.extensions_server_name") == ("www.google.com", 135, 14)
    assert span(pkt, "tls.handshake.extensions_server_name_len") == (14, 133, 2)
    assert [f.value for f in pkt.find("tls.handshake.extensions_alpn_str")] == [
        "h2",
        "spdy/3.1",
        "http/1.1",
    ]
    assert [f.value for f in pkt.find("tls.handshake.extensions_supported_group")] == [
        0x17,
        0x18,
        0x19,
    ]
    ext = list(pkt.find("tls.handshake.extension.type"))
    assert [e.value for e in ext][:3] == [0, 65281, 10] and ext[0].show == "server_name (0)"
    assert len(list(pkt.find("tls.handshake.sig_hash_alg"))) == 10
    assert info(pkt) == "Client Hello (SNI=www.google.com)"
    assert pkt.layer("tls").osi == 6 and pkt.status == "ok"


def record(ctype: int, body: bytes, version: int = 0x0303) -> bytes:
    return struct.pack("!BHH", ctype, version, len(body)) + body


def handshake(htype: int, body: bytes) -> bytes:
    return struct.pack("!B", htype) + len(body).to_bytes(3, "big") + body


def ext(etype: int, body: bytes) -> bytes:
    return struct.pack("!HH", etype, len(body)) + body


def hello(client: bool, exts: bytes, random: bytes = b"\x11" * 32) -> bytes:
    if client:
        middle = b"\x00" + b"\x00\x04\x1a\x1a\x13\x01" + b"\x01\x00"
    else:
        middle = b"\x00" + b"\x13\x01" + b"\x00"
    return b"\x03\x03" + random + middle + struct.pack("!H", len(exts)) + exts


def test_grease_values_are_named_like_wireshark():
    exts = (
        ext(0x2A2A, b"")
        + ext(43, b"\x04\x7a\x7a\x03\x04")
        + ext(51, b"\x00\x05\x3a\x3a\x00\x01\x00")
    )
    pkt = dec(tcp_frame(record(22, handshake(1, hello(True, exts))), dport=443))
    assert [f.show for f in pkt.find("tls.handshake.ciphersuite")][
        0
    ] == "Reserved (GREASE) (0x1a1a)"
    assert list(pkt.find("tls.handshake.extension.type"))[0].show == "Reserved (GREASE) (10794)"
    versions = list(pkt.find("tls.handshake.extensions.supported_version"))
    assert [v.show for v in versions] == ["Reserved (GREASE) (0x7a7a)", "TLS 1.3 (0x0304)"]
    assert pkt.value("tls.handshake.extensions_key_share_group") == 0x3A3A
    assert is_grease(0xFAFA) and not is_grease(0xFAFB)


def test_tls13_server_flight():
    sh = handshake(2, hello(False, ext(43, b"\x03\x04") + ext(51, b"\x00\x1d\x00\x02ab")))
    payload = record(22, sh) + record(20, b"\x01") + record(23, b"secret")
    pkt = dec(tcp_frame(payload, sport=443, dport=50000))
    assert info(pkt) == "Server Hello, Change Cipher Spec, Application Data"
    assert pkt.value("tls.handshake.extensions.supported_version") == 0x0304
    assert pkt.value("tls.handshake.extensions_key_share_group") == 29
    assert pkt.get("tls.record.opaque_type") is not None  # TLS 1.3 outer type, as Wireshark
    assert span(pkt, "tls.app_data")[1:] == (54 + len(payload) - 6, 6)


def test_hello_retry_request_and_client_hello_after_ccs():
    hrr = handshake(2, hello(False, ext(51, b"\x00\x17"), random=bytes.fromhex(
        "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")))  # fmt: skip
    pkt = dec(tcp_frame(record(22, hrr) + record(20, b"\x01"), sport=443, dport=50000))
    assert info(pkt) == "Hello Retry Request, Change Cipher Spec"
    assert pkt.value("tls.handshake.extensions_key_share_selected_group") == 0x17
    ch = handshake(1, hello(True, ext(0, b"\x00\x04\x00\x00\x01a")))
    pkt = dec(tcp_frame(record(20, b"\x01") + record(22, ch), dport=443))
    assert info(pkt) == "Change Cipher Spec, Client Hello (SNI=a)"


def test_encrypted_records_after_ccs():
    payload = (
        record(20, b"\x01", 0x0301)
        + record(22, b"\xf0" + bytes(35), 0x0301)
        + record(21, bytes(22))
    )
    pkt = dec(tcp_frame(payload, dport=443))
    assert info(pkt) == "Change Cipher Spec, Encrypted Handshake Message, Encrypted Alert"
    assert pkt.get("tls.handshake.type") is None


def test_plain_alert_and_heartbeat():
    pkt = dec(tcp_frame(record(21, b"\x02\x28") + record(24, b"\x01\x00\x00"), dport=443))
    assert info(pkt) == "Alert (Level: Fatal, Description: Handshake Failure), Heartbeat Request"
    assert span(pkt, "tls.alert_message.desc") == (40, 60, 1)


def test_several_handshakes_in_one_record():
    pkt = dec(tcp_frame(record(22, handshake(14, b"") + handshake(14, b"")), 443, 50000))
    assert [(f.value, f.pos) for f in pkt.find("tls.handshake.type")] == [(14, 59), (14, 63)]
    assert info(pkt) == "Server Hello Done, Server Hello Done"


def test_record_running_past_the_segment():
    payload = record(22, handshake(1, hello(True, b"")))[:40]
    pkt = dec(tcp_frame(payload, dport=443))
    assert names(pkt)[-1] == "tls" and pkt.status == "ok"
    assert pkt.get("tls.handshake.type") is None  # Wireshark shows nothing of it either
    assert span(pkt, "tls.record.length")[1:] == (57, 2)
    assert "tls.record.continued" in codes(pkt)
    assert info(pkt) == "Client Hello (record continues in the next segment)"
    assert pkt.layer("tls").end == len(pkt.data)


def test_snaplen_cut_record_is_truncated():
    frame = tcp_frame(
        record(22, handshake(1, hello(True, ext(0, b"\x00\x04\x00\x00\x01a")))), dport=443
    )
    pkt = dec(frame[:90], wirelen=len(frame))
    assert pkt.status == "truncated" and pkt.value("tls.handshake.type") == 1


def test_continuation_data_and_short_payloads():
    pkt = dec(tcp_frame(b"\x00\x01\x02\x03\x04\x05", dport=443))
    assert names(pkt)[-1] == "tls" and info(pkt) == "Continuation Data"
    assert names(dec(tcp_frame(b"\x16\x03", dport=443)))[-1] == "tls"


@pytest.mark.parametrize(
    ("payload", "layer"),
    [(record(22, handshake(14, b""), 0x0301), "tls"), (record(23, b"x"), "tls"),
     (record(21, b"\x02\x28"), "data"), (record(23, b"x", 0x0304), "data"), (record(23, b""), "data")],
)  # fmt: skip
def test_tls_heuristic_on_any_port(payload, layer):
    assert names(dec(tcp_frame(payload, 40001, 5555)))[-1] == layer


def test_malformed_server_name_vector():
    exts = ext(0, b"\x00") + ext(23, b"")
    pkt = dec(tcp_frame(record(22, handshake(1, hello(True, exts))), dport=443))
    assert "tls.malformed.vector_length" in codes(pkt) and pkt.status == "malformed"
    assert [f.value for f in pkt.find("tls.handshake.extension.type")] == [0, 23]


# -- robustness ----------------------------------------------------------------------------
FIXTURES = [
    tcp_frame(WGET),
    response(
        b"Content-Type: text/html\r\nTransfer-Encoding: chunked\r\n",
        b"5\r\nhello\r\n0\r\nT: 1\r\n\r\n",
    ),
    response(b"Content-Type: text/plain\r\nContent-Length: 4\r\nCookie: a=b\r\n", b"hi\r\n"),
    tcp_frame(b"\r\nPOST /?a=b HTTP/1.1\r\nAuthorization: Basic eDp5\r\n\r\n", dport=8080),
    CLIENT_HELLO,
    tcp_frame(
        record(22, handshake(2, hello(False, ext(43, b"\x03\x04"))))
        + record(20, b"\x01")
        + record(23, b"z"),
        443,
    ),
    tcp_frame(
        record(21, b"\x02\x28") + record(24, b"\x01\x00\x00") + record(22, b"\x0e"), dport=443
    ),
]


@pytest.mark.parametrize("i", range(len(FIXTURES)))
def test_every_truncation_decodes(i):
    sweep(FIXTURES[i])


@settings(max_examples=300, deadline=None)
@given(payload=st.binary(max_size=300), port=st.sampled_from([80, 443, 5555, 8080]))
def test_arbitrary_payloads_never_raise(payload, port):
    assert_spans_inside(dec(tcp_frame(payload, 40000, port)))


PREFIXES = [b"GET / HTTP/1.1\r\n", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"\x16\x03\x01\x00\x80\x01\x00\x00\x7c\x03\x03"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    prefix=st.sampled_from(PREFIXES), rest=st.binary(max_size=200), port=st.sampled_from([80, 443])
)
def test_plausible_starts_with_garbage_never_raise(prefix, rest, port):
    assert_spans_inside(dec(tcp_frame(prefix + rest, 40000, port)))


# -- real captures against tshark ------------------------------------------------------------
MY_FIELDS = ("http.request.method", "http.request.uri", "http.request.version", "http.host",
             "http.user_agent", "http.response.code", "tls.handshake.type",
             "tls.handshake.extensions_server_name")  # fmt: skip


def occurrences(value) -> list:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize(
    "name", sorted(p.name for p in DATA.glob("*.pcap*") if p.suffix != ".json")
)
def test_capture_agrees_with_tshark(name):
    expected = {p["n"]: p for p in json.loads((DATA / f"{name}.json").read_text())["packets"]}
    for rec in open_capture(str(DATA / name)):
        pkt = decode(rec.data, rec.linktype, wirelen=rec.wirelen, strict=True)
        exp = expected[rec.number]
        ours = names(pkt)
        theirs = [x for x in exp["layers"] if x != "ethertype"]
        if "tcp" in theirs:
            assert ours[ours.index("tcp") :] == theirs[theirs.index("tcp") :], rec.number
        assert (pkt.status == "malformed") == exp["malformed"], rec.number
        assert (pkt.status == "truncated") == exp["truncated"], rec.number
        for fname in MY_FIELDS:
            want = [
                (o["value"], o["pos"], o["len"]) for o in occurrences(exp["fields"].get(fname, []))
            ]
            got = [(f.value, f.pos, f.len) for f in pkt.find(fname)]
            assert got == want, (rec.number, fname)
