//! The public root CAs a truststore may hold, with stable aliases.
use std::collections::BTreeSet;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

/// The Mozilla root CAs (webpki-root-certs), with stable aliases from their subject names.
pub fn mozilla_roots() -> Vec<(String, Vec<u8>)> {
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
