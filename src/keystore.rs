//! Stores phase: JKS / PKCS12 keystores and truststores that Java (8 and later) reads.
//!
//! A keystore holds one PrivateKeyEntry whose key password is the store password (Carbon
//! requires both to be equal). A truststore holds trustedCertEntry entries only. PKCS12
//! uses the legacy PBE-SHA1-3DES encryption and an HmacSHA1 MAC, which every Java 8 reads
//! (the AES / HmacSHA256 defaults of newer JDKs need 8u301 or later).
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use p12_keystore::{EncryptionAlgorithm, KeyStoreEntry, MacAlgorithm, Pkcs12ImportPolicy};
use sha2::{Digest, Sha256};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;

use crate::pki::{ip_from_bytes, modulus_bits};

pub use crate::model::StoreFormat;

/// Iterations of the PKCS12 key derivation and MAC (the JDK's own default).
const PKCS12_ITERATIONS: u32 = 10_000;

/// Errors of the stores phase. Messages never contain passwords or key material.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store password must be printable ASCII (letters, digits, punctuation, spaces)")]
    PasswordNotPrintableAscii,
    #[error("store password must be at least 6 characters long (Java refuses shorter ones)")]
    PasswordTooShort,
    #[error("alias {0:?} is empty or not printable ASCII")]
    BadAlias(String),
    #[error("alias {0:?} appears twice (aliases are case-insensitive)")]
    DuplicateAlias(String),
    #[error("certificate {alias:?}: {reason}")]
    BadCertificate { alias: String, reason: String },
    #[error("private key for {alias:?}: {reason}")]
    BadKey { alias: String, reason: String },
    #[error("{format} store: {reason}")]
    Encoding {
        format: &'static str,
        reason: String,
    },
}

/// Store passwords: printable ASCII, at least 6 characters.
pub fn check_password(password: &str) -> Result<(), StoreError> {
    // The jks crate encodes each byte as one UTF-16 unit: right for ASCII only.
    if !password.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(StoreError::PasswordNotPrintableAscii);
    }
    if password.len() < 6 {
        return Err(StoreError::PasswordTooShort);
    }
    Ok(())
}

/// Java lowercases aliases in both formats; we do the same so listings match the input.
fn normalize_alias(alias: &str) -> Result<String, StoreError> {
    if alias.is_empty() || !alias.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
        return Err(StoreError::BadAlias(alias.to_string()));
    }
    Ok(alias.to_ascii_lowercase())
}

fn encoding(format: StoreFormat) -> impl Fn(String) -> StoreError {
    let format = format.java_type();
    move |reason| StoreError::Encoding { format, reason }
}

/// Entry creation date: the certificate's notBefore, so stores depend only on their input.
fn creation_time(alias: &str, der: &[u8]) -> Result<SystemTime, StoreError> {
    let cert = parse_cert(alias, der)?;
    let secs = cert.validity().not_before.timestamp().max(0) as u64;
    Ok(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
}

fn parse_cert<'a>(alias: &str, der: &'a [u8]) -> Result<X509Certificate<'a>, StoreError> {
    X509Certificate::from_der(der)
        .map(|(_, c)| c)
        .map_err(|e| StoreError::BadCertificate {
            alias: alias.to_string(),
            reason: e.to_string(),
        })
}

/// A keystore with one PrivateKeyEntry `alias`: the key (PKCS#8 DER) and its certificate.
pub fn key_store(
    format: StoreFormat,
    alias: &str,
    key_pkcs8_der: &[u8],
    cert_der: &[u8],
    password: &str,
) -> Result<Vec<u8>, StoreError> {
    check_password(password)?;
    let alias = normalize_alias(alias)?;
    check_key_matches(&alias, key_pkcs8_der, cert_der)?;
    let created = creation_time(&alias, cert_der)?;
    let err = encoding(format);
    match format {
        StoreFormat::Jks => {
            let mut ks = jks_store();
            let entry = jks::PrivateKeyEntry {
                creation_time: created,
                private_key: key_pkcs8_der.to_vec(),
                certificate_chain: vec![jks_cert(cert_der)],
            };
            ks.set_private_key_entry(&alias, entry, password.as_bytes())
                .map_err(|e| err(e.to_string()))?;
            let mut out = Vec::new();
            ks.store(&mut out, password.as_bytes())
                .map_err(|e| err(e.to_string()))?;
            Ok(out)
        }
        StoreFormat::Pkcs12 => {
            let p12_err = |e: p12_keystore::error::Error| err(e.to_string());
            let key = p12_keystore::PrivateKey::from_der(key_pkcs8_der).map_err(p12_err)?;
            let cert = p12_keystore::Certificate::from_der(cert_der).map_err(p12_err)?;
            // Java's localKeyId is arbitrary; a digest of the certificate keeps output stable.
            let key_id = Sha256::digest(cert_der)[..20].to_vec();
            let chain = p12_keystore::PrivateKeyChain::new(key_id, key, [cert]);
            let mut ks = p12_keystore::KeyStore::new();
            ks.add_entry(&alias, KeyStoreEntry::PrivateKeyChain(chain));
            write_pkcs12(&ks, password).map_err(p12_err)
        }
    }
}

/// A truststore of trustedCertEntry entries `(alias, certificate DER)`.
pub fn trust_store(
    format: StoreFormat,
    certs: &[(String, Vec<u8>)],
    password: &str,
) -> Result<Vec<u8>, StoreError> {
    check_password(password)?;
    let mut seen = BTreeSet::new();
    let mut entries = Vec::with_capacity(certs.len());
    for (alias, der) in certs {
        let alias = normalize_alias(alias)?;
        if !seen.insert(alias.clone()) {
            return Err(StoreError::DuplicateAlias(alias));
        }
        let created = creation_time(&alias, der)?;
        entries.push((alias, der, created));
    }
    let err = encoding(format);
    match format {
        StoreFormat::Jks => {
            let mut ks = jks_store();
            for (alias, der, created) in entries {
                let entry = jks::TrustedCertificateEntry {
                    creation_time: created,
                    certificate: jks_cert(der),
                };
                ks.set_trusted_certificate_entry(&alias, entry)
                    .map_err(|e| err(e.to_string()))?;
            }
            let mut out = Vec::new();
            ks.store(&mut out, password.as_bytes())
                .map_err(|e| err(e.to_string()))?;
            Ok(out)
        }
        StoreFormat::Pkcs12 => {
            let p12_err = |e: p12_keystore::error::Error| err(e.to_string());
            let mut ks = p12_keystore::KeyStore::new();
            for (alias, der, _) in entries {
                let cert = p12_keystore::Certificate::from_der(der).map_err(p12_err)?;
                // p12-keystore marks these bags with Oracle's trusted-key-usage attribute
                // (2.16.840.1.113894.746875.1.1), which makes Java list them as trusted.
                ks.add_entry(&alias, KeyStoreEntry::Certificate(cert));
            }
            write_pkcs12(&ks, password).map_err(p12_err)
        }
    }
}

fn jks_store() -> jks::KeyStore {
    jks::KeyStore::with_options(jks::KeyStoreOptions {
        ordered_aliases: true,
        ..Default::default()
    })
}

fn jks_cert(der: &[u8]) -> jks::Certificate {
    jks::Certificate {
        cert_type: "X.509".to_string(),
        content: der.to_vec(),
    }
}

fn write_pkcs12(ks: &p12_keystore::KeyStore, password: &str) -> p12_keystore::Result<Vec<u8>> {
    ks.writer(password)
        .encryption_algorithm(EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc)
        .encryption_iterations(PKCS12_ITERATIONS)
        .mac_algorithm(MacAlgorithm::HmacSha1)
        .mac_iterations(PKCS12_ITERATIONS)
        .write()
}

/// A keystore whose key does not match its certificate fails only at the first handshake.
fn check_key_matches(alias: &str, key_der: &[u8], cert_der: &[u8]) -> Result<(), StoreError> {
    use rcgen::PublicKeyData;
    let key =
        rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&key_der.into(), &rcgen::PKCS_RSA_SHA256)
            .map_err(|e| StoreError::BadKey {
                alias: alias.to_string(),
                reason: e.to_string(),
            })?;
    let cert = parse_cert(alias, cert_der)?;
    if cert.public_key().raw != key.subject_public_key_info().as_slice() {
        return Err(StoreError::BadKey {
            alias: alias.to_string(),
            reason: "does not match the certificate's public key".into(),
        });
    }
    Ok(())
}

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
    let mut entries: Vec<Entry> = Vec::new();
    match format {
        StoreFormat::Jks => {
            let mut ks = jks_store();
            ks.load(bytes, password.as_bytes())
                .map_err(|e| err(e.to_string()))?;
            for alias in ks.aliases() {
                if ks.is_private_key_entry(&alias) {
                    // Decrypting proves the key password equals the store password.
                    let entry = ks
                        .get_private_key_entry(&alias, password.as_bytes())
                        .map_err(|e| err(format!("{alias}: {e}")))?;
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
                        .map_err(|e| err(e.to_string()))?;
                    entries.push(Entry {
                        alias,
                        private_key: None,
                        chain: vec![entry.certificate.content],
                    });
                }
            }
        }
        StoreFormat::Pkcs12 => {
            // Strict import keeps what Java keeps: keys with their certificates, and
            // certificates marked trusted.
            let ks =
                p12_keystore::KeyStore::from_pkcs12(bytes, password, Pkcs12ImportPolicy::Strict)
                    .map_err(|e| err(e.to_string()))?;
            for (alias, entry) in ks.entries() {
                let alias = alias.clone();
                match entry {
                    KeyStoreEntry::PrivateKeyChain(chain) => {
                        let certs = chain.certs().iter().map(|c| c.as_der().to_vec()).collect();
                        let key = Some(chain.key().as_der().to_vec());
                        entries.push(Entry {
                            alias,
                            private_key: key,
                            chain: certs,
                        });
                    }
                    KeyStoreEntry::Certificate(cert) => {
                        entries.push(Entry {
                            alias,
                            private_key: None,
                            chain: vec![cert.as_der().to_vec()],
                        });
                    }
                    KeyStoreEntry::Secret(_) => entries.push(Entry {
                        alias,
                        private_key: None,
                        chain: vec![],
                    }),
                }
            }
        }
    }
    entries.sort_by(|a, b| a.alias.cmp(&b.alias));
    Ok(entries)
}

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
