//! Keys phase: reuse, re-issue, rotation refusal, file modes, certificate contents.
use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::sync::OnceLock;
use std::time::Instant;

use kmgen::pki::{
    load_or_create, write_dir, CertAction, CertSpec, KeyAction, KeySpec, Pki, PkiError, Signer,
};
use time::{Duration, OffsetDateTime};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::{FromDer, X509Version};

use crate::support::Scratch;

/// The fixed clock of every test: 2025-01-01T00:00:00Z.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_735_689_600).unwrap()
}

pub fn key_specs() -> Vec<KeySpec> {
    vec![
        KeySpec {
            id: "apim".into(),
            bits: 2048,
        },
        KeySpec {
            id: "is-km".into(),
            bits: 2048,
        },
    ]
}

fn cert(id: &str, key_id: &str, cn: &str, sans: &[&str]) -> CertSpec {
    CertSpec {
        id: id.into(),
        key_id: key_id.into(),
        common_name: cn.into(),
        sans: sans.iter().map(|s| s.to_string()).collect(),
        validity_days: 3650,
        signer: Signer::SelfSigned,
    }
}

/// One API-M node and two IS-KM nodes behind the load balancer `km.example.com`.
pub fn cert_specs() -> Vec<CertSpec> {
    vec![
        cert(
            "apim-1",
            "apim",
            "apim1.example.com",
            &["apim1.example.com", "localhost", "127.0.0.1"],
        ),
        cert(
            "km-1",
            "is-km",
            "km1.example.com",
            &["km1.example.com", "km.example.com", "localhost"],
        ),
        cert(
            "km-2",
            "is-km",
            "km2.example.com",
            &["km2.example.com", "km.example.com", "localhost"],
        ),
    ]
}

pub struct Fixture {
    pub pki: Pki,
}

/// Generated once per test binary: 2048-bit keys still take a moment each. They are generated
/// in an empty scratch folder, removed at once: a test that wants a `pki/` folder gets one
/// written from `pki` (`fixture_copy`), so nothing outlives the process.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let empty = Scratch::new("fixture-pki");
        let (pki, report) = load_or_create(&empty, &key_specs(), &cert_specs(), now(), false)
            .expect("fixture keys");
        assert!(
            report.keys.iter().all(|(_, a)| *a == KeyAction::Generated),
            "{report}"
        );
        Fixture { pki }
    })
}

/// A scratch `pki/` folder holding the fixture's keys and certificates.
fn fixture_copy(name: &str) -> Scratch {
    let dir = Scratch::new(name);
    write_dir(&fixture().pki, &dir).expect("write fixture");
    dir
}

fn parse(der: &[u8]) -> X509Certificate<'_> {
    X509Certificate::from_der(der).unwrap().1
}

fn sans(der: &[u8]) -> BTreeSet<String> {
    let cert = parse(der);
    let ext = cert.subject_alternative_name().unwrap().unwrap();
    ext.value
        .general_names
        .iter()
        .map(|n| n.to_string())
        .collect()
}

#[test]
fn certificate_says_what_the_spec_says() {
    let pki = &fixture().pki;
    let issued = pki.cert("km-1").unwrap();
    assert_eq!(issued.key_id, "is-km");
    let cert = parse(&issued.der);
    assert_eq!(cert.version(), X509Version::V3);
    assert_eq!(cert.subject().to_string(), "CN=km1.example.com");
    assert_eq!(cert.issuer(), cert.subject());
    assert_eq!(
        sans(&issued.der),
        [
            "DNSName(km1.example.com)",
            "DNSName(km.example.com)",
            "DNSName(localhost)"
        ]
        .map(String::from)
        .into()
    );
    let apim_sans = sans(&pki.cert("apim-1").unwrap().der);
    assert!(
        apim_sans.contains("IPAddress(7f:00:00:01)"),
        "{apim_sans:?}"
    );

    let ku = cert.key_usage().unwrap().unwrap().value;
    assert!(ku.digital_signature() && ku.key_encipherment() && !ku.key_cert_sign());
    let eku = cert.extended_key_usage().unwrap().unwrap().value;
    assert!(eku.server_auth && eku.client_auth);
    assert!(!cert.basic_constraints().unwrap().unwrap().value.ca);
    assert_eq!(
        cert.signature_algorithm.algorithm,
        x509_parser::oid_registry::OID_PKCS1_SHA256WITHRSA
    );
    assert_eq!(
        cert.public_key().raw,
        pki.key("is-km").unwrap().public_key_der().as_slice()
    );

    let not_before = now() - Duration::days(1);
    assert_eq!(
        cert.validity().not_before.timestamp(),
        not_before.unix_timestamp()
    );
    assert_eq!(
        cert.validity().not_after.timestamp(),
        (not_before + Duration::days(3650)).unix_timestamp()
    );
    // Positive, 16 bytes, and different for two certificates on one key.
    assert_eq!(cert.raw_serial().len(), 16);
    assert_ne!(
        cert.raw_serial(),
        parse(&pki.cert("km-2").unwrap().der).raw_serial()
    );
    assert!(issued.pem.starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(pki.key("apim").unwrap().bits(), 2048);
}

#[test]
fn second_run_reuses_keys_and_certificates_byte_for_byte() {
    let dir = fixture_copy("reuse");
    let (pki, report) = load_or_create(&dir, &key_specs(), &cert_specs(), now(), false).unwrap();
    assert!(
        report.keys.iter().all(|(_, a)| *a == KeyAction::Reused),
        "{report}"
    );
    assert!(
        report.certs.iter().all(|(_, a)| *a == CertAction::Reused),
        "{report}"
    );
    let original = &fixture().pki;
    for (id, key) in original.keys() {
        assert_eq!(pki.key(id).unwrap().pkcs8_der(), key.pkcs8_der());
    }
    for (id, cert) in original.certs() {
        assert_eq!(pki.cert(id).unwrap(), cert);
    }
    // Written again, the files are the same bytes.
    let out = Scratch::new("reuse-out");
    write_dir(&pki, &out).unwrap();
    for file in [
        "keys/apim.key.pem",
        "keys/is-km.key.pem",
        "certs/km-1.crt.pem",
    ] {
        assert_eq!(
            fs::read(out.join(file)).unwrap(),
            fs::read(dir.join(file)).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn fixed_clock_and_keys_give_the_same_certificates() {
    // Only the keys survive; the certificates come out identical anyway.
    let dir = fixture_copy("pki-reproducible");
    fs::remove_dir_all(dir.join("certs")).unwrap();
    let (pki, report) = load_or_create(&dir, &key_specs(), &cert_specs(), now(), false).unwrap();
    assert!(
        report.certs.iter().all(|(_, a)| *a == CertAction::Issued),
        "{report}"
    );
    for (id, cert) in fixture().pki.certs() {
        assert_eq!(pki.cert(id).unwrap().der, cert.der, "{id}");
    }
}

#[test]
fn host_change_reissues_the_certificate_on_the_same_key() {
    let dir = fixture_copy("host-change");
    let mut certs = cert_specs();
    certs[1].sans.push("km1.internal.example.com".into());
    let (pki, report) = load_or_create(&dir, &key_specs(), &certs, now(), false).unwrap();
    assert!(
        report.keys.iter().all(|(_, a)| *a == KeyAction::Reused),
        "{report}"
    );
    assert_eq!(
        report.certs,
        vec![
            ("apim-1".into(), CertAction::Reused),
            (
                "km-1".into(),
                CertAction::Reissued {
                    reason: "host names changed".into()
                }
            ),
            ("km-2".into(), CertAction::Reused),
        ]
    );
    let new = parse(&pki.cert("km-1").unwrap().der);
    let old = parse(&fixture().pki.cert("km-1").unwrap().der);
    assert_eq!(new.public_key().raw, old.public_key().raw);
    assert!(sans(&pki.cert("km-1").unwrap().der).contains("DNSName(km1.internal.example.com)"));

    // Validity length is part of the spec too.
    let mut certs = cert_specs();
    certs[0].validity_days = 825;
    let (_, report) = load_or_create(&dir, &key_specs(), &certs, now(), false).unwrap();
    assert_eq!(
        report.certs[0].1,
        CertAction::Reissued {
            reason: "validity changed".into()
        }
    );
}

fn assert_rotation_refused(result: Result<(Pki, kmgen::pki::PkiReport), PkiError>, needle: &str) {
    let err = result.expect_err("rotation must be refused");
    assert!(matches!(err, PkiError::RotationRefused { .. }), "{err:?}");
    let msg = err.to_string();
    for part in [
        needle,
        "encrypted registry data and tokens unreadable",
        "--rotate-keys",
    ] {
        assert!(msg.contains(part), "{msg:?} lacks {part:?}");
    }
}

#[test]
fn key_size_change_is_a_rotation() {
    let dir = fixture_copy("resize");
    let mut keys = key_specs();
    keys[0].bits = 3072;
    assert_rotation_refused(
        load_or_create(&dir, &keys, &cert_specs(), now(), false),
        "apim (2048 → 3072 bits)",
    );
    // Nothing was touched.
    let text = fs::read_to_string(dir.join("keys/apim.key.pem")).unwrap();
    assert_eq!(text, fixture().pki.key("apim").unwrap().pem());

    let (pki, report) = load_or_create(&dir, &keys, &cert_specs(), now(), true).unwrap();
    assert_eq!(
        report.keys[0],
        ("apim".into(), KeyAction::Rotated { old_bits: 2048 })
    );
    assert_eq!(report.keys[1], ("is-km".into(), KeyAction::Reused));
    assert_eq!(pki.key("apim").unwrap().bits(), 3072);
    assert_eq!(
        report.certs[0].1,
        CertAction::Reissued {
            reason: "key changed".into()
        }
    );
}

#[test]
fn switching_to_one_deployment_key_is_a_rotation() {
    let dir = fixture_copy("to-deployment");
    let keys = vec![KeySpec {
        id: "deployment".into(),
        bits: 2048,
    }];
    let certs: Vec<CertSpec> = cert_specs()
        .into_iter()
        .map(|c| CertSpec {
            key_id: "deployment".into(),
            ..c
        })
        .collect();
    assert_rotation_refused(
        load_or_create(&dir, &keys, &certs, now(), false),
        "apim replaced by deployment",
    );
    let (pki, report) = load_or_create(&dir, &keys, &certs, now(), true).unwrap();
    assert_eq!(
        report.keys,
        vec![
            ("deployment".into(), KeyAction::Generated),
            ("apim".into(), KeyAction::Retired),
            ("is-km".into(), KeyAction::Retired),
        ]
    );
    assert_eq!(pki.keys().count(), 1);
}

#[test]
fn adding_a_key_alongside_existing_ones_is_not_a_rotation() {
    let dir = fixture_copy("add-key");
    let mut keys = key_specs();
    keys.push(KeySpec {
        id: "lb".into(),
        bits: 2048,
    });
    let (_, report) = load_or_create(&dir, &keys, &cert_specs(), now(), false).unwrap();
    assert_eq!(report.keys[2], ("lb".into(), KeyAction::Generated));
    assert!(report.to_string().contains("key lb: generated"));
}

#[test]
fn replacing_a_load_balancer_key_is_not_a_rotation() {
    let dir = fixture_copy("swap-lb-key");
    let with = |lb: &str| {
        let mut keys = key_specs();
        keys.push(KeySpec {
            id: lb.into(),
            bits: 2048,
        });
        keys
    };
    let (pki, _) = load_or_create(&dir, &with("lb-km"), &cert_specs(), now(), false).unwrap();
    write_dir(&pki, &dir).unwrap();
    // One load balancer goes, another comes: their keys only secure the TLS front.
    let (_, report) =
        load_or_create(&dir, &with("lb-gateway"), &cert_specs(), now(), false).unwrap();
    assert!(
        report
            .keys
            .contains(&("lb-gateway".into(), KeyAction::Generated)),
        "{report}"
    );
    assert!(
        report.keys.contains(&("lb-km".into(), KeyAction::Retired)),
        "{report}"
    );
    // A primary key appearing while another disappears still is one.
    let keys = vec![KeySpec {
        id: "deployment".into(),
        bits: 2048,
    }];
    assert_rotation_refused(
        load_or_create(&dir, &keys, &[], now(), false),
        "replaced by deployment",
    );
}

#[test]
fn private_keys_are_written_with_mode_0600() {
    let dir = Scratch::new("mode");
    // Even over a world-readable file of the same name.
    fs::create_dir_all(dir.join("keys")).unwrap();
    fs::write(dir.join("keys/apim.key.pem"), "old").unwrap();
    fs::set_permissions(
        dir.join("keys/apim.key.pem"),
        fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    write_dir(&fixture().pki, &dir).unwrap();
    for id in ["apim", "is-km"] {
        let path = dir.join(format!("keys/{id}.key.pem"));
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
        assert!(fs::read_to_string(&path)
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----"));
    }
    assert!(dir.join("certs/apim-1.crt.pem").is_file());
}

#[test]
fn errors_and_debug_output_never_show_key_material() {
    let pki = &fixture().pki;
    let debug = format!("{pki:?}");
    let key_pem = pki.key("apim").unwrap().pem();
    let body_line = key_pem.lines().nth(1).unwrap();
    assert!(
        !debug.contains(body_line) && !debug.contains("PRIVATE KEY"),
        "{debug}"
    );

    // A damaged key file: the error names the file, not its content.
    let dir = fixture_copy("bad-key");
    let damaged = key_pem.replace(body_line, "AAAA");
    fs::write(dir.join("keys/apim.key.pem"), &damaged).unwrap();
    let err = load_or_create(&dir, &key_specs(), &cert_specs(), now(), false).unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("apim.key.pem"), "{shown}");
    for line in damaged.lines().skip(2).take(3) {
        assert!(!shown.contains(line), "{shown}");
    }
}

#[test]
fn bad_specs_are_rejected() {
    let dir = Scratch::new("bad-spec");
    let cases: Vec<(Vec<KeySpec>, Vec<CertSpec>, &str)> = vec![
        (
            vec![KeySpec {
                id: "apim".into(),
                bits: 1024,
            }],
            vec![],
            "1024 bits",
        ),
        (
            vec![KeySpec {
                id: "../x".into(),
                bits: 2048,
            }],
            vec![],
            "not a usable id",
        ),
        (
            key_specs(),
            vec![cert("n", "nope", "n.example.com", &[])],
            "no key spec with id nope",
        ),
        (
            key_specs(),
            vec![cert("n", "apim", "n", &["bad name"])],
            "not a DNS name or IP",
        ),
    ];
    for (keys, certs, needle) in cases {
        let err = load_or_create(&dir, &keys, &certs, now(), false).unwrap_err();
        assert!(err.to_string().contains(needle), "{err} lacks {needle}");
    }
}

/// Run with `cargo test --test it -- --ignored --nocapture key_generation_timings`.
#[test]
#[ignore = "timing report, slow"]
fn key_generation_timings() {
    for bits in [2048, 3072, 4096] {
        let mut times = Vec::new();
        for round in 0..5 {
            let dir = Scratch::new(&format!("timing-{bits}-{round}"));
            let keys = [KeySpec {
                id: "k".into(),
                bits,
            }];
            let start = Instant::now();
            load_or_create(&dir, &keys, &[], now(), false).unwrap();
            times.push(start.elapsed().as_millis());
        }
        println!("RSA {bits}: {times:?} ms");
    }
    let dir = Scratch::new("timing-parallel");
    let keys: Vec<KeySpec> = (0..2)
        .map(|i| KeySpec {
            id: format!("k{i}"),
            bits: 4096,
        })
        .collect();
    let start = Instant::now();
    load_or_create(&dir, &keys, &[], now(), false).unwrap();
    println!(
        "2 x RSA 4096 in parallel: {} ms",
        start.elapsed().as_millis()
    );
}
