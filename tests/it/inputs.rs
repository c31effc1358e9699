//! Inputs a fault campaign broke kmgen with (issue 10): files that are not files, profiles
//! and secrets that are too big. Each is refused with its key path (or the profile's path),
//! a fix, and nothing written. The cases whose report is pinned in full are in
//! `tests/cases/errors/`; these need a setup a single profile cannot carry.
use std::fs;
use std::path::Path;
use std::process::Command;

use crate::support::{Kmgen, Scratch};

const PROFILE: &str = r#"[deployment]
name = "acme"
pattern = "hybrid-single-node"

[tls]
keystore_password = { file = "secrets/keystore.txt" }
extra_trusted = ["certs/extra.pem"]

[[node]]
name = "km"
role = "key-manager"
host = "km.example.com"

[[node]]
name = "apim"
role = "all-in-one"
host = "apim.example.com"
"#;

/// The report of a failed build, each message on one line (miette wraps at 100 columns).
fn check_fails(dir: &Scratch, profile: &str) -> String {
    let r = Kmgen::new()
        .current_dir(dir)
        .args(["build", profile, "-o", "out"])
        .run()
        .failure(1)
        .stdout_is("");
    assert!(!dir.join("out").exists(), "build wrote output");
    r.stderr.replace("\n  │ ", " ")
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
    // Should kmgen open the FIFO and block on it, this writer lets it go on (and fail the
    // test) instead of hanging the suite.
    let path = path.to_path_buf();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(20));
        let _ = fs::OpenOptions::new().write(true).open(path);
    });
}

/// A FIFO as a secret file, as an `extra_trusted` file and as the profile itself.
#[test]
fn fifos_are_refused_without_blocking() {
    let dir = Scratch::new("inputs");
    dir.write("profile.toml", PROFILE);
    fs::create_dir_all(dir.join("secrets")).unwrap();
    fs::create_dir_all(dir.join("certs")).unwrap();
    mkfifo(&dir.join("secrets/keystore.txt"));
    mkfifo(&dir.join("certs/extra.pem"));
    let started = std::time::Instant::now();
    let stderr = check_fails(&dir, "profile.toml");
    assert!(started.elapsed().as_secs() < 15, "kmgen blocked on a FIFO");
    assert!(
        stderr.contains(
            "tls.keystore_password: cannot read secret file `secrets/keystore.txt`: it is a FIFO, not a regular file"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "tls.extra_trusted[0]: cannot read `certs/extra.pem`: it is a FIFO, not a regular file"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("of at most 1 MiB"), "{stderr}");

    mkfifo(&dir.join("fifo.toml"));
    let stderr = check_fails(&dir, "fifo.toml");
    assert_eq!(
        stderr,
        "error: cannot read `fifo.toml`: it is a FIFO, not a regular file\n\
         help: give the profile as a regular TOML file of at most 1 MiB\n"
    );
}

/// A sparse file of 1 MiB and a byte: as a secret, a PEM file and a profile.
#[test]
fn huge_files_are_refused() {
    let dir = Scratch::new("inputs");
    dir.write("profile.toml", PROFILE);
    let huge = |path: &str| {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::File::create(&path)
            .unwrap()
            .set_len((1 << 20) + 1)
            .unwrap();
    };
    huge("secrets/keystore.txt");
    huge("certs/extra.pem");
    let stderr = check_fails(&dir, "profile.toml");
    assert!(
        stderr.contains(
            "tls.keystore_password: cannot read secret file `secrets/keystore.txt`: it is larger than 1 MiB"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "tls.extra_trusted[0]: cannot read `certs/extra.pem`: it is larger than 1 MiB"
        ),
        "{stderr}"
    );
    huge("big.toml");
    let stderr = check_fails(&dir, "big.toml");
    assert_eq!(
        stderr,
        "error: cannot read `big.toml`: it is larger than 1 MiB\n\
         help: give the profile as a regular TOML file of at most 1 MiB\n"
    );
    // A device as the profile.
    let stderr = check_fails(&dir, "/dev/zero");
    assert!(
        stderr.starts_with("error: cannot read `/dev/zero`: it is a character device"),
        "{stderr}"
    );
}

/// `check` passed a 70,000-character key alias that the JKS encoder then refused ("string too
/// long") with no key path.
#[test]
fn a_huge_key_alias_fails_check_with_its_key() {
    let dir = Scratch::new("inputs");
    let alias = "k".repeat(70_000);
    dir.write(
        "profile.toml",
        &PROFILE
            .replace(
                "keystore_password = { file = \"secrets/keystore.txt\" }",
                &format!("key_alias = \"{alias}\""),
            )
            .replace("extra_trusted = [\"certs/extra.pem\"]\n", ""),
    );
    let r = Kmgen::new()
        .current_dir(&dir)
        .args(["check", "profile.toml"])
        .run()
        .failure(1);
    assert!(
        r.stderr
            .contains("× tls.key_alias: is 70000 characters long"),
        "{}",
        &r.stderr[..500]
    );
}
