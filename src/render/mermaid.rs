//! Render phase: the topology as a Mermaid `flowchart` (the bundle README, `kmgen plan
//! --format mermaid`): a subgraph per role with its nodes, the load balancers, and an edge
//! for every call the plan wires: each cross-node link (`plan.links`, what `kmgen plan`
//! lists under Wiring) and each load balancer route to its backends, labelled with the
//! protocol and port. A link whose address is no node's or load balancer's (an external
//! LDAP server) points to a node of its own; nothing is drawn that the plan does not hold.
use crate::plan::Plan;
use std::collections::HashMap;
use std::fmt::Write;

/// The drawn calls: from, to, and their labels (`https 9443`), in the order the plan lists
/// them, with an index by (from, to): clustered nodes call each other, so there are about
/// nodes² edges and a linear search per edge made large deployments cubic.
#[derive(Default)]
struct Edges {
    list: Vec<(String, String, Vec<String>)>,
    index: HashMap<(String, String), usize>,
}

impl Edges {
    fn add(&mut self, from: &str, to: &str, label: String) {
        let key = (from.to_string(), to.to_string());
        match self.index.get(&key) {
            Some(&i) if self.list[i].2.contains(&label) => {}
            Some(&i) => self.list[i].2.push(label),
            None => {
                self.index.insert(key, self.list.len());
                self.list.push((from.into(), to.into(), vec![label]));
            }
        }
    }
}

/// Mermaid ids: `n_<node>`, `role_<role>`, `lb_<id>`, `x<k>` (names are `[a-z0-9-]`, ids
/// take `_`).
fn id(prefix: &str, name: &str) -> String {
    format!("{prefix}_{}", name.replace('-', "_"))
}

/// The diagram's text (no fence), ending in a newline.
pub fn diagram(plan: &Plan) -> String {
    let mut s = String::from("flowchart LR\n");
    nodes(plan, &mut s);
    load_balancers(plan, &mut s);
    let (edges, external) = edges(plan);
    for (k, authority) in external.iter().enumerate() {
        let _ = writeln!(s, "  x{k}[(\"{authority}\")]");
    }
    // A call both ways with the same labels (Hazelcast members) is one two-way edge.
    for (k, (from, to, labels)) in edges.list.iter().enumerate() {
        let back = edges
            .index
            .get(&(to.clone(), from.clone()))
            .copied()
            .filter(|&j| edges.list[j].2 == *labels);
        let arrow = match back {
            Some(j) if j < k => continue,
            Some(_) => "<-->",
            None => "-->",
        };
        let _ = writeln!(s, "  {from} {arrow}|\"{}\"| {to}", labels.join(", "));
    }
    s
}

/// A subgraph per role, in plan order, with its nodes: name, host, product, HTTPS port.
fn nodes(plan: &Plan, s: &mut String) {
    let mut roles: Vec<&str> = Vec::new();
    for n in &plan.nodes {
        if !roles.contains(&n.role.as_str()) {
            roles.push(n.role.as_str());
        }
    }
    for role in roles {
        let _ = writeln!(s, "  subgraph {}[\"{role}\"]", id("role", role));
        for n in plan.nodes.iter().filter(|n| n.role.as_str() == role) {
            let https = n.view.ports.mgt_https;
            let (name, host) = (n.name.as_str(), n.host.as_str());
            let label = format!("{name}<br/>{host}<br/>{} :{https}", n.product.as_str());
            let _ = writeln!(s, "    {}[\"{label}\"]", id("n", name));
        }
        s.push_str("  end\n");
    }
}

/// The load balancers, each with its name and listening ports.
fn load_balancers(plan: &Plan, s: &mut String) {
    if plan.load_balancers.is_empty() {
        return;
    }
    s.push_str("  subgraph load_balancers[\"load balancers\"]\n");
    for lb in &plan.load_balancers {
        let listen: Vec<String> = lb
            .routes
            .iter()
            .map(|r| format!("{} :{}", r.scheme, r.listen))
            .collect();
        let (name, host) = (lb.id.as_str(), lb.host.as_str());
        let label = format!("{name}<br/>{host}<br/>{}", listen.join(", "));
        let _ = writeln!(s, "    {}[[\"{label}\"]]", lb_id(lb));
    }
    s.push_str("  end\n");
}

/// A load balancer's id: `lb-km` → `lb_km`.
fn lb_id(lb: &crate::topology::LoadBalancerPlan) -> String {
    lb.id.as_str().replace('-', "_")
}

/// Every call: the links, then each load balancer route to its backends; and the external
/// addresses the links name, in order.
fn edges(plan: &Plan) -> (Edges, Vec<String>) {
    let mut edges = Edges::default();
    let mut external: Vec<String> = Vec::new();
    let targets = targets(plan);
    for link in &plan.links {
        let from = id("n", &link.from);
        for (scheme, authority, port) in addresses(&link.value) {
            let label = match scheme {
                Some(scheme) => format!("{scheme} {port}"),
                None if link.setting.contains("clustering") => format!("hazelcast {port}"),
                None => port.to_string(),
            };
            let to = targets.get(&authority).cloned().unwrap_or_else(|| {
                let k = external
                    .iter()
                    .position(|a| *a == authority)
                    .unwrap_or_else(|| {
                        external.push(authority.clone());
                        external.len() - 1
                    });
                format!("x{k}")
            });
            if to != from {
                edges.add(&from, &to, label);
            }
        }
    }
    for lb in &plan.load_balancers {
        let from = lb_id(lb);
        for r in &lb.routes {
            let pools = r.paths.iter().flat_map(|p| &p.backends);
            for b in r.backends.iter().chain(pools) {
                edges.add(
                    &from,
                    &id("n", b.node.as_str()),
                    format!("{} {}", r.scheme, b.port),
                );
            }
        }
    }
    (edges, external)
}

/// The node or load balancer that answers at each `authority` (`host:port`, as
/// `Host::authority` writes it): the first node in plan order, else the first load balancer.
fn targets(plan: &Plan) -> HashMap<String, String> {
    let mut targets = HashMap::new();
    for n in &plan.nodes {
        for (_, p) in n.ports.iter() {
            let node = id("n", n.name.as_str());
            targets.entry(n.host.authority(*p)).or_insert(node);
        }
    }
    for lb in &plan.load_balancers {
        for r in &lb.routes {
            targets
                .entry(lb.host.authority(r.listen))
                .or_insert_with(|| lb_id(lb));
        }
    }
    targets
}

/// The addresses in a link's value: `(scheme, host:port, port)` of each URL or bare
/// `host:port` (a value may list several, `{tcp://a:9611},{tcp://b:9611}`); a value that
/// names no port (`WSClient`) has none.
fn addresses(value: &str) -> Vec<(Option<&str>, String, &str)> {
    value
        .split(',')
        .filter_map(|part| {
            let part = part.trim().trim_start_matches('{').trim_end_matches('}');
            let (scheme, rest) = match part.split_once("://") {
                Some((scheme, rest)) => (Some(scheme), rest),
                None => (None, part),
            };
            let authority = rest.split('/').next()?;
            let (_, port) = authority.rsplit_once(':')?;
            port.parse::<u16>().ok()?;
            Some((scheme, authority.to_string(), port))
        })
        .collect()
}
