//! The commands that build nothing from a profile: `init` (a starter `check` accepts),
//! `completions` (bash, zsh and fish parse them) and `man` (groff renders it).
use crate::support::tools::have;
use crate::support::{repo, Kmgen, Scratch};
use std::fs;
use std::process::Command;

pub const PATTERNS: [&str; 3] = ["hybrid-single-node", "hybrid-active-active", "distributed"];
const COMMANDS: [&str; 7] = [
    "build",
    "check",
    "plan",
    "schema",
    "init",
    "completions",
    "man",
];

/// `kmgen init` prints a starter profile for each pattern that `kmgen check` accepts.
#[test]
fn init_writes_a_starter_that_passes_check() {
    let dir = Scratch::new("init");
    for p in PATTERNS {
        let snapshot = repo().join(format!("tests/cases/cli/init-{p}.toml"));
        let out = Kmgen::new()
            .args(["init", "--pattern", p])
            .run()
            .success()
            .stderr_is("")
            .stdout_snapshot(snapshot);
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

/// Each new command's help (the README's table lists the same commands).
#[test]
fn tool_commands_help() {
    for command in ["schema", "init", "completions", "man"] {
        let snapshot = repo().join(format!("tests/cases/cli/{command}-help.stdout"));
        Kmgen::new()
            .args([command, "--help"])
            .run()
            .success()
            .stderr_is("")
            .stdout_snapshot(snapshot);
        let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
        assert!(readme.contains(&format!("| `kmgen {command}")), "{command}");
    }
}
