//! The load balancers a profile declares: where each listens and which node ports it fronts.
use super::ports::{self, at};
use crate::model::{Deployment, Host, Name, Port, Role};
use serde::Serialize;

/// Which load balancer: one per profile table that declares one. The id names its files
/// (`load-balancer/<id>.conf`, `pki/keys/<id>.key.pem`), so node names may not take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum LoadBalancerId {
    /// `[key_manager] load_balancer`: the IS-KM nodes.
    #[serde(rename = "lb-km")]
    KeyManager,
    /// `[gateway] load_balancer`: API traffic.
    #[serde(rename = "lb-gateway")]
    Gateway,
    /// `[apim] load_balancer`: the all-in-one nodes, or Publisher and Store.
    #[serde(rename = "lb-apim")]
    Apim,
    /// `[traffic_manager] load_balancer`: the traffic managers.
    #[serde(rename = "lb-tm")]
    TrafficManager,
}

impl LoadBalancerId {
    pub const ALL: [LoadBalancerId; 4] = [
        LoadBalancerId::KeyManager,
        LoadBalancerId::Gateway,
        LoadBalancerId::Apim,
        LoadBalancerId::TrafficManager,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LoadBalancerId::KeyManager => "lb-km",
            LoadBalancerId::Gateway => "lb-gateway",
            LoadBalancerId::Apim => "lb-apim",
            LoadBalancerId::TrafficManager => "lb-tm",
        }
    }

    /// Clients stick to one backend (session affinity), as proxy-server-and-load-balancer.md
    /// asks for the Key Manager and the Publisher / Store web apps.
    pub fn sticky(self) -> bool {
        matches!(self, LoadBalancerId::KeyManager | LoadBalancerId::Apim)
    }
}

impl std::fmt::Display for LoadBalancerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A load balancer of the profile: what it listens on and where it forwards. Its key and
/// certificate are `pki/keys/<id>.key.pem` and `pki/certs/<id>.crt.pem`; every node trusts it.
#[derive(Debug, Clone, Serialize)]
pub struct LoadBalancerPlan {
    pub id: LoadBalancerId,
    pub host: Host,
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
    pub listen: Port,
    /// Every node behind the port: each carries the load balancer's name in its certificate.
    pub backends: Vec<Backend>,
    /// Paths that only some of `backends` serve, each sent to those nodes only; every other
    /// path goes to any of `backends`. Empty when every node serves every path.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<PathPool>,
}

/// The paths of one role's web apps and services behind a shared port, and its nodes.
#[derive(Debug, Clone, Serialize)]
pub struct PathPool {
    /// `publisher` or `store`: names the pool (nginx upstream suffix).
    pub pool: &'static str,
    pub what: &'static str,
    /// Path prefixes, each matching itself and what follows a `/` after it.
    pub prefixes: &'static [&'static str],
    pub backends: Vec<Backend>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Backend {
    pub node: Name,
    pub host: Host,
    pub port: Port,
}

/// Every load balancer the profile declares, in a fixed order (Key Manager, gateway, API-M
/// front, traffic manager), each with the nodes it fronts.
/// The load balancers of `lbs` that route to node `node`: clients reach it by their names.
pub fn fronting<'a>(
    lbs: &'a [LoadBalancerPlan],
    node: &'a str,
) -> impl Iterator<Item = &'a LoadBalancerPlan> + 'a {
    lbs.iter().filter(move |lb| {
        lb.routes
            .iter()
            .any(|r| r.backends.iter().any(|b| b.node.as_str() == node))
    })
}

pub fn load_balancers(d: &Deployment) -> Vec<LoadBalancerPlan> {
    let r = Routes(d);
    let mut v = Vec::new();
    // proxy-server-and-load-balancer.md, Step 2, "HA for Key Manager": the KM nodes' 9443.
    if let Some(lb) = &d.key_manager.load_balancer {
        let km = |role| role == Role::KeyManager;
        v.push(LoadBalancerPlan {
            id: LoadBalancerId::KeyManager,
            host: lb.host.clone(),
            routes: vec![r.https(
                "key_manager.load_balancer.port",
                "Key Manager services and OAuth endpoints",
                lb.port,
                &km,
            )],
        });
    }
    if let Some(lb) = &d.gateway.load_balancer {
        v.push(LoadBalancerPlan {
            id: LoadBalancerId::Gateway,
            host: lb.host.clone(),
            routes: gateway_routes(&r, lb.https_port, lb.http_port),
        });
    }
    // proxy-server-and-load-balancer.md, Step 2 (active-active, HA Publisher / Store): 9443.
    if let Some(lb) = &d.apim_load_balancer {
        let apim = |role| matches!(role, Role::AllInOne | Role::Publisher | Role::Store);
        let mut route = r.https(
            "apim.load_balancer.port",
            "Publisher and Store web apps and services",
            lb.port,
            &apim,
        );
        route.paths = apim_paths(&r);
        v.push(LoadBalancerPlan {
            id: LoadBalancerId::Apim,
            host: lb.host.clone(),
            routes: vec![route],
        });
    }
    // distributed-setup.md, Step 6.3 item 1.2: PolicyDeployer/ServiceURL at the TM load balancer's 9443.
    if let Some(lb) = &d.tm_load_balancer {
        let tm = |role| role == Role::TrafficManager;
        v.push(LoadBalancerPlan {
            id: LoadBalancerId::TrafficManager,
            host: lb.host.clone(),
            routes: vec![r.https(
                "traffic_manager.load_balancer.port",
                "throttling policy deployment",
                lb.port,
                &tm,
            )],
        });
    }
    v
}

/// The Publisher node's apps: the `publisher` and `admin` jaggery apps and the Publisher and
/// Admin REST APIs (`api#am#publisher#v0.14.war`, `api#am#admin#v0.14.war`:
/// wso2/product-apim@v2.6.0 modules/distribution/product/src/main/assembly/bin.xml l.301-327,
/// l.496, l.506). The `api-publisher` profile keeps the `publisher` and `admin` apps
/// (modules/distribution/product/src/main/startup-scripts/profileSetup.sh l.168-196), and the
/// docs run the Admin portal on the Publisher (proxy-server-and-load-balancer.md step 3.2;
/// distributed-setup.md step 6.3 item 2).
pub const PUBLISHER_PATHS: &[&str] =
    &["/publisher", "/api/am/publisher", "/admin", "/api/am/admin"];

/// The Store node's: the `store` app and the Store REST API (`api#am#store#v0.14.war`, bin.xml
/// l.313-314, l.476; the `api-store` profile keeps them, profileSetup.sh l.198-227), and the
/// admin services others call through the load balancer: the Publisher logs in at the
/// Store's `AuthenticationAdmin` and clears its tier cache (`TierCacheService`) with that
/// session, both under `APIStore/ServerURL` (wso2/carbon-apimgt@v6.4.50
/// components/apimgt/org.wso2.carbon.apimgt.impl/src/main/java/org/wso2/carbon/apimgt/impl/clients/TierCacheInvalidationClient.java
/// l.58, l.68-69, l.124, l.129; APIProviderImpl.java l.493-498: "this call happens to store
/// node in a distributed setup"). Nothing calls a Publisher's admin services through it.
pub const STORE_PATHS: &[&str] = &["/store", "/api/am/store", "/services"];

/// Publisher and Store nodes behind one port: each role's paths go to its nodes only (with
/// the route's affinity), every other path (`/carbon`, `/registry`, ...) to any of them. All-in-one
/// nodes serve every path, so a route to them needs none.
fn apim_paths(r: &Routes) -> Vec<PathPool> {
    let publisher = |role| role == Role::Publisher;
    let store = |role| role == Role::Store;
    if !r.0.nodes.iter().any(|n| publisher(n.role) || store(n.role)) {
        return Vec::new();
    }
    vec![
        PathPool {
            pool: "publisher",
            what: "Publisher and Admin portals and REST APIs",
            prefixes: PUBLISHER_PATHS,
            backends: r.backends(&publisher, ports::MGT_HTTPS),
        },
        PathPool {
            pool: "store",
            what: "Store portal and REST API, the Store's admin services",
            prefixes: STORE_PATHS,
            backends: r.backends(&store, ports::MGT_HTTPS),
        },
    ]
}

/// API traffic (NIO HTTPS and HTTP) and WebSocket APIs, to every node that serves them.
/// proxy-server-and-load-balancer.md, Step 2: gateway upstreams on 8243; HTTP to 8280 as the
/// GatewayEndpoint of distributed-setup.md, Step 6.3 item 1.3 lists it; WebSocket: docs/unsourced-rules.md.
fn gateway_routes(r: &Routes, https: Port, http: Port) -> Vec<Route> {
    let traffic = |role: Role| role.is_gateway() && role != Role::GatewayManager;
    vec![
        r.route(
            "gateway.load_balancer.https_port",
            "API traffic",
            "https",
            https,
            &traffic,
            ports::NIO_HTTPS,
        ),
        r.route(
            "gateway.load_balancer.http_port",
            "API traffic",
            "http",
            http,
            &traffic,
            ports::NIO_HTTP,
        ),
        r.route(
            "gateway.load_balancer.host",
            "WebSocket APIs",
            "ws",
            ports::WEBSOCKET,
            &traffic,
            ports::WEBSOCKET,
        ),
    ]
}

/// Builds routes to the nodes of some roles.
struct Routes<'a>(&'a Deployment);

impl Routes<'_> {
    fn route(
        &self,
        key: &'static str,
        what: &'static str,
        scheme: &'static str,
        listen: Port,
        roles: &dyn Fn(Role) -> bool,
        port: Port,
    ) -> Route {
        Route {
            key,
            what,
            scheme,
            listen,
            backends: self.backends(roles, port),
            paths: Vec::new(),
        }
    }

    /// The nodes of `roles`, at their default port `port` (offset applied).
    fn backends(&self, roles: &dyn Fn(Role) -> bool, port: Port) -> Vec<Backend> {
        self.0
            .nodes
            .iter()
            .filter(|n| roles(n.role))
            .map(|n| Backend {
                node: n.name.clone(),
                host: n.host.clone(),
                port: at(port, n),
            })
            .collect()
    }

    /// HTTPS to the management port (9443 + offset) of the nodes of `roles`.
    fn https(
        &self,
        key: &'static str,
        what: &'static str,
        listen: Port,
        roles: &dyn Fn(Role) -> bool,
    ) -> Route {
        self.route(key, what, "https", listen, roles, ports::MGT_HTTPS)
    }
}
