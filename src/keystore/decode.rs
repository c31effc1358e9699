//! Reading stores back: each entry as Java sees it (for reuse checks and summaries).
use super::error::StoreError;
use super::format::{encoding, jks_store};
use crate::model::StoreFormat;
use p12_keystore::{KeyStoreEntry, Pkcs12ImportPolicy};

/// One entry of a store as Java sees it.
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    pub alias: String,
    /// PKCS#8 DER of a PrivateKeyEntry's key; `None` for a trustedCertEntry.
    pub private_key: Option<Vec<u8>>,
    /// Certificate chain (DER); one certificate for a trustedCertEntry.
    pub chain: Vec<Vec<u8>>,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("alias", &self.alias)
            .field(
                "private_key",
                &self.private_key.as_ref().map(|_| "<redacted>"),
            )
            .field("certificates", &self.chain.len())
            .finish()
    }
}

/// Opens a store with its password and returns its entries, sorted by alias.
pub fn decode(format: StoreFormat, bytes: &[u8], password: &str) -> Result<Vec<Entry>, StoreError> {
    let err = encoding(format);
    let mut entries = match format {
        StoreFormat::Jks => decode_jks(bytes, password),
        StoreFormat::Pkcs12 => decode_pkcs12(bytes, password),
    }
    .map_err(err)?;
    entries.sort_by(|a, b| a.alias.cmp(&b.alias));
    Ok(entries)
}

fn decode_jks(bytes: &[u8], password: &str) -> Result<Vec<Entry>, String> {
    let mut ks = jks_store();
    ks.load(bytes, password.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut entries = Vec::new();
    for alias in ks.aliases() {
        if ks.is_private_key_entry(&alias) {
            // Decrypting proves the key password equals the store password.
            let entry = ks
                .get_private_key_entry(&alias, password.as_bytes())
                .map_err(|e| format!("{alias}: {e}"))?;
            let chain = entry
                .certificate_chain
                .into_iter()
                .map(|c| c.content)
                .collect();
            entries.push(Entry {
                alias,
                private_key: Some(entry.private_key),
                chain,
            });
        } else {
            let entry = ks
                .get_trusted_certificate_entry(&alias)
                .map_err(|e| e.to_string())?;
            entries.push(Entry {
                alias,
                private_key: None,
                chain: vec![entry.certificate.content],
            });
        }
    }
    Ok(entries)
}

fn decode_pkcs12(bytes: &[u8], password: &str) -> Result<Vec<Entry>, String> {
    // Strict import keeps what Java keeps: keys with their certificates, and certificates
    // marked trusted.
    let ks = p12_keystore::KeyStore::from_pkcs12(bytes, password, Pkcs12ImportPolicy::Strict)
        .map_err(|e| e.to_string())?;
    let entries = ks
        .entries()
        .map(|(alias, entry)| {
            let alias = alias.clone();
            match entry {
                KeyStoreEntry::PrivateKeyChain(chain) => Entry {
                    alias,
                    private_key: Some(chain.key().as_der().to_vec()),
                    chain: chain.certs().iter().map(|c| c.as_der().to_vec()).collect(),
                },
                KeyStoreEntry::Certificate(cert) => Entry {
                    alias,
                    private_key: None,
                    chain: vec![cert.as_der().to_vec()],
                },
                KeyStoreEntry::Secret(_) => Entry {
                    alias,
                    private_key: None,
                    chain: vec![],
                },
            }
        })
        .collect();
    Ok(entries)
}
