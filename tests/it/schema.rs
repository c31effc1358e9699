//! `kmgen schema`: the published schema is its output, the examples point to it, and an
//! independent JSON Schema validator (Python's jsonschema over tomllib) accepts the examples
//! and starters and rejects broken profiles, as `kmgen check` does; taplo (Even Better
//! TOML's engine) finds the schema through the examples' `#:schema` line.
use crate::support::tools::{ci, have};
use crate::support::{repo, Kmgen, Scratch};
use crate::tools::PATTERNS;
use std::fs;
use std::path::Path;
use std::process::Command;

fn example_profiles() -> Vec<std::path::PathBuf> {
    let mut found: Vec<_> = fs::read_dir(repo().join("profiles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    found.sort();
    assert!(found.len() >= 5, "{found:?}");
    found
}

/// The published schema is `kmgen schema`'s output, so it cannot go stale, and every
/// example profile points its editor at it.
#[test]
fn schema_command_prints_the_published_schema() {
    let out = Kmgen::new().args(["schema"]).run().success().stderr_is("");
    let published = fs::read_to_string(repo().join("schema/kmgen-profile.schema.json")).unwrap();
    assert!(
        out.stdout == published,
        "schema/kmgen-profile.schema.json is stale: kmgen schema > schema/kmgen-profile.schema.json"
    );
    let schema: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    for profile in example_profiles() {
        let text = fs::read_to_string(&profile).unwrap();
        let first = text.lines().next().unwrap_or_default();
        assert_eq!(
            first, "#:schema ../schema/kmgen-profile.schema.json",
            "{profile:?}"
        );
    }
}

/// Runs `tests/schema/validate.py` (jsonschema, not kmgen) on `files`: one verdict each.
fn validate(files: &[&Path]) -> Option<Vec<String>> {
    let import = ["-c", "import jsonschema, tomllib"];
    if !have("python3", &import, "apt-get install -y python3-jsonschema") {
        return None;
    }
    let out = Command::new("python3")
        .arg(repo().join("tests/schema/validate.py"))
        .arg(repo().join("schema/kmgen-profile.schema.json"))
        .args(files)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    let mut lines = stdout.lines().map(String::from);
    assert_eq!(lines.next().as_deref(), Some("draft Draft7Validator"));
    Some(lines.collect())
}

/// Every example profile and every starter profile is valid under an independent validator.
#[test]
fn an_independent_validator_accepts_the_examples_and_starters() {
    let dir = Scratch::new("schema-valid");
    let mut files = example_profiles();
    for p in PATTERNS {
        let starter = Kmgen::new().args(["init", "--pattern", p]).run().success();
        files.push(dir.write(&format!("{p}.toml"), &starter.stdout));
    }
    let paths: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    let Some(verdicts) = validate(&paths) else {
        return;
    };
    let want: Vec<String> = files
        .iter()
        .map(|f| format!("valid {}", f.display()))
        .collect();
    assert_eq!(verdicts, want);
}

/// Broken copies of `profiles/hybrid-single-node.toml`: (case, text, its replacement, what
/// Python's jsonschema says about it).
const BROKEN: [(&str, &str, &str, &str); 9] = [
    (
        "unknown-key",
        "pattern = \"hybrid-single-node\"",
        "pattern = \"hybrid-single-node\"\nflavour = \"x\"",
        "deployment: Additional properties",
    ),
    (
        "unknown-table",
        "[admin]",
        "[frobnicate]\nx = 1\n\n[admin]",
        ": Additional properties",
    ),
    (
        "wrong-enum",
        "pattern = \"hybrid-single-node\"",
        "pattern = \"hybrid-singel\"",
        "deployment/pattern: 'hybrid-singel' is not one of",
    ),
    (
        "wrong-type",
        "key_bits = 2048",
        "key_bits = \"2048\"",
        "tls/key_bits: '2048' is not of type 'integer'",
    ),
    (
        "unsupported-key-size",
        "key_bits = 2048",
        "key_bits = 1024",
        "tls/key_bits: 1024 is not one of",
    ),
    (
        "missing-required",
        "role = \"key-manager\"\n",
        "",
        "node/0: 'role' is a required property",
    ),
    (
        "port-out-of-range",
        "# port = 3306 is the default for mysql",
        "port = 70000",
        "database/port: 70000 is greater than the maximum of 65535",
    ),
    (
        "secret-bad-key",
        "password = \"um-db-Secret\"",
        "password = { value = \"x\" }",
        "database/um/password: {'value': 'x'} is not valid under any of the given schemas",
    ),
    (
        "bad-name",
        "name = \"acme-single\"",
        "name = \"Acme Single\"",
        "deployment/name: 'Acme Single' does not match",
    ),
];

/// Broken profiles: the independent validator rejects each for the broken key, and so does
/// `kmgen check` (exit 1), so the schema and kmgen agree.
#[test]
fn an_independent_validator_rejects_broken_profiles() {
    let good = fs::read_to_string(repo().join("profiles/hybrid-single-node.toml")).unwrap();
    let dir = Scratch::new("schema-broken");
    let mut files = Vec::new();
    for (case, from, to, _) in &BROKEN {
        assert!(good.contains(from), "{case}");
        let text = good.replacen(from, to, 1);
        let file = dir.write(&format!("{case}.toml"), &text);
        Kmgen::new().args(["check"]).args([&file]).run().failure(1);
        files.push(file);
    }
    let paths: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    let Some(verdicts) = validate(&paths) else {
        return;
    };
    for ((case, _, _, expected), verdict) in BROKEN.iter().zip(&verdicts) {
        let prefix = format!("invalid {}: ", dir.join(format!("{case}.toml")).display());
        assert!(verdict.starts_with(&prefix), "{case}: {verdict}");
        assert!(verdict.contains(expected), "{case}: {verdict}");
    }
}

/// taplo (the engine of Even Better TOML), installed in tests/js, finds the schema through
/// each profile's `#:schema` line, relative to the profile: the examples pass its check and
/// every broken copy beside them fails it.
#[test]
fn taplo_follows_the_schema_directive() {
    let taplo = repo().join("tests/js/node_modules/.bin/taplo");
    if !taplo.exists() {
        let missing = "taplo is not installed in tests/js (cd tests/js && npm ci)";
        assert!(!ci(), "{missing}, under CI");
        eprintln!("NOTE: {missing}: the #:schema directive was NOT followed");
        return;
    }
    let dir = Scratch::new("taplo");
    fs::create_dir_all(dir.join("schema")).unwrap();
    let published = repo().join("schema/kmgen-profile.schema.json");
    fs::copy(published, dir.join("schema/kmgen-profile.schema.json")).unwrap();
    let good = fs::read_to_string(repo().join("profiles/hybrid-single-node.toml")).unwrap();
    let mut examples = Vec::new();
    for profile in example_profiles() {
        let name = format!(
            "profiles/{}",
            profile.file_name().unwrap().to_string_lossy()
        );
        fs::create_dir_all(dir.join("profiles")).unwrap();
        fs::copy(&profile, dir.join(&name)).unwrap();
        examples.push(name);
    }
    let check = |files: &[String]| {
        let out = Command::new(&taplo)
            .args(["check", "--colors", "never"])
            .args(files)
            .current_dir(&dir)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, stderr) = check(&examples);
    assert!(ok, "{stderr}");
    let mut broken = Vec::new();
    for (case, from, to, _) in &BROKEN {
        let name = format!("profiles/{case}.toml");
        fs::write(dir.join(&name), good.replacen(from, to, 1)).unwrap();
        broken.push(name);
    }
    // One run for all (taplo reports each invalid file on a line of its own).
    let (ok, stderr) = check(&broken);
    assert!(!ok, "taplo accepted them: {stderr}");
    for name in &broken {
        let path = format!("path=\"{}\"", dir.join(name).display());
        let invalid = stderr
            .lines()
            .any(|l| l.contains("schema validation failed") && l.contains(&path));
        assert!(invalid, "{name}: {stderr}");
    }
}
