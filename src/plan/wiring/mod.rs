//! Plan phase, continued: the wiring rules of SPEC section 4, one node's view at a time.
//!
//! Each function answers one question ("where does this node validate keys?") from the
//! model alone, so a rule lives in exactly one place and the tests can pin it. One file per
//! product file (or concern) the rules write into.
mod api_manager;
mod cluster;
mod datasources;
mod nginx;
mod site_json;
mod stock;
mod throttling;
mod user_store;

pub use api_manager::revoke_api_url;
pub use datasources::driver;
pub use nginx::nginx_view;
pub use site_json::site_json_apps;
pub use throttling::percent_encode;

use crate::model::{Deployment, Endpoint, Node, Role};
use crate::plan::view::*;
use crate::topology::ports::{self, at};
use crate::topology::Product;

pub const PLAIN_TOKEN_PROCESSOR: &str =
    "org.wso2.carbon.identity.oauth.tokenprocessor.PlainTextPersistenceProcessor";
pub const ENCRYPTING_TOKEN_PROCESSOR: &str =
    "org.wso2.carbon.identity.oauth.tokenprocessor.EncryptionDecryptionPersistenceProcessor";

/// `targetPath` of the `/_system/config` mount, the same in both products: the Key Manager
/// reads the REST API scope mappings (`tenant-conf.json`) from the shared config registry.
/// databases-for-is-as-key-manager.md step 9 (IS-KM) and installing-and-configuring-databases.md
/// step 12 (API-M) both mount `/_system/config` onto `/_system/config` of WSO2REG_DB.
pub const CONFIG_TARGET: &str = "/_system/config";

pub fn view(
    d: &Deployment,
    n: &Node,
    keystore: &str,
    truststore: &str,
    start_profile: Option<&'static str>,
) -> NodeView {
    let product = Product::of(n.role);
    let store_type = d.tls.format.java_type();
    let ks_pass = d.tls.keystore_password.clone();
    NodeView {
        is: is(n.role),
        role: n.role.as_str(),
        start_profile,
        node: NodeInfo {
            name: n.name.clone(),
            host: n.host.clone(),
            host_name: cluster::host_name(d, n),
            port_offset: n.port_offset,
        },
        admin: Admin {
            username: d.admin.username.clone(),
            password: d.admin.password.clone(),
        },
        // Each port is the stock default plus the node's carbon.xml Ports/Offset (see `ports::at`).
        ports: Ports {
            mgt_https: at(ports::MGT_HTTPS, n),
            mgt_http: at(ports::MGT_HTTP, n),
            nio_https: at(ports::NIO_HTTPS, n),
            nio_http: at(ports::NIO_HTTP, n),
            ldap: at(ports::LDAP, n),
            thrift: at(ports::THRIFT, n),
            tm_binary: at(ports::TM_BINARY, n),
            tm_ssl: at(ports::TM_SSL, n),
            jms: at(ports::JMS, n),
            websocket: at(ports::WEBSOCKET, n),
        },
        tls: Tls {
            keystore: KeyStoreRef {
                location: keystore.to_string(),
                store_type,
                password: ks_pass.clone(),
                // Every signing and decrypting lookup (backend JWT, ID tokens, SSO with an empty
                // `identityAlias`, encrypted registry data and OAuth keys) takes the private key
                // at carbon.xml `KeyAlias` with the *store* password
                // (wso2/carbon-kernel@v4.4.35:core/org.wso2.carbon.core/src/main/java/org/wso2/carbon/core/util/KeyStoreManager.java,
                // getDefaultPrivateKey), so the keystore holds one entry under `key_alias`
                // whose key password is the store password.
                key_alias: d.tls.key_alias.clone(),
                key_password: ks_pass,
            },
            truststore: TrustStoreRef {
                location: truststore.to_string(),
                store_type,
                password: d.tls.truststore_password.clone(),
            },
        },
        db: datasources::databases(d, n.role),
        registry: Registry {
            // installing-and-configuring-databases.md step 12 mounts WSO2REG_DB on the API-M
            // nodes; the traffic manager runs registry_TM.xml (distributed-setup.md, Step 6.5 item 1).
            mount: n.role != Role::TrafficManager,
            // installing-and-configuring-databases.md step 12: `<username>@<JDBC URL of the registry DB>`.
            cache_id: format!("{}@{}", d.database.reg.username, d.database.reg.url),
            config_target: CONFIG_TARGET,
        },
        user_store: user_store::user_store(d, n),
        clustering: cluster::clustering(d, n),
        proxy: cluster::proxy(d, n),
        apim: api_manager::api_manager(d, n),
        identity: Identity {
            // is-as-key-manager.md, Step 4 item 4 (IS-KM) and Step 5 item 4 (API-M): jdbc/WSO2AM_DB.
            datasource: "jdbc/WSO2AM_DB",
            // encrypting-oauth-keys.md, step 2 (its tip: on the IS-KM and API-M alike).
            token_persistence_processor: if d.key_manager.encrypt_oauth_keys {
                ENCRYPTING_TOKEN_PROCESSOR
            } else {
                PLAIN_TOKEN_PROCESSOR
            },
            // wso2/product-apim@v2.6.0:modules/distribution/product/pom.xml antrun
            // `modify-persist-access-token-alias` sets it on API-M; IS 5.7.0 keeps it commented.
            persist_access_token_alias: (product == Product::Apim).then_some("true"),
            // wso2/product-is@v5.7.0:modules/distribution/pom.xml l.198 turns it on for IS only.
            ask_password_admin_ui: product == Product::IsKm,
            id_token_issuer: match product {
                // The API-M build writes a literal issuer into the framework file
                // (wso2/product-apim@v2.6.0:modules/distribution/product/pom.xml, antrun
                // `modify-identity-oAuth-token-generator`); its XACML scope-validator removal
                // in the same pom matches no line (package `validators.xacml`), so that
                // validator stays, as in the IS-KM file.
                Product::Apim => "https://localhost:9443/oauth2/token",
                // IS 5.7.0 keeps the framework's placeholder form
                // (wso2/carbon-identity-framework@v5.12.153 identity.xml).
                Product::IsKm => {
                    "${carbon.protocol}://${carbon.host}:${carbon.management.port}/oauth2/token"
                }
            },
        },
        jndi: throttling::jndi(d, n),
        reverse_proxy: site_json::reverse_proxy(d, n),
        secure_vault: d.secure_vault,
    }
}

/// The pack and role flags templates branch on.
fn is(role: Role) -> Is {
    Is {
        key_manager: Product::of(role) == Product::IsKm,
        apim: Product::of(role) == Product::Apim,
        all_in_one: role == Role::AllInOne,
        publisher: role == Role::Publisher,
        store: role == Role::Store,
        traffic_manager: role == Role::TrafficManager,
        gateway: role == Role::Gateway,
        gateway_manager: role == Role::GatewayManager,
        gateway_worker: role == Role::GatewayWorker,
    }
}

/// The IS-KM that URLs name when no load balancer fronts the Key Managers: validation allows
/// several only behind a load balancer, and Thrift or the embedded LDAP only with one.
pub(crate) fn first_km(d: &Deployment) -> &Node {
    d.key_managers()
        .next()
        .expect("validated: at least one key-manager node")
}

/// `https://<IS-KM or its load balancer>/services/`: AuthManager and APIKeyValidator.
/// is-as-key-manager.md, Step 5 item 1, and distributed-setup.md, Steps 6.3, 6.4 and 6.6: the
/// IS-KM's host, or the Key Manager load balancer's when several IS-KM nodes sit behind one.
pub fn key_manager_services_url(d: &Deployment) -> String {
    match &d.key_manager.load_balancer {
        Some(lb) => lb_services_url(lb),
        None => services_url(first_km(d)),
    }
}

/// The admin services of a node: distributed-setup.md, Step 6, `https://<host>:9443/services/`
/// with the node's offset applied.
pub(crate) fn services_url(n: &Node) -> String {
    format!(
        "https://{}/services/",
        n.host.authority(at(ports::MGT_HTTPS, n))
    )
}

/// `https://<load balancer>:<port>/services/`: the admin services behind a load balancer.
pub(crate) fn lb_services_url(lb: &Endpoint) -> String {
    format!("https://{}/services/", lb.host.authority(lb.port))
}
