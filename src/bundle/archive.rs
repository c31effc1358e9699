//! Replaced primary keys are never thrown away: `--rotate-keys` (or a key no node uses any
//! more) moves them, with the certificates issued on them, into `pki/rotated-<time>/` of the
//! new bundle, and every later build carries those folders forward. Folders holding a key
//! are 0700 and the keys 0600, like `pki/keys/`.
use super::{Bytes, OutputBytes};
use crate::error::Error;
use crate::pki::Pki;
use crate::plan::{FileKind, Output, Source};
use std::fs;
use std::path::Path;

/// Files found or made by the build, with their bytes.
type Files = Vec<OutputBytes>;

/// The archive files of this build: earlier `pki/rotated-*` folders of `previous` (the bundle
/// on disk), then the keys `pki` replaced now under `pki/rotated-<stamp>/`.
pub fn files(
    previous: &Path,
    pki: &Pki,
    now: time::OffsetDateTime,
) -> Result<(Files, Option<String>), Error> {
    let mut out = carried(previous)?;
    let stamp = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let folder = format!("pki/rotated-{stamp}");
    let mut any = false;
    for (id, key, certs) in pki.replaced() {
        any = true;
        let path = format!("{folder}/keys/{id}.key.pem");
        out.push((
            archived(path, FileKind::PrivateKey, true),
            Bytes::new(key.pem().as_bytes().to_vec()),
        ));
        for (cert_id, pem) in certs {
            let path = format!("{folder}/certs/{cert_id}.crt.pem");
            out.push((
                archived(path, FileKind::Certificate, false),
                Bytes::new(pem.as_bytes().to_vec()),
            ));
        }
    }
    out.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    out.dedup_by(|a, b| a.0.path == b.0.path);
    Ok((out, any.then_some(folder)))
}

fn archived(path: String, kind: FileKind, private: bool) -> Output {
    Output {
        path,
        kind,
        node: None,
        private,
        source: Source::Archived,
    }
}

/// Every file under `previous/pki/rotated-*/`.
fn carried(previous: &Path) -> Result<Files, Error> {
    let pki = previous.join("pki");
    let Ok(entries) = fs::read_dir(&pki) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with("rotated-") || !e.path().is_dir() {
            continue;
        }
        for (sub, kind, private) in [
            ("keys", FileKind::PrivateKey, true),
            ("certs", FileKind::Certificate, false),
        ] {
            let dir = e.path().join(sub);
            let Ok(files) = fs::read_dir(&dir) else {
                continue;
            };
            for f in files.flatten() {
                let path = f.path();
                let bytes = fs::read(&path).map_err(|source| Error::Read {
                    path: path.clone(),
                    source,
                })?;
                let file = f.file_name().to_string_lossy().into_owned();
                let rel = format!("pki/{name}/{sub}/{file}");
                out.push((archived(rel, kind, private), Bytes::new(bytes)));
            }
        }
    }
    Ok(out)
}
