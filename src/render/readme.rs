//! The bundle's README.md, rendered from `templates/bundle/README.md`: topology, wiring,
//! per-node install steps, start order, load balancers, databases, keys.
use super::{databases, deploy, h2, sync, RenderError, Renderer};
use crate::plan::{Link, Plan, PlannedNode, TemplateId};
use crate::topology::{start_rank, LoadBalancerPlan};
use serde::Serialize;

/// The nodes in the order they start.
pub fn start_order(plan: &Plan) -> Vec<&PlannedNode> {
    let mut v: Vec<&PlannedNode> = plan.nodes.iter().collect();
    v.sort_by_key(|n| start_rank(n.role));
    v
}

/// What `templates/bundle/README.md` sees as `ctx`.
#[derive(Serialize)]
struct ReadmeView<'a> {
    name: &'a str,
    pattern: &'static str,
    apim_version: crate::model::ApimBuild,
    is_km_version: crate::model::IsKmBuild,
    topology: Vec<TopologyRow<'a>>,
    /// The topology as a Mermaid flowchart (`mermaid::diagram`).
    mermaid: String,
    links: &'a [Link],
    nodes: Vec<NodeSteps<'a>>,
    start_order: Vec<StartStep<'a>>,
    load_balancers: &'a [LoadBalancerPlan],
    /// A database server's steps; `None` for H2.
    database: Option<DatabaseSteps>,
    /// `[tls] format = "pkcs12"`: the README states the JDK the `.p12` stores need.
    pkcs12: bool,
    /// `[tls] mode = "private-ca"`: the Keys section explains the deployment CA.
    private_ca: bool,
    /// Nodes and load balancers with a certificate the operator brought, in id order.
    operator_certs: Vec<&'a str>,
    /// The H2 server's steps; `None` for a database server.
    h2: Option<H2Steps<'a>>,
    /// The Hazelcast clusters, each with its members: their ports must be open to each other.
    clusters: Vec<ClusterSteps<'a>>,
    /// The groups of nodes that share their deployed artifacts.
    sync: Vec<sync::GroupView<'a>>,
    /// `build --archive`: the bundle holds `nodes/<node>.tar.gz`.
    archives: bool,
    /// `[secure_vault] enabled`: the Keys section explains the mode.
    secure_vault: bool,
    /// What `deploy/site.yml` waits for before the first start.
    database_check: String,
}

/// One Hazelcast cluster: its `domain` and every member's `localMemberHost:localMemberPort`.
#[derive(Serialize)]
struct ClusterSteps<'a> {
    domain: &'a str,
    key_managers: bool,
    members: Vec<ClusterMember<'a>>,
}

#[derive(Serialize)]
struct ClusterMember<'a> {
    name: &'a str,
    host: &'a str,
    port: crate::model::Port,
}

/// One row of the topology table (README and `kmgen plan`).
#[derive(Serialize)]
pub struct TopologyRow<'a> {
    name: &'a str,
    role: &'static str,
    product: &'static str,
    host: &'a str,
    port_offset: crate::model::PortOffset,
    https: crate::model::Port,
    ports: Vec<Port>,
}

#[derive(Serialize)]
struct Port {
    name: &'static str,
    port: crate::model::Port,
}

#[derive(Serialize)]
struct TopologyView<'a> {
    topology: Vec<TopologyRow<'a>>,
}

impl TopologyRow<'_> {
    fn rows(plan: &Plan) -> Vec<TopologyRow<'_>> {
        plan.nodes
            .iter()
            .map(|n| TopologyRow {
                name: &n.name,
                role: n.role.as_str(),
                product: n.product.as_str(),
                host: &n.host,
                port_offset: n.port_offset,
                https: n.view.ports.mgt_https,
                ports: n
                    .ports
                    .iter()
                    .map(|&(name, port)| Port { name, port })
                    .collect(),
            })
            .collect()
    }

    /// The topology table alone, as `kmgen plan` prints it.
    pub fn table(plan: &Plan, renderer: &Renderer) -> Result<String, RenderError> {
        let view = TopologyView {
            topology: Self::rows(plan),
        };
        renderer.render_ctx(TemplateId::Topology.name(), &view)
    }
}

#[derive(Serialize)]
struct NodeSteps<'a> {
    name: &'a str,
    role: &'static str,
    host: &'a str,
    pack: &'static str,
    home: &'a str,
    start_command: &'a str,
    /// Secure Vault: the node's files under `secrets/<node>/` (their product reads no alias).
    secrets: Vec<&'a str>,
}

#[derive(Serialize)]
struct StartStep<'a> {
    name: &'a str,
    host: &'a str,
    start_command: &'a str,
}

#[derive(Serialize)]
struct DatabaseSteps {
    #[serde(rename = "type")]
    db_type: &'static str,
    host: String,
    port: crate::model::Port,
    /// installing-and-configuring-databases.md: the driver jar goes into
    /// `repository/components/lib` of every node; the docs name MySQL's only, the others are
    /// the vendors' Java 8 drivers for the class kmgen writes.
    driver_jar: &'static str,
    driver_class: &'static str,
    admin_command: String,
    table_steps: Vec<String>,
}

/// The H2 server: where it runs, what the nodes connect to, how it starts.
#[derive(Serialize)]
struct H2Steps<'a> {
    machine: &'a str,
    /// `host:port` of the nodes' JDBC URLs.
    address: String,
    port: crate::model::Port,
    allow_others: bool,
    script: &'static str,
    seeds: Vec<h2::Seed<'a>>,
}

fn node_steps<'a>(plan: &'a Plan, n: &'a PlannedNode) -> NodeSteps<'a> {
    let prefix = format!("{}/{}/", crate::plan::vault::SECRETS_TREE, n.name);
    let secrets = plan
        .outputs
        .iter()
        .filter_map(|o| o.path.strip_prefix(prefix.as_str()))
        .collect();
    NodeSteps {
        secrets,
        name: &n.name,
        role: n.role.as_str(),
        host: &n.host,
        pack: n.product.pack_folder(),
        home: &n.home,
        start_command: &n.start_command,
    }
}

/// The bundle's README.md.
pub fn render(plan: &Plan, renderer: &Renderer) -> Result<String, RenderError> {
    let d = &plan.deployment;
    let database = d.database.server().map(|server| DatabaseSteps {
        db_type: server.db_type.as_str(),
        host: server.host.to_string(),
        port: server.port,
        driver_jar: driver_jar(server.db_type),
        driver_class: crate::plan::driver(server.db_type.db_type()).0,
        admin_command: databases::admin_command(&d.database),
        table_steps: databases::table_steps(&d.database),
    });
    let h2 = d.database.h2().map(|h| H2Steps {
        machine: &h.machine,
        address: h.address(),
        port: h.port,
        allow_others: h.allow_others(),
        script: crate::plan::H2_SCRIPT,
        seeds: h2::seeds(&d.database),
    });
    let start: Vec<StartStep> = start_order(plan)
        .into_iter()
        .map(|n| StartStep {
            name: &n.name,
            host: &n.host,
            start_command: &n.start_command,
        })
        .collect();
    let view = ReadmeView {
        name: &d.name,
        pattern: d.pattern.as_str(),
        apim_version: d.apim_version,
        is_km_version: d.is_km_version,
        topology: TopologyRow::rows(plan),
        mermaid: super::mermaid::diagram(plan),
        links: &plan.links,
        nodes: plan.nodes.iter().map(|n| node_steps(plan, n)).collect(),
        start_order: start,
        load_balancers: &plan.load_balancers,
        database,
        pkcs12: d.tls.format == crate::model::StoreFormat::Pkcs12,
        private_ca: d.tls.mode == crate::model::TlsMode::PrivateCa,
        operator_certs: d.tls.provided.keys().map(String::as_str).collect(),
        h2,
        clusters: clusters(plan),
        sync: sync::groups(plan),
        archives: plan
            .outputs
            .iter()
            .any(|o| o.kind == crate::plan::FileKind::Archive),
        secure_vault: d.secure_vault,
        database_check: deploy::database_check(plan),
    };
    renderer.render_ctx(TemplateId::Readme.name(), &view)
}

/// The clusters of the plan's nodes, by `domain`, in node order.
fn clusters(plan: &Plan) -> Vec<ClusterSteps<'_>> {
    let mut v: Vec<ClusterSteps> = Vec::new();
    for n in plan.nodes.iter().filter(|n| n.view.clustering.enabled) {
        let c = &n.view.clustering;
        let member = ClusterMember {
            name: &n.name,
            host: &c.local_member_host,
            port: c.local_member_port,
        };
        match v.iter_mut().find(|s| s.domain == c.domain) {
            Some(s) => s.members.push(member),
            None => v.push(ClusterSteps {
                domain: &c.domain,
                key_managers: n.role == crate::model::Role::KeyManager,
                members: vec![member],
            }),
        }
    }
    v
}

/// The JDBC driver jar an operator downloads for each database type.
fn driver_jar(t: crate::model::DbServerType) -> &'static str {
    use crate::model::DbServerType::*;
    match t {
        // installing-and-configuring-databases.md: `mysql-connector-java-x.x.xx-bin.jar`
        // (5.1.x keeps the `com.mysql.jdbc.Driver` class the datasources name).
        Mysql => "`mysql-connector-java-5.1.x-bin.jar`",
        Postgresql => "`postgresql-42.x.jar`",
        Mssql => "`mssql-jdbc-7.x.jre8.jar`",
        Oracle => "`ojdbc8.jar` (or the `ojdbc` jar of your database version)",
    }
}
