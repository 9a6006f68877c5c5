//! Saved filters: `filters/NAME.filter` files, used as `-Y @NAME` and listed by
//! `--list-filters`.
//!
//! A file holds `#` comment lines (the first one is the summary shown in the list) and the
//! filter text; the text may span several lines, which are joined with spaces.
//!
//! Directories searched, first match wins: `$WIRESIFT_FILTERS`, `./filters`, and
//! `../../filters` next to the executable (the repository's `filters/` for a binary in
//! `target/<profile>/`).

use std::path::{Path, PathBuf};

/// Environment variable naming an extra directory of saved filters, searched first.
pub const ENV_DIR: &str = "WIRESIFT_FILTERS";

/// File extension of saved filters.
pub const EXTENSION: &str = "filter";

/// One saved filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// The name used after `@`.
    pub name: String,
    /// The first comment line.
    pub summary: String,
    /// The filter text.
    pub text: String,
    /// Where it was found.
    pub path: PathBuf,
}

/// The directories searched, in order.
pub fn dirs() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(d) = std::env::var_os(ENV_DIR).filter(|d| !d.is_empty()) {
        out.push(PathBuf::from(d));
    }
    out.push(PathBuf::from("filters"));
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    {
        out.push(exe_dir.join("../../filters"));
    }
    out
}

/// Splits a saved filter file into its summary (first comment line) and filter text.
pub fn parse(content: &str) -> (String, String) {
    let mut summary = None;
    let mut text = Vec::new();
    for line in content.lines().map(str::trim) {
        if let Some(c) = line.strip_prefix('#') {
            summary.get_or_insert_with(|| c.trim().to_string());
        } else if !line.is_empty() {
            text.push(line);
        }
    }
    (summary.unwrap_or_default(), text.join(" "))
}

/// A saved filter's name is a plain file stem: no path separators, no leading dot.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn read(path: &Path) -> Option<Saved> {
    let name = path.file_stem()?.to_str()?.to_string();
    let content = std::fs::read_to_string(path).ok()?;
    let (summary, text) = parse(&content);
    Some(Saved {
        name,
        summary,
        text,
        path: path.to_path_buf(),
    })
}

/// Every saved filter in `dirs`, sorted by name; a name found in an earlier directory hides
/// the same name in later ones.
pub fn list_in(dirs: &[PathBuf]) -> Vec<Saved> {
    let mut out: Vec<Saved> = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == EXTENSION))
            .collect();
        paths.sort();
        for p in paths {
            if let Some(s) = read(&p)
                && !out.iter().any(|o| o.name == s.name)
            {
                out.push(s);
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Every saved filter in the default directories.
pub fn list() -> Vec<Saved> {
    list_in(&dirs())
}

/// Loads the saved filter `name` from `dirs`.
///
/// # Errors
/// A message naming the directories searched and the filters that do exist.
pub fn load_in(name: &str, dirs: &[PathBuf]) -> Result<Saved, String> {
    if valid_name(name) {
        for dir in dirs {
            let p = dir.join(format!("{name}.{EXTENSION}"));
            if p.is_file() {
                return read(&p).ok_or_else(|| format!("cannot read saved filter {}", p.display()));
            }
        }
    }
    let known: Vec<String> = list_in(dirs).into_iter().map(|s| s.name).collect();
    let searched: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    Err(format!(
        "unknown saved filter \"@{name}\" (searched {}); saved filters: {}",
        searched.join(", "),
        if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        }
    ))
}

/// Loads the saved filter `name` from the default directories.
///
/// # Errors
/// See [`load_in`].
pub fn load(name: &str) -> Result<Saved, String> {
    load_in(name, &dirs())
}

/// The text of a `-Y` argument: `@NAME` is replaced by the saved filter's text.
///
/// # Errors
/// An unknown saved filter.
pub fn expand(arg: &str) -> Result<String, String> {
    match arg.trim().strip_prefix('@') {
        Some(name) => load(name).map(|s| s.text),
        None => Ok(arg.to_string()),
    }
}

/// The `--list-filters` table: name, summary, filter.
pub fn table(filters: &[Saved]) -> String {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
        .set_header(["Name", "Finds", "Filter"]);
    for s in filters {
        t.add_row([format!("@{}", s.name), s.summary.clone(), s.text.clone()]);
    }
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_comments_and_text() {
        let (summary, text) =
            parse("# TCP resets.\n# More words.\n\ntcp.flags.reset == 1\n  and tcp\n");
        assert_eq!(summary, "TCP resets.");
        assert_eq!(text, "tcp.flags.reset == 1 and tcp");
    }

    #[test]
    fn names_cannot_escape_the_directory() {
        assert!(!valid_name("../etc/passwd"));
        assert!(!valid_name(".hidden"));
        assert!(!valid_name("a/b"));
        assert!(valid_name("tcp-handshake"));
    }

    #[test]
    fn loads_and_lists_from_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("syn.filter"),
            "# SYNs.\ntcp.flags.syn == 1\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let dirs = vec![dir.path().to_path_buf()];
        let s = load_in("syn", &dirs).unwrap();
        assert_eq!(s.text, "tcp.flags.syn == 1");
        assert_eq!(list_in(&dirs).len(), 1);
        let e = load_in("nope", &dirs).unwrap_err();
        assert!(e.contains("unknown saved filter \"@nope\""), "{e}");
        assert!(e.ends_with("saved filters: syn"), "{e}");
    }
}
