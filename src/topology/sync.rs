//! Artifact sharing: which nodes serve the same deployed artifacts, each from its own
//! `repository/deployment/server`, how they share them (`[gateway] sync`,
//! `[traffic_manager] sync`), and so where every deployment into that folder must go.
use crate::model::{ArtifactSync, Deployment, Node, Pattern, Role};

/// A set of nodes that must hold the same `repository/deployment/server`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SyncGroupId {
    /// The nodes that run the gateway: APIs and the gateways' throttling policies arrive
    /// through `APIGateway/.../ServerURL`. On all-in-one nodes the folder also holds their
    /// traffic manager's execution plans (active-active-deployment.md step 5: the shared
    /// folder shares "all APIs and throttling policies").
    Gateways,
    /// The traffic managers: the Publisher deploys each throttling policy as an execution
    /// plan (`PolicyDeployer/ServiceURL`) into `repository/deployment/server/executionplans`
    /// (wso2/carbon-event-processing EventProcessorConstants.EP_ELE_DIRECTORY); distributed-setup.md
    /// step 6.5 item 3 shares the folder "to share all the Throttling policies".
    TrafficManagers,
}

impl SyncGroupId {
    pub const ALL: [SyncGroupId; 2] = [SyncGroupId::Gateways, SyncGroupId::TrafficManagers];

    /// The group's folder under `sync/`.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncGroupId::Gateways => "gateways",
            SyncGroupId::TrafficManagers => "traffic-managers",
        }
    }

    /// The profile table that says how it shares (`<table>.sync`, `.nfs_export`, ...).
    pub fn table(self) -> &'static str {
        match self {
            SyncGroupId::Gateways => "gateway",
            SyncGroupId::TrafficManagers => "traffic_manager",
        }
    }
}

/// The nodes of a group, in profile order: the roles of the pattern that serve its artifacts.
pub fn sharing_nodes(d: &Deployment, id: SyncGroupId) -> Vec<&Node> {
    let gateway = |r: Role| match d.pattern {
        Pattern::HybridSingleNode | Pattern::HybridActiveActive => r == Role::AllInOne,
        Pattern::Distributed => r.is_gateway() && r != Role::AllInOne,
    };
    match id {
        SyncGroupId::Gateways => d.nodes.iter().filter(|n| gateway(n.role)).collect(),
        SyncGroupId::TrafficManagers => d.nodes_with(Role::TrafficManager).collect(),
    }
}

/// What the profile says for a group.
pub fn sync_of(d: &Deployment, id: SyncGroupId) -> Option<&ArtifactSync> {
    match id {
        SyncGroupId::Gateways => d.gateway.sync.as_ref(),
        SyncGroupId::TrafficManagers => d.tm_sync.as_ref(),
    }
}

/// With rsync, the node the others copy from. rsync-deployment-synchronization.md step 2
/// copies with `--delete`, so whatever another node received is gone at the next run: every
/// deployment into the folder must go to the source. The gateways': the gateway manager, the
/// only node "authorized to add new artifacts" (gateway-distributed-deployment-rsync.md
/// step 2), or the first all-in-one node (active-active-deployment.md step 5, "node-1 is the
/// manager node"); the traffic managers': the first (the docs describe only a shared file
/// system for them: kmgen's choice, the same one-way copy).
pub fn sync_source(d: &Deployment, id: SyncGroupId) -> Option<&Node> {
    let ArtifactSync::Rsync { .. } = sync_of(d, id)? else {
        return None;
    };
    let nodes = sharing_nodes(d, id);
    if nodes.len() < 2 {
        return None;
    }
    nodes
        .iter()
        .find(|n| n.role == Role::GatewayManager)
        .or(nodes.first())
        .copied()
}

/// The node whose `repository/deployment/server` receives what `n` deploys into the group's
/// folder: the rsync source, or `n` itself (alone, or on a shared file system).
pub fn deploys_to<'a>(d: &'a Deployment, id: SyncGroupId, n: &'a Node) -> &'a Node {
    sync_source(d, id).unwrap_or(n)
}

/// A group that shares, as the plan writes its files.
#[derive(Debug, Clone)]
pub struct SyncGroup {
    pub id: SyncGroupId,
    pub sync: ArtifactSync,
    /// rsync: the source (an index into `Deployment::nodes`).
    pub source: Option<usize>,
    /// rsync: the nodes the source pushes to; NFS: every node that mounts the share.
    pub members: Vec<usize>,
}

/// Every group of two or more nodes with a way to share (validation refuses the others).
pub fn sync_groups(d: &Deployment) -> Vec<SyncGroup> {
    let index = |n: &Node| {
        d.nodes
            .iter()
            .position(|m| m.name == n.name)
            .expect("a node of the deployment")
    };
    let mut v = Vec::new();
    for id in SyncGroupId::ALL {
        let (Some(sync), nodes) = (sync_of(d, id), sharing_nodes(d, id)) else {
            continue;
        };
        if nodes.len() < 2 {
            continue;
        }
        let source = sync_source(d, id).map(index);
        let members = nodes
            .into_iter()
            .map(index)
            .filter(|&i| Some(i) != source)
            .collect();
        v.push(SyncGroup {
            id,
            sync: sync.clone(),
            source,
            members,
        });
    }
    v
}
