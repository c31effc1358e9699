//! The pipeline runs one way: each top-level module of `src/` names only the modules that
//! `src/lib.rs` declares before it (`cargo test --test it architecture`).
use crate::support::repo;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

/// The top-level modules in the order `lib.rs` declares them.
fn declared() -> Vec<String> {
    let lib = fs::read_to_string(repo().join("src/lib.rs")).unwrap();
    lib.lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').to_string())
        .collect()
}

/// Every `crate::<module>` a file or folder names.
fn named(path: &Path, out: &mut BTreeSet<String>) {
    if path.is_dir() {
        for e in fs::read_dir(path).unwrap() {
            named(&e.unwrap().path(), out);
        }
        return;
    }
    let text = fs::read_to_string(path).unwrap();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        if rest.starts_with('{') {
            // `use crate::{a, b::c}`: every first segment inside the braces.
            let inner = &rest[1..rest.find('}').unwrap_or(rest.len())];
            for part in inner.split(',') {
                let m: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.insert(m);
            }
        } else {
            let m: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.insert(m);
        }
    }
}

#[test]
fn modules_import_only_the_phases_before_them() {
    let order = declared();
    assert!(order.len() >= 10, "{order:?}");
    let mut wrong = Vec::new();
    for (i, module) in order.iter().enumerate() {
        let src = repo().join("src");
        let path = if src.join(module).is_dir() {
            src.join(module)
        } else {
            src.join(format!("{module}.rs"))
        };
        let mut names = BTreeSet::new();
        named(&path, &mut names);
        for n in names.iter().filter(|n| *n != module && !n.is_empty()) {
            match order.iter().position(|m| m == n) {
                Some(j) if j < i => {}
                Some(_) => wrong.push(format!("{module} names {n}, declared after it")),
                None => wrong.push(format!("{module} names crate::{n}, not a module of lib.rs")),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
