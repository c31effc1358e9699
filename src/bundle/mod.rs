//! Write phase: the bytes of every planned output (keys, stores, rendered files, README),
//! the manifest, then one atomic write into `OUT/<name>/`, under a lock, after putting right
//! whatever an interrupted build left (see `guard`).
mod archive;
mod compare;
mod diff;
mod guard;
mod manifest;
mod node_diff;
mod node_archive;
mod phases;
mod produce;
mod trust;
mod vault;
mod write;
mod xml_diff;

pub use crate::plan::MARKER;
pub use diff::unified;
pub use node_archive::DEFAULT_MTIME;
pub use node_diff::{node_diff, NodeDiff};
pub use phases::Phases;

use crate::error::Error;
use crate::pki::{self, PkiReport};
use crate::plan::{Output, Plan, Source};
use crate::render::Templates;
use produce::Part;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// A file's bytes. Files made once with the same content share them: in most deployments
/// every node's truststore is one store, which a large deployment would otherwise hold once
/// per node.
pub(crate) type Bytes = std::sync::Arc<Vec<u8>>;

/// A planned output and its bytes.
pub(crate) type OutputBytes = (Output, Bytes);

pub struct Options<'a> {
    pub out_dir: &'a Path,
    pub force: bool,
    pub rotate_keys: bool,
    pub now: time::OffsetDateTime,
    /// The mtime of every entry of the node archives (`SOURCE_DATE_EPOCH`, else
    /// [`DEFAULT_MTIME`]).
    pub archive_mtime: u64,
    /// Digest of the profile file with its secrets masked, for the manifest.
    pub profile_digest: String,
    /// The files the build reads (profile, secret files, `extra_trusted`): the output
    /// folder may not contain them.
    pub inputs: Vec<PathBuf>,
}

pub struct Built {
    pub path: PathBuf,
    pub files: usize,
    pub pki: PkiReport,
    /// False when the bundle on disk was already this one: nothing was written.
    pub changed: bool,
    /// How long each step took.
    pub phases: Phases,
}

/// Builds the bundle of `plan` into `OUT/<name>/`. `log` receives what the user must know
/// on the way (a wait for the lock, a recovery, a warning), one line at a time.
pub fn build(
    plan: &Plan,
    templates: &Templates,
    opts: &Options,
    log: &mut dyn FnMut(String),
) -> Result<Built, Error> {
    let mut phases = Phases::start();
    let name = &plan.deployment.name;
    let target = opts.out_dir.join(name);
    if opts.out_dir.exists() && !opts.out_dir.is_dir() {
        return Err(Error::Write {
            path: opts.out_dir.to_path_buf(),
            source: std::io::Error::other("exists and is not a folder"),
        });
    }
    std::fs::create_dir_all(opts.out_dir).map_err(|source| Error::Write {
        path: opts.out_dir.to_path_buf(),
        source,
    })?;
    let _lock = guard::lock(opts.out_dir, name, &mut |path| {
        log(format!(
            "note: another kmgen build is writing {} (lock {}); waiting for it",
            target.display(),
            path.display()
        ))
    })?;
    let recovery = guard::recover(opts.out_dir, name)?;
    for note in &recovery.notes {
        log(format!("note: {note}"));
    }
    guard::check_inputs_outside(&target, &opts.inputs)?;
    clear_foreign(&target, opts, log)?;
    let key_dir = recovery
        .key_source
        .clone()
        .unwrap_or_else(|| target.join("pki"));
    phases.mark("lock, recover");
    // When keys are generated the bundle changes: the files that need no key are staged
    // while the keys are generated (the disk works while the cores search primes).
    let mut staging: Option<write::Staging> = None;
    let mut early = |files: &[&OutputBytes]| -> Result<(), Error> {
        let mut s = write::Staging::begin(opts.out_dir, plan)?;
        s.add(files, &target, &compare::same(files, &target))?;
        staging = Some(s);
        Ok(())
    };
    let computed = compute(
        plan,
        templates,
        opts,
        &key_dir,
        &target,
        &mut phases,
        Some(&mut early),
    )?;
    if let Some(folder) = &computed.rotated {
        log(format!(
            "note: the replaced primary keys and their certificates are kept in {}",
            target.join(folder).display()
        ));
    }
    let files = computed.files;
    let count = files.len();
    let staged = match staging {
        Some(mut staging) => {
            let rest: Vec<&OutputBytes> = files
                .iter()
                .filter(|(o, _)| !computed.staged.contains(&o.path))
                .collect();
            staging.add(&rest, &target, &compare::same(&rest, &target))?;
            staging.finish(plan, &files)?
        }
        None => {
            let comparison = compare::compare(plan, &files, &computed.on_disk, &target)?;
            phases.mark("compare");
            if recovery.leftovers.is_empty() && comparison.stale.is_empty() {
                // Nothing changed: nothing is written, every file keeps its mtime.
                return Ok(Built {
                    path: target,
                    files: count,
                    pki: computed.report,
                    changed: false,
                    phases,
                });
            }
            write::stage(opts.out_dir, plan, &files, &target, &comparison.same)?
        }
    };
    let old = write::swap(opts.out_dir, &staged, &target)?;
    let leftovers: Vec<PathBuf> = old.into_iter().chain(recovery.leftovers).collect();
    phases.mark("write");
    for warning in guard::remove_leftovers(&leftovers) {
        log(format!("warning: {warning}"));
    }
    phases.mark("remove old");
    Ok(Built {
        path: target,
        files: count,
        pki: computed.report,
        changed: true,
        phases,
    })
}

/// What a build computes before writing anything.
struct Computed {
    report: PkiReport,
    /// Every file of the bundle with its bytes, the manifest and the marker last.
    files: Vec<OutputBytes>,
    /// The files whose bytes were read from the bundle on disk as they are (kept stores).
    on_disk: BTreeSet<String>,
    /// The files already written into the staging folder (by `early`).
    staged: BTreeSet<String>,
    /// `pki/rotated-<time>` when this build replaced primary keys.
    rotated: Option<String>,
}

/// What a build does with the files that need no key while its keys are generated (stage
/// them); without it they are made with the others.
type Early<'e> = &'e mut dyn FnMut(&[&OutputBytes]) -> Result<(), Error>;

/// The bytes of every file of the bundle: keys and certificates from `key_dir` (reused or
/// made), the planned outputs, the kept archive of replaced keys, the manifest. When keys
/// are generated and `early` is given, the files that need no key are made meanwhile and
/// handed to it.
fn compute(
    plan: &Plan,
    templates: &Templates,
    opts: &Options,
    key_dir: &Path,
    target: &Path,
    phases: &mut Phases,
    early: Option<Early>,
) -> Result<Computed, Error> {
    // The templates parse on their own thread meanwhile (see `run::build`).
    let pending = pki::begin(
        key_dir,
        &plan.keys,
        &plan.certs,
        &plan.provided_keys,
        opts.now,
        opts.rotate_keys,
    )?;
    let mut staged: Vec<OutputBytes> = Vec::new();
    let (pki, report) = match early.filter(|_| pending.generates()) {
        Some(early) => {
            // No output that needs no key reads `pki`.
            let none = pki::Pki::default();
            let inputs = produce::Inputs {
                plan,
                templates,
                pki: &none,
                previous: target,
            };
            let (keys, key_free) = std::thread::scope(|s| {
                let keys = s.spawn(|| pending.finish());
                let key_free = produce::produce(&inputs, Part::KeyFree).and_then(|made| {
                    let files: Vec<OutputBytes> = made
                        .into_iter()
                        .map(|(o, m)| (o.clone(), m.bytes))
                        .collect();
                    early(&files.iter().collect::<Vec<_>>())?;
                    Ok(files)
                });
                (keys.join().expect("no key generation panics"), key_free)
            });
            let keys = keys?;
            staged = key_free?;
            keys
        }
        None => pending.finish()?,
    };
    phases.mark("keys");
    let inputs = produce::Inputs {
        plan,
        templates,
        pki: &pki,
        previous: target,
    };
    let part = if staged.is_empty() {
        Part::All
    } else {
        Part::WithKeys
    };
    let mut on_disk = BTreeSet::new();
    let mut files: Vec<OutputBytes> = Vec::new();
    for (o, made) in produce::produce(&inputs, part)? {
        if made.on_disk {
            on_disk.insert(o.path.clone());
        }
        files.push((o.clone(), made.bytes));
    }
    let staged_paths: BTreeSet<String> = staged.iter().map(|(o, _)| o.path.clone()).collect();
    if !staged.is_empty() {
        // Back in plan order, which the manifest and the node archives follow.
        let order: HashMap<&str, usize> = (plan.outputs.iter().enumerate())
            .map(|(i, o)| (o.path.as_str(), i))
            .collect();
        files.extend(staged);
        files.sort_by_key(|(o, _)| order[o.path.as_str()]);
    }
    phases.mark("render, stores");
    let (archive, rotated) = archive::files(target, &pki, opts.now)?;
    files.extend(archive);
    for o in &plan.outputs {
        match o.source {
            Source::NodeArchive { node } => {
                let bytes = node_archive::tar_gz(&plan.nodes[node], &files, opts.archive_mtime);
                files.push((o.clone(), Bytes::new(bytes)));
            }
            Source::Manifest => {
                let bytes = manifest::manifest(plan, &files, &opts.profile_digest);
                files.push((o.clone(), Bytes::new(bytes)));
            }
            Source::Marker => files.push((o.clone(), Bytes::new(b"kmgen\n".to_vec()))),
            _ => {}
        }
    }
    phases.mark("manifest");
    Ok(Computed {
        report,
        files,
        on_disk,
        staged: staged_paths,
        rotated,
    })
}

/// `kmgen build --check`: computes the bundle (reusing `pki/`) and compares it with the one
/// on disk; writes nothing, takes no lock, recovers nothing. Returns what is stale, secrets
/// masked; empty when the bundle on disk is up to date.
pub fn check(plan: &Plan, templates: &Templates, opts: &Options) -> Result<Vec<String>, Error> {
    let target = opts.out_dir.join(&plan.deployment.name);
    if !target.join(MARKER).is_file() {
        return Ok(vec![format!(
            "{}: no bundle written by kmgen",
            target.display()
        )]);
    }
    let pki_dir = target.join("pki");
    let computed = compute(
        plan,
        templates,
        opts,
        &pki_dir,
        &target,
        &mut Phases::start(),
        None,
    )?;
    Ok(compare::compare(plan, &computed.files, &computed.on_disk, &target)?.stale)
}

/// Files in the bundle folder that kmgen did not write: refused, or with `--force` moved
/// aside (never deleted). A folder kmgen did not write at all counts as one such file.
fn clear_foreign(target: &Path, opts: &Options, log: &mut dyn FnMut(String)) -> Result<(), Error> {
    if !target.exists() {
        return Ok(());
    }
    let foreign = if target.join(MARKER).is_file() {
        guard::foreign_paths(target)?
    } else {
        if !opts.force {
            return Err(Error::NotOurs {
                path: target.to_path_buf(),
            });
        }
        Vec::new()
    };
    if !target.join(MARKER).is_file() || !foreign.is_empty() {
        if !opts.force {
            return Err(Error::ForeignFiles {
                path: target.to_path_buf(),
                files: foreign,
            });
        }
        let stamp = opts.now.unix_timestamp();
        let aside = if foreign.is_empty() {
            // Not a kmgen bundle: the whole folder goes aside.
            let aside = target.with_file_name(format!(
                "{}.foreign-{stamp}",
                target.file_name().expect("bundle folder").to_string_lossy()
            ));
            std::fs::rename(target, &aside).map_err(|source| Error::Write {
                path: aside.clone(),
                source,
            })?;
            aside
        } else {
            guard::move_aside(target, &foreign, stamp)?
        };
        log(format!(
            "note: moved what kmgen did not write in {} to {}",
            target.display(),
            aside.display()
        ));
    }
    Ok(())
}
