//! Artifact sharing (`[gateway]` and `[traffic_manager]`: `sync`, `nfs_export`,
//! `rsync_user`): each table's keys on their own, then whether the nodes that serve the same
//! artifacts have a way to share them, and only they.
use super::values::host;
use crate::diagnostic::Problems;
use crate::model::{
    AbsPath, ArtifactSync, Deployment, Host, NfsExport, OsUser, Pattern, Role, SyncMode,
};
use crate::topology::{sharing_nodes, sync_of, sync_source, SyncGroupId};

/// The user the rsync job runs as by default: WSO2's Ansible scripts for 2.6.0 run the packs
/// as `wso2carbon` (wso2/ansible-apim v2.6.0.7 group_vars/apim.yml, `wso2_user`).
const DEFAULT_RSYNC_USER: &str = "wso2carbon";

/// The keys of one table (`gateway` or `traffic_manager`) as the profile has them.
pub(super) struct SyncKeys<'a> {
    pub table: &'static str,
    pub sync: Option<SyncMode>,
    pub nfs_export: Option<&'a str>,
    pub rsync_user: Option<&'a str>,
}

/// One table's keys, checked on their own: NFS needs its share, and each key belongs to one
/// mode (a key that nothing reads is refused, as an unknown key is).
pub(super) fn artifact_sync(k: &SyncKeys, pr: &mut Problems) -> Option<ArtifactSync> {
    let t = k.table;
    let unused = |key: &str, pr: &mut Problems| {
        let (why, fix) = match k.sync {
            None => (
                format!("{t}.sync is not set"),
                format!("remove {t}.{key}, or set {t}.sync"),
            ),
            Some(mode) => (
                format!("{t}.sync is \"{}\"", mode.as_str()),
                format!("remove {t}.{key}"),
            ),
        };
        pr.push(
            format!("{t}.{key}"),
            format!("is set, but {why}: nothing reads it"),
            fix,
        );
    };
    match k.sync {
        Some(SyncMode::Nfs) => {
            let Some(export) = k.nfs_export else {
                pr.push(
                    format!("{t}.sync"),
                    "sync = \"nfs\" needs the share every node mounts on repository/deployment/server, and the profile names none",
                    format!("set {t}.nfs_export = \"nfs.example.com:/exports/{}\" (the NFS server and the path it exports)", example_share(t)),
                );
                // The mode stays known, so the other checks judge the roles by it.
                return Some(ArtifactSync::Nfs {
                    export: NfsExport {
                        host: Host::unchecked(""),
                        path: AbsPath::unchecked("/"),
                    },
                });
            };
            let export = nfs_export(export, &format!("{t}.nfs_export"), pr);
            if k.rsync_user.is_some() {
                unused("rsync_user", pr);
            }
            Some(ArtifactSync::Nfs { export })
        }
        Some(SyncMode::Rsync) => {
            if k.nfs_export.is_some() {
                unused("nfs_export", pr);
            }
            let user = match k.rsync_user {
                None => OsUser::parse(DEFAULT_RSYNC_USER).expect("a user name"),
                Some(u) => OsUser::parse(u).unwrap_or_else(|| {
                    pr.push(
                        format!("{t}.rsync_user"),
                        format!("`{u}` is not a user name"),
                        format!("use the user the packs run as: lowercase letters, digits, `_` and `-`, at most 32 (default {DEFAULT_RSYNC_USER})"),
                    );
                    OsUser::unchecked(u)
                }),
            };
            Some(ArtifactSync::Rsync { user })
        }
        None => {
            if k.nfs_export.is_some() {
                unused("nfs_export", pr);
            }
            if k.rsync_user.is_some() {
                unused("rsync_user", pr);
            }
            None
        }
    }
}

fn example_share(table: &str) -> &'static str {
    if table == "gateway" {
        "apim"
    } else {
        "apim-tm"
    }
}

/// `host:/path` (`[v6]:/path`): a host the nodes reach and an absolute path.
fn nfs_export(s: &str, key: &str, pr: &mut Problems) -> NfsExport {
    let split = match s.strip_prefix('[') {
        Some(rest) => rest.split_once("]:"),
        None => s.split_once(':'),
    };
    let fix = "use the NFS server's host, a colon and the absolute path it exports, e.g. \"nfs.example.com:/exports/apim\" (letters, digits and `._+-` in the path)";
    let Some((h, path)) = split.filter(|(h, _)| !h.is_empty()) else {
        pr.push(key, format!("`{s}` is not host:/path"), fix);
        return NfsExport {
            host: Host::unchecked(s),
            path: AbsPath::unchecked("/"),
        };
    };
    let host = host(h, key, pr);
    let path = AbsPath::parse(path).unwrap_or_else(|| {
        pr.push(
            key,
            format!("`{path}` is not an absolute path kmgen can write into fstab and a mount unit"),
            fix,
        );
        AbsPath::unchecked(path)
    });
    NfsExport { host, path }
}

/// Every group of nodes that serve the same artifacts has a way to share them when it has
/// several nodes, and none when it has one; a traffic manager load balancer goes with NFS only.
pub(super) fn check_sharing(d: &Deployment, pr: &mut Problems) {
    for id in SyncGroupId::ALL {
        let nodes = sharing_nodes(d, id);
        let t = id.table();
        // A single-node pattern with two all-in-one nodes is refused by its role count.
        let may_share = d.pattern != Pattern::HybridSingleNode;
        match (sync_of(d, id), nodes.len()) {
            (None, n) if n >= 2 && may_share => {
                let second = d
                    .nodes
                    .iter()
                    .position(|x| x.name == nodes[1].name)
                    .map(|i| format!("node[{i}].role"));
                let (message, help) = unshared(d, id, n, nodes[0].name.as_str());
                pr.push_at(format!("{t}.sync"), second, message, help);
            }
            (Some(sync), 0 | 1) => {
                let what = match (id, nodes.first()) {
                    (SyncGroupId::Gateways, Some(g)) => {
                        format!("only one node serves API traffic (`{}`)", g.name)
                    }
                    (SyncGroupId::Gateways, None) => "no node serves API traffic".to_string(),
                    (SyncGroupId::TrafficManagers, Some(tm)) => {
                        format!("the profile has one traffic manager (`{}`)", tm.name)
                    }
                    (SyncGroupId::TrafficManagers, None) => {
                        "the profile has no traffic-manager node".to_string()
                    }
                };
                pr.push(
                    format!("{t}.sync"),
                    format!(
                        "is \"{}\", but {what}: there is nothing to share",
                        sync.mode().as_str()
                    ),
                    format!("remove {t}.sync and the keys that go with it"),
                );
            }
            _ => {}
        }
    }
    // With rsync the Publisher deploys policies to the source (`sync_source`), never through
    // a load balancer that may pick another traffic manager.
    if let (Some(_), Some(source)) = (
        &d.tm_load_balancer,
        sync_source(d, SyncGroupId::TrafficManagers),
    ) {
        pr.push(
            "traffic_manager.load_balancer",
            format!("is set, but with traffic_manager.sync = \"rsync\" the Publisher deploys throttling policies to `{}`, the sync source: a policy the load balancer sent to another traffic manager would be deleted by the next sync", source.name),
            "remove traffic_manager.load_balancer, or set traffic_manager.sync = \"nfs\" (then every traffic manager may receive them)",
        );
    }
}

/// Why several nodes without `sync` cannot work, and the fix that suits their roles. Each node
/// deploys into its own folder otherwise: gateway-distributed-deployment-shared-fs.md ("to
/// share all APIs between all the Gateway nodes"), active-active-deployment.md step 5 ("all
/// APIs and throttling policies"), distributed-setup.md step 6.5 item 3 ("all the Throttling
/// policies between traffic management nodes").
fn unshared(d: &Deployment, id: SyncGroupId, n: usize, first: &str) -> (String, String) {
    let has = |r: Role| d.nodes_with(r).next().is_some();
    match id {
        SyncGroupId::Gateways if has(Role::GatewayManager) || has(Role::GatewayWorker) => (
            "gateway-manager / gateway-worker nodes share the deployed APIs with rsync, and gateway.sync is not set".to_string(),
            "set gateway.sync = \"rsync\": the gateway manager pushes its repository/deployment/server to the workers".to_string(),
        ),
        SyncGroupId::Gateways => {
            let (nodes, how) = if has(Role::AllInOne) {
                ("all-in-one", format!("or \"rsync\" (`{first}` receives every deployment and pushes it to the other)"))
            } else {
                ("gateway", "or use one gateway-manager and gateway-worker nodes with gateway.sync = \"rsync\"".to_string())
            };
            (
                format!("{n} {nodes} nodes serve API traffic, but nothing shares their deployed APIs (repository/deployment/server): an API published to one would be missing on the others"),
                format!("set gateway.sync = \"nfs\" with gateway.nfs_export = \"host:/path\" (each node mounts the share), {how}"),
            )
        }
        SyncGroupId::TrafficManagers => (
            format!("{n} traffic-manager nodes, but nothing shares their deployed throttling policies (repository/deployment/server/executionplans): a policy deployed to one would be missing on the others"),
            format!("set traffic_manager.sync = \"nfs\" with traffic_manager.nfs_export = \"host:/path\" (each traffic manager mounts the share), or \"rsync\" (`{first}` receives every policy and pushes it to the others)"),
        ),
    }
}
