//! Ports that would collide: two nodes on one host listening on one port after their
//! offsets (or on one Hazelcast port, which no offset moves), or a load balancer or the H2
//! server on a port its host already uses.
use crate::diagnostic::Problems;
use crate::load::profile;
use crate::model::{Deployment, Host, Port, Role};
use crate::topology::ports::HAZELCAST_LABEL;
use crate::topology::{self, ports};
use std::collections::{BTreeMap, BTreeSet};

/// The node (index) and listener that took a port of a host.
type Taken = BTreeMap<(Host, Port), (usize, &'static str)>;

pub(super) fn check_ports(d: &Deployment, pr: &mut Problems) {
    let taken = check_nodes(d, pr);
    let lb_taken = check_load_balancers(d, &taken, pr);
    check_h2(d, &taken, &lb_taken, pr);
}

/// Two nodes on one host must not listen on the same port after their offsets.
/// is-as-key-manager.md, Step 2: products sharing a machine take distinct port offsets.
fn check_nodes(d: &Deployment, pr: &mut Problems) -> Taken {
    let mut taken = Taken::new();
    for (i, n) in d.nodes.iter().enumerate() {
        for (label, p) in ports::listening(d, n) {
            if let Some(&first) = taken.get(&(n.host.clone(), p)) {
                clash(d, first, (i, label), p, pr);
                break;
            }
            taken.insert((n.host.clone(), p), (i, label));
        }
    }
    taken
}

/// Node `second` listens on `port`, which node `first` took. When one of the two is a
/// Hazelcast port, the fix is that node's `hazelcast_port`: the offset never moves it
/// (hazelcast-clustering.md, Step 1 item 5: "if two servers are running on the same
/// machine, you must ensure that a unique port is set for each server").
fn clash(
    d: &Deployment,
    (j, other): (usize, &str),
    (i, label): (usize, &str),
    port: Port,
    pr: &mut Problems,
) {
    let (first, n) = (&d.nodes[j], &d.nodes[i]);
    let message = format!(
        "port {port} on {} is used by both `{}` ({other}) and `{}` ({label})",
        n.host, first.name, n.name
    );
    let hazelcast = if label == HAZELCAST_LABEL {
        Some(i)
    } else if other == HAZELCAST_LABEL {
        Some(j)
    } else {
        None
    };
    match hazelcast {
        Some(k) => {
            let free = free_port(d, &n.host, port);
            pr.push(
                format!("node[{k}].hazelcast_port"),
                message,
                format!("give node `{}` a Hazelcast port no other node on {} uses, e.g. hazelcast_port = {free} (port_offset does not move it)", d.nodes[k].name, n.host),
            );
        }
        None => pr.push(
            format!("node[{i}].port_offset"),
            message,
            format!("give nodes on one host different port offsets (node `{}` has {}, node `{}` has {})", first.name, first.port_offset, n.name, n.port_offset),
        ),
    }
}

/// The first port above `port` that no node on `host` listens on.
fn free_port(d: &Deployment, host: &Host, port: Port) -> u16 {
    let used: BTreeSet<u16> = d
        .nodes
        .iter()
        .filter(|n| n.host == *host)
        .flat_map(|n| ports::listening(d, n))
        .map(|(_, p)| p.get())
        .collect();
    (port.get().saturating_add(1)..=u16::MAX)
        .find(|p| !used.contains(p))
        .unwrap_or(port.get())
}

/// `hazelcast_port` only on the nodes that join a Hazelcast cluster.
pub(super) fn check_unused_hazelcast_ports(
    nodes: &[profile::Node],
    d: &Deployment,
    pr: &mut Problems,
) {
    for (i, (raw, n)) in nodes.iter().zip(&d.nodes).enumerate() {
        if raw.hazelcast_port.is_none() || ports::clustered(d, n) {
            continue;
        }
        let (why, help) = if n.role == Role::KeyManager {
            (
                "the only key-manager node joins no cluster (several key managers do)".to_string(),
                "remove it",
            )
        } else if d.gateway.hazelcast {
            (
                format!(
                    "role `{}` does not join a Hazelcast cluster (the gateway roles do, and several key managers)",
                    n.role.as_str()
                ),
                "remove it",
            )
        } else {
            (
                "gateway.hazelcast is false".to_string(),
                "remove it, or set gateway.hazelcast = true",
            )
        };
        pr.push(
            format!("node[{i}].hazelcast_port"),
            format!("is only used by nodes in a Hazelcast cluster: {why}"),
            help,
        );
    }
}

/// A load balancer's listening ports must be free on its host: of nodes that share the
/// host, and of the other load balancers (two on one name would need one nginx `server`).
fn check_load_balancers(
    d: &Deployment,
    taken: &Taken,
    pr: &mut Problems,
) -> BTreeMap<(Host, Port), String> {
    let mut lb_taken: BTreeMap<(Host, Port), String> = BTreeMap::new();
    for lb in topology::load_balancers(d) {
        for r in &lb.routes {
            // `gateway.load_balancer.https_port` → `gateway.load_balancer`.
            let table = r.key.rsplit_once('.').map_or(r.key, |(t, _)| t);
            let at = (lb.host.clone(), r.listen);
            if let Some(other) = occupant(d, taken, &lb_taken, &at) {
                pr.push(
                    r.key,
                    format!("{table} listens on {} ({}), which {other} also uses", lb.host.authority(r.listen), r.what),
                    "give each load balancer its own host name, or a port nothing else on that host uses",
                );
            }
            lb_taken.insert(at, format!("{table} ({})", r.what));
        }
    }
    lb_taken
}

/// Who already listens on `at`: a node's port, or a load balancer's route.
fn occupant(
    d: &Deployment,
    taken: &Taken,
    lb_taken: &BTreeMap<(Host, Port), String>,
    at: &(Host, Port),
) -> Option<String> {
    taken
        .get(at)
        .map(|(j, label)| format!("node `{}` ({label})", d.nodes[*j].name))
        .or_else(|| lb_taken.get(at).cloned())
}

/// The H2 server's port must be free on the machine it runs on.
fn check_h2(
    d: &Deployment,
    taken: &Taken,
    lb_taken: &BTreeMap<(Host, Port), String>,
    pr: &mut Problems,
) {
    let Some(h2) = d.database.h2() else {
        return;
    };
    let at = (h2.machine.clone(), h2.port);
    if let Some(other) = occupant(d, taken, lb_taken, &at) {
        pr.push(
            "database.port",
            format!(
                "the H2 server listens on {}, which {other} also uses",
                h2.machine.authority(h2.port)
            ),
            "set database.port to a port nothing else on that host uses (default 9092)",
        );
    }
}
