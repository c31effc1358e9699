//! `kmgen plan` on every example profile: the topology and the whole bundle, file by file,
//! pinned as snapshots (`tests/cases/plan/<profile>.{txt,json,mmd}`).
use crate::support::snapshot::compare;
use crate::support::{repo, tree, Kmgen, Scratch};
use std::fs;

fn example_profiles() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(repo().join("profiles"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    assert!(names.len() >= 5, "example profiles: {names:?}");
    names
}

#[test]
fn plan_lists_every_file_of_the_bundle() {
    let mut failures = Vec::new();
    for name in example_profiles() {
        let stem = name.trim_end_matches(".toml");
        let profile = format!("profiles/{name}");
        for (format, ext) in [("human", "txt"), ("json", "json"), ("mermaid", "mmd")] {
            let out = Kmgen::new()
                .current_dir(repo())
                .args(["plan", profile.as_str(), "--format", format])
                .run()
                .success();
            let path = repo().join(format!("tests/cases/plan/{stem}.{ext}"));
            if let Err(e) = compare(&path, &out.stdout) {
                failures.push(e);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The plan's file list is the bundle: `build` writes exactly the files `plan` lists.
#[test]
fn build_writes_exactly_what_plan_lists() {
    let dir = Scratch::new("plan-vs-build");
    let profile = repo().join("profiles/distributed-ha.toml");
    let profile = profile.to_str().unwrap();
    let out = Kmgen::new()
        .args(["plan", profile, "--format", "json"])
        .run()
        .success();
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let mut planned: Vec<String> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    planned.sort();
    let target = dir.path().join("out");
    Kmgen::new()
        .args(["build", profile, "-o", target.to_str().unwrap()])
        .run()
        .success();
    let mut written: Vec<String> = tree(&target.join("acme-dist-ha"))
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    written.sort();
    assert_eq!(planned, written);
}
