#!/usr/bin/env python3
"""Generate wiresift's synthetic sample captures into captures/.

Python 3 standard library only. The output is fully deterministic: fixed
timestamps, MAC and IP addresses, sequence numbers and payloads, so running the
script twice gives byte-identical files.

All IPv4 / TCP / UDP / ICMP / ICMPv6 checksums are correct (except where a frame
in malformed.pcap is broken on purpose, and even there every checksum that can
be computed is). Ethernet frames shorter than 60 bytes are zero-padded to 60
bytes, like a real NIC does, and the padded length is both the captured and the
original length.

Usage: python3 scripts/gen-captures.py [OUTDIR]   (default: captures/ next to scripts/)
"""

import os
import struct
import sys

# ---------------------------------------------------------------------------
# Generic helpers
# ---------------------------------------------------------------------------


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def ip6(s):
    """Parse an IPv6 address (supports one '::')."""
    if "::" in s:
        head, tail = s.split("::", 1)
        h = [x for x in head.split(":") if x]
        t = [x for x in tail.split(":") if x]
        groups = h + ["0"] * (8 - len(h) - len(t)) + t
    else:
        groups = s.split(":")
    assert len(groups) == 8, s
    return b"".join(struct.pack("!H", int(g, 16)) for g in groups)


def csum(data):
    """RFC 1071 Internet checksum."""
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def l4_csum(src, dst, proto, segment):
    """Checksum of a TCP/UDP/ICMPv6 segment including the IPv4/IPv6 pseudo-header."""
    if len(src) == 4:
        pseudo = src + dst + struct.pack("!BBH", 0, proto, len(segment))
    else:
        pseudo = src + dst + struct.pack("!IxxxB", len(segment), proto)
    return csum(pseudo + segment)


BROADCAST = mac("ff:ff:ff:ff:ff:ff")
ZERO_MAC = mac("00:00:00:00:00:00")

ETH_IPV4 = 0x0800
ETH_ARP = 0x0806
ETH_IPV6 = 0x86DD
ETH_8021Q = 0x8100
ETH_8021AD = 0x88A8

PROTO_ICMP = 1
PROTO_TCP = 6
PROTO_UDP = 17
PROTO_HOPOPT = 0
PROTO_IPV6_FRAG = 44
PROTO_ICMPV6 = 58

# TCP flags
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def pad60(frame):
    """Zero-pad an Ethernet frame (without FCS) to the 60-byte minimum."""
    if len(frame) < 60:
        frame += b"\x00" * (60 - len(frame))
    return frame


def eth(dst, src, ethertype, payload, tags=(), pad=True):
    """Ethernet II frame. tags: sequence of (tpid, pcp, vid) outermost first."""
    hdr = dst + src
    for tpid, pcp, vid in tags:
        hdr += struct.pack("!HH", tpid, (pcp << 13) | vid)
    frame = hdr + struct.pack("!H", ethertype) + payload
    return pad60(frame) if pad else frame


def ipv4(src, dst, proto, payload, ttl=64, ident=0, df=True, mf=False,
         frag_off=0, tos=0, total_len=None, ihl=5, options=b"", fix_csum=True):
    """IPv4 header + payload. total_len / ihl can be overridden for broken frames."""
    hlen = 20 + len(options)
    if total_len is None:
        total_len = hlen + len(payload)
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag_off // 8)
    hdr = struct.pack("!BBHHHBBH4s4s", (4 << 4) | ihl, tos, total_len, ident, flags,
                      ttl, proto, 0, src, dst) + options
    if fix_csum:
        c = csum(hdr)
        hdr = hdr[:10] + struct.pack("!H", c) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, nxt, payload, hlim=64, tclass=0, flow=0, plen=None):
    if plen is None:
        plen = len(payload)
    vtf = (6 << 28) | (tclass << 20) | flow
    return struct.pack("!IHBB16s16s", vtf, plen, nxt, hlim, src, dst) + payload


def tcp(src, dst, sport, dport, seq, ack, flags, win, options=b"", payload=b"",
        urg=0, doff=None):
    assert len(options) % 4 == 0
    if doff is None:
        doff = (20 + len(options)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      doff << 4, flags, win, 0, urg) + options
    seg = hdr + payload
    c = l4_csum(src, dst, PROTO_TCP, seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp(src, dst, sport, dport, payload, length=None):
    if length is None:
        length = 8 + len(payload)
    seg = struct.pack("!HHHH", sport, dport, length, 0) + payload
    c = l4_csum(src, dst, PROTO_UDP, seg)
    if c == 0:
        c = 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def icmp(typ, code, rest, payload=b""):
    """ICMPv4 message: type, code, checksum, 4 bytes 'rest of header', payload."""
    msg = struct.pack("!BBH", typ, code, 0) + rest + payload
    return msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]


def icmp_echo(typ, ident, seq, payload):
    return icmp(typ, 0, struct.pack("!HH", ident, seq), payload)


def icmpv6(src, dst, typ, code, body):
    msg = struct.pack("!BBH", typ, code, 0) + body
    c = l4_csum(src, dst, PROTO_ICMPV6, msg)
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def arp(op, sha, spa, tha, tpa, hlen=6, plen=4):
    return struct.pack("!HHBBH", 1, ETH_IPV4, hlen, plen, op) + sha + spa + tha + tpa


# TCP options
def opt_mss(v):
    return struct.pack("!BBH", 2, 4, v)


OPT_SACK_PERM = b"\x04\x02"
OPT_NOP = b"\x01"
OPT_EOL = b"\x00"


def opt_ws(shift):
    return struct.pack("!BBB", 3, 3, shift)


def opt_ts(val, ecr):
    return struct.pack("!BBII", 8, 10, val, ecr)


def opt_sack(*blocks):
    body = b"".join(struct.pack("!II", l & 0xFFFFFFFF, r & 0xFFFFFFFF) for l, r in blocks)
    return struct.pack("!BB", 5, 2 + len(body)) + body


def linux_ping_payload(ts_sec, ts_usec):
    """56-byte iputils ping payload: 16-byte struct timeval + bytes 0x10..0x37."""
    return struct.pack("<QQ", ts_sec, ts_usec) + bytes(range(0x10, 0x38))


# ---------------------------------------------------------------------------
# File writers
# ---------------------------------------------------------------------------

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113


class Pcap:
    """Classic pcap, little-endian, microsecond timestamps."""

    def __init__(self, linktype=LINKTYPE_ETHERNET, snaplen=262144):
        self.linktype = linktype
        self.snaplen = snaplen
        self.records = []

    def add(self, ts, data, orig_len=None):
        """ts: (sec, usec). Data longer than snaplen is cut; orig_len keeps the real size."""
        sec, usec = ts
        if orig_len is None:
            orig_len = len(data)
        data = data[: self.snaplen]
        self.records.append(struct.pack("<IIII", sec, usec, len(data), orig_len) + data)

    def bytes(self):
        hdr = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, self.snaplen, self.linktype)
        return hdr + b"".join(self.records)


class Clock:
    """Deterministic timestamp source in integer microseconds."""

    def __init__(self, sec, usec=0):
        self.t = sec * 1_000_000 + usec

    def __call__(self, advance_us=0):
        self.t += advance_us
        return divmod(self.t, 1_000_000)


# ---------------------------------------------------------------------------
# tcp-session.pcap
# ---------------------------------------------------------------------------

CLIENT_MAC = mac("00:0c:29:aa:bb:01")
SERVER_MAC = mac("00:0c:29:aa:bb:02")
CLIENT_IP = ip4("192.168.30.129")
SERVER_IP = ip4("192.168.30.128")


class TcpConn:
    """Tracks both directions of one TCP connection between CLIENT and SERVER."""

    def __init__(self, pcap, clock, cport, sport, c_isn, s_isn, c_ipid, s_ipid,
                 use_ts=False, ts_c=0, ts_s=0):
        self.pcap, self.clock = pcap, clock
        self.cport, self.sport = cport, sport
        self.c_next, self.s_next = c_isn, s_isn  # next sequence number to send
        self.c_ack, self.s_ack = 0, 0  # ack each side sends
        self.c_ipid, self.s_ipid = c_ipid, s_ipid
        self.use_ts = use_ts
        self.ts_c, self.ts_s = ts_c, ts_s  # TSval clocks (ms)
        self.c_last_tsval, self.s_last_tsval = 0, 0

    def send(self, from_client, advance_us, flags, payload=b"", win=None, syn_opts=None,
             seq=None, extra_opts=b"", advance_seq=True):
        ts = self.clock(advance_us)
        ms = (self.clock.t // 1000) % 1_000_000
        if from_client:
            src, dst, smac, dmac = CLIENT_IP, SERVER_IP, CLIENT_MAC, SERVER_MAC
            sp, dp = self.cport, self.sport
            s = self.c_next if seq is None else seq
            a = self.c_ack if flags & ACK else 0
            tsval, tsecr = self.ts_c + ms, self.s_last_tsval
            ipid = self.c_ipid
            self.c_ipid += 1
            default_win = 64240 if flags & SYN else 502
        else:
            src, dst, smac, dmac = SERVER_IP, CLIENT_IP, SERVER_MAC, CLIENT_MAC
            sp, dp = self.sport, self.cport
            s = self.s_next if seq is None else seq
            a = self.s_ack if flags & ACK else 0
            tsval, tsecr = self.ts_s + ms, self.c_last_tsval
            ipid = self.s_ipid
            self.s_ipid += 1
            default_win = 65160 if flags & SYN else 509
        if win is None:
            win = default_win
        if flags & SYN:
            if syn_opts is not None:
                opts = syn_opts
            elif self.use_ts:
                # Linux order: MSS, SACK_PERM, TS, NOP, WS
                opts = opt_mss(1460) + OPT_SACK_PERM + opt_ts(tsval, 0 if from_client else tsecr) \
                    + OPT_NOP + opt_ws(7)
            else:
                # MSS=1460, SACK_PERM, NOP, WS=7, then EOL + padding to a 4-byte boundary
                opts = opt_mss(1460) + OPT_SACK_PERM + OPT_NOP + opt_ws(7) + OPT_EOL + b"\x00"
        elif self.use_ts and not flags & RST:
            opts = OPT_NOP + OPT_NOP + opt_ts(tsval, tsecr) + extra_opts
        else:
            opts = extra_opts
        if from_client:
            self.c_last_tsval = tsval
        else:
            self.s_last_tsval = tsval
        seg = tcp(src, dst, sp, dp, s, a, flags, win, opts, payload)
        pkt = ipv4(src, dst, PROTO_TCP, seg, ttl=64, ident=ipid, df=True)
        self.pcap.add(ts, eth(dmac, smac, ETH_IPV4, pkt))
        consumed = len(payload) + (1 if flags & SYN else 0) + (1 if flags & FIN else 0)
        if advance_seq and seq is None:
            if from_client:
                self.c_next += consumed
            else:
                self.s_next += consumed
        # the receiver's next ack
        if consumed and not flags & RST:
            end = s + consumed
            if from_client:
                self.s_ack = max(self.s_ack, end)
            else:
                self.c_ack = max(self.c_ack, end)
        return s


HTTP_REQUEST = (
    b"GET /index.html HTTP/1.1\r\n"
    b"Host: 192.168.30.128\r\n"
    b"User-Agent: wiresift-gen/1.0\r\n"
    b"Accept: */*\r\n"
    b"\r\n"
)
HTTP_BODY = (
    b"<!DOCTYPE html>\n"
    b"<html><head><title>wiresift test page</title></head>\n"
    b"<body><h1>It works!</h1><p>Served for the wiresift sample capture.</p></body></html>\n"
)
HTTP_RESPONSE = (
    b"HTTP/1.1 200 OK\r\n"
    b"Date: Tue, 14 Nov 2023 22:13:20 GMT\r\n"
    b"Server: wiresift-test/1.0\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"Content-Length: " + str(len(HTTP_BODY)).encode() + b"\r\n"
    b"\r\n" + HTTP_BODY
)


def gen_tcp_session(first_conn_ts=False):
    p = Pcap()
    clk = Clock(1700000000, 0)

    # ARP who-has / reply
    p.add(clk(0), eth(BROADCAST, CLIENT_MAC, ETH_ARP,
                      arp(1, CLIENT_MAC, CLIENT_IP, ZERO_MAC, SERVER_IP)))
    p.add(clk(180), eth(CLIENT_MAC, SERVER_MAC, ETH_ARP,
                        arp(2, SERVER_MAC, SERVER_IP, CLIENT_MAC, CLIENT_IP)))

    # Connection 1: port 80, HTTP GET, clean 4-way close.
    c = TcpConn(p, clk, 49152, 80, c_isn=0x5A3C1E01, s_isn=0x9B7D2F10,
                c_ipid=0x4D21, s_ipid=0x0000, use_ts=first_conn_ts,
                ts_c=2345000, ts_s=918000)
    c.send(True, 95, SYN)
    c.send(False, 210, SYN | ACK)
    c.send(True, 60, ACK)
    c.send(True, 120, PSH | ACK, HTTP_REQUEST)
    c.send(False, 250, ACK)
    c.send(False, 820, PSH | ACK, HTTP_RESPONSE)
    c.send(True, 70, ACK)
    c.send(True, 3500, FIN | ACK)
    c.send(False, 190, ACK)
    c.send(False, 40, FIN | ACK)
    c.send(True, 65, ACK)

    # Connection 2: port 8080 with timestamps, data, a lost segment (dup ACK with SACK,
    # retransmission), then an RST from the client.
    clk(250_000)
    c = TcpConn(p, clk, 49153, 8080, c_isn=0x1F2E3D4C, s_isn=0x60718293,
                c_ipid=0x4D30, s_ipid=0x7A10, use_ts=True, ts_c=2345000, ts_s=918000)
    c.send(True, 0, SYN)
    c.send(False, 230, SYN | ACK)
    c.send(True, 55, ACK)
    msg_a = b"PUT /counter HTTP/1.0\r\nContent-Length: 40\r\n\r\n"
    chunk_a = b"wiresift segment A: 0123456789abcdefghij"  # 40 bytes
    chunk_b = b"wiresift segment B: klmnopqrstuvwxyzABCD"
    chunk_c = b"wiresift segment C: EFGHIJKLMNOPQRSTUVWX"
    assert len(chunk_a) == len(chunk_b) == len(chunk_c) == 40
    del msg_a
    c.send(True, 150, PSH | ACK, chunk_a)
    c.send(False, 260, ACK)
    b_seq = c.send(True, 30_000, PSH | ACK, chunk_b)  # this one is "lost" on the wire
    c_seq = c.send(True, 150, PSH | ACK, chunk_c)
    # Receiver still wants B: its ACK repeats the previous ack number (a duplicate ACK),
    # with a SACK block that covers C.
    c.s_ack = b_seq
    c.send(False, 240, ACK, extra_opts=OPT_NOP + OPT_NOP + opt_sack((c_seq, c_seq + 40)))
    # Retransmission of B, 200 ms after the original
    c.send(True, 199_610, PSH | ACK, chunk_b, seq=b_seq)
    c.s_ack = c_seq + 40
    c.send(False, 250, ACK)
    c.send(True, 1_500_000, RST | ACK, win=0)

    # Connection 3: port 23 refused (SYN, then RST,ACK).
    clk(400_000)
    c = TcpConn(p, clk, 49154, 23, c_isn=0x33445566, s_isn=0, c_ipid=0x4D40, s_ipid=0)
    c.send(True, 0, SYN)
    c.s_ack = 0x33445567
    c.send(False, 180, RST | ACK, win=0, seq=0)

    # Connection 4: SYN to port 22 never answered, retransmitted once 1 s later.
    clk(500_000)
    c = TcpConn(p, clk, 49155, 22, c_isn=0x0BADF00D, s_isn=0, c_ipid=0x4D50, s_ipid=0,
                use_ts=first_conn_ts, ts_c=2345000)
    s = c.send(True, 0, SYN)
    c.send(True, 1_000_000, SYN, seq=s)
    return p


# ---------------------------------------------------------------------------
# ping-arp.pcap
# ---------------------------------------------------------------------------

GW_MAC = mac("00:50:56:c0:00:08")
GW_IP = ip4("192.168.30.1")
ROUTER_MAC = mac("00:50:56:f1:22:33")
ROUTER_IP = ip4("192.168.30.2")


def gen_ping_arp():
    p = Pcap()
    clk = Clock(1700000100, 0)
    p.add(clk(0), eth(BROADCAST, CLIENT_MAC, ETH_ARP,
                      arp(1, CLIENT_MAC, CLIENT_IP, ZERO_MAC, GW_IP)))
    p.add(clk(412), eth(CLIENT_MAC, GW_MAC, ETH_ARP,
                        arp(2, GW_MAC, GW_IP, CLIENT_MAC, CLIENT_IP)))
    ipid_req, ipid_rep = 0x1C00, 0x6E01
    for seq in range(1, 5):
        ts = clk(150 if seq == 1 else 1_000_000 - 530)
        data = linux_ping_payload(ts[0], ts[1])
        req = ipv4(CLIENT_IP, GW_IP, PROTO_ICMP, icmp_echo(8, 0x0001, seq, data),
                   ttl=64, ident=ipid_req + seq, df=True)
        p.add(ts, eth(GW_MAC, CLIENT_MAC, ETH_IPV4, req))
        rep = ipv4(GW_IP, CLIENT_IP, PROTO_ICMP, icmp_echo(0, 0x0001, seq, data),
                   ttl=128, ident=ipid_rep + seq, df=False)
        p.add(clk(530), eth(CLIENT_MAC, GW_MAC, ETH_IPV4, rep))

    # Gratuitous ARP from the gateway (request form: sender IP == target IP, target
    # hardware address ff:ff:ff:ff:ff:ff; with a zero target MAC TShark calls it an
    # "ARP Announcement" instead, see nanosec.pcapng).
    p.add(clk(750_000), eth(BROADCAST, GW_MAC, ETH_ARP,
                            arp(1, GW_MAC, GW_IP, BROADCAST, GW_IP)))

    # A UDP datagram to a closed port, answered by ICMP port unreachable quoting it
    # (IPv4 header + UDP header + the 12 payload bytes, as Linux/Windows quote the lot).
    probe = udp(CLIENT_IP, GW_IP, 45000, 33000, b"wiresift-ping")
    probe_ip = ipv4(CLIENT_IP, GW_IP, PROTO_UDP, probe, ttl=64, ident=0x9C40, df=True)
    p.add(clk(500_000), eth(GW_MAC, CLIENT_MAC, ETH_IPV4, probe_ip))
    unreach = icmp(3, 3, b"\x00\x00\x00\x00", probe_ip)
    p.add(clk(380), eth(CLIENT_MAC, GW_MAC, ETH_IPV4,
                        ipv4(GW_IP, CLIENT_IP, PROTO_ICMP, unreach, ttl=128, ident=0x6E10,
                             df=False)))

    # A traceroute-style probe with TTL 1 and the router's time-exceeded (RFC 792 style:
    # quotes the IPv4 header + the first 8 bytes, i.e. the UDP header).
    far = ip4("203.0.113.10")
    probe = udp(CLIENT_IP, far, 40000, 33434, bytes(range(0x40, 0x60)))
    probe_ip = ipv4(CLIENT_IP, far, PROTO_UDP, probe, ttl=1, ident=0x9C41, df=False)
    p.add(clk(500_000), eth(ROUTER_MAC, CLIENT_MAC, ETH_IPV4, probe_ip))
    texc = icmp(11, 0, b"\x00\x00\x00\x00", probe_ip[:28])
    p.add(clk(610), eth(CLIENT_MAC, ROUTER_MAC, ETH_IPV4,
                        ipv4(ROUTER_IP, CLIENT_IP, PROTO_ICMP, texc, ttl=255, ident=0x0100,
                             df=False, tos=0xC0)))
    return p


# ---------------------------------------------------------------------------
# tftp.pcap
# ---------------------------------------------------------------------------


def tftp_rq(opcode, filename, mode, options=()):
    out = struct.pack("!H", opcode) + filename + b"\x00" + mode + b"\x00"
    for k, v in options:
        out += k + b"\x00" + v + b"\x00"
    return out


def tftp_data(block, data):
    return struct.pack("!HH", 3, block) + data


def tftp_ack(block):
    return struct.pack("!HH", 4, block)


def tftp_error(code, msg):
    return struct.pack("!HH", 5, code) + msg + b"\x00"


def tftp_oack(options):
    return struct.pack("!H", 6) + b"".join(k + b"\x00" + v + b"\x00" for k, v in options)


def text_content(tag, size):
    """Deterministic printable file content of exactly `size` bytes."""
    out = bytearray()
    n = 0
    while len(out) < size:
        out += b"%s line %04d: the quick brown fox jumps over the lazy dog\n" % (tag, n)
        n += 1
    return bytes(out[:size])


def gen_tftp():
    p = Pcap()
    clk = Clock(1700000200, 0)
    ids = {"c": 0x2100, "s": 0x8800}

    def send(from_client, adv, sport, dport, payload):
        if from_client:
            src, dst, smac, dmac, k = CLIENT_IP, SERVER_IP, CLIENT_MAC, SERVER_MAC, "c"
        else:
            src, dst, smac, dmac, k = SERVER_IP, CLIENT_IP, SERVER_MAC, CLIENT_MAC, "s"
        ids[k] += 1
        pkt = ipv4(src, dst, PROTO_UDP, udp(src, dst, sport, dport, payload), ttl=64,
                   ident=ids[k], df=True)
        p.add(clk(adv), eth(dmac, smac, ETH_IPV4, pkt))

    # 1. Read of test.txt (607 bytes: 512 + 95)
    content = text_content(b"test.txt", 607)
    send(True, 0, 50000, 69, tftp_rq(1, b"test.txt", b"octet"))
    send(False, 1350, 40001, 50000, tftp_data(1, content[:512]))
    send(True, 210, 50000, 40001, tftp_ack(1))
    send(False, 160, 40001, 50000, tftp_data(2, content[512:]))
    send(True, 190, 50000, 40001, tftp_ack(2))

    # 2. Refused write of upload.bin
    send(True, 800_000, 50001, 69, tftp_rq(2, b"upload.bin", b"octet"))
    send(False, 900, 40002, 50001, tftp_error(2, b"Access violation"))

    # 3. Read with option negotiation (blksize 1428, tsize)
    content = text_content(b"big.txt", 2000)
    send(True, 700_000, 50002, 69,
         tftp_rq(1, b"big.txt", b"octet", [(b"blksize", b"1428"), (b"tsize", b"0")]))
    send(False, 1100, 40003, 50002, tftp_oack([(b"blksize", b"1428"), (b"tsize", b"2000")]))
    send(True, 180, 50002, 40003, tftp_ack(0))
    send(False, 150, 40003, 50002, tftp_data(1, content[:1428]))
    send(True, 230, 50002, 40003, tftp_ack(1))
    send(False, 140, 40003, 50002, tftp_data(2, content[1428:]))
    send(True, 200, 50002, 40003, tftp_ack(2))
    return p


# ---------------------------------------------------------------------------
# ipv6.pcap
# ---------------------------------------------------------------------------

H1_IP6 = ip6("2001:db8::1")
H2_IP6 = ip6("2001:db8::2")


def gen_ipv6():
    p = Pcap()
    clk = Clock(1700000300, 0)

    def send(adv, smac, dmac, src, dst, nxt, payload, hlim=64, plen=None):
        p.add(clk(adv), eth(dmac, smac, ETH_IPV6, ipv6(src, dst, nxt, payload, hlim=hlim,
                                                        plen=plen)))

    # Neighbour solicitation for 2001:db8::2, sent to its solicited-node group.
    snm = ip6("ff02::1:ff00:2")
    snm_mac = mac("33:33:ff:00:00:02")
    ns = icmpv6(H1_IP6, snm, 135, 0,
                b"\x00\x00\x00\x00" + H2_IP6 + b"\x01\x01" + CLIENT_MAC)
    send(0, CLIENT_MAC, snm_mac, H1_IP6, snm, PROTO_ICMPV6, ns, hlim=255)
    # Neighbour advertisement: Solicited + Override, target link-layer address option.
    na = icmpv6(H2_IP6, H1_IP6, 136, 0,
                struct.pack("!I", 0x60000000) + H2_IP6 + b"\x02\x01" + SERVER_MAC)
    send(310, SERVER_MAC, CLIENT_MAC, H2_IP6, H1_IP6, PROTO_ICMPV6, na, hlim=255)

    # Echo request / reply
    data = linux_ping_payload(1700000300, 500)
    send(190, CLIENT_MAC, SERVER_MAC, H1_IP6, H2_IP6, PROTO_ICMPV6,
         icmpv6(H1_IP6, H2_IP6, 128, 0, struct.pack("!HH", 0x1234, 1) + data))
    send(420, SERVER_MAC, CLIENT_MAC, H2_IP6, H1_IP6, PROTO_ICMPV6,
         icmpv6(H2_IP6, H1_IP6, 129, 0, struct.pack("!HH", 0x1234, 1) + data))

    # TCP SYN to port 443, refused with RST,ACK
    isn = 0x7C3B2A19
    opts = opt_mss(1440) + OPT_SACK_PERM + opt_ts(1234567, 0) + OPT_NOP + opt_ws(7)
    send(500_000, CLIENT_MAC, SERVER_MAC, H1_IP6, H2_IP6, PROTO_TCP,
         tcp(H1_IP6, H2_IP6, 50100, 443, isn, 0, SYN, 64800, opts))
    send(250, SERVER_MAC, CLIENT_MAC, H2_IP6, H1_IP6, PROTO_TCP,
         tcp(H2_IP6, H1_IP6, 443, 50100, 0, isn + 1, RST | ACK, 0))

    # UDP behind a hop-by-hop options header: Router Alert (value 0) + PadN (2 bytes)
    payload = b"wiresift hop-by-hop test datagram"
    u = udp(H1_IP6, H2_IP6, 50200, 9000, payload)
    hbh = struct.pack("!BB", PROTO_UDP, 0) + b"\x05\x02\x00\x00" + b"\x01\x00"
    assert len(hbh) == 8
    send(500_000, CLIENT_MAC, SERVER_MAC, H1_IP6, H2_IP6, PROTO_HOPOPT, hbh + u, hlim=1)

    # Fragmented UDP datagram: 8 + 1600 bytes, fragments of 1232 and 376 bytes
    payload = bytes((i * 7 + 3) & 0xFF for i in range(1600))
    u = udp(H1_IP6, H2_IP6, 50300, 9000, payload)
    first, second = u[:1232], u[1232:]
    frag_id = 0x5EED0001
    f1 = struct.pack("!BBHI", PROTO_UDP, 0, (0 << 3) | 1, frag_id) + first
    f2 = struct.pack("!BBHI", PROTO_UDP, 0, ((1232 // 8) << 3) | 0, frag_id) + second
    send(500_000, CLIENT_MAC, SERVER_MAC, H1_IP6, H2_IP6, PROTO_IPV6_FRAG, f1)
    send(12, CLIENT_MAC, SERVER_MAC, H1_IP6, H2_IP6, PROTO_IPV6_FRAG, f2)
    return p


# ---------------------------------------------------------------------------
# vlan.pcap
# ---------------------------------------------------------------------------


def gen_vlan():
    p = Pcap()
    clk = Clock(1700000400, 0)
    a_mac, b_mac = CLIENT_MAC, SERVER_MAC
    a_ip, b_ip = ip4("10.100.0.1"), ip4("10.100.0.2")
    v100 = [(ETH_8021Q, 3, 100)]

    p.add(clk(0), eth(BROADCAST, a_mac, ETH_ARP, arp(1, a_mac, a_ip, ZERO_MAC, b_ip), v100))
    p.add(clk(240), eth(a_mac, b_mac, ETH_ARP, arp(2, b_mac, b_ip, a_mac, a_ip), v100))
    ts = clk(130)
    data = linux_ping_payload(*ts)
    p.add(ts, eth(b_mac, a_mac, ETH_IPV4,
                  ipv4(a_ip, b_ip, PROTO_ICMP, icmp_echo(8, 0x0002, 1, data), ident=0x3001),
                  v100))
    p.add(clk(380), eth(a_mac, b_mac, ETH_IPV4,
                        ipv4(b_ip, a_ip, PROTO_ICMP, icmp_echo(0, 0x0002, 1, data),
                             ident=0x0B01, df=False), v100))

    # QinQ: 802.1ad outer tag (S-VLAN 200) + 802.1Q inner tag (C-VLAN 2001), UDP inside
    s_ip, d_ip = ip4("172.16.20.1"), ip4("172.16.20.2")
    u = udp(s_ip, d_ip, 51000, 7000, b"wiresift QinQ payload")
    p.add(clk(400_000), eth(b_mac, a_mac, ETH_IPV4,
                            ipv4(s_ip, d_ip, PROTO_UDP, u, ident=0x4001),
                            [(ETH_8021AD, 0, 200), (ETH_8021Q, 0, 2001)]))

    # Two stacked 802.1Q tags (outer 13, inner 10) carrying a TCP SYN
    s_ip, d_ip = ip4("10.13.10.1"), ip4("10.13.10.2")
    opts = opt_mss(1460) + OPT_SACK_PERM + OPT_NOP + opt_ws(7) + OPT_EOL + b"\x00"
    t = tcp(s_ip, d_ip, 52000, 80, 0x2468ACE0, 0, SYN, 64240, opts)
    p.add(clk(400_000), eth(b_mac, a_mac, ETH_IPV4,
                            ipv4(s_ip, d_ip, PROTO_TCP, t, ident=0x5001),
                            [(ETH_8021Q, 0, 13), (ETH_8021Q, 0, 10)]))
    return p


# ---------------------------------------------------------------------------
# Other link types
# ---------------------------------------------------------------------------

LO4 = ip4("127.0.0.1")
LO6 = ip6("::1")


def sll_header(pkttype, arphrd, addr, proto):
    return struct.pack("!HHH", pkttype, arphrd, len(addr)) + addr.ljust(8, b"\x00") \
        + struct.pack("!H", proto)


def gen_sll_tcp():
    """Linux cooked v1 capture (`tcpdump -i any`) of a loopback TCP connection."""
    p = Pcap(LINKTYPE_LINUX_SLL)
    clk = Clock(1700000500, 0)
    isn_c, isn_s = 0xC0FFEE00, 0x5EEDBEEF
    state = {"ipid_c": 0xA000, "ipid_s": 0x0000}

    def send(adv, from_client, pkttype, seq, ack, flags, opts=b"", payload=b"", win=None):
        sp, dp = (45678, 8080) if from_client else (8080, 45678)
        if win is None:
            win = 512
        k = "ipid_c" if from_client else "ipid_s"
        state[k] += 1
        seg = tcp(LO4, LO4, sp, dp, seq, ack, flags, win, opts, payload)
        pkt = ipv4(LO4, LO4, PROTO_TCP, seg, ident=state[k], df=True)
        p.add(clk(adv), sll_header(pkttype, 772, ZERO_MAC, ETH_IPV4) + pkt)

    def ts(v, e):
        return OPT_NOP + OPT_NOP + opt_ts(v, e)

    syn_opts = lambda v, e: (opt_mss(65495) + OPT_SACK_PERM + opt_ts(v, e) + OPT_NOP
                             + opt_ws(7))
    # Each loopback packet is seen once by `-i any` as "sent by us" (4) ... and the
    # delivery is not repeated for lo, so one copy per packet.
    send(0, True, 4, isn_c, 0, SYN, syn_opts(1000, 0), win=65495)
    send(18, False, 4, isn_s, isn_c + 1, SYN | ACK, syn_opts(1000, 1000), win=65483)
    send(12, True, 4, isn_c + 1, isn_s + 1, ACK, ts(1000, 1000))
    req = b"PING wiresift\r\n"
    send(60, True, 4, isn_c + 1, isn_s + 1, PSH | ACK, ts(1001, 1000), req)
    send(9, False, 4, isn_s + 1, isn_c + 1 + len(req), ACK, ts(1001, 1001))
    return p


def gen_raw_ip():
    """LINKTYPE_RAW: packets start directly with the IP header."""
    p = Pcap(LINKTYPE_RAW)
    clk = Clock(1700000600, 0)
    a, b = ip4("10.1.1.1"), ip4("10.1.1.2")
    for i, (src, dst, sp, dp, msg) in enumerate([
        (a, b, 41000, 7, b"echo me please"),
        (b, a, 7, 41000, b"echo me please"),
        (a, b, 41001, 7, b"second datagram"),
    ]):
        pkt = ipv4(src, dst, PROTO_UDP, udp(src, dst, sp, dp, msg), ident=0x1000 + i,
                   df=False)
        p.add(clk(0 if i == 0 else 250_000), pkt)
    a6, b6 = ip6("2001:db8:1::1"), ip6("2001:db8:1::2")
    p.add(clk(250_000), ipv6(a6, b6, PROTO_UDP, udp(a6, b6, 41002, 7, b"hello over IPv6")))
    return p


def gen_null_loopback():
    """LINKTYPE_NULL: 4-byte address family in host (here little-endian) byte order."""
    p = Pcap(LINKTYPE_NULL)
    clk = Clock(1700000700, 0)

    def add(adv, af, pkt):
        p.add(clk(adv), struct.pack("<I", af) + pkt)

    add(0, 2, ipv4(LO4, LO4, PROTO_UDP, udp(LO4, LO4, 53000, 5300, b"null AF_INET query"),
                   ident=0x2222))
    add(150, 2, ipv4(LO4, LO4, PROTO_UDP, udp(LO4, LO4, 5300, 53000, b"null AF_INET reply"),
                     ident=0x2223))
    for i, (af, name) in enumerate([(30, b"macOS"), (24, b"NetBSD/OpenBSD"),
                                    (28, b"FreeBSD")]):
        msg = b"null AF_INET6=%d (%s)" % (af, name)
        add(250_000, af, ipv6(LO6, LO6, PROTO_UDP, udp(LO6, LO6, 53001 + i, 5300, msg)))
    return p


def gen_truncated_snaplen():
    p = Pcap(snaplen=64)
    clk = Clock(1700000800, 0)
    payload = text_content(b"snap", 200)
    seg = tcp(CLIENT_IP, SERVER_IP, 49200, 9000, 0x11223344, 0x55667788, PSH | ACK, 502,
              payload=payload)
    frame = eth(SERVER_MAC, CLIENT_MAC, ETH_IPV4,
                ipv4(CLIENT_IP, SERVER_IP, PROTO_TCP, seg, ident=0x7001))
    p.add(clk(0), frame, orig_len=len(frame))
    ts = clk(300_000)
    e = icmp_echo(8, 0x0003, 1, linux_ping_payload(*ts))
    frame = eth(GW_MAC, CLIENT_MAC, ETH_IPV4, ipv4(CLIENT_IP, GW_IP, PROTO_ICMP, e,
                                                   ident=0x7002))
    p.add(ts, frame, orig_len=len(frame))
    return p


# ---------------------------------------------------------------------------
# nanosec.pcapng
# ---------------------------------------------------------------------------


def ng_opt(code, value):
    return struct.pack("<HH", code, len(value)) + value + b"\x00" * (-len(value) % 4)


def ng_opts(*opts):
    if not opts:
        return b""
    return b"".join(opts) + struct.pack("<HH", 0, 0)


def ng_block(btype, body):
    body += b"\x00" * (-len(body) % 4)
    total = 12 + len(body)
    return struct.pack("<II", btype, total) + body + struct.pack("<I", total)


def ng_epb(if_id, ts_units, data, orig_len=None, options=b""):
    if orig_len is None:
        orig_len = len(data)
    body = struct.pack("<IIIII", if_id, ts_units >> 32, ts_units & 0xFFFFFFFF, len(data),
                       orig_len) + data + b"\x00" * (-len(data) % 4) + options
    return ng_block(6, body)


def gen_nanosec_pcapng():
    out = bytearray()
    shb = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + ng_opts(
        ng_opt(4, b"wiresift scripts/gen-captures.py"))
    out += ng_block(0x0A0D0D0A, shb)
    # IDB 0: Ethernet, nanosecond resolution, named eth0
    out += ng_block(1, struct.pack("<HHI", LINKTYPE_ETHERNET, 0, 262144) + ng_opts(
        ng_opt(2, b"eth0"), ng_opt(9, b"\x09")))
    # IDB 1: Linux cooked v1, default (microsecond) resolution, named any
    out += ng_block(1, struct.pack("<HHI", LINKTYPE_LINUX_SLL, 0, 262144) + ng_opts(
        ng_opt(2, b"any")))

    base_s = 1700000900
    # if 0: ICMP echo request (ns timestamps)
    t_ns = base_s * 1_000_000_000 + 123_456_789
    data = linux_ping_payload(base_s, 123_456)
    f = eth(GW_MAC, CLIENT_MAC, ETH_IPV4,
            ipv4(CLIENT_IP, GW_IP, PROTO_ICMP, icmp_echo(8, 0x0004, 1, data), ident=0x8001))
    out += ng_epb(0, t_ns, f, options=ng_opts(ng_opt(1, b"EPB on if 0, ns resolution")))
    # if 1: UDP over cooked header (us timestamps)
    t_us = base_s * 1_000_000 + 123_601
    u = udp(CLIENT_IP, SERVER_IP, 50500, 7000, b"cooked datagram on any")
    pkt = ipv4(CLIENT_IP, SERVER_IP, PROTO_UDP, u, ident=0x8002)
    out += ng_epb(1, t_us, sll_header(4, 1, CLIENT_MAC, ETH_IPV4) + pkt)
    # if 1: reply datagram, received (packet type 0)
    t_us = base_s * 1_000_000 + 123_950
    u = udp(SERVER_IP, CLIENT_IP, 7000, 50500, b"cooked reply on any")
    pkt = ipv4(SERVER_IP, CLIENT_IP, PROTO_UDP, u, ident=0x8003)
    out += ng_epb(1, t_us, sll_header(0, 1, SERVER_MAC, ETH_IPV4) + pkt)
    # if 0: echo reply, nanosecond-precision timestamp
    t_ns = base_s * 1_000_000_000 + 124_011_987
    f = eth(CLIENT_MAC, GW_MAC, ETH_IPV4,
            ipv4(GW_IP, CLIENT_IP, PROTO_ICMP, icmp_echo(0, 0x0004, 1, data), ttl=128,
                 ident=0x8004, df=False))
    out += ng_epb(0, t_ns, f)
    # Simple Packet Block (implicitly interface 0, no timestamp): a gratuitous ARP
    # (zero target MAC, so TShark labels it an ARP Announcement)
    f = eth(BROADCAST, GW_MAC, ETH_ARP, arp(1, GW_MAC, GW_IP, ZERO_MAC, GW_IP))
    out += ng_block(3, struct.pack("<I", len(f)) + f)
    return bytes(out)


# ---------------------------------------------------------------------------
# malformed.pcap
# ---------------------------------------------------------------------------


def gen_malformed():
    p = Pcap()
    clk = Clock(1700001000, 0)
    a, b = CLIENT_IP, SERVER_IP
    E = lambda payload, et=ETH_IPV4: eth(SERVER_MAC, CLIENT_MAC, et, payload)

    # 1. IPv4 header with IHL 4 (16 bytes, below the 20-byte minimum)
    u = udp(a, b, 40000, 9000, b"ihl4")
    p.add(clk(0), E(ipv4(a, b, PROTO_UDP, u, ihl=4, ident=0xE001)))
    # 2. IPv4 total length 1500, far beyond the 60-byte frame
    u = udp(a, b, 40001, 9000, b"short")
    p.add(clk(1000), E(ipv4(a, b, PROTO_UDP, u, total_len=1500, ident=0xE002)))
    # 3. TCP data offset 3 (12 bytes, below the 20-byte minimum)
    t = tcp(a, b, 40002, 80, 1000, 0, SYN, 1024, doff=3)
    p.add(clk(1000), E(ipv4(a, b, PROTO_TCP, t, ident=0xE003)))
    # 4. TCP data offset 15 (60 bytes) but only the 20-byte base header present
    t = tcp(a, b, 40003, 80, 2000, 0, SYN, 1024, doff=15)
    p.add(clk(1000), E(ipv4(a, b, PROTO_TCP, t, ident=0xE004)))
    # 5. UDP length field 4 (below the 8-byte header)
    u = udp(a, b, 40004, 9000, b"udplen4!", length=4)
    p.add(clk(1000), E(ipv4(a, b, PROTO_UDP, u, ident=0xE005)))
    # 6. TFTP RRQ without any NUL terminator
    u = udp(a, b, 40005, 69, b"\x00\x01test.txtoctet")
    p.add(clk(1000), E(ipv4(a, b, PROTO_UDP, u, ident=0xE006)))
    # 7. ARP claiming a 255-byte hardware address (the frame holds 60 bytes)
    bad_arp = struct.pack("!HHBBH", 1, ETH_IPV4, 255, 4, 1) + CLIENT_MAC + CLIENT_IP
    p.add(clk(1000), eth(BROADCAST, CLIENT_MAC, ETH_ARP, bad_arp))
    # 8. IPv6 payload length 1000 with only a UDP header + 12 bytes present
    a6, b6 = H1_IP6, H2_IP6
    u = udp(a6, b6, 40007, 9000, b"ipv6 too big")
    p.add(clk(1000), eth(SERVER_MAC, CLIENT_MAC, ETH_IPV6,
                         ipv6(a6, b6, PROTO_UDP, u, plen=1000)))
    # 9. ICMP message of 3 bytes (type 8, code 0, first checksum byte); IPv4 length 23
    ic = b"\x08\x00\xf7"
    p.add(clk(1000), E(ipv4(a, b, PROTO_ICMP, ic, ident=0xE009)))
    return p


# ---------------------------------------------------------------------------


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "captures")
    os.makedirs(outdir, exist_ok=True)
    files = {
        "tcp-session.pcap": gen_tcp_session(first_conn_ts=False).bytes(),
        "tcp-session-ts.pcap": gen_tcp_session(first_conn_ts=True).bytes(),
        "ping-arp.pcap": gen_ping_arp().bytes(),
        "tftp.pcap": gen_tftp().bytes(),
        "ipv6.pcap": gen_ipv6().bytes(),
        "vlan.pcap": gen_vlan().bytes(),
        "sll-tcp.pcap": gen_sll_tcp().bytes(),
        "raw-ip.pcap": gen_raw_ip().bytes(),
        "null-loopback.pcap": gen_null_loopback().bytes(),
        "nanosec.pcapng": gen_nanosec_pcapng(),
        "truncated-snaplen.pcap": gen_truncated_snaplen().bytes(),
        "malformed.pcap": gen_malformed().bytes(),
    }
    for name, data in files.items():
        assert len(data) < 20 * 1024, (name, len(data))
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
        print("%-24s %6d bytes" % (name, len(data)))


if __name__ == "__main__":
    main()
