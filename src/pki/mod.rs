//! Keys phase: RSA key pairs and self-signed certificates, reused from and written to `pki/`.
//!
//! Primary key pairs encrypt registry data and sign tokens, so they outlive every rebuild:
//! an existing key is always reused, and replacing one (another size, another sharing
//! scheme) is refused unless the operator asks for it. Certificates are derived material:
//! reused byte-for-byte while they still fit their spec, otherwise re-issued on the same key.
mod error;
mod guard;
mod issue;
mod keygen;
mod material;
mod report;
mod specs;
mod store;
mod x509;

pub use crate::plan::{CertSpec, KeySpec};
pub use error::PkiError;
pub use material::{IssuedCert, KeyMaterial, Pki};
pub use report::{CertAction, KeyAction, PkiReport};
pub use store::write_dir;
pub(crate) use x509::{ip_from_bytes, modulus_bits};

use crate::model::parallel;
use error::io_err;
use issue::{issue, reusable};
use keygen::generate_keys;
use specs::check_specs;
use std::fs;
use std::io;
use std::path::Path;
use store::{cert_path, read_keys};
use time::OffsetDateTime;

/// Load balancers' keys (`lb-*`) only secure their TLS front: replacing one is harmless, so
/// only the other keys, which encrypt registry data and sign tokens, count as primary.
pub fn is_primary(key_id: &str) -> bool {
    !key_id.starts_with("lb-")
}

/// Loads `dir` (the `pki/` of a previous bundle; may not exist), reuses what still fits and
/// creates the rest. `now` fixes the certificates' validity, so output is reproducible.
pub fn load_or_create(
    dir: &Path,
    keys: &[KeySpec],
    certs: &[CertSpec],
    now: OffsetDateTime,
    allow_rotate: bool,
) -> Result<(Pki, PkiReport), PkiError> {
    check_specs(keys, certs)?;
    let mut report = PkiReport::default();
    let mut pki = Pki::default();
    let to_generate = reuse_keys(dir, keys, certs, allow_rotate, &mut pki, &mut report)?;
    pki.keys.extend(generate_keys(&to_generate)?);
    // Each certificate is signed by its own key: they are issued side by side.
    let issued = parallel::map(certs, |spec| {
        certificate(dir, spec, &pki.keys[&spec.key_id], now)
    });
    for (spec, issued) in certs.iter().zip(issued) {
        let (cert, action) = issued?;
        report.certs.push((spec.id.clone(), action));
        pki.certs.insert(spec.id.clone(), cert);
    }
    Ok((pki, report))
}

/// Moves every key of `dir` that still fits its spec into `pki` and returns the specs left to
/// generate. Replacing a primary key (another size, or another key in its place) is refused
/// unless `allow_rotate`; keys nobody wants any more are retired.
fn reuse_keys<'a>(
    dir: &Path,
    keys: &'a [KeySpec],
    certs: &[CertSpec],
    allow_rotate: bool,
    pki: &mut Pki,
    report: &mut PkiReport,
) -> Result<Vec<&'a KeySpec>, PkiError> {
    let mut existing = read_keys(dir)?;
    let present: Vec<Vec<u8>> = existing.values().map(|k| k.public_key_der()).collect();
    let mut to_generate = Vec::new();
    let mut rotations = Vec::new();
    for spec in keys {
        let primary = is_primary(&spec.id);
        match existing.remove(&spec.id) {
            Some(old) if old.bits == spec.bits => {
                if primary && !allow_rotate {
                    guard::check_matches(dir, spec, &old, certs)?;
                }
                report.keys.push((spec.id.clone(), KeyAction::Reused));
                pki.keys.insert(spec.id.clone(), old);
            }
            Some(old) => {
                if primary {
                    rotations.push(format!("{} ({} → {} bits)", spec.id, old.bits, spec.bits));
                    let kept = guard::issued_on(dir, &old)?;
                    pki.replaced
                        .insert(spec.id.clone(), (old.clone_material(), kept));
                }
                report
                    .keys
                    .push((spec.id.clone(), KeyAction::Rotated { old_bits: old.bits }));
                to_generate.push(spec);
            }
            None => {
                if primary && !allow_rotate {
                    guard::check_not_lost(dir, spec, certs, &present)?;
                }
                report.keys.push((spec.id.clone(), KeyAction::Generated));
                to_generate.push(spec);
            }
        }
    }
    // A key nobody wants any more is only a rotation when another key takes its place.
    let new_ids: Vec<&str> = to_generate
        .iter()
        .map(|s| s.id.as_str())
        .filter(|id| is_primary(id))
        .collect();
    if !new_ids.is_empty() {
        for old_id in existing.keys().filter(|id| is_primary(id)) {
            rotations.push(format!("{old_id} replaced by {}", new_ids.join(", ")));
        }
    }
    if !rotations.is_empty() && !allow_rotate {
        return Err(PkiError::RotationRefused {
            changes: rotations.join("; "),
        });
    }
    for (old_id, old) in existing {
        if is_primary(&old_id) {
            let kept = guard::issued_on(dir, &old)?;
            pki.replaced.insert(old_id.clone(), (old, kept));
        }
        report.keys.push((old_id, KeyAction::Retired));
    }
    Ok(to_generate)
}

/// The certificate of `spec` in `dir` when it still fits, else a new one on `key`.
fn certificate(
    dir: &Path,
    spec: &CertSpec,
    key: &KeyMaterial,
    now: OffsetDateTime,
) -> Result<(IssuedCert, CertAction), PkiError> {
    let path = cert_path(dir, &spec.id);
    let previous = match fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(io_err(&path)(e)),
    };
    Ok(
        match previous.map(|bytes| reusable(bytes, spec, key, now)) {
            Some(Ok(cert)) => (cert, CertAction::Reused),
            Some(Err(reason)) => (issue(spec, key, now)?, CertAction::Reissued { reason }),
            None => (issue(spec, key, now)?, CertAction::Issued),
        },
    )
}
