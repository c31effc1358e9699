//! kmgen in a release pipeline (issue 13, items 1 and 2): `build --check` reports a stale
//! bundle with a diff and writes nothing; an unchanged rebuild writes nothing; a changed
//! rebuild rewrites only the files that changed.
use crate::atomic::change_admin_password;
use crate::support::{repo, Kmgen, Scratch};
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

const NAME: &str = "acme-single";

fn setup() -> Scratch {
    let dir = Scratch::new("pipeline");
    let text = fs::read_to_string(repo().join("profiles/hybrid-single-node.toml")).unwrap();
    dir.write("profile.toml", &text);
    dir
}

fn build(dir: &Scratch, extra: &[&str]) -> crate::support::cli::Output {
    Kmgen::new()
        .current_dir(dir)
        .args(["build", "profile.toml", "-o", "out"])
        .args(extra)
        .run()
}

/// A first build of the profile: the folder, the bundle, and every file's stamps in it.
fn built() -> (Scratch, PathBuf, BTreeMap<String, (SystemTime, u64)>) {
    let dir = setup();
    build(&dir, &[]).success();
    let bundle = dir.join(format!("out/{NAME}"));
    let stamps = stamps(&bundle);
    (dir, bundle, stamps)
}

/// Every file under `dir` with its mtime and inode.
fn stamps(dir: &Path) -> BTreeMap<String, (SystemTime, u64)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let m = fs::metadata(&p).unwrap();
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, (m.modified().unwrap(), m.ino()));
            }
        }
    }
    out
}

#[test]
fn an_unchanged_rebuild_writes_nothing() {
    let (dir, bundle, before) = built();
    let r = build(&dir, &[]).success();
    assert!(r.stdout.contains("is up to date"), "{}", r.stdout);
    assert!(r.stdout.contains("nothing written"), "{}", r.stdout);
    assert_eq!(stamps(&bundle), before);
}

#[test]
fn a_changed_rebuild_rewrites_only_what_changed() {
    let (dir, bundle, before) = built();
    change_admin_password(&dir);
    build(&dir, &[]).success().stdout_contains("Wrote ");
    let after = stamps(&bundle);
    let changed: Vec<&String> = after
        .keys()
        .filter(|p| before.get(*p) != after.get(*p))
        .collect();
    assert!(
        changed.iter().any(|p| p.ends_with("user-mgt.xml")),
        "{changed:?}"
    );
    assert!(
        changed.contains(&&"manifest.json".to_string()),
        "{changed:?}"
    );
    for kept in [
        "nodes/apim/repository/conf/registry.xml",
        "nodes/km/repository/resources/security/wso2carbon.jks",
        "pki/keys/apim.key.pem",
    ] {
        assert_eq!(after[kept], before[kept], "{kept} was rewritten");
    }
}

#[test]
fn a_rebuild_that_generates_a_key_rewrites_only_what_changed() {
    let (dir, bundle, before) = built();
    // A lost primary key, replaced on purpose: the files that need no key are staged while
    // the key is generated, and those that did not change are linked from the previous
    // bundle all the same, as are the stores that did not change.
    fs::remove_file(bundle.join("pki/keys/apim.key.pem")).unwrap();
    build(&dir, &["--rotate-keys"])
        .success()
        .stdout_contains("Wrote ");
    let after = stamps(&bundle);
    for kept in [
        "nodes/apim/repository/conf/registry.xml",
        "nodes/km/repository/conf/carbon.xml",
        "README.md",
        "pki/keys/is-km.key.pem",
        "nodes/km/repository/resources/security/wso2carbon.jks",
    ] {
        assert_eq!(after[kept], before[kept], "{kept} was rewritten");
    }
    for changed in [
        "pki/keys/apim.key.pem",
        "nodes/apim/repository/resources/security/wso2carbon.jks",
        "nodes/km/repository/resources/security/client-truststore.jks",
        "manifest.json",
    ] {
        assert_ne!(after[changed], before[changed], "{changed} was kept");
    }
}

#[test]
fn check_reports_a_stale_bundle_with_a_masked_diff_and_writes_nothing() {
    let dir = setup();
    let r = build(&dir, &["--check"]).failure(1);
    assert!(
        r.stdout.contains("no bundle written by kmgen"),
        "{}",
        r.stdout
    );
    assert!(!dir.join("out").exists(), "--check wrote something");

    build(&dir, &[]).success();
    let bundle = dir.join(format!("out/{NAME}"));
    build(&dir, &["--check"])
        .success()
        .stdout_contains("is up to date");

    let before = stamps(&dir.join("out"));
    change_admin_password(&dir);
    let r = build(&dir, &["--check"]).failure(1);
    assert_eq!(stamps(&dir.join("out")), before, "--check wrote something");
    assert!(
        r.stdout.contains("--- nodes/"),
        "a unified diff: {}",
        r.stdout
    );
    assert!(
        r.stdout.contains("********"),
        "secrets masked: {}",
        r.stdout
    );
    for secret in ["Adm1n-secret", "ks-Secret-1", "am-db-Secret"] {
        assert!(!r.all().contains(secret), "{secret} shown:\n{}", r.all());
    }
    assert!(r.stderr.contains("is stale"), "{}", r.stderr);
    // A store whose entries changed is summarised, never dumped.
    fs::remove_file(bundle.join("pki/certs/apim.crt.pem")).unwrap();
    let r = build(&dir, &["--check"]).failure(1);
    assert!(
        r.stdout.contains("missing: pki/certs/apim.crt.pem"),
        "{}",
        r.stdout
    );
}
