//! Writing a bundle: every file into a staging folder beside the target, then one rename
//! into place. A failed build leaves the previous bundle as it was.
use crate::error::Error;
use crate::plan::{Output, Plan};
use std::fs;
use std::path::Path;

/// Writes `files` under a staging folder beside `target`, then swaps it into place.
pub fn write_atomically(
    out_dir: &Path,
    target: &Path,
    plan: &Plan,
    files: &[(&Output, Vec<u8>)],
) -> Result<(), Error> {
    let werr = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    fs::create_dir_all(out_dir).map_err(werr(out_dir))?;
    let pid = std::process::id();
    let staging = out_dir.join(format!(".{}.staging-{pid}", plan.deployment.name));
    let old = out_dir.join(format!(".{}.old-{pid}", plan.deployment.name));
    let result = (|| {
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(werr(&staging))?;
        }
        for (o, bytes) in files {
            write_file(&staging.join(&o.path), bytes, o.private)?;
        }
        for n in &plan.nodes {
            for dir in &n.dirs {
                let p = staging.join("nodes").join(&n.name).join(dir);
                fs::create_dir_all(&p).map_err(werr(&p))?;
            }
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    if target.exists() {
        fs::rename(target, &old).map_err(|e| {
            let _ = fs::remove_dir_all(&staging);
            werr(target)(e)
        })?;
    }
    if let Err(e) = fs::rename(&staging, target) {
        if old.exists() {
            let _ = fs::rename(&old, target);
        }
        let _ = fs::remove_dir_all(&staging);
        return Err(werr(target)(e));
    }
    if old.exists() {
        fs::remove_dir_all(&old).map_err(werr(&old))?;
    }
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8], private: bool) -> Result<(), Error> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let werr = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(werr)?;
    }
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(if private { 0o600 } else { 0o644 })
        .open(path)
        .map_err(werr)?;
    f.write_all(bytes).map_err(werr)
}
