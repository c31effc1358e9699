//! `manifest.json`: every file of the bundle with its digest, node and kind; no secrets.
use super::OutputBytes;
use crate::model::{parallel, sha256_hex};
use crate::plan::Plan;
use serde::Serialize;

#[derive(Serialize)]
struct Manifest<'a> {
    tool: &'static str,
    version: &'static str,
    deployment: &'a str,
    pattern: &'static str,
    /// sha256 of the profile with its secrets masked (`Loaded::digest`).
    profile_sha256: &'a str,
    files: Vec<ManifestEntry<'a>>,
    /// Empty folders the bundle creates (the IS-KM custom sequence folders).
    dirs: Vec<String>,
}

#[derive(Serialize)]
struct ManifestEntry<'a> {
    path: &'a str,
    sha256: String,
    node: Option<&'a str>,
    kind: &'a str,
    /// Holds a secret or a private key (written 0600).
    private: bool,
}

/// Files this large are looked up among those already hashed (a comparison costs far less
/// than a SHA-256); the many small files are hashed directly.
const SHARED_SIZE: usize = 16 * 1024;

/// The manifest of `files` (every output before it, in plan order).
pub fn manifest(plan: &Plan, files: &[OutputBytes], profile_digest: &str) -> Vec<u8> {
    let mut digests = digests(files).into_iter();
    let m = Manifest {
        tool: "kmgen",
        version: env!("CARGO_PKG_VERSION"),
        deployment: &plan.deployment.name,
        pattern: plan.deployment.pattern.as_str(),
        profile_sha256: profile_digest,
        files: files
            .iter()
            .map(|(o, _)| ManifestEntry {
                path: &o.path,
                sha256: digests.next().expect("one digest per file"),
                node: o.node.as_deref(),
                kind: o.kind.as_str(),
                private: o.private,
            })
            .collect(),
        dirs: plan
            .nodes
            .iter()
            .flat_map(|n| n.dirs.iter().map(move |d| format!("nodes/{}/{d}", n.name)))
            .collect(),
    };
    let mut s = serde_json::to_vec_pretty(&m).expect("manifest serializes");
    s.push(b'\n');
    s
}

/// The SHA-256 of each file, hashed on every core. Every node's truststore is the same
/// file: each distinct large content is hashed once.
fn digests(files: &[OutputBytes]) -> Vec<String> {
    // (content, index in `hashed`) of the large files met so far.
    let mut seen: Vec<(&[u8], usize)> = Vec::new();
    // The contents to hash, and for each file the index of its content among them.
    let mut hashed: Vec<&[u8]> = Vec::new();
    let mut which: Vec<usize> = Vec::with_capacity(files.len());
    for (_, bytes) in files {
        let known = seen
            .iter()
            .find(|(b, _)| *b == bytes.as_slice())
            .map(|&(_, i)| i);
        which.push(known.unwrap_or_else(|| {
            if bytes.len() >= SHARED_SIZE {
                seen.push((bytes, hashed.len()));
            }
            hashed.push(bytes);
            hashed.len() - 1
        }));
    }
    let hex = parallel::map(&hashed, |bytes| sha256_hex(bytes));
    which.into_iter().map(|i| hex[i].clone()).collect()
}
