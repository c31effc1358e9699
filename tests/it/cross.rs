//! The features of issues 12-14 together: Secure Vault on a `private-ca` bundle and on nodes
//! with operator certificates (a real JVM decrypts every alias with the node's keystore, no
//! secret under `nodes/`), keytool in strict mode on every store of operator certificates
//! (JKS and PKCS12), `--archive` with Secure Vault, `kmgen diff --against` on vault and
//! private-ca nodes, and `build --check` after a change of `tls.mode` or
//! `secure_vault.enabled` alone.
use crate::golden::{golden_build, GOLDEN_EPOCH};
use crate::operator_certs::{node_files, put, TestCa};
use crate::secure_vault::profile::{vault_profile_text, Markers};
use crate::secure_vault::{check_aliases, check_secrets_tree, contains, jvm_decrypt};
use crate::stores::keytool_list;
use crate::support::{repo, tree, Kmgen, Scratch};
use kmgen::keystore::decode;
use kmgen::plan::Plan;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;

/// The smallest example with both products: one IS-KM and one all-in-one API-M node.
const EXAMPLE: &str = "profiles/hybrid-single-node.toml";

fn example() -> String {
    fs::read_to_string(repo().join(EXAMPLE)).unwrap()
}

fn with_tls(text: &str, line: &str) -> String {
    assert!(text.contains("[tls]\n"));
    text.replacen("[tls]\n", &format!("[tls]\n{line}\n"), 1)
}

fn plan_of(dir: &Path) -> Plan {
    kmgen::plan::plan(
        &kmgen::load::load(&dir.join("profile.toml"))
            .unwrap()
            .deployment,
    )
}

/// No marker under `nodes/`, 0600 files under `secrets/`, and per node: every alias of the
/// XML files in both properties files, and the JVM decrypts each to its secret.
fn check_vault_bundle(bundle: &Path, plan: &Plan, m: &Markers, what: &str) {
    for (path, bytes) in tree(&bundle.join("nodes")) {
        for marker in m.all() {
            assert!(
                !contains(&bytes, marker.as_bytes()),
                "{what}: nodes/{path} holds the secret {marker}"
            );
        }
    }
    check_secrets_tree(bundle, what);
    for n in &plan.nodes {
        let node_dir = bundle.join("nodes").join(n.name.as_str());
        let aliases = check_aliases(&node_dir, &format!("{what} {}", n.name));
        assert!(!aliases.is_empty(), "{what} {}: no alias", n.name);
        let decrypted = jvm_decrypt(&node_dir, n.home.as_str(), &m.keystore);
        assert_eq!(
            decrypted.keys().collect::<BTreeSet<_>>(),
            aliases.iter().collect::<BTreeSet<_>>(),
            "{what} {}: the JVM decrypts exactly the aliases",
            n.name
        );
        for (alias, plain) in &decrypted {
            assert_eq!(plain, m.expected(alias), "{what} {}: {alias}", n.name);
        }
    }
}

#[test]
fn vault_with_a_private_ca_decrypts_every_alias_in_the_jvm() {
    let dir = Scratch::new("cross-vault-ca");
    let mut m = Markers::new("ca", "");
    let text = with_tls(&example(), "mode = \"private-ca\"");
    vault_profile_text(&dir, &text, &mut m, false);
    let bundle = golden_build(&dir, "profile.toml");
    let plan = plan_of(&dir);
    let tls = &plan.deployment.tls;
    for n in &plan.nodes {
        let ks = fs::read(bundle.join("nodes").join(&n.name).join(&n.keystore_file)).unwrap();
        let entries = decode(tls.format, &ks, &m.keystore).unwrap();
        assert_eq!(entries[0].chain.len(), 2, "{}: leaf and CA", n.name);
    }
    check_vault_bundle(&bundle, &plan, &m, "private-ca");
}

/// The example with certificates the operator brings for both nodes (issued by a test root on
/// the fixture keys), the vault on, in `format`: (dir, markers, the nodes' leaf PEMs).
fn operator_vault_profile(case: &str, pkcs12: bool) -> (Scratch, Markers, Vec<(String, Vec<u8>)>) {
    let dir = Scratch::new(case);
    let ca = TestCa::new();
    let mut text = example();
    let mut leaves = Vec::new();
    for (node, key, host) in [
        ("km", "is-km", "km.acme.example"),
        ("apim", "apim", "apim.acme.example"),
    ] {
        let leaf = ca.leaf_of_root(key, host, &[host]);
        let der = x509_parser::pem::parse_x509_pem(leaf.as_bytes())
            .unwrap()
            .1
            .contents;
        leaves.push((node.to_string(), der));
        put(
            &dir,
            &format!("{node}.pem"),
            &[leaf, ca.root_pem.clone()].concat(),
        );
        let key_pem = fs::read_to_string(repo().join(format!("tests/fixtures/keys/{key}.key.pem")));
        put(&dir, &format!("{key}.key.pem"), &key_pem.unwrap());
        text = node_files(
            &text,
            host,
            &format!("{node}.pem"),
            Some(&format!("{key}.key.pem")),
        );
    }
    let mut m = Markers::new(if pkcs12 { "op12" } else { "opjks" }, "");
    vault_profile_text(&dir, &text, &mut m, pkcs12);
    (dir, m, leaves)
}

/// Issue 12: operator certificates pass the strict keytool listing of EVERY store (each
/// node's keystore and truststore, JKS and PKCS12), and Secure Vault encrypts with the
/// operator's key: the keystore's leaf is the operator's, and the JVM decrypts with it.
#[test]
fn vault_with_operator_certificates_keytool_lists_every_store_and_the_jvm_decrypts() {
    for pkcs12 in [false, true] {
        let what = if pkcs12 {
            "operator PKCS12"
        } else {
            "operator JKS"
        };
        let (dir, m, leaves) = operator_vault_profile(&format!("cross-op-{pkcs12}"), pkcs12);
        let bundle = golden_build(&dir, "profile.toml");
        let plan = plan_of(&dir);
        let tls = &plan.deployment.tls;
        assert_eq!(
            tls.format.java_type(),
            if pkcs12 { "PKCS12" } else { "JKS" }
        );
        for n in &plan.nodes {
            let node = bundle.join("nodes").join(&n.name);
            let ks = node.join(&n.keystore_file);
            let listed = keytool_list(tls.format, ks.to_str().unwrap(), &m.keystore);
            let key_entry = (tls.key_alias.clone(), "PrivateKeyEntry".to_string());
            assert_eq!(listed, [key_entry], "{what} {}", n.name);
            let entries = decode(tls.format, &fs::read(&ks).unwrap(), &m.keystore).unwrap();
            let leaf = &leaves.iter().find(|(l, _)| *l == n.name).unwrap().1;
            assert_eq!(
                &entries[0].chain[0], leaf,
                "{what} {}: the operator's leaf",
                n.name
            );
            let ts = node.join(&n.truststore_file);
            let listed = keytool_list(tls.format, ts.to_str().unwrap(), &m.truststore);
            assert!(listed.len() > 1, "{what} {}: {listed:?}", n.name);
            assert!(
                listed.iter().all(|(_, t)| t == "trustedCertEntry"),
                "{what} {}: {listed:?}",
                n.name
            );
        }
        check_vault_bundle(&bundle, &plan, &m, what);
    }
}

fn kmgen_in(dir: &Path) -> Kmgen {
    Kmgen::new()
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", GOLDEN_EPOCH)
}

/// `--archive` with Secure Vault: `nodes/<node>.tar.gz` is the node's folder, no more. The
/// `secrets/<node>/` files (plaintext passwords) stay out of it, as `nodes/` holds no
/// password in vault mode; the README says to copy them apart, like the keystore password.
#[test]
fn vault_archives_hold_the_node_folder_and_no_secrets_file() {
    let dir = Scratch::new("cross-vault-archive");
    let mut m = Markers::new("ar", "");
    vault_profile_text(&dir, &example(), &mut m, false);
    kmgen_in(&dir)
        .args(["build", "profile.toml", "-o", "out", "--archive"])
        .run()
        .success();
    let plan = plan_of(&dir);
    let bundle = dir.join("out").join(plan.deployment.name.as_str());
    for n in &plan.nodes {
        let archive = bundle.join(format!("nodes/{}.tar.gz", n.name));
        let unpacked = dir.join(format!("unpacked/{}", n.name));
        fs::create_dir_all(&unpacked).unwrap();
        let out = Command::new("tar")
            .arg("-xzpf")
            .arg(&archive)
            .arg("-C")
            .arg(&unpacked)
            .output()
            .expect("GNU tar: apt-get install -y tar");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = tree(&unpacked);
        assert!(
            got == tree(&bundle.join("nodes").join(&n.name)),
            "{}: the archive is not the node's folder",
            n.name
        );
        let secrets: Vec<String> = tree(&bundle.join("secrets").join(&n.name))
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert!(!secrets.is_empty(), "{}: no secrets/ file", n.name);
        for (path, bytes) in &got {
            assert!(
                !secrets.contains(path),
                "{}: {path} is in the archive",
                n.name
            );
            for marker in m.all() {
                assert!(
                    !contains(bytes, marker.as_bytes()),
                    "{}: the archive's {path} holds {marker}",
                    n.name
                );
            }
        }
    }
    let readme = fs::read_to_string(bundle.join("README.md")).unwrap();
    assert!(
        readme.contains("The archives hold no `secrets/<node>/` file"),
        "{readme}"
    );
}

/// Every marker of `m`, and the plain example's secrets (a pack built from it holds them).
fn assert_no_secret(text: &str, m: &Markers, what: &str) {
    let plain = [
        "Adm1n-secret",
        "ks-Secret-1",
        "ts-Secret-1",
        "am-db-Secret",
        "um-db-Secret",
        "reg-db-Secret",
    ];
    for s in m.all().into_iter().chain(plain) {
        assert!(!text.contains(s), "{what} shows the secret {s}:\n{text}");
    }
}

/// A pack for `node`: its folder of a build of the plain example (self-signed, no vault).
fn plain_pack(dir: &Path, node: &str) -> std::path::PathBuf {
    Kmgen::new()
        .current_dir(dir)
        .args([
            "build".as_ref(),
            repo().join(EXAMPLE).as_os_str(),
            "-o".as_ref(),
            "plain".as_ref(),
        ])
        .run()
        .success();
    dir.join("plain/acme-single/nodes").join(node)
}

/// `kmgen diff --against` on a vault node: the `secrets/<node>/` files are compared too (they
/// install over the same pack paths), the new properties files are listed, nothing secret.
#[test]
fn diff_against_a_pack_on_a_vault_node_covers_its_secrets_files_and_masks() {
    let dir = Scratch::new("cross-diff-vault");
    let mut m = Markers::new("df", "");
    vault_profile_text(&dir, &example(), &mut m, false);
    let pack = plain_pack(&dir, "apim");
    let out = kmgen_in(&dir)
        .args(["diff", "--node", "apim", "--against"])
        .args([pack.as_os_str(), "profile.toml".as_ref()])
        .run()
        .failure(1);
    for want in [
        "new: repository/conf/security/cipher-text.properties\n",
        "repository/conf/user-mgt.xml:\n  /UserManager/@xmlns:svns: attribute added",
        // The alias is shown (it is in the public cipher-tool.properties), its value masked.
        "/AdminUser/Password/@svns:secretAlias: attribute added: \"UserManager.AdminUser.Password\"\n",
        "/AdminUser/Password: text changed: \"********\" -> \"********\"\n",
        // Files of secrets/apim/: the admin password moves out of nodes/ but still changes.
        "repository/conf/identity/identity.xml:\n",
        "+++ repository/conf/jndi.properties (node apim)\n",
    ] {
        assert!(
            out.stdout.contains(want),
            "stdout lacks {want:?}:\n{}",
            out.stdout
        );
    }
    assert!(!dir.join("out").exists(), "diff writes no bundle");
    assert_no_secret(&out.all(), &m, "diff of a vault node");
}

/// `kmgen diff --against` on a private-ca node over a self-signed pack: the stores differ by
/// alias (the CA in, the nodes out of the truststore), nothing secret.
#[test]
fn diff_against_a_pack_on_a_private_ca_node_names_store_aliases_only() {
    let dir = Scratch::new("cross-diff-ca");
    let m = Markers::new("none", "");
    fs::write(
        dir.join("profile.toml"),
        with_tls(&example(), "mode = \"private-ca\""),
    )
    .unwrap();
    let pack = plain_pack(&dir, "km");
    let out = kmgen_in(&dir)
        .args(["diff", "--node", "km", "--against"])
        .args([pack.as_os_str(), "profile.toml".as_ref()])
        .run()
        .failure(1);
    assert!(
        out.stdout.contains(
            "repository/resources/security/client-truststore.jks: entries added [\"ca\"], removed [\"apim\", \"km\"]"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("repository/resources/security/wso2carbon.jks: entries added [], removed [], changed [\"wso2carbon\"]"),
        "{}",
        out.stdout
    );
    assert_no_secret(&out.all(), &m, "diff of a private-ca node");
}

/// `build --check` after a change of `tls.mode` alone, then of `secure_vault.enabled` alone:
/// the bundle is stale (exit 1, the files named), and no secret is shown.
#[test]
fn build_check_after_changing_only_the_tls_mode_or_the_vault_reports_stale_and_masks() {
    let dir = Scratch::new("cross-check");
    let mut m = Markers::new("ck", "");
    vault_profile_text(&dir, &example(), &mut m, false);
    let vault_on = fs::read_to_string(dir.join("profile.toml")).unwrap();
    let check = || {
        kmgen_in(&dir)
            .args(["build", "profile.toml", "-o", "out", "--check"])
            .run()
    };
    let changes = [
        (
            "tls.mode",
            with_tls(&vault_on, "mode = \"private-ca\""),
            "nodes/km/repository/resources/security/client-truststore.jks: entries added [\"ca\"]",
        ),
        (
            "secure_vault.enabled",
            vault_on.replace(
                "[secure_vault]\nenabled = true",
                "[secure_vault]\nenabled = false",
            ),
            "nodes/km/repository/conf/carbon.xml",
        ),
    ];
    for (key, changed, stale) in changes {
        assert_ne!(changed, vault_on, "{key}");
        fs::write(dir.join("profile.toml"), &vault_on).unwrap();
        golden_build(&dir, "profile.toml");
        check().success();
        fs::write(dir.join("profile.toml"), &changed).unwrap();
        let out = check().failure(1);
        assert!(
            out.all().contains(stale),
            "{key}: the check names no stale file:\n{}",
            out.all()
        );
        assert_no_secret(&out.all(), &m, &format!("build --check after {key}"));
    }
}
