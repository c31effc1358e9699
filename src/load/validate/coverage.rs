//! Load phase: what an operator's certificates must agree on with the rest of the profile:
//! the host names that reach each one, and one key for the nodes that share a primary key.
use super::chain::{covers, describe};
use crate::diagnostic::Problems;
use crate::model::{Deployment, ProvidedCert};
use crate::topology::{self, fronting, key_id};
use std::collections::BTreeMap;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

/// Every host name that reaches the node or load balancer `id` must be in its certificate.
pub(super) fn check_names(
    d: &Deployment,
    leaves: &BTreeMap<String, Vec<u8>>,
    tables: &BTreeMap<String, String>,
    pr: &mut Problems,
) {
    let lbs = topology::load_balancers(d);
    for (id, leaf_der) in leaves {
        let names: Vec<String> = match d.nodes.iter().find(|n| n.name.as_str() == id) {
            Some(n) => std::iter::once(n.host.to_string())
                .chain(n.extra_names.iter().map(|h| h.to_string()))
                .chain(fronting(&lbs, &n.name).map(|lb| lb.host.to_string()))
                .collect(),
            None => lbs
                .iter()
                .filter(|lb| lb.id.as_str() == id)
                .map(|lb| lb.host.to_string())
                .collect(),
        };
        let Ok((_, leaf)) = X509Certificate::from_der(leaf_der) else {
            continue;
        };
        let missing: Vec<String> = names
            .into_iter()
            .filter(|name| !covers(&leaf, name))
            .collect();
        if !missing.is_empty() {
            pr.push(
                format!("{}.cert", tables[id]),
                format!(
                    "{} does not name {}, which reach(es) it",
                    describe(&leaf),
                    missing.join(", ")
                ),
                "reissue the certificate with these names as subject alternative names (DNS or IP)",
            );
        }
    }
}

/// Nodes that share a primary key (`tls.key_sharing`) bring certificates on one key, or none.
pub(super) fn check_shared_keys(
    d: &Deployment,
    provided: &BTreeMap<String, ProvidedCert>,
    tables: &BTreeMap<String, String>,
    pr: &mut Problems,
) {
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for n in &d.nodes {
        groups
            .entry(key_id(d, n.role))
            .or_default()
            .push(n.name.as_str());
    }
    for (key, nodes) in groups {
        let with: Vec<&str> = nodes
            .iter()
            .copied()
            .filter(|n| provided.contains_key(*n))
            .collect();
        let Some(first) = with.first() else { continue };
        for n in nodes.iter().filter(|n| !provided.contains_key(**n)) {
            let i = d
                .nodes
                .iter()
                .position(|m| m.name.as_str() == *n)
                .unwrap_or(0);
            pr.push(format!("node[{i}].cert"), format!("is missing: node `{n}` shares the `{key}` primary key with `{first}`, which brings its own certificate and key"), format!("give `{n}` a certificate on the same key as `{first}` (the nodes of a product share one primary key), or give neither a certificate"));
        }
        for n in &with[1..] {
            if provided[*n].spki != provided[*first].spki {
                pr.push(format!("{}.key", tables[*n]), format!("is another key than `{first}`'s, but both nodes share the `{key}` primary key"), format!("issue `{n}`'s certificate on `{first}`'s key: the nodes of a product share one primary key"));
            }
        }
    }
}
