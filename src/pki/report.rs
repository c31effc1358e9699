//! What the keys phase did with each key and certificate: reused, generated, re-issued.
use std::fmt;

/// What `load_or_create` did with a key pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyAction {
    Reused,
    Generated,
    /// The operator's key, from a node's `key` file.
    Provided,
    /// Replaced an existing key of `old_bits` (only with `allow_rotate`).
    Rotated {
        old_bits: u32,
    },
    /// Found in `pki/` but no longer wanted; not carried into the new bundle.
    Retired,
}

/// What `load_or_create` did with a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertAction {
    Reused,
    Issued,
    /// Re-issued on its key because `reason` changed.
    Reissued {
        reason: String,
    },
}

/// What was reused and what is new, for `-v` logs. Holds no secrets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PkiReport {
    pub keys: Vec<(String, KeyAction)>,
    pub certs: Vec<(String, CertAction)>,
}

impl fmt::Display for PkiReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (id, action) in &self.keys {
            match action {
                KeyAction::Reused => writeln!(f, "key {id}: reused")?,
                KeyAction::Generated => writeln!(f, "key {id}: generated")?,
                KeyAction::Provided => writeln!(f, "key {id}: the operator's")?,
                KeyAction::Rotated { old_bits } => {
                    writeln!(f, "key {id}: rotated (was {old_bits} bits)")?
                }
                KeyAction::Retired => writeln!(f, "key {id}: retired (no longer used)")?,
            }
        }
        for (id, action) in &self.certs {
            match action {
                CertAction::Reused => writeln!(f, "certificate {id}: reused")?,
                CertAction::Issued => writeln!(f, "certificate {id}: issued")?,
                CertAction::Reissued { reason } => {
                    writeln!(f, "certificate {id}: re-issued ({reason})")?
                }
            }
        }
        Ok(())
    }
}
