//! Ports that would collide: two nodes on one host listening on one port after their
//! offsets, or a load balancer on a port its host already uses.
use crate::diagnostic::Problems;
use crate::model::{Deployment, Host, Port};
use crate::topology::{self, ports};
use std::collections::BTreeMap;

/// The node (index) and listener that took a port of a host.
type Taken = BTreeMap<(Host, Port), (usize, &'static str)>;

pub(super) fn check_ports(d: &Deployment, pr: &mut Problems) {
    let taken = check_nodes(d, pr);
    check_load_balancers(d, &taken, pr);
}

/// Two nodes on one host must not listen on the same port after their offsets.
fn check_nodes(d: &Deployment, pr: &mut Problems) -> Taken {
    let mut taken = Taken::new();
    for (i, n) in d.nodes.iter().enumerate() {
        for (label, p) in ports::listening(d, n) {
            if let Some((j, other)) = taken.get(&(n.host.clone(), p)) {
                let first = &d.nodes[*j];
                pr.push(
                    format!("node[{i}].port_offset"),
                    format!("port {p} on {} is used by both `{}` ({other}) and `{}` ({label})", n.host, first.name, n.name),
                    format!("give nodes on one host different port offsets (node `{}` has {}, node `{}` has {})", first.name, first.port_offset, n.name, n.port_offset),
                );
                break;
            }
            taken.insert((n.host.clone(), p), (i, label));
        }
    }
    taken
}

/// A load balancer's listening ports must be free on its host: of nodes that share the
/// host, and of the other load balancers (two on one name would need one nginx `server`).
fn check_load_balancers(d: &Deployment, taken: &Taken, pr: &mut Problems) {
    let mut lb_taken: BTreeMap<(Host, Port), String> = BTreeMap::new();
    for lb in topology::load_balancers(d) {
        for r in &lb.routes {
            // `gateway.load_balancer.https_port` → `gateway.load_balancer`.
            let table = r.key.rsplit_once('.').map_or(r.key, |(t, _)| t);
            let at = (lb.host.clone(), r.listen);
            let other = taken
                .get(&at)
                .map(|(j, label)| format!("node `{}` ({label})", d.nodes[*j].name))
                .or_else(|| lb_taken.get(&at).cloned());
            if let Some(other) = other {
                pr.push(
                    r.key,
                    format!("{table} listens on {} ({}), which {other} also uses", lb.host.authority(r.listen), r.what),
                    "give each load balancer its own host name, or a port nothing else on that host uses",
                );
            }
            lb_taken.insert(at, format!("{table} ({})", r.what));
        }
    }
}
