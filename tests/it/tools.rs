//! The commands that build no bundle: `schema` (checked by an independent JSON Schema
//! validator, Python's jsonschema over tomllib), `init`, `completions` (bash, zsh, fish read
//! them) and `man` (groff renders it).
use crate::support::{repo, Kmgen, Scratch};
use std::fs;
use std::path::Path;
use std::process::Command;

/// Whether the tests run under CI, where every tool must be there.
fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// Whether `program args` runs; a missing tool fails under CI and is skipped with a note
/// elsewhere.
fn have(program: &str, args: &[&str], install: &str) -> bool {
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

const PATTERNS: [&str; 3] = ["hybrid-single-node", "hybrid-active-active", "distributed"];
const COMMANDS: [&str; 7] = [
    "build",
    "check",
    "plan",
    "schema",
    "init",
    "completions",
    "man",
];

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

/// Broken profiles: the independent validator rejects each for the broken key, and so does
/// `kmgen check` (exit 1), so the schema and kmgen agree.
#[test]
fn an_independent_validator_rejects_broken_profiles() {
    let good = fs::read_to_string(repo().join("profiles/hybrid-single-node.toml")).unwrap();
    let broken = [
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
    let dir = Scratch::new("schema-broken");
    let mut files = Vec::new();
    for (case, from, to, _) in &broken {
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
    for ((case, _, _, expected), verdict) in broken.iter().zip(&verdicts) {
        let prefix = format!("invalid {}: ", dir.join(format!("{case}.toml")).display());
        assert!(verdict.starts_with(&prefix), "{case}: {verdict}");
        assert!(verdict.contains(expected), "{case}: {verdict}");
    }
}

/// `kmgen init` prints a starter profile for each pattern that `kmgen check` accepts.
#[test]
fn init_writes_a_starter_that_passes_check() {
    let dir = Scratch::new("init");
    for p in PATTERNS {
        let out = Kmgen::new()
            .args(["init", "--pattern", p])
            .run()
            .success()
            .stderr_is("");
        assert!(
            out.stdout.starts_with("# A kmgen starter profile"),
            "{}",
            out.stdout
        );
        assert!(out.stdout.contains(&format!("pattern = \"{p}\"")));
        assert!(out.stdout.contains(&format!("name = \"{p}\"")));
        let file = dir.write(&format!("{p}.toml"), &out.stdout);
        let check = Kmgen::new().args(["check"]).args([&file]).run().success();
        assert!(check.stdout.contains("ok ("), "{}", check.stdout);
    }
    let named = Kmgen::new()
        .args(["init", "--pattern", "distributed", "--name", "acme-prod"])
        .run()
        .success();
    assert!(named.stdout.contains("name = \"acme-prod\""));
}

/// `-o FILE` writes the file; an existing file is refused (exit 1, untouched) unless
/// `--force`; a bad pattern or name is a usage error (exit 2).
#[test]
fn init_output_file_is_never_overwritten_unasked() {
    let dir = Scratch::new("init-file");
    let run = |args: &[&str]| {
        Kmgen::new()
            .current_dir(&dir)
            .args(["init"])
            .args(args)
            .run()
    };
    let out = run(&["--pattern", "hybrid-single-node", "-o", "p.toml"]).success();
    assert_eq!(out.stdout, "Wrote p.toml (hybrid-single-node).\n");
    Kmgen::new()
        .current_dir(&dir)
        .args(["check", "p.toml"])
        .run()
        .success();
    fs::write(dir.join("p.toml"), "mine\n").unwrap();
    let refused = run(&["--pattern", "distributed", "-o", "p.toml"]).failure(1);
    assert_eq!(
        refused.stderr,
        "error: `p.toml` exists\nhelp: choose another file with -o, or pass --force to replace it\n"
    );
    assert_eq!(fs::read_to_string(dir.join("p.toml")).unwrap(), "mine\n");
    run(&["--pattern", "distributed", "-o", "p.toml", "--force"]).success();
    let text = fs::read_to_string(dir.join("p.toml")).unwrap();
    assert!(text.contains("pattern = \"distributed\""));
    let bad = run(&["--pattern", "hybrid-singel"]).failure(2);
    assert!(
        bad.stderr
            .contains("[possible values: hybrid-single-node, hybrid-active-active, distributed]"),
        "{}",
        bad.stderr
    );
    let bad = run(&["--pattern", "distributed", "--name", "Acme"]).failure(2);
    assert!(
        bad.stderr
            .contains("invalid value 'Acme' for '--name <NAME>'"),
        "{}",
        bad.stderr
    );
}

/// Each shell's script names every command; bash and fish parse it, zsh's defines `_kmgen`.
#[test]
fn completions_for_bash_zsh_fish() {
    let dir = Scratch::new("completions");
    for shell in ["bash", "zsh", "fish"] {
        let out = Kmgen::new()
            .args(["completions", shell])
            .run()
            .success()
            .stderr_is("");
        for command in COMMANDS {
            assert!(out.stdout.contains(command), "{shell}: {command}");
        }
        let file = dir.write(&format!("kmgen.{shell}"), &out.stdout);
        let parse: &[&str] = match shell {
            "bash" => &["-n"],
            "fish" => &["--no-execute"],
            _ => &["-n"],
        };
        if !have(
            shell,
            &["-c", "true"],
            &format!("apt-get install -y {shell}"),
        ) {
            continue;
        }
        let status = Command::new(shell).args(parse).arg(&file).status().unwrap();
        assert!(status.success(), "{shell} cannot parse its completions");
    }
    let zsh = Kmgen::new().args(["completions", "zsh"]).run().success();
    assert!(zsh.stdout.starts_with("#compdef kmgen"));
    Kmgen::new().args(["completions", "tcsh"]).run().failure(2);
}

/// `kmgen man` and `kmgen man COMMAND` are pages groff renders without a warning.
#[test]
fn man_pages_render_with_groff() {
    let pages = [
        (None, "kmgen"),
        (Some("build"), "kmgen-build"),
        (Some("init"), "kmgen-init"),
    ];
    for (command, title) in pages {
        let out = Kmgen::new()
            .args(["man"])
            .args(command)
            .run()
            .success()
            .stderr_is("");
        assert!(
            out.stdout.contains(&format!(".TH {title} 1")),
            "{}",
            out.stdout
        );
        if !have("groff", &["--version"], "apt-get install -y groff-base") {
            continue;
        }
        let dir = Scratch::new("man");
        let page = dir.write(&format!("{title}.1"), &out.stdout);
        let text = Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(&page)
            .output()
            .unwrap();
        assert!(text.status.success());
        assert_eq!(String::from_utf8_lossy(&text.stderr), "", "{title}");
        // Plain text: no SGR escapes, no overstriking for bold or underline.
        let args = ["-man", "-Tascii", "-P-c", "-P-b", "-P-u", "-P-o"];
        let text = Command::new("groff")
            .args(args)
            .arg(&page)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout);
        if command.is_none() {
            for c in COMMANDS {
                assert!(text.contains(&format!("kmgen-{c}(1)")), "{c}: {text}");
            }
        }
    }
    let out = Kmgen::new().args(["man", "frobnicate"]).run().failure(1);
    assert_eq!(
        out.stderr,
        "error: kmgen has no command `frobnicate`\nhelp: see `kmgen --help` for the commands\n"
    );
}
