//! Which roles a pattern takes and how many nodes of each, as tables; the gateway roles,
//! which depend on how the gateways share their artifacts (`gateway.sync`).
use crate::diagnostic::Problems;
use crate::model::{Deployment, Pattern, Role, SyncMode};

/// The roles each pattern takes, in the order the help line lists them.
const ALLOWED_ROLES: &[(Pattern, &[Role])] = &[
    // single-node.md and active-active-deployment.md: all-in-one nodes with the IS-KM
    // (is-as-key-manager.md, Step 4); distributed-setup.md: the five components, the gateway as
    // gateway-distributed-deployment-shared-fs.md (gateway) or -rsync.md (manager and workers) has it.
    (
        Pattern::HybridSingleNode,
        &[Role::AllInOne, Role::KeyManager],
    ),
    (
        Pattern::HybridActiveActive,
        &[Role::AllInOne, Role::KeyManager],
    ),
    (
        Pattern::Distributed,
        &[
            Role::KeyManager,
            Role::Publisher,
            Role::Store,
            Role::TrafficManager,
            Role::Gateway,
            Role::GatewayManager,
            Role::GatewayWorker,
        ],
    ),
];

/// How many nodes of a role each pattern needs: `(pattern, role, min, max)`. The distributed
/// gateways are counted by `check_gateway_roles`, since `gateway.sync` decides their roles.
const ROLE_COUNTS: &[(Pattern, Role, usize, Option<usize>)] = &[
    // is-as-key-manager.md, Step 5 item 1: a single Key Manager in the hybrid single node setup,
    // Key Managers in HA with active-active; active-active-deployment.md: two all-in-one nodes;
    // distributed-setup.md, Step 1: one of each component at least.
    (Pattern::HybridSingleNode, Role::AllInOne, 1, Some(1)),
    (Pattern::HybridSingleNode, Role::KeyManager, 1, Some(1)),
    (Pattern::HybridActiveActive, Role::AllInOne, 2, Some(2)),
    (Pattern::HybridActiveActive, Role::KeyManager, 1, None),
    (Pattern::Distributed, Role::KeyManager, 1, None),
    (Pattern::Distributed, Role::Publisher, 1, None),
    (Pattern::Distributed, Role::Store, 1, None),
    (Pattern::Distributed, Role::TrafficManager, 1, None),
];

/// Every node's role belongs to the pattern, and each role has as many nodes as it needs.
pub(super) fn check_roles(d: &Deployment, pr: &mut Problems) {
    let (_, allowed) = ALLOWED_ROLES
        .iter()
        .find(|(p, _)| *p == d.pattern)
        .expect("every pattern has its roles");
    for (i, n) in d.nodes.iter().enumerate() {
        if !allowed.contains(&n.role) {
            let list: Vec<_> = allowed.iter().map(|r| r.as_str()).collect();
            pr.push(
                format!("node[{i}].role"),
                format!(
                    "role `{}` does not belong in a {} deployment",
                    n.role.as_str(),
                    d.pattern.as_str()
                ),
                format!("use one of: {}", list.join(", ")),
            );
        }
    }
    for &(_, role, min, max) in ROLE_COUNTS.iter().filter(|(p, ..)| *p == d.pattern) {
        check_count(d, role, min, max, pr);
    }
    if d.pattern == Pattern::Distributed {
        check_gateway_roles(d, pr);
    }
}

/// Between `min` and `max` nodes of `role`. Too few: the problem is the node list. Too many:
/// the first node too many.
fn check_count(d: &Deployment, role: Role, min: usize, max: Option<usize>, pr: &mut Problems) {
    let n = d.nodes_with(role).count();
    if n >= min && max.is_none_or(|m| n <= m) {
        return;
    }
    let (want, top) = match max {
        Some(m) if m == min => (format!("exactly {min}"), m),
        Some(m) => (format!("{min} to {m}"), m),
        None => (format!("at least {min}"), min),
    };
    let nodes = if top == 1 { "node" } else { "nodes" };
    let (fix, path) = if n < min {
        ("add", "node".to_string())
    } else {
        let extra = d
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, x)| x.role == role)
            .nth(top)
            .map(|(i, _)| i);
        (
            "remove",
            extra.map_or("node".to_string(), |i| format!("node[{i}].role")),
        )
    };
    pr.push(
        path,
        format!(
            "a {} deployment needs {want} `{}` {nodes}; the profile has {n}",
            d.pattern.as_str(),
            role.as_str()
        ),
        format!("{fix} [[node]] tables with role = \"{}\"", role.as_str()),
    );
}

/// With rsync, one gateway-manager and its workers; with NFS, `gateway` nodes that are each
/// manager and worker (gateway-distributed-deployment-rsync.md, -shared-fs.md); without
/// `sync`, one `gateway` (`sync::check_sharing` asks for `sync` with several).
fn check_gateway_roles(d: &Deployment, pr: &mut Problems) {
    let gw = d.nodes_with(Role::Gateway).count();
    let managers = d.nodes_with(Role::GatewayManager).count();
    let workers = d.nodes_with(Role::GatewayWorker).count();
    let Some(sync) = d.gateway.sync.as_ref().map(|s| s.mode()) else {
        if gw + managers + workers == 0 {
            pr.push(
                "node",
                "a distributed deployment needs at least 1 `gateway` node",
                "add a [[node]] with role = \"gateway\"",
            );
        }
        return;
    };
    match sync {
        SyncMode::Rsync => {
            if gw > 0 && managers + workers > 0 {
                pr.push("gateway.sync", "mixing `gateway` nodes with `gateway-manager` / `gateway-worker` nodes", "with sync = \"rsync\" use one gateway-manager and one or more gateway-worker nodes");
            } else if managers + workers > 0 && (managers != 1 || workers == 0) {
                pr.push("node", format!("sync = \"rsync\" needs exactly 1 gateway-manager and at least 1 gateway-worker; the profile has {managers} and {workers}"), "add or remove gateway-manager / gateway-worker nodes");
            } else if gw > 1 {
                pr.push("gateway.sync", format!("{gw} `gateway` nodes with sync = \"rsync\": rsync needs one manager that the workers copy from"), "set gateway.sync = \"nfs\" (with gateway.nfs_export), or use one gateway-manager and gateway-worker nodes");
            } else if gw == 0 && managers == 0 {
                pr.push("node", "a distributed deployment needs a gateway: `gateway` nodes or a gateway-manager with gateway-workers", "add a [[node]] with role = \"gateway\"");
            }
        }
        SyncMode::Nfs => {
            if managers + workers > 0 {
                pr.push("gateway.sync", "gateway-manager / gateway-worker nodes go with sync = \"rsync\"; with \"nfs\" every gateway is manager and worker", "set gateway.sync = \"rsync\", or use role = \"gateway\" for every gateway node");
            } else if gw == 0 {
                pr.push(
                    "node",
                    "a distributed deployment needs at least 1 `gateway` node",
                    "add a [[node]] with role = \"gateway\"",
                );
            }
        }
    }
}
