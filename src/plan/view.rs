//! Render phase input: the per-node view that every template receives as `ctx`.
//!
//! This is the contract between the planner and the templates. Every value here is final:
//! URLs are fully resolved (host, effective port), secrets are `model::Secret` (redacted in
//! `Debug`; serialized as the plain value, since templates write them into the product
//! files: the view is serialized only into the Tera context), and optional parts are `None`
//! (`null` in Tera: test them with `{% if ctx.x %}`). Templates never compute wiring; they
//! only choose between stock text and these values. XML escaping is applied by the
//! renderer to every `{{ }}` in a `.xml` template, so templates must not escape again.
use crate::model::{Host, Name, Port, PortOffset, Secret};
use serde::Serialize;

/// Everything one node's templates can see.
#[derive(Debug, Clone, Serialize)]
pub struct NodeView {
    /// The node's pack and role as booleans: templates branch on these, never on strings.
    pub is: Is,
    /// The node's role as the profile names it, for comment text only: `key-manager`,
    /// `all-in-one`, `publisher`, `store`, `traffic-manager`, `gateway`, `gateway-manager`,
    /// `gateway-worker`.
    pub role: &'static str,
    /// `-Dprofile=` value the node starts with (`api-publisher`, ...), `None` for the default.
    pub start_profile: Option<&'static str>,
    pub node: NodeInfo,
    pub admin: Admin,
    /// Effective ports of this node (defaults + offset).
    pub ports: Ports,
    pub tls: Tls,
    pub db: Databases,
    pub registry: Registry,
    pub user_store: UserStore,
    pub clustering: Clustering,
    /// Tomcat `proxyPort` values when a load balancer fronts this node's management console.
    pub proxy: Proxy,
    /// Values of `api-manager.xml` (both products ship one).
    pub apim: ApiManager,
    /// Values of `identity/identity.xml` (both products ship the IS 5.7.0 identity framework
    /// file; one template serves both).
    pub identity: Identity,
    /// Traffic-manager only files (`jndi.properties`, `registry_TM.xml`, `axis2_TM.xml`).
    pub jndi: Jndi,
    /// The web apps' `site.json` behind the API-M load balancer; `None` on other nodes (they
    /// get no `site.json`: the stock files stay).
    pub reverse_proxy: Option<ReverseProxy>,
    /// `[secure_vault] enabled`: the files that resolve Secure Vault aliases carry the alias
    /// (`svns:secretAlias`) and the placeholder text instead of the secret.
    pub secure_vault: bool,
}

/// Which pack the node runs and which role it has; exactly one role flag is true.
#[derive(Debug, Clone, Serialize)]
pub struct Is {
    /// The prepackaged IS-KM 5.7.0 pack (role `key-manager`).
    pub key_manager: bool,
    /// The API-M 2.6.0 pack (every other role).
    pub apim: bool,
    pub all_in_one: bool,
    pub publisher: bool,
    pub store: bool,
    pub traffic_manager: bool,
    /// Role `gateway`: manager and worker in one node.
    pub gateway: bool,
    pub gateway_manager: bool,
    pub gateway_worker: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct NodeInfo {
    pub name: Name,
    /// Host name (or IP) other nodes use to reach this node itself.
    pub host: Host,
    /// carbon.xml `HostName` and `MgtHostName`: the name the node presents in the URLs it
    /// builds. The load balancer's name when one fronts the management port, else `host`.
    pub host_name: Host,
    /// carbon.xml `Ports/Offset`.
    pub port_offset: PortOffset,
}

#[derive(Debug, Clone, Serialize)]
pub struct Admin {
    pub username: String,
    pub password: Secret,
}

#[derive(Debug, Clone, Serialize)]
pub struct Ports {
    pub mgt_https: Port,
    pub mgt_http: Port,
    pub nio_https: Port,
    pub nio_http: Port,
    pub ldap: Port,
    pub thrift: Port,
    pub tm_binary: Port,
    pub tm_ssl: Port,
    pub jms: Port,
    pub websocket: Port,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tls {
    pub keystore: KeyStoreRef,
    pub truststore: TrustStoreRef,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyStoreRef {
    /// Path relative to the product home, e.g. `repository/resources/security/wso2carbon.jks`.
    /// carbon.xml writes `${carbon.home}/` before it where the stock file does.
    pub location: String,
    /// `JKS` or `PKCS12`, as carbon.xml `Type` wants it.
    #[serde(rename = "type")]
    pub store_type: &'static str,
    pub password: Secret,
    pub key_alias: String,
    /// Equal to `password` (Carbon requires key and store passwords to match for Tomcat).
    pub key_password: Secret,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrustStoreRef {
    pub location: String,
    #[serde(rename = "type")]
    pub store_type: &'static str,
    pub password: Secret,
}

/// The shared databases this node's role uses; `None` where the role does not use one.
#[derive(Debug, Clone, Serialize)]
pub struct Databases {
    /// `h2`, `mysql`, `postgresql`, `mssql` or `oracle`.
    #[serde(rename = "type")]
    pub db_type: &'static str,
    /// `jdbc/WSO2AM_DB`
    pub am: Option<DataSource>,
    /// `jdbc/WSO2UM_DB`
    pub um: Option<DataSource>,
    /// `jdbc/WSO2REG_DB`
    pub reg: Option<DataSource>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DataSource {
    /// `WSO2AM_DB`, `WSO2UM_DB`, `WSO2REG_DB` (the datasource `name`).
    pub name: &'static str,
    /// `jdbc/WSO2AM_DB`, ...
    pub jndi: &'static str,
    pub description: &'static str,
    pub url: String,
    pub username: String,
    pub password: Secret,
    pub driver: &'static str,
    pub validation_query: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Registry {
    /// Mount `/_system/governance` and `/_system/config` from `jdbc/WSO2REG_DB`. False only
    /// for roles without a registry database (the traffic manager).
    pub mount: bool,
    /// remoteInstance `cacheId`: `<user>@<jdbc url>` of the registry database.
    pub cache_id: String,
    /// `targetPath` of the `/_system/config` mount (the shared config registry).
    pub config_target: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct UserStore {
    /// `jdbc`, `embedded-ldap` or `ldap`.
    pub kind: &'static str,
    /// IS-KM only: this node hosts the embedded ApacheDS (embedded-ldap.xml `enable`).
    pub embedded_ldap_enabled: bool,
    /// The LDAP primary store (embedded or external); `None`: the stock JDBC one. Every node
    /// of a deployment gets the same one, but for the embedded LDAP's `connection_url`.
    pub ldap: Option<Ldap>,
}

/// An LDAP `<UserStoreManager>`: every property kmgen sets.
#[derive(Debug, Clone, Serialize)]
pub struct Ldap {
    /// `org.wso2.carbon.user.core.ldap.ReadWriteLDAPUserStoreManager` or `...ReadOnly...`.
    pub class: &'static str,
    /// Read-only: `ReadOnly` true, and no write-only property (`WriteGroups`, the entry
    /// object classes).
    pub read_only: bool,
    /// `ldap://host:port` (embedded: the IS-KM host, 10389 + IS-KM offset; on the IS-KM
    /// itself the stock `${Ports.EmbeddedLDAP.LDAPServerPort}` URL).
    pub connection_url: String,
    /// Bind DN (`ConnectionName`).
    pub connection_name: String,
    pub connection_password: Secret,
    pub user_search_base: String,
    pub group_search_base: String,
    /// Object classes, naming attributes and filters (`user_entry_object_class`, ...),
    /// flattened: templates read them as `ldap.user_entry_object_class`.
    #[serde(flatten)]
    pub schema: crate::model::LdapSchema,
}

#[derive(Debug, Clone, Serialize)]
pub struct Clustering {
    /// axis2.xml `<clustering enable=...>`.
    pub enabled: bool,
    /// `wka` when enabled; stock `multicast` otherwise.
    pub membership_scheme: &'static str,
    /// `wso2.am.<deployment>.domain` when enabled; stock `wso2.carbon.domain` otherwise.
    pub domain: String,
    pub local_member_host: String,
    /// The node's `hazelcast_port` (default 4000), never offset.
    pub local_member_port: Port,
    /// `properties/subDomain`: `mgt` on a clustered gateway manager, stock `worker` otherwise.
    pub sub_domain: &'static str,
    /// `properties/port.mapping.80` and `port.mapping.443` (a clustered gateway manager).
    pub port_mapping: Option<PortMapping>,
    /// Well-known members: the other nodes of the cluster.
    pub members: Vec<Member>,
}

/// The servlet ports the manager maps 80 and 443 to, un-offset (Carbon adds the offset).
#[derive(Debug, Clone, Serialize)]
pub struct PortMapping {
    pub http: Port,
    pub https: Port,
}

#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub host: Host,
    pub port: Port,
}

#[derive(Debug, Clone, Serialize)]
pub struct Proxy {
    /// `proxyPort` of the HTTPS (9443) connector.
    pub https: Option<Port>,
    /// `proxyPort` of the HTTP (9763) connector.
    pub http: Option<Port>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApiManager {
    /// `GatewayType`: `Synapse` on API-M nodes, `None` on IS-KM (stock of each product).
    pub gateway_type: &'static str,
    pub jwt: Jwt,
    /// `OAuthConfigurations/EncryptPersistedTokens`.
    pub encrypt_persisted_tokens: bool,
    /// `AuthManager/ServerURL`.
    pub auth_manager_url: String,
    pub key_validator: KeyValidator,
    /// `APIGateway/Environments`: one entry in every pattern so far.
    pub environments: Vec<Environment>,
    /// `OAuthConfigurations/RevokeAPIURL`.
    pub revoke_api_url: String,
    /// `APIStore/URL` and `APIStore/ServerURL`.
    pub store_url: String,
    pub store_server_url: String,
    /// `APIStore/DisplayURL`: the Publisher links to the Store (distributed-setup.md 6.3).
    pub store_display_url: bool,
    pub throttling: Throttling,
}

#[derive(Debug, Clone, Serialize)]
pub struct Jwt {
    /// `EnableJWTGeneration`; when false the element keeps its stock form.
    pub enabled: bool,
    /// Write `ClaimsRetrieverImplClass` (`org.wso2.carbon.apimgt.impl.token.DefaultClaimsRetriever`).
    pub claims_retriever: bool,
    pub consumer_dialect_uri: String,
    /// `SHA256withRSA` or `NONE`.
    pub signature_algorithm: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyValidator {
    /// `APIKeyValidator/ServerURL`.
    pub server_url: String,
    /// `WSClient` or `ThriftClient`.
    pub client_type: &'static str,
    /// `client_type` is `ThriftClient` (API-M nodes then write `ThriftClientPort`).
    pub thrift_client: bool,
    pub enable_thrift_server: bool,
    /// `ThriftClientPort` (the Key Manager's 10397 + offset).
    pub thrift_client_port: Port,
    /// `ThriftServerHost`: the Key Manager host on API-M nodes, this host on IS-KM nodes.
    pub thrift_server_host: Host,
    /// `ThriftServerPort` this node would listen on (10397 + own offset).
    pub thrift_server_port: Port,
}

#[derive(Debug, Clone, Serialize)]
pub struct Environment {
    /// `hybrid`, `production` or `sandbox`.
    #[serde(rename = "type")]
    pub env_type: &'static str,
    pub name: String,
    pub description: String,
    /// `ServerURL`: management services URL of the gateway (manager).
    pub server_url: String,
    /// `GatewayEndpoint`: `http://h:p,https://h:p`.
    pub gateway_endpoint: String,
    /// `GatewayWSEndpoint`: `ws://h:p`.
    pub gateway_ws_endpoint: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Throttling {
    /// `ThrottlingConfigurations/TrafficManager/ReceiverUrlGroup`.
    pub receiver_url_group: String,
    /// `ThrottlingConfigurations/TrafficManager/AuthUrlGroup`.
    pub auth_url_group: String,
    /// `DataPublisher/Enabled`.
    pub data_publisher_enabled: bool,
    /// `PolicyDeployer/Enabled` and `ServiceURL`.
    pub policy_deployer_enabled: bool,
    pub policy_deployer_url: String,
    /// `BlockCondition/Enabled`.
    pub block_condition_enabled: bool,
    /// `JMSConnectionDetails/Enabled`.
    pub jms_enabled: bool,
    /// `JMSConnectionParameters/connectionfactory.TopicConnectionFactory`: the AMQP URL with
    /// the admin credentials (percent-encoded), or the stock placeholders where unused.
    pub jms_topic_connection_factory: Secret,
}

#[derive(Debug, Clone, Serialize)]
pub struct Identity {
    /// `JDBCPersistenceManager/DataSource/Name`: `jdbc/WSO2AM_DB`.
    pub datasource: &'static str,
    /// `OAuth/TokenPersistenceProcessor` class: plain text, or
    /// `org.wso2.carbon.identity.oauth.tokenprocessor.EncryptionDecryptionPersistenceProcessor`
    /// with `encrypt_oauth_keys`.
    pub token_persistence_processor: &'static str,
    /// `OAuth/PersistAccessTokenAlias`: API-M's stock file writes `true`; IS-KM's leaves the
    /// element out (same default). `None` writes nothing.
    pub persist_access_token_alias: Option<&'static str>,
    /// `EnableAskPasswordAdminUI`: `true` in the IS-KM pack, `false` in the API-M pack.
    pub ask_password_admin_ui: bool,
    /// `OAuth/OpenIDConnect/IDTokenIssuerID`, as each pack ships it.
    pub id_token_issuer: &'static str,
}

/// `site.json` of the Publisher, Store and Admin apps behind the API-M load balancer.
#[derive(Debug, Clone, Serialize)]
pub struct ReverseProxy {
    /// `reverseProxy.host`: the load balancer's name, with `:port` unless 443.
    pub host: String,
    /// `whiteListedHostNames` (Store, Admin): the stock `localhost` and the load balancer's name.
    pub white_listed_host_names: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Jndi {
    /// `connectionfactory.TopicConnectionFactory` of the traffic manager's jndi.properties
    /// (it holds the admin password).
    pub topic_connection_factory: Secret,
    /// `connectionfactory.QueueConnectionFactory`.
    pub queue_connection_factory: Secret,
}

/// What `load-balancer/nginx.conf` receives as `ctx`: one load balancer of the profile.
#[derive(Debug, Clone, Serialize)]
pub struct LoadBalancerView {
    pub deployment: String,
    /// `lb-km`, `lb-gateway`, `lb-apim` or `lb-tm`: the file names of its certificate and key.
    pub id: String,
    pub host: Host,
    /// Folder on the nginx host that holds `<id>.crt`, `<id>.key` and `<id>.backends.crt`.
    pub ssl_dir: String,
    pub routes: Vec<NginxRoute>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NginxRoute {
    pub what: &'static str,
    pub listen: Port,
    /// Clients connect with TLS (`listen ... ssl`, the load balancer's own certificate).
    pub tls: bool,
    /// WebSocket upgrade headers are passed through.
    pub websocket: bool,
    /// `https` (verified against the nodes' certificates) or `http` towards the nodes.
    pub backend_scheme: &'static str,
    /// `backend_scheme` is `https`.
    pub backend_tls: bool,
    /// Every node behind the port first, then one per path pool.
    pub upstreams: Vec<NginxUpstream>,
    /// The path pools' `location`s first, then `/`: every other path, to every node.
    pub locations: Vec<NginxLocation>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NginxUpstream {
    /// nginx `upstream` name, unique per deployment, load balancer, port and pool.
    pub name: String,
    /// `ip_hash` session affinity (the doc requires it for Publisher, Store and Key Manager).
    pub sticky: bool,
    pub backends: Vec<crate::topology::Backend>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NginxLocation {
    /// What the paths carry; `None` for `/`.
    pub what: Option<&'static str>,
    /// What follows `location`: `/`, or a regular expression of the pool's paths.
    pub matcher: String,
    pub upstream: String,
}
