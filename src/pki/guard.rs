//! What keeps a primary key from being lost or swapped: a key that the previous bundle
//! delivered must still be there, and still be the key of the certificates issued on it.
use super::error::{io_err, PkiError};
use super::material::KeyMaterial;
use super::store::{cert_path, key_path};
use super::{CertSpec, KeySpec};
use std::fs;
use std::io;
use std::path::Path;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

/// The DER SubjectPublicKeyInfo of a PEM certificate file, `None` when it is unreadable.
fn cert_spki(pem_bytes: &[u8]) -> Option<Vec<u8>> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem_bytes).ok()?;
    let (_, cert) = X509Certificate::from_der(&pem.contents).ok()?;
    Some(cert.public_key().raw.to_vec())
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, PkiError> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(path)(e)),
    }
}

/// A primary key missing from `dir/keys` is refused when the previous bundle shows it
/// existed: a certificate planned on it that was issued on a key no longer there, or the
/// bundle's manifest listing it. (A certificate issued on another key still present is a
/// change of key sharing, which the rotation check handles.)
pub(super) fn check_not_lost(
    dir: &Path,
    spec: &KeySpec,
    certs: &[CertSpec],
    present: &[Vec<u8>],
) -> Result<(), PkiError> {
    let path = key_path(dir, &spec.id);
    for c in certs.iter().filter(|c| c.key_id == spec.id) {
        let cert = cert_path(dir, &c.id);
        let Some(bytes) = read_optional(&cert)? else {
            continue;
        };
        if cert_spki(&bytes).is_some_and(|s| !present.contains(&s)) {
            let evidence = format!("the certificate {}", cert.display());
            return Err(missing(spec, &path, evidence));
        }
    }
    let manifest = dir.parent().map(|b| b.join("manifest.json"));
    if let Some(m) = manifest.filter(|m| m.exists()) {
        let text = fs::read_to_string(&m).map_err(io_err(&m))?;
        if text.contains(&format!("\"pki/keys/{}.key.pem\"", spec.id)) {
            let evidence = format!("the bundle listed in {}", m.display());
            return Err(missing(spec, &path, evidence));
        }
    }
    Ok(())
}

fn missing(spec: &KeySpec, path: &Path, evidence: String) -> PkiError {
    PkiError::MissingKey {
        id: spec.id.clone(),
        path: path.to_path_buf(),
        evidence,
    }
}

/// Every previous certificate planned on `key` must carry its public key: a different key
/// dropped into `pki/keys/` is refused, not certified.
pub(super) fn check_matches(
    dir: &Path,
    spec: &KeySpec,
    key: &KeyMaterial,
    certs: &[CertSpec],
) -> Result<(), PkiError> {
    let spki = key.public_key_der();
    for c in certs.iter().filter(|c| c.key_id == spec.id) {
        let path = cert_path(dir, &c.id);
        let Some(bytes) = read_optional(&path)? else {
            continue;
        };
        if cert_spki(&bytes).is_some_and(|s| s != spki) {
            return Err(PkiError::KeyMismatch {
                id: spec.id.clone(),
                path: key_path(dir, &spec.id),
                cert: path,
            });
        }
    }
    Ok(())
}

/// The certificates in `dir/certs` issued on `key` (id, PEM), to keep with it.
pub(super) fn issued_on(dir: &Path, key: &KeyMaterial) -> Result<Vec<(String, String)>, PkiError> {
    let certs_dir = dir.join("certs");
    let entries = match fs::read_dir(&certs_dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err(&certs_dir)(e)),
    };
    let spki = key.public_key_der();
    let mut found = Vec::new();
    for e in entries {
        let path = e.map_err(io_err(&certs_dir))?.path();
        let Some(id) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".crt.pem"))
        else {
            continue;
        };
        let bytes = fs::read(&path).map_err(io_err(&path))?;
        if cert_spki(&bytes).as_deref() == Some(spki.as_slice()) {
            found.push((id.to_string(), String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    found.sort();
    Ok(found)
}
