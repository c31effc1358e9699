//! Guarding an output folder: one build at a time, crashes recovered, foreign files kept.
//!
//! The layout beside a bundle `OUT/<name>/`, and what each entry means:
//! - `OUT/.<name>.lock`: held (`flock`) by the build that is writing; a second build waits.
//! - `OUT/.<name>.staging-<pid>/`: a build being written. It is complete once it holds the
//!   marker file, which is written (and synced) last.
//! - `OUT/.<name>.old-<pid>/`: the previous bundle, between the two renames of the swap.
//! - `OUT/<name>.foreign-<unix time>/`: files kmgen did not write, moved aside by `--force`.
//!
//! A crash can stop a build anywhere. The next build, under the lock, first puts things
//! right: no bundle but a complete staging folder means the swap was cut between its two
//! renames, so it is finished; no bundle and an old folder means the first rename happened
//! and the staging was not complete, so the old bundle is restored. Only then are the
//! leftovers removed. The primary keys live in `pki/` inside the bundle, so after recovery
//! the bundle holds the keys that were last delivered. When there is no bundle at all but
//! an unfinished staging folder holds keys (a first build killed while writing), those keys
//! are read as the existing ones: kmgen never generates a primary key while a folder of that
//! deployment holds one.
use crate::error::Error;
use crate::plan::MARKER;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

/// The held lock of one output; released when dropped.
pub struct Lock {
    _file: File,
}

/// Takes the exclusive lock of `OUT/<name>`, waiting (with a note on `wait`) while another
/// build holds it.
pub fn lock(out_dir: &Path, name: &str, wait: &mut dyn FnMut(&Path)) -> Result<Lock, Error> {
    let path = out_dir.join(format!(".{name}.lock"));
    let werr = |source| Error::Write {
        path: path.clone(),
        source,
    };
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(werr)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            wait(&path);
            file.lock().map_err(werr)?;
        }
        Err(fs::TryLockError::Error(e)) => return Err(werr(e)),
    }
    Ok(Lock { _file: file })
}

/// What recovery found and did.
#[derive(Debug, Default)]
pub struct Recovery {
    /// What was done, for the build's output.
    pub notes: Vec<String>,
    /// Where existing keys are read from when there is no bundle: an unfinished staging
    /// folder's `pki/`.
    pub key_source: Option<PathBuf>,
    /// Leftover folders to remove once the new bundle is in place.
    pub leftovers: Vec<PathBuf>,
}

/// Puts the output of `name` right after an interrupted build (see the module comment).
pub fn recover(out_dir: &Path, name: &str) -> Result<Recovery, Error> {
    let target = out_dir.join(name);
    let (stagings, olds) = leftovers(out_dir, name)?;
    let mut r = Recovery::default();
    let werr = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    if !target.exists() {
        if let Some(done) = stagings.iter().find(|s| s.join(MARKER).is_file()) {
            fs::rename(done, &target).map_err(werr(done))?;
            r.notes.push(format!(
                "finished an interrupted build: {} is now {}",
                done.display(),
                target.display()
            ));
        } else if let Some(old) = olds.first() {
            fs::rename(old, &target).map_err(werr(old))?;
            r.notes.push(format!(
                "restored the previous bundle {} from {}",
                target.display(),
                old.display()
            ));
        } else if let Some(s) = stagings.iter().find(|s| has_keys(s)) {
            r.key_source = Some(s.join("pki"));
            r.notes.push(format!(
                "reusing the keys of an unfinished build in {}",
                s.display()
            ));
        }
    }
    r.leftovers = stagings
        .into_iter()
        .chain(olds)
        .filter(|p| p.exists())
        .collect();
    Ok(r)
}

fn has_keys(dir: &Path) -> bool {
    fs::read_dir(dir.join("pki/keys"))
        .map(|mut d| d.next().is_some())
        .unwrap_or(false)
}

/// The `.<name>.staging-*` and `.<name>.old-*` folders in `out_dir`, newest first.
fn leftovers(out_dir: &Path, name: &str) -> Result<(Vec<PathBuf>, Vec<PathBuf>), Error> {
    let staging = format!(".{name}.staging-");
    let old = format!(".{name}.old-");
    let mut found: Vec<(std::time::SystemTime, PathBuf, bool)> = Vec::new();
    let entries = fs::read_dir(out_dir).map_err(|source| Error::Write {
        path: out_dir.to_path_buf(),
        source,
    })?;
    for e in entries.flatten() {
        let file_name = e.file_name().to_string_lossy().into_owned();
        let is_staging = file_name.starts_with(&staging);
        if !is_staging && !file_name.starts_with(&old) {
            continue;
        }
        let modified = e
            .metadata()
            .and_then(|m| m.modified())
            .unwrap_or(std::time::UNIX_EPOCH);
        found.push((modified, e.path(), is_staging));
    }
    found.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let (s, o): (Vec<_>, Vec<_>) = found.into_iter().partition(|f| f.2);
    Ok((
        s.into_iter().map(|f| f.1).collect(),
        o.into_iter().map(|f| f.1).collect(),
    ))
}

/// Removes leftover folders; what cannot be removed is returned as a warning.
pub fn remove_leftovers(leftovers: &[PathBuf]) -> Vec<String> {
    leftovers
        .iter()
        .filter_map(|p| {
            fs::remove_dir_all(p).err().map(|e| {
                format!(
                    "could not remove {} ({e}); it may hold passwords and keys: delete it",
                    p.display()
                )
            })
        })
        .collect()
}

/// The files and folders under `target` that its manifest does not list (kmgen did not
/// write them), relative to `target`, sorted. A folder is listed only when none of its
/// contents is kmgen's.
pub fn foreign_paths(target: &Path) -> Result<Vec<String>, Error> {
    let manifest = target.join("manifest.json");
    let text = fs::read_to_string(&manifest).map_err(|source| Error::Read {
        path: manifest.clone(),
        source,
    })?;
    let ours = manifest_paths(&text).ok_or_else(|| Error::NotOurs {
        path: target.to_path_buf(),
    })?;
    let mut foreign = Vec::new();
    walk(target, target, &ours, &mut foreign)?;
    foreign.sort();
    Ok(foreign)
}

/// Paths (files and folders) the manifest of a kmgen bundle accounts for.
fn manifest_paths(text: &str) -> Option<std::collections::BTreeSet<String>> {
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    let mut ours = std::collections::BTreeSet::new();
    let files = json.get("files")?.as_array()?;
    let dirs = json.get("dirs").and_then(|d| d.as_array());
    let listed = files
        .iter()
        .filter_map(|f| f.get("path")?.as_str())
        .chain(dirs.into_iter().flatten().filter_map(|d| d.as_str()));
    for path in listed {
        let mut p = String::new();
        for part in path.split('/') {
            if !p.is_empty() {
                p.push('/');
            }
            p.push_str(part);
            ours.insert(p.clone());
        }
    }
    ours.insert("manifest.json".into());
    ours.insert(MARKER.into());
    Some(ours)
}

fn walk(
    root: &Path,
    dir: &Path,
    ours: &std::collections::BTreeSet<String>,
    foreign: &mut Vec<String>,
) -> Result<(), Error> {
    let entries = fs::read_dir(dir).map_err(|source| Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    for e in entries.flatten() {
        let path = e.path();
        let rel = path
            .strip_prefix(root)
            .expect("under root")
            .to_string_lossy()
            .into_owned();
        let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
        if !ours.contains(&rel) {
            foreign.push(rel);
        } else if is_dir {
            walk(root, &path, ours, foreign)?;
        }
    }
    Ok(())
}

/// Moves `paths` (relative to `target`) into `OUT/<name>.foreign-<stamp>/`, keeping their
/// relative paths; returns that folder.
pub fn move_aside(target: &Path, paths: &[String], stamp: i64) -> Result<PathBuf, Error> {
    let name = target.file_name().expect("bundle folder").to_string_lossy();
    let aside = target.with_file_name(format!("{name}.foreign-{stamp}"));
    for rel in paths {
        let to = aside.join(rel);
        let werr = |source| Error::Write {
            path: to.clone(),
            source,
        };
        fs::create_dir_all(to.parent().expect("inside aside")).map_err(werr)?;
        fs::rename(target.join(rel), &to).map_err(werr)?;
    }
    Ok(aside)
}

/// `Err` when `target` (the bundle folder) contains one of the build's inputs: a rebuild
/// would replace the profile or a secret it reads.
pub fn check_inputs_outside(target: &Path, inputs: &[PathBuf]) -> Result<(), Error> {
    let Ok(root) = target.canonicalize() else {
        return Ok(());
    };
    for input in inputs {
        if let Ok(p) = input.canonicalize() {
            if p.starts_with(&root) {
                return Err(Error::InputInsideOutput {
                    input: input.clone(),
                    target: target.to_path_buf(),
                });
            }
        }
    }
    Ok(())
}
