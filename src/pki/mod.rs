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

pub use crate::plan::{CertSpec, KeySpec, Signer, CA_ID};
pub use error::PkiError;
pub use material::{IssuedCert, KeyMaterial, Pki};
pub use report::{CertAction, KeyAction, PkiReport};
pub use store::write_dir;
pub(crate) use x509::{ip_from_bytes, modulus_bits};

use crate::model::{parallel, Secret};
use error::io_err;
use issue::{issue, reusable, Ca};
use keygen::generate_keys;
use specs::check_specs;
use std::collections::BTreeMap;
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
    load_or_create_with(dir, keys, certs, &BTreeMap::new(), now, allow_rotate)
}

/// `load_or_create`, with primary keys the operator brought (key id → PKCS#8 PEM): each is
/// used instead of the one in `dir`, and replacing a different key there is a rotation.
pub fn load_or_create_with(
    dir: &Path,
    keys: &[KeySpec],
    certs: &[CertSpec],
    provided: &BTreeMap<String, Secret>,
    now: OffsetDateTime,
    allow_rotate: bool,
) -> Result<(Pki, PkiReport), PkiError> {
    begin(dir, keys, certs, provided, now, allow_rotate)?.finish()
}

/// `load_or_create_with` in two steps around the key generation, so that a build can do
/// what needs no key meanwhile: what `dir` supplies, and the keys still to generate.
pub struct Pending<'a> {
    dir: &'a Path,
    certs: &'a [CertSpec],
    now: OffsetDateTime,
    pki: Pki,
    report: PkiReport,
    to_generate: Vec<&'a KeySpec>,
}

/// Reads `dir` and reuses the keys that still fit (see `load_or_create_with`).
pub fn begin<'a>(
    dir: &'a Path,
    keys: &'a [KeySpec],
    certs: &'a [CertSpec],
    provided: &BTreeMap<String, Secret>,
    now: OffsetDateTime,
    allow_rotate: bool,
) -> Result<Pending<'a>, PkiError> {
    check_specs(keys, certs)?;
    let mut report = PkiReport::default();
    let mut pki = Pki::default();
    let ctx = Reuse {
        dir,
        certs,
        provided,
        allow_rotate,
    };
    let to_generate = reuse_keys(&ctx, keys, &mut pki, &mut report)?;
    Ok(Pending {
        dir,
        certs,
        now,
        pki,
        report,
        to_generate,
    })
}

impl Pending<'_> {
    /// Whether `finish` generates keys (the long part of a cold build).
    pub fn generates(&self) -> bool {
        !self.to_generate.is_empty()
    }

    /// Generates the missing keys on every core and issues or reuses every certificate.
    pub fn finish(self) -> Result<(Pki, PkiReport), PkiError> {
        let Pending {
            dir,
            certs,
            now,
            mut pki,
            mut report,
            to_generate,
        } = self;
        pki.keys.extend(generate_keys(&to_generate)?);
        issue_all(dir, certs, now, &mut pki, &mut report)?;
        Ok((pki, report))
    }
}

/// Issues (or reuses from `dir`) every certificate of `certs` on the keys of `pki`.
fn issue_all(
    dir: &Path,
    certs: &[CertSpec],
    now: OffsetDateTime,
    pki: &mut Pki,
    report: &mut PkiReport,
) -> Result<(), PkiError> {
    // The CA's spec comes first (`plan::pki_specs`) and is issued before what it signs; every
    // other certificate needs only its own key and the CA, so those are issued side by side.
    let (ca_specs, rest): (Vec<&CertSpec>, Vec<&CertSpec>) =
        certs.iter().partition(|c| c.signer == Signer::Ca);
    for spec in ca_specs {
        let (cert, action) = certificate(dir, spec, &pki.keys[&spec.key_id], None, now)?;
        report.certs.push((spec.id.clone(), action));
        pki.certs.insert(spec.id.clone(), cert);
    }
    let ca_spec = certs.iter().find(|c| c.signer == Signer::Ca);
    let issued = parallel::map(&rest, |spec| {
        let ca = ca_spec.and_then(|c| {
            Some(Ca {
                spec: c,
                key: pki.keys.get(&c.key_id)?,
                der: &pki.certs.get(&c.id)?.der,
            })
        });
        let ca = ca.filter(|_| spec.signer == Signer::IssuedByCa);
        certificate(dir, spec, &pki.keys[&spec.key_id], ca, now)
    });
    for (spec, issued) in rest.iter().zip(issued) {
        let (cert, action) = issued?;
        report.certs.push((spec.id.clone(), action));
        pki.certs.insert(spec.id.clone(), cert);
    }
    Ok(())
}

/// Moves every key of `dir` that still fits its spec into `pki` and returns the specs left to
/// generate. Replacing a primary key (another size, or another key in its place) is refused
/// unless `allow_rotate`; keys nobody wants any more are retired.
fn reuse_keys<'a>(
    ctx: &Reuse,
    keys: &'a [KeySpec],
    pki: &mut Pki,
    report: &mut PkiReport,
) -> Result<Vec<&'a KeySpec>, PkiError> {
    let Reuse {
        dir,
        certs,
        allow_rotate,
        ..
    } = *ctx;
    let mut existing = read_keys(dir)?;
    let present: Vec<Vec<u8>> = existing.values().map(|k| k.public_key_der()).collect();
    let mut to_generate = Vec::new();
    let mut rotations = Vec::new();
    for spec in keys {
        let primary = is_primary(&spec.id);
        if let Some(pem) = ctx.provided.get(&spec.id) {
            let given = provided_key(dir, &spec.id, pem)?;
            match existing.remove(&spec.id) {
                Some(old) if old.public_key_der() == given.public_key_der() => {}
                Some(old) => {
                    rotations.push(format!("{} (replaced by the operator's key)", spec.id));
                    let kept = guard::issued_on(dir, &old)?;
                    pki.replaced.insert(spec.id.clone(), (old, kept));
                }
                None if primary && !allow_rotate => {
                    guard::check_not_lost(dir, spec, certs, &present)?
                }
                None => {}
            }
            report.keys.push((spec.id.clone(), KeyAction::Provided));
            pki.keys.insert(spec.id.clone(), given);
            continue;
        }
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

/// What `reuse_keys` reads besides the specs.
struct Reuse<'a> {
    dir: &'a Path,
    certs: &'a [CertSpec],
    provided: &'a BTreeMap<String, Secret>,
    allow_rotate: bool,
}

/// An operator's key (validation checked it already).
fn provided_key(dir: &Path, id: &str, pem: &Secret) -> Result<KeyMaterial, PkiError> {
    let bad = |reason: String| PkiError::BadKeyFile {
        path: store::key_path(dir, id),
        reason,
    };
    let pair = rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(pem.expose(), &rcgen::PKCS_RSA_SHA256)
        .map_err(|e| bad(e.to_string()))?;
    KeyMaterial::from_key_pair(pair).map_err(bad)
}

/// The certificate of `spec` in `dir` when it still fits, else a new one on `key`.
fn certificate(
    dir: &Path,
    spec: &CertSpec,
    key: &KeyMaterial,
    ca: Option<Ca<'_>>,
    now: OffsetDateTime,
) -> Result<(IssuedCert, CertAction), PkiError> {
    let path = cert_path(dir, &spec.id);
    let previous = match fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(io_err(&path)(e)),
    };
    Ok(
        match previous.map(|bytes| reusable(bytes, spec, key, ca, now)) {
            Some(Ok(cert)) => (cert, CertAction::Reused),
            Some(Err(reason)) => (issue(spec, key, ca, now)?, CertAction::Reissued { reason }),
            None => (issue(spec, key, ca, now)?, CertAction::Issued),
        },
    )
}
