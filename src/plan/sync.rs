//! The artifact sharing files (`sync/<group>/`), one set per group of nodes that shares its
//! `repository/deployment/server`. rsync: the script and its destination list, installed on
//! the sync source, with a cron.d file and a systemd service + timer to run it every minute.
//! NFS: a script that seeds the share once, and per node an fstab line and a systemd mount
//! unit (its name is the mount path, escaped as `systemd-escape --path` does).
use super::{FileKind, Output, PlannedNode, Source, TemplateId};
use crate::model::{AbsPath, ArtifactSync, Deployment};
use crate::topology::{SyncGroup, SyncGroupId};

/// Where the rsync script and its list are installed on the source: beside its pack, in a
/// folder the user who runs the packs (and the job) owns.
pub fn install_dir(source_home: &AbsPath, id: SyncGroupId) -> String {
    source_home.join(&format!("kmgen-sync/{}", id.as_str()))
}

/// The name of the rsync job's cron.d file and systemd units (without `.service`/`.timer`).
pub fn job_name(d: &Deployment, id: SyncGroupId) -> String {
    format!("kmgen-{}-{}-depsync", d.name, id.as_str())
}

/// The folder every node of a group shares.
pub fn server_dir(home: &AbsPath) -> String {
    home.join("repository/deployment/server")
}

/// A mount unit's file name: its mount point, escaped as `systemd-escape --path` does
/// (systemd src/basic/unit-name.c, unit_name_path_escape and do_escape: the leading and
/// trailing `/` dropped, `/` → `-`, a leading `.` and every byte but ASCII letters, digits,
/// `:`, `_` and `.` as `\xNN`), then `.mount`; systemd refuses a mount unit whose name does
/// not match its `Where=` (systemd.mount(5)).
pub fn mount_unit_name(mount_point: &str) -> String {
    let trimmed = mount_point.trim_matches('/');
    if trimmed.is_empty() {
        return "-.mount".to_string();
    }
    let mut out = String::new();
    for (i, b) in trimmed.bytes().enumerate() {
        let plain = b.is_ascii_alphanumeric() || b":_.".contains(&b);
        match b {
            b'/' => out.push('-'),
            b'.' if i == 0 => out.push_str("\\x2e"),
            _ if plain => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out + ".mount"
}

/// The files of one group; `g` indexes `Plan::sync`.
pub(super) fn outputs(
    d: &Deployment,
    nodes: &[PlannedNode],
    (g, group): (usize, &SyncGroup),
) -> Vec<Output> {
    let dir = format!("sync/{}", group.id.as_str());
    let file = |path: String, kind, node: Option<usize>, template| Output {
        path,
        kind,
        node: node.map(|i| nodes[i].name.to_string()),
        private: false,
        source: Source::Sync {
            group: g,
            node,
            template,
        },
    };
    match &group.sync {
        ArtifactSync::Rsync { .. } => {
            let source = group.source;
            let job = job_name(d, group.id);
            vec![
                file(
                    format!("{dir}/rsync-for-carbon-depsync.sh"),
                    FileKind::SyncScript,
                    source,
                    TemplateId::SyncRsyncScript,
                ),
                file(
                    format!("{dir}/workers-list.txt"),
                    FileKind::SyncConfig,
                    source,
                    TemplateId::SyncWorkersList,
                ),
                file(
                    format!("{dir}/cron.d/{job}"),
                    FileKind::SyncConfig,
                    source,
                    TemplateId::SyncCron,
                ),
                file(
                    format!("{dir}/systemd/{job}.service"),
                    FileKind::SystemdUnit,
                    source,
                    TemplateId::SyncService,
                ),
                file(
                    format!("{dir}/systemd/{job}.timer"),
                    FileKind::SystemdUnit,
                    source,
                    TemplateId::SyncTimer,
                ),
            ]
        }
        ArtifactSync::Nfs { .. } => {
            let mut v = vec![file(
                format!("{dir}/seed-nfs-export.sh"),
                FileKind::SyncScript,
                None,
                TemplateId::SyncNfsSeed,
            )];
            for &i in &group.members {
                let n = &nodes[i];
                let unit = mount_unit_name(&server_dir(&n.home));
                v.push(file(
                    format!("{dir}/{}/fstab", n.name),
                    FileKind::SyncConfig,
                    Some(i),
                    TemplateId::SyncFstab,
                ));
                v.push(file(
                    format!("{dir}/{}/{unit}", n.name),
                    FileKind::SystemdUnit,
                    Some(i),
                    TemplateId::SyncMount,
                ));
            }
            v
        }
    }
}

#[cfg(test)]
mod tests {
    use super::mount_unit_name;

    #[test]
    fn mount_unit_names_escape_as_systemd_does() {
        assert_eq!(
            mount_unit_name("/opt/wso2am-2.6.0/repository/deployment/server"),
            "opt-wso2am\\x2d2.6.0-repository-deployment-server.mount"
        );
        assert_eq!(mount_unit_name("/.hidden/a+b"), "\\x2ehidden-a\\x2bb.mount");
        assert_eq!(mount_unit_name("/"), "-.mount");
    }
}
