//! Plan phase: model → the whole bundle, as typed outputs. Pure: no IO, no clock, no
//! randomness. Every file the bundle will hold is listed here with its path, kind and
//! source; `bundle` only produces the bytes.
mod files;
mod links;
mod outputs;
mod pki;
pub mod view;
mod wiring;

pub use links::Link;
pub use outputs::{lb_paths, FileKind, Output, Source, TemplateId, MARKER};
pub use pki::{CertSpec, KeySpec};
pub use wiring::{driver, nginx_view, revoke_api_url};

use crate::model::{Deployment, Host, Name, Node, Port, PortOffset, Role};
use crate::topology::{self, key_id, ports, start_profile, LoadBalancerPlan, Product};
use view::NodeView;

/// One node: who it is, what it listens on, how it starts, and the view its templates see.
#[derive(Debug, Clone)]
pub struct PlannedNode {
    pub name: Name,
    pub role: Role,
    pub product: Product,
    pub host: Host,
    pub port_offset: PortOffset,
    pub ports: Vec<(&'static str, Port)>,
    /// Config files: template → path inside the node folder.
    pub configs: Vec<(TemplateId, String)>,
    /// Empty directories the node needs (IS-KM custom sequence folders).
    pub dirs: Vec<String>,
    pub keystore_file: String,
    pub truststore_file: String,
    pub key_id: String,
    pub start_command: String,
    pub view: NodeView,
}

/// The whole bundle.
#[derive(Debug, Clone)]
pub struct Plan {
    pub deployment: Deployment,
    pub nodes: Vec<PlannedNode>,
    pub keys: Vec<KeySpec>,
    pub certs: Vec<CertSpec>,
    pub links: Vec<Link>,
    pub load_balancers: Vec<LoadBalancerPlan>,
    /// Every file of the bundle, sorted by path, then `manifest.json` and the marker.
    pub outputs: Vec<Output>,
}

impl Plan {
    /// The node named `name`.
    pub fn node(&self, name: &str) -> Option<&PlannedNode> {
        self.nodes.iter().find(|n| n.name == name)
    }
}

pub const SECURITY_DIR: &str = "repository/resources/security";

/// The config files of each pack that kmgen writes, by path under `repository/conf/`.
const IS_KM_FILES: &[(TemplateId, &str)] = &[
    (TemplateId::Carbon, "carbon.xml"),
    (TemplateId::ApiManager, "api-manager.xml"),
    (TemplateId::UserMgt, "user-mgt.xml"),
    (TemplateId::IsKmRegistry, "registry.xml"),
    (TemplateId::Identity, "identity/identity.xml"),
    (TemplateId::IsKmEmbeddedLdap, "identity/embedded-ldap.xml"),
    (
        TemplateId::MasterDatasources,
        "datasources/master-datasources.xml",
    ),
    (TemplateId::IsKmAxis2, "axis2/axis2.xml"),
    (TemplateId::CatalinaServer, "tomcat/catalina-server.xml"),
];

const APIM_FILES: &[(TemplateId, &str)] = &[
    (TemplateId::Carbon, "carbon.xml"),
    (TemplateId::ApiManager, "api-manager.xml"),
    (TemplateId::UserMgt, "user-mgt.xml"),
    (TemplateId::ApimRegistry, "registry.xml"),
    (TemplateId::Identity, "identity/identity.xml"),
    (
        TemplateId::MasterDatasources,
        "datasources/master-datasources.xml",
    ),
    (TemplateId::ApimAxis2, "axis2/axis2.xml"),
    (TemplateId::CatalinaServer, "tomcat/catalina-server.xml"),
];

pub fn plan(d: &Deployment) -> Plan {
    let nodes: Vec<PlannedNode> = d.nodes.iter().map(|n| plan_node(d, n)).collect();
    let load_balancers = topology::load_balancers(d);
    let (keys, certs) = pki::pki_specs(d, &load_balancers);
    let links = nodes
        .iter()
        .flat_map(|n| links::links(&n.name, n.role, &n.view))
        .collect();
    let outputs = files::outputs(d, &nodes, &keys, &certs, &load_balancers);
    Plan {
        deployment: d.clone(),
        nodes,
        keys,
        certs,
        links,
        load_balancers,
        outputs,
    }
}

fn plan_node(d: &Deployment, n: &Node) -> PlannedNode {
    let product = Product::of(n.role);
    let table = match product {
        Product::IsKm => IS_KM_FILES,
        Product::Apim => APIM_FILES,
    };
    let mut configs: Vec<(TemplateId, String)> = table
        .iter()
        .map(|&(template, f)| {
            // The traffic manager runs on the _TM variants of registry.xml and axis2.xml
            // (distributed-setup.md, traffic manager step; stock `registry_TM.xml`, `axis2_TM.xml`).
            let template = match (n.role, template) {
                (Role::TrafficManager, TemplateId::ApimRegistry) => TemplateId::ApimRegistryTm,
                (Role::TrafficManager, TemplateId::ApimAxis2) => TemplateId::ApimAxis2Tm,
                (_, t) => t,
            };
            (template, format!("repository/conf/{f}"))
        })
        .collect();
    if matches!(n.role, Role::AllInOne | Role::Publisher) {
        configs.push((
            TemplateId::ApimJndi,
            "repository/conf/jndi.properties".into(),
        ));
    }
    // hazelcast-clustering.md, "Configuring Hazelcast properties" step 1: every clustered
    // node gets the file (Carbon reads it if present: carbon-kernel@v4.4.35
    // HazelcastClusteringAgent.java l.533-563).
    if ports::clustered(d, n) {
        configs.push((
            TemplateId::ApimHazelcastProperties,
            "repository/conf/hazelcast.properties".into(),
        ));
    }
    // is-as-key-manager.md: the IS-KM logs errors at start until these folders exist.
    let dirs = if product == Product::IsKm {
        ["in", "out", "fault"]
            .iter()
            .map(|k| format!("repository/resources/customsequences/{k}"))
            .collect()
    } else {
        Vec::new()
    };
    let ext = d.tls.format.extension();
    let keystore_file = format!("{SECURITY_DIR}/wso2carbon.{ext}");
    let truststore_file = format!("{SECURITY_DIR}/client-truststore.{ext}");
    let start_profile = start_profile(n.role);
    let script = "sh bin/wso2server.sh";
    let start_command = match start_profile {
        Some(p) => format!("{script} -Dprofile={p}"),
        None => script.to_string(),
    };
    let view = wiring::view(d, n, &keystore_file, &truststore_file, start_profile);
    PlannedNode {
        name: n.name.clone(),
        role: n.role,
        product,
        host: n.host.clone(),
        port_offset: n.port_offset,
        ports: ports::listening(d, n),
        configs,
        dirs,
        keystore_file,
        truststore_file,
        key_id: key_id(d, n.role).to_string(),
        start_command,
        view,
    }
}
