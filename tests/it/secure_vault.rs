//! `[secure_vault] enabled`: every example pattern, built with a unique marker for each
//! secret. No marker is in any file under `nodes/`; every alias the XML files name is where
//! the product's resolver reads it and is in both properties files; a real JVM opens each
//! node's keystore the way Carbon does and decrypts every `cipher-text.properties` value into
//! the right secret (JKS and PKCS12); an unchanged rebuild writes nothing.
pub(crate) mod profile;

use crate::golden::golden_build;
use crate::support::xml::{parse, Element};
use crate::support::{repo, tree, Kmgen, Scratch};
use profile::{vault_profile, Markers};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

/// The namespace the resolvers look for (wso2/carbon-secvault@v1.1.0 SecretResolverFactory:
/// a root namespace starting with http://org.wso2.securevault; DataSourceConstants and andes
/// use exactly this one).
const SVNS: &str = "http://org.wso2.securevault/configuration";

/// The examples, one per pattern; (example, PKCS12 stores, admin password suffix, external
/// LDAP). A `!` in the admin password keeps the gateways' api-manager.xml off `nodes/` (it
/// needs encoding in the AMQP URL).
const CASES: &[(&str, bool, &str, bool)] = &[
    ("hybrid-single-node.toml", false, "", true),
    ("hybrid-single-vm.toml", true, "", false),
    ("hybrid-active-active.toml", false, "!", false),
    ("distributed.toml", true, "", false),
    ("distributed-ha.toml", false, "", false),
];

#[test]
fn no_secret_in_nodes_and_the_jvm_decrypts_every_alias() {
    for (i, &(example, pkcs12, suffix, ldap)) in CASES.iter().enumerate() {
        let dir = Scratch::new("vault");
        let mut m = Markers::new(&format!("{i}"), suffix);
        m.ldap_bind = ldap.then(|| format!("Mk{i}ldapZq7"));
        vault_profile(&dir, example, &mut m, pkcs12);
        let bundle = golden_build(&dir, "profile.toml");
        let files = tree(&bundle.join("nodes"));
        assert!(!files.is_empty(), "{example}: no node files");
        for (path, bytes) in &files {
            for marker in m.all() {
                assert!(
                    !contains(bytes, marker.as_bytes()),
                    "{example}: nodes/{path} holds the secret {marker}"
                );
            }
        }
        check_secrets_tree(&bundle, example);
        let loaded = kmgen::load::load(&dir.join("profile.toml")).unwrap();
        let plan = kmgen::plan::plan(&loaded.deployment);
        for n in &plan.nodes {
            let node_dir = bundle.join("nodes").join(n.name.as_str());
            let aliases = check_aliases(&node_dir, &format!("{example} {}", n.name));
            let decrypted = jvm_decrypt(&node_dir, n.home.as_str(), &m.keystore);
            assert_eq!(
                decrypted.keys().collect::<BTreeSet<_>>(),
                aliases.iter().collect::<BTreeSet<_>>(),
                "{example} {}: the JVM decrypts exactly the aliases",
                n.name
            );
            for (alias, plain) in &decrypted {
                assert_eq!(plain, m.expected(alias), "{example} {}: {alias}", n.name);
            }
        }
        // An unchanged rebuild keeps every ciphertext: nothing differs, `--check` agrees.
        let before = tree(&bundle);
        golden_build(&dir, "profile.toml");
        assert!(
            before == tree(&bundle),
            "{example}: a rebuild changed the bundle"
        );
        Kmgen::new()
            .current_dir(&*dir)
            .args(["build", "profile.toml", "-o", "out", "--check"])
            .env("SOURCE_DATE_EPOCH", crate::golden::GOLDEN_EPOCH)
            .run()
            .success();
    }
}

pub(crate) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// `secrets/` holds only 0600 files in 0700 folders.
pub(crate) fn check_secrets_tree(bundle: &Path, example: &str) {
    let root = bundle.join("secrets");
    assert!(root.is_dir(), "{example}: no secrets/ folder");
    for (path, _) in tree(&root) {
        let mode = fs::metadata(root.join(&path)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{example}: secrets/{path} is {mode:o}");
    }
}

/// Every element with `svns:secretAlias` in the node's XML files, the namespace on its root,
/// the placeholder value, and the same aliases in both properties files; the aliases.
pub(crate) fn check_aliases(node_dir: &Path, what: &str) -> Vec<String> {
    let props = |name: &str| -> BTreeMap<String, String> {
        let path = node_dir.join("repository/conf/security").join(name);
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{what}: {name}: {e}"));
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let cipher_text = props("cipher-text.properties");
    let cipher_tool = props("cipher-tool.properties");
    assert_eq!(
        cipher_text.keys().collect::<Vec<_>>(),
        cipher_tool.keys().collect::<Vec<_>>(),
        "{what}: cipher-text and cipher-tool aliases"
    );
    let mut in_xml = BTreeSet::new();
    for (path, bytes) in tree(node_dir).iter().filter(|(p, _)| p.ends_with(".xml")) {
        let text = String::from_utf8_lossy(bytes);
        let root = parse(&text).unwrap_or_else(|e| panic!("{what}: {path} does not parse: {e}"));
        let mut found = Vec::new();
        collect_aliased(&root, &mut found);
        if found.is_empty() {
            continue;
        }
        assert_eq!(
            root.attr("xmlns:svns"),
            Some(SVNS),
            "{what}: {path} root namespace"
        );
        for e in found {
            let alias = e.attr("svns:secretAlias").unwrap();
            // catalina-server.xml carries the value in the attribute, the others as text.
            let value = e.attr("keystorePass").unwrap_or(e.text.trim());
            assert_eq!(value, "password", "{what}: {path} {alias} placeholder");
            let tool = &cipher_tool[alias];
            assert!(
                tool.starts_with(&format!("{path}//")),
                "{what}: {alias} → {tool}"
            );
            assert!(in_xml.insert(alias.to_string()), "{what}: {alias} twice");
        }
    }
    assert_eq!(
        in_xml.iter().collect::<Vec<_>>(),
        cipher_text.keys().collect::<Vec<_>>(),
        "{what}: every alias of cipher-text.properties is in an XML file"
    );
    cipher_text.into_keys().collect()
}

fn collect_aliased<'a>(e: &'a Element, out: &mut Vec<&'a Element>) {
    if e.attr("svns:secretAlias").is_some() {
        out.push(e);
    }
    for c in &e.children {
        collect_aliased(c, out);
    }
}

/// tests/java/VaultDecrypt.java on a node folder: alias → plaintext.
pub(crate) fn jvm_decrypt(
    node_dir: &Path,
    home: &str,
    store_password: &str,
) -> BTreeMap<String, String> {
    let node = node_dir.to_str().unwrap();
    let out = Command::new("java")
        .args(["tests/java/VaultDecrypt.java", node, home, store_password])
        .current_dir(repo())
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run java ({e}): install a JDK 11+ (apt-get install -y default-jdk-headless)")
        });
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "VaultDecrypt on {node}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A changed secret gets a new ciphertext at the next build; every other value keeps its
/// bytes (the previous ciphertext still decrypts to its secret).
#[test]
fn a_changed_secret_is_the_only_ciphertext_that_changes() {
    let dir = Scratch::new("vault-rotate");
    let mut m = Markers::new("r", "");
    vault_profile(&dir, "hybrid-single-node.toml", &mut m, false);
    let bundle = golden_build(&dir, "profile.toml");
    let file = bundle.join("nodes/apim/repository/conf/security/cipher-text.properties");
    let lines = |text: String| -> BTreeMap<String, String> {
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let before = lines(fs::read_to_string(&file).unwrap());
    m.admin = "MkrNewAdminZq7".into();
    fs::write(dir.join("secrets/admin.txt"), &m.admin).unwrap();
    golden_build(&dir, "profile.toml");
    let after = lines(fs::read_to_string(&file).unwrap());
    let changed: Vec<&String> = before.keys().filter(|k| before[*k] != after[*k]).collect();
    assert_eq!(changed, ["UserManager.AdminUser.Password"]);
    let loaded = kmgen::load::load(&dir.join("profile.toml")).unwrap();
    let plan = kmgen::plan::plan(&loaded.deployment);
    let home = plan.node("apim").unwrap().home.as_str();
    let decrypted = jvm_decrypt(&bundle.join("nodes/apim"), home, &m.keystore);
    assert_eq!(decrypted["UserManager.AdminUser.Password"], m.admin);
}
