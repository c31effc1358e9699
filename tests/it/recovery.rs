//! Never lose a key or a file (issue 10): crashes at every point of a build are put right
//! by the next build, leftovers are cleaned, builds of one output take turns, inputs never
//! live inside the output, secrets are 0600 whatever the umask, output errors are errors.
use crate::support::cli::Output;
use crate::support::{hidden_entries, repo, tree, Kmgen, Scratch};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const NAME: &str = "acme-single";

fn setup() -> Scratch {
    let dir = Scratch::new("recovery");
    let text = fs::read_to_string(repo().join("profiles/hybrid-single-node.toml")).unwrap();
    dir.write("profile.toml", &text);
    dir
}

fn build(dir: &Scratch, failpoint: Option<&str>) -> Output {
    let k = Kmgen::new()
        .current_dir(dir)
        .args(["build", "profile.toml", "-o", "out"]);
    match failpoint {
        Some(f) => k.env("KMGEN_FAILPOINT", f).run(),
        None => k.run(),
    }
}

/// The private keys of the bundle, by file name.
fn keys(bundle: &Path) -> Vec<(String, Vec<u8>)> {
    tree(&bundle.join("pki/keys"))
}

fn out_entries(dir: &Scratch) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".lock"))
        .collect();
    v.sort();
    v
}

#[test]
fn a_crash_between_the_two_renames_is_finished_with_the_same_keys() {
    let dir = setup();
    build(&dir, None).success();
    let bundle = dir.join(format!("out/{NAME}"));
    let before = keys(&bundle);
    crate::atomic::change_admin_password(&dir);
    let crashed = build(&dir, Some("swap-between-renames"));
    assert_eq!(crashed.code, Some(86), "{}", crashed.stderr);
    assert!(!bundle.exists(), "the crash left the bundle aside");
    let r = build(&dir, None).success();
    assert!(
        r.stderr.contains("note: finished an interrupted build"),
        "{}",
        r.stderr
    );
    assert_eq!(keys(&bundle), before, "the primary keys changed");
    assert_eq!(out_entries(&dir), [NAME]);
}

#[test]
fn a_crash_while_staging_a_rebuild_keeps_the_bundle_and_cleans_up() {
    let dir = setup();
    build(&dir, None).success();
    let bundle = dir.join(format!("out/{NAME}"));
    let before = tree(&bundle);
    crate::atomic::change_admin_password(&dir);
    let crashed = build(&dir, Some("staged-manifest"));
    assert_eq!(crashed.code, Some(86));
    assert_eq!(tree(&bundle), before, "the crash changed the bundle");
    assert_eq!(
        hidden_entries(&dir.join("out")).len(),
        1,
        "a staging folder is left"
    );
    build(&dir, None).success();
    assert_eq!(keys(&bundle), keys_of(&before));
    assert!(hidden_entries(&dir.join("out")).is_empty());
}

fn keys_of(t: &[(String, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
    t.iter()
        .filter_map(|(p, b)| {
            p.strip_prefix("pki/keys/")
                .map(|n| (n.to_string(), b.clone()))
        })
        .collect()
}

#[test]
fn a_first_build_killed_while_writing_leaves_keys_that_the_next_build_reuses() {
    let dir = setup();
    let crashed = build(&dir, Some("staged-manifest"));
    assert_eq!(crashed.code, Some(86));
    let staging = hidden_entries(&dir.join("out"));
    assert_eq!(staging.len(), 1);
    let staged_keys = keys(&dir.join("out").join(&staging[0]));
    assert!(!staged_keys.is_empty());
    let r = build(&dir, None).success();
    assert!(
        r.stderr
            .contains("note: reusing the keys of an unfinished build"),
        "{}",
        r.stderr
    );
    assert_eq!(keys(&dir.join(format!("out/{NAME}"))), staged_keys);
    assert_eq!(out_entries(&dir), [NAME]);
}

#[test]
fn a_crash_after_the_swap_leaves_only_a_stale_old_folder_that_is_removed() {
    let dir = setup();
    build(&dir, None).success();
    crate::atomic::change_admin_password(&dir);
    let crashed = build(&dir, Some("swap-done"));
    assert_eq!(crashed.code, Some(86));
    assert_eq!(
        hidden_entries(&dir.join("out")).len(),
        1,
        "the old bundle is left"
    );
    build(&dir, None).success();
    assert_eq!(out_entries(&dir), [NAME]);
}

#[test]
fn leftovers_of_many_crashes_are_removed() {
    let dir = setup();
    build(&dir, None).success();
    for i in 0..5 {
        let staging = dir.join(format!("out/.{NAME}.staging-{}", 90000 + i));
        fs::create_dir_all(staging.join("nodes")).unwrap();
        fs::write(staging.join("nodes/secret.xml"), "password").unwrap();
        fs::create_dir_all(dir.join(format!("out/.{NAME}.old-{}", 91000 + i))).unwrap();
    }
    build(&dir, None).success();
    assert!(hidden_entries(&dir.join("out")).is_empty());
}

#[test]
fn builds_of_one_output_take_turns() {
    let dir = setup();
    let exe = env!("CARGO_BIN_EXE_kmgen");
    let spawn = || {
        std::process::Command::new(exe)
            .current_dir(&dir)
            .args(["build", "profile.toml", "-o", "out"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let children: Vec<_> = (0..4).map(|_| spawn()).collect();
    let mut keys_seen = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(!stderr.contains("Directory not empty"), "{stderr}");
        keys_seen.push(keys(&dir.join(format!("out/{NAME}"))));
    }
    assert!(
        keys_seen.windows(2).all(|w| w[0] == w[1]),
        "keys changed between builds"
    );
    assert_eq!(out_entries(&dir), [NAME]);
}

#[test]
fn a_profile_or_secret_inside_the_bundle_folder_is_refused() {
    let dir = setup();
    build(&dir, None).success();
    let bundle = dir.join(format!("out/{NAME}"));
    let text = fs::read_to_string(dir.join("profile.toml")).unwrap();
    fs::write(bundle.join("profile.toml"), &text).unwrap();
    let r = Kmgen::new()
        .current_dir(&dir)
        .args([
            "build",
            &format!("out/{NAME}/profile.toml"),
            "-o",
            "out",
            "--force",
        ])
        .run()
        .failure(1);
    assert!(r.stderr.contains("which the build reads"), "{}", r.stderr);
    assert!(
        bundle.join("profile.toml").exists(),
        "the profile was moved or deleted"
    );
}

#[test]
fn secrets_are_private_and_folders_not_writable_by_others_under_umask_000() {
    let dir = setup();
    let status = std::process::Command::new("sh")
        .current_dir(&dir)
        .args([
            "-c",
            "umask 000 && exec \"$0\" build profile.toml -o out",
            env!("CARGO_BIN_EXE_kmgen"),
        ])
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let bundle = dir.join(format!("out/{NAME}"));
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(bundle.join("manifest.json")).unwrap()).unwrap();
    for f in manifest["files"].as_array().unwrap() {
        let path = bundle.join(f["path"].as_str().unwrap());
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        let want = if f["private"].as_bool().unwrap() {
            0o600
        } else {
            0o644
        };
        assert_eq!(mode, want, "{}", path.display());
        if f["private"].as_bool().unwrap() {
            let parent = fs::metadata(path.parent().unwrap()).unwrap();
            assert_eq!(
                parent.permissions().mode() & 0o777,
                0o700,
                "{}",
                path.display()
            );
        }
    }
    let mut stack = vec![bundle.clone()];
    while let Some(d) = stack.pop() {
        let mode = fs::metadata(&d).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode & 0o022,
            0,
            "{} is writable by others ({mode:o})",
            d.display()
        );
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
}

#[test]
fn writing_to_a_full_stdout_is_an_error() {
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kmgen"))
        .current_dir(repo())
        .args(["plan", "profiles/distributed-ha.toml"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: cannot write the output"),
        "{stderr}"
    );
}

#[test]
fn a_deleted_primary_key_is_refused_not_regenerated() {
    let dir = setup();
    build(&dir, None).success();
    let bundle = dir.join(format!("out/{NAME}"));
    let before = tree(&bundle);
    fs::remove_file(bundle.join("pki/keys/apim.key.pem")).unwrap();
    let r = build(&dir, None).failure(1);
    assert!(
        r.stderr.contains("the primary key `apim` is missing"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("pki/keys/apim.key.pem"), "{}", r.stderr);
    assert!(r.stderr.contains("--rotate-keys"), "{}", r.stderr);
    let after = tree(&bundle);
    assert_eq!(after.len(), before.len() - 1, "nothing else changed");
}

#[test]
fn a_different_key_dropped_into_pki_is_refused() {
    let dir = setup();
    build(&dir, None).success();
    let bundle = dir.join(format!("out/{NAME}"));
    // Another valid RSA key of the same size: the IS-KM key in the API-M key's place.
    fs::copy(
        bundle.join("pki/keys/is-km.key.pem"),
        bundle.join("pki/keys/apim.key.pem"),
    )
    .unwrap();
    let r = build(&dir, None).failure(1);
    assert!(r.stderr.contains("is not the key of"), "{}", r.stderr);
    assert!(r.stderr.contains("pki/certs/apim.crt.pem"), "{}", r.stderr);
}

#[test]
fn a_key_folder_others_can_write_is_refused() {
    let dir = setup();
    build(&dir, None).success();
    let keys = dir.join(format!("out/{NAME}/pki/keys"));
    fs::set_permissions(&keys, fs::Permissions::from_mode(0o777)).unwrap();
    let r = build(&dir, None).failure(1);
    assert!(
        r.stderr.contains("can be written by other users"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("chmod go-w"), "{}", r.stderr);
}

#[test]
fn rotated_keys_are_kept_dated_and_carried_forward() {
    let dir = setup();
    build(&dir, None).success();
    let bundle = dir.join(format!("out/{NAME}"));
    let old_key = fs::read(bundle.join("pki/keys/apim.key.pem")).unwrap();
    let text = fs::read_to_string(dir.join("profile.toml")).unwrap();
    let bigger = if text.contains("key_bits") {
        text.replace("key_bits = 2048", "key_bits = 3072")
    } else {
        text.replace("[tls]", "[tls]\nkey_bits = 3072")
    };
    assert_ne!(bigger, text, "the profile has a [tls] table");
    fs::write(dir.join("profile.toml"), bigger).unwrap();
    build(&dir, None)
        .failure(1)
        .stderr_contains("--rotate-keys");
    let r = Kmgen::new()
        .current_dir(&dir)
        .args(["build", "profile.toml", "-o", "out", "--rotate-keys"])
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .run()
        .success();
    assert!(
        r.stderr.contains("pki/rotated-20231114T221320Z"),
        "{}",
        r.stderr
    );
    let rotated = bundle.join("pki/rotated-20231114T221320Z");
    assert_eq!(
        fs::read(rotated.join("keys/apim.key.pem")).unwrap(),
        old_key
    );
    assert!(rotated.join("certs/apim.crt.pem").exists());
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&rotated.join("keys")), 0o700);
    assert_eq!(mode(&rotated.join("keys/apim.key.pem")), 0o600);
    // The next build keeps them.
    build(&dir, None).success();
    assert_eq!(
        fs::read(rotated.join("keys/apim.key.pem")).unwrap(),
        old_key
    );
}
