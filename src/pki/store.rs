//! The `pki/` folder of a bundle: `keys/<id>.key.pem` (mode 0600) and `certs/<id>.crt.pem`,
//! read back on the next build so that keys outlive every rebuild.
use super::error::{io_err, PkiError};
use super::material::{KeyMaterial, Pki};
use rcgen::{KeyPair, PKCS_RSA_SHA256};
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

pub(super) fn key_path(dir: &Path, id: &str) -> PathBuf {
    dir.join("keys").join(format!("{id}.key.pem"))
}

pub(super) fn cert_path(dir: &Path, id: &str) -> PathBuf {
    dir.join("certs").join(format!("{id}.crt.pem"))
}

/// Reads every `keys/<id>.key.pem` of a previous bundle.
pub(super) fn read_keys(dir: &Path) -> Result<BTreeMap<String, KeyMaterial>, PkiError> {
    let keys_dir = dir.join("keys");
    let entries = match fs::read_dir(&keys_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(io_err(&keys_dir)(e)),
    };
    not_writable_by_others(&keys_dir)?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(io_err(&keys_dir))?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let Some(id) = name.strip_suffix(".key.pem") else {
            continue;
        };
        not_writable_by_others(&path)?;
        files.push((id.to_string(), path));
    }
    // Reading a key checks it whole (aws-lc's RSA_check_key): the keys are read side by side.
    let read = crate::model::parallel::map(&files, |(_, path)| read_key(path));
    let mut keys = BTreeMap::new();
    for ((id, _), key) in files.into_iter().zip(read) {
        keys.insert(id, key?);
    }
    Ok(keys)
}

fn read_key(path: &Path) -> Result<KeyMaterial, PkiError> {
    let text = fs::read_to_string(path).map_err(io_err(path))?;
    let bad = |reason: String| PkiError::BadKeyFile {
        path: path.to_path_buf(),
        reason,
    };
    let key_pair = KeyPair::from_pkcs8_pem_and_sign_algo(&text, &PKCS_RSA_SHA256)
        .map_err(|e| bad(e.to_string()))?;
    KeyMaterial::from_key_pair(key_pair).map_err(bad)
}

/// A key file or folder that another user could write is refused: they could swap a key.
fn not_writable_by_others(path: &Path) -> Result<(), PkiError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path)
        .map_err(io_err(path))?
        .permissions()
        .mode()
        & 0o7777;
    if mode & 0o022 != 0 {
        return Err(PkiError::Writable {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

/// Writes `keys/<id>.key.pem` (mode 0600 from creation) and `certs/<id>.crt.pem` under `dir`.
pub fn write_dir(pki: &Pki, dir: &Path) -> io::Result<()> {
    let with_path =
        |path: &Path, e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    let keys_dir = dir.join("keys");
    let certs_dir = dir.join("certs");
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&keys_dir)
        .map_err(|e| with_path(&keys_dir, e))?;
    fs::create_dir_all(&certs_dir).map_err(|e| with_path(&certs_dir, e))?;
    for (id, key) in &pki.keys {
        let path = key_path(dir, id);
        // Remove first so the mode given at creation is the mode the file ends up with.
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(with_path(&path, e)),
        }
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .and_then(|mut f| f.write_all(key.pem.as_bytes()))
            .map_err(|e| with_path(&path, e))?;
    }
    for (id, cert) in &pki.certs {
        let path = cert_path(dir, id);
        fs::write(&path, &cert.pem).map_err(|e| with_path(&path, e))?;
    }
    Ok(())
}
