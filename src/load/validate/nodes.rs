//! `[[node]]`: names (unique), hosts, extra names, port offsets, Hazelcast ports and pack
//! homes (one per host).
use super::values::{host, port};
use crate::diagnostic::Problems;
use crate::load::profile;
use crate::model::{AbsPath, Name, Node, PortOffset};
use crate::topology::{self, ports, LoadBalancerId, Product, CA_ID};
use std::collections::BTreeMap;

/// The highest offset that keeps the Thrift port (10397) valid: the range the profile accepts
/// before any node's ports are looked at. (The JMX RMI server port, 11111, bounds the offset
/// further: `ports::MAX_OFFSET`, checked per node after this range.)
pub const MAX_PORT_OFFSET: i64 = 65535 - 10397;

/// Every node; `public_roots` puts the Mozilla roots' aliases into the truststores.
pub(super) fn check_nodes(
    nodes: &[profile::Node],
    public_roots: bool,
    pr: &mut Problems,
) -> Vec<Node> {
    if nodes.is_empty() {
        pr.push(
            "node",
            "the profile has no [[node]] tables",
            "add one [[node]] table per server, with name, role and host",
        );
    }
    let mut seen = BTreeMap::new();
    let mut checked: Vec<Node> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| check_node(i, n, public_roots, &mut seen, pr))
        .collect();
    homes(nodes, &mut checked, pr);
    checked
}

/// Each node's pack home: `[[node]] home`, or `/opt/<pack folder>`, or `/opt/<node>/<pack
/// folder>` when other nodes of its pack share its host. Two nodes on one host cannot share
/// a home: they would unzip into, and run from, one folder.
fn homes(raw: &[profile::Node], nodes: &mut [Node], pr: &mut Problems) {
    let crowded = |i: usize| {
        let n = &nodes[i];
        let pack = Product::of(n.role);
        nodes
            .iter()
            .filter(|m| m.host == n.host && Product::of(m.role) == pack)
            .count()
            > 1
    };
    let homes: Vec<AbsPath> = (0..nodes.len())
        .map(|i| {
            let folder = Product::of(nodes[i].role).pack_folder();
            match &raw[i].home {
                Some(h) => AbsPath::parse(h).unwrap_or_else(|| {
                    pr.push(
                        format!("node[{i}].home"),
                        format!("`{h}` is not an absolute path kmgen can write into scripts, fstab and unit names"),
                        format!("use an absolute path of letters, digits and `._+-` segments, e.g. \"/opt/{folder}\""),
                    );
                    AbsPath::unchecked(h)
                }),
                None if crowded(i) => {
                    AbsPath::parse(&format!("/opt/{}/{folder}", nodes[i].name))
                        .unwrap_or_else(|| AbsPath::unchecked(folder))
                }
                None => AbsPath::parse(&format!("/opt/{folder}")).expect("a pack folder"),
            }
        })
        .collect();
    for (i, home) in homes.iter().enumerate() {
        let clash = (0..i).find(|&j| nodes[j].host == nodes[i].host && homes[j] == *home);
        if let Some(j) = clash {
            pr.push_at(
                format!("node[{i}].home"),
                Some(format!("node[{i}].host")),
                format!(
                    "`{}` on {} is also node[{j}]'s (`{}`) home: both packs would be unzipped into one folder",
                    home, nodes[i].host, nodes[j].name
                ),
                format!("give node[{i}] a home of its own, e.g. home = \"/opt/{}/{}\"", nodes[i].name, Product::of(nodes[i].role).pack_folder()),
            );
        }
    }
    for (n, home) in nodes.iter_mut().zip(homes) {
        n.home = home;
    }
}

/// One node; `seen` maps the names of the nodes before it to their index.
fn check_node(
    i: usize,
    n: &profile::Node,
    public_roots: bool,
    seen: &mut BTreeMap<String, usize>,
    pr: &mut Problems,
) -> Node {
    let at = |k: &str| format!("node[{i}].{k}");
    let name = match Name::parse(&n.name) {
        None => {
            pr.push(
                at("name"),
                format!("`{}` is not a valid node name", n.name),
                "use lowercase letters, digits and dashes, starting with a letter or digit",
            );
            Name::unchecked(&n.name)
        }
        Some(name) => {
            if let Some(taken_by) = reserved(&name, public_roots) {
                pr.push(
                    at("name"),
                    format!("`{name}` is the name of {taken_by}"),
                    "choose another node name: the node's certificate and files go by it",
                );
            } else if let Some(first) = seen.insert(n.name.clone(), i) {
                pr.push(
                    at("name"),
                    format!("node name `{}` is already used by node[{first}]", n.name),
                    "give every node a unique name",
                );
            }
            name
        }
    };
    let node_host = host(&n.host, &at("host"), pr);
    let extra_names = n
        .extra_names
        .iter()
        .enumerate()
        .map(|(j, extra)| host(extra, &at(&format!("extra_names[{j}]")), pr))
        .collect();
    Node {
        name,
        role: n.role,
        host: node_host,
        port_offset: port_offset(n.port_offset, &at("port_offset"), pr),
        extra_names,
        hazelcast_port: n
            .hazelcast_port
            .map_or(ports::HAZELCAST, |p| port(p, &at("hazelcast_port"), pr)),
        // Set by `homes`, which looks at every node.
        home: AbsPath::unchecked(""),
    }
}

/// What else a node name would name: a load balancer's key, certificate and nginx files
/// (`pki/keys/lb-km.key.pem`), or another truststore entry (every node's certificate is a
/// truststore entry under the node's name, and a truststore holds an alias once).
fn reserved(name: &Name, public_roots: bool) -> Option<&'static str> {
    if name.as_str() == CA_ID {
        // Refused in both modes: switching to `private-ca` later must not rename a node.
        Some("the deployment CA of `tls.mode = \"private-ca\"` (its key and certificate in pki/)")
    } else if LoadBalancerId::ALL
        .iter()
        .any(|id| id.as_str() == name.as_str())
    {
        Some("a load balancer kmgen generates (its key, certificate and nginx files)")
    } else if topology::is_extra_alias(name) {
        Some("an `extra_trusted` certificate in the truststores")
    } else if public_roots && topology::is_root_alias(name) {
        Some("a public root CA in the truststores (tls.public_roots)")
    } else {
        None
    }
}

/// An offset in range that moves no port of the node past 65535. Otherwise the problem, and
/// the largest offset that does not (the model is discarded, but its ports stay computable).
fn port_offset(offset: i64, key: &str, pr: &mut Problems) -> PortOffset {
    if !(0..=MAX_PORT_OFFSET).contains(&offset) {
        pr.push(
            key,
            format!("offset {offset} is out of range"),
            format!("use 0 to {MAX_PORT_OFFSET}, so that every offset port (Thrift 10397 + offset) stays a valid port"),
        );
        return clamped(offset);
    }
    let offset = PortOffset::new(u16::try_from(offset).expect("in 0..=MAX_PORT_OFFSET"));
    let (label, highest) = ports::HIGHEST_OFFSET_PORT;
    if highest.offset_by(offset).is_none() {
        let max = ports::MAX_OFFSET;
        pr.push(
            key,
            format!("offset {offset} moves the {label} port ({highest}) past 65535"),
            format!("use 0 to {max}, so that the node's highest port ({label} {highest} + offset) stays valid"),
        );
        return ports::MAX_OFFSET;
    }
    offset
}

fn clamped(offset: i64) -> PortOffset {
    let max = i64::from(ports::MAX_OFFSET.get());
    PortOffset::new(u16::try_from(offset.clamp(0, max)).expect("clamped into u16"))
}
