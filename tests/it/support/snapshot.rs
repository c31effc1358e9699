//! Snapshots: a file, or a whole tree, compared with what a test produced; a mismatch is a
//! unified diff. `SNAPSHOTS=overwrite cargo test --test it` re-records instead of comparing.
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use super::diff::unified;
use super::{repo, tree};

const RERECORD: &str = "SNAPSHOTS=overwrite cargo test --test it";

fn overwrite() -> bool {
    std::env::var("SNAPSHOTS").as_deref() == Ok("overwrite")
}

/// `path` relative to the repository, as reports show it.
fn shown(path: &Path) -> String {
    path.strip_prefix(repo())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Compares `actual` with the snapshot file `path`, or records it when re-recording.
/// Returns the report of a mismatch, so that a caller can add what it was running.
pub fn compare(path: &Path, actual: &str) -> Result<(), String> {
    if overwrite() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, actual).unwrap();
        return Ok(());
    }
    let expected = fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read snapshot {} ({e}); record it with {RERECORD}\n--- actual ---\n{actual}",
            shown(path)
        )
    })?;
    if expected == actual {
        return Ok(());
    }
    Err(format!(
        "{} differs (re-record with {RERECORD} if the change is intended)\n{}",
        shown(path),
        unified(&shown(path), "actual", &expected, actual)
    ))
}

/// Compares a whole tree (relative path → contents) with the folder `expected_dir`:
/// missing and extra files are listed, a differing text file is shown as a unified diff and
/// a differing binary file by its sizes. Re-recording replaces the folder.
pub fn assert_tree<V: AsRef<[u8]>>(actual: &BTreeMap<String, V>, expected_dir: &Path) {
    if overwrite() {
        let _ = fs::remove_dir_all(expected_dir);
        for (rel, body) in actual {
            let p = expected_dir.join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, body).unwrap();
        }
        return;
    }
    let expected: BTreeMap<String, Vec<u8>> = if expected_dir.exists() {
        tree(expected_dir).into_iter().collect()
    } else {
        BTreeMap::new()
    };
    let mut problems = Vec::new();
    for rel in expected.keys().filter(|k| !actual.contains_key(*k)) {
        problems.push(format!("missing file: {rel}"));
    }
    for rel in actual.keys().filter(|k| !expected.contains_key(*k)) {
        problems.push(format!("extra file: {rel}"));
    }
    for (rel, body) in actual {
        let body = body.as_ref();
        match expected.get(rel) {
            Some(want) if want != body => problems.push(file_difference(rel, want, body)),
            _ => {}
        }
    }
    assert!(
        problems.is_empty(),
        "{} differs (re-record with {RERECORD} if the change is intended):\n{}",
        shown(expected_dir),
        problems.join("\n")
    );
}

fn file_difference(rel: &str, want: &[u8], got: &[u8]) -> String {
    match (std::str::from_utf8(want), std::str::from_utf8(got)) {
        (Ok(w), Ok(g)) => format!(
            "differs: {rel}\n{}",
            unified(&format!("expected/{rel}"), &format!("actual/{rel}"), w, g)
        ),
        _ => {
            let at = want.iter().zip(got).position(|(w, g)| w != g);
            let at = at.unwrap_or(want.len().min(got.len()));
            format!(
                "differs: {rel} (binary: {} bytes expected, {} bytes actual, first difference at byte {at})",
                want.len(),
                got.len()
            )
        }
    }
}
