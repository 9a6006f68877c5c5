//! The Parquet export read by real engines: `tests/engines/check_parquet.py` runs DuckDB and
//! Spark (local mode) over the export of every shipped capture and compares what they read
//! with wiresift's own `-T fields` and `-z tcp,states` (see the script's doc).
//!
//! Without the engine's Python package the test says it is skipped; with
//! `WIRESIFT_REQUIRE_ENGINES=1` (set by `.ci/run`, which installs them) it fails instead.

use std::process::Command;

use crate::support::root;

/// The script's exit status for "engine not installed".
const SKIPPED: i32 = 77;

fn check_with(engine: &str) {
    let work = tempfile::tempdir().expect("tmp");
    let out = Command::new("python3")
        .arg(root().join("tests/engines/check_parquet.py"))
        .args([engine, env!("CARGO_BIN_EXE_wiresift")])
        .arg(root().join("captures"))
        .arg(work.path())
        .output();
    let required = std::env::var_os("WIRESIFT_REQUIRE_ENGINES").is_some_and(|v| v == "1");
    let out = match out {
        Ok(out) => out,
        Err(e) if !required => return eprintln!("skipped: {engine}: python3 does not run ({e})"),
        Err(e) => panic!("{engine}: python3 does not run: {e}"),
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.code() == Some(SKIPPED) && !required {
        return eprintln!("skipped: {engine}: {}", text.trim());
    }
    assert!(out.status.success(), "{engine}:\n{text}");
    eprintln!("{}", text.lines().last().unwrap_or_default());
}

#[test]
fn duckdb_reads_the_export_as_wiresift_prints_it() {
    check_with("duckdb");
}

#[test]
fn spark_reads_the_export_as_wiresift_prints_it() {
    check_with("spark");
}
