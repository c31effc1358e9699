//! The generated bundle's own stores, checked by Java: for every cross-node call the plan
//! wires (URL host → node, or → every node behind a load balancer), a mutual-TLS handshake
//! with HTTPS hostname verification succeeds using only the caller's and callee's stores.
use crate::golden::golden_build;
use crate::support::{copy_tree, repo, Scratch};
use kmgen::plan::Plan;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const STRICT_JAVA: &str = "-Djava.security.properties=tests/java/strict-keystore.security";

/// Builds the example `profiles/<profile>` (with its secrets) in a scratch folder: the plan,
/// the bundle, and the folder, which holds the bundle until dropped.
pub fn build(profile: &str, case: &str) -> (Plan, PathBuf, Scratch) {
    let dir = Scratch::new(case);
    let src = repo().join("profiles");
    std::fs::copy(src.join(profile), dir.join("profile.toml")).unwrap();
    // The files example profiles name: secrets, and operators' example certificates.
    for folder in ["secrets", "example-only-certs"] {
        copy_tree(&src.join(folder), &dir.join(folder), &[]);
    }
    let bundle = golden_build(&dir, "profile.toml");
    let loaded = kmgen::load::load(&dir.join("profile.toml")).unwrap();
    (kmgen::plan::plan(&loaded.deployment), bundle, dir)
}

/// `scheme://host:port/...` → host.
fn url_host(url: &str) -> Option<&str> {
    let rest = url.split("://").nth(1)?;
    rest.split([':', '/']).next()
}

/// (caller, callee, host the caller uses) for every wired call between nodes.
pub(crate) fn calls(plan: &Plan) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for link in &plan.links {
        for part in link.value.split(',') {
            let part = part.trim_matches(|c| c == '{' || c == '}');
            let Some(host) = url_host(part) else { continue };
            for callee in &plan.nodes {
                let direct = callee.host == host;
                // A load balancer by that name routes to the callee (kmgen puts its name in
                // the callee's certificate; an operator's certificate must carry it too).
                let behind_lb = kmgen::topology::fronting(&plan.load_balancers, &callee.name)
                    .any(|lb| lb.host == host);
                if callee.name != link.from && (direct || behind_lb) {
                    out.insert((link.from.clone(), callee.name.to_string(), host.to_string()));
                }
            }
        }
    }
    out
}

pub(crate) fn handshakes(
    plan: &Plan,
    bundle: &Path,
    cases: &[(String, String, String)],
    truststore_of: impl Fn(&str) -> PathBuf,
) -> Vec<String> {
    let d = &plan.deployment;
    let node = |name: &str| plan.nodes.iter().find(|n| n.name == name).unwrap();
    let mut args: Vec<String> = vec![
        STRICT_JAVA.into(),
        "tests/java/TlsCheck.java".into(),
        "handshake".into(),
        match d.tls.format {
            kmgen::model::StoreFormat::Jks => "JKS".into(),
            kmgen::model::StoreFormat::Pkcs12 => "PKCS12".into(),
        },
        d.tls.keystore_password.expose().into(),
        d.tls.truststore_password.expose().into(),
    ];
    for (caller, callee, host) in cases {
        let (server, client) = (node(callee), node(caller));
        let path = |n: &kmgen::plan::PlannedNode, f: &str| {
            bundle
                .join("nodes")
                .join(&n.name)
                .join(f)
                .display()
                .to_string()
        };
        args.push(path(server, &server.keystore_file));
        args.push(path(server, &server.truststore_file));
        args.push(path(client, &client.keystore_file));
        args.push(truststore_of(caller).display().to_string());
        args.push(host.clone());
    }
    let out = Command::new("java")
        .args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run java ({e}): install a JDK (apt-get install -y default-jdk-headless)")
        });
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn every_wired_call_handshakes(profile: &str, case: &str, must_include: &[(&str, &str, &str)]) {
    let (plan, bundle, _dir) = build(profile, case);
    let cases: Vec<_> = calls(&plan).into_iter().collect();
    for (from, to, host) in must_include {
        assert!(
            cases
                .iter()
                .any(|c| c.0 == *from && c.1 == *to && c.2 == *host),
            "{profile}: expected a wired call {from} → {to} by {host}, found {cases:?}"
        );
    }
    assert_every_call_handshakes(&plan, &bundle, &cases);
}

/// Every call of `cases` completes its handshake with the caller's own truststore.
pub(crate) fn assert_every_call_handshakes(
    plan: &Plan,
    bundle: &Path,
    cases: &[(String, String, String)],
) {
    let lines = handshakes(plan, bundle, cases, |caller| {
        let n = plan.nodes.iter().find(|n| n.name == caller).unwrap();
        bundle.join("nodes").join(&n.name).join(&n.truststore_file)
    });
    assert_eq!(lines.len(), cases.len(), "{lines:?}");
    for (line, case) in lines.iter().zip(cases) {
        assert!(
            line.starts_with(&format!("OK {}", case.2)),
            "{case:?}: {line}"
        );
    }
}

#[test]
fn distributed_ha_every_caller_reaches_every_callee() {
    every_wired_call_handshakes(
        "distributed-ha.toml",
        "tls-dist-ha",
        &[
            ("publisher-1", "gw-manager", "gwm.acme.example"),
            ("gw-worker-1", "km-1", "km.acme.example"),
            ("gw-worker-2", "km-2", "km.acme.example"),
            ("km-1", "gw-worker-1", "gw.acme.example"),
            ("publisher-2", "tm-1", "tm.acme.example"),
            ("publisher-1", "tm-2", "tm.acme.example"),
            ("gw-worker-1", "tm-2", "tm2.acme.example"),
        ],
    );
}

#[test]
fn hybrid_active_active_every_caller_reaches_every_callee() {
    every_wired_call_handshakes(
        "hybrid-active-active.toml",
        "tls-aa",
        &[
            ("apim-1", "km-2", "km.acme.example"),
            ("km-1", "apim-2", "gw.acme.example"),
            ("apim-2", "apim-1", "apim1.acme.example"),
        ],
    );
}

#[test]
fn a_truststore_without_the_peer_fails_with_pkix() {
    // Another deployment with the same store passwords: its truststore lacks these nodes.
    let (plan, bundle, _dir) = build("distributed.toml", "tls-foreign");
    let (other, other_bundle, _other_dir) = build("hybrid-active-active.toml", "tls-foreign-other");
    let foreign = other_bundle.join("nodes/apim-1").join(
        &other
            .nodes
            .iter()
            .find(|n| n.name == "apim-1")
            .unwrap()
            .truststore_file,
    );
    let cases = vec![(
        "gateway".to_string(),
        "km".to_string(),
        "km.acme.example".to_string(),
    )];
    let lines = handshakes(&plan, &bundle, &cases, |_| foreign.clone());
    assert!(
        lines[0].starts_with("FAIL") && lines[0].contains("PKIX"),
        "{lines:?}"
    );
}
