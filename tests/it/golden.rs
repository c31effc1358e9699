//! Golden bundles: each `tests/cases/golden/<case>/profile.toml` builds to exactly the tree in
//! its `expected/` folder (missing or extra files fail). A fixed clock and fixture keys make
//! the output reproducible; stores are compared through their text summary and their random
//! salts are censored from the manifest. `SNAPSHOTS=overwrite cargo test` re-records.
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::support::snapshot::assert_tree;
use crate::support::{copy_tree, repo, tree, Kmgen, Scratch};

/// 2023-11-14T22:13:20Z: the build clock of every golden case.
pub const GOLDEN_EPOCH: &str = "1700000000";

/// Seeds `out/<name>/pki/keys` with the fixture keys, as if a previous build had made them.
pub fn seed_fixture_keys(out_dir: &Path, deployment: &str) {
    use std::os::unix::fs::PermissionsExt;
    let bundle = out_dir.join(deployment);
    let keys = bundle.join("pki/keys");
    fs::create_dir_all(&keys).unwrap();
    fs::write(bundle.join(".kmgen-bundle"), "kmgen\n").unwrap();
    for entry in fs::read_dir(repo().join("tests/fixtures/keys")).unwrap() {
        let src = entry.unwrap().path();
        let dst = keys.join(src.file_name().unwrap());
        fs::copy(&src, &dst).unwrap();
        fs::set_permissions(&dst, fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// The manifest of a seeded bundle: the keys it holds are kmgen's (a rebuild refuses files
/// the previous manifest does not list).
pub fn write_seed_manifest(bundle: &Path) {
    let files: Vec<serde_json::Value> = fs::read_dir(bundle.join("pki/keys"))
        .unwrap()
        .map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            serde_json::json!({ "path": format!("pki/keys/{name}") })
        })
        .collect();
    let manifest = serde_json::json!({ "tool": "kmgen", "files": files });
    fs::write(bundle.join("manifest.json"), manifest.to_string()).unwrap();
}

/// Builds `profile` (a file in `dir`) into `dir/out` with the golden clock and fixture keys.
pub fn golden_build(dir: &Path, profile: &str) -> PathBuf {
    let loaded = kmgen::load::load(&dir.join(profile)).expect("golden profile is valid");
    let out = dir.join("out");
    // A first build starts from the fixture keys; a rebuild reuses its own bundle.
    if !out.join(&loaded.deployment.name).exists() {
        seed_fixture_keys(&out, &loaded.deployment.name);
        // Keys no spec wants any more would read as a rotation: keep only the ones the plan uses.
        let plan = kmgen::plan::plan(&loaded.deployment);
        let keys_dir = out.join(&loaded.deployment.name).join("pki/keys");
        for entry in fs::read_dir(&keys_dir).unwrap() {
            let path = entry.unwrap().path();
            let id = path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .trim_end_matches(".key.pem")
                .to_string();
            if !plan.keys.iter().any(|k| k.id == id) {
                fs::remove_file(path).unwrap();
            }
        }
        write_seed_manifest(&out.join(&loaded.deployment.name));
    }
    Kmgen::new()
        .current_dir(dir)
        .args(["build", profile, "-o", "out"])
        .env("SOURCE_DATE_EPOCH", GOLDEN_EPOCH)
        .run()
        .success();
    out.join(&loaded.deployment.name)
}

/// The bundle as comparable text: path → contents (stores as summaries, salts censored).
pub fn snapshot(
    bundle: &Path,
    store_password: &str,
    trust_password: &str,
) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut dirs = Vec::new();
    walk(
        bundle,
        bundle,
        &mut files,
        &mut dirs,
        store_password,
        trust_password,
    );
    if !dirs.is_empty() {
        dirs.sort();
        files.insert(".empty-dirs".to_string(), dirs.join("\n") + "\n");
    }
    files
}

fn walk(
    root: &Path,
    dir: &Path,
    files: &mut BTreeMap<String, String>,
    dirs: &mut Vec<String>,
    ks: &str,
    ts: &str,
) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    if entries.is_empty() {
        dirs.push(
            dir.strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .to_string(),
        );
    }
    for path in entries {
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .to_string();
        if path.is_dir() {
            walk(root, &path, files, dirs, ks, ts);
            continue;
        }
        let bytes = fs::read(&path).unwrap();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext == "jks" || ext == "p12" {
            let format = if ext == "jks" {
                kmgen::keystore::StoreFormat::Jks
            } else {
                kmgen::keystore::StoreFormat::Pkcs12
            };
            let password = if rel.contains("truststore") { ts } else { ks };
            let summary = kmgen::keystore::summary(format, &bytes, password).expect("store opens");
            files.insert(format!("{rel}.summary"), collapse_roots(&summary));
        } else if rel == "manifest.json" {
            files.insert(rel, censor_manifest(&bytes));
        } else {
            files.insert(rel, String::from_utf8(bytes).expect("text file"));
        }
    }
}

/// The Mozilla roots are one line in a summary: their list is the crate's, not ours.
fn collapse_roots(summary: &str) -> String {
    let roots: std::collections::BTreeSet<String> = kmgen::keystore::mozilla_roots()
        .iter()
        .map(|(a, _)| a.clone())
        .collect();
    let mut out = String::new();
    let mut skipping = false;
    let mut collapsed = 0;
    for line in summary.lines() {
        if !line.starts_with(' ') {
            let alias = line.split(": ").next().unwrap_or("");
            skipping = roots.contains(alias) && line.ends_with("trustedCertEntry");
            if skipping {
                collapsed += 1;
                continue;
            }
        } else if skipping {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    if collapsed > 0 {
        out.push_str(&format!(
            "(+ {collapsed} Mozilla root CA trustedCertEntry entries)\n"
        ));
    }
    out
}

fn censor_manifest(bytes: &[u8]) -> String {
    let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    for f in v["files"].as_array_mut().unwrap() {
        if matches!(f["kind"].as_str(), Some("keystore" | "truststore")) {
            f["sha256"] = "CENSORED (random salt)".into();
        }
    }
    v["version"] = "VERSION".into();
    serde_json::to_string_pretty(&v).unwrap() + "\n"
}

fn run_case(case: &str) {
    let case_dir = repo().join("tests/cases/golden").join(case);
    let dir = Scratch::new(case);
    copy_tree(&case_dir, &dir, &["expected"]);
    // Example cases build a file of profiles/ itself, so the examples stay under test.
    if let Ok(source) = fs::read_to_string(case_dir.join("from-profile")) {
        let source = repo().join(source.trim());
        fs::copy(&source, dir.join("profile.toml")).unwrap();
        for folder in ["secrets", "example-only-certs"] {
            let from = source.parent().unwrap().join(folder);
            copy_tree(&from, &dir.join(folder), &[]);
        }
    }
    let bundle = golden_build(&dir, "profile.toml");
    let loaded = kmgen::load::load(&dir.join("profile.toml")).unwrap();
    let tls = &loaded.deployment.tls;
    let actual = snapshot(
        &bundle,
        tls.keystore_password.expose(),
        tls.truststore_password.expose(),
    );
    assert_tree(&actual, &case_dir.join("expected"));
}

/// Every case folder has a test; a new folder without one fails here.
#[test]
fn every_case_folder_is_tested() {
    let mut found: Vec<String> = fs::read_dir(repo().join("tests/cases/golden"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    found.sort();
    let mut listed: Vec<String> = CASES.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(found, listed);
}

macro_rules! golden_cases {
    ($($name:ident),* $(,)?) => {
        const CASES: &[&str] = &[$(stringify!($name)),*];
        $( #[test] fn $name() { run_case(stringify!($name)); } )*
    };
}

golden_cases!(
    example_hybrid_single_node,
    example_hybrid_single_vm,
    example_hybrid_active_active,
    example_distributed,
    example_distributed_ha,
    aa_rsync_hazelcast_off,
    db_postgresql_ldap,
    db_mssql_jwt_none,
    db_oracle_pkcs12_encrypted,
    single_thrift_no_roots,
    dist_nfs_two_gateways,
    example_distributed_ha_public_gateway,
    single_private_ca_pkcs12,
);

/// A release pipeline rebuilding an unchanged profile gets the same bytes, stores included
/// (their random salts are kept when the previous store holds exactly the same entries).
#[test]
fn rebuilding_an_unchanged_profile_reproduces_the_bundle() {
    let dir = Scratch::new("reproducible");
    let src = repo().join("tests/cases/golden/db_oracle_pkcs12_encrypted/profile.toml");
    fs::copy(&src, dir.join("profile.toml")).unwrap();
    let bundle = golden_build(&dir, "profile.toml");
    let first: BTreeMap<_, _> = tree(&bundle).into_iter().collect();
    let bundle = golden_build(&dir, "profile.toml");
    assert_eq!(
        tree(&bundle).into_iter().collect::<BTreeMap<_, _>>(),
        first,
        "a rebuild changed the bundle"
    );

    // A new store password must produce new stores that open with it.
    let text = fs::read_to_string(&src)
        .unwrap()
        .replace("p12-trust-pw", "p12-trust-pw2");
    fs::write(dir.join("profile.toml"), text).unwrap();
    let bundle = golden_build(&dir, "profile.toml");
    let ts = "nodes/km-a/repository/resources/security/client-truststore.p12";
    let third: BTreeMap<_, _> = tree(&bundle).into_iter().collect();
    assert_ne!(third[ts], first[ts]);
    kmgen::keystore::summary(
        kmgen::keystore::StoreFormat::Pkcs12,
        &third[ts],
        "p12-trust-pw2",
    )
    .unwrap();
    let ks = "nodes/km-a/repository/resources/security/wso2carbon.p12";
    assert_eq!(
        third[ks], first[ks],
        "the keystore did not change and keeps its bytes"
    );
}
