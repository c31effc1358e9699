//! The template set: every `TemplateId` has its embedded template, every file under
//! `templates/` is a `TemplateId` or imported by one, templates branch on booleans only, and
//! `kmgen build --templates DIR` replaces templates, shared ones and macro files too, by name.
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use kmgen::plan::TemplateId;
use kmgen::render::TEMPLATES;

use crate::support::{repo, Kmgen, Scratch};

/// Every file under `templates/` (any extension): name relative to it → text.
fn template_files() -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let name = path.strip_prefix(root).unwrap().to_string_lossy();
                let text = fs::read_to_string(&path).unwrap_or_default();
                out.insert(name.replace('\\', "/"), text);
            }
        }
    }
    let root = repo().join("templates");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

/// The templates a template loads: `{% import "…" as x %}`, `{% include "…" %}` and
/// `{% extends "…" %}`.
fn references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for tag in text.split("{%").skip(1) {
        let tag = tag.split("%}").next().unwrap_or("");
        let mut words = tag.trim_start_matches('-').split_whitespace();
        if !matches!(words.next(), Some("import" | "include" | "extends")) {
            continue;
        }
        let rest = words.collect::<Vec<_>>().join(" ");
        let mut chars = rest.chars();
        if let Some(quote @ ('"' | '\'' | '`')) = chars.next() {
            out.push(chars.take_while(|&c| c != quote).collect());
        }
    }
    out
}

#[test]
fn every_template_id_has_an_embedded_template() {
    let embedded: BTreeSet<&str> = TEMPLATES.iter().map(|(name, _)| *name).collect();
    let missing: Vec<&str> = TemplateId::ALL
        .iter()
        .map(|t| t.name())
        .filter(|name| !embedded.contains(name))
        .collect();
    assert!(
        missing.is_empty(),
        "TemplateIds without an embedded template (add the file under templates/): {missing:?}"
    );
}

#[test]
fn every_template_file_is_a_template_id_or_imported_by_one() {
    let files = template_files();
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut todo: Vec<String> = TemplateId::ALL
        .iter()
        .map(|t| t.name().to_string())
        .collect();
    let mut broken = Vec::new();
    while let Some(name) = todo.pop() {
        if !used.insert(name.clone()) {
            continue;
        }
        let Some(text) = files.get(&name) else {
            continue;
        };
        for r in references(text) {
            if !files.contains_key(&r) {
                broken.push(format!("{name} loads {r}, which does not exist"));
            }
            todo.push(r);
        }
    }
    assert!(broken.is_empty(), "{broken:#?}");
    let stray: Vec<&String> = files.keys().filter(|f| !used.contains(*f)).collect();
    assert!(
        stray.is_empty(),
        "files under templates/ that no TemplateId renders or imports (remove them, or give \
         them a TemplateId): {stray:?}"
    );
    // The build script embeds exactly the template files.
    let embedded: BTreeSet<&str> = TEMPLATES.iter().map(|(name, _)| *name).collect();
    let on_disk: BTreeSet<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(embedded, on_disk);
}

#[test]
fn references_are_found_in_every_tag_form() {
    let text = "{% import \"macros/a.xml\" as a %}\n{%- include 'b.xml' -%}{%extends `c.xml`%}\
                {% if x %}import{% endif %}";
    assert_eq!(references(text), ["macros/a.xml", "b.xml", "c.xml"]);
}

/// Templates branch on the view's booleans (`ctx.is.store`), never on strings
/// (`ctx.role == "store"`).
#[test]
fn templates_compare_no_strings() {
    let mut found = Vec::new();
    for (name, text) in template_files() {
        for tag in text.split("{%").skip(1) {
            let tag = tag.split("%}").next().unwrap_or("");
            if tag.contains("==") || tag.contains("!=") {
                found.push(format!("{name}: {{%{tag}%}}"));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

/// An override folder replaces a shared template (both packs render it) and a macro file
/// (every template importing it sees the new one).
#[test]
fn build_templates_dir_overrides_shared_templates_and_macros() {
    let dir = Scratch::new("templates");
    let profile = fs::read_to_string(repo().join("profiles/hybrid-single-node.toml")).unwrap();
    dir.write("profile.toml", &profile);
    dir.write(
        "over/common/repository/conf/carbon.xml",
        "<Server>{% if ctx.is.key_manager %}IS-KM{% else %}API-M{% endif %} carbon</Server>\n",
    );
    dir.write(
        "over/macros/header.xml",
        "{% macro generated(ctx, file) %}<!-- custom {{ file }} -->{% endmacro generated %}\n",
    );
    Kmgen::new()
        .current_dir(&dir)
        .args(["build", "profile.toml", "-o", "out", "--templates", "over"])
        .run()
        .success();
    // profiles/hybrid-single-node.toml: deployment `acme-single`, nodes `apim` and `km`.
    let read = |node: &str, file: &str| {
        fs::read_to_string(dir.join("out/acme-single/nodes").join(node).join(file)).unwrap()
    };
    assert_eq!(
        read("apim", "repository/conf/carbon.xml"),
        "<Server>API-M carbon</Server>\n"
    );
    assert_eq!(
        read("km", "repository/conf/carbon.xml"),
        "<Server>IS-KM carbon</Server>\n"
    );
    for node in ["apim", "km"] {
        let ds = read(node, "repository/conf/datasources/master-datasources.xml");
        assert!(
            ds.starts_with(
                "<!-- custom datasources/master-datasources.xml -->\n<datasources-configuration"
            ),
            "{ds}"
        );
    }
}
