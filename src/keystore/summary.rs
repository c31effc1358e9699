//! A text view of a store for golden tests: entries, subjects, SANs, issuers, key sizes.
use super::decode::decode;
use super::error::StoreError;
use super::format::parse_cert;
use crate::model::StoreFormat;
use crate::pki::{ip_from_bytes, modulus_bits};
use std::fmt::Write as _;
use x509_parser::extensions::GeneralName;
use x509_parser::public_key::PublicKey;

/// A deterministic text view of a store for golden tests: per entry (in alias order) its
/// type, subject, SANs, issuer and key size. No fingerprints, serials or dates.
pub fn summary(format: StoreFormat, bytes: &[u8], password: &str) -> Result<String, StoreError> {
    let entries: Vec<(String, bool, Vec<Vec<u8>>)> = decode(format, bytes, password)?
        .into_iter()
        .map(|e| (e.alias, e.private_key.is_some(), e.chain))
        .collect();
    let mut out = format!("{} store, {} entries\n", format.java_type(), entries.len());
    for (alias, is_key, chain) in entries {
        let kind = if is_key {
            "PrivateKeyEntry"
        } else {
            "trustedCertEntry"
        };
        let _ = writeln!(out, "{alias}: {kind}");
        for (i, der) in chain.iter().enumerate() {
            describe_cert(&mut out, &alias, i, der)?;
        }
    }
    Ok(out)
}

fn describe_cert(
    out: &mut String,
    alias: &str,
    index: usize,
    der: &[u8],
) -> Result<(), StoreError> {
    let cert = parse_cert(alias, der)?;
    let sans = match cert.subject_alternative_name() {
        Ok(Some(ext)) => ext
            .value
            .general_names
            .iter()
            .map(san_text)
            .collect::<Vec<_>>()
            .join(", "),
        _ => "-".to_string(),
    };
    let key = match cert.public_key().parsed() {
        Ok(PublicKey::RSA(rsa)) => format!("RSA {}", modulus_bits(rsa.modulus)),
        Ok(PublicKey::EC(ec)) => format!("EC {}", ec.key_size()),
        Ok(other) => format!("other {}", other.key_size()),
        Err(_) => "unknown".to_string(),
    };
    let _ = writeln!(out, "  [{index}] subject: {}", cert.subject());
    let _ = writeln!(out, "      issuer: {}", cert.issuer());
    let _ = writeln!(out, "      san: {sans}");
    let _ = writeln!(out, "      key: {key}");
    Ok(())
}

fn san_text(name: &GeneralName<'_>) -> String {
    match name {
        GeneralName::DNSName(dns) => format!("DNS:{dns}"),
        GeneralName::IPAddress(bytes) => match ip_from_bytes(bytes) {
            Some(ip) => format!("IP:{ip}"),
            None => "IP:?".to_string(),
        },
        other => format!("{other}"),
    }
}
