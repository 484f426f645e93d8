"""Write the crafted_*.pcap captures of this folder (needs scapy; the tests never run it).

    python tests/data/services/make_crafted.py [protocol ...]

Each capture is built packet by packet with scapy between documentation addresses, then
decoded by tshark into <capture>.tshark.json (python -m tests.services_tshark --write).
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from scapy.all import IP, TCP, UDP, Ether, IPv6, conf, wrpcap  # type: ignore[import-untyped]

HERE = Path(__file__).parent
CLIENT, SERVER = "192.0.2.10", "192.0.2.20"
conf.verb = 0


def udp(payload: bytes, sport: int, dport: int, v6: bool = False) -> Ether:
    net = IPv6(src="2001:db8::10", dst="2001:db8::20") if v6 else IP(src=CLIENT, dst=SERVER)
    return Ether() / net / UDP(sport=sport, dport=dport) / payload


# -- SSH ---------------------------------------------------------------------------------------
def ssh_string(b: bytes) -> bytes:
    return struct.pack("!I", len(b)) + b


def ssh_packet(payload: bytes) -> bytes:
    pad = 8 - (5 + len(payload)) % 8
    pad += 8 if pad < 4 else 0
    return struct.pack("!IB", 1 + len(payload) + pad, pad) + payload + bytes(pad)


def ssh() -> list:
    lists = [b"curve25519-sha256,ecdh-sha2-nistp256", b"ssh-ed25519,ecdsa-sha2-nistp256",
             b"aes128-ctr", b"aes128-ctr", b"hmac-sha2-256", b"hmac-sha2-256", b"none",
             b"none", b"", b""]  # fmt: skip
    kexinit = bytes([20]) + bytes(range(16)) + b"".join(map(ssh_string, lists)) + bytes(5)
    dh_lists = [b"diffie-hellman-group14-sha256"] + lists[1:]
    dh_kexinit = ssh_packet(
        bytes([20]) + bytes(range(16)) + b"".join(map(ssh_string, dh_lists)) + bytes(5)
    )
    # a host key of a type this decoder does not split up, and a DH reply's f
    odd_key = ssh_string(b"ssh-xmss@openssh.com") + ssh_string(bytes(40))
    dh_reply = (bytes([31]) + ssh_string(odd_key) + ssh_string(b"\x00" + bytes(range(256)))
                + ssh_string(ssh_string(b"ssh-xmss@openssh.com") + ssh_string(bytes(48))))  # fmt: skip
    ed_key = ssh_string(b"ssh-ed25519") + ssh_string(bytes(range(32)))
    ed_sig = ssh_string(b"ssh-ed25519") + ssh_string(bytes(64))
    reply = bytes([31]) + ssh_string(ed_key) + ssh_string(bytes(range(32, 64))) + ssh_string(ed_sig)
    ec_key = (
        ssh_string(b"ecdsa-sha2-nistp256")
        + ssh_string(b"nistp256")
        + ssh_string(b"\x04" + bytes(64))
    )
    ec_reply = (
        bytes([31])
        + ssh_string(ec_key)
        + ssh_string(b"\x04" + bytes(64))
        + ssh_string(ssh_string(b"ecdsa-sha2-nistp256") + ssh_string(bytes(72)))
    )
    dh_init = bytes([30]) + ssh_string(b"\x00" + bytes(range(256)))
    newkeys = ssh_packet(bytes([21]))
    encrypted = bytes(range(7, 255, 3))
    whole_kexinit = ssh_packet(kexinit)
    banner_c, banner_s = b"SSH-2.0-layerscope_test\r\n", b"SSH-2.0-OpenSSH_9.6\r\n"
    out = []
    for port, server_msgs, client_msgs, late, kex in (
        (50000, [ssh_packet(reply) + newkeys + encrypted], [newkeys], [], whole_kexinit),
        (50001, [ssh_packet(ec_reply) + newkeys], [newkeys + encrypted], [], whole_kexinit),
        (50002, [], [ssh_packet(dh_init), ssh_packet(bytes([5]) + ssh_string(b"ssh-userauth"))],
         [ssh_packet(dh_reply)], dh_kexinit),
    ):  # fmt: skip
        flow = Flow(port, 22)
        out += [flow.send(banner_c), flow.reply(banner_s), flow.send(kex), flow.reply(kex)]
        out += [flow.reply(m) for m in server_msgs] + [flow.send(m) for m in client_msgs]
        out += [flow.reply(m) for m in late]
    flow = Flow(50003, 22)
    out += [flow.send(banner_c), flow.send(whole_kexinit[:120])]  # the rest comes later
    out.append(Flow(50004, 2222).send(b"SSH-2.0-OtherPort_1.0\r\n"))  # the banner heuristic
    return out


class Flow:
    """One TCP conversation: each message in the right direction with running sequence
    numbers, so tshark follows it as one session."""

    def __init__(self, cport: int, sport: int) -> None:
        self.cport, self.sport, self.cseq, self.sseq = cport, sport, 1000, 5000

    def send(self, payload: bytes) -> Ether:
        pkt = (
            Ether()
            / IP(src=CLIENT, dst=SERVER)
            / TCP(sport=self.cport, dport=self.sport, flags="PA", seq=self.cseq, ack=self.sseq)
            / payload
        )
        self.cseq += len(payload)
        return pkt

    def reply(self, payload: bytes) -> Ether:
        pkt = (
            Ether()
            / IP(src=SERVER, dst=CLIENT)
            / TCP(sport=self.sport, dport=self.cport, flags="PA", seq=self.sseq, ack=self.cseq)
            / payload
        )
        self.sseq += len(payload)
        return pkt


def dhcpv6() -> list:
    from scapy.layers import dhcp6 as d  # type: ignore[import-untyped]

    ll = d.DUID_LL(lladdr="02:00:00:00:00:01")
    uuid = struct.pack("!H", 4) + bytes(range(16))  # DUID-UUID: type 4 and 16 bytes
    solicit = (d.DHCP6_Solicit(trid=0x123456) / d.DHCP6OptClientId(duid=ll)
               / d.DHCP6OptElapsedTime(elapsedtime=150) / d.DHCP6OptRapidCommit()
               / d.DHCP6OptIA_TA(iaid=7) / d.DHCP6OptUserClass(userclassdata=[
                   d.USER_CLASS_DATA(data=b"layerscope")])
               / d.DHCP6OptClientFQDN(flags=1, fqdn=b"\x04host\x07example\x00")
               / d.DHCP6OptVendorSpecificInfo(enterprisenum=32473, vso=[
                   d.VENDOR_SPECIFIC_OPTION(optcode=1, optdata=b"abc")]))  # fmt: skip
    relay = d.DHCP6_RelayForward(hopcount=1, linkaddr="2001:db8::1", peeraddr="fe80::1") / (
        d.DHCP6OptIfaceId(ifaceid=b"eth0") / d.DHCP6OptRelayMsg(message=solicit)
    )
    reply = (d.DHCP6_Reply(trid=0x123456)
             / d.DHCP6OptServerId(duid=d.DUID_LL(lladdr="02:00:00:00:00:02"))
             / d.DHCP6OptPref(prefval=255) / d.DHCP6OptServerUnicast(srvaddr="2001:db8::2")
             / d.DHCP6OptStatusCode(statuscode=2, statusmsg="no addresses")
             / d.DHCP6OptInfoRefreshTime(reftime=3600)
             / d.DHCP6OptClientFQDN(flags=3, fqdn=b"\x04host\x07example\x00")
             / d.DHCP6OptDNSDomains(dnsdomains=["example.", "test."]))  # fmt: skip
    raw_uuid = bytes(d.DHCP6_InfoRequest(trid=1)) + struct.pack("!HH", 1, len(uuid)) + uuid
    bad = bytes(d.DHCP6_Confirm(trid=2)) + struct.pack("!HH", 8, 40) + bytes(2)  # length lies
    return [udp(bytes(relay), 547, 547, v6=True), udp(bytes(reply), 547, 546, v6=True),
            udp(raw_uuid, 546, 547, v6=True), udp(bad, 546, 547, v6=True)]  # fmt: skip


def nbns() -> list:
    from scapy.layers import netbios as nb  # type: ignore[import-untyped]

    query = nb.NBNSHeader(NAME_TRN_ID=0x1A2B, NM_FLAGS=0x11) / nb.NBNSQueryRequest(
        QUESTION_NAME=b"WORKSTATION", SUFFIX=0x4141
    )
    answer = nb.NBNSHeader(NAME_TRN_ID=0x1A2B, RESPONSE=1, NM_FLAGS=0x50, ANCOUNT=1, QDCOUNT=0) / (
        nb.NBNSQueryResponse(RR_NAME=b"WORKSTATION", SUFFIX=0x4141, TTL=300000, ADDR_ENTRY=[
            nb.NBNS_ADD_ENTRY(G=0, OWNER_NODE_TYPE=1, NB_ADDRESS="192.0.2.20"),
            nb.NBNS_ADD_ENTRY(G=1, OWNER_NODE_TYPE=3, NB_ADDRESS="192.0.2.21")])
    )  # fmt: skip
    register = nb.NBNSHeader(NAME_TRN_ID=7, OPCODE=5, NM_FLAGS=0x11, ARCOUNT=1) / (
        nb.NBNSRegistrationRequest(QUESTION_NAME=b"LAYERSCOPE", SUFFIX=0x4141, G=1,
                                   OWNER_NODE_TYPE=0, NB_ADDRESS="192.0.2.10")
    )  # fmt: skip
    status_q = nb.NBNSHeader(NAME_TRN_ID=9) / nb.NBNSNodeStatusRequest(QUESTION_NAME=b"*")
    # Node status response by hand: scapy gives each name's flags 1 byte, RFC 1002 two.
    star = bytes([32]) + b"CK" + b"AA" * 15 + b"\x00"
    names = [(b"LAYERSCOPE     ", 0x20, 0x0400), (b"WORKGROUP      ", 0x00, 0x8400)]
    rdata = bytes([len(names)]) + b"".join(n + bytes([sfx]) + struct.pack("!H", fl)
                                           for n, sfx, fl in names)  # fmt: skip
    rdata += bytes.fromhex("020000000001") + bytes(range(40))  # unit id and statistics
    status = (
        struct.pack("!HHHHHH", 9, 0x8400, 0, 1, 0, 0)
        + star
        + struct.pack("!HHIH", 0x21, 1, 0, len(rdata))
        + rdata
    )
    negative = nb.NBNSHeader(NAME_TRN_ID=0x1A2C, RESPONSE=1, NM_FLAGS=0x50, RCODE=3, ANCOUNT=1,
                             QDCOUNT=0) / nb.NBNSQueryResponse(RR_NAME=b"NOBODY", RDLENGTH=0,
                                                               ADDR_ENTRY=[])  # fmt: skip
    wack = (
        struct.pack("!HHHHHH", 7, 0xBC00, 0, 1, 0, 0)
        + star
        + struct.pack("!HHIHH", 0x20, 1, 2, 2, 0x2910)
    )
    null_rr = (
        struct.pack("!HHHHHH", 8, 0x8500, 0, 1, 0, 0)
        + star
        + struct.pack("!HHIH", 0x0A, 1, 0, 3)
        + b"xyz"
    )
    authority = (
        struct.pack("!HHHHHH", 10, 0x8500, 0, 0, 1, 0)
        + star
        + struct.pack("!HHIHH", 0x20, 1, 60, 6, 0x6000)
        + bytes([192, 0, 2, 53])
    )
    return [udp(bytes(query), 137, 137), udp(bytes(answer), 137, 137),
            udp(wack, 137, 137), udp(null_rr, 137, 137),
            udp(bytes(register), 137, 137), udp(bytes(status_q), 137, 137),
            udp(bytes(status), 137, 137), udp(bytes(negative), 137, 137),
            udp(bytes(query)[:30], 137, 137), udp(authority, 137, 137)]  # fmt: skip


def syslog() -> list:
    messages = [
        b"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
        b'[exampleSDID@32473 iut="3"] \xef\xbb\xbfAn application event',
        b"<191>1 2026-12-07T10:00:00+01:00 host app 1234 - - \xef\xbb\xbfdebug text",
        b"<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed\ttab\r\n",
        b"no priority here, just text",
        b"<13>Dec  7 10:00:00 host averyveryveryveryveryverylongtagname012345 x",
        b"<999",
        b"<14>1 - host app 77 \xef\xbb\xbfhello",  # no timestamp; a BOM after the process id
    ]
    return [udp(m, 40514, 514) for m in messages]


def snmp() -> list:
    from scapy.asn1 import asn1 as a  # type: ignore[import-untyped]
    from scapy.asn1.asn1 import ASN1_OID  # type: ignore[import-untyped]
    from scapy.layers import snmp as s  # type: ignore[import-untyped]

    sys_descr, uptime = "1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.3.0"
    get = s.SNMP(
        version=1,
        community="public",
        PDU=s.SNMPget(
            id=0x1234,
            varbindlist=[
                s.SNMPvarbind(oid=ASN1_OID(sys_descr)),
                s.SNMPvarbind(oid=ASN1_OID(uptime)),
            ],
        ),
    )
    resp = s.SNMP(version=1, community="public", PDU=s.SNMPresponse(id=0x1234, varbindlist=[
        s.SNMPvarbind(oid=ASN1_OID(sys_descr), value=a.ASN1_STRING(b"Linux box 6.1")),
        s.SNMPvarbind(oid=ASN1_OID(uptime), value=a.ASN1_TIME_TICKS(123456)),
        s.SNMPvarbind(oid=ASN1_OID("1.3.6.1.2.1.2.2.1.10.1"), value=a.ASN1_COUNTER32(99)),
        s.SNMPvarbind(oid=ASN1_OID("1.3.6.1.2.1.2.2.1.5.1"), value=a.ASN1_GAUGE32(1000000)),
        s.SNMPvarbind(oid=ASN1_OID("1.3.6.1.2.1.4.20.1.1.1"), value=a.ASN1_IPADDRESS("192.0.2.1")),
        s.SNMPvarbind(oid=ASN1_OID("1.3.6.1.2.1.1.2.0"), value=ASN1_OID("1.3.6.1.4.1.8072.3.2.10")),
        s.SNMPvarbind(oid=ASN1_OID("1.3.6.1.2.1.1.7.0"), value=a.ASN1_INTEGER(-72)),
        s.SNMPvarbind(oid=ASN1_OID("1.3.6.1.2.1.31.1.1.1.6.1"),
                      value=a.ASN1_COUNTER64(2**40)),
    ]))  # fmt: skip
    bulk = s.SNMP(version=1, community="private", PDU=s.SNMPbulk(id=7, non_repeaters=1,
                  max_repetitions=10, varbindlist=[s.SNMPvarbind(oid=ASN1_OID("1.3.6.1.2.1.2"))]))  # fmt: skip
    setreq = s.SNMP(version=0, community="private", PDU=s.SNMPset(id=8, varbindlist=[
        s.SNMPvarbind(oid=ASN1_OID("1.3.6.1.2.1.1.5.0"), value=a.ASN1_STRING(b"router"))]))  # fmt: skip
    err = s.SNMP(version=0, community="public", PDU=s.SNMPresponse(id=8, error=2, error_index=1,
                 varbindlist=[s.SNMPvarbind(oid=ASN1_OID("1.3.6.1.2.1.1.5.0"))]))  # fmt: skip
    trap1 = s.SNMP(version=0, community="public", PDU=s.SNMPtrapv1(
        enterprise=ASN1_OID("1.3.6.1.4.1.8072.3.2.10"), agent_addr="192.0.2.20",
        generic_trap=6, specific_trap=17, time_stamp=4242, varbindlist=[
            s.SNMPvarbind(oid=ASN1_OID("1.3.6.1.2.1.1.5.0"), value=a.ASN1_STRING(b"x"))]))  # fmt: skip
    trap2 = s.SNMP(version=1, community="public", PDU=s.SNMPtrapv2(id=9, varbindlist=[
        s.SNMPvarbind(oid=ASN1_OID(uptime), value=a.ASN1_TIME_TICKS(5)),
        s.SNMPvarbind(oid=ASN1_OID("1.3.6.1.6.3.1.1.4.1.0"),
                      value=ASN1_OID("1.3.6.1.6.3.1.1.5.3"))]))  # fmt: skip
    nxt = s.SNMP(version=1, community="public", PDU=s.SNMPnext(id=10, varbindlist=[
        s.SNMPvarbind(oid=ASN1_OID("1.3.6.1"))]))  # fmt: skip
    inform = s.SNMP(version=1, community="public", PDU=s.SNMPinform(id=11, varbindlist=[]))
    frames = [udp(bytes(m), 40161, 161) for m in (get, bulk, setreq, nxt)]
    frames += [udp(bytes(m), 161, 40161) for m in (resp, err)]
    frames += [udp(bytes(m), 40162, 162) for m in (trap1, trap2, inform)]
    frames.append(udp(bytes(get)[:30], 40161, 161))  # cut inside the PDU
    frames += [
        udp(snmp_exceptions(), 161, 40161),
        udp(snmp_v3(), 40161, 161),
        udp(snmp_v3(plain=True), 40161, 161),
        udp(snmp_v3(model=99), 40161, 161),
        udp(snmp_report(), 161, 40161),
    ]
    frames += [udp(snmp_v3(plain=True, engine=e), 40161, 161) for e in SNMP_ENGINE_IDS]
    return frames


# Engine IDs in each RFC 3411 format Wireshark splits (and the historic RFC 1910 AgentID):
# Net-SNMP's random + boot time, IPv4, IPv6, Cisco's MAC with its type byte, text, octets,
# an RFC 1910 id, and an IPv4 format one byte too long (not RFC 3411 conforming).
SNMP_ENGINE_IDS = [
    bytes.fromhex("80001f8880") + bytes.fromhex("1a2b3c4d") + struct.pack("<I", 1700000000),
    bytes.fromhex("8000000901c0000201"),
    bytes.fromhex("800000090220010db8000000000000000000000001"),
    bytes.fromhex("800000090301") + bytes.fromhex("020000aabbcc"),
    bytes.fromhex("8000000904") + b"layerscope",
    bytes.fromhex("8000000905") + bytes(range(1, 9)),
    bytes.fromhex("00000009") + bytes(range(8)),
    bytes.fromhex("8000000901c000020105"),
]


def tlv(tag: int, body: bytes) -> bytes:
    """One BER element (short or long length form)."""
    n = len(body)
    head = (
        bytes([n])
        if n < 0x80
        else bytes([0x81, n])
        if n < 0x100
        else b"\x82" + struct.pack("!H", n)
    )
    return bytes([tag]) + head + body


def snmp_exceptions() -> bytes:
    """A v2c response with the exception values and the rarer value types, by hand."""
    oid = tlv(0x06, bytes.fromhex("2b06010201010500"))  # 1.3.6.1.2.1.1.5.0
    values = [tlv(0x80, b""), tlv(0x81, b""), tlv(0x82, b""), tlv(0x44, b"\x9f\x78\x04abcd"),
              tlv(0x40, bytes(15) + b"\x01"), tlv(0x47, b"\x01\x02"), tlv(0x49, b"?")]  # fmt: skip
    vbs = tlv(0x30, b"".join(tlv(0x30, oid + v) for v in values))
    pdu = tlv(0xA2, tlv(0x02, b"\x05") + tlv(0x02, b"\x00") + tlv(0x02, b"\x00") + vbs)
    return tlv(0x30, tlv(0x02, b"\x01") + tlv(0x04, b"public") + pdu)


def snmp_report() -> bytes:
    """A Report-PDU (RFC 3416 section 4.2.8), as an agent sends one to an unknown engine."""
    vbs = tlv(
        0x30, tlv(0x30, tlv(0x06, bytes.fromhex("2b060106030f01010400")) + tlv(0x41, b"\x07"))
    )
    pdu = tlv(0xA8, tlv(0x02, b"\x0c") + tlv(0x02, b"\x00") + tlv(0x02, b"\x00") + vbs)
    return tlv(0x30, tlv(0x02, b"\x01") + tlv(0x04, b"public") + pdu)


def snmp_v3(plain: bool = False, model: int = 3, engine: bytes = b"engine") -> bytes:
    """An SNMPv3 message: version, global data, USM parameters, an encrypted PDU (or a
    plaintext get-request; or another security model's parameters)."""
    flags = b"\x04" if plain else b"\x07"
    head = tlv(0x02, b"\x03") + tlv(0x30, tlv(0x02, b"\x12\x34") + tlv(0x02, b"\x05\xdc")
                                      + tlv(0x04, flags) + tlv(0x02, bytes([model])))  # fmt: skip
    usm = tlv(0x04, tlv(0x30, tlv(0x04, engine) + tlv(0x02, b"\x01") + tlv(0x02, b"\x02")
                         + tlv(0x04, b"user") + tlv(0x04, bytes(12)) + tlv(0x04, bytes(8))))  # fmt: skip
    if not plain:
        return tlv(0x30, head + usm + tlv(0x04, bytes(range(32))))
    vbs = tlv(0x30, tlv(0x30, tlv(0x06, bytes.fromhex("2b06010201010500")) + tlv(0x05, b"")))
    pdu = tlv(0xA0, tlv(0x02, b"\x09") + tlv(0x02, b"\x00") + tlv(0x02, b"\x00") + vbs)
    scoped = tlv(0x30, tlv(0x04, engine) + tlv(0x04, b"ctx") + pdu)
    return tlv(0x30, head + usm + scoped)


def tftp() -> list:
    """Every TFTP message on port 69 (a real server answers from another port, which only
    a conversation table or Decode As can follow)."""
    rrq = b"\x00\x01boot/pxelinux.0\x00octet\x00blksize\x001432\x00tsize\x000\x00"
    msgs = [
        (rrq, 40069, 69),
        (b"\x00\x02upload.txt\x00netascii\x00", 40070, 69),
        (b"\x00\x06blksize\x001432\x00tsize\x0026578\x00", 69, 40069),
        (b"\x00\x04\x00\x00", 40069, 69),
        (b"\x00\x03\x00\x01" + bytes(range(256)) * 2, 69, 40069),
        (b"\x00\x03\x00\x02last bytes", 69, 40069),
        (b"\x00\x05\x00\x01File not found\x00", 69, 40071),
        (b"\x00\x01no-terminator", 40072, 69),
        (b"\x00\x09", 40073, 69),
    ]
    return [udp(m, sport, dport) for m, sport, dport in msgs]


SDP = (
    b"v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\ns=-\r\n"
    b"c=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
)


def sip() -> list:
    invite = (
        b"INVITE sip:bob@example.com SIP/2.0\r\n"
        b"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport\r\n"
        b"Max-Forwards: 70\r\n"
        b'To: "Bob" <sip:bob@example.com>\r\n'
        b"From: Alice <sip:alice@example.org>;tag=1928301774\r\n"
        b"Call-ID: a84b4c76e66710@pc33.example.org\r\n"
        b"CSeq: 314159 INVITE\r\n"
        b"Contact: <sip:alice@192.0.2.10:5060>\r\n"
        b"User-Agent: layerscope-test/1.0\r\n"
        b"Content-Type: application/sdp\r\n"
        b"Content-Length: " + str(len(SDP)).encode() + b"\r\n\r\n" + SDP
    )
    ringing = (
        b"SIP/2.0 180 Ringing\r\n"
        b"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;received=192.0.2.10\r\n"
        b'To: "Bob" <sip:bob@example.com>;tag=a6c85cf\r\n'
        b"From: Alice <sip:alice@example.org>;tag=1928301774\r\n"
        b"Call-ID: a84b4c76e66710@pc33.example.org\r\n"
        b"CSeq: 314159 INVITE\r\n"
        b"Content-Length: 0\r\n\r\n"
    )
    register = (
        b"REGISTER sip:registrar.example.com SIP/2.0\r\n"
        b"v: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnashds7\r\n"
        b"t: <sip:alice@example.com>\r\n"
        b"f: <sip:alice@example.com>;tag=456248\r\n"
        b"i: 843817637684230@998sdasdh09\r\n"
        b"CSeq: 1826 REGISTER\r\n"
        b"Expires: 7200\r\n"
        b"l: 0\r\n\r\n"
    )
    options = b"OPTIONS sip:carol@example.net SIP/2.0\r\nCSeq: 63104 OPTIONS\r\n\r\n"
    error = (b"SIP/2.0 486 Busy Here\r\nCSeq: 314159 INVITE\r\nCall-ID: x@y\r\n"
             b"Content-Length: 0\r\n\r\n")  # fmt: skip
    cut = invite[:120]
    ok = (
        b"SIP/2.0 200 OK\r\n"
        b"Via: SIP/2.0/UDP 192.0.2.10:5070;maddr=239.0.0.1;ttl=16;branch=z9hG4bK1\r\n"
        b"To: <sip:carol@example.net:5062>;tag=93810874\r\n"
        b"From: sip:alice@example.org:5061;tag=1928301774\r\n"
        b'Contact: "Carol" <sip:carol@192.0.2.30:5064>;expires=60\r\n'
        b"Call-ID: a84b4c76e66710\r\n"
        b"CSeq: 63104 OPTIONS\r\n"
        b"Server: layerscope-test-server\r\n"
        b"Allow: INVITE, ACK, CANCEL, OPTIONS, BYE\r\n"
        b"Supported: replaces, timer\r\n"
        b"Accept: application/sdp\r\n"
        b"Subject: capabilities\r\n"
        b'WWW-Authenticate: Digest realm="example.net", nonce="abc"\r\n'
        b"Event: presence\r\n"
        b"Date: Sat, 13 Nov 2010 23:29:00 GMT\r\n"
        b"Content-Length: 0\r\n\r\n"
    )
    bye = (
        b"BYE sip:bob@192.0.2.20:5062 SIP/2.0\r\n"
        b'Authorization: Digest username="alice", realm="example.com", nonce="abc", '
        b'uri="sip:bob@192.0.2.20", response="0123456789abcdef", algorithm=MD5\r\n'
        b'Proxy-Authorization: Digest username="alice", realm="proxy.example.com"\r\n'
        b'Proxy-Authenticate: Digest realm="proxy.example.com", nonce="def"\r\n'
        b"CSeq: 231 BYE\r\n\r\n"
    )
    msgs = [(invite, 5060, 5060), (ringing, 5060, 5060), (register, 5060, 5060),
            (options, 5060, 5060), (error, 5060, 5060), (cut, 5060, 5060),
            (b"\r\n\r\n", 5060, 5060), (ok, 5060, 5060), (bye, 5060, 5060),
            (sip_with(RICH_SDP), 5060, 5060), (sip_with(b"v=0\r\nx=what\r\nbroken line\r\n"), 5060, 5060)]  # fmt: skip
    return [udp(m, sport, dport) for m, sport, dport in msgs]


# Every SDP line type (RFC 8866), a multicast connection with TTL and count, two media with
# static and dynamic payload types, rtpmap, fmtp and property attributes.
RICH_SDP = (
    b"v=0\r\no=- 3344 3345 IN IP6 2001:db8::10\r\ns=Seminar\r\ni=A talk\r\n"
    b"u=http://example.com/seminar\r\ne=alice@example.com (Alice)\r\np=+1 617 555-6011\r\n"
    b"c=IN IP4 224.2.1.1/127/3\r\nb=AS:64\r\nt=2873397496 2873404696\r\n"
    b"r=604800 3600 0 90000\r\nz=2882844526 -1h 2898848070 0\r\nk=clear:secret\r\n"
    b"a=tool:layerscope\r\na=recvonly\r\n"
    b"m=audio 49170/2 RTP/AVP 0 8 96\r\ni=Voice\r\na=rtpmap:96 opus/48000/2\r\n"
    b"a=fmtp:96 useinbandfec=1;stereo=1\r\na=ptime:20\r\n"
    b"m=video 51372 RTP/AVP 31\r\nb=AS:256\r\n"
)


def sip_with(sdp: bytes) -> bytes:
    """A 200 OK answering with this SDP body."""
    return (b"SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\n"
            b"Content-Length: " + str(len(sdp)).encode() + b"\r\n\r\n" + sdp)  # fmt: skip


def modbus() -> list:
    """Modbus/TCP: MBAP header and PDU; requests to port 502, responses from it."""

    def mbap(tid: int, pdu: bytes, unit: int = 1) -> bytes:
        return struct.pack("!HHHB", tid, 0, len(pdu) + 1, unit) + pdu

    flow = Flow(50502, 502)
    return [
        flow.send(mbap(1, bytes.fromhex("03 006b 0003"))),  # read holding registers
        flow.reply(mbap(1, bytes.fromhex("03 06 022b 0000 0064"))),
        flow.send(mbap(2, bytes.fromhex("01 0013 0013"))),  # read coils
        flow.reply(mbap(2, bytes.fromhex("01 03 cd 6b 05"))),
        flow.send(mbap(3, bytes.fromhex("05 00ac ff00"))),  # write single coil
        flow.reply(mbap(3, bytes.fromhex("05 00ac ff00"))),
        flow.send(mbap(4, bytes.fromhex("06 0001 0003"))),  # write single register
        flow.reply(mbap(4, bytes.fromhex("06 0001 0003"))),
        flow.send(mbap(5, bytes.fromhex("10 0001 0002 04 000a 0102"))),  # write multiple
        flow.reply(mbap(5, bytes.fromhex("10 0001 0002"))),
        flow.send(mbap(6, bytes.fromhex("04 0008 0001"))),  # read input registers
        flow.reply(mbap(6, bytes.fromhex("84 02"))),  # exception: illegal data address
        flow.send(mbap(7, bytes.fromhex("0f 0013 000a 02 cd 01"))),  # write multiple coils
        flow.reply(mbap(7, bytes.fromhex("0f 0013 000a"))),
        flow.send(mbap(8, bytes.fromhex("02 00c4 0016"))),  # read discrete inputs
        flow.reply(mbap(8, bytes.fromhex("02 03 ac db 35"))),
        flow.send(mbap(9, bytes.fromhex("03 006b 0003")) + mbap(10, bytes.fromhex("03 0000 0001"))),
        flow.send(mbap(11, bytes.fromhex("03 006b"))),  # a PDU cut short
    ]


def mqtt_string(b: bytes) -> bytes:
    return struct.pack("!H", len(b)) + b


def mqtt_packet(first: int, body: bytes) -> bytes:
    """Fixed header (type and flags, remaining length as a varint) and the rest."""
    n, length = len(body), b""
    while True:
        n, digit = divmod(n, 128)
        length += bytes([digit | (0x80 if n else 0)])
        if not n:
            return bytes([first]) + length + body


def mqtt() -> list:
    """MQTT 3.1.1: a session's packets, to and from port 1883."""
    connect = mqtt_packet(0x10, mqtt_string(b"MQTT") + bytes([4, 0xEE]) + struct.pack("!H", 60)
                          + mqtt_string(b"layerscope-1") + mqtt_string(b"status/lwt")
                          + mqtt_string(b"offline") + mqtt_string(b"user")
                          + mqtt_string(b"secret"))  # fmt: skip
    flow = Flow(51883, 1883)
    return [
        flow.send(connect),
        flow.reply(mqtt_packet(0x20, b"\x00\x00")),
        flow.send(
            mqtt_packet(
                0x82,
                struct.pack("!H", 1)
                + mqtt_string(b"sensors/#")
                + b"\x01"
                + mqtt_string(b"cmd/+")
                + b"\x00",
            )
        ),  # fmt: skip
        flow.reply(mqtt_packet(0x90, struct.pack("!H", 1) + b"\x01\x80")),
        flow.send(mqtt_packet(0x30, mqtt_string(b"sensors/temp") + b"21.5")),
        flow.send(mqtt_packet(0x3B, mqtt_string(b"sensors/hum") + struct.pack("!H", 7) + b"40")),
        flow.reply(mqtt_packet(0x40, struct.pack("!H", 7))),
        flow.send(mqtt_packet(0x34, mqtt_string(b"a/b") + struct.pack("!H", 8) + b"x" * 200)),
        flow.reply(mqtt_packet(0x50, struct.pack("!H", 8))),
        flow.send(mqtt_packet(0x62, struct.pack("!H", 8))),
        flow.reply(mqtt_packet(0x70, struct.pack("!H", 8))),
        flow.send(mqtt_packet(0xA2, struct.pack("!H", 2) + mqtt_string(b"cmd/+"))),
        flow.reply(mqtt_packet(0xB0, struct.pack("!H", 2))),
        flow.send(mqtt_packet(0xC0, b"") + mqtt_packet(0xD0, b"")),  # two in one segment
        flow.send(mqtt_packet(0xE0, b"")),
        flow.send(mqtt_packet(0x30, mqtt_string(b"sensors/temp") + b"21.5")[:9]),  # cut short
    ]


def mqtt_props(*props: bytes) -> bytes:
    """MQTT 5 properties: their length (a varint) and the properties."""
    body = b"".join(props)
    return mqtt_packet(0, body)[1:]  # the same variable-length integer as a packet's length


def mqtt5() -> list:
    """MQTT 5: a session whose CONNECT says level 5, with properties in every packet type
    that has them, reason codes and subscription options."""
    user = b"\x26" + mqtt_string(b"site") + mqtt_string(b"lab-3")
    connect = mqtt_packet(0x10, mqtt_string(b"MQTT") + bytes([5, 0xC6]) + struct.pack("!H", 30)
                          + mqtt_props(b"\x11" + struct.pack("!I", 3600), b"\x21\x00\x14", user)
                          + mqtt_string(b"layerscope-5")
                          + mqtt_props(b"\x18" + struct.pack("!I", 10), b"\x01\x01")
                          + mqtt_string(b"status/lwt") + mqtt_string(b"gone")
                          + mqtt_string(b"user") + mqtt_string(b"secret"))  # fmt: skip
    connack = mqtt_packet(0x20, b"\x00\x00" + mqtt_props(
        b"\x24\x01", b"\x25\x00", b"\x27" + struct.pack("!I", 65536), b"\x22\x00\x0a",
        b"\x12" + mqtt_string(b"auto-7f3a"), b"\x13\x00\x3c"))  # fmt: skip
    sub = mqtt_packet(0x82, struct.pack("!H", 1) + mqtt_props(b"\x0b\x96\x01")
                      + mqtt_string(b"sensors/#") + b"\x2d")  # fmt: skip
    suback = mqtt_packet(0x90, struct.pack("!H", 1) + mqtt_props() + b"\x01")
    publish = mqtt_packet(0x32, mqtt_string(b"sensors/temp") + struct.pack("!H", 5) + mqtt_props(
        b"\x01\x01", b"\x02" + struct.pack("!I", 60), b"\x03" + mqtt_string(b"text/plain"),
        b"\x08" + mqtt_string(b"reply/here"), b"\x09" + mqtt_string(b"\x01\x02"),
        b"\x23\x00\x02", user) + b"21.5")  # fmt: skip
    flow = Flow(51884, 1883)
    return [
        flow.send(connect),
        flow.reply(connack),
        flow.send(sub),
        flow.reply(suback),
        flow.send(publish),
        flow.reply(
            mqtt_packet(
                0x40,
                struct.pack("!H", 5)
                + b"\x10"
                + mqtt_props(b"\x1f" + mqtt_string(b"nobody listens")),
            )
        ),  # fmt: skip
        flow.reply(mqtt_packet(0x40, struct.pack("!H", 6))),  # success: no reason code
        flow.send(mqtt_packet(0xA2, struct.pack("!H", 2) + mqtt_props() + mqtt_string(b"x/y"))),
        flow.reply(mqtt_packet(0xB0, struct.pack("!H", 2) + mqtt_props() + b"\x11")),
        flow.send(mqtt_packet(0xE0, b"\x04" + mqtt_props(b"\x11" + struct.pack("!I", 0)))),
        flow.send(mqtt_packet(0xF0, b"\x18" + mqtt_props(b"\x15" + mqtt_string(b"SCRAM-SHA-1")))),
        flow.reply(mqtt_packet(0x50, struct.pack("!H", 9) + b"\x10")),  # PUBREC, no properties
        flow.send(mqtt_packet(0x62, struct.pack("!H", 9) + b"\x92" + mqtt_props())),
        flow.reply(mqtt_packet(0x70, struct.pack("!H", 9) + b"\x00" + mqtt_props(b"\x7f?!"))),
    ]


BUILDERS = {
    "mqtt5": mqtt5,
    "ssh": ssh,
    "tftp": tftp,
    "sip": sip,
    "modbus": modbus,
    "mqtt": mqtt,
    "dhcpv6": dhcpv6,
    "nbns": nbns,
    "syslog": syslog,
    "snmp": snmp,
}

if __name__ == "__main__":
    for name in sys.argv[1:] or sorted(BUILDERS):
        wrpcap(str(HERE / f"crafted_{name}.pcap"), BUILDERS[name]())
