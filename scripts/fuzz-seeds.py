#!/usr/bin/env python3
"""Writes the fuzz seed corpora (fuzz/seeds/<target>/) from the project's own captures.

Python 3 standard library only; deterministic (file names are content hashes), so running it
again rewrites the same files. Seeds are kept small (a few hundred KB in all) because they are
committed; the fuzzers grow their working corpora in fuzz/corpus/ (git-ignored).

  pcap_reader   each capture, whole when small, else its first records; plus pcapng blocks
  frame         every frame: one selector byte (link type, as fuzz/src/lib.rs's LINK_TYPES)
                then the frame's bytes; a second copy marked "cut by the snaplen" for frames
                whose capture length is below their wire length
  trackers      per capture, the frame sequence: selector byte, then per frame a time step
                (cube root of the gap in ms), a 2-byte big-endian length and the bytes
  filter_parse  field names and filter expressions

  scripts/fuzz-seeds.py                              rewrite fuzz/seeds/ from captures/
  scripts/fuzz-seeds.py --captures DIR --out DIR     add another folder's frames to a
                                                     working corpus (for example
                                                     ../shared/captures into fuzz/corpus,
                                                     which is git-ignored); nothing is removed
"""

import argparse
import hashlib
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CAPTURES = os.path.join(ROOT, "captures")
SEEDS = os.path.join(ROOT, "fuzz", "seeds")

# Index in fuzz/src/lib.rs's LINK_TYPES for each link type the captures use.
LINK_SELECTOR = {1: 0, 113: 1, 276: 2, 0: 3, 101: 4, 12: 5, 228: 6, 229: 7}
CUT = 0x80  # selector bit: the frame says it was cut by the snaplen

# Largest whole capture kept as a pcap_reader seed; a larger one is cut after whole records.
MAX_READER_SEED = 4096
# Largest trackers seed per capture.
MAX_TRACKERS_SEED = 8192

FILTERS = [
    "",
    "ip",
    "tcp",
    "udp",
    "tftp",
    "frame",
    "eth.src",
    "ip.src",
    "ipv6.dst",
    "tcp.flags.syn",
    "tcp.analysis.retransmission",
    "tftp.source_file",
    "_ws.col.Info",
    "ip.src == 192.168.30.129",
    "tcp.port == 80 && !arp",
    "ip.addr in {10.0.0.1 10.0.0.2} or ipv6",
    'tftp.source_file contains "txt"',
    'frame.protocols matches "eth:.*tcp"',
    "tcp.flags & 0x12 == 0x12",
    "eth.dst[0:3] == 00:0c:29",
    "ip#2.src == 192.168.30.128",
    "len(tcp.payload) > 10",
    "(udp.port >= 1024 and not icmp) || vlan.id != 100",
    "tcp.seq == 1 and tcp.ack == 1",
    'tftp.type == "octet"',
    "icmp.type == 3 && ip.proto == 17",
    "ip.dts",
    "ip.src ==",
    "((((((((((ip))))))))))",
    '"\x1b[31m"',
]


def read_pcap(data):
    """(link type, [(ts_ms, caplen, origlen, bytes)]) of a classic pcap file."""
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    else:
        e = ">"
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    link = struct.unpack(e + "I", data[20:24])[0] & 0xFFFF
    frames, off = [], 24
    while off + 16 <= len(data):
        sec, frac, caplen, origlen = struct.unpack(e + "IIII", data[off : off + 16])
        body = data[off + 16 : off + 16 + caplen]
        ms = sec * 1000 + (frac // 1_000_000 if nano else frac // 1000)
        frames.append((ms, caplen, origlen, body, off + 16 + caplen))
        off += 16 + caplen
    return link, frames


def read_pcapng(data):
    """(link type of interface 0, [(ts_ms, caplen, origlen, bytes)]) of a pcapng file."""
    e = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    links, frames, off = [], [], 0
    while off + 12 <= len(data):
        btype, blen = struct.unpack(e + "II", data[off : off + 8])
        body = data[off + 8 : off + blen - 4]
        if btype == 1:
            links.append(struct.unpack(e + "H", body[:2])[0])
        elif btype == 6:
            _, hi, lo, caplen, origlen = struct.unpack(e + "IIIII", body[:20])
            units = (hi << 32) | lo
            frames.append((units // 1000, caplen, origlen, body[20 : 20 + caplen], off + blen))
        off += blen
    return (links[0] if links else 1), frames


def write(target, blob):
    folder = os.path.join(OUT, target)
    os.makedirs(folder, exist_ok=True)
    name = hashlib.sha1(blob).hexdigest()[:16]
    with open(os.path.join(folder, name), "wb") as f:
        f.write(blob)


def cube_root_step(gap_ms):
    step = 0
    while step < 255 and (step + 1) ** 3 <= gap_ms:
        step += 1
    return step


OUT = SEEDS


def main():
    global OUT
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--captures", default=CAPTURES, help="folder of .pcap/.pcapng files")
    parser.add_argument("--out", default=SEEDS, help="folder of per-target corpora")
    args = parser.parse_args()
    OUT = os.path.abspath(args.out)
    rewrite = OUT == SEEDS
    if rewrite:
        for target in ("pcap_reader", "frame", "trackers", "filter_parse"):
            folder = os.path.join(SEEDS, target)
            if os.path.isdir(folder):
                for name in os.listdir(folder):
                    os.remove(os.path.join(folder, name))
    for name in sorted(os.listdir(args.captures)):
        path = os.path.join(args.captures, name)
        if not name.endswith((".pcap", ".pcapng")):
            continue
        data = open(path, "rb").read()
        try:
            if data[:4] == b"\x0a\x0d\x0d\x0a":
                link, frames = read_pcapng(data)
            else:
                link, frames = read_pcap(data)
        except (struct.error, IndexError):
            print(f"skipped {name}: not parsed", file=sys.stderr)
            continue
        # pcap_reader: whole small files, else the header and the records that fit.
        cut = len(data)
        if cut > MAX_READER_SEED:
            ends = [end for *_, end in frames if end <= MAX_READER_SEED]
            cut = ends[-1] if ends else MAX_READER_SEED
        write("pcap_reader", data[:cut])
        selector = LINK_SELECTOR.get(link, 9)
        # frame: one seed per distinct frame.
        for _, caplen, origlen, body, _ in frames:
            write("frame", bytes([selector]) + body)
            if caplen < origlen:
                write("frame", bytes([selector | CUT]) + body)
        # trackers: the sequence, as long as it fits.
        seq = bytearray([selector])
        prev = frames[0][0] if frames else 0
        for ms, _, _, body, _ in frames:
            item = bytes([cube_root_step(max(ms - prev, 0))]) + struct.pack(">H", len(body)) + body
            if len(seq) + len(item) > MAX_TRACKERS_SEED:
                break
            seq += item
            prev = ms
        write("trackers", bytes(seq))
    for text in FILTERS:
        write("filter_parse", text.encode())
    total = 0
    for dirpath, _, files in os.walk(OUT):
        total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files)
    print(f"fuzz seeds: {total} bytes in {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
