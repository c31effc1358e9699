//! Errors of the stores phase, and the password rule both formats share.
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
