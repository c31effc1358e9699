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
/// Values that can hold secrets (JMS URLs) are left out, and so are the stock values a
/// node resolves to itself (`localhost`, `${...}`).
pub fn links(from: &str, role: Role, v: &NodeView) -> Vec<Link> {
    let mut found: Vec<(&str, String)> = Vec::new();
    if role != Role::KeyManager {
        found.extend(api_manager_links(role, v));
    }
    let publishes_apis = matches!(
        role,
        Role::AllInOne | Role::Publisher | Role::Store | Role::KeyManager
    );
    for e in v.apim.environments.iter().filter(|_| publishes_apis) {
        found.push((ENV_SERVER_URL, e.server_url.clone()));
        if role != Role::KeyManager {
            found.push((ENV_GATEWAY_ENDPOINT, e.gateway_endpoint.clone()));
        }
    }
    found.push((
        "api-manager.xml OAuthConfigurations/RevokeAPIURL",
        v.apim.revoke_api_url.clone(),
    ));
    if let Some(ldap) = &v.user_store.ldap {
        let url = ldap.connection_url.clone();
        found.push(("user-mgt.xml UserStoreManager ConnectionURL", url));
    }
    for m in &v.clustering.members {
        let member = m.host.authority(m.port);
        found.push(("axis2.xml clustering/members/member", member));
    }
    found
        .into_iter()
        .filter(|(_, value)| !value.contains("localhost") && !value.contains("${"))
        .map(|(setting, value)| Link {
            from: from.to_string(),
            setting: setting.to_string(),
            value,
        })
        .collect()
}

const ENV_SERVER_URL: &str = "api-manager.xml APIGateway/Environments/Environment/ServerURL";
const ENV_GATEWAY_ENDPOINT: &str =
    "api-manager.xml APIGateway/Environments/Environment/GatewayEndpoint";

/// Where an API-M node finds the Key Manager, the traffic managers and the Store.
fn api_manager_links(role: Role, v: &NodeView) -> Vec<(&'static str, String)> {
    let a = &v.apim;
    let t = &a.throttling;
    let mut found = vec![
        (
            "api-manager.xml AuthManager/ServerURL",
            a.auth_manager_url.clone(),
        ),
        (
            "api-manager.xml APIKeyValidator/ServerURL",
            a.key_validator.server_url.clone(),
        ),
        (
            "api-manager.xml APIKeyValidator/KeyValidatorClientType",
            a.key_validator.client_type.to_string(),
        ),
    ];
    if t.data_publisher_enabled {
        found.push((RECEIVER_URL_GROUP, t.receiver_url_group.clone()));
        found.push((AUTH_URL_GROUP, t.auth_url_group.clone()));
    }
    if t.policy_deployer_enabled {
        found.push((POLICY_DEPLOYER, t.policy_deployer_url.clone()));
    }
    if role == Role::Publisher || role == Role::AllInOne {
        found.push(("api-manager.xml APIStore/URL", a.store_url.clone()));
    }
    found
}

const RECEIVER_URL_GROUP: &str =
    "api-manager.xml ThrottlingConfigurations/TrafficManager/ReceiverUrlGroup";
const AUTH_URL_GROUP: &str = "api-manager.xml ThrottlingConfigurations/TrafficManager/AuthUrlGroup";
const POLICY_DEPLOYER: &str = "api-manager.xml ThrottlingConfigurations/PolicyDeployer/ServiceURL";
