//! The errors of a command, phase by phase; `run` prints them once, with a help line.
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Load(#[from] crate::load::LoadError),
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write `{path}`: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}` exists and was not written by kmgen")]
    NotOurs { path: PathBuf },
    #[error("`{path}` holds files kmgen did not write: {}", files.join(", "))]
    ForeignFiles { path: PathBuf, files: Vec<String> },
    #[error("the bundle folder `{target}` contains `{input}`, which the build reads")]
    InputInsideOutput { input: PathBuf, target: PathBuf },
    #[error("`{path}` is stale: {count} file(s) differ from what the profile gives")]
    Stale { path: PathBuf, count: usize },
    #[error("no node `{name}` in the profile; its nodes: {}", nodes.join(", "))]
    UnknownNode { name: String, nodes: Vec<String> },
    #[error("node `{node}` differs from `{home}` in {count} file(s) or folder(s)")]
    Differs {
        node: String,
        home: PathBuf,
        count: usize,
    },
    #[error("`{path}` exists")]
    Exists { path: PathBuf },
    #[error("kmgen has no command `{0}`")]
    NoCommand(String),
    #[error("cannot write the output: {0}")]
    Output(std::io::Error),
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
    #[error(transparent)]
    Pki(#[from] crate::pki::PkiError),
    #[error("Secure Vault, node `{node}`, alias `{alias}`: {reason}")]
    SecureVault {
        node: String,
        alias: String,
        reason: String,
    },
    #[error("cannot write the {what} of node `{node}`: {source}")]
    Store {
        node: String,
        what: &'static str,
        source: crate::keystore::StoreError,
    },
}

impl Error {
    /// A help line for errors that have an obvious fix.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::NotOurs { .. } => Some(
                "kmgen replaces only bundles it wrote itself; choose another -o folder, move it away, or pass --force (which moves it aside, never deletes it)"
                    .into(),
            ),
            Error::ForeignFiles { .. } => Some(
                "kmgen deletes only what its previous manifest lists; move these files out of the bundle, or pass --force to move them aside"
                    .into(),
            ),
            Error::InputInsideOutput { .. } => Some(
                "keep the profile and its secret files outside OUT/<deployment.name>/ (a rebuild replaces that folder), or choose another -o"
                    .into(),
            ),
            Error::UnknownNode { .. } => Some("pass one of these names to --node".into()),
            Error::Exists { .. } => {
                Some("choose another file with -o, or pass --force to replace it".into())
            }
            Error::NoCommand(_) => Some("see `kmgen --help` for the commands".into()),
            Error::Load(crate::load::LoadError::Read { source, .. })
                if source.kind() == std::io::ErrorKind::InvalidInput =>
            {
                Some("give the profile as a regular TOML file of at most 1 MiB".into())
            }
            _ => None,
        }
    }
}
