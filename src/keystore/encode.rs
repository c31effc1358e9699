//! Writing stores: a keystore of one PrivateKeyEntry, a truststore of trustedCertEntry
//! entries, in JKS or in a PKCS12 that every Java 8 reads.
use super::error::{check_password, StoreError};
use super::format::{
    creation_time, encoding, jks_cert, jks_store, normalize_alias, parse_cert, trusted_aliases,
};
use crate::model::StoreFormat;
use p12_keystore::{EncryptionAlgorithm, KeyStoreEntry, MacAlgorithm};
use sha2::{Digest, Sha256};

/// Iterations of the PKCS12 key derivation and MAC (the JDK's own default).
const PKCS12_ITERATIONS: u32 = 10_000;

/// A keystore with one PrivateKeyEntry `alias`: the key (PKCS#8 DER) and its certificate.
pub fn key_store(
    format: StoreFormat,
    alias: &str,
    key_pkcs8_der: &[u8],
    cert_der: &[u8],
    password: &str,
) -> Result<Vec<u8>, StoreError> {
    key_store_chain(format, alias, key_pkcs8_der, cert_der, &[], password)
}

/// A keystore with one PrivateKeyEntry `alias` whose chain is the certificate and then
/// `issuers` (the CA that issued it, up to the root), the order TLS sends them in.
pub fn key_store_chain(
    format: StoreFormat,
    alias: &str,
    key_pkcs8_der: &[u8],
    cert_der: &[u8],
    issuers: &[&[u8]],
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
                certificate_chain: std::iter::once(cert_der)
                    .chain(issuers.iter().copied())
                    .map(jks_cert)
                    .collect(),
            };
            ks.set_private_key_entry(&alias, entry, password.as_bytes())
                .map_err(|e| err(e.to_string()))?;
            write_jks(&ks, password).map_err(err)
        }
        StoreFormat::Pkcs12 => {
            let p12_err = |e: p12_keystore::error::Error| err(e.to_string());
            let key = p12_keystore::PrivateKey::from_der(key_pkcs8_der).map_err(p12_err)?;
            let cert = p12_keystore::Certificate::from_der(cert_der).map_err(p12_err)?;
            // Java's localKeyId is arbitrary; a digest of the certificate keeps output stable.
            let key_id = Sha256::digest(cert_der)[..20].to_vec();
            let mut certs = vec![cert];
            for der in issuers {
                certs.push(p12_keystore::Certificate::from_der(der).map_err(p12_err)?);
            }
            let chain = p12_keystore::PrivateKeyChain::new(key_id, key, certs);
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
    let mut entries = Vec::with_capacity(certs.len());
    for (alias, der) in trusted_aliases(certs)? {
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
            write_jks(&ks, password).map_err(err)
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

fn write_jks(ks: &jks::KeyStore, password: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    ks.store(&mut out, password.as_bytes())
        .map_err(|e| e.to_string())?;
    Ok(out)
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
