//! The specs the plan asks for, checked before anything is read or generated.
use super::error::PkiError;
use crate::plan::{CertSpec, KeySpec, Signer};
use rcgen::RsaKeySize;
use std::collections::BTreeSet;
use std::net::IpAddr;

pub(super) fn check_specs(keys: &[KeySpec], certs: &[CertSpec]) -> Result<(), PkiError> {
    let bad = |msg: String| Err(PkiError::InvalidSpec(msg));
    let mut key_ids = BTreeSet::new();
    for k in keys {
        check_id(&k.id)?;
        if !key_ids.insert(k.id.as_str()) {
            return bad(format!("key id {} appears twice", k.id));
        }
        if rsa_size(k.bits).is_none() {
            return bad(format!(
                "key {}: {} bits; use 2048, 3072 or 4096",
                k.id, k.bits
            ));
        }
    }
    let mut cert_ids = BTreeSet::new();
    let cas = certs.iter().filter(|c| c.signer == Signer::Ca).count();
    let issued = certs.iter().any(|c| c.signer == Signer::IssuedByCa);
    if cas > 1 || (issued && certs.first().map(|c| c.signer) != Some(Signer::Ca)) {
        return bad("certificates issued by a CA need exactly one CA spec, first".into());
    }
    for c in certs {
        check_id(&c.id)?;
        if !cert_ids.insert(c.id.as_str()) {
            return bad(format!("certificate id {} appears twice", c.id));
        }
        if !key_ids.contains(c.key_id.as_str()) {
            return bad(format!(
                "certificate {}: no key spec with id {}",
                c.id, c.key_id
            ));
        }
        if c.common_name.is_empty() || c.validity_days == 0 {
            return bad(format!(
                "certificate {}: empty common name or zero validity",
                c.id
            ));
        }
        for san in &c.sans {
            if san.parse::<IpAddr>().is_err()
                && (san.is_empty() || !san.bytes().all(|b| b.is_ascii_graphic()))
            {
                return bad(format!(
                    "certificate {}: {san:?} is not a DNS name or IP",
                    c.id
                ));
            }
        }
    }
    Ok(())
}

/// Ids become file names: keep them to `[A-Za-z0-9._-]`, not starting with a dot.
fn check_id(id: &str) -> Result<(), PkiError> {
    let ok = !id.is_empty()
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(PkiError::InvalidSpec(format!(
            "{id:?} is not a usable id (letters, digits, . _ -)"
        )))
    }
}

pub(super) fn rsa_size(bits: u32) -> Option<RsaKeySize> {
    match bits {
        2048 => Some(RsaKeySize::_2048),
        3072 => Some(RsaKeySize::_3072),
        4096 => Some(RsaKeySize::_4096),
        _ => None,
    }
}
