//! What the keys phase produces: key pairs (private halves never in `Debug`), issued
//! certificates, and the set of both for a deployment.
use super::x509::rsa_bits;
use rcgen::{KeyPair, PublicKeyData};
use std::collections::BTreeMap;
use std::fmt;

/// A private key with its PEM text. `Debug` never shows the key.
pub struct KeyMaterial {
    pub(super) key_pair: KeyPair,
    pub(super) pem: String,
    pub(super) bits: u32,
}

impl KeyMaterial {
    pub(super) fn from_key_pair(key_pair: KeyPair) -> Result<Self, String> {
        let bits = rsa_bits(&key_pair.subject_public_key_info())?;
        let pem = key_pair.serialize_pem();
        Ok(KeyMaterial {
            key_pair,
            pem,
            bits,
        })
    }
    /// PKCS#8 DER of the private key.
    pub fn pkcs8_der(&self) -> &[u8] {
        self.key_pair.serialized_der()
    }
    /// PKCS#8 PEM (`BEGIN PRIVATE KEY`).
    pub fn pem(&self) -> &str {
        &self.pem
    }
    pub fn bits(&self) -> u32 {
        self.bits
    }
    /// A copy of the key (the key pair is re-read from its PEM).
    pub(super) fn clone_material(&self) -> KeyMaterial {
        let key_pair = KeyPair::from_pkcs8_pem_and_sign_algo(&self.pem, &rcgen::PKCS_RSA_SHA256)
            .expect("a key kmgen holds re-reads from its own PEM");
        KeyMaterial {
            key_pair,
            pem: self.pem.clone(),
            bits: self.bits,
        }
    }
    /// DER SubjectPublicKeyInfo of the public half.
    pub fn public_key_der(&self) -> Vec<u8> {
        self.key_pair.subject_public_key_info()
    }
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "KeyMaterial {{ RSA {} bits, private key elided }}",
            self.bits
        )
    }
}

/// An issued certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCert {
    pub key_id: String,
    pub der: Vec<u8>,
    pub pem: String,
}

/// Every key pair and certificate of a deployment, by id.
#[derive(Debug, Default)]
pub struct Pki {
    pub(super) keys: BTreeMap<String, KeyMaterial>,
    pub(super) certs: BTreeMap<String, IssuedCert>,
    /// Primary keys this build replaced or retired, with the certificates (PEM) that were
    /// issued on them, by id: kept in the bundle, never thrown away.
    pub(super) replaced: BTreeMap<String, (KeyMaterial, Vec<(String, String)>)>,
}

impl Pki {
    pub fn key(&self, id: &str) -> Option<&KeyMaterial> {
        self.keys.get(id)
    }
    pub fn cert(&self, id: &str) -> Option<&IssuedCert> {
        self.certs.get(id)
    }
    /// Keys in id order.
    pub fn keys(&self) -> impl Iterator<Item = (&str, &KeyMaterial)> {
        self.keys.iter().map(|(id, k)| (id.as_str(), k))
    }
    /// Replaced primary keys: id, key, and the certificates issued on it (id, PEM).
    pub fn replaced(&self) -> impl Iterator<Item = (&str, &KeyMaterial, &[(String, String)])> {
        self.replaced
            .iter()
            .map(|(id, (key, certs))| (id.as_str(), key, certs.as_slice()))
    }
    /// Certificates in id order.
    pub fn certs(&self) -> impl Iterator<Item = (&str, &IssuedCert)> {
        self.certs.iter().map(|(id, c)| (id.as_str(), c))
    }
}
