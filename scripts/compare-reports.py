#!/usr/bin/env python3
"""Compares wiresift's TShark-shaped reports with tshark's on a set of captures.

For each capture: `-z follow` of every TCP stream (ascii, hex, raw) and every UDP stream
(raw), `-z io,phs`, `-z io,stat` with a few intervals and filters, and `-z expert`. Prints one line per
report that differs, with the first differing line, and a total. `--only trees` compares the
counter trees (`-z http,tree`, `http_req,tree`, `http_srv,tree`, `dns,tree`).

`--only tables` compares the numbers of `-z conv,eth|tcp|udp` and `-z endpoints,tcp|udp`
instead: wiresift prints those as its own typed tables, so the rows of `-T jsonl` are set
against the rows parsed from tshark's text (with `-n` on both sides; byte counts that tshark
abbreviates, `kB`/`MB`, are compared in its unit).

    scripts/compare-reports.py [--bin target/release/wiresift] [--only follow|phs|iostat|expert|tables|trees] DIR_OR_FILE...
"""

import json

import argparse
import os
import re
import subprocess
import sys

CAPTURE_EXT = (".pcap", ".pcapng", ".cap", ".pcap.gz")

IOSTATS = [
    ["io,stat,1"],
    ["io,stat,0"],
    ["io,stat,0.25,tcp,udp and frame.len > 100"],
    # TShark 4.0 computes a calculation only when the column's filter names its field.
    ["io,stat,10,,COUNT(tcp.len)tcp.len > 0,SUM(frame.len)frame.len,MAX(ip.ttl)ip.ttl,MIN(ip.ttl)ip.ttl,AVG(frame.len)frame.len"],
]


def captures(paths):
    for p in paths:
        if os.path.isdir(p):
            for name in sorted(os.listdir(p)):
                if name.endswith(CAPTURE_EXT):
                    yield os.path.join(p, name)
        else:
            yield p


def run(cmd):
    r = subprocess.run(cmd, capture_output=True)
    return r.stdout


def streams(binary, cap, field):
    out = run([binary, "-r", cap, "-T", "fields", "-e", field])
    seen = set()
    for line in out.decode("latin-1").split("\n"):
        for v in line.split(","):
            if v.strip().isdigit():
                seen.add(int(v))
    return sorted(seen)


def duration(binary, cap):
    out = run([binary, "-r", cap, "-T", "fields", "-e", "frame.time_relative"])
    times = [float(x) for x in out.decode().split() if x]
    return max(times, default=0.0)


def normalize(text):
    """TShark 4.0 pads the Duration's fraction with spaces ("23. 85343"): read it as zeros."""
    return re.sub(rb"(\| Duration: +\d+)\.( +)(\d)", lambda m: m.group(1) + b"." + b"0" * len(m.group(2)) + m.group(3), text)


def first_diff(a, b):
    al, bl = a.split(b"\n"), b.split(b"\n")
    for i, (x, y) in enumerate(zip(al, bl)):
        if x != y:
            return f"line {i + 1}: wiresift {x[:120]!r} tshark {y[:120]!r}"
    return f"lengths differ: wiresift {len(al)} lines, tshark {len(bl)}"


def zflags(zargs):
    args = []
    for z in zargs:
        args += ["-z", z]
    return args


def compare(binary, cap, zargs, label, report):
    ours = run([binary, "-r", cap, "-q"] + zflags(zargs))
    # TShark prints its reports in the reverse order of the -z options; wiresift in their order.
    theirs = normalize(run(["tshark", "-r", cap, "-q"] + zflags(reversed(zargs))))
    report["reports"] += 1
    if ours != theirs:
        report["differ"] += 1
        print(f"DIFF {os.path.basename(cap)} {label}: {first_diff(ours, theirs)}")


TREES = ["http,tree", "http_req,tree", "http_srv,tree", "dns,tree"]
TABLES = ["conv,eth", "conv,tcp", "conv,udp", "endpoints,tcp", "endpoints,udp"]
ENDPOINT_ROW = re.compile(r"^(\S+)\s+(\d+)" + r"\s+(\d+)" * 6 + r"\s*$")
CONV_ROW = re.compile(r"^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+([\d,]+ \S+)\s+(\d+)\s+([\d,]+ \S+)")


def tshark_rows(cap, spec):
    out = run(["tshark", "-n", "-r", cap, "-q", "-z", spec]).decode(errors="replace")
    pattern = ENDPOINT_ROW if spec.startswith("endpoints") else CONV_ROW
    return sorted(m.groups() for m in map(pattern.match, out.splitlines()) if m)


def tshark_size(n):
    """A byte count as tshark 4.0's conversation table writes it."""
    if n < 10_000:
        return f"{n} bytes"
    return f"{n // 1000} kB" if n < 10_000_000 else f"{n // 1_000_000} MB"


def wiresift_rows(binary, cap, spec):
    rows = []
    for line in run([binary, "-n", "-r", cap, "-q", "-T", "jsonl", "-z", spec]).splitlines():
        o = json.loads(line)
        if "note" in o:
            continue
        if spec.startswith("endpoints"):
            keys = ["packets", "bytes", "tx_packets", "tx_bytes", "rx_packets", "rx_bytes"]
            rows.append((o["address"], str(o["port"])) + tuple(str(o[k]) for k in keys))
        else:
            # tshark writes IPv6 endpoints without brackets.
            a, b = (re.sub(r"^\[(.*)\]:", r"\1:", o[k]) for k in ("a", "b"))
            rows.append((a, b, str(o["frames_b_to_a"]), tshark_size(o["bytes_b_to_a"]),
                         str(o["frames_a_to_b"]), tshark_size(o["bytes_a_to_b"])))
    return sorted(rows)


def compare_tables(binary, cap, report):
    for spec in TABLES:
        ours, theirs = wiresift_rows(binary, cap, spec), tshark_rows(cap, spec)
        report["reports"] += 1
        if ours != theirs:
            report["differ"] += 1
            only_theirs = [r for r in theirs if r not in ours][:1]
            only_ours = [r for r in ours if r not in theirs][:1]
            print(f"DIFF {os.path.basename(cap)} {spec}: tshark {only_theirs} wiresift {only_ours}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/wiresift")
    ap.add_argument("--only", choices=["follow", "phs", "iostat", "expert", "tables", "trees"])
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()
    report = {"reports": 0, "differ": 0}
    for cap in captures(a.paths):
        if a.only == "tables":
            compare_tables(a.bin, cap, report)
            continue
        if a.only in (None, "follow"):
            tcp = streams(a.bin, cap, "tcp.stream")
            for mode in ("ascii", "hex", "raw"):
                if tcp:
                    z = [f"follow,tcp,{mode},{s}" for s in tcp]
                    compare(a.bin, cap, z, f"follow,tcp,{mode} ({len(tcp)} streams)", report)
            udp = streams(a.bin, cap, "udp.stream")
            if udp:
                z = [f"follow,udp,raw,{s}" for s in udp]
                compare(a.bin, cap, z, f"follow,udp,raw ({len(udp)} streams)", report)
        if a.only in (None, "phs"):
            compare(a.bin, cap, ["io,phs"], "io,phs", report)
        if a.only in (None, "expert"):
            compare(a.bin, cap, ["expert"], "expert", report)
        if a.only in (None, "trees"):
            for tree in TREES:
                compare(a.bin, cap, [tree], tree, report)
        if a.only in (None, "iostat"):
            dur = duration(a.bin, cap)
            for z in IOSTATS:
                interval = float(z[0].split(",")[2])
                if interval and dur / interval > 1_000_000:
                    print(f"SKIP {os.path.basename(cap)} {z[0]}: over MAX_INTERVALS rows")
                    continue
                compare(a.bin, cap, z, z[0], report)
    print(f"{report['reports'] - report['differ']}/{report['reports']} reports identical")
    return 0 if report["differ"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
