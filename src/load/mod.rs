//! Load phase: read the profile file, parse it once, validate it into the model. Every
//! problem becomes one report (`LoadError::Profile`), with its key path, line and fix.
mod net;
pub mod json_schema;
pub mod profile;
pub mod read;
pub mod schema;
pub mod secret;
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

/// A validated profile, its source text and the files it names.
pub struct Loaded {
    pub source: String,
    pub deployment: crate::model::Deployment,
    /// The profile and every file it reads (`{ file = ... }` secrets, `extra_trusted`).
    pub inputs: Vec<PathBuf>,
}

impl Loaded {
    /// A digest of the profile that reveals nothing of its secrets: every literal secret is
    /// masked (and each masked run folded to one `*`, so not even its length counts).
    pub fn digest(&self) -> String {
        let masked = crate::diagnostic::mask_secrets(&self.source);
        let mut folded = String::with_capacity(masked.len());
        for c in masked.chars() {
            if !(c == '*' && folded.ends_with('*')) {
                folded.push(c);
            }
        }
        crate::model::sha256_hex(folded.as_bytes())
    }
}

/// The files a profile reads besides itself, relative to its folder.
fn input_files(p: &profile::Profile, base: &Path) -> Vec<PathBuf> {
    use profile::Secret;
    let secrets = [
        Some(&p.admin.password),
        Some(&p.tls.keystore_password),
        Some(&p.tls.truststore_password),
        p.database.am.password.as_ref(),
        p.database.um.password.as_ref(),
        p.database.reg.password.as_ref(),
        p.user_store.bind_password.as_ref(),
    ];
    let files = secrets.into_iter().flatten().filter_map(|s| match s {
        Secret::File(f) => Some(f.as_str()),
        _ => None,
    });
    files
        .chain(p.tls.extra_trusted.iter().map(String::as_str))
        .map(|f| base.join(f))
        .collect()
}

/// The profile in `source` (named `file` in reports), or the report of every problem that
/// keeps it from being one: a syntax error, or all the unknown keys, missing keys and
/// wrong types at once (`schema`), each with its key path and line.
pub fn parse(file: &str, source: &str) -> Result<profile::Profile, String> {
    // The schema first: it reports every problem, and it refuses what serde would read
    // by position (`load_balancer = ["lb.example.com", 443]` is a table to serde).
    if let Some(problems) = schema::problems(source).filter(|p| !p.is_empty()) {
        return Err(report_problems(file, source, &problems));
    }
    // Not TOML (the parser stops at the first error), or a problem the schema does not
    // know of (the tests keep the schema complete): serde's own error.
    toml::from_str(source).map_err(|e| report_parse_error(file, source, &e))
}

/// Reads, parses and validates a profile; every problem becomes one `LoadError::Profile` report.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    let source =
        read::read_regular_text(path, read::MAX_INPUT_BYTES).map_err(|source| LoadError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    let file = path.display().to_string();
    let profile = parse(&file, &source).map_err(LoadError::Profile)?;
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let var = |name: &str| std::env::var(name).ok();
    let env = validate::Env {
        base_dir,
        var: &var,
    };
    let deployment = validate::validate(&profile, &env)
        .map_err(|problems| LoadError::Profile(report_problems(&file, &source, &problems)))?;
    let mut inputs = vec![path.to_path_buf()];
    inputs.extend(input_files(&profile, base_dir));
    Ok(Loaded {
        source,
        deployment,
        inputs,
    })
}
