#!/usr/bin/env python3
"""Reads wiresift's Parquet export with real engines and checks it against wiresift itself.

    check_parquet.py ENGINE WIRESIFT CAPTURES_DIR WORK_DIR

ENGINE is `duckdb` or `spark`. For every capture in CAPTURES_DIR, the export of
`wiresift -r CAP -w DIR -F parquet` is read back by the engine and compared with:

- the frames `wiresift -r CAP -T fields -e frame.number` prints (row count, and again with a
  display filter: the rows are the frames that pass `-Y`);
- `-T fields -E occurrence=f` for every column of the packets table that has a registry field
  (each typed cell, printed as -T fields prints it, equals the text);
- `-z tcp,states -T json` for the TCP rows of the conns table;
- across one dataset of all the captures (one DIR written by one run per capture), a
  `GROUP BY conn_state` equals the sum of wiresift's own reports.

Exit status: 0 all checks passed, 1 a check failed, 77 the engine is not installed.
"""

import json
import math
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

SKIP = 77

# A display filter whose rows must be exactly the matching frames.
FILTER = "tcp or arp"


def run(cmd, ok=(0, 1)):
    """Runs wiresift; exit 1 (a damaged capture, frames before the damage kept) is fine."""
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in ok:
        raise SystemExit(f"FAILED: {' '.join(map(str, cmd))} exited {p.returncode}: {p.stderr}")
    return p.stdout


def registry_fields(bin_path):
    """Field name -> type, from `wiresift -G fields`."""
    out = run([bin_path, "-G", "fields"], ok=(0,))
    fields = {}
    for line in out.splitlines():
        cols = line.split("\t")
        if len(cols) >= 4 and cols[0] == "F":
            fields[cols[2]] = cols[3]
    return fields


def column_name(field):
    return "".join(c if c.isascii() and c.isalnum() else "_" for c in field)


def as_fields_text(value, ftype, text):
    """True when the typed `value` is what `-T fields` printed as `text`."""
    if value is None:
        return text == ""
    if isinstance(value, bool):
        return text == ("1" if value else "0")
    if isinstance(value, int):
        return text != "" and int(text, 0) == value
    if isinstance(value, float):
        return text != "" and math.isclose(float(text), value, rel_tol=1e-12, abs_tol=1e-9)
    return str(value) == text


class DuckDb:
    def __init__(self):
        import duckdb

        self.con = duckdb.connect()

    def query(self, sql):
        return self.con.sql(sql).fetchall()

    def columns(self, table):
        return [r[0] for r in self.query(f"DESCRIBE SELECT * FROM {table}")]

    def table(self, dir_, name):
        return f"read_parquet('{dir_}/{name}/**/*.parquet', hive_partitioning = true)"

    def epoch_us(self, column):
        return f"epoch_us({column})"

    def close(self):
        self.con.close()


class Spark:
    def __init__(self):
        from pyspark.sql import SparkSession

        self.spark = (
            SparkSession.builder.master("local[2]")
            .appName("wiresift-check")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.memory", "1g")
            .getOrCreate()
        )
        self.spark.sparkContext.setLogLevel("ERROR")
        self.views = 0

    def query(self, sql):
        return [tuple(r) for r in self.spark.sql(sql).collect()]

    def columns(self, table):
        return self.spark.table(table).columns

    def table(self, dir_, name):
        self.views += 1
        view = f"t{self.views}"
        self.spark.read.parquet(f"{dir_}/{name}").createOrReplaceTempView(view)
        return view

    def epoch_us(self, column):
        return f"unix_micros({column})"

    def close(self):
        self.spark.stop()


def open_engine(name):
    try:
        return DuckDb() if name == "duckdb" else Spark()
    except ImportError as e:
        print(f"skipped: {name} is not installed ({e})")
        sys.exit(SKIP)


def export(bin_path, cap, out_dir, *extra):
    run([bin_path, "-r", cap, "-w", out_dir, "-F", "parquet", *extra])


def check_rows(db, bin_path, cap, work, failures):
    """Row counts, with and without a filter."""
    frames = run([bin_path, "-r", cap, "-T", "fields", "-e", "frame.number"]).split()
    whole = work / "whole"
    export(bin_path, cap, whole)
    packets = db.table(whole, "packets")
    got = [r[0] for r in db.query(f"SELECT frame_number FROM {packets} ORDER BY frame_number")]
    if got != [int(f) for f in frames]:
        failures.append(f"{cap.name}: {len(got)} rows, {len(frames)} frames")
    matching = run([bin_path, "-r", cap, "-Y", FILTER, "-T", "fields", "-e", "frame.number"])
    filtered = work / "filtered"
    export(bin_path, cap, filtered, "-Y", FILTER)
    want = [int(f) for f in matching.split()]
    got = []
    if want:
        table = db.table(filtered, "packets")
        got = [r[0] for r in db.query(f"SELECT frame_number FROM {table} ORDER BY frame_number")]
    if got != want:
        failures.append(f"{cap.name}: -Y '{FILTER}' gave {len(got)} rows, {len(want)} frames")
    return whole, packets


def check_cells(db, bin_path, cap, packets, registry, failures):
    """Every field column against -T fields -E occurrence=f."""
    by_column = {column_name(f): f for f in registry}
    columns = [c for c in db.columns(packets) if c in by_column and not c.endswith("_int")]
    fields = [by_column[c] for c in columns]
    args = [bin_path, "-r", cap, "-T", "fields", "-E", "occurrence=f"]
    for f in fields:
        args += ["-e", f]
    lines = run(args).split("\n")[:-1]
    rows = db.query(
        f"SELECT {', '.join(columns)} FROM {packets} ORDER BY frame_number"
    )
    cells = 0
    for n, (row, line) in enumerate(zip(rows, lines), start=1):
        texts = line.split("\t")
        for col, field, value, text in zip(columns, fields, row, texts):
            cells += 1
            if not as_fields_text(value, registry[field], text):
                failures.append(f"{cap.name} row {n} {col}: {value!r}, -T fields {text!r}")
    cells += check_times(db, bin_path, cap, packets, failures)
    return cells


def check_times(db, bin_path, cap, packets, failures):
    """`ts_ns` and `ts` against frame.time_epoch (nanoseconds, and microseconds)."""
    epochs = run([bin_path, "-r", cap, "-T", "fields", "-e", "frame.time_epoch"]).split("\n")[:-1]
    rows = db.query(f"SELECT ts_ns, {db.epoch_us('ts')} FROM {packets} ORDER BY frame_number")
    for n, ((ns, us), text) in enumerate(zip(rows, epochs), start=1):
        want = int(text.replace(".", "")) if text else None
        if ns != want or us != (None if want is None else want // 1000):
            failures.append(f"{cap.name} row {n}: ts_ns {ns}, ts {us} us, frame.time_epoch {text}")
    return 2 * len(rows)


def check_conns(db, bin_path, cap, whole, failures):
    """TCP rows of conns against -z tcp,states; returns the report's conn_state counts."""
    report = json.loads(run([bin_path, "-r", cap, "-q", "-z", "tcp,states", "-T", "json"]))
    want = sorted(
        (r["stream"], r["conn_state"], r["history"], r["pkts_c2s"], r["bytes_c2s"],
         r["pkts_s2c"], r["bytes_s2c"])
        for r in report
        if r.get("report") == "tcp,states" and "stream" in r
    )
    got = []
    if want:
        conns = db.table(whole, "conns")
        got = sorted(
            db.query(
                f"SELECT stream, conn_state, history, orig_pkts, orig_bytes, resp_pkts, "
                f"resp_bytes FROM {conns} WHERE proto = 'tcp'"
            )
        )
    if got != want:
        failures.append(f"{cap.name}: conns {got} != tcp,states {want}")
    return Counter(w[1] for w in want)


def check_dataset(db, bin_path, caps, work, states, failures):
    """One dataset of every capture: the engine's GROUP BY against the reports' sums."""
    dataset = work / "dataset"
    for cap in caps:
        export(bin_path, cap, dataset)
    conns = db.table(dataset, "conns")
    got = dict(
        db.query(f"SELECT conn_state, COUNT(*) FROM {conns} WHERE proto = 'tcp' GROUP BY conn_state")
    )
    if got != dict(states):
        failures.append(f"dataset: GROUP BY conn_state {got} != reports {dict(states)}")
    packets = db.table(dataset, "packets")
    per_capture = dict(db.query(f"SELECT capture, COUNT(*) FROM {packets} GROUP BY capture"))
    for cap in caps:
        frames = len(run([bin_path, "-r", cap, "-T", "fields", "-e", "frame.number"]).split())
        if per_capture.get(cap.name, 0) != frames:
            failures.append(f"dataset: {cap.name} has {per_capture.get(cap.name)} rows, {frames} frames")


def main():
    engine, bin_path, captures, work = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
    db = open_engine(engine)
    registry = registry_fields(bin_path)
    caps = sorted(p for p in captures.iterdir() if p.suffix in (".pcap", ".pcapng"))
    failures, cells, states = [], 0, Counter()
    for cap in caps:
        cap_work = work / cap.stem
        whole, packets = check_rows(db, bin_path, cap, cap_work, failures)
        cells += check_cells(db, bin_path, cap, packets, registry, failures)
        states += check_conns(db, bin_path, cap, whole, failures)
    check_dataset(db, bin_path, caps, work, states, failures)
    db.close()
    for f in failures[:40]:
        print(f"FAILED: {f}")
    print(f"{engine}: {len(caps)} captures, {cells} cells, {sum(states.values())} TCP connections, "
          f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
