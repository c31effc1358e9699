//! Load phase: an operator's certificate chain, checked as a TLS peer would: each certificate
//! issued (name and signature) by the next, every one in force, ending at a root that the
//! file holds or the truststores hold; and the host names a certificate covers.
use crate::model::Tls;
use crate::topology::mozilla_roots;
use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use std::net::IpAddr;
use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;

pub(super) struct ChainProblem {
    pub what: String,
    pub fix: String,
}

/// `the certificate "CN=gw.example.com"`, for problems.
pub(super) fn describe(cert: &X509Certificate<'_>) -> String {
    format!("the certificate `{}`", cert.subject())
}

/// The RSA modulus size of the certificate's key; 0 for another kind of key.
pub(super) fn rsa_bits(cert: &X509Certificate<'_>) -> u32 {
    match cert.public_key().parsed() {
        Ok(PublicKey::RSA(rsa)) => u32::try_from(rsa.key_size()).unwrap_or(0),
        _ => 0,
    }
}

/// Whether the certificate's subject alternative names cover `host` (a `*.` wildcard
/// stands for exactly one label).
pub(super) fn covers(cert: &X509Certificate<'_>, host: &str) -> bool {
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return false;
    };
    let ip = host.parse::<IpAddr>().ok();
    san.value.general_names.iter().any(|name| match (name, ip) {
        (GeneralName::IPAddress(bytes), Some(ip)) => match ip {
            IpAddr::V4(v4) => *bytes == v4.octets(),
            IpAddr::V6(v6) => *bytes == v6.octets(),
        },
        (GeneralName::DNSName(dns), None) => dns_matches(dns, host),
        _ => false,
    })
}

fn dns_matches(pattern: &str, host: &str) -> bool {
    let (pattern, host) = (pattern.to_ascii_lowercase(), host.to_ascii_lowercase());
    match pattern.strip_prefix("*.") {
        Some(suffix) => host
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
        None => pattern == host,
    }
}

/// Checks `chain` (DER, the certificate first) at the build clock `now`.
pub(super) fn check_chain(
    chain: &[Vec<u8>],
    tls: &Tls,
    now: OffsetDateTime,
) -> Result<(), ChainProblem> {
    let certs: Vec<X509Certificate<'_>> = chain
        .iter()
        .filter_map(|der| X509Certificate::from_der(der).ok().map(|(_, c)| c))
        .collect();
    for issuer in &certs[1..] {
        if issuer.validity().not_after.timestamp() <= now.unix_timestamp() {
            return Err(ChainProblem {
                what: format!(
                    "its issuer, {}, expired on {}",
                    describe(issuer),
                    issuer.validity().not_after
                ),
                fix: "use the issuer's current certificate in the file".into(),
            });
        }
    }
    for pair in certs.windows(2) {
        let (child, parent) = (&pair[0], &pair[1]);
        if child.issuer().as_raw() != parent.subject().as_raw() || !signed_by(child, parent) {
            return Err(ChainProblem {
                what: format!("the chain breaks: {} was not issued by the next certificate in the file, {}", describe(child), describe(parent)),
                fix: "list the certificate first, then each issuer in order (intermediates, then optionally the root)".into(),
            });
        }
    }
    let top = certs.last().expect("at least one certificate");
    if top.issuer().as_raw() == top.subject().as_raw() {
        return Ok(()); // a root in the file: kmgen adds it to the truststores
    }
    let mut anchors: Vec<Vec<u8>> = tls
        .extra_trusted
        .iter()
        .flat_map(|e| e.certificates.clone())
        .collect();
    if tls.public_roots {
        anchors.extend(mozilla_roots().iter().map(|(_, der)| der.clone()));
    }
    let found = anchors.iter().any(|der| {
        X509Certificate::from_der(der).is_ok_and(|(_, root)| {
            top.issuer().as_raw() == root.subject().as_raw() && signed_by(top, &root)
        })
    });
    if found {
        Ok(())
    } else {
        Err(ChainProblem {
            what: format!("the chain is incomplete: it ends at {}, issued by `{}`, which is neither in the file nor in the truststores", describe(top), top.issuer()),
            fix: "append the issuing CA certificates up to the root to the file, or add the root to tls.extra_trusted (public roots need tls.public_roots = true)".into(),
        })
    }
}

/// Whether `parent`'s key made `child`'s signature (RSA PKCS#1 or ECDSA P-256 / P-384).
fn signed_by(child: &X509Certificate<'_>, parent: &X509Certificate<'_>) -> bool {
    let Some(alg) = algorithm(child, parent) else {
        return false;
    };
    let key = &parent.public_key().subject_public_key.data;
    UnparsedPublicKey::new(alg, key)
        .verify(child.tbs_certificate.as_ref(), &child.signature_value.data)
        .is_ok()
}

fn algorithm(
    child: &X509Certificate<'_>,
    parent: &X509Certificate<'_>,
) -> Option<&'static dyn VerificationAlgorithm> {
    let curve = parent
        .public_key()
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.to_id_string());
    Some(
        match (
            child.signature_algorithm.algorithm.to_id_string().as_str(),
            curve.as_deref(),
        ) {
            ("1.2.840.113549.1.1.11", _) => &signature::RSA_PKCS1_2048_8192_SHA256,
            ("1.2.840.113549.1.1.12", _) => &signature::RSA_PKCS1_2048_8192_SHA384,
            ("1.2.840.113549.1.1.13", _) => &signature::RSA_PKCS1_2048_8192_SHA512,
            ("1.2.840.10045.4.3.2", Some("1.2.840.10045.3.1.7")) => {
                &signature::ECDSA_P256_SHA256_ASN1
            }
            ("1.2.840.10045.4.3.2", Some("1.3.132.0.34")) => &signature::ECDSA_P384_SHA256_ASN1,
            ("1.2.840.10045.4.3.3", Some("1.2.840.10045.3.1.7")) => {
                &signature::ECDSA_P256_SHA384_ASN1
            }
            ("1.2.840.10045.4.3.3", Some("1.3.132.0.34")) => &signature::ECDSA_P384_SHA384_ASN1,
            _ => return None,
        },
    )
}
