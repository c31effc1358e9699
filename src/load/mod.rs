//! Load phase: read the profile file, parse it once, validate it into the model. Every
//! problem becomes one report (`LoadError::Profile`), with its key path, line and fix.
mod net;
pub mod profile;
pub mod validate;

use crate::diagnostic::{report_parse_error, report_problems};
pub use net::pem_certificates;
use std::path::{Path, PathBuf};

/// Why a profile could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The profile is wrong; already rendered as a report (source excerpts included).
    #[error("{0}")]
    Profile(String),
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A validated profile and its source text.
pub struct Loaded {
    pub source: String,
    pub deployment: crate::model::Deployment,
}

/// Reads, parses and validates a profile; every problem becomes one `LoadError::Profile` report.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    let source = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let file = path.display().to_string();
    let profile: profile::Profile = toml::from_str(&source)
        .map_err(|e| LoadError::Profile(report_parse_error(&file, &source, &e)))?;
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let var = |name: &str| std::env::var(name).ok();
    let env = validate::Env {
        base_dir,
        var: &var,
    };
    let deployment = validate::validate(&profile, &env)
        .map_err(|problems| LoadError::Profile(report_problems(&file, &source, &problems)))?;
    Ok(Loaded { source, deployment })
}
