//! The aliases of a truststore's entries: each certificate of the deployment under its node
//! name or load balancer id, the certificates of `extra_trusted` files as
//! `extra-<file>-<certificate>`, and with `public_roots` the Mozilla root CAs under slugs of
//! their names. Validation keeps node names off the others (a truststore holds an alias once).
use std::collections::BTreeSet;
use std::sync::OnceLock;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

/// The id of the deployment CA's key and certificate (`pki/keys/ca.key.pem`,
/// `pki/certs/ca.crt.pem`) and its truststore alias in `private-ca` mode. Validation keeps
/// node names off it.
pub const CA_ID: &str = "ca";

/// The Mozilla root CAs (webpki-root-certs), with stable aliases from their subject names;
/// read once per process (a build asks several times, and each read parses ~150 certificates).
pub fn mozilla_roots() -> &'static [(String, Vec<u8>)] {
    static ROOTS: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    ROOTS.get_or_init(read_mozilla_roots)
}

fn read_mozilla_roots() -> Vec<(String, Vec<u8>)> {
    let mut seen = BTreeSet::new();
    let mut roots = Vec::new();
    for der in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
        let Ok((_, cert)) = X509Certificate::from_der(der) else {
            continue;
        };
        let subject = cert.subject();
        let name = subject
            .iter_common_name()
            .chain(subject.iter_organizational_unit())
            .chain(subject.iter_organization())
            .find_map(|a| a.as_str().ok())
            .unwrap_or("root");
        let base = slug(name);
        let alias = (1..)
            .map(|n| {
                if n == 1 {
                    base.clone()
                } else {
                    format!("{base}-{n}")
                }
            })
            .find(|a| !seen.contains(a))
            .expect("some suffix is free");
        seen.insert(alias.clone());
        roots.push((alias, der.to_vec()));
    }
    roots
}

/// The alias of certificate `cert` of `extra_trusted[file]`.
pub fn extra_alias(file: usize, cert: usize) -> String {
    format!("extra-{file}-{cert}")
}

/// Whether `name` has the form of an `extra_trusted` alias (`extra-0-1`).
pub fn is_extra_alias(name: &str) -> bool {
    let mut parts = name.split('-');
    parts.next() == Some("extra")
        && parts
            .by_ref()
            .take(2)
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .count()
            == 2
        && parts.next().is_none()
}

/// Whether `name` is the alias of a Mozilla root CA in the truststore.
pub fn is_root_alias(name: &str) -> bool {
    static ALIASES: OnceLock<BTreeSet<String>> = OnceLock::new();
    ALIASES
        .get_or_init(|| mozilla_roots().iter().map(|(a, _)| a.clone()).collect())
        .contains(name)
}

/// `"GlobalSign Root CA - R3"` → `"globalsign-root-ca-r3"`.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "root".to_string()
    } else {
        out.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases() {
        assert!(is_extra_alias(&extra_alias(0, 12)));
        assert!(!is_extra_alias("extra-1") && !is_extra_alias("extra-1-2-3"));
        assert!(!is_extra_alias("extra--1") && !is_extra_alias("extra-a-1"));
        let (first, _) = mozilla_roots().first().cloned().unwrap();
        assert!(is_root_alias(&first) && !is_root_alias("km"));
    }
}
