//! Issue 13 item 8: `build --archive` writes one reproducible `nodes/<node>.tar.gz` per node,
//! listed in the manifest and the plan, that GNU tar unpacks to the node's folder with its
//! modes and the `SOURCE_DATE_EPOCH` mtime.
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

use crate::support::{copy_tree, repo, Kmgen, Scratch};

const PROFILE: &str = "profiles/hybrid-single-node.toml";
const EPOCH: &str = "1700000000";

fn build(dir: &Path, out: &str) -> crate::support::cli::Output {
    let profile = repo().join(PROFILE);
    Kmgen::new()
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .args(["build", "--archive", "-o", out])
        .args([&profile])
        .run()
        .success()
}

/// Every entry under `dir`: relative path → (mode, bytes; empty for a folder).
fn entries(dir: &Path) -> Vec<(String, u32, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, u32, Vec<u8>)>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o7777;
            if p.is_dir() {
                out.push((rel, mode, Vec::new()));
                walk(root, &p, out);
            } else {
                out.push((rel, mode, fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn archives_are_reproducible_listed_and_an_unchanged_rebuild_writes_nothing() {
    let dir = Scratch::new("archive-repro");
    build(&dir, "a").stdout_contains("Wrote");
    let bundle = dir.join("a/acme-single");
    let km = fs::read(bundle.join("nodes/km.tar.gz")).unwrap();
    // gzip header: no FNAME flag, MTIME 0 (RFC 1952 section 2.3).
    assert_eq!(
        &km[..4],
        &[0x1f, 0x8b, 8, 0],
        "gzip magic, deflate, no flags"
    );
    assert_eq!(&km[4..8], &[0, 0, 0, 0], "gzip MTIME must be 0");
    let mode = fs::metadata(bundle.join("nodes/km.tar.gz")).unwrap().mode() & 0o777;
    assert_eq!(mode, 0o600, "the archive holds secrets");
    let readme = fs::read_to_string(bundle.join("README.md")).unwrap();
    assert!(readme.contains("tar -xzpf <node>.tar.gz"), "{readme}");
    build(&dir, "a").stdout_contains("is up to date");
    // A second build of the same bundle (its keys and stores kept) without the archives
    // makes them again, byte for byte.
    copy_tree(
        &dir.join("a"),
        &dir.join("b"),
        &["km.tar.gz", "apim.tar.gz"],
    );
    build(&dir, "b").stdout_contains("Wrote");
    for node in ["km", "apim"] {
        let path = format!("nodes/{node}.tar.gz");
        assert!(
            fs::read(bundle.join(&path)).unwrap()
                == fs::read(dir.join("b/acme-single").join(&path)).unwrap(),
            "{path} differs between two builds"
        );
    }
    let manifest = fs::read_to_string(bundle.join("manifest.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let archives: Vec<&str> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "archive")
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(archives, ["nodes/km.tar.gz", "nodes/apim.tar.gz"]);
    // Without --archive they are no longer part of the bundle.
    Kmgen::new()
        .current_dir(&dir)
        .args(["build", "--check", "-o", "a"])
        .args([repo().join(PROFILE)])
        .run()
        .failure(1)
        .stdout_contains("no longer part of the bundle: nodes/km.tar.gz");
}

#[test]
fn plan_lists_the_archives_only_with_the_flag() {
    let plan = |archive: bool| {
        let mut args = vec!["plan"];
        if archive {
            args.push("--archive");
        }
        Kmgen::new()
            .args(args)
            .args([repo().join(PROFILE)])
            .run()
            .success()
            .stdout
    };
    assert!(plan(true).contains("nodes/km.tar.gz (archive, 0600)"));
    assert!(!plan(false).contains("tar.gz"));
}

#[test]
fn gnu_tar_unpacks_each_node_folder_with_its_modes_and_mtime() {
    let dir = Scratch::new("archive-tar");
    build(&dir, "out");
    let bundle = dir.join("out/acme-single");
    for node in ["km", "apim"] {
        let into = dir.join(format!("unpacked-{node}"));
        fs::create_dir(&into).unwrap();
        let archive = bundle.join(format!("nodes/{node}.tar.gz"));
        // `-p`: the archive's modes as they are, whatever the umask (root's default).
        let status = Command::new("tar")
            .arg("-xzpf")
            .arg(&archive)
            .arg("-C")
            .arg(&into)
            .status()
            .expect("GNU tar runs");
        assert!(status.success(), "tar -xzf {}", archive.display());
        let want = entries(&bundle.join("nodes").join(node));
        let got = entries(&into);
        let names = |v: &[(String, u32, Vec<u8>)]| -> Vec<(String, u32)> {
            v.iter().map(|(p, m, _)| (p.clone(), *m)).collect()
        };
        assert_eq!(names(&got), names(&want), "{node}: paths and modes");
        assert!(got == want, "{node}: file contents differ");
        assert!(
            want.iter().any(|(_, m, _)| *m == 0o600) && want.iter().any(|(_, m, _)| *m == 0o700),
            "{node}: the check needs private files and folders"
        );
        let mtime = fs::metadata(into.join("repository/conf/carbon.xml"))
            .unwrap()
            .mtime();
        assert_eq!(mtime.to_string(), EPOCH);
    }
}

#[test]
fn check_names_the_archive_entries_that_changed_never_their_bytes() {
    let dir = Scratch::new("archive-check");
    build(&dir, "out");
    // Another SOURCE_DATE_EPOCH: every entry's mtime differs, nothing else.
    let out = Kmgen::new()
        .current_dir(&dir)
        .env("SOURCE_DATE_EPOCH", "1800000000")
        .args(["build", "--archive", "--check", "-o", "out"])
        .args([repo().join(PROFILE)])
        .run()
        .failure(1);
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("nodes/km.tar.gz: "))
        .unwrap_or_else(|| panic!("no line for the km archive:\n{}", out.stdout));
    assert!(
        line.starts_with("nodes/km.tar.gz: entries changed [\"repository\", \"repository/conf\", \"repository/conf/api-manager.xml\",")
            && line.ends_with("], added [], removed []"),
        "{line}"
    );
    for secret in ["Adm1n-secret", "ks-Secret-1", "am-db-Secret"] {
        assert!(!out.all().contains(secret), "--check shows {secret}");
    }
}
