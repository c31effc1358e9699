//! Plan phase: model → the whole bundle, as typed outputs. Pure: no IO, no clock, no
//! randomness. Every file the bundle will hold is listed here with its path, kind and
//! source; `bundle` only produces the bytes.
mod files;
mod links;
mod outputs;
mod pki;
mod sync;
pub mod vault;
pub mod view;
mod wiring;

pub use links::Link;
pub use outputs::{lb_paths, FileKind, Output, Source, TemplateId, VaultFile, H2_SCRIPT, MARKER};
pub use pki::{CertSpec, KeySpec, Signer, CA_ID};
pub use sync::{install_dir, job_name, mount_unit_name, server_dir};
pub use wiring::{driver, nginx_view, percent_encode, revoke_api_url};

use crate::model::{AbsPath, Deployment, Host, Name, Node, Port, PortOffset, Role, Secret};
use crate::topology::{self, key_id, ports, start_profile, LoadBalancerPlan, Product, SyncGroup};
use std::collections::BTreeMap;
use view::NodeView;

/// One node: who it is, what it listens on, how it starts, and the view its templates see.
#[derive(Debug, Clone)]
pub struct PlannedNode {
    pub name: Name,
    pub role: Role,
    pub product: Product,
    pub host: Host,
    /// The folder its pack is unzipped into.
    pub home: AbsPath,
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
    /// Primary keys the operator brought with node certificates: key id → PKCS#8 PEM.
    pub provided_keys: BTreeMap<String, Secret>,
    pub links: Vec<Link>,
    pub load_balancers: Vec<LoadBalancerPlan>,
    /// The groups of nodes that share their deployed artifacts.
    pub sync: Vec<SyncGroup>,
    /// Every file of the bundle, sorted by path, then the node archives (`with_archives`),
    /// `manifest.json` and the marker.
    pub outputs: Vec<Output>,
}

impl Plan {
    /// This plan with one `nodes/<node>.tar.gz` per node (`build --archive`), placed before
    /// the manifest: each is made from the node's files, and the manifest lists it. It is
    /// private (0600) when the node's folder holds a private file.
    pub fn with_archives(mut self) -> Plan {
        let at = self
            .outputs
            .iter()
            .position(|o| o.source == Source::Manifest)
            .expect("a planned manifest");
        let archives: Vec<Output> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let folder = format!("nodes/{}/", n.name);
                Output {
                    path: format!("nodes/{}.tar.gz", n.name),
                    kind: FileKind::Archive,
                    node: Some(n.name.to_string()),
                    private: self
                        .outputs
                        .iter()
                        .any(|o| o.private && o.path.starts_with(&folder)),
                    source: Source::NodeArchive { node: i },
                }
            })
            .collect();
        self.outputs.splice(at..at, archives);
        self
    }

    /// The node named `name`.
    pub fn node(&self, name: &str) -> Option<&PlannedNode> {
        self.nodes.iter().find(|n| n.name == name)
    }
}

pub const SECURITY_DIR: &str = "repository/resources/security";

/// The config files of each pack that kmgen writes, by path under `repository/conf/`.
/// The files the wiring docs edit: is-as-key-manager.md, Steps 4-5 (both packs),
/// distributed-setup.md, Step 6, installing-and-configuring-databases.md, steps 10-12, and
/// configuring-keystores-in-wso2-products.md (the stores in carbon.xml, catalina-server.xml, axis2.xml).
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

/// The jaggery apps' `site.json` files, by app (`wiring::site_json_apps` says which a role
/// gets): written only behind the API-M load balancer.
const SITE_JSON_FILES: &[(&str, TemplateId)] = &[
    ("publisher", TemplateId::ApimPublisherSiteJson),
    ("store", TemplateId::ApimStoreSiteJson),
    ("admin", TemplateId::ApimAdminSiteJson),
];

/// Files outside the tables above that open a keystore or truststore, by role: each product
/// component that reads one must read kmgen's (name, type, password). Paths from the node
/// folder. A component that the role's start profile does not install never reads its file.
fn store_files(role: Role) -> Vec<(TemplateId, &'static str)> {
    // Both packs ship the identity framework's file (wso2/product-apim@v2.6.0
    // modules/distribution/product/src/main/assembly/bin.xml l.216-218, the whole conf/identity;
    // wso2/product-is@v5.7.0 modules/distribution/src/assembly/bin.xml l.916-917); the
    // authentication endpoint web app reads it at deployment, in every profile.
    let mut v = vec![(
        TemplateId::EndpointConfig,
        "repository/conf/identity/EndpointConfig.properties",
    )];
    if Product::of(role) == Product::IsKm {
        // The other files are API-M's: IS 5.7.0 installs neither the broker nor the data
        // receiver (wso2/product-is@v5.7.0:modules/p2-profile-gen/pom.xml has the data
        // publisher only), ships no sslprofiles.xml or wss endpoint, and the prepackaged IS-KM
        // adds only the key manager and DCR features (product-apim modules/is-km/pom.xml).
        return v;
    }
    // Profiles per wso2/product-apim@v2.6.0:modules/p2-profile/product/pom.xml: `default`
    // (all-in-one, gateway, gateway manager) installs the broker (l.1192) and the data
    // receiver (l.811); `gateway-worker` the broker (l.1336); `traffic-manager` both (l.3303,
    // l.3106); `api-publisher` and `api-store` neither.
    let default_profile = matches!(role, Role::AllInOne | Role::Gateway | Role::GatewayManager);
    if default_profile || matches!(role, Role::GatewayWorker | Role::TrafficManager) {
        v.push((TemplateId::ApimBroker, "repository/conf/broker.xml"));
    }
    if default_profile || role == Role::TrafficManager {
        v.push((
            TemplateId::ApimDataBridge,
            "repository/conf/data-bridge/data-bridge-config.xml",
        ));
    }
    if role != Role::TrafficManager {
        // Named by axis2.xml's PassThrough HTTPS sender (`dynamicSSLProfilesConfig`), which
        // every role but the traffic manager (axis2_TM.xml) runs.
        v.push((
            TemplateId::ApimSslProfiles,
            "repository/resources/security/sslprofiles.xml",
        ));
        // Every profile but traffic-manager installs the inbound endpoints (p2 pom l.849,
        // 1411, 1810, 2289); only `--optimize` (profileSetup.sh) would delete this file, and
        // kmgen's start commands do not pass it.
        v.push((
            TemplateId::ApimSecureWebSocketInbound,
            "repository/deployment/server/synapse-configs/default/inbound-endpoints/SecureWebSocketInboundEndpoint.xml",
        ));
    }
    v
}

pub fn plan(d: &Deployment) -> Plan {
    let nodes: Vec<PlannedNode> = d.nodes.iter().map(|n| plan_node(d, n)).collect();
    let load_balancers = topology::load_balancers(d);
    let (keys, certs, provided_keys) = pki::pki_specs(d, &load_balancers);
    let links = nodes
        .iter()
        .flat_map(|n| links::links(&n.name, n.role, &n.view))
        .collect();
    let sync = topology::sync_groups(d);
    let outputs = files::outputs(d, &nodes, &keys, &certs, &load_balancers, &sync);
    Plan {
        deployment: d.clone(),
        nodes,
        keys,
        certs,
        provided_keys,
        links,
        load_balancers,
        sync,
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
    // distributed-setup.md, Step 6.3 item 2 (Publisher; an all-in-one node has its admin app
    // too, and is its own traffic manager). The traffic manager's JMS event publishers
    // (carbon-apimgt@v6.4.50 throttling feature: jmsEventPublisher, blockingEventJMSPublisher,
    // keyTemplateEventPublisher) read it too, and its broker checks the admin credentials
    // against the user store (Step 6.3 item 2 note: change them with the admin password).
    if matches!(
        n.role,
        Role::AllInOne | Role::Publisher | Role::TrafficManager
    ) {
        configs.push((
            TemplateId::ApimJndi,
            "repository/conf/jndi.properties".into(),
        ));
    }
    configs.extend(
        store_files(n.role)
            .into_iter()
            .map(|(template, path)| (template, path.to_string())),
    );
    // proxy-server-and-load-balancer.md step 3: behind the load balancer, the apps'
    // `reverseProxy` (and the Store's host whitelist); elsewhere the stock files stay.
    if d.apim_load_balancer.is_some() {
        for app in wiring::site_json_apps(n.role) {
            let (_, template) = SITE_JSON_FILES
                .iter()
                .find(|(a, _)| a == app)
                .expect("every app has its template");
            configs.push((
                *template,
                format!("repository/deployment/server/jaggeryapps/{app}/site/conf/site.json"),
            ));
        }
    }
    // hazelcast-clustering.md, "Configuring Hazelcast properties" step 1: every clustered
    // node gets the file (Carbon reads it if present: carbon-kernel@v4.4.35
    // HazelcastClusteringAgent.java l.533-563; IS 5.7.0 runs the same kernel).
    if ports::clustered(d, n) {
        let template = match product {
            Product::Apim => TemplateId::ApimHazelcastProperties,
            Product::IsKm => TemplateId::IsKmHazelcastProperties,
        };
        configs.push((template, "repository/conf/hazelcast.properties".into()));
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
    // The stock store names (wso2/carbon-kernel@v4.4.35:distribution/kernel/carbon-home/repository/resources/security/), `.p12` for PKCS12.
    let keystore_file = format!("{SECURITY_DIR}/wso2carbon.{ext}");
    let truststore_file = format!("{SECURITY_DIR}/client-truststore.{ext}");
    let start_profile = start_profile(n.role);
    // distributed-setup.md, Steps 6.1 and 6.5 item 6: `sh bin/wso2server.sh -Dprofile=<profile>`.
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
        home: n.home.clone(),
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
