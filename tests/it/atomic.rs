//! A build either writes a whole bundle or changes nothing: failures at render time and in
//! the middle of writing leave the previous bundle byte-identical and no staging folder; a
//! folder kmgen did not write is replaced only with `--force`.
use std::fs;

use crate::support::cli::Output;
use crate::support::{hidden_entries, repo, tree, Kmgen, Scratch};

const NAME: &str = "acme-single";

/// A scratch folder holding `profile.toml` (the hybrid-single-node example).
fn setup() -> Scratch {
    let dir = Scratch::new("atomic");
    let text = fs::read_to_string(repo().join("profiles/hybrid-single-node.toml")).unwrap();
    dir.write("profile.toml", &text);
    dir
}

fn build(dir: &Scratch, extra: &[&str]) -> Output {
    Kmgen::new()
        .current_dir(dir)
        .args(["build", "profile.toml", "-o", "out"])
        .args(extra)
        .run()
}

fn build_ok(dir: &Scratch) -> Vec<(String, Vec<u8>)> {
    let r = build(dir, &[]).success();
    assert!(
        r.stdout
            .starts_with(&format!("Wrote out/{NAME} (2 nodes, ")),
        "{}",
        r.stdout
    );
    tree(&dir.join(format!("out/{NAME}")))
}

/// A profile change that every node's config files carry (user-mgt.xml, jndi.properties).
pub(crate) fn change_admin_password(dir: &Scratch) {
    let path = dir.join("profile.toml");
    let text = fs::read_to_string(&path).unwrap();
    let changed = text.replace(
        "password = \"Adm1n-secret\"",
        "password = \"Adm1n-secret-2\"",
    );
    assert_ne!(changed, text, "the profile sets the admin password");
    fs::write(path, changed).unwrap();
}

/// The bundle is exactly `before`, and `out/` holds nothing but it.
fn assert_unchanged(dir: &Scratch, before: &[(String, Vec<u8>)], what: &str) {
    let after = tree(&dir.join(format!("out/{NAME}")));
    let names = |t: &[(String, Vec<u8>)]| t.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&after),
        names(before),
        "{what}: the file list changed"
    );
    for ((path, old), (_, new)) in before.iter().zip(&after) {
        assert!(old == new, "{what}: {path} changed");
    }
    let entries: Vec<_> = fs::read_dir(dir.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != &format!(".{NAME}.lock"))
        .collect();
    assert_eq!(
        entries,
        [NAME],
        "{what}: out/ holds a staging or old folder"
    );
}

/// A `--templates` folder whose carbon.xml parses but cannot render, and a build with it
/// (and `extra`): it fails after validation, planning and key loading, naming the template.
fn build_with_unrenderable_carbon(dir: &Scratch, extra: &[&str]) {
    dir.write(
        "broken/common/repository/conf/carbon.xml",
        "<Server>{{ ctx.no_such_value }}</Server>\n",
    );
    let args: Vec<&str> = ["--templates", "broken"]
        .iter()
        .chain(extra)
        .copied()
        .collect();
    let r = build(dir, &args).failure(1).stdout_is("");
    assert!(
        r.stderr
            .starts_with("error: cannot render `common/repository/conf/carbon.xml`"),
        "{}",
        r.stderr
    );
}

#[test]
fn render_failure_leaves_the_previous_bundle_unchanged() {
    let dir = setup();
    let before = build_ok(&dir);
    build_with_unrenderable_carbon(&dir, &[]);
    assert_unchanged(&dir, &before, "render failure");
}

#[test]
fn render_failure_while_keys_are_generated_leaves_the_previous_bundle_unchanged() {
    let dir = setup();
    let before = build_ok(&dir);
    // New keys: the files that need none are staged while the keys are generated, and the
    // template fails there.
    build_with_unrenderable_carbon(&dir, &["--rotate-keys"]);
    assert_unchanged(&dir, &before, "render failure while generating keys");
}

#[test]
fn render_failure_on_a_fresh_target_leaves_nothing() {
    let dir = setup();
    build_with_unrenderable_carbon(&dir, &[]);
    let left: Vec<String> = tree(&dir.join("out")).into_iter().map(|f| f.0).collect();
    assert_eq!(left, [format!(".{NAME}.lock")], "left {left:?}");
}

#[test]
fn template_syntax_error_leaves_the_previous_bundle_unchanged() {
    let dir = setup();
    let before = build_ok(&dir);
    dir.write(
        "broken/is-km-5.7.0/repository/conf/registry.xml",
        "<Server>{% if %}</Server>\n",
    );
    let r = build(&dir, &["--templates", "broken"])
        .failure(1)
        .stdout_is("");
    assert!(
        r.stderr
            .starts_with("error: cannot render `is-km-5.7.0/repository/conf/registry.xml`"),
        "{}",
        r.stderr
    );
    assert_unchanged(&dir, &before, "template syntax error");
}

/// `kmgen build` with a file-size limit: the first file larger than `kib` KiB fails with
/// EFBIG in the middle of writing the staging folder.
fn build_with_file_size_limit(dir: &Scratch, kib: u32) -> Output {
    Kmgen::new()
        .current_dir(dir)
        .args(["build", "profile.toml", "-o", "out"])
        .file_size_limit_kib(kib)
        .run()
}

#[test]
fn write_failure_midway_leaves_the_previous_bundle_unchanged() {
    let dir = setup();
    let before = build_ok(&dir);
    let largest = before.iter().map(|f| f.1.len()).max().unwrap();
    let smallest = before.iter().map(|f| f.1.len()).min().unwrap();
    assert!(
        largest > 16 * 1024 && smallest < 8 * 1024,
        "bundle sizes changed: adjust the limit"
    );
    // A rebuild writes only files that change: change every node's files.
    change_admin_password(&dir);
    let r = build_with_file_size_limit(&dir, 8).failure(1).stdout_is("");
    let prefix = format!("error: cannot write `out/.{NAME}.staging-");
    assert!(r.stderr.starts_with(&prefix), "{}", r.stderr);
    assert!(r.stderr.contains("File too large"), "{}", r.stderr);
    // Files are written in path order: README.md is already in the staging folder when a
    // node's first large config file fails, so this is a failure in the middle.
    assert!(r.stderr.contains("/nodes/"), "{}", r.stderr);
    assert_unchanged(&dir, &before, "write failure");
    assert!(hidden_entries(&dir.join("out")).is_empty());
}

#[test]
fn write_failure_on_a_fresh_target_leaves_nothing() {
    let dir = setup();
    build_with_file_size_limit(&dir, 8).failure(1).stdout_is("");
    let out = dir.join("out");
    // Only the (empty) lock file of the output stays.
    let left: Vec<String> = tree(&out).into_iter().map(|f| f.0).collect();
    assert_eq!(left, [format!(".{NAME}.lock")], "left {left:?}");
}

#[test]
fn output_folder_that_is_a_file_is_an_error_and_left_alone() {
    let dir = setup();
    dir.write("out", "not a folder\n");
    let r = build(&dir, &[]).failure(1).stdout_is("");
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "error: cannot write `out`: exists and is not a folder\n"
    );
    assert_eq!(
        fs::read_to_string(dir.join("out")).unwrap(),
        "not a folder\n"
    );
    let mut names: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["out", "profile.toml"]);
}

#[test]
fn foreign_folder_is_refused_without_force_and_moved_aside_with_it() {
    let dir = setup();
    dir.write(&format!("out/{NAME}/notes.txt"), "mine\n");
    let r = build(&dir, &[]).failure(1).stdout_is("");
    assert_eq!(
        r.stderr,
        format!(
            "error: `out/{NAME}` exists and was not written by kmgen\n\
             help: kmgen replaces only bundles it wrote itself; choose another -o folder, move it away, or pass --force (which moves it aside, never deletes it)\n"
        )
    );
    assert_eq!(
        fs::read_to_string(dir.join(format!("out/{NAME}/notes.txt"))).unwrap(),
        "mine\n"
    );

    // A file in the bundle's place is just as foreign.
    let dir2 = setup();
    dir2.write(&format!("out/{NAME}"), "a file\n");
    build(&dir2, &[]).failure(1).stderr_contains("--force");
    assert_eq!(
        fs::read_to_string(dir2.join(format!("out/{NAME}"))).unwrap(),
        "a file\n"
    );

    let r = build(&dir, &["--force"]).success();
    assert!(
        r.stderr.contains("note: moved what kmgen did not write"),
        "{}",
        r.stderr
    );
    let bundle = dir.join(format!("out/{NAME}"));
    assert!(!bundle.join("notes.txt").exists());
    assert!(bundle.join(".kmgen-bundle").exists());
    assert!(hidden_entries(&dir.join("out")).is_empty());
    let aside = only_foreign_folder(&dir);
    assert_eq!(
        fs::read_to_string(aside.join("notes.txt")).unwrap(),
        "mine\n"
    );
}

/// The one `out/<name>.foreign-<time>` folder.
fn only_foreign_folder(dir: &Scratch) -> std::path::PathBuf {
    let aside: Vec<_> = fs::read_dir(dir.join("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("{NAME}.foreign-"))
        })
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    aside[0].clone()
}

#[test]
fn a_rebuild_refuses_files_kmgen_did_not_write_and_force_keeps_them() {
    let dir = setup();
    build_ok(&dir);
    let bundle = dir.join(format!("out/{NAME}"));
    fs::write(bundle.join("stray.txt"), "left by hand\n").unwrap();
    fs::create_dir_all(bundle.join("nodes/apim/mine")).unwrap();
    fs::write(bundle.join("nodes/apim/mine/notes.md"), "notes\n").unwrap();
    let r = build(&dir, &[]).failure(1);
    assert_eq!(
        r.stderr,
        format!(
            "error: `out/{NAME}` holds files kmgen did not write: nodes/apim/mine, stray.txt\n\
             help: kmgen deletes only what its previous manifest lists; move these files out of the bundle, or pass --force to move them aside\n"
        )
    );
    assert!(bundle.join("stray.txt").exists());
    build(&dir, &["--force"]).success();
    assert!(!bundle.join("stray.txt").exists());
    let aside = only_foreign_folder(&dir);
    assert_eq!(
        fs::read_to_string(aside.join("stray.txt")).unwrap(),
        "left by hand\n"
    );
    assert_eq!(
        fs::read_to_string(aside.join("nodes/apim/mine/notes.md")).unwrap(),
        "notes\n"
    );
}

#[test]
fn second_build_replaces_a_kmgen_bundle() {
    let dir = setup();
    let first = build_ok(&dir);
    let bundle = dir.join(format!("out/{NAME}"));
    fs::write(
        bundle.join("nodes/apim/repository/conf/carbon.xml"),
        "edited\n",
    )
    .unwrap();
    let second = build_ok(&dir);
    assert!(hidden_entries(&dir.join("out")).is_empty());
    let carbon = |t: &[(String, Vec<u8>)]| {
        t.iter()
            .find(|f| f.0 == "nodes/apim/repository/conf/carbon.xml")
            .map(|f| f.1.clone())
            .unwrap()
    };
    assert_eq!(
        carbon(&second),
        carbon(&first),
        "carbon.xml was rendered again"
    );
    // The keys and certificates of the first build are reused.
    for (path, bytes) in first.iter().filter(|f| f.0.starts_with("pki/")) {
        let now = second.iter().find(|f| &f.0 == path).expect(path);
        assert!(&now.1 == bytes, "{path} changed");
    }
    // The manifest lists exactly the files of the bundle (besides itself and the marker).
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(bundle.join("manifest.json")).unwrap()).unwrap();
    let mut listed: Vec<String> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    listed.extend([".kmgen-bundle".to_string(), "manifest.json".to_string()]);
    listed.sort();
    let on_disk: Vec<String> = second.iter().map(|f| f.0.clone()).collect();
    assert_eq!(listed, on_disk);
}
