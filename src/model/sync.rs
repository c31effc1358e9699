//! How the nodes that serve the same artifacts share their `repository/deployment/server`
//! (`[gateway] sync`, `[traffic_manager] sync`), and the values that go from the profile into
//! the generated scripts, fstab lines and systemd unit names: pack homes, the NFS export,
//! the user the rsync job runs as.
use super::{Host, SyncMode};
use serde::{Serialize, Serializer};
use std::fmt;
use std::ops::Deref;

/// An absolute path that a shell script, an fstab field and a systemd unit can hold as it is:
/// `/` and segments of `[A-Za-z0-9._+-]`, none empty, `.` or `..`, no trailing `/`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AbsPath(String);
string_newtype!(AbsPath);

impl AbsPath {
    /// The path, a trailing `/` dropped; `None` when it is not such a path (or is `/`).
    pub fn parse(s: &str) -> Option<AbsPath> {
        let s = s.strip_suffix('/').unwrap_or(s);
        let rest = s.strip_prefix('/')?;
        let ok = !rest.is_empty()
            && rest.split('/').all(|seg| {
                !seg.is_empty()
                    && seg != "."
                    && seg != ".."
                    && seg
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b))
            });
        ok.then(|| AbsPath(s.to_string()))
    }

    /// `self/rel`.
    pub fn join(&self, rel: &str) -> String {
        format!("{}/{rel}", self.0)
    }
}

/// A user name the rsync job runs as and logs in with: `[a-z_][a-z0-9_-]*`, at most 32
/// characters (the portable form `useradd` accepts).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OsUser(String);
string_newtype!(OsUser);

impl OsUser {
    pub fn parse(s: &str) -> Option<OsUser> {
        let b = s.as_bytes();
        let ok = !b.is_empty()
            && b.len() <= 32
            && (b[0].is_ascii_lowercase() || b[0] == b'_')
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"_-".contains(c));
        ok.then(|| OsUser(s.to_string()))
    }
}

/// `host:/path` of an NFS share (`[v6]:/path` for an IPv6 address), as `mount` takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NfsExport {
    pub host: Host,
    pub path: AbsPath,
}

impl fmt::Display for NfsExport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.path)
        } else {
            write!(f, "{}:{}", self.host, self.path)
        }
    }
}

impl Serialize for NfsExport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// How several nodes serving the same artifacts share them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArtifactSync {
    /// rsync-deployment-synchronization.md: one node (the sync source) pushes its folder to
    /// the others over ssh, as `user`, deleting there what it does not have.
    Rsync { user: OsUser },
    /// A shared file system mounted on every node's `repository/deployment/server`.
    Nfs { export: NfsExport },
}

impl ArtifactSync {
    pub fn mode(&self) -> SyncMode {
        match self {
            ArtifactSync::Rsync { .. } => SyncMode::Rsync,
            ArtifactSync::Nfs { .. } => SyncMode::Nfs,
        }
    }
}
