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
        // The IS-KM's file says None (wso2/ansible-apim@v2.6.0.7:roles/apim-is-as-km/templates/
        // carbon-home/repository/conf/api-manager.xml.j2), API-M's Synapse; only a Publisher reads it.
        gateway_type: if is_km { "None" } else { "Synapse" },
        // jwt-enduser-attributes.md, "Configuring JWT"; distributed-setup.md, Step 6.6 item 3:
        // the same settings on the Key Manager and every gateway.
        jwt: Jwt {
            enabled: d.jwt.enabled,
            claims_retriever: d.jwt.claims_retriever,
            consumer_dialect_uri: d.jwt.consumer_dialect_uri.clone(),
            signature_algorithm: d.jwt.signature_algorithm.as_str(),
        },
        // encrypting-oauth-keys.md, step 1 (and its tip: on the IS-KM and API-M alike).
        encrypt_persisted_tokens: d.key_manager.encrypt_oauth_keys,
        // The IS-KM keeps its stock self URL; is-as-key-manager.md, Step 5 item 1 points API-M at it.
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
            // distributed-setup.md, Step 6.6 item 2: ThriftClient with one Key Manager, WSClient
            // with Key Managers behind a load balancer (is-as-key-manager.md, Step 5 item 2).
            client_type: if thrift { "ThriftClient" } else { "WSClient" },
            thrift_client: thrift,
            // Only the IS-KM serves Thrift, and only when the gateways use it.
            // distributed-setup.md, Step 6.2 item 2 (Key Manager); "Disable the Thrift Server" on
            // every other node (Steps 6.3 item 3, 6.4 item 2, 6.5 item 4, 6.6 item 2.3).
            enable_thrift_server: is_km && thrift,
            // distributed-setup.md, Step 6.6 item 2.4: the Key Manager's Thrift port, offset; read
            // as written (wso2/carbon-apimgt@v6.4.50:components/apimgt/org.wso2.carbon.apimgt.gateway/src/main/java/org/wso2/carbon/apimgt/gateway/handlers/security/thrift/ThriftUtils.java).
            thrift_client_port: at(ports::THRIFT, km),
            // distributed-setup.md, Step 6.6 item 2.5: the Key Manager's host on the Key Manager and
            // the gateways; the IS-KM binds its Thrift server to it (APIKeyMgtServiceComponent
            // startThriftService, wso2/carbon-apimgt@v6.4.50).
            thrift_server_host: if is_km {
                n.host.clone()
            } else {
                km.host.clone()
            },
            // distributed-setup.md, Step 6.2 item 2; a written port is not offset again
            // (wso2/carbon-apimgt@v6.4.50:components/apimgt/org.wso2.carbon.apimgt.keymgt/src/main/java/org/wso2/carbon/apimgt/keymgt/internal/APIKeyMgtServiceComponent.java).
            thrift_server_port: at(ports::THRIFT, n),
        },
        environments: vec![environment(d, n)],
        revoke_api_url: revoke_api_url(d, n),
        store_url,
        store_server_url,
        // distributed-setup.md, Step 6.3 item 4: DisplayURL true on the Publisher (stock false).
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
    // GatewayEndpoint: where API traffic enters (distributed-setup.md, Steps 6.3/6.4 item 1.3);
    // the IS-KM keeps the stock. WebSocket: 9099 + offset (stock WebSocketInboundEndpoint.xml
    // `ws.use.port.offset` true, wso2/product-apim@v2.6.0:modules/distribution/product/src/main/conf/synapse-configs/default/inbound-endpoints/).
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
                h = n.host.in_url()
            ),
            format!("ws://{}", n.host.authority(at(ports::WEBSOCKET, n))),
        )
    } else {
        match gateway_traffic(d) {
            Some((host, https, http)) => {
                let ws = match &d.gateway.load_balancer {
                    // The gateway load balancer's WebSocket route listens on 9099 (load_balancers.rs).
                    Some(lb) => format!("ws://{}", lb.host.authority(ports::WEBSOCKET)),
                    None => {
                        let g = d
                            .nodes
                            .iter()
                            .find(|g| g.host == host && g.role.is_gateway())
                            .unwrap_or(n);
                        format!("ws://{}", host.authority(at(ports::WEBSOCKET, g)))
                    }
                };
                let h = host.in_url();
                (format!("http://{h}:{http},https://{h}:{https}"), ws)
            }
            None => (
                STOCK_GATEWAY_ENDPOINT.to_string(),
                STOCK_GATEWAY_WS_ENDPOINT.to_string(),
            ),
        }
    };
    // The stock environment's type, name and description (carbon-apimgt core api-manager.xml).
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
/// distributed-setup.md, Step 6.4 item 4; is-as-key-manager.md, Step 4 item 1.2 (the IS-KM's
/// APIKeyMgtSubscriberService calls it, wso2/carbon-apimgt@v6.4.50).
pub fn revoke_api_url(d: &Deployment, n: &Node) -> String {
    if n.role == Role::AllInOne && d.gateway.load_balancer.is_none() {
        return format!(
            "https://{}/revoke",
            n.host.authority(at(ports::NIO_HTTPS, n))
        );
    }
    match gateway_traffic(d) {
        Some((host, https, _)) => format!("https://{}/revoke", host.authority(https)),
        None => "https://localhost:${https.nio.port}/revoke".to_string(),
    }
}

/// The Store as the Publisher links to it (`APIStore/URL`, `ServerURL`).
/// distributed-setup.md, Step 6.3 item 4: the Store or its load balancer; `ServerURL` is where the
/// Publisher clears the Store's tier cache (TierCacheInvalidationClient, wso2/carbon-apimgt@v6.4.50).
pub(crate) fn store_urls(d: &Deployment, n: &Node) -> (String, String) {
    if let Some(lb) = &d.apim_load_balancer {
        if n.role != Role::KeyManager {
            return (
                format!("https://{}/store", lb.host.authority(lb.port)),
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
            format!(
                "https://{}/store",
                s.host.authority(at(ports::MGT_HTTPS, s))
            ),
            services_url(s),
        ),
        None => (STOCK_STORE_URL.to_string(), STOCK_SERVICES_URL.to_string()),
    }
}
