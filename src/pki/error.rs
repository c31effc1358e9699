//! Errors of the keys phase, and the IO error with its path.
use std::io;
use std::path::{Path, PathBuf};

/// Errors of the keys phase. No variant carries key material.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path}: not a usable RSA private key (PKCS#8 PEM): {reason}")]
    BadKeyFile { path: PathBuf, reason: String },
    #[error("invalid key or certificate spec: {0}")]
    InvalidSpec(String),
    #[error(
        "refusing to replace primary key pair(s): {changes}. Rotating a primary key makes \
         encrypted registry data and tokens unreadable; rerun with --rotate-keys to replace them"
    )]
    RotationRefused { changes: String },
    #[error(
        "the primary key `{id}` is missing ({path}) but {evidence} was issued on it. A new key \
         would make encrypted registry data and tokens unreadable: restore the key file from a \
         backup, or rerun with --rotate-keys to replace it on purpose"
    )]
    MissingKey {
        id: String,
        path: PathBuf,
        evidence: String,
    },
    #[error(
        "the primary key `{id}` ({path}) is not the key of {cert}: the key file was replaced. \
         Restore the original key file, or rerun with --rotate-keys to re-issue on the new key"
    )]
    KeyMismatch {
        id: String,
        path: PathBuf,
        cert: PathBuf,
    },
    #[error(
        "{path} can be written by other users (mode {mode:o}), so another user could swap a \
         key: run `chmod go-w {path}` and check the keys are yours"
    )]
    Writable { path: PathBuf, mode: u32 },
    #[error("generating key {id}: {reason}")]
    KeyGeneration { id: String, reason: String },
    #[error("issuing certificate {id}: {reason}")]
    CertIssue { id: String, reason: String },
}

pub(super) fn io_err(path: &Path) -> impl FnOnce(io::Error) -> PkiError + '_ {
    move |source| PkiError::Io {
        path: path.to_path_buf(),
        source,
    }
}
