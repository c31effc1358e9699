//! Plan phase, continued: the wiring rules of SPEC section 4, one node's view at a time.
//!
//! Each function answers one question ("where does this node validate keys?") from the
//! model alone, so a rule lives in exactly one place and the tests can pin it.
use crate::model::{
    Deployment, Endpoint, KmClient, Node, Pattern, Role, StoreFormat, SyncMode, UserStoreType,
};
use crate::plan::{gateway_manager, gateway_traffic, Link, PlannedNode, Product};
use crate::ports::{self, at};
use crate::view::*;

/// Carbon resolves these itself; the stock files use them where a node talks to itself.
const STOCK_SERVICES_URL: &str =
    "https://localhost:${mgt.transport.https.port}${carbon.context}services/";
const STOCK_STORE_URL: &str = "https://localhost:${mgt.transport.https.port}/store";
const STOCK_GATEWAY_ENDPOINT: &str =
    "http://${carbon.local.ip}:${http.nio.port},https://${carbon.local.ip}:${https.nio.port}";
const STOCK_GATEWAY_WS_ENDPOINT: &str = "ws://${carbon.local.ip}:9099";
const STOCK_RECEIVER_URL: &str = "tcp://${carbon.local.ip}:${receiver.url.port}";
const STOCK_AUTH_URL: &str = "ssl://${carbon.local.ip}:${auth.url.port}";
const STOCK_JMS_FACTORY: &str =
    "amqp://${admin.username}:${admin.password}@clientid/carbon?brokerlist='tcp://${carbon.local.ip}:${jms.port}'";
const STOCK_LDAP_URL: &str = "ldap://localhost:${Ports.EmbeddedLDAP.LDAPServerPort}";

pub const PLAIN_TOKEN_PROCESSOR: &str =
    "org.wso2.carbon.identity.oauth.tokenprocessor.PlainTextPersistenceProcessor";
pub const ENCRYPTING_TOKEN_PROCESSOR: &str =
    "org.wso2.carbon.identity.oauth.tokenprocessor.EncryptionDecryptionPersistenceProcessor";

/// `/_system/config` target of each product: API-M and IS-KM must not share one.
pub fn config_target(product: Product) -> &'static str {
    match product {
        Product::Apim => "/_system/apimconfig",
        Product::IsKm => "/_system/iskmconfig",
    }
}

pub fn view(
    d: &Deployment,
    n: &Node,
    keystore: &str,
    truststore: &str,
    start_profile: Option<&'static str>,
) -> NodeView {
    let product = Product::of(n.role);
    let store_type = match d.tls.format {
        StoreFormat::Jks => "JKS",
        StoreFormat::Pkcs12 => "PKCS12",
    };
    let ks_pass = d.tls.keystore_password.expose().to_string();
    NodeView {
        product: product.as_str(),
        role: n.role.as_str(),
        start_profile,
        node: NodeInfo {
            name: n.name.clone(),
            host: n.host.clone(),
            port_offset: n.port_offset,
        },
        admin: Admin {
            username: d.admin.username.clone(),
            password: d.admin.password.expose().to_string(),
        },
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
                key_alias: d.tls.key_alias.clone(),
                key_password: ks_pass,
            },
            truststore: TrustStoreRef {
                location: truststore.to_string(),
                store_type,
                password: d.tls.truststore_password.expose().to_string(),
            },
        },
        db: databases(d, n.role),
        registry: Registry {
            mount: n.role != Role::TrafficManager,
            cache_id: format!("{}@{}", d.database.reg.username, d.database.reg.url),
            config_target: config_target(product),
        },
        user_store: user_store(d, n),
        clustering: clustering(d, n),
        proxy: proxy(d, n),
        apim: api_manager(d, n),
        identity: Identity {
            datasource: "jdbc/WSO2AM_DB",
            token_persistence_processor: if d.key_manager.encrypt_oauth_keys {
                ENCRYPTING_TOKEN_PROCESSOR
            } else {
                PLAIN_TOKEN_PROCESSOR
            },
            persist_access_token_alias: (product == Product::Apim).then_some("true"),
            ask_password_admin_ui: product == Product::IsKm,
        },
        jndi: jndi(d, n),
    }
}

fn databases(d: &Deployment, role: Role) -> Databases {
    let ds = |name: &'static str, description: &'static str, c: &crate::model::DbConnection| {
        let (driver, validation_query) = driver(d.database.db_type);
        DataSource {
            name,
            jndi: match name {
                "WSO2AM_DB" => "jdbc/WSO2AM_DB",
                "WSO2UM_DB" => "jdbc/WSO2UM_DB",
                _ => "jdbc/WSO2REG_DB",
            },
            description,
            url: c.url.clone(),
            username: c.username.clone(),
            password: c.password.expose().to_string(),
            driver,
            validation_query,
        }
    };
    // understanding-distributed-deployment.md: the traffic manager uses none of the shared
    // databases; every other role keeps all three (the gateway for multi-tenancy).
    let uses = role != Role::TrafficManager;
    Databases {
        db_type: d.database.db_type.as_str(),
        am: uses.then(|| {
            ds(
                "WSO2AM_DB",
                "The datasource used for API Manager database",
                &d.database.am,
            )
        }),
        um: uses.then(|| {
            ds(
                "WSO2UM_DB",
                "The datasource used for the user manager database",
                &d.database.um,
            )
        }),
        reg: uses.then(|| {
            ds(
                "WSO2REG_DB",
                "The datasource used for the shared registry database",
                &d.database.reg,
            )
        }),
    }
}

/// JDBC driver class and validation query per database type.
pub fn driver(t: crate::model::DbType) -> (&'static str, &'static str) {
    use crate::model::DbType::*;
    match t {
        H2 => ("org.h2.Driver", "SELECT 1"),
        Mysql => ("com.mysql.jdbc.Driver", "SELECT 1"),
        Postgresql => ("org.postgresql.Driver", "SELECT 1"),
        Mssql => ("com.microsoft.sqlserver.jdbc.SQLServerDriver", "SELECT 1"),
        Oracle => ("oracle.jdbc.OracleDriver", "SELECT 1 FROM DUAL"),
    }
}

fn first_km(d: &Deployment) -> &Node {
    d.key_managers()
        .next()
        .expect("validated: at least one key-manager node")
}

/// `https://<IS-KM or its load balancer>/services/`: AuthManager and APIKeyValidator.
pub fn key_manager_services_url(d: &Deployment) -> String {
    match &d.key_manager.load_balancer {
        Some(lb) => lb_services_url(lb),
        None => services_url(first_km(d)),
    }
}

fn services_url(n: &Node) -> String {
    format!("https://{}:{}/services/", n.host, at(ports::MGT_HTTPS, n))
}

/// `https://<load balancer>:<port>/services/`: the admin services behind a load balancer.
fn lb_services_url(lb: &Endpoint) -> String {
    format!("https://{}:{}/services/", lb.host, lb.port)
}

fn user_store(d: &Deployment, n: &Node) -> UserStore {
    let none = UserStore {
        kind: "jdbc",
        embedded_ldap_enabled: false,
        connection_url: None,
        connection_name: None,
        connection_password: None,
        user_search_base: None,
        group_search_base: None,
    };
    match d.user_store.store_type {
        UserStoreType::Jdbc => none,
        UserStoreType::EmbeddedLdap => {
            let km = first_km(d);
            let own = n.role == Role::KeyManager;
            UserStore {
                kind: "embedded-ldap",
                embedded_ldap_enabled: own,
                // The IS-KM reaches its own LDAP locally; API-M nodes at 10389 + the IS-KM offset.
                connection_url: Some(if own {
                    STOCK_LDAP_URL.to_string()
                } else {
                    format!("ldap://{}:{}", km.host, at(ports::LDAP, km))
                }),
                connection_name: Some("uid=admin,ou=system".into()),
                connection_password: Some("admin".into()),
                user_search_base: Some("ou=Users,dc=wso2,dc=org".into()),
                group_search_base: Some("ou=Groups,dc=wso2,dc=org".into()),
            }
        }
        UserStoreType::Ldap => {
            let l = d
                .user_store
                .ldap
                .as_ref()
                .expect("validated: ldap settings present");
            UserStore {
                kind: "ldap",
                embedded_ldap_enabled: false,
                connection_url: Some(l.url.clone()),
                connection_name: Some(l.bind_dn.clone()),
                connection_password: Some(l.bind_password.expose().to_string()),
                user_search_base: Some(l.user_search_base.clone()),
                group_search_base: Some(l.group_search_base.clone()),
            }
        }
    }
}

fn clustering(d: &Deployment, n: &Node) -> Clustering {
    let enabled = ports::clustered(d, n);
    let members = if enabled {
        d.nodes
            .iter()
            .filter(|m| m.name != n.name && ports::clustered(d, m))
            .map(|m| Member {
                host: m.host.clone(),
                port: ports::HAZELCAST,
            })
            .collect()
    } else {
        Vec::new()
    };
    Clustering {
        enabled,
        membership_scheme: if enabled { "wka" } else { "multicast" },
        domain: "wso2.carbon.domain".into(),
        local_member_host: if enabled {
            n.host.clone()
        } else {
            "127.0.0.1".into()
        },
        local_member_port: ports::HAZELCAST,
        members,
    }
}

fn proxy(d: &Deployment, n: &Node) -> Proxy {
    let lb = match n.role {
        Role::KeyManager => d.key_manager.load_balancer.as_ref(),
        Role::AllInOne | Role::Publisher | Role::Store => d.apim_load_balancer.as_ref(),
        Role::TrafficManager => d.tm_load_balancer.as_ref(),
        _ => None,
    };
    Proxy {
        https: lb.map(|lb| lb.port),
        http: None,
    }
}

/// The gateway environment every API-M node (and the IS-KM, for Hazelcast) sees.
fn environment(d: &Deployment, n: &Node) -> Environment {
    let server_url = match (n.role, d.pattern, d.gateway.sync) {
        // The Key Manager talks to the gateway only for Hazelcast token invalidation.
        (Role::KeyManager, ..) if !d.gateway.hazelcast => STOCK_SERVICES_URL.to_string(),
        // Active-active over NFS: each node publishes to its own gateway (shared folder).
        (Role::AllInOne, Pattern::HybridActiveActive, SyncMode::Nfs)
        | (Role::AllInOne, Pattern::HybridSingleNode, _) => services_url(n),
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
fn store_urls(d: &Deployment, n: &Node) -> (String, String) {
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

/// The traffic managers a node publishes throttling events to.
fn traffic_managers<'a>(d: &'a Deployment, n: &'a Node) -> Vec<&'a Node> {
    match d.pattern {
        Pattern::HybridSingleNode => vec![n],
        Pattern::HybridActiveActive => d.nodes_with(Role::AllInOne).collect(),
        Pattern::Distributed => d.nodes_with(Role::TrafficManager).collect(),
    }
}

/// `{tcp://a:9611},{tcp://b:9611}` (one node: `tcp://a:9611`, as the stock writes it).
fn url_group(nodes: &[&Node], scheme: &str, port: u32) -> String {
    let urls: Vec<String> = nodes
        .iter()
        .map(|t| format!("{scheme}://{}:{}", t.host, at(port, t)))
        .collect();
    if urls.len() == 1 {
        urls[0].clone()
    } else {
        urls.iter()
            .map(|u| format!("{{{u}}}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// JMS topic connection factory to the traffic manager broker(s), with failover for several.
/// Credentials stay Carbon placeholders (`${admin.password}`), resolved by the product from
/// user-mgt.xml, so the admin password is written once.
fn jms_factory(tms: &[&Node], client_id: &str, vhost: &str) -> String {
    let user = "${admin.username}:${admin.password}";
    match tms {
        [tm] => format!(
            "amqp://{user}@{client_id}/{vhost}?brokerlist='tcp://{}:{}'",
            tm.host,
            at(ports::JMS, tm)
        ),
        _ => {
            let brokers: Vec<String> = tms
                .iter()
                .map(|t| {
                    format!(
                        "tcp://{}:{}?retries='5'%26connectdelay='50'",
                        t.host,
                        at(ports::JMS, t)
                    )
                })
                .collect();
            format!("amqp://{user}@{client_id}/{vhost}?failover='roundrobin'%26cyclecount='2'%26brokerlist='{}'", brokers.join(";"))
        }
    }
}

fn throttling(d: &Deployment, n: &Node) -> Throttling {
    let tms = traffic_managers(d, n);
    let (receiver, auth) = if n.role == Role::KeyManager || n.role == Role::TrafficManager {
        (STOCK_RECEIVER_URL.to_string(), STOCK_AUTH_URL.to_string())
    } else {
        (
            url_group(&tms, "tcp", ports::TM_BINARY),
            url_group(&tms, "ssl", ports::TM_SSL),
        )
    };
    let publishes = n.role.is_gateway();
    let deploys_policies = matches!(n.role, Role::AllInOne | Role::Publisher);
    let policy_deployer_url = match n.role {
        Role::AllInOne => services_url(n),
        Role::Publisher => match &d.tm_load_balancer {
            Some(lb) => lb_services_url(lb),
            None => tms
                .first()
                .map(|t| services_url(t))
                .unwrap_or_else(|| STOCK_SERVICES_URL.to_string()),
        },
        _ => STOCK_SERVICES_URL.to_string(),
    };
    let jms_topic_connection_factory = match n.role {
        Role::AllInOne => jms_factory(&[n], "clientid", "carbon"),
        r if r.is_gateway() => jms_factory(&tms, "clientid", "carbon"),
        _ => STOCK_JMS_FACTORY.to_string(),
    };
    Throttling {
        receiver_url_group: receiver,
        auth_url_group: auth,
        data_publisher_enabled: publishes,
        policy_deployer_enabled: deploys_policies,
        policy_deployer_url,
        block_condition_enabled: publishes,
        jms_enabled: publishes,
        jms_topic_connection_factory,
    }
}

fn api_manager(d: &Deployment, n: &Node) -> ApiManager {
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
        throttling: throttling(d, n),
    }
}

fn jndi(d: &Deployment, n: &Node) -> Jndi {
    let tms = traffic_managers(d, n);
    let tm = tms.first().copied().unwrap_or(n);
    let user = format!("{}:{}", d.admin.username, d.admin.password.expose());
    Jndi {
        topic_connection_factory: format!(
            "amqp://{user}@clientid/carbon?brokerlist='tcp://{}:{}'",
            tm.host,
            at(ports::JMS, tm)
        ),
        queue_connection_factory: format!(
            "amqp://{user}@clientID/test?brokerlist='tcp://{}:{}'",
            tm.host,
            at(ports::JMS, tm)
        ),
    }
}

/// The cross-node references of one planned node, for `plan` and the bundle README.
/// Values that can hold secrets (JMS URLs) are left out.
pub fn links(p: &PlannedNode) -> Vec<Link> {
    let v = &p.view;
    let mut out = Vec::new();
    let mut add = |setting: &str, value: &str| {
        if !value.contains("localhost") && !value.contains("${") {
            out.push(Link {
                from: p.name.clone(),
                setting: setting.to_string(),
                value: value.to_string(),
            });
        }
    };
    if p.role != Role::KeyManager {
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
        if p.role == Role::Publisher || p.role == Role::AllInOne {
            add("api-manager.xml APIStore/URL", &v.apim.store_url);
        }
    }
    let publishes_apis = matches!(
        p.role,
        Role::AllInOne | Role::Publisher | Role::Store | Role::KeyManager
    );
    for e in v.apim.environments.iter().filter(|_| publishes_apis) {
        add(
            "api-manager.xml APIGateway/Environments/Environment/ServerURL",
            &e.server_url,
        );
        if p.role != Role::KeyManager {
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
