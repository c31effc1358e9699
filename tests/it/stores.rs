//! Stores phase, checked by real peers: Java's keytool (strict type checks), a Java TLS
//! handshake with hostname verification, and a Java JWT signature check.
use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kmgen::keystore::{
    decode, key_entries, key_store, key_store_chain, mozilla_roots, summary, trust_entries,
    trust_store, StoreError, StoreFormat,
};

use crate::pki::fixture;
use crate::support::Scratch;

const FORMATS: [StoreFormat; 2] = [StoreFormat::Jks, StoreFormat::Pkcs12];
const KS_PASS: &str = "ks-secret";
/// `keystore.type.compat` is a security property: `-J-Dkeystore.type.compat=false` is
/// silently ignored by keytool (measured on JDK 17), a properties file is not.
const STRICT_KEYTOOL: &str = "-J-Djava.security.properties=tests/java/strict-keystore.security";
const STRICT_JAVA: &str = "-Djava.security.properties=tests/java/strict-keystore.security";
/// With a space: printable ASCII, and it must survive keytool and Java unchanged.
const TS_PASS: &str = "ts secret";

/// Runs a JDK tool with a deadline; a missing JDK fails the test, never skips it.
fn run_jdk(tool: &str, args: &[&str]) -> (bool, String) {
    let mut child = Command::new(tool)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `{tool}` ({e}): these tests check the stores with a real JDK 11+; \
                 install one (apt-get install -y default-jdk-headless)"
            )
        });
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let readers = [read_all(stdout), read_all(stderr)];
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("`{tool} {}` did not finish in time", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = readers.map(|r| r.join().unwrap()).concat();
    (status.success(), output)
}

fn read_all(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_string()
}

/// `(alias, entry type)` of every entry as `keytool -list -v` sees it, in strict mode (no
/// JKS/PKCS12 auto-detection), after checking the declared store type and entry count.
pub(crate) fn keytool_list(
    format: StoreFormat,
    path: &str,
    password: &str,
) -> Vec<(String, String)> {
    let (ok, out) = run_jdk(
        "keytool",
        &[
            STRICT_KEYTOOL,
            "-list",
            "-v",
            "-storetype",
            format.java_type(),
            "-keystore",
            path,
            "-storepass",
            password,
        ],
    );
    assert!(
        ok,
        "keytool could not read {path} as {}:\n{out}",
        format.java_type()
    );
    assert!(
        out.contains(&format!("Keystore type: {}\n", format.java_type())),
        "{out}"
    );
    let field = |prefix: &str| -> Vec<String> {
        out.lines()
            .filter_map(|l| l.strip_prefix(prefix))
            .map(str::to_string)
            .collect()
    };
    let entries: Vec<(String, String)> = field("Alias name: ")
        .into_iter()
        .zip(field("Entry type: "))
        .collect();
    let count = format!("Your keystore contains {} entr", entries.len());
    assert!(out.contains(&count), "{count:?} not in:\n{out}");
    entries
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, t)| (a.to_string(), t.to_string()))
        .collect()
}

/// The deployment's certificates, as every truststore holds them.
fn deployment_certs() -> Vec<(String, Vec<u8>)> {
    fixture()
        .pki
        .certs()
        .map(|(id, c)| (id.to_string(), c.der.clone()))
        .collect()
}

/// Keystore `<node>.<ext>` (alias wso2carbon) for every node and one shared truststore.
struct Stores {
    dir: Scratch,
    format: StoreFormat,
}

impl Stores {
    fn new(format: StoreFormat, name: &str) -> Stores {
        let dir = Scratch::new(&format!("{name}-{}", format.extension()));
        let pki = &fixture().pki;
        for (node, cert) in pki.certs() {
            let key = pki.key(&cert.key_id).unwrap();
            let ks = key_store(format, "wso2carbon", key.pkcs8_der(), &cert.der, KS_PASS).unwrap();
            write(&dir, &format!("{node}.{}", format.extension()), &ks);
        }
        let ts = trust_store(format, &deployment_certs(), TS_PASS).unwrap();
        write(&dir, &format!("truststore.{}", format.extension()), &ts);
        Stores { dir, format }
    }
    fn path(&self, name: &str) -> String {
        self.dir
            .join(format!("{name}.{}", self.format.extension()))
            .to_str()
            .unwrap()
            .to_string()
    }
    /// Mutual-TLS handshakes, one Java run for all `(server, client, client truststore,
    /// host)` cases: the server serves `<server>` and trusts `truststore`; the client presents
    /// `<client>`, trusts `<client truststore>` and connects by `host`. One line per case.
    fn handshakes(&self, cases: &[(&str, &str, &str, &str)]) -> Vec<String> {
        let mut args: Vec<String> = [STRICT_JAVA, "tests/java/TlsCheck.java", "handshake"]
            .into_iter()
            .chain([self.format.java_type(), KS_PASS, TS_PASS])
            .map(String::from)
            .collect();
        for (server, client, client_ts, host) in cases {
            args.extend([
                self.path(server),
                self.path("truststore"),
                self.path(client),
            ]);
            args.extend([self.path(client_ts), host.to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (_, out) = run_jdk("java", &args);
        let lines: Vec<String> = out.lines().map(String::from).collect();
        assert_eq!(
            lines.len(),
            cases.len(),
            "one line per case expected:\n{out}"
        );
        lines
    }
}

#[test]
fn keytool_lists_keystores_as_their_declared_type() {
    for format in FORMATS {
        let stores = Stores::new(format, "keytool-ks");
        for node in ["apim-1", "km-1", "km-2"] {
            let entries = keytool_list(format, &stores.path(node), KS_PASS);
            assert_eq!(
                entries,
                pairs(&[("wso2carbon", "PrivateKeyEntry")]),
                "{node}"
            );
        }
    }
}

#[test]
fn keytool_strict_mode_tells_the_formats_apart() {
    // The check above means something only if the wrong type is refused.
    for (format, wrong) in [(StoreFormat::Jks, "PKCS12"), (StoreFormat::Pkcs12, "JKS")] {
        let stores = Stores::new(format, "keytool-strict");
        let path = stores.path("km-1");
        let args = [
            STRICT_KEYTOOL,
            "-list",
            "-storetype",
            wrong,
            "-keystore",
            &path,
            "-storepass",
            KS_PASS,
        ];
        let (ok, out) = run_jdk("keytool", &args);
        assert!(
            !ok,
            "a {} store opened as {wrong}:\n{out}",
            format.java_type()
        );
    }
}

#[test]
fn keytool_lists_truststores_as_trusted_entries() {
    for format in FORMATS {
        let stores = Stores::new(format, "keytool-ts");
        let entries = keytool_list(format, &stores.path("truststore"), TS_PASS);
        assert_eq!(
            entries,
            pairs(&[
                ("apim-1", "trustedCertEntry"),
                ("km-1", "trustedCertEntry"),
                ("km-2", "trustedCertEntry"),
            ])
        );
    }
}

#[test]
fn keytool_lists_truststores_with_public_roots() {
    let mut certs = deployment_certs();
    let roots = mozilla_roots();
    assert_eq!(roots.len(), webpki_root_certs::TLS_SERVER_ROOT_CERTS.len());
    certs.extend(roots.iter().cloned());
    for format in FORMATS {
        let dir = Scratch::new(&format!("keytool-roots-{}", format.extension()));
        let ts = trust_store(format, &certs, TS_PASS).unwrap();
        let path = write(&dir, &format!("truststore.{}", format.extension()), &ts);
        let entries = keytool_list(format, &path, TS_PASS);
        assert_eq!(entries.len(), certs.len());
        assert!(
            entries.iter().all(|(_, t)| t == "trustedCertEntry"),
            "{entries:?}"
        );
        let mut want: Vec<String> = certs.iter().map(|(a, _)| a.clone()).collect();
        let mut got: Vec<String> = entries.into_iter().map(|(a, _)| a).collect();
        want.sort();
        got.sort();
        assert_eq!(got, want);
    }
}

#[test]
fn mozilla_root_aliases_are_stable_and_unique() {
    let roots = mozilla_roots();
    assert_eq!(roots, mozilla_roots());
    let aliases: std::collections::BTreeSet<&str> = roots.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(aliases.len(), roots.len());
    assert!(aliases.iter().all(|a| a
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')));
    assert!(aliases.contains("isrg-root-x1"), "{aliases:?}");
}

#[test]
fn tls_handshakes_between_nodes_by_host_and_load_balancer_name() {
    for format in FORMATS {
        let stores = Stores::new(format, "tls-ok");
        let cases = [
            ("km-1", "apim-1", "km1.example.com"),
            ("km-1", "apim-1", "km.example.com"),
            ("km-2", "apim-1", "km2.example.com"),
            ("km-2", "apim-1", "km.example.com"),
            ("apim-1", "km-1", "apim1.example.com"),
            ("apim-1", "km-2", "apim1.example.com"),
        ];
        let cases = cases.map(|(server, client, host)| (server, client, "truststore", host));
        for (line, case) in stores.handshakes(&cases).iter().zip(cases) {
            let want = format!("OK {} TLSv1.2/", case.3);
            assert!(
                line.starts_with(&want) && line.contains(" TLSv1.3/"),
                "{format:?} {case:?}: {line}"
            );
        }
    }
}

#[test]
fn tls_handshake_fails_without_the_peer_in_the_truststore() {
    for format in FORMATS {
        let stores = Stores::new(format, "tls-pkix");
        // A truststore that holds only the API-M certificate: the Key Manager is unknown.
        let apim_only: Vec<_> = deployment_certs()
            .into_iter()
            .filter(|(a, _)| a == "apim-1")
            .collect();
        let ts = trust_store(format, &apim_only, TS_PASS).unwrap();
        write(
            &stores.dir,
            &format!("apim-only.{}", format.extension()),
            &ts,
        );
        let out = &stores.handshakes(&[("km-1", "apim-1", "apim-only", "km1.example.com")])[0];
        assert!(
            out.starts_with("FAIL km1.example.com TLSv1.2 client: "),
            "{out}"
        );
        assert!(out.contains("PKIX path building failed"), "{out}");
        assert!(
            out.contains("unable to find valid certification path"),
            "{out}"
        );
    }
}

#[test]
fn tls_handshake_fails_for_a_name_not_in_the_certificate() {
    for format in FORMATS {
        let stores = Stores::new(format, "tls-name");
        let out = &stores.handshakes(&[("km-1", "apim-1", "truststore", "km2.example.com")])[0];
        assert!(
            out.starts_with("FAIL km2.example.com TLSv1.2 client: "),
            "{out}"
        );
        assert!(
            out.contains("No subject alternative DNS name matching km2.example.com found"),
            "{out}"
        );
    }
}

#[test]
fn jwt_signed_with_a_node_key_verifies_with_the_truststore_certificate() {
    for format in FORMATS {
        let stores = Stores::new(format, "jwt");
        let (ks, ts) = (stores.path("km-1"), stores.path("truststore"));
        // km-2 shares the IS-KM key pair, so its certificate verifies km-1's tokens too.
        let args = [
            STRICT_JAVA,
            "tests/java/TlsCheck.java",
            "jwt",
            format.java_type(),
            &ks,
            KS_PASS,
            "wso2carbon",
            &ts,
            TS_PASS,
            "km-1",
            "km-2",
            "apim-1",
        ];
        let (_, out) = run_jdk("java", &args);
        let want = "OK km-1 signature verifies\nOK km-2 signature verifies\n\
                    FAIL apim-1 signature does not verify\n";
        assert_eq!(out, want, "{format:?}");
    }
}

/// A rebuild keeps a store on disk when it decodes to the expected entries, without writing a
/// new one: the expectation must be exactly what the written store decodes to.
#[test]
fn expected_entries_are_what_the_written_stores_decode_to() {
    let pki = &fixture().pki;
    let (cert, other) = (pki.cert("km-1").unwrap(), pki.cert("km-2").unwrap());
    let key = pki.key("is-km").unwrap();
    let mut trusted = deployment_certs();
    trusted.extend(mozilla_roots().iter().take(3).cloned());
    trusted.push(("Mixed Case".to_string(), other.der.clone()));
    let chain = ca_chain();
    for format in FORMATS {
        let ks = key_store(format, "WSO2Carbon", key.pkcs8_der(), &cert.der, KS_PASS).unwrap();
        let want = key_entries("WSO2Carbon", key.pkcs8_der(), &cert.der, &[], KS_PASS).unwrap();
        assert_eq!(
            decode(format, &ks, KS_PASS).unwrap(),
            want,
            "{format:?} keystore"
        );
        let moved = key_entries("WSO2Carbon", key.pkcs8_der(), &other.der, &[], KS_PASS).unwrap();
        assert_ne!(decode(format, &ks, KS_PASS).unwrap(), moved);
        // With issuers (private-ca, operator chains) the chain follows the certificate.
        let (leaf_key, leaf, ca) = &chain;
        let issuers: &[&[u8]] = &[ca.as_slice()];
        let chained =
            key_store_chain(format, "WSO2Carbon", leaf_key, leaf, issuers, KS_PASS).unwrap();
        let want = key_entries("WSO2Carbon", leaf_key, leaf, issuers, KS_PASS).unwrap();
        assert_eq!(decode(format, &chained, KS_PASS).unwrap(), want);
        let alone = key_entries("WSO2Carbon", leaf_key, leaf, &[], KS_PASS).unwrap();
        assert_ne!(decode(format, &chained, KS_PASS).unwrap(), alone);
        let ts = trust_store(format, &trusted, TS_PASS).unwrap();
        let want = trust_entries(&trusted, TS_PASS).unwrap();
        assert_eq!(
            decode(format, &ts, TS_PASS).unwrap(),
            want,
            "{format:?} truststore"
        );
        assert_ne!(decode(format, &ts, TS_PASS).unwrap(), want[1..].to_vec());
    }
    let twice = [trusted[0].clone(), trusted[0].clone()];
    assert!(matches!(
        trust_entries(&twice, TS_PASS),
        Err(StoreError::DuplicateAlias(_))
    ));
}

#[test]
fn summaries_are_deterministic_text() {
    let pki = &fixture().pki;
    let cert = pki.cert("km-1").unwrap();
    let key = pki.key("is-km").unwrap();
    let want_ks = "\
{TYPE} store, 1 entries
wso2carbon: PrivateKeyEntry
  [0] subject: CN=km1.example.com
      issuer: CN=km1.example.com
      san: DNS:km1.example.com, DNS:km.example.com, DNS:localhost
      key: RSA 2048
";
    let ts_entry = |alias: &str, host: &str, sans: &str| {
        format!(
            "{alias}: trustedCertEntry\n  [0] subject: CN={host}\n      issuer: CN={host}\n      \
             san: {sans}\n      key: RSA 2048\n"
        )
    };
    let want_ts = format!(
        "{{TYPE}} store, 3 entries\n{}{}{}",
        ts_entry(
            "apim-1",
            "apim1.example.com",
            "DNS:apim1.example.com, DNS:localhost, IP:127.0.0.1"
        ),
        ts_entry(
            "km-1",
            "km1.example.com",
            "DNS:km1.example.com, DNS:km.example.com, DNS:localhost"
        ),
        ts_entry(
            "km-2",
            "km2.example.com",
            "DNS:km2.example.com, DNS:km.example.com, DNS:localhost"
        ),
    );
    for format in FORMATS {
        let ks = key_store(format, "WSO2Carbon", key.pkcs8_der(), &cert.der, KS_PASS).unwrap();
        let text = summary(format, &ks, KS_PASS).unwrap();
        assert_eq!(text, want_ks.replace("{TYPE}", format.java_type()));
        let ts = trust_store(format, &deployment_certs(), TS_PASS).unwrap();
        let text = summary(format, &ts, TS_PASS).unwrap();
        assert_eq!(text, want_ts.replace("{TYPE}", format.java_type()));
        // A wrong password is an error, not an empty summary.
        assert!(summary(format, &ts, "wrong-password").is_err());
    }
}

#[test]
fn bad_passwords_are_rejected_without_being_echoed() {
    let pki = &fixture().pki;
    let (cert, key) = (pki.cert("km-1").unwrap(), pki.key("is-km").unwrap());
    for format in FORMATS {
        for (password, needle) in [
            ("abc12", "at least 6 characters"),
            ("", "at least 6 characters"),
            ("pässwort1", "printable ASCII"),
            ("tab\there1", "printable ASCII"),
        ] {
            let err =
                key_store(format, "wso2carbon", key.pkcs8_der(), &cert.der, password).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(shown.contains(needle), "{shown}");
            if !password.is_empty() {
                assert!(!shown.contains(password), "{shown}");
            }
            let err = trust_store(format, &deployment_certs(), password).unwrap_err();
            assert!(err.to_string().contains(needle), "{err}");
        }
    }
}

#[test]
fn mismatched_key_and_duplicate_aliases_are_rejected() {
    let pki = &fixture().pki;
    let (km_cert, apim_key) = (pki.cert("km-1").unwrap(), pki.key("apim").unwrap());
    for format in FORMATS {
        let err = key_store(
            format,
            "wso2carbon",
            apim_key.pkcs8_der(),
            &km_cert.der,
            KS_PASS,
        )
        .unwrap_err();
        assert!(matches!(err, StoreError::BadKey { .. }), "{err}");
        let mut certs = deployment_certs();
        certs.push(("KM-1".into(), km_cert.der.clone()));
        let err = trust_store(format, &certs, TS_PASS).unwrap_err();
        assert!(
            matches!(err, StoreError::DuplicateAlias(ref a) if a == "km-1"),
            "{err}"
        );
    }
    assert_eq!(StoreFormat::Jks.extension(), "jks");
    assert_eq!(StoreFormat::Pkcs12.extension(), "p12");
}

/// Java 8 before 8u301 reads only the legacy PKCS12 algorithms: OpenSSL (an independent
/// reader) must see PBE-SHA1-3DES for the key and the certificates and an HmacSHA1 MAC,
/// never PBES2/AES (the default of newer tools, which those JDKs refuse).
#[test]
fn pkcs12_stores_use_the_algorithms_java_8_reads() {
    let stores = Stores::new(StoreFormat::Pkcs12, "openssl-p12");
    for (name, pass, bags) in [
        (
            "km-1",
            KS_PASS,
            &["PKCS7 Encrypted data", "Shrouded Keybag"][..],
        ),
        ("truststore", TS_PASS, &["PKCS7 Encrypted data"][..]),
    ] {
        let out = Command::new("openssl")
            .args(["pkcs12", "-info", "-noout", "-in", &stores.path(name)])
            .arg("-passin")
            .arg(format!("pass:{pass}"))
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run `openssl` ({e}): install it (apt-get install -y openssl)")
            });
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{name}: {text}");
        assert!(text.contains("MAC: sha1,"), "{name}: {text}");
        for bag in bags {
            assert!(
                text.lines()
                    .any(|l| l.starts_with(&format!("{bag}: pbeWithSHA1And3-KeyTripleDES-CBC"))),
                "{name}: {bag} is not PBE-SHA1-3DES:\n{text}"
            );
        }
        for modern in ["PBES2", "AES", "sha256"] {
            assert!(!text.contains(modern), "{name}: {modern} found:\n{text}");
        }
    }
}

/// A CA and a leaf it issued: (leaf PKCS#8 DER, leaf DER, CA DER).
fn ca_chain() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, PKCS_RSA_SHA256,
    };
    let ca_key = KeyPair::generate_for(&PKCS_RSA_SHA256).unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    // Distinct names: PKCS#12 readers link a chain by issuer and subject.
    ca.distinguished_name.push(DnType::CommonName, "Test CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_der = ca.self_signed(&ca_key).unwrap().der().to_vec();
    let leaf_key = KeyPair::generate_for(&PKCS_RSA_SHA256).unwrap();
    let mut leaf = CertificateParams::new(vec!["km1.example.com".to_string()]).unwrap();
    leaf.distinguished_name
        .push(DnType::CommonName, "km1.example.com");
    let leaf = leaf
        .signed_by(&leaf_key, &Issuer::from_params(&ca, &ca_key))
        .unwrap();
    (leaf_key.serialize_der(), leaf.der().to_vec(), ca_der)
}
