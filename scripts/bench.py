#!/usr/bin/env python3
"""Benchmark wiresift against cat, tcpdump and tshark on a generated capture.

usage: scripts/bench.py [-n PACKETS] [--seed 1] [--runs 3] [--tshark-sample 100000]
                        [--no-tshark] [--bin target/release/wiresift] [--markdown]
                        [--only parquet|stats]

`--only parquet` runs the export rows only: `-w DIR -F parquet` against `-T fields` of the
packets table's core columns (wiresift's to /dev/null, tshark's on the sample), with the CPU
time over wall time (2.0 = both cores busy).

Generates the capture with ../shared/bench/gen_capture.py into bench-data/ (git-ignored)
when missing, warms the page cache, then runs every command `--runs` times and prints the
median wall time, the packet rate, the max RSS (from /usr/bin/time -v) and the ratios the
performance issue asks for. tshark is slow (minutes per pass on 5 M packets; about 11
minutes for -T json), so its JSON and filter rows run on the first `--tshark-sample`
packets (a byte prefix of the same capture) and are compared by rate. Every figure comes
from the same run, since the machine's absolute speed drifts.

`--only stats` runs the report rows: `-q -z io,phs`, `-q -z io,stat,1` and `-q -z expert` against tshark's
(on the sample, compared by rate), and reading a gzip copy of the capture (made once with
`gzip -c`, kept in bench-data/) against `zcat > /dev/null`.

Not a test: nothing here asserts. Needs tcpdump and tshark for their rows (apt-get install
tcpdump tshark); rows whose tool is missing are skipped.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GEN = ROOT.parent / "shared" / "bench" / "gen_capture.py"


def capture(n, seed):
    path = ROOT / "bench-data" / f"bench-{n}-s{seed}.pcap"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        print(f"generating {path.name} ({n} packets)...", file=sys.stderr)
        subprocess.run([sys.executable, str(GEN), "-n", str(n), "--seed", str(seed), str(path)], check=True)
    return path


def run_once(cmd, stdout_to_null=True):
    """Wall seconds, max RSS (KiB) and CPU seconds (user + system) of one run."""
    wrapped = ["/usr/bin/time", "-f", "%e %M %U %S"] + cmd
    start = time.perf_counter()
    r = subprocess.run(wrapped, stdout=subprocess.DEVNULL if stdout_to_null else None, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    last = r.stderr.decode(errors="replace").strip().splitlines()[-1:]
    parts = last[0].split() if last else []
    rss = int(parts[1]) if len(parts) == 4 else 0
    cpu = float(parts[2]) + float(parts[3]) if len(parts) == 4 else 0.0
    return wall, rss, cpu, r.returncode


CPU = {}  # label -> median CPU seconds


def measure(cmd, runs, before=None):
    walls, rsss, cpus = [], [], []
    for _ in range(runs):
        if before:
            before()
        w, r, c, _ = run_once(cmd)
        walls.append(w)
        rsss.append(r)
        cpus.append(c)
    return statistics.median(walls), max(rsss), statistics.median(cpus)


def core_fields():
    """The packets table's core fields, read from their one declaration."""
    import re

    src = (ROOT / "src" / "output" / "parquet" / "packets.rs").read_text()
    block = re.search(r"CORE_FIELDS: &\[&str\] = &\[(.*?)\];", src, re.S).group(1)
    return re.findall(r'"([^"]+)"', block)


def parquet_rows(add, ws, f, s, a):
    """The export against -T fields of the same columns (the Parquet issue's targets)."""
    out = ROOT / "bench-data" / "parquet-out"
    clear = lambda: shutil.rmtree(out, ignore_errors=True)
    fields = []
    for name in core_fields():
        fields += ["-e", name]
    t_pq = add("wiresift -w DIR -F parquet", [ws, "-r", f, "-w", str(out), "-F", "parquet"], before=clear)
    clear()
    t_fields = add("wiresift -T fields -E occurrence=f -e CORE... > /dev/null", [ws, "-r", f, "-T", "fields", "-E", "occurrence=f"] + fields)
    # tshark 4 names the column fields in lower case.
    ts_fields = [x.lower() if x.startswith("_ws.col.") else x for x in fields]
    ts = add("tshark -r SAMPLE -T fields -E occurrence=f -e CORE...", ["tshark", "-r", s, "-T", "fields", "-E", "occurrence=f"] + ts_fields, packets=a.tshark_sample, runs=1, tool="tshark")
    return t_pq, t_fields, ts


def stats_rows(add, ws, f, s, big, a):
    """The -z io,phs / io,stat rows and the gzip reading row, with their targets."""
    phs = add("wiresift -q -z io,phs", [ws, "-r", f, "-q", "-z", "io,phs"])
    stat = add("wiresift -q -z io,stat,1", [ws, "-r", f, "-q", "-z", "io,stat,1"])
    ts_phs = add("tshark -r SAMPLE -q -z io,phs", ["tshark", "-r", s, "-q", "-z", "io,phs"], packets=a.tshark_sample, runs=1, tool="tshark")
    expert = add("wiresift -q -z expert", [ws, "-r", f, "-q", "-z", "expert"])
    ts_expert = add("tshark -r SAMPLE -q -z expert", ["tshark", "-r", s, "-q", "-z", "expert"], packets=a.tshark_sample, runs=1, tool="tshark")
    ts_stat = add("tshark -r SAMPLE -q -z io,stat,1", ["tshark", "-r", s, "-q", "-z", "io,stat,1"], packets=a.tshark_sample, runs=1, tool="tshark")
    gz = big.with_suffix(".pcap.gz")
    if not gz.exists():
        print(f"compressing {gz.name}...", file=sys.stderr)
        subprocess.run(shell(f"gzip -c '{big}' > '{gz}'"), check=True)
    zcat = add("zcat FILE.gz > /dev/null", shell(f"zcat '{gz}' > /dev/null"))
    plain = add("wiresift -r FILE -T fields -e frame.number", [ws, "-r", f, "-T", "fields", "-e", "frame.number"])
    gzip_read = add("wiresift -r FILE.gz -T fields -e frame.number", [ws, "-r", str(gz), "-T", "fields", "-e", "frame.number"])
    targets = []
    if phs and ts_phs:
        targets.append(("io,phs ≥ 20x tshark (by rate)", f"{(a.n / phs) / (a.tshark_sample / ts_phs):.0f}x"))
    if stat and ts_stat:
        targets.append(("io,stat,1 ≥ 20x tshark (by rate)", f"{(a.n / stat) / (a.tshark_sample / ts_stat):.0f}x"))
    if expert and ts_expert:
        targets.append(("expert vs tshark (by rate)", f"{(a.n / expert) / (a.tshark_sample / ts_expert):.0f}x"))
    if gzip_read and zcat:
        targets.append(("gzip copy within 1.5x of zcat > /dev/null", f"{gzip_read / zcat:.2f}x (plain file: {plain:.2f} s)"))
    STATS_TARGETS.extend(targets)


STATS_TARGETS = []


def print_rows(rows, with_cpu=False):
    """The table of every row, then the targets that were measured."""
    print()
    print("| command | wall | rate | max RSS | CPU / wall |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, packets, wall, rss in rows:
        print(f"| `{label}` | {wall:.2f} s | {packets / wall / 1e6:.2f} M pkt/s | {rss / 1024:.1f} MiB | {CPU[label] / wall:.2f} |")
    if STATS_TARGETS:
        print()
        print("| target | measured |")
        print("| --- | --- |")
        for target, measured in STATS_TARGETS:
            print(f"| {target} | {measured} |")


def shell(cmd):
    return ["sh", "-c", cmd]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=5_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tshark-sample", type=int, default=100_000)
    ap.add_argument("--no-tshark", action="store_true")
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "wiresift"))
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--only", choices=["parquet", "stats"], help="run only these rows")
    a = ap.parse_args()

    big = capture(a.n, a.seed)
    sample = capture(a.tshark_sample, a.seed)
    ws = a.bin
    have = {t: shutil.which(t) is not None for t in ("tcpdump", "tshark")}
    if a.no_tshark:
        have["tshark"] = False
    subprocess.run(shell(f"cat '{big}' > /dev/null"))

    rows = []  # (label, packets, wall, rss)

    def add(label, cmd, packets=a.n, runs=a.runs, tool=None, before=None):
        if tool and not have[tool]:
            return None
        wall, rss, cpu = measure(cmd, runs, before)
        rows.append((label, packets, wall, rss))
        CPU[label] = cpu
        print(f"  {label}: {wall:.2f} s, {rss / 1024:.1f} MiB, cpu {cpu / wall:.2f}x wall", file=sys.stderr)
        return wall

    f = str(big)
    s = str(sample)
    if a.only == "parquet":
        t_pq, t_fields, ts = parquet_rows(add, ws, f, s, a)
        print()
        print("| command | wall | rate | max RSS | CPU / wall |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for label, packets, wall, rss in rows:
            print(f"| `{label}` | {wall:.2f} s | {packets / wall / 1e6:.2f} M pkt/s | {rss / 1024:.1f} MiB | {CPU[label] / wall:.2f} |")
        print()
        if t_pq and ts:
            print(f"| Parquet ≥ 10x tshark -T fields (by rate) | {(a.n / t_pq) / (a.tshark_sample / ts):.0f}x |")
        if t_pq and t_fields:
            print(f"| Parquet within 2x of wiresift -T fields | {t_pq / t_fields:.2f}x |")
        return
    if a.only == "stats":
        stats_rows(add, ws, f, s, big, a)
        print_rows(rows, with_cpu=True)
        return
    t_cat = add("cat FILE > /dev/null", shell(f"cat '{f}' > /dev/null"))
    t_f = add("wiresift -Y 'ip.dst == 10.0.0.5' -T fields -e frame.number", [ws, "-r", f, "-Y", "ip.dst == 10.0.0.5", "-T", "fields", "-e", "frame.number"])
    t_f69 = add("wiresift -Y 'udp.port == 69' -T fields -e frame.number", [ws, "-r", f, "-Y", "udp.port == 69", "-T", "fields", "-e", "frame.number"])
    t_td = add("tcpdump -r FILE -w /dev/null 'dst host 10.0.0.5'", ["tcpdump", "-r", f, "-w", "/dev/null", "dst host 10.0.0.5"], tool="tcpdump")
    t_td69 = add("tcpdump -r FILE -w /dev/null 'udp port 69'", ["tcpdump", "-r", f, "-w", "/dev/null", "udp port 69"], tool="tcpdump")
    t_sum = add("wiresift -r FILE (summary)", [ws, "-r", f])
    t_tdn = add("tcpdump -nr FILE", ["tcpdump", "-nr", f], tool="tcpdump")
    t_json = add("wiresift -T json", [ws, "-r", f, "-T", "json"])
    t_states = add("wiresift -q -z tcp,states", [ws, "-r", f, "-q", "-z", "tcp,states"])
    t_conv = add("wiresift -q -z conv,tcp", [ws, "-r", f, "-q", "-z", "conv,tcp"])
    ts_sum = add("tshark -r SAMPLE (summary)", ["tshark", "-r", s], packets=a.tshark_sample, runs=1, tool="tshark")
    ts_f = add("tshark -r SAMPLE -Y 'ip.dst == 10.0.0.5' -T fields -e frame.number", ["tshark", "-r", s, "-Y", "ip.dst == 10.0.0.5", "-T", "fields", "-e", "frame.number"], packets=a.tshark_sample, runs=1, tool="tshark")
    ts_json = add("tshark -r SAMPLE -T json", ["tshark", "-r", s, "-T", "json"], packets=a.tshark_sample, runs=1, tool="tshark")
    ts_conv = add("tshark -r SAMPLE -q -z conv,tcp", ["tshark", "-r", s, "-q", "-z", "conv,tcp"], packets=a.tshark_sample, runs=1, tool="tshark")

    nproc = os.cpu_count()
    print()
    print(f"capture: {big.name}, {a.n} packets, {big.stat().st_size / 1e9:.2f} GB; {nproc} cores; median of {a.runs} runs; tshark rows on the first {a.tshark_sample} packets")
    print()
    print("| command | wall | rate | max RSS |")
    print("| --- | ---: | ---: | ---: |")
    for label, packets, wall, rss in rows:
        print(f"| `{label}` | {wall:.2f} s | {packets / wall / 1e6:.2f} M pkt/s | {rss / 1024:.1f} MiB |")

    def rate(label_wall, packets):
        return packets / label_wall if label_wall else None

    print()
    print("| target | measured |")
    print("| --- | --- |")
    if t_f and t_cat:
        print(f"| filter+fields ≤ 1.5x cat | {t_f / t_cat:.2f}x cat (udp.port == 69: {t_f69 / t_cat:.2f}x) |")
    if t_f and t_td:
        print(f"| ≥ 3x faster than tcpdump with the BPF filter | {t_td / t_f:.1f}x (udp port 69: {t_td69 / t_f69:.1f}x) |")
    if t_sum and ts_sum:
        print(f"| summary ≥ 20x tshark | {rate(t_sum, a.n) / rate(ts_sum, a.tshark_sample):.1f}x |")
    if t_sum and t_tdn:
        print(f"| summary ≥ 15x tcpdump -n | {t_tdn / t_sum:.1f}x |")
    if t_json and ts_json:
        print(f"| -T json ≥ 100x tshark's rate | {rate(t_json, a.n) / rate(ts_json, a.tshark_sample):.0f}x |")
    if t_f and ts_f:
        print(f"| filter vs tshark -Y | {rate(t_f, a.n) / rate(ts_f, a.tshark_sample):.0f}x |")
    if t_states and ts_conv:
        print(f"| -z tcp,states ≥ 25x tshark -z conv,tcp | {rate(t_states, a.n) / rate(ts_conv, a.tshark_sample):.1f}x (conv,tcp: {rate(t_conv, a.n) / rate(ts_conv, a.tshark_sample):.1f}x) |")


if __name__ == "__main__":
    main()
