//! Comparing a computed bundle with the one on disk: what `build --check` reports, and how
//! a rebuild knows it has nothing to write. Secrets never appear: text diffs mask every
//! secret value of the deployment, stores are compared by their entries, keys by identity.
use super::diff;
use super::OutputBytes;
use crate::error::Error;
use crate::keystore;
use crate::model::parallel;
use crate::plan::{FileKind, Output, Plan};
use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// A computed bundle against the one on disk.
pub struct Comparison {
    /// One line (or a diff) per stale file; empty when `target` holds exactly the files.
    pub stale: Vec<String>,
    /// The files `target` already holds byte for byte, with their mode: a rebuild links
    /// them instead of writing them again.
    pub same: BTreeSet<String>,
}

/// Compares `files` with `target`, reading each file on disk once; the files of `on_disk`
/// were read from `target` to make `files` (kept stores), so only their mode is read.
pub fn compare(
    plan: &Plan,
    files: &[OutputBytes],
    on_disk: &BTreeSet<String>,
    target: &Path,
) -> Result<Comparison, Error> {
    // Reading and comparing ~3 MB in 200 files (hundreds of MB at 400 nodes) is spread
    // over the cores; the results keep the order of `files`.
    let found = parallel::map(files, |(o, bytes)| {
        let want = o.mode();
        match differs(o, bytes, on_disk, target)? {
            Differs::Missing => Some(format!("missing: {}", o.path)),
            Differs::Bytes(old) => Some(describe(plan, o, &old, bytes)),
            Differs::Mode(mode) => Some(format!("{}: mode {mode:o}, should be {want:o}", o.path)),
        }
    });
    let mut out = Vec::new();
    let mut same = BTreeSet::new();
    let mut planned = BTreeSet::new();
    for ((o, _), stale) in files.iter().zip(found) {
        planned.insert(o.path.clone());
        match stale {
            Some(line) => out.push(line),
            None => {
                same.insert(o.path.clone());
            }
        }
    }
    let mut on_disk = Vec::new();
    walk(target, target, &mut on_disk);
    for p in on_disk.into_iter().filter(|p| !planned.contains(p)) {
        out.push(format!("no longer part of the bundle: {p}"));
    }
    Ok(Comparison { stale: out, same })
}

/// The files of `files` that `target` holds byte for byte, with their mode.
pub fn same(files: &[&OutputBytes], target: &Path) -> BTreeSet<String> {
    let none = BTreeSet::new();
    if !target.is_dir() {
        // A first build: there is nothing to open.
        return none;
    }
    let found = parallel::map(files, |(o, bytes)| {
        differs(o, bytes, &none, target).is_none()
    });
    files
        .iter()
        .zip(found)
        .filter(|(_, same)| *same)
        .map(|((o, _), _)| o.path.clone())
        .collect()
}

/// How a file on disk differs from the one computed.
enum Differs {
    Missing,
    /// The bytes on disk.
    Bytes(Vec<u8>),
    /// The permission bits on disk (the bytes are the same).
    Mode(u32),
}

/// How `target`'s file `o` differs from `bytes`; `None` when it does not. The bytes of a
/// file in `on_disk` were read from `target`: only its mode is read.
fn differs(o: &Output, bytes: &[u8], on_disk: &BTreeSet<String>, target: &Path) -> Option<Differs> {
    let path = target.join(&o.path);
    let read = if on_disk.contains(&o.path) {
        fs::metadata(&path).map(|m| (None, m.permissions().mode() & 0o7777))
    } else {
        read_with_mode(&path).map(|(old, mode)| (Some(old), mode))
    };
    let Ok((old, mode)) = read else {
        return Some(Differs::Missing);
    };
    match old.filter(|old| old != bytes) {
        Some(old) => Some(Differs::Bytes(old)),
        None => (mode != o.mode()).then_some(Differs::Mode(mode)),
    }
}

/// A file's bytes and permission bits.
fn read_with_mode(path: &Path) -> std::io::Result<(Vec<u8>, u32)> {
    let mut file = fs::File::open(path)?;
    let meta = file.metadata()?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    std::io::Read::read_to_end(&mut file, &mut bytes)?;
    Ok((bytes, meta.permissions().mode() & 0o7777))
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        // The entry's type comes with the listing: no stat per file.
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            walk(root, &p, out);
        } else {
            out.push(
                p.strip_prefix(root)
                    .expect("under root")
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
}

/// How a changed file differs, without showing a secret.
fn describe(plan: &Plan, o: &Output, old: &[u8], new: &[u8]) -> String {
    match o.kind {
        FileKind::PrivateKey => format!("{}: a different private key", o.path),
        FileKind::Archive => super::node_archive::describe(&o.path, old, new),
        FileKind::Keystore | FileKind::Truststore => {
            store_diff(plan, o.kind, &o.path, old, new, "on disk")
        }
        _ => text_diff(
            plan,
            o.private,
            (&format!("{} (on disk)", o.path), old),
            (&format!("{} (profile)", o.path), new),
        )
        .unwrap_or_else(|| format!("{}: a secret changed", o.path)),
    }
}

/// How two stores differ, by alias only: `old_is` names where `old` is (its password may not
/// be the profile's).
pub(super) fn store_diff(
    plan: &Plan,
    kind: FileKind,
    path: &str,
    old: &[u8],
    new: &[u8],
    old_is: &str,
) -> String {
    let tls = &plan.deployment.tls;
    let password = if kind == FileKind::Keystore {
        tls.keystore_password.expose()
    } else {
        tls.truststore_password.expose()
    };
    let entries = |b: &[u8]| keystore::decode(tls.format, b, password).ok();
    let (Some(a), Some(b)) = (entries(old), entries(new)) else {
        return format!(
            "{path}: changed (the store {old_is} does not open with the profile's password)"
        );
    };
    let aliases =
        |v: &[keystore::Entry]| -> BTreeSet<String> { v.iter().map(|e| e.alias.clone()).collect() };
    let (old_aliases, new_aliases) = (aliases(&a), aliases(&b));
    if old_aliases == new_aliases && a == b {
        return format!("{path}: same entries, other bytes");
    }
    let added: Vec<_> = new_aliases.difference(&old_aliases).cloned().collect();
    let removed: Vec<_> = old_aliases.difference(&new_aliases).cloned().collect();
    let changed: Vec<_> = b
        .iter()
        .filter(|e| a.iter().any(|f| f.alias == e.alias && f != *e))
        .map(|e| e.alias.clone())
        .collect();
    if changed.is_empty() {
        format!("{path}: entries added {added:?}, removed {removed:?}")
    } else {
        format!("{path}: entries added {added:?}, removed {removed:?}, changed {changed:?}")
    }
}

/// The unified diff of two texts of one file (`(name, bytes)` each) with every secret
/// masked; `None` when they differ only in secrets.
pub(super) fn text_diff(
    plan: &Plan,
    private: bool,
    (old_name, old): (&str, &[u8]),
    (new_name, new): (&str, &[u8]),
) -> Option<String> {
    let (mut a, mut b) = (mask(plan, old), mask(plan, new));
    if private {
        // The file on disk may hold secrets the profile no longer has: mask every
        // value in a place that holds one.
        a = a.lines().map(mask_line).collect::<Vec<_>>().join("\n");
        b = b.lines().map(mask_line).collect::<Vec<_>>().join("\n");
    }
    (a != b).then(|| diff::unified(old_name, new_name, &a, &b))
}

/// A value of a file shown on its own (an XML element's text or an attribute, under the
/// path step or `@attribute` `name`), quoted, masked as [`text_diff`] masks the lines of a
/// file: every secret of the deployment, and in a file that holds secrets every value whose
/// name says password or secret and the password of a URL.
pub(super) fn show_value(plan: &Plan, private: bool, name: &str, value: &str) -> String {
    let mut v = mask(plan, value.as_bytes());
    if private {
        let lower = name.to_ascii_lowercase();
        // A Secure Vault alias (`svns:secretAlias`) names a secret, it is none: the same
        // names are in cipher-tool.properties, a public file.
        let alias = lower.ends_with("secretalias");
        if (lower.contains("pass") || lower.contains("secret")) && !alias {
            v = "********".into();
        }
        v = mask_userinfo(&v);
    }
    format!("{v:?}")
}

/// The text with every secret value of the deployment replaced by `********`.
fn mask(plan: &Plan, bytes: &[u8]) -> String {
    let mut text = String::from_utf8_lossy(bytes).into_owned();
    let mut secrets: Vec<String> = plan.deployment.secrets().map(str::to_string).collect();
    // Longest first, so a secret that contains another is masked whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        // As the files write it: verbatim, XML-escaped, `.properties`-escaped, and
        // percent-encoded (the AMQP URLs).
        for form in [
            s.clone(),
            crate::render::xml_escape(s),
            crate::render::properties_escape(s),
            crate::plan::percent_encode(s),
        ] {
            text = text.replace(form.as_str(), "********");
        }
    }
    text
}

/// A line of a file that holds secrets, with every value in a secret-holding place masked:
/// an XML element or attribute whose name says password, a `.properties` password key, the
/// password of a `scheme://user:password@` URL, and SQL `IDENTIFIED BY '...'` / `PASSWORD '...'`.
fn mask_line(line: &str) -> String {
    let lower = line.to_ascii_lowercase();
    let mut out = line.to_string();
    if lower.contains("pass") || lower.contains("secret") || lower.contains("identified by") {
        out = mask_between(&out, '>', '<');
        out = mask_quoted_after(&out, "ass=\"");
        out = mask_quoted_after(&out, "Password=\"");
        out = mask_quoted_after(&out, "'");
        if let Some((key, _)) = out.split_once('=') {
            if !out.contains('<') && key.to_ascii_lowercase().contains("pass") {
                out = format!("{key}= ********");
            }
        }
    }
    mask_userinfo(&out)
}

/// `a>SECRET<b` → `a>********<b`.
fn mask_between(s: &str, open: char, close: char) -> String {
    match (s.find(open), s.rfind(close)) {
        (Some(i), Some(j)) if i < j && j > i + 1 => format!("{}{open}********{}", &s[..i], &s[j..]),
        _ => s.to_string(),
    }
}

/// Every `PREFIX...QUOTE` value after `prefix` (whose last char is the quote) masked.
fn mask_quoted_after(s: &str, prefix: &str) -> String {
    let quote = prefix.chars().last().expect("a quote");
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(prefix) {
        let start = i + prefix.len();
        out.push_str(&rest[..start]);
        match rest[start..].find(quote) {
            Some(end) => {
                out.push_str("********");
                rest = &rest[start + end..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `scheme://user:PASSWORD@host` → `scheme://user:********@host`.
fn mask_userinfo(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("://") {
        let after = i + 3;
        out.push_str(&rest[..after]);
        rest = &rest[after..];
        let at = rest.find('@');
        let colon = rest.find(':');
        let stop = rest.find(['/', '?', ' ', '<', '\'']).unwrap_or(rest.len());
        if let (Some(c), Some(a)) = (colon, at) {
            if c < a && a < stop {
                out.push_str(&rest[..=c]);
                out.push_str("********");
                rest = &rest[a..];
            }
        }
    }
    out.push_str(rest);
    out
}
