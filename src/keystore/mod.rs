//! Stores phase: JKS / PKCS12 keystores and truststores that Java (8 and later) reads.
//!
//! A keystore holds one PrivateKeyEntry whose key password is the store password (Carbon
//! requires both to be equal). A truststore holds trustedCertEntry entries only. PKCS12
//! uses the legacy PBE-SHA1-3DES encryption and an HmacSHA1 MAC, which every Java 8 reads
//! (the AES / HmacSHA256 defaults of newer JDKs need 8u301 or later).
mod decode;
mod encode;
mod error;
mod expect;
mod format;
mod summary;

pub use crate::model::StoreFormat;
/// The Mozilla roots with their aliases (a fact of the truststore that validation reads too).
pub use crate::topology::mozilla_roots;
pub use decode::{decode, Entry};
pub use encode::{key_store, key_store_chain, trust_store};
pub use error::{check_password, StoreError};
pub use expect::{key_entries, trust_entries};
pub use summary::summary;
