//! The artifact sharing files of `sync/`, rendered from `templates/sync/`, and what the README
//! says about each group of nodes that shares its `repository/deployment/server`. Pure: no IO.
use super::{RenderError, Renderer};
use crate::model::{ArtifactSync, Pattern};
use crate::plan::TemplateId;
use crate::plan::{install_dir, job_name, mount_unit_name, server_dir, Plan, PlannedNode};
use crate::topology::SyncGroupId;
use serde::Serialize;

/// What every template of `templates/sync/` (and the README's section) sees as `ctx`.
#[derive(Debug, Serialize)]
pub struct GroupView<'a> {
    deployment: &'a str,
    /// The group's folder in the bundle: `sync/<group>`.
    dir: String,
    /// Who shares: "the gateways", "the all-in-one nodes", "the traffic managers".
    what: &'static str,
    /// Where the docs describe the sharing.
    doc: &'static str,
    /// What the nodes deploy into the folder, and through which setting.
    deploys: &'static str,
    rsync: bool,
    /// Distributed gateways over rsync: the workers start read-only.
    read_only_workers: bool,
    /// The gateways: kmgen writes a file into the shared folder of each.
    gateways: bool,
    /// rsync: the node that pushes, the user of the job, where it is installed and named.
    source: Option<NodeRef<'a>>,
    user: Option<&'a str>,
    install_dir: Option<String>,
    job: String,
    /// rsync: the destinations; NFS: the nodes that mount the share.
    targets: Vec<NodeRef<'a>>,
    /// NFS: `host:/path` of the share.
    export: Option<String>,
    /// The pack whose folder the share replaces.
    pack: &'static str,
    /// The node the file is rendered for (a node's fstab line or mount unit).
    member: Option<NodeRef<'a>>,
}

#[derive(Debug, Clone, Serialize)]
struct NodeRef<'a> {
    name: &'a str,
    host: &'a str,
    home: &'a str,
    /// `<home>/repository/deployment/server`.
    server_dir: String,
    /// rsync: `user@host:<server_dir>/`, the line of workers-list.txt.
    dest: String,
    /// The mount unit's file name for `server_dir`.
    mount_unit: String,
}

fn node_ref<'a>(n: &'a PlannedNode, user: Option<&str>) -> NodeRef<'a> {
    let server_dir = server_dir(&n.home);
    // rsync takes an IPv6 address in brackets, as ssh does not.
    let host = if n.host.contains(':') {
        format!("[{}]", n.host)
    } else {
        n.host.to_string()
    };
    NodeRef {
        name: &n.name,
        host: &n.host,
        home: &n.home,
        dest: match user {
            Some(u) => format!("{u}@{host}:{server_dir}/"),
            None => String::new(),
        },
        mount_unit: mount_unit_name(&server_dir),
        server_dir,
    }
}

/// Group `g` of `plan.sync`, seen from node `member` (for a node's own file) or from none.
pub fn group_view(plan: &Plan, g: usize, member: Option<usize>) -> GroupView<'_> {
    let d = &plan.deployment;
    let group = &plan.sync[g];
    let active_active = d.pattern == Pattern::HybridActiveActive;
    let (user, export) = match &group.sync {
        ArtifactSync::Rsync { user } => (Some(user.as_str()), None),
        ArtifactSync::Nfs { export } => (None, Some(export.to_string())),
    };
    let rsync = user.is_some();
    let (what, doc, deploys) = match group.id {
        SyncGroupId::Gateways if active_active => (
            "the all-in-one nodes",
            "active-active-deployment.md step 5",
            "APIs (`APIGateway` `ServerURL`) and throttling policies (`PolicyDeployer/ServiceURL`)",
        ),
        SyncGroupId::Gateways if rsync => (
            "the gateways",
            "gateway-distributed-deployment-rsync.md and rsync-deployment-synchronization.md",
            "APIs (the `APIGateway` `ServerURL` of the Publisher and the Store)",
        ),
        SyncGroupId::Gateways => (
            "the gateways",
            "gateway-distributed-deployment-shared-fs.md step 2 item 4",
            "APIs (the `APIGateway` `ServerURL` of the Publisher and the Store)",
        ),
        SyncGroupId::TrafficManagers if rsync => (
            "the traffic managers",
            "distributed-setup.md step 6.5 item 3 shares this folder on a shared file system; \
             rsync-deployment-synchronization.md's copy stands in for it",
            "throttling policies (the Publisher's `PolicyDeployer/ServiceURL`)",
        ),
        SyncGroupId::TrafficManagers => (
            "the traffic managers",
            "distributed-setup.md step 6.5 item 3",
            "throttling policies (the Publisher's `PolicyDeployer/ServiceURL`)",
        ),
    };
    let source = group.source.map(|i| &plan.nodes[i]);
    GroupView {
        deployment: &d.name,
        dir: format!("sync/{}", group.id.as_str()),
        what,
        doc,
        deploys,
        rsync,
        read_only_workers: rsync && group.id == SyncGroupId::Gateways && !active_active,
        gateways: group.id == SyncGroupId::Gateways,
        source: source.map(|n| node_ref(n, user)),
        user,
        install_dir: source.map(|n| install_dir(&n.home, group.id)),
        job: job_name(d, group.id),
        targets: group
            .members
            .iter()
            .map(|&i| node_ref(&plan.nodes[i], user))
            .collect(),
        export,
        pack: plan.nodes[group.members[0]].product.pack_folder(),
        member: member.map(|i| node_ref(&plan.nodes[i], user)),
    }
}

/// Every group, for the README.
pub fn groups(plan: &Plan) -> Vec<GroupView<'_>> {
    (0..plan.sync.len())
        .map(|g| group_view(plan, g, None))
        .collect()
}

/// The file `template` of group `g`, for node `member` when it is one node's.
pub fn render(
    plan: &Plan,
    renderer: &Renderer,
    g: usize,
    member: Option<usize>,
    template: TemplateId,
) -> Result<String, RenderError> {
    renderer.render_ctx(template.name(), &group_view(plan, g, member))
}
