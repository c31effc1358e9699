//! Issue 13 item 3: `kmgen diff PROFILE --node NAME --against PRODUCT_HOME` shows what
//! copying the node's folder over a pack would change: XML element by element, stores by
//! alias, other files as a unified diff, files the pack lacks as `new`; secrets masked.
//! Exit 0 when nothing would change, 1 when something would (or on an error), 2 on usage.
//!
//! The packs: the stock files of `KMGEN_STOCK_DIR` laid out as a pack's `repository/conf`
//! (the Ansible role's templates with the stock variables filled in, else the product's own
//! file, as `fidelity` picks them), or a copy of the node's own folder.
use std::collections::HashMap;
use std::fs;
use std::path::Path;

use crate::fidelity::{ansible_vars, files, resolve_jinja, stock_dir, stock_file, ANSIBLE};
use crate::support::{copy_tree, repo, Kmgen, Scratch};
use kmgen::model::Role;
use kmgen::plan::PlannedNode;

const PROFILE: &str = "profiles/hybrid-single-node.toml";
/// The example profile's secrets.
const SECRETS: &[&str] = &[
    "Adm1n-secret",
    "ks-Secret-1",
    "ts-Secret-1",
    "am-db-Secret",
    "um-db-Secret",
    "reg-db-Secret",
];

fn diff(dir: &Path, node: &str, pack: &str) -> crate::support::cli::Output {
    Kmgen::new()
        .current_dir(dir)
        .args(["diff", "--node", node, "--against", pack])
        .args([repo().join(PROFILE)])
        .run()
}

fn build(dir: &Path) {
    Kmgen::new()
        .current_dir(dir)
        .args(["build"])
        .args([repo().join(PROFILE)])
        .run()
        .success();
}

/// `{{ var }}` (with or without filters) replaced by the stock value of `var`; the rest of
/// the Jinja as `fidelity` resolves it.
fn fill(src: &str, vars: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = src;
    while let Some(i) = rest.find("{{") {
        let Some(end) = rest[i..].find("}}") else {
            break;
        };
        let inner = rest[i + 2..i + end].trim();
        let name = inner.split('|').next().unwrap_or("").trim();
        out.push_str(&rest[..i]);
        match vars.get(name).filter(|v| !v.contains("{{")) {
            Some(v) => out.push_str(v),
            None => out.push_str(&rest[i..i + end + 2]),
        }
        rest = &rest[i + end + 2..];
    }
    out.push_str(rest);
    resolve_jinja(&out, vars)
}

/// A pack folder for `node` holding the stock copy of each of its config files.
fn stock_pack(stock: &Path, node: &PlannedNode, into: &Path) {
    let (group, host) = match node.role {
        Role::KeyManager => ("apim-is-as-km.yml", "apim-is-as-km_1.yml"),
        _ => ("apim.yml", "apim_1.yml"),
    };
    let vars_dir = stock.join(ANSIBLE).join("vars");
    let mut vars = ansible_vars(&vars_dir.join("group_vars").join(group));
    vars.extend(ansible_vars(&vars_dir.join("host_vars").join(host)));
    for f in files(node) {
        let Some(src) = stock_file(stock, node.role, &f) else {
            continue;
        };
        let raw = fs::read_to_string(&src).unwrap();
        let text = if src.extension().is_some_and(|x| x == "j2") {
            fill(&raw, &vars)
        } else {
            raw
        };
        let path = into.join(&f.output);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
}

fn planned() -> kmgen::plan::Plan {
    let loaded = kmgen::load::load(&repo().join(PROFILE)).unwrap();
    kmgen::plan::plan(&loaded.deployment)
}

#[test]
fn each_node_against_the_stock_pack() {
    let Some(stock) = stock_dir() else {
        return;
    };
    let dir = Scratch::new("diff-stock");
    for node in ["apim", "km"] {
        let pack = format!("pack-{node}");
        stock_pack(&stock, planned().node(node).unwrap(), &dir.join(&pack));
        let out = diff(&dir, node, &pack)
            .failure(1)
            .stdout_snapshot(format!("tests/cases/diff/{node}-against-stock.stdout"))
            .stderr_contains("note: no bundle in out/acme-single: the stores hold new keys")
            .stderr_contains(&format!("error: node `{node}` differs from `{pack}` in "));
        for s in SECRETS {
            assert!(!out.all().contains(s), "{node}: the diff shows {s}");
        }
    }
}

#[test]
fn a_copy_of_the_node_folder_makes_no_difference() {
    let dir = Scratch::new("diff-same");
    build(&dir);
    for node in ["apim", "km"] {
        let pack = format!("pack-{node}");
        // Over the stock pack when there is one, else into an empty folder.
        if let Some(stock) = stock_dir() {
            stock_pack(&stock, planned().node(node).unwrap(), &dir.join(&pack));
        }
        copy_tree(
            &dir.join("out/acme-single/nodes").join(node),
            &dir.join(&pack),
            &[],
        );
        let plan = planned();
        let files = plan
            .outputs
            .iter()
            .filter(|o| o.path.starts_with(&format!("nodes/{node}/")))
            .count();
        let folders = match plan.node(node).unwrap().dirs.len() {
            0 => String::new(),
            n => format!(" and {n} folders"),
        };
        diff(&dir, node, &pack)
            .success()
            .stdout_is(&format!(
                "node {node}: no difference from {pack} ({files} files{folders})\n"
            ))
            .stderr_is("");
    }
}

#[test]
fn changed_values_stores_and_files_with_secrets_masked() {
    let dir = Scratch::new("diff-changes");
    build(&dir);
    let pack = dir.join("pack");
    copy_tree(&dir.join("out/acme-single/nodes/apim"), &pack, &[]);
    // The pack has its own secret, an older host name and a comment; it lacks jndi.properties.
    let ds = pack.join("repository/conf/datasources/master-datasources.xml");
    let text = fs::read_to_string(&ds).unwrap();
    let text = text
        .replacen("am-db-Secret", "PACK-only-Secret", 1)
        .replacen("db.acme.example", "old-db.acme.example", 1)
        .replacen("<datasources>", "<datasources><!-- kept -->", 1);
    fs::write(&ds, text).unwrap();
    fs::remove_file(pack.join("repository/conf/jndi.properties")).unwrap();
    let endpoint = pack.join("repository/conf/identity/EndpointConfig.properties");
    let props = fs::read_to_string(&endpoint).unwrap();
    fs::write(&endpoint, format!("# an operator's line\n{props}")).unwrap();
    // Stores made from other keys: build a second bundle and diff with its keys.
    let other = Scratch::new("diff-other-keys");
    build(&other);
    let out = Kmgen::new()
        .current_dir(&dir)
        .args(["diff", "--node", "apim", "--against", "pack", "-o"])
        .args([other.join("out")])
        .args([repo().join(PROFILE)])
        .run()
        .failure(1);
    let want = [
        "repository/conf/datasources/master-datasources.xml:\n  /datasources-configuration/datasources/datasource[name=WSO2AM_DB]/definition/configuration/url: text changed: \"jdbc:mysql://old-db.acme.example:3306/apimgtdb?autoReconnect=true&useSSL=false\" -> \"jdbc:mysql://db.acme.example:3306/apimgtdb?autoReconnect=true&useSSL=false\"\n  /datasources-configuration/datasources/datasource[name=WSO2AM_DB]/definition/configuration/password: text changed: \"********\" -> \"********\"\n",
        "--- repository/conf/identity/EndpointConfig.properties (pack)\n+++ repository/conf/identity/EndpointConfig.properties (node apim)\n@@ -1,4 +1,3 @@\n-# an operator's line\n",
        "new: repository/conf/jndi.properties\n",
        "repository/resources/security/client-truststore.jks: entries added [], removed [], changed [\"apim\", \"km\"]\n",
        "repository/resources/security/wso2carbon.jks: entries added [], removed [], changed [\"wso2carbon\"]\n",
        "node apim: 5 of its ",
    ];
    for w in want {
        assert!(
            out.stdout.contains(w),
            "stdout lacks {w:?}:\n{}",
            out.stdout
        );
    }
    for s in SECRETS.iter().chain(&["PACK-only-Secret"]) {
        assert!(!out.all().contains(s), "the diff shows {s}:\n{}", out.all());
    }
}

#[test]
fn an_unknown_node_lists_the_nodes_and_usage_errors_exit_2() {
    let dir = Scratch::new("diff-errors");
    fs::create_dir(dir.join("pack")).unwrap();
    diff(&dir, "gw", "pack")
        .failure(1)
        .stdout_is("")
        .stderr_is(
            "error: no node `gw` in the profile; its nodes: km, apim\nhelp: pass one of these names to --node\n",
        );
    diff(&dir, "apim", "no-such-pack")
        .failure(1)
        .stderr_contains("error: cannot read `no-such-pack`: not a folder");
    Kmgen::new()
        .current_dir(&dir)
        .args(["diff", "--node", "apim"])
        .args([repo().join(PROFILE)])
        .run()
        .failure(2)
        .stderr_contains("--against <PRODUCT_HOME>");
}
