//! Which nodes need a load balancer in front of them, as a table: several nodes of a role
//! share one address only through a load balancer.
use crate::diagnostic::Problems;
use crate::model::{Deployment, Role};
use crate::topology::LoadBalancerId;

/// When nodes need the load balancer `id`: several of `roles`, counted together or one role
/// at a time.
struct Fronted {
    id: LoadBalancerId,
    key: &'static str,
    roles: Several,
    /// The problem, given the number of nodes.
    message: fn(usize) -> String,
    help: &'static str,
}

enum Several {
    /// More than one node of these roles in all.
    Together(&'static [Role]),
    /// More than one node of any one of these roles.
    OfOne(&'static [Role]),
}

const LOAD_BALANCED: &[Fronted] = &[
    Fronted {
        // distributed-setup.md, Step 6.2 item 3; is-as-key-manager.md, Step 6: a load balancer in
        // front of the Key Managers, which API-M then names (Step 5 item 1).
        id: LoadBalancerId::KeyManager,
        key: "key_manager.load_balancer",
        roles: Several::Together(&[Role::KeyManager]),
        message: |n| format!("{n} key-manager nodes need a load balancer in front of them"),
        help: "set key_manager.load_balancer = { host = \"km.example.com\", port = 443 }",
    },
    Fronted {
        // distributed-setup.md, Step 6.4 item 4: RevokeAPIURL names the gateway worker load balancer
        // with several gateways (and the NFS environment of Step 6.3 item 1.3).
        id: LoadBalancerId::Gateway,
        key: "gateway.load_balancer",
        // The nodes that serve API traffic (a gateway-manager only receives deployments).
        roles: Several::Together(&[Role::AllInOne, Role::Gateway, Role::GatewayWorker]),
        message: |n| format!("{n} nodes serve API traffic but no gateway load balancer is set: the Key Manager's RevokeAPIURL and the gateway endpoints need one address"),
        help: "set gateway.load_balancer = { host = \"gw.example.com\", https_port = 443, http_port = 80 }",
    },
    Fronted {
        // distributed-setup.md, Steps 6.3 item 4 and 6.4 item 3: HA Publishers / Stores sit behind a
        // load balancer (proxy-server-and-load-balancer.md, Step 2).
        id: LoadBalancerId::Apim,
        key: "apim.load_balancer",
        roles: Several::OfOne(&[Role::Publisher, Role::Store]),
        message: |_| "several publisher or store nodes need a load balancer in front of them".into(),
        help: "set apim.load_balancer = { host = \"apim.example.com\", port = 443 }",
    },
    Fronted {
        // distributed-setup.md, Step 6.3 item 1.2: PolicyDeployer/ServiceURL names the traffic
        // manager load balancer with several traffic managers.
        id: LoadBalancerId::TrafficManager,
        key: "traffic_manager.load_balancer",
        roles: Several::Together(&[Role::TrafficManager]),
        message: |n| format!("{n} traffic-manager nodes but no load balancer in front of them: the Publisher deploys throttling policies to one address (PolicyDeployer/ServiceURL)"),
        help: "set traffic_manager.load_balancer = { host = \"tm.example.com\", port = 443 }",
    },
];

/// Whether the profile declares the load balancer `id`.
fn declared(d: &Deployment, id: LoadBalancerId) -> bool {
    match id {
        LoadBalancerId::KeyManager => d.key_manager.load_balancer.is_some(),
        LoadBalancerId::Gateway => d.gateway.load_balancer.is_some(),
        LoadBalancerId::Apim => d.apim_load_balancer.is_some(),
        LoadBalancerId::TrafficManager => d.tm_load_balancer.is_some(),
    }
}

/// The load balancer `id` is declared when several nodes need it. The problem points at
/// the second of those nodes when the profile lacks the table.
pub(super) fn require(d: &Deployment, id: LoadBalancerId, pr: &mut Problems) {
    let row = LOAD_BALANCED
        .iter()
        .find(|row| row.id == id)
        .expect("every load balancer has its row");
    if declared(d, id) {
        return;
    }
    let count = |roles: &[Role]| d.nodes.iter().filter(|n| roles.contains(&n.role)).count();
    let (n, anchor_roles): (usize, &[Role]) = match &row.roles {
        Several::Together(roles) => (count(roles), roles),
        Several::OfOne(roles) => {
            let n = roles.iter().map(|r| count(&[*r])).max().unwrap_or(0);
            let several = roles.iter().position(|r| count(&[*r]) > 1).unwrap_or(0);
            (n, &roles[several..=several])
        }
    };
    if n <= 1 {
        return;
    }
    let second = d
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, node)| anchor_roles.contains(&node.role))
        .nth(1)
        .map(|(i, _)| format!("node[{i}].role"));
    pr.push_at(row.key, second, (row.message)(n), row.help);
}

/// A traffic manager load balancer needs traffic managers behind it.
/// Profile hygiene, not a product rule.
pub(super) fn check_unused(d: &Deployment, pr: &mut Problems) {
    if d.tm_load_balancer.is_some() && d.nodes_with(Role::TrafficManager).count() == 0 {
        pr.push(
            "traffic_manager.load_balancer",
            "is set but the profile has no traffic-manager nodes (all-in-one nodes run their own)",
            "remove [traffic_manager], or add traffic-manager nodes (pattern = \"distributed\")",
        );
    }
}
