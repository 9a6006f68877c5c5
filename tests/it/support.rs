//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::Output;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A capture that ships in `captures/`.
pub fn capture(name: &str) -> PathBuf {
    root().join("captures").join(name)
}

/// The reference corpus (`$WIRESIFT_CORPUS`), or None with a printed note saying the test is
/// skipped.
pub fn corpus(test: &str) -> Option<PathBuf> {
    match std::env::var_os("WIRESIFT_CORPUS") {
        Some(dir) if Path::new(&dir).join("expected").is_dir() => Some(PathBuf::from(dir)),
        _ => {
            eprintln!("skipped: {test}: WIRESIFT_CORPUS is not set (point it at shared/captures)");
            None
        }
    }
}

/// The second reference corpus, tcpdump's test captures (`$WIRESIFT_TCPDUMP_CORPUS`), or
/// None with a printed note saying the test is skipped.
pub fn tcpdump_corpus(test: &str) -> Option<PathBuf> {
    match std::env::var_os("WIRESIFT_TCPDUMP_CORPUS") {
        Some(dir) if Path::new(&dir).join("expected").is_dir() => Some(PathBuf::from(dir)),
        _ => {
            eprintln!(
                "skipped: {test}: WIRESIFT_TCPDUMP_CORPUS is not set (point it at \
                 shared/captures-tcpdump)"
            );
            None
        }
    }
}

/// Runs the wiresift binary with `args`.
pub fn wiresift<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    std::process::Command::new(env!("CARGO_BIN_EXE_wiresift"))
        .args(args)
        .output()
        .expect("the wiresift binary runs")
}

/// Tab-separated rows of `text`, blank lines left out.
pub fn read_tsv(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

/// A summary line with its runs of spaces folded into one (tshark pads its columns).
pub fn fold_spaces(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Captures in a directory, sorted.
pub fn captures_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("capture directory is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("pcap" | "pcapng")
            )
        })
        .collect();
    v.sort();
    v
}
