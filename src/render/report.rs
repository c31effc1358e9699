//! `kmgen plan`: the resolved topology and every file of the bundle, as JSON or text.
//! Holds no secrets: only names, hosts, ports, URLs without credentials and paths.
use super::readme::{start_order, TopologyRow};
use super::{RenderError, Renderer};
use crate::model::ArtifactSync;
use crate::plan::{Link, Output, Plan};
use crate::topology::LoadBalancerPlan;
use serde::Serialize;
use std::fmt::Write;

/// `kmgen plan --format json`.
#[derive(Serialize)]
pub struct PlanReport<'a> {
    pub deployment: &'a str,
    pub pattern: &'static str,
    pub apim_version: crate::model::ApimBuild,
    pub is_km_version: crate::model::IsKmBuild,
    pub nodes: Vec<NodeReport<'a>>,
    pub links: &'a [Link],
    pub load_balancers: &'a [LoadBalancerPlan],
    pub start_order: Vec<&'a str>,
    /// How the nodes that serve the same artifacts share them.
    pub sync: Vec<SyncReport<'a>>,
    /// Every file of the bundle, in the order `build` writes them.
    pub files: Vec<FileReport<'a>>,
}

#[derive(Serialize)]
pub struct NodeReport<'a> {
    pub name: &'a str,
    pub role: &'static str,
    pub product: &'static str,
    pub host: &'a str,
    pub port_offset: crate::model::PortOffset,
    pub ports: Vec<PortReport>,
    pub start_command: &'a str,
    /// The node's files, relative to its folder.
    pub files: Vec<&'a str>,
}

#[derive(Serialize)]
pub struct PortReport {
    pub name: &'static str,
    pub port: crate::model::Port,
}

/// A group of nodes sharing `repository/deployment/server`.
#[derive(Serialize)]
pub struct SyncReport<'a> {
    pub group: &'static str,
    pub mode: &'static str,
    /// rsync: the node the others copy from, and receive every deployment through.
    pub source: Option<&'a str>,
    /// rsync: the destinations; NFS: the nodes that mount the share.
    pub nodes: Vec<&'a str>,
    /// NFS: `host:/path`.
    pub export: Option<String>,
    /// rsync: the user the job runs and logs in as.
    pub user: Option<&'a str>,
}

fn sync_reports(plan: &Plan) -> Vec<SyncReport<'_>> {
    plan.sync
        .iter()
        .map(|g| {
            let (export, user) = match &g.sync {
                ArtifactSync::Nfs { export } => (Some(export.to_string()), None),
                ArtifactSync::Rsync { user } => (None, Some(user.as_str())),
            };
            SyncReport {
                group: g.id.as_str(),
                mode: g.sync.mode().as_str(),
                source: g.source.map(|i| plan.nodes[i].name.as_str()),
                nodes: g
                    .members
                    .iter()
                    .map(|&i| plan.nodes[i].name.as_str())
                    .collect(),
                export,
                user,
            }
        })
        .collect()
}

#[derive(Serialize)]
pub struct FileReport<'a> {
    pub path: &'a str,
    pub kind: &'static str,
    pub node: Option<&'a str>,
    /// Written 0600: it holds a secret or a private key.
    pub private: bool,
}

fn file_report(o: &Output) -> FileReport<'_> {
    FileReport {
        path: &o.path,
        kind: o.kind.as_str(),
        node: o.node.as_deref(),
        private: o.private,
    }
}

pub fn report(plan: &Plan) -> PlanReport<'_> {
    let d = &plan.deployment;
    PlanReport {
        deployment: &d.name,
        pattern: d.pattern.as_str(),
        apim_version: d.apim_version,
        is_km_version: d.is_km_version,
        nodes: plan
            .nodes
            .iter()
            .map(|n| {
                let folder = format!("nodes/{}/", n.name);
                NodeReport {
                    name: &n.name,
                    role: n.role.as_str(),
                    product: n.product.as_str(),
                    host: &n.host,
                    port_offset: n.port_offset,
                    ports: n
                        .ports
                        .iter()
                        .map(|(name, port)| PortReport { name, port: *port })
                        .collect(),
                    start_command: &n.start_command,
                    files: plan
                        .outputs
                        .iter()
                        .filter_map(|o| o.path.strip_prefix(folder.as_str()))
                        .collect(),
                }
            })
            .collect(),
        links: &plan.links,
        load_balancers: &plan.load_balancers,
        start_order: start_order(plan).iter().map(|n| n.name.as_str()).collect(),
        sync: sync_reports(plan),
        files: plan.outputs.iter().map(file_report).collect(),
    }
}

/// `kmgen plan` in human form.
pub fn human(plan: &Plan, renderer: &Renderer) -> Result<String, RenderError> {
    let d = &plan.deployment;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} ({}; API-M {}, IS-KM {})\n",
        d.name,
        d.pattern.as_str(),
        d.apim_version,
        d.is_km_version
    );
    s.push_str(&TopologyRow::table(plan, renderer)?);
    s.push_str("\nWiring:\n");
    for l in &plan.links {
        let _ = writeln!(s, "  {:<10} {} = {}", l.from, l.setting, l.value);
    }
    if !plan.load_balancers.is_empty() {
        s.push_str("\nLoad balancers:\n");
        for lb in &plan.load_balancers {
            for r in &lb.routes {
                let to = |backends: &[crate::topology::Backend]| {
                    let v: Vec<String> =
                        backends.iter().map(|b| b.host.authority(b.port)).collect();
                    v.join(", ")
                };
                let (scheme, at) = (r.scheme, lb.host.authority(r.listen));
                for p in &r.paths {
                    let _ = writeln!(
                        s,
                        "  {scheme}://{at} {} ({}) -> {}",
                        p.prefixes.join(", "),
                        p.what,
                        to(&p.backends)
                    );
                }
                let other = if r.paths.is_empty() {
                    ""
                } else {
                    " every other path"
                };
                let _ = writeln!(
                    s,
                    "  {scheme}://{at}{other} ({}) -> {}",
                    r.what,
                    to(&r.backends)
                );
            }
        }
    }
    let sync = sync_reports(plan);
    if !sync.is_empty() {
        s.push_str("\nSharing deployed artifacts (repository/deployment/server):\n");
        for g in &sync {
            let nodes = g.nodes.join(", ");
            let _ = match (g.source, &g.export) {
                (Some(source), _) => writeln!(
                    s,
                    "  {}: rsync from {source} to {nodes}, as {}",
                    g.group,
                    g.user.unwrap_or_default()
                ),
                (None, Some(export)) => {
                    writeln!(s, "  {}: NFS {export}, mounted by {nodes}", g.group)
                }
                (None, None) => Ok(()),
            };
        }
    }
    s.push_str("\nStart order:\n");
    for (i, n) in start_order(plan).iter().enumerate() {
        let _ = writeln!(
            s,
            "  {}. {} ({}): {}",
            i + 1,
            n.name,
            n.host,
            n.start_command
        );
    }
    s.push_str("\nFiles:\n");
    for o in &plan.outputs {
        // The mode when it is not the usual 0644.
        let mode = match o.mode() {
            0o644 => String::new(),
            m => format!(", {m:04o}"),
        };
        let _ = writeln!(s, "  {} ({}{mode})", o.path, o.kind.as_str());
    }
    Ok(s)
}
