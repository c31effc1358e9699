//! Write phase: the bytes of every planned output (keys, stores, rendered files, README),
//! the manifest, then one atomic write into `OUT/<name>/`.
mod manifest;
mod produce;
mod write;

pub use crate::plan::MARKER;
pub use manifest::sha256_hex;

use crate::error::Error;
use crate::pki::{self, PkiReport};
use crate::plan::{Plan, Source};
use crate::render::Renderer;
use std::path::{Path, PathBuf};

pub struct Options<'a> {
    pub out_dir: &'a Path,
    pub force: bool,
    pub rotate_keys: bool,
    pub now: time::OffsetDateTime,
    /// Digest of the profile file, for the manifest.
    pub profile_digest: String,
}

pub struct Built {
    pub path: PathBuf,
    pub files: usize,
    pub pki: PkiReport,
}

pub fn build(plan: &Plan, renderer: &Renderer, opts: &Options) -> Result<Built, Error> {
    let target = opts.out_dir.join(&plan.deployment.name);
    if target.exists() && !target.join(MARKER).exists() && !opts.force {
        return Err(Error::NotOurs { path: target });
    }
    let (pki, report) = pki::load_or_create(
        &target.join("pki"),
        &plan.keys,
        &plan.certs,
        opts.now,
        opts.rotate_keys,
    )?;
    let inputs = produce::Inputs {
        plan,
        renderer,
        pki: &pki,
        previous: &target,
    };
    let mut files = produce::produce(&inputs)?;
    for o in &plan.outputs {
        match o.source {
            Source::Manifest => {
                let bytes = manifest::manifest(plan, &files, &opts.profile_digest);
                files.push((o, bytes));
            }
            Source::Marker => files.push((o, b"kmgen\n".to_vec())),
            _ => {}
        }
    }
    let count = files.len();
    write::write_atomically(opts.out_dir, &target, plan, &files)?;
    Ok(Built {
        path: target,
        files: count,
        pki: report,
    })
}
