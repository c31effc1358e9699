//! The entries a store will hold, known without writing it: a rebuild compares them with the
//! store on disk and keeps its bytes (random salts make every new encoding differ) without
//! encrypting a new store first. Bad input fails here as it would in `encode` (password,
//! aliases, certificates); the key is checked against its certificate only when encoding.
use super::decode::Entry;
use super::error::{check_password, StoreError};
use super::format::{normalize_alias, parse_cert, trusted_aliases};

/// What `decode` returns for the store `key_store_chain(_, alias, key, cert, issuers,
/// password)` writes: one entry whose chain is the certificate, then its issuers.
pub fn key_entries(
    alias: &str,
    key_pkcs8_der: &[u8],
    cert_der: &[u8],
    issuers: &[&[u8]],
    password: &str,
) -> Result<Vec<Entry>, StoreError> {
    check_password(password)?;
    let alias = normalize_alias(alias)?;
    parse_cert(&alias, cert_der)?;
    for issuer in issuers {
        parse_cert(&alias, issuer)?;
    }
    let chain = std::iter::once(cert_der)
        .chain(issuers.iter().copied())
        .map(<[u8]>::to_vec)
        .collect();
    Ok(vec![Entry {
        alias,
        private_key: Some(key_pkcs8_der.to_vec()),
        chain,
    }])
}

/// What `decode` returns for the store `trust_store(_, certs, password)` writes.
pub fn trust_entries(
    certs: &[(String, Vec<u8>)],
    password: &str,
) -> Result<Vec<Entry>, StoreError> {
    check_password(password)?;
    let mut entries = Vec::with_capacity(certs.len());
    for (alias, der) in trusted_aliases(certs)? {
        parse_cert(&alias, der)?;
        entries.push(Entry {
            alias,
            private_key: None,
            chain: vec![der.to_vec()],
        });
    }
    entries.sort_by(|a, b| a.alias.cmp(&b.alias));
    Ok(entries)
}
