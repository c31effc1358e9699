//! External tools a test runs: present, or the test fails under CI and is skipped, with a
//! printed note, elsewhere.
use std::process::Command;

/// Whether the tests run under CI, where every tool must be there.
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// Whether `program args` runs; a missing tool fails under CI and is skipped with a note
/// elsewhere.
pub fn have(program: &str, args: &[&str], install: &str) -> bool {
    let ok = Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok || !ci(), "{program} is missing under CI ({install})");
    if !ok {
        eprintln!("NOTE: {program} is missing ({install}): this check was NOT run");
    }
    ok
}
