//! What both store formats share: aliases as Java keeps them, JKS store options and
//! certificates, encoding errors, and certificates parsed for their dates.
use super::error::StoreError;
use crate::model::StoreFormat;
use std::time::{Duration, SystemTime};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

/// A truststore's certificates under their normalized aliases, each alias once: a store
/// holds one entry per alias (`trust_store` writes these, `trust_entries` expects them).
pub(super) fn trusted_aliases(
    certs: &[(String, Vec<u8>)],
) -> Result<Vec<(String, &[u8])>, StoreError> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(certs.len());
    for (alias, der) in certs {
        let alias = normalize_alias(alias)?;
        if !seen.insert(alias.clone()) {
            return Err(StoreError::DuplicateAlias(alias));
        }
        out.push((alias, der.as_slice()));
    }
    Ok(out)
}

/// Java lowercases aliases in both formats; we do the same so listings match the input.
pub(super) fn normalize_alias(alias: &str) -> Result<String, StoreError> {
    if alias.is_empty() || !alias.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
        return Err(StoreError::BadAlias(alias.to_string()));
    }
    Ok(alias.to_ascii_lowercase())
}

pub(super) fn encoding(format: StoreFormat) -> impl Fn(String) -> StoreError {
    let format = format.java_type();
    move |reason| StoreError::Encoding { format, reason }
}

/// Entry creation date: the certificate's notBefore, so stores depend only on their input.
pub(super) fn creation_time(alias: &str, der: &[u8]) -> Result<SystemTime, StoreError> {
    let cert = parse_cert(alias, der)?;
    let secs = cert.validity().not_before.timestamp().max(0) as u64;
    Ok(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
}

pub(super) fn parse_cert<'a>(
    alias: &str,
    der: &'a [u8],
) -> Result<X509Certificate<'a>, StoreError> {
    X509Certificate::from_der(der)
        .map(|(_, c)| c)
        .map_err(|e| StoreError::BadCertificate {
            alias: alias.to_string(),
            reason: e.to_string(),
        })
}

pub(super) fn jks_store() -> jks::KeyStore {
    jks::KeyStore::with_options(jks::KeyStoreOptions {
        ordered_aliases: true,
        ..Default::default()
    })
}

pub(super) fn jks_cert(der: &[u8]) -> jks::Certificate {
    jks::Certificate {
        cert_type: "X.509".to_string(),
        content: der.to_vec(),
    }
}
