//! The cross-node references of the plan, for `kmgen plan` and the bundle README.
use crate::model::Role;
use crate::plan::view::NodeView;
use serde::Serialize;

/// A cross-node reference written into a config file, for `plan` and the README.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub from: String,
    /// The element that holds it, e.g. `api-manager.xml APIKeyValidator/ServerURL`.
    pub setting: String,
    pub value: String,
}

/// The cross-node references of one planned node, for `plan` and the bundle README.
/// Values that can hold secrets (JMS URLs) are left out.
pub fn links(from: &str, role: Role, v: &NodeView) -> Vec<Link> {
    let mut out = Vec::new();
    let mut add = |setting: &str, value: &str| {
        if !value.contains("localhost") && !value.contains("${") {
            out.push(Link {
                from: from.to_string(),
                setting: setting.to_string(),
                value: value.to_string(),
            });
        }
    };
    if role != Role::KeyManager {
        add(
            "api-manager.xml AuthManager/ServerURL",
            &v.apim.auth_manager_url,
        );
        add(
            "api-manager.xml APIKeyValidator/ServerURL",
            &v.apim.key_validator.server_url,
        );
        add(
            "api-manager.xml APIKeyValidator/KeyValidatorClientType",
            v.apim.key_validator.client_type,
        );
        if v.apim.throttling.data_publisher_enabled {
            add(
                "api-manager.xml ThrottlingConfigurations/TrafficManager/ReceiverUrlGroup",
                &v.apim.throttling.receiver_url_group,
            );
            add(
                "api-manager.xml ThrottlingConfigurations/TrafficManager/AuthUrlGroup",
                &v.apim.throttling.auth_url_group,
            );
        }
        if v.apim.throttling.policy_deployer_enabled {
            add(
                "api-manager.xml ThrottlingConfigurations/PolicyDeployer/ServiceURL",
                &v.apim.throttling.policy_deployer_url,
            );
        }
        if role == Role::Publisher || role == Role::AllInOne {
            add("api-manager.xml APIStore/URL", &v.apim.store_url);
        }
    }
    let publishes_apis = matches!(
        role,
        Role::AllInOne | Role::Publisher | Role::Store | Role::KeyManager
    );
    for e in v.apim.environments.iter().filter(|_| publishes_apis) {
        add(
            "api-manager.xml APIGateway/Environments/Environment/ServerURL",
            &e.server_url,
        );
        if role != Role::KeyManager {
            add(
                "api-manager.xml APIGateway/Environments/Environment/GatewayEndpoint",
                &e.gateway_endpoint,
            );
        }
    }
    add(
        "api-manager.xml OAuthConfigurations/RevokeAPIURL",
        &v.apim.revoke_api_url,
    );
    if let Some(url) = &v.user_store.connection_url {
        add("user-mgt.xml UserStoreManager ConnectionURL", url);
    }
    for m in &v.clustering.members {
        add(
            "axis2.xml clustering/members/member",
            &format!("{}:{}", m.host, m.port),
        );
    }
    out
}
