//! Plan phase: model → every node's files, wiring and certificates. Pure: no IO, no clock.
use crate::model::{Deployment, KeySharing, Node, Pattern, Role, StoreFormat, SyncMode};
use crate::pki::{CertSpec, KeySpec};
use crate::ports::{self, at};
use crate::view::NodeView;
use crate::wiring;
use serde::Serialize;

/// Which product pack a node runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Product {
    #[serde(rename = "apim")]
    Apim,
    #[serde(rename = "is-km")]
    IsKm,
}

impl Product {
    pub fn of(role: Role) -> Product {
        if role.is_key_manager() {
            Product::IsKm
        } else {
            Product::Apim
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Product::Apim => "apim",
            Product::IsKm => "is-km",
        }
    }
    /// Template folder of the product version kmgen writes.
    pub fn template_root(self) -> &'static str {
        match self {
            Product::Apim => "apim-2.6.0",
            Product::IsKm => "is-km-5.7.0",
        }
    }
    pub fn home(self) -> &'static str {
        match self {
            Product::Apim => "<APIM_HOME>",
            Product::IsKm => "<IS_KM_HOME>",
        }
    }
}

/// One file to render: template name (under `templates/`) → path inside the node folder.
#[derive(Debug, Clone, Serialize)]
pub struct FileSpec {
    pub template: String,
    pub output: String,
}

/// A cross-node reference written into a config file, for `plan` and the README.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub from: String,
    /// The element that holds it, e.g. `api-manager.xml APIKeyValidator/ServerURL`.
    pub setting: String,
    pub value: String,
}

#[derive(Debug, Clone)]
pub struct PlannedNode {
    pub name: String,
    pub role: Role,
    pub product: Product,
    pub host: String,
    pub port_offset: u16,
    pub ports: Vec<(&'static str, u32)>,
    pub files: Vec<FileSpec>,
    /// Empty directories the node needs (IS-KM custom sequence folders).
    pub dirs: Vec<String>,
    pub keystore_file: String,
    pub truststore_file: String,
    pub key_id: String,
    pub start_command: String,
    pub view: NodeView,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub deployment: Deployment,
    pub nodes: Vec<PlannedNode>,
    pub keys: Vec<KeySpec>,
    pub certs: Vec<CertSpec>,
    pub links: Vec<Link>,
    pub load_balancers: Vec<LoadBalancerPlan>,
}

pub const SECURITY_DIR: &str = "repository/resources/security";

const IS_KM_FILES: &[&str] = &[
    "carbon.xml",
    "api-manager.xml",
    "user-mgt.xml",
    "registry.xml",
    "identity/identity.xml",
    "identity/embedded-ldap.xml",
    "datasources/master-datasources.xml",
    "axis2/axis2.xml",
    "tomcat/catalina-server.xml",
];

const APIM_FILES: &[&str] = &[
    "carbon.xml",
    "api-manager.xml",
    "user-mgt.xml",
    "registry.xml",
    "identity/identity.xml",
    "datasources/master-datasources.xml",
    "axis2/axis2.xml",
    "tomcat/catalina-server.xml",
];

/// Files both packs ship from the same IS 5.7.0 identity framework, rendered from one template
/// under `templates/common/` (the product differences are data in `view::Identity`).
const COMMON_FILES: &[&str] = &["identity/identity.xml"];

pub fn plan(d: &Deployment) -> Plan {
    let nodes: Vec<PlannedNode> = d.nodes.iter().map(|n| plan_node(d, n)).collect();
    let load_balancers = load_balancers(d);
    let (keys, certs) = pki_specs(d, &load_balancers);
    let links = nodes.iter().flat_map(wiring::links).collect();
    Plan {
        deployment: d.clone(),
        nodes,
        keys,
        certs,
        links,
        load_balancers,
    }
}

fn plan_node(d: &Deployment, n: &Node) -> PlannedNode {
    let product = Product::of(n.role);
    let root = product.template_root();
    let mut files: Vec<FileSpec> = match product {
        Product::IsKm => IS_KM_FILES,
        Product::Apim => APIM_FILES,
    }
    .iter()
    .map(|f| {
        // The traffic manager runs on the _TM variants of registry.xml and axis2.xml.
        let template = match (n.role, *f) {
            (Role::TrafficManager, "registry.xml") => "registry_TM.xml",
            (Role::TrafficManager, "axis2/axis2.xml") => "axis2_TM.xml",
            _ => f,
        };
        let root = if COMMON_FILES.contains(f) {
            "common"
        } else {
            root
        };
        FileSpec {
            template: format!("{root}/repository/conf/{template}"),
            output: format!("repository/conf/{f}"),
        }
    })
    .collect();
    if matches!(n.role, Role::AllInOne | Role::Publisher) {
        files.push(FileSpec {
            template: format!("{root}/repository/conf/jndi.properties"),
            output: "repository/conf/jndi.properties".into(),
        });
    }
    let dirs = if product == Product::IsKm {
        ["in", "out", "fault"]
            .iter()
            .map(|k| format!("repository/resources/customsequences/{k}"))
            .collect()
    } else {
        Vec::new()
    };
    let ext = match d.tls.format {
        StoreFormat::Jks => "jks",
        StoreFormat::Pkcs12 => "p12",
    };
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
        files,
        dirs,
        keystore_file,
        truststore_file,
        key_id: key_id(d, n.role).to_string(),
        start_command,
        view,
    }
}

/// The `-Dprofile` a role starts with (distributed-setup.md); `None` runs every component.
pub fn start_profile(role: Role) -> Option<&'static str> {
    match role {
        Role::Publisher => Some("api-publisher"),
        Role::Store => Some("api-store"),
        Role::TrafficManager => Some("traffic-manager"),
        Role::GatewayManager => Some("gateway-manager"),
        Role::GatewayWorker => Some("gateway-worker"),
        Role::KeyManager | Role::AllInOne | Role::Gateway => None,
    }
}

/// Start order: Key Managers first (the API-M nodes call them at start-up), then the
/// traffic managers, the gateways (manager before workers), then Publisher and Store.
pub fn start_rank(role: Role) -> u8 {
    match role {
        Role::KeyManager => 0,
        Role::TrafficManager => 1,
        Role::AllInOne | Role::Gateway | Role::GatewayManager => 2,
        Role::GatewayWorker => 3,
        Role::Publisher => 4,
        Role::Store => 5,
    }
}

/// The primary key pair a node uses: shared per product, or one for the whole deployment.
pub fn key_id(d: &Deployment, role: Role) -> &'static str {
    match d.tls.key_sharing {
        KeySharing::Deployment => "deployment",
        KeySharing::PerProduct => Product::of(role).as_str(),
    }
}

/// A load balancer of the profile: what it listens on and where it forwards. Its key and
/// certificate are `pki/keys/<id>.key.pem` and `pki/certs/<id>.crt.pem`; every node trusts it.
#[derive(Debug, Clone, Serialize)]
pub struct LoadBalancerPlan {
    /// `lb-km`, `lb-gateway`, `lb-apim` or `lb-tm`.
    pub id: String,
    pub host: String,
    pub routes: Vec<Route>,
}

/// One listening port of a load balancer and the node ports behind it (offsets applied).
#[derive(Debug, Clone, Serialize)]
pub struct Route {
    /// The profile key that sets `listen` (for problems about it).
    #[serde(skip)]
    pub key: &'static str,
    pub what: &'static str,
    pub scheme: &'static str,
    pub listen: u32,
    pub backends: Vec<Backend>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Backend {
    pub node: String,
    pub host: String,
    pub port: u32,
}

/// Every load balancer the profile declares, in a fixed order (Key Manager, gateway, API-M
/// front, traffic manager), each with the nodes it fronts.
pub fn load_balancers(d: &Deployment) -> Vec<LoadBalancerPlan> {
    let backends = |roles: &dyn Fn(Role) -> bool, port: u32| -> Vec<Backend> {
        d.nodes
            .iter()
            .filter(|n| roles(n.role))
            .map(|n| Backend {
                node: n.name.clone(),
                host: n.host.clone(),
                port: at(port, n),
            })
            .collect()
    };
    let route = |key, what, scheme, listen: u16, roles: &dyn Fn(Role) -> bool, port| Route {
        key,
        what,
        scheme,
        listen: u32::from(listen),
        backends: backends(roles, port),
    };
    let mut v = Vec::new();
    if let Some(lb) = &d.key_manager.load_balancer {
        v.push(LoadBalancerPlan {
            id: "lb-km".into(),
            host: lb.host.clone(),
            routes: vec![route(
                "key_manager.load_balancer.port",
                "Key Manager services and OAuth endpoints",
                "https",
                lb.port,
                &|r| r == Role::KeyManager,
                ports::MGT_HTTPS,
            )],
        });
    }
    if let Some(lb) = &d.gateway.load_balancer {
        let traffic = |r: Role| r.is_gateway() && r != Role::GatewayManager;
        let ws = u16::try_from(ports::WEBSOCKET).expect("9099 fits");
        v.push(LoadBalancerPlan {
            id: "lb-gateway".into(),
            host: lb.host.clone(),
            routes: vec![
                route(
                    "gateway.load_balancer.https_port",
                    "API traffic",
                    "https",
                    lb.https_port,
                    &traffic,
                    ports::NIO_HTTPS,
                ),
                route(
                    "gateway.load_balancer.http_port",
                    "API traffic",
                    "http",
                    lb.http_port,
                    &traffic,
                    ports::NIO_HTTP,
                ),
                route(
                    "gateway.load_balancer.host",
                    "WebSocket APIs",
                    "ws",
                    ws,
                    &traffic,
                    ports::WEBSOCKET,
                ),
            ],
        });
    }
    if let Some(lb) = &d.apim_load_balancer {
        v.push(LoadBalancerPlan {
            id: "lb-apim".into(),
            host: lb.host.clone(),
            routes: vec![route(
                "apim.load_balancer.port",
                "Publisher and Store web apps and services",
                "https",
                lb.port,
                &|r| matches!(r, Role::AllInOne | Role::Publisher | Role::Store),
                ports::MGT_HTTPS,
            )],
        });
    }
    if let Some(lb) = &d.tm_load_balancer {
        v.push(LoadBalancerPlan {
            id: "lb-tm".into(),
            host: lb.host.clone(),
            routes: vec![route(
                "traffic_manager.load_balancer.port",
                "throttling policy deployment",
                "https",
                lb.port,
                &|r| r == Role::TrafficManager,
                ports::MGT_HTTPS,
            )],
        });
    }
    v
}

/// The nginx view of a load balancer: TLS with its own certificate towards clients, TLS
/// verified against the nodes' certificates (by the load balancer's name, which every node
/// behind it carries) towards the nodes.
pub fn nginx_view(d: &Deployment, lb: &LoadBalancerPlan) -> crate::view::LoadBalancerView {
    let sticky = lb.id == "lb-km" || lb.id == "lb-apim";
    crate::view::LoadBalancerView {
        deployment: d.name.clone(),
        id: lb.id.clone(),
        host: lb.host.clone(),
        ssl_dir: format!("/etc/nginx/ssl/{}", d.name),
        routes: lb
            .routes
            .iter()
            .map(|r| crate::view::NginxRoute {
                what: r.what,
                listen: r.listen,
                tls: r.scheme == "https",
                websocket: r.scheme == "ws",
                backend_scheme: if r.scheme == "https" { "https" } else { "http" },
                upstream: format!("{}_{}_{}", d.name, lb.id, r.listen).replace('-', "_"),
                sticky,
                backends: r.backends.clone(),
            })
            .collect(),
    }
}

/// Which of `lbs` front a node: their host names go into the node's certificate.
fn fronting_load_balancers<'a>(
    lbs: &'a [LoadBalancerPlan],
    n: &'a Node,
) -> impl Iterator<Item = String> + 'a {
    lbs.iter()
        .filter(|lb| {
            lb.routes
                .iter()
                .any(|r| r.backends.iter().any(|b| b.node == n.name))
        })
        .map(|lb| lb.host.clone())
}

fn pki_specs(d: &Deployment, lbs: &[LoadBalancerPlan]) -> (Vec<KeySpec>, Vec<CertSpec>) {
    let mut keys: Vec<KeySpec> = Vec::new();
    let mut certs = Vec::new();
    for n in &d.nodes {
        let key = key_id(d, n.role);
        if !keys.iter().any(|k| k.id == key) {
            keys.push(KeySpec {
                id: key.to_string(),
                bits: d.tls.key_bits,
            });
        }
        let mut sans = vec![n.host.clone()];
        sans.extend(n.extra_names.iter().cloned());
        sans.extend(fronting_load_balancers(lbs, n));
        sans.push("localhost".to_string());
        dedup(&mut sans);
        certs.push(CertSpec {
            id: n.name.clone(),
            key_id: key.to_string(),
            common_name: n.host.clone(),
            sans,
            validity_days: d.tls.validity_days,
        });
    }
    // Each load balancer terminates TLS with a certificate of its own, which every node trusts.
    for lb in lbs {
        keys.push(KeySpec {
            id: lb.id.clone(),
            bits: d.tls.key_bits,
        });
        certs.push(CertSpec {
            id: lb.id.clone(),
            key_id: lb.id.clone(),
            common_name: lb.host.clone(),
            sans: vec![lb.host.clone()],
            validity_days: d.tls.validity_days,
        });
    }
    (keys, certs)
}

fn dedup(v: &mut Vec<String>) {
    let mut seen = std::collections::BTreeSet::new();
    v.retain(|s| seen.insert(s.clone()));
}

/// The node that receives API deployments from the Publisher (gateway `ServerURL`): for the
/// Key Manager's `APIGateway/ServerURL` (with Hazelcast) and the Publisher's environments.
pub fn gateway_manager(d: &Deployment) -> Option<&Node> {
    match d.pattern {
        Pattern::HybridSingleNode | Pattern::HybridActiveActive => {
            d.nodes_with(Role::AllInOne).next()
        }
        Pattern::Distributed => match d.gateway.sync {
            SyncMode::Rsync => d
                .nodes_with(Role::GatewayManager)
                .next()
                .or_else(|| d.nodes_with(Role::Gateway).next()),
            SyncMode::Nfs => d.nodes_with(Role::Gateway).next(),
        },
    }
}

/// `https://host:port` of the API traffic entry point: the gateway load balancer, or the
/// first node that serves API traffic.
pub fn gateway_traffic(d: &Deployment) -> Option<(String, u32, u32)> {
    if let Some(lb) = &d.gateway.load_balancer {
        return Some((
            lb.host.clone(),
            u32::from(lb.https_port),
            u32::from(lb.http_port),
        ));
    }
    d.nodes
        .iter()
        .find(|n| n.role.is_gateway() && n.role != Role::GatewayManager)
        .map(|n| {
            (
                n.host.clone(),
                at(ports::NIO_HTTPS, n),
                at(ports::NIO_HTTP, n),
            )
        })
}
