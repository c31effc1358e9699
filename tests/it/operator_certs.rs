//! Certificates the operator brings (`cert` / `key` on nodes and load balancers): every fault
//! is refused with its key path and fix (pinned in `tests/cases/operator-certs/every-fault.stderr`),
//! and good ones end up in the stores and nginx, where Java trusts them through their root.
use crate::bundle_tls::{assert_every_call_handshakes, build, calls};
use crate::golden::golden_build;
use crate::stores::keytool_list;
use crate::support::{copy_tree, repo, Kmgen, Scratch};
use kmgen::keystore::{decode, key_store_chain};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    PKCS_RSA_SHA256,
};
use std::fs;
use std::path::Path;
use std::process::Command;
use time::OffsetDateTime;

/// A fixture key (tests/fixtures/keys/<name>.key.pem): fixed keys give fixed certificates.
pub(crate) fn fixture_key(name: &str) -> (KeyPair, String) {
    let pem =
        fs::read_to_string(repo().join(format!("tests/fixtures/keys/{name}.key.pem"))).unwrap();
    (
        KeyPair::from_pkcs8_pem_and_sign_algo(&pem, &PKCS_RSA_SHA256).unwrap(),
        pem,
    )
}

fn at(year: i32) -> OffsetDateTime {
    OffsetDateTime::new_utc(
        time::Date::from_calendar_date(year, time::Month::January, 1).unwrap(),
        time::Time::MIDNIGHT,
    )
}

/// Certificate parameters: `cn`, the SANs, valid `from`..`to`, a CA or not.
fn params(cn: &str, sans: &[&str], from: i32, to: i32, ca: bool) -> CertificateParams {
    let mut p =
        CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.not_before = at(from);
    p.not_after = at(to);
    p.use_authority_key_identifier_extension = true;
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
    }
    p
}

/// A throwaway "public" PKI: a root, an intermediate, and leaves they issue.
pub(crate) struct TestCa {
    root: CertificateParams,
    root_key: KeyPair,
    pub(crate) root_pem: String,
    int: CertificateParams,
    int_key: KeyPair,
    int_pem: String,
}

impl TestCa {
    pub(crate) fn new() -> TestCa {
        let (root_key, _) = fixture_key("deployment");
        let root = params("Test Public Root", &[], 2020, 2060, true);
        let root_pem = root.self_signed(&root_key).unwrap().pem();
        let (int_key, _) = fixture_key("lb-apim");
        let int = params("Test Issuing CA", &[], 2020, 2060, true);
        let int_pem = int
            .signed_by(&int_key, &Issuer::from_params(&root, &root_key))
            .unwrap()
            .pem();
        TestCa {
            root,
            root_key,
            root_pem,
            int,
            int_key,
            int_pem,
        }
    }
    /// A leaf issued by the intermediate on fixture key `key`.
    fn leaf(&self, key: &str, cn: &str, sans: &[&str], from: i32, to: i32) -> String {
        let (k, _) = fixture_key(key);
        let issuer = Issuer::from_params(&self.int, &self.int_key);
        params(cn, sans, from, to, false)
            .signed_by(&k, &issuer)
            .unwrap()
            .pem()
    }
    /// A leaf issued by the root itself.
    pub(crate) fn leaf_of_root(&self, key: &str, cn: &str, sans: &[&str]) -> String {
        let (k, _) = fixture_key(key);
        let issuer = Issuer::from_params(&self.root, &self.root_key);
        params(cn, sans, 2020, 2050, false)
            .signed_by(&k, &issuer)
            .unwrap()
            .pem()
    }
}

pub(crate) fn put(dir: &Path, name: &str, text: &str) {
    fs::create_dir_all(dir.join("certs")).unwrap();
    fs::write(dir.join("certs").join(name), text).unwrap();
}

fn with_files(text: &str, find: &str, cert: &str, key: Option<&str>) -> String {
    let key = key
        .map(|k| format!(", key = \"certs/{k}\""))
        .unwrap_or_default();
    assert!(text.contains(find), "{find}");
    text.replacen(find, &format!("{find}, cert = \"certs/{cert}\"{key}"), 1)
}

pub(crate) fn node_files(text: &str, host: &str, cert: &str, key: Option<&str>) -> String {
    let find = format!("host = \"{host}\"\n");
    let key = key
        .map(|k| format!("key = \"certs/{k}\"\n"))
        .unwrap_or_default();
    assert!(text.contains(&find), "{find}");
    text.replacen(&find, &format!("{find}cert = \"certs/{cert}\"\n{key}"), 1)
}

/// distributed-ha.toml with one fault per certificate table (see the snapshot).
fn faulty_profile(dir: &Path) -> String {
    let ca = TestCa::new();
    let (_, gw_key) = fixture_key("lb-gateway");
    let (_, tm_key) = fixture_key("lb-tm");
    let (_, is_km) = fixture_key("is-km");
    put(dir, "gw.key.pem", &gw_key);
    put(dir, "tm.key.pem", &tm_key);
    put(dir, "is-km.key.pem", &is_km);
    // Gateway LB: the leaf alone; its issuer is in neither the file nor the truststores.
    put(
        dir,
        "gw-leaf-only.pem",
        &ca.leaf(
            "lb-gateway",
            "gw.acme.example",
            &["gw.acme.example"],
            2020,
            2050,
        ),
    );
    // Key Manager LB: the gateway's chain with another key, and without km.acme.example.
    let gw_chain = [
        ca.leaf(
            "lb-gateway",
            "gw.acme.example",
            &["gw.acme.example"],
            2020,
            2050,
        ),
        ca.int_pem.clone(),
        ca.root_pem.clone(),
    ]
    .concat();
    put(dir, "gw-chain.pem", &gw_chain);
    // API-M LB: expired in 2021 (the build clock is 2040).
    put(
        dir,
        "portal-expired.pem",
        &[
            ca.leaf(
                "lb-tm",
                "portal.acme.example",
                &["portal.acme.example"],
                2020,
                2021,
            ),
            ca.int_pem.clone(),
        ]
        .concat(),
    );
    // Traffic Manager LB: the root before the intermediate.
    put(
        dir,
        "tm-disordered.pem",
        &[
            ca.leaf("lb-tm", "tm.acme.example", &["tm.acme.example"], 2020, 2050),
            ca.root_pem.clone(),
            ca.int_pem.clone(),
        ]
        .concat(),
    );
    // km-1 is right; km-2's certificate is on another key than km-1's.
    put(
        dir,
        "km1.pem",
        &[
            ca.leaf_of_root(
                "is-km",
                "km1.acme.example",
                &["km1.acme.example", "km.acme.example"],
            ),
            ca.root_pem.clone(),
        ]
        .concat(),
    );
    put(
        dir,
        "km2.pem",
        &[
            ca.leaf_of_root(
                "lb-tm",
                "km2.acme.example",
                &["km2.acme.example", "km.acme.example"],
            ),
            ca.root_pem.clone(),
        ]
        .concat(),
    );
    let mut p = fs::read_to_string(repo().join("profiles/distributed-ha.toml")).unwrap();
    p = with_files(
        &p,
        "load_balancer = { host = \"km.acme.example\", port = 443",
        "gw-chain.pem",
        Some("tm.key.pem"),
    );
    p = with_files(
        &p,
        "load_balancer = { host = \"gw.acme.example\", https_port = 443, http_port = 80",
        "gw-leaf-only.pem",
        Some("gw.key.pem"),
    );
    p = with_files(
        &p,
        "load_balancer = { host = \"portal.acme.example\", port = 443",
        "portal-expired.pem",
        Some("tm.key.pem"),
    );
    p = with_files(
        &p,
        "load_balancer = { host = \"tm.acme.example\", port = 443",
        "tm-disordered.pem",
        Some("tm.key.pem"),
    );
    p = node_files(&p, "km1.acme.example", "km1.pem", Some("is-km.key.pem"));
    p = node_files(&p, "km2.acme.example", "km2.pem", Some("tm.key.pem"));
    p = node_files(&p, "pub1.acme.example", "gw-chain.pem", None);
    p
}

#[test]
fn every_operator_certificate_fault_is_named_with_its_fix() {
    let dir = Scratch::new("operator-certs");
    copy_tree(&repo().join("profiles/secrets"), &dir.join("secrets"), &[]);
    let text = faulty_profile(&dir);
    // A 1024-bit key, made by OpenSSL: refused below tls.key_bits.
    let small = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:1024",
            "-nodes",
            "-subj",
            "/CN=store1.acme.example",
        ])
        .args([
            "-addext",
            "subjectAltName=DNS:store1.acme.example",
            "-days",
            "36500",
        ])
        .args(["-keyout", "certs/small.key.pem", "-out", "certs/small.pem"])
        .current_dir(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl ({e}): apt-get install -y openssl"));
    assert!(
        small.status.success(),
        "{}",
        String::from_utf8_lossy(&small.stderr)
    );
    let text = node_files(
        &text,
        "store1.acme.example",
        "small.pem",
        Some("small.key.pem"),
    );
    fs::write(dir.join("profile.toml"), text).unwrap();
    let out = Kmgen::new()
        .current_dir(&dir)
        // 2040-01-01: after the OpenSSL certificate's start (made now), before 2050.
        .env("SOURCE_DATE_EPOCH", "2208988800")
        .args(["build", "profile.toml", "-o", "out"])
        .run()
        .failure(1)
        .stdout_is("")
        .stderr_snapshot(repo().join("tests/cases/operator-certs/every-fault.stderr"));
    assert!(!dir.join("out").exists(), "nothing is written");
    assert!(
        !out.stderr.contains("PRIVATE KEY"),
        "no key material in the report"
    );
}

/// The example profile: the public certificate on the gateway load balancer goes to nginx
/// as given, and Java trusts it through its root in the nodes' truststores.
#[test]
fn the_gateway_load_balancers_public_certificate_is_trusted_by_the_nodes() {
    let (plan, bundle, dir) = build("distributed-ha-public-gateway.toml", "operator-gw");
    let given = repo().join("profiles/example-only-certs");
    let chain = fs::read(given.join("EXAMPLE-ONLY-gw.acme.example.crt.pem")).unwrap();
    let key = fs::read_to_string(given.join("EXAMPLE-ONLY-gw.acme.example.key.pem")).unwrap();
    assert_eq!(
        fs::read(bundle.join("load-balancer/ssl/lb-gateway.crt")).unwrap(),
        chain
    );
    assert!(!bundle.join("pki/keys/lb-gateway.key.pem").exists());
    let tls = &plan.deployment.tls;
    let (ks_pass, ts_pass) = (
        tls.keystore_password.expose(),
        tls.truststore_password.expose(),
    );
    // nginx's side, as a Java server: the operator's key and chain.
    let ders: Vec<Vec<u8>> = x509_parser::pem::Pem::iter_from_buffer(&chain)
        .map(|p| p.unwrap().contents)
        .collect();
    let pkcs8 = KeyPair::from_pkcs8_pem_and_sign_algo(&key, &PKCS_RSA_SHA256)
        .unwrap()
        .serialize_der();
    let issuers: Vec<&[u8]> = ders[1..].iter().map(Vec::as_slice).collect();
    let server = key_store_chain(tls.format, "lb", &pkcs8, &ders[0], &issuers, ks_pass).unwrap();
    fs::write(dir.join("lb-gateway.jks"), server).unwrap();
    let node = |name: &str, f: &str| {
        bundle
            .join("nodes")
            .join(name)
            .join(f)
            .display()
            .to_string()
    };
    let km = plan.nodes.iter().find(|n| n.name == "km-1").unwrap();
    let listed = keytool_list(tls.format, &node("km-1", &km.truststore_file), ts_pass);
    assert!(
        listed.iter().any(|(a, _)| a == "lb-gateway.root"),
        "{listed:?}"
    );
    let out = Command::new("java")
        .args([
            "-Djava.security.properties=tests/java/strict-keystore.security",
            "tests/java/TlsCheck.java",
            "handshake",
        ])
        .args([tls.format.java_type(), ks_pass, ts_pass])
        .arg(dir.join("lb-gateway.jks"))
        .arg(node("km-1", &km.truststore_file))
        .arg(node("km-1", &km.keystore_file))
        .arg(node("km-1", &km.truststore_file))
        .arg("gw.acme.example")
        .current_dir(repo())
        .output()
        .expect("java: apt-get install -y default-jdk-headless");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("OK gw.acme.example"), "{text}");
    // The operator's key reaches nginx's key file only: not the plan, the logs, the manifest.
    let body: String = key.lines().filter(|l| !l.starts_with("-----")).collect();
    let probe = &body[..40];
    for args in [
        vec!["plan", "profile.toml", "--format", "json"],
        vec!["build", "profile.toml", "-o", "out", "-v"],
    ] {
        let r = Kmgen::new().current_dir(&dir).args(args).run().success();
        assert!(!r.stdout.contains(probe) && !r.stderr.contains(probe));
    }
    let manifest = fs::read_to_string(bundle.join("manifest.json")).unwrap();
    assert!(!manifest.contains(probe));
}

/// Both Key Managers bring certificates (issued by a test root, on one key): their keystores
/// hold the operator's chain, the key becomes the IS-KM primary key, and every wired call
/// still handshakes.
#[test]
fn key_managers_with_operator_certificates_handshake_with_every_caller() {
    let dir = Scratch::new("operator-km");
    copy_tree(&repo().join("profiles/secrets"), &dir.join("secrets"), &[]);
    let ca = TestCa::new();
    let (_, is_km) = fixture_key("is-km");
    put(&dir, "is-km.key.pem", &is_km);
    for (n, host) in [("km1", "km1.acme.example"), ("km2", "km2.acme.example")] {
        let leaf = ca.leaf_of_root("is-km", host, &[host, "km.acme.example"]);
        put(
            &dir,
            &format!("{n}.pem"),
            &[leaf, ca.root_pem.clone()].concat(),
        );
    }
    let mut p = fs::read_to_string(repo().join("profiles/distributed-ha-private-ca.toml")).unwrap();
    p = node_files(&p, "km1.acme.example", "km1.pem", Some("is-km.key.pem"));
    p = node_files(&p, "km2.acme.example", "km2.pem", Some("is-km.key.pem"));
    fs::write(dir.join("profile.toml"), p).unwrap();
    let bundle = golden_build(&dir, "profile.toml");
    let plan = kmgen::plan::plan(
        &kmgen::load::load(&dir.join("profile.toml"))
            .unwrap()
            .deployment,
    );
    let tls = &plan.deployment.tls;
    let km = plan.nodes.iter().find(|n| n.name == "km-2").unwrap();
    let ks = fs::read(bundle.join("nodes/km-2").join(&km.keystore_file)).unwrap();
    let entries = decode(tls.format, &ks, tls.keystore_password.expose()).unwrap();
    assert_eq!(entries[0].chain.len(), 2, "the operator's leaf and root");
    let path = bundle.join("nodes/km-2").join(&km.keystore_file);
    let listed = keytool_list(
        tls.format,
        path.to_str().unwrap(),
        tls.keystore_password.expose(),
    );
    assert_eq!(
        listed,
        [(tls.key_alias.clone(), "PrivateKeyEntry".to_string())]
    );
    assert_eq!(
        fs::read_to_string(bundle.join("pki/keys/is-km.key.pem")).unwrap(),
        is_km
    );
    assert!(!bundle.join("pki/certs/km-2.crt.pem").exists());
    let cases: Vec<_> = calls(&plan).into_iter().collect();
    assert!(cases.iter().any(|c| c.1 == "km-2"), "{cases:?}");
    assert_every_call_handshakes(&plan, &bundle, &cases);
}
