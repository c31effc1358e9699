//! Writing a bundle: every file into a staging folder beside the target, synced, the marker
//! last; then the swap (old bundle aside, staging into place) and the old bundle removed.
//! A failed build leaves the previous bundle as it was; a crash is put right by the next
//! build (`guard::recover`).
use crate::error::Error;
use crate::plan::{Output, Plan, MARKER};
use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Folders are 0755, or 0700 when they hold a private file (a key, or a file with a
/// password), whatever the umask.
const DIR_MODE: u32 = 0o755;
const PRIVATE_DIR_MODE: u32 = 0o700;

/// Test hook: `KMGEN_FAILPOINT=<name>` ends the process at that point as a crash would
/// (no clean-up), so the tests can check what the next build recovers.
pub fn failpoint(name: &str) {
    if std::env::var("KMGEN_FAILPOINT").as_deref() == Ok(name) {
        std::process::exit(86);
    }
}

fn werr(path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_path_buf();
    move |source| Error::Write { path, source }
}

/// Writes `files` (the marker last) and the planned empty folders into a fresh staging
/// folder of `out_dir`, every file and folder synced; returns the staging folder.
pub fn stage(
    out_dir: &Path,
    plan: &Plan,
    files: &[(Output, Vec<u8>)],
    previous: &Path,
    same: &BTreeSet<String>,
) -> Result<PathBuf, Error> {
    let staging = out_dir.join(format!(
        ".{}.staging-{}",
        plan.deployment.name,
        std::process::id()
    ));
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(werr(&staging))?;
    }
    let result = write_all(&staging, plan, files, previous, same);
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result.map(|()| staging)
}

fn write_all(
    staging: &Path,
    plan: &Plan,
    files: &[(Output, Vec<u8>)],
    previous: &Path,
    same: &BTreeSet<String>,
) -> Result<(), Error> {
    make_dir(staging, DIR_MODE)?;
    let mut dirs: Vec<PathBuf> = vec![staging.to_path_buf()];
    let (marker, rest): (Vec<_>, Vec<_>) = files.iter().partition(|(o, _)| o.path == MARKER);
    let mut written = Vec::new();
    for (o, bytes) in rest {
        let path = staging.join(&o.path);
        make_parents(staging, &path, &mut dirs)?;
        // A file the previous bundle holds byte for byte is linked, not written again, so it
        // keeps its mtime (rsync and configuration tools see no change).
        let linked = same.contains(&o.path) && fs::hard_link(previous.join(&o.path), &path).is_ok();
        if !linked {
            write_file(&path, bytes, o.mode())?;
            written.push(path);
        }
        if o.path == "manifest.json" {
            failpoint("staged-manifest");
        }
    }
    // Every file is on disk before the marker is written.
    sync_all(&written)?;
    for (o, bytes) in marker {
        let path = staging.join(&o.path);
        write_file(&path, bytes, o.mode())?;
        sync_all(&[path])?;
    }
    for n in &plan.nodes {
        for dir in &n.dirs {
            let p = staging.join("nodes").join(&n.name).join(dir);
            make_parents(staging, &p.join("x"), &mut dirs)?;
        }
    }
    for (o, _) in files.iter().filter(|(o, _)| o.private) {
        let dir = staging.join(&o.path);
        let dir = dir.parent().expect("a file");
        fs::set_permissions(dir, fs::Permissions::from_mode(PRIVATE_DIR_MODE))
            .map_err(werr(dir))?;
    }
    dirs.sort();
    dirs.dedup();
    sync_all(&dirs)
}

/// Flushes files (or folders) to disk, several at a time: the file system commits
/// concurrent flushes together, where one after another each waits for its own commit.
/// Each is opened again to be flushed, so a bundle of any size stays far below the limit
/// on open files.
fn sync_all(paths: &[PathBuf]) -> Result<(), Error> {
    const AT_ONCE: usize = 16;
    let next = AtomicUsize::new(0);
    let first_error = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..AT_ONCE.min(paths.len()) {
            s.spawn(|| {
                while let Some(path) = paths.get(next.fetch_add(1, Ordering::Relaxed)) {
                    if let Err(e) = File::open(path).and_then(|f| f.sync_all()) {
                        let mut first = first_error.lock().expect("no thread panics holding it");
                        first.get_or_insert_with(|| werr(path)(e));
                    }
                }
            });
        }
    });
    match first_error.into_inner().expect("every thread has finished") {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Creates every folder between `root` and `file`, remembering them for the final sync.
fn make_parents(root: &Path, file: &Path, dirs: &mut Vec<PathBuf>) -> Result<(), Error> {
    let mut dir = root.to_path_buf();
    let rel = file
        .parent()
        .expect("a file")
        .strip_prefix(root)
        .expect("under root");
    for part in rel.components() {
        dir.push(part);
        if !dir.exists() {
            make_dir(&dir, DIR_MODE)?;
            dirs.push(dir.clone());
        }
    }
    Ok(())
}

fn make_dir(dir: &Path, mode: u32) -> Result<(), Error> {
    fs::DirBuilder::new()
        .mode(mode)
        .create(dir)
        .map_err(werr(dir))?;
    // The umask may have taken bits away (or, under umask 000, left group write in).
    fs::set_permissions(dir, fs::Permissions::from_mode(mode)).map_err(werr(dir))
}

/// Writes a new file; the caller flushes it to disk (`sync_all`).
fn write_file(path: &Path, bytes: &[u8], mode: u32) -> Result<(), Error> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(werr(path))?;
    f.set_permissions(fs::Permissions::from_mode(mode))
        .map_err(werr(path))?;
    f.write_all(bytes).map_err(werr(path))
}

fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(werr(dir))
}

/// Swaps `staging` into `target`: the previous bundle aside, the new one into place, the
/// output folder synced. Returns the previous bundle's folder, still to be removed.
pub fn swap(out_dir: &Path, staging: &Path, target: &Path) -> Result<Option<PathBuf>, Error> {
    let name = target.file_name().expect("bundle folder").to_string_lossy();
    let old = out_dir.join(format!(".{name}.old-{}", std::process::id()));
    let had_bundle = target.exists();
    if had_bundle {
        if let Err(e) = fs::rename(target, &old) {
            let _ = fs::remove_dir_all(staging);
            return Err(werr(target)(e));
        }
        failpoint("swap-between-renames");
    }
    if let Err(e) = fs::rename(staging, target) {
        if had_bundle {
            let _ = fs::rename(&old, target);
        }
        let _ = fs::remove_dir_all(staging);
        return Err(werr(target)(e));
    }
    sync_dir(out_dir)?;
    failpoint("swap-done");
    Ok(had_bundle.then_some(old))
}
