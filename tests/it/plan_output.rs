//! `kmgen plan` and `kmgen check` on every example profile: the topology and the whole
//! bundle, file by file, pinned as snapshots (`tests/cases/plan/<profile>.{txt,json}`).
use crate::cli_support::{kmgen, repo, snapshot};
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
        for (format, ext) in [("human", "txt"), ("json", "json")] {
            let r = kmgen(repo(), &["plan", &profile, "--format", format], &[]);
            assert_eq!(r.code, Some(0), "{name} {format}: {}", r.stderr);
            let path = repo().join(format!("tests/cases/plan/{stem}.{ext}"));
            if let Err(e) = snapshot(&path, &r.stdout) {
                failures.push(e);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The plan's file list is the bundle: `build` writes exactly the files `plan` lists.
#[test]
fn build_writes_exactly_what_plan_lists() {
    let dir = crate::cli_support::Scratch::new("plan-vs-build");
    let profile = repo().join("profiles/distributed-ha.toml");
    let r = kmgen(
        repo(),
        &["plan", profile.to_str().unwrap(), "--format", "json"],
        &[],
    );
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let mut planned: Vec<String> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    planned.sort();
    let out = dir.join("out");
    let r = kmgen(
        repo(),
        &[
            "build",
            profile.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let mut written: Vec<String> = crate::cli_support::tree(&out.join("acme-dist-ha"))
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    written.sort();
    assert_eq!(planned, written);
}
