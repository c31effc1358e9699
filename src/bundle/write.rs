//! Writing a bundle: every file into a staging folder beside the target, synced, the marker
//! last; then the swap (old bundle aside, staging into place) and the old bundle removed.
//! A failed build leaves the previous bundle as it was; a crash is put right by the next
//! build (`guard::recover`).
use super::OutputBytes;
use crate::error::Error;
use crate::plan::{Plan, MARKER};
use std::collections::{BTreeSet, HashSet};
use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};

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
    files: &[OutputBytes],
    previous: &Path,
    same: &BTreeSet<String>,
) -> Result<PathBuf, Error> {
    let mut staging = Staging::begin(out_dir, plan)?;
    staging.add(&files.iter().collect::<Vec<_>>(), previous, same)?;
    staging.finish(plan, files)
}

/// A staging folder being filled: files go in as they are ready (a cold build writes the
/// files that need no key while its keys are generated), the marker last (`finish`).
/// Dropped unfinished (an error on the way), it is removed; a crash leaves it for
/// `guard::recover`.
pub struct Staging {
    path: PathBuf,
    /// The folders made so far.
    made: HashSet<PathBuf>,
    /// The folders changed since they were last flushed (made, or given an entry or a
    /// mode): each `add` and `finish` flushes them, so the folders of the files staged
    /// while keys are generated are flushed then too.
    dirty: BTreeSet<PathBuf>,
    /// Folders holding a private file (made 0700 with the first).
    private: BTreeSet<PathBuf>,
    finished: bool,
}

impl Staging {
    /// A fresh, empty staging folder in `out_dir` (one left by this process id is removed).
    pub fn begin(out_dir: &Path, plan: &Plan) -> Result<Staging, Error> {
        let path = out_dir.join(format!(
            ".{}.staging-{}",
            plan.deployment.name,
            std::process::id()
        ));
        if path.exists() {
            fs::remove_dir_all(&path).map_err(werr(&path))?;
        }
        make_dir(&path, DIR_MODE)?;
        Ok(Staging {
            dirty: BTreeSet::from([path.clone()]),
            path,
            made: HashSet::new(),
            private: BTreeSet::new(),
            finished: false,
        })
    }

    /// Writes `files` (the marker excepted: `finish` writes it) and flushes them. A file
    /// `same` names is linked from `previous` instead.
    pub fn add(
        &mut self,
        files: &[&OutputBytes],
        previous: &Path,
        same: &BTreeSet<String>,
    ) -> Result<(), Error> {
        let files: Vec<&OutputBytes> = files
            .iter()
            .copied()
            .filter(|(o, _)| o.path != MARKER)
            .collect();
        for (o, _) in &files {
            let path = self.path.join(&o.path);
            make_parents(&self.path, &path, &mut self.made, &mut self.dirty)?;
            let dir = path.parent().expect("a file").to_path_buf();
            if o.private && self.private.insert(dir.clone()) {
                fs::set_permissions(&dir, fs::Permissions::from_mode(PRIVATE_DIR_MODE))
                    .map_err(werr(&dir))?;
            }
            self.dirty.insert(dir);
        }
        // Each file is linked or written, and flushed, by one of several workers: the file
        // system commits concurrent flushes together, and each file is open only while its
        // worker writes it. Then the same workers flush the folders.
        let root = &self.path;
        let write = |(o, bytes): &&OutputBytes| {
            let path = root.join(&o.path);
            // A file the previous bundle holds byte for byte is linked, not written again, so
            // it keeps its mtime (rsync and configuration tools see no change); the folder's
            // flush records the link.
            if same.contains(&o.path) && fs::hard_link(previous.join(&o.path), &path).is_ok() {
                return Ok(());
            }
            write_file(&path, bytes, o.mode())?
                .sync_all()
                .map_err(werr(&path))
        };
        let dirty: Vec<PathBuf> = std::mem::take(&mut self.dirty).into_iter().collect();
        let manifest = files.iter().any(|(o, _)| o.path == "manifest.json");
        at_once(&files, write, &dirty, |dir| {
            if manifest {
                failpoint("staged-manifest");
            }
            sync_dir(dir)
        })
    }

    fn flush_dirs(&mut self) -> Result<(), Error> {
        let dirty: Vec<PathBuf> = std::mem::take(&mut self.dirty).into_iter().collect();
        at_once(&dirty, |dir| sync_dir(dir), &[], |_: &()| Ok(()))
    }

    /// Every file is on disk: the marker (from `files`), the planned empty folders, every
    /// folder flushed. Returns the staging folder.
    pub fn finish(mut self, plan: &Plan, files: &[OutputBytes]) -> Result<PathBuf, Error> {
        for (o, bytes) in files.iter().filter(|(o, _)| o.path == MARKER) {
            let path = self.path.join(&o.path);
            write_file(&path, bytes, o.mode())?
                .sync_all()
                .map_err(werr(&path))?;
            self.dirty.insert(self.path.clone());
        }
        for n in &plan.nodes {
            for dir in &n.dirs {
                let p = self.path.join("nodes").join(&n.name).join(dir);
                make_parents(&self.path, &p.join("x"), &mut self.made, &mut self.dirty)?;
            }
        }
        self.flush_dirs()?;
        self.finished = true;
        Ok(self.path.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.finished {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// `f` of every item of `items`, several at a time; once every one is done, `then` of every
/// item of `after` (the folders holding them, say), on the same workers. The file system
/// commits concurrent flushes together, where one after another each waits for its own
/// commit. Each item's file is open only while its `f` runs, so a bundle of any size stays
/// far below the limit on open files. The calling thread is one of the workers. The first
/// error, if any; after an error in `items`, `after` is left undone.
fn at_once<T: Sync, U: Sync>(
    items: &[T],
    f: impl Fn(&T) -> Result<(), Error> + Sync,
    after: &[U],
    then: impl Fn(&U) -> Result<(), Error> + Sync,
) -> Result<(), Error> {
    const AT_ONCE: usize = 16;
    let workers = AT_ONCE.min(items.len().max(after.len())).max(1);
    let barrier = Barrier::new(workers);
    let (next, next_after) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let first_error = Mutex::new(None);
    let record = |e: Error| {
        let mut first = first_error.lock().expect("no thread panics holding it");
        first.get_or_insert(e);
    };
    let work = || {
        {
            // Every worker reaches the barrier, even one that panics (which the scope then
            // passes on), so no worker waits there for ever.
            let _arrive = Arrive(&barrier);
            while let Some(item) = items.get(next.fetch_add(1, Ordering::Relaxed)) {
                if let Err(e) = f(item) {
                    record(e);
                }
            }
        }
        if first_error
            .lock()
            .expect("no thread panics holding it")
            .is_some()
        {
            return;
        }
        while let Some(item) = after.get(next_after.fetch_add(1, Ordering::Relaxed)) {
            if let Err(e) = then(item) {
                record(e);
            }
        }
    };
    std::thread::scope(|s| {
        for _ in 1..workers {
            s.spawn(work);
        }
        work();
    });
    match first_error.into_inner().expect("every thread has finished") {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Waits at the barrier when dropped.
struct Arrive<'a>(&'a Barrier);

impl Drop for Arrive<'_> {
    fn drop(&mut self) {
        self.0.wait();
    }
}

/// Creates every folder between `root` and `file` that `made` does not hold yet (the
/// staging folder is new: only kmgen creates folders in it); each new folder and the one
/// holding it are to be flushed (`dirty`).
fn make_parents(
    root: &Path,
    file: &Path,
    made: &mut HashSet<PathBuf>,
    dirty: &mut BTreeSet<PathBuf>,
) -> Result<(), Error> {
    let mut dir = root.to_path_buf();
    let rel = file
        .parent()
        .expect("a file")
        .strip_prefix(root)
        .expect("under root");
    for part in rel.components() {
        let parent = dir.clone();
        dir.push(part);
        if made.insert(dir.clone()) {
            make_dir(&dir, DIR_MODE)?;
            dirty.insert(parent);
            dirty.insert(dir.clone());
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

/// Writes a new file; the caller flushes it to disk.
fn write_file(path: &Path, bytes: &[u8], mode: u32) -> Result<File, Error> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(werr(path))?;
    f.set_permissions(fs::Permissions::from_mode(mode))
        .map_err(werr(path))?;
    f.write_all(bytes).map_err(werr(path))?;
    Ok(f)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(i: usize) -> Error {
        Error::Write {
            path: PathBuf::from(format!("item-{i}")),
            source: std::io::Error::other("refused"),
        }
    }

    #[test]
    fn at_once_does_every_item_then_every_after_item() {
        let items: Vec<usize> = (0..40).collect();
        let after: Vec<usize> = (100..130).collect();
        let log = Mutex::new(Vec::new());
        let push = |i: &usize| {
            log.lock().unwrap().push(*i);
            Ok(())
        };
        at_once(&items, push, &after, push).unwrap();
        let log = log.into_inner().unwrap();
        let (first, second) = log.split_at(items.len());
        let mut first = first.to_vec();
        let mut second = second.to_vec();
        first.sort_unstable();
        second.sort_unstable();
        assert_eq!(first, items, "every item once, before any `after` item");
        assert_eq!(second, after, "every `after` item once");
    }

    #[test]
    fn at_once_stops_before_the_after_items_when_an_item_fails() {
        let items: Vec<usize> = (0..40).collect();
        let after_ran = AtomicUsize::new(0);
        let result = at_once(
            &items,
            |&i| if i == 7 { Err(fail(i)) } else { Ok(()) },
            &[1, 2, 3],
            |_| {
                after_ran.fetch_add(1, Ordering::Relaxed);
                Ok(())
            },
        );
        let Err(Error::Write { path, .. }) = result else {
            panic!("the item's error is returned");
        };
        assert_eq!(path, PathBuf::from("item-7"));
        assert_eq!(after_ran.into_inner(), 0);
    }

    #[test]
    fn at_once_passes_a_panic_on_instead_of_waiting_for_ever() {
        let items: Vec<usize> = (0..40).collect();
        let result = std::panic::catch_unwind(|| {
            at_once(
                &items,
                |&i| {
                    assert_ne!(i, 3, "a worker panics");
                    Ok(())
                },
                &[0],
                |_| Ok(()),
            )
        });
        assert!(result.is_err());
    }
}
