//! Write phase, `kmgen diff`: one node's files, computed as `build` makes them (keys reused
//! from the bundle's `pki/` when there is one), against an installed or unzipped pack: what
//! copying the node's folder (and its `secrets/<node>/` files) over it would change. XML files element by element, stores by
//! alias, other files as a unified diff; secrets masked as `build --check` masks them.
use super::compare::{show_value, store_diff, text_diff};
use super::{compute, xml_diff, Options, Phases};
use crate::error::Error;
use crate::plan::{FileKind, Output, Plan};
use crate::render::Templates;
use std::fs;
use std::path::Path;

/// What `kmgen diff` found.
pub struct NodeDiff {
    /// One entry per file that differs (or that the pack lacks), in plan order.
    pub changes: Vec<String>,
    /// The node's files.
    pub files: usize,
    /// The node's empty folders (the IS-KM custom sequence folders).
    pub folders: usize,
    /// Whether the keys were reused from a bundle's `pki/` (else made for this diff).
    pub reused_keys: bool,
}

/// Compares the files of node `node` (an index into `plan.nodes`) with `home`.
pub fn node_diff(
    plan: &Plan,
    templates: &Templates,
    opts: &Options,
    node: usize,
    home: &Path,
) -> Result<NodeDiff, Error> {
    if !home.is_dir() {
        return Err(Error::Read {
            path: home.to_path_buf(),
            source: std::io::Error::other("not a folder (give the pack's folder, PRODUCT_HOME)"),
        });
    }
    let target = opts.out_dir.join(&plan.deployment.name);
    let key_dir = target.join("pki");
    let reused_keys = key_dir.is_dir();
    let computed = compute(
        plan,
        templates,
        opts,
        &key_dir,
        &target,
        &mut Phases::start(),
        None,
    )?;
    // `nodes/<node>/`, and with Secure Vault `secrets/<node>/`: both go over the pack.
    let name = &plan.nodes[node].name;
    let mut changes = Vec::new();
    let mut files = 0;
    for (o, new) in &computed.files {
        let Some(rel) = o.pack_path(name) else {
            continue;
        };
        files += 1;
        let path = home.join(rel);
        let old = match fs::read(&path) {
            Ok(old) => old,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                changes.push(format!("new: {rel}"));
                continue;
            }
            Err(source) => return Err(Error::Read { path, source }),
        };
        if old != **new {
            changes.push(describe(plan, o, rel, name, &old, new));
        }
    }
    let dirs = &plan.nodes[node].dirs;
    for dir in dirs.iter().filter(|d| !home.join(d).is_dir()) {
        changes.push(format!("new folder: {dir}"));
    }
    Ok(NodeDiff {
        changes,
        files,
        folders: dirs.len(),
        reused_keys,
    })
}

/// How the pack's file `rel` differs from the node's, without showing a secret.
fn describe(plan: &Plan, o: &Output, rel: &str, node: &str, old: &[u8], new: &[u8]) -> String {
    match o.kind {
        FileKind::Keystore | FileKind::Truststore => {
            store_diff(plan, o.kind, rel, old, new, "in the pack")
        }
        _ => {
            if rel.ends_with(".xml") {
                let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
                if let (Ok(a), Ok(b)) = (xml_diff::parse(&text(old)), xml_diff::parse(&text(new))) {
                    let show = |name: &str, v: &str| show_value(plan, o.private, name, v);
                    let lines = xml_diff::diff(&a, &b, &show);
                    if lines.is_empty() {
                        return format!("{rel}: same elements (comments or layout differ)");
                    }
                    let body: Vec<String> = lines.iter().map(|l| format!("  {l}")).collect();
                    return format!("{rel}:\n{}", body.join("\n"));
                }
            }
            text_diff(
                plan,
                o.private,
                (&format!("{rel} (pack)"), old),
                (&format!("{rel} (node {node})"), new),
            )
            .unwrap_or_else(|| format!("{rel}: a secret changed"))
        }
    }
}
