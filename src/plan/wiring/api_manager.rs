//! `api-manager.xml`: Key Manager, gateway environments, revoke URL and the Store link.
use super::stock::*;
use super::*;
use crate::model::{Deployment, KmClient, Node, Role};
use crate::plan::view::*;
use crate::topology::ports::{self, at};
use crate::topology::{deploys_to, gateway_manager, gateway_traffic, SyncGroupId};

pub(crate) fn api_manager(d: &Deployment, n: &Node) -> ApiManager {
    let km = first_km(d);
    let is_km = n.role == Role::KeyManager;
    let thrift = d.key_manager.client == KmClient::Thrift;
    let (store_url, store_server_url) = store_urls(d, n);
    ApiManager {
        gateway_type: if is_km { "None" } else { "Synapse" },
        jwt: Jwt {
            enabled: d.jwt.enabled,
            claims_retriever: d.jwt.claims_retriever,
            consumer_dialect_uri: d.jwt.consumer_dialect_uri.clone(),
            signature_algorithm: d.jwt.signature_algorithm.as_str(),
        },
        encrypt_persisted_tokens: d.key_manager.encrypt_oauth_keys,
        auth_manager_url: if is_km {
            STOCK_SERVICES_URL.to_string()
        } else {
            key_manager_services_url(d)
        },
        key_validator: KeyValidator {
            server_url: if is_km {
                STOCK_SERVICES_URL.to_string()
            } else {
                key_manager_services_url(d)
            },
            client_type: if thrift { "ThriftClient" } else { "WSClient" },
            thrift_client: thrift,
            // Only the IS-KM serves Thrift, and only when the gateways use it.
            enable_thrift_server: is_km && thrift,
            thrift_client_port: at(ports::THRIFT, km),
            thrift_server_host: if is_km {
                n.host.clone()
            } else {
                km.host.clone()
            },
            thrift_server_port: at(ports::THRIFT, n),
        },
        environments: vec![environment(d, n)],
        revoke_api_url: revoke_api_url(d, n),
        store_url,
        store_server_url,
        store_display_url: n.role == Role::Publisher,
        throttling: super::throttling::throttling(d, n),
    }
}

/// The gateway environment every API-M node (and the IS-KM, for Hazelcast) sees.
pub(crate) fn environment(d: &Deployment, n: &Node) -> Environment {
    let server_url = match n.role {
        // The Key Manager talks to the gateway only for Hazelcast token invalidation.
        Role::KeyManager if !d.gateway.hazelcast => STOCK_SERVICES_URL.to_string(),
        // An all-in-one node publishes to its own gateway, alone or over NFS (the shared
        // folder); active-active over rsync, to the sync source: active-active-deployment.md
        // step 5, "Using Rsync", node-2's ServerURL points at node-1.
        Role::AllInOne => services_url(deploys_to(d, SyncGroupId::Gateways, n)),
        _ => gateway_manager(d)
            .map(services_url)
            .unwrap_or_else(|| STOCK_SERVICES_URL.to_string()),
    };
    let (gateway_endpoint, ws) = if n.role == Role::KeyManager {
        (
            STOCK_GATEWAY_ENDPOINT.to_string(),
            STOCK_GATEWAY_WS_ENDPOINT.to_string(),
        )
    } else if n.role == Role::AllInOne && d.gateway.load_balancer.is_none() {
        (
            format!(
                "http://{h}:{},https://{h}:{}",
                at(ports::NIO_HTTP, n),
                at(ports::NIO_HTTPS, n),
                h = n.host
            ),
            format!("ws://{}:{}", n.host, at(ports::WEBSOCKET, n)),
        )
    } else {
        match gateway_traffic(d) {
            Some((host, https, http)) => {
                let ws = match &d.gateway.load_balancer {
                    Some(lb) => format!("ws://{}:{}", lb.host, ports::WEBSOCKET),
                    None => {
                        let g = d
                            .nodes
                            .iter()
                            .find(|g| g.host == host && g.role.is_gateway())
                            .unwrap_or(n);
                        format!("ws://{}:{}", host, at(ports::WEBSOCKET, g))
                    }
                };
                (format!("http://{host}:{http},https://{host}:{https}"), ws)
            }
            None => (
                STOCK_GATEWAY_ENDPOINT.to_string(),
                STOCK_GATEWAY_WS_ENDPOINT.to_string(),
            ),
        }
    };
    Environment {
        env_type: "hybrid",
        name: "Production and Sandbox".into(),
        description:
            "This is a hybrid gateway that handles both production and sandbox token traffic."
                .into(),
        server_url,
        gateway_endpoint,
        gateway_ws_endpoint: ws,
    }
}

/// `RevokeAPIURL`: the gateway load balancer, or the node serving API traffic, NIO HTTPS.
pub fn revoke_api_url(d: &Deployment, n: &Node) -> String {
    if n.role == Role::AllInOne && d.gateway.load_balancer.is_none() {
        return format!("https://{}:{}/revoke", n.host, at(ports::NIO_HTTPS, n));
    }
    match gateway_traffic(d) {
        Some((host, https, _)) => format!("https://{host}:{https}/revoke"),
        None => "https://localhost:${https.nio.port}/revoke".to_string(),
    }
}

/// The Store as the Publisher links to it (`APIStore/URL`, `ServerURL`).
pub(crate) fn store_urls(d: &Deployment, n: &Node) -> (String, String) {
    if let Some(lb) = &d.apim_load_balancer {
        if n.role != Role::KeyManager {
            return (
                format!("https://{}:{}/store", lb.host, lb.port),
                lb_services_url(lb),
            );
        }
    }
    let store = match n.role {
        Role::AllInOne => Some(n),
        Role::KeyManager => None,
        _ => d.nodes_with(Role::Store).next(),
    };
    match store {
        Some(s) => (
            format!("https://{}:{}/store", s.host, at(ports::MGT_HTTPS, s)),
            services_url(s),
        ),
        None => (STOCK_STORE_URL.to_string(), STOCK_SERVICES_URL.to_string()),
    }
}
