//! The errors of a command, phase by phase; `run` prints them once, with a help line.
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Load(#[from] crate::load::LoadError),
    #[error("cannot write `{path}`: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}` exists and was not written by kmgen")]
    NotOurs { path: PathBuf },
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
    #[error(transparent)]
    Pki(#[from] crate::pki::PkiError),
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
                "kmgen replaces only bundles it wrote itself; choose another -o folder, move it away, or pass --force"
                    .into(),
            ),
            _ => None,
        }
    }
}
