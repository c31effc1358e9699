//! Topology: the shared facts of a deployment that validation and planning both read:
//! which pack a role runs, how it starts, which node manages the gateways, where API
//! traffic enters, which load balancers stand in front of which node ports.
use crate::model::{Deployment, Host, KeySharing, Node, Pattern, Port, Role};
use ports::at;
use serde::Serialize;

mod load_balancers;
pub mod ports;
mod sync;
mod trust;

pub use load_balancers::{
    fronting, load_balancers, Backend, LoadBalancerId, LoadBalancerPlan, PathPool, Route,
    PUBLISHER_PATHS, STORE_PATHS,
};
pub use sync::{
    deploys_to, sharing_nodes, sync_groups, sync_of, sync_source, SyncGroup, SyncGroupId,
};
pub use trust::{extra_alias, is_extra_alias, is_root_alias, mozilla_roots, CA_ID};

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
    /// The folder the product's zip unpacks to (`/opt/<it>` is a node's default home).
    pub fn pack_folder(self) -> &'static str {
        match self {
            Product::Apim => "wso2am-2.6.0",
            Product::IsKm => "wso2is-km-5.7.0",
        }
    }
}

/// The `-Dprofile` a role starts with; `None` runs the default profile (every component).
pub fn start_profile(role: Role) -> Option<&'static str> {
    match role {
        // wso2/product-apim@v2.6.0:modules/p2-profile/product/pom.xml builds exactly these.
        Role::Publisher => Some("api-publisher"),
        Role::Store => Some("api-store"),
        Role::TrafficManager => Some("traffic-manager"),
        // gateway-distributed-deployment-rsync.md step 5.2: this profile makes a worker
        // read-only, as rsync wants (only the manager takes deployments).
        Role::GatewayWorker => Some("gateway-worker"),
        // No gateway-manager profile exists (same pom); gateway-distributed-deployment-rsync.md
        // step 5.1 starts the manager with a plain `sh bin/wso2server.sh`.
        Role::GatewayManager => None,
        Role::KeyManager | Role::AllInOne | Role::Gateway => None,
    }
}

/// Start order. distributed-setup.md, step 6: "Key Manager, Publisher, Store, Traffic Manager,
/// and Gateway"; gateway-distributed-deployment-rsync.md step 5: the gateway manager before
/// its workers; active-active-deployment.md step 10: the Key Manager before the all-in-one
/// nodes.
pub fn start_rank(role: Role) -> u8 {
    match role {
        Role::KeyManager => 0,
        Role::AllInOne | Role::Publisher => 1,
        Role::Store => 2,
        Role::TrafficManager => 3,
        Role::Gateway | Role::GatewayManager => 4,
        Role::GatewayWorker => 5,
    }
}

/// The primary key pair a node uses: shared per product, or one for the whole deployment.
/// distributed-setup.md, Step 1 item 3 note: one primary keystore on every API-M node (registry
/// data); encrypting-oauth-keys.md: OAuth keys need the same key on the IS-KM (validation refuses
/// encrypt_oauth_keys without `deployment`).
pub fn key_id(d: &Deployment, role: Role) -> &'static str {
    match d.tls.key_sharing {
        KeySharing::Deployment => "deployment",
        KeySharing::PerProduct => Product::of(role).as_str(),
    }
}

/// The node that receives API deployments from the Publisher (gateway `ServerURL`): for the
/// Key Manager's `APIGateway/ServerURL` (with Hazelcast) and the Publisher's environments.
/// Validation leaves a gateway-manager only with rsync and `gateway` nodes only without it.
pub fn gateway_manager(d: &Deployment) -> Option<&Node> {
    match d.pattern {
        Pattern::HybridSingleNode | Pattern::HybridActiveActive => {
            d.nodes_with(Role::AllInOne).next()
        }
        Pattern::Distributed => d
            .nodes_with(Role::GatewayManager)
            .next()
            .or_else(|| d.nodes_with(Role::Gateway).next()),
    }
}

/// `https://host:port` of the API traffic entry point: the gateway load balancer, or the
/// first node that serves API traffic.
/// distributed-setup.md, Step 6.4 item 4 (RevokeAPIURL: the gateway, or the gateway worker load
/// balancer) and Step 6.3 item 1.3 (GatewayEndpoint); a gateway manager serves no traffic here.
pub fn gateway_traffic(d: &Deployment) -> Option<(Host, Port, Port)> {
    if let Some(lb) = &d.gateway.load_balancer {
        return Some((lb.host.clone(), lb.https_port, lb.http_port));
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
