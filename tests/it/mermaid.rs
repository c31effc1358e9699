//! The topology diagram (`kmgen plan --format mermaid`, the bundle README's ```mermaid
//! block) parses in Mermaid's own parser (`tests/js/parse.mjs`, mermaid + jsdom installed by
//! `.ci/run` with `npm ci`), and the parser rejects a broken diagram, so the check can fail.
use crate::support::tools::{ci, have};
use crate::support::{repo, Kmgen, Scratch};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Mermaid's verdict on each file (`ok FILE flowchart-v2` or `error FILE: ...`); `None`
/// where node or the npm packages are missing (outside CI).
fn parse(files: &[PathBuf]) -> Option<Vec<String>> {
    let js = repo().join("tests/js");
    if !have("node", &["--version"], "apt-get install -y nodejs") {
        return None;
    }
    let installed = js.join("node_modules/mermaid/package.json").exists()
        && js.join("node_modules/jsdom/package.json").exists();
    if !installed {
        let missing = "mermaid and jsdom are not installed in tests/js (cd tests/js && npm ci)";
        assert!(!ci(), "{missing}, under CI");
        eprintln!("NOTE: {missing}: the diagrams were NOT parsed");
        return None;
    }
    let out = Command::new("node")
        .arg(js.join("parse.mjs"))
        .args(files)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    Some(stdout.lines().map(String::from).collect())
}

/// The ```mermaid block of a README.
fn mermaid_block(readme: &str) -> String {
    let start = readme.find("```mermaid\n").expect("a mermaid block") + "```mermaid\n".len();
    let len = readme[start..].find("```").expect("the block ends");
    readme[start..start + len].to_string()
}

fn example_profiles() -> Vec<PathBuf> {
    let mut found: Vec<_> = fs::read_dir(repo().join("profiles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    found.sort();
    found
}

/// Every example's diagram, as `plan` prints it and as each golden bundle's README holds it,
/// is a flowchart Mermaid parses; a diagram with an unclosed label and one with a dangling
/// arrow are errors.
#[test]
fn mermaid_parses_every_topology_diagram() {
    let dir = Scratch::new("mermaid");
    let mut files = Vec::new();
    for profile in example_profiles() {
        let out = Kmgen::new()
            .args(["plan", "--format", "mermaid"])
            .args([&profile])
            .run()
            .success();
        assert!(out.stdout.starts_with("flowchart LR\n"));
        let name = profile.file_stem().unwrap().to_string_lossy().into_owned();
        files.push(dir.write(&format!("{name}.mmd"), &out.stdout));
    }
    let goldens = repo().join("tests/cases/golden");
    let mut cases: Vec<_> = fs::read_dir(&goldens)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    for case in cases {
        let readme = fs::read_to_string(case.join("expected/README.md")).unwrap();
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        files.push(dir.write(&format!("{name}-readme.mmd"), &mermaid_block(&readme)));
    }
    let good = files.len();
    let broken = Kmgen::new()
        .args(["plan", "--format", "mermaid"])
        .args([repo().join("profiles/distributed.toml")])
        .run()
        .success()
        .stdout;
    files.push(dir.write("unclosed-label.mmd", &broken.replacen("|\"", "|", 1)));
    files.push(dir.write("dangling-arrow.mmd", &format!("{broken}  n_km -->\n")));
    let Some(verdicts) = parse(&files) else {
        return;
    };
    assert_eq!(verdicts.len(), files.len(), "{verdicts:#?}");
    for (file, verdict) in files.iter().zip(&verdicts).take(good) {
        assert_eq!(verdict, &format!("ok {} flowchart-v2", file.display()));
    }
    for (file, verdict) in files.iter().zip(&verdicts).skip(good) {
        let prefix = format!("error {}: Parse error", file.display());
        assert!(verdict.starts_with(&prefix), "{verdict}");
    }
}

/// Every edge joins declared boxes, every node and load balancer of the plan takes part in
/// a call, and each load balancer has an edge to each of its backends.
#[test]
fn edges_join_declared_boxes_and_cover_the_plan() {
    for profile in example_profiles() {
        let run = |format: &str| {
            Kmgen::new()
                .args(["plan", "--format", format])
                .args([&profile])
                .run()
                .success()
                .stdout
        };
        let diagram = run("mermaid");
        let plan: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
        let declared: Vec<&str> = diagram
            .lines()
            .filter_map(|l| l.trim().split_once('[').map(|(id, _)| id))
            .filter(|id| !id.contains(' '))
            .chain(
                diagram
                    .lines()
                    .filter_map(|l| l.trim().split_once("[(").map(|(id, _)| id)),
            )
            .collect();
        let edges: Vec<(&str, &str)> = diagram
            .lines()
            .filter(|l| l.contains("-->|"))
            .map(|l| {
                let mut words = l.split_whitespace();
                (words.next().unwrap(), words.next_back().unwrap())
            })
            .collect();
        for (from, to) in &edges {
            assert!(
                declared.contains(from) && declared.contains(to),
                "{profile:?}: {from} {to}"
            );
        }
        let id = |name: &str| name.replace('-', "_");
        for n in plan["nodes"].as_array().unwrap() {
            let n = format!("n_{}", id(n["name"].as_str().unwrap()));
            assert!(
                edges.iter().any(|(f, t)| *f == n || *t == n),
                "{profile:?}: {n}"
            );
        }
        for lb in plan["load_balancers"].as_array().unwrap() {
            let from = id(lb["id"].as_str().unwrap());
            for r in lb["routes"].as_array().unwrap() {
                for b in r["backends"].as_array().unwrap() {
                    let to = format!("n_{}", id(b["node"].as_str().unwrap()));
                    assert!(edges.contains(&(from.as_str(), to.as_str())), "{from} {to}");
                }
            }
        }
    }
}

/// The README's diagram is the one `kmgen plan --format mermaid` prints for its profile.
#[test]
fn the_readme_holds_the_plan_diagram() {
    let profile = repo().join("profiles/hybrid-active-active.toml");
    let plan = Kmgen::new()
        .args(["plan", "--format", "mermaid"])
        .args([&profile])
        .run()
        .success();
    let readme = golden_readme("example_hybrid_active_active");
    assert_eq!(mermaid_block(&readme), plan.stdout);
}

fn golden_readme(case: &str) -> String {
    let path: &Path = &repo().join("tests/cases/golden").join(case);
    fs::read_to_string(path.join("expected/README.md")).unwrap()
}
