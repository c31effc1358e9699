//! Load phase: the profile as the operator wrote it (raw serde types, unknown keys refused).
//!
//! Every table is `deny_unknown_fields` and every key has the default of the stock packs, so a
//! profile of only `[deployment]` and `[[node]]` is complete. Values here are still unchecked:
//! `validate` turns a `Profile` into a `model::Deployment`.
//!
//! The `///` comments below are the profile's documentation: `kmgen schema` publishes them as
//! the JSON Schema's descriptions (`load::json_schema`), with the defaults of the `Default`
//! impls and the value sets of the enums.
pub use super::secret::Secret;
pub use crate::model::{
    DbType, KeySharing, KmClient, Pattern, Role, SignatureAlgorithm, StoreFormat, SyncMode,
    TlsMode, UserStoreType,
};
use schemars::JsonSchema;
use serde::Deserialize;

/// A kmgen deployment profile: one WSO2 API Manager 2.6.0 + IS-KM 5.7.0 deployment. Only
/// `[deployment]` and `[[node]]` are required; every other table has the stock packs' values.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "kmgen profile")]
pub struct Profile {
    /// `[deployment]`: the deployment's name, pattern and pack versions.
    pub deployment: Deployment,
    /// `[admin]`: the super admin user of every node.
    #[serde(default)]
    pub admin: Admin,
    /// `[tls]`: the keys, certificates, keystores and truststores kmgen generates.
    #[serde(default)]
    pub tls: Tls,
    /// `[database]`: the server that holds WSO2AM_DB, WSO2UM_DB and WSO2REG_DB.
    #[serde(default)]
    pub database: Database,
    /// `[user_store]`: the primary user store of every node.
    #[serde(default)]
    pub user_store: UserStore,
    /// `[key_manager]`: how API-M nodes reach the IS-KM nodes.
    #[serde(default)]
    pub key_manager: KeyManager,
    /// `[jwt]`: the JWT the gateways pass to backends with end-user claims.
    #[serde(default)]
    pub jwt: Jwt,
    /// `[gateway]`: clustering, artifact sharing and the load balancer of the nodes that serve
    /// API traffic.
    #[serde(default)]
    pub gateway: Gateway,
    /// `[apim]`: the load balancer in front of the all-in-one, Publisher and Store nodes.
    #[serde(default)]
    pub apim: Apim,
    /// `[traffic_manager]`: how several traffic managers share their throttling policies.
    #[serde(default)]
    pub traffic_manager: TrafficManager,
    /// `[secure_vault]`: Carbon 4.4's Secure Vault, done at build time (off by default).
    #[serde(default)]
    pub secure_vault: SecureVault,
    /// `[[node]]` tables, in file order: one per server (a pack unzipped on a host).
    #[serde(default, rename = "node")]
    pub nodes: Vec<Node>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// Output folder name: `[a-z0-9][a-z0-9-]*`, at most 63 characters, no `--` and no
    /// trailing `-`.
    #[schemars(length(min = 1, max = 63), regex(pattern = r"^[a-z0-9][a-z0-9-]*$"))]
    pub name: String,
    /// The deployment pattern; it decides which node roles the profile may hold.
    pub pattern: Pattern,
    /// The API-M pack: `2.6.0`, `2.6.0-wum` or `2.6.0-update-<N>`.
    #[serde(default = "default_apim_version")]
    pub apim_version: String,
    /// The IS-KM pack: `5.7.0` or `5.7.0-wum`.
    #[serde(default = "default_is_km_version")]
    pub is_km_version: String,
}

fn default_apim_version() -> String {
    "2.6.0".into()
}
fn default_is_km_version() -> String {
    "5.7.0".into()
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Admin {
    /// The super admin's user name (`UserManager/Realm/Configuration/AdminUser`); default `admin`.
    pub username: String,
    /// The super admin's password; default the stock `admin`. Printable ASCII.
    pub password: Secret,
}

impl Default for Admin {
    fn default() -> Self {
        Admin {
            username: "admin".into(),
            password: Secret::literal("admin"),
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Tls {
    /// `self-signed` (default: each certificate signs itself, every truststore holds every
    /// node's certificate) or `private-ca` (a deployment CA kmgen keeps in `pki/` issues
    /// every certificate; truststores hold the CA, so adding a node changes no other node).
    pub mode: TlsMode,
    /// The keystore and truststore format: `jks` (the 2.6.0 stock) or `pkcs12`.
    pub format: StoreFormat,
    /// The password of every node's primary keystore, and of its key; default the stock
    /// `wso2carbon`. Printable ASCII, at least 6 characters.
    pub keystore_password: Secret,
    /// The password of every node's truststore; default the stock `wso2carbon`. Printable
    /// ASCII, at least 6 characters.
    pub truststore_password: Secret,
    /// The alias of the primary key in the keystore (`Security/KeyStore/KeyAlias`).
    pub key_alias: String,
    /// RSA key size of the generated keys: 2048, 3072 or 4096.
    #[schemars(range(min = 2048, max = 4096), extend("enum" = [2048, 3072, 4096]))]
    pub key_bits: u32,
    /// How long the generated certificates are valid, in days (1 to 36500).
    #[schemars(range(min = 1, max = 36500))]
    pub validity_days: u32,
    /// `per-product`: one key pair for the API-M nodes and one for the IS-KM nodes;
    /// `deployment`: one key pair everywhere (required by `key_manager.encrypt_oauth_keys`).
    pub key_sharing: KeySharing,
    /// Whether every truststore also holds the Mozilla root CAs, as the stock truststore does.
    pub public_roots: bool,
    /// PEM files (relative to the profile) whose certificates every truststore also holds.
    pub extra_trusted: Vec<String>,
}

impl Default for Tls {
    fn default() -> Self {
        Tls {
            mode: TlsMode::SelfSigned,
            format: StoreFormat::Jks,
            keystore_password: Secret::literal("wso2carbon"),
            truststore_password: Secret::literal("wso2carbon"),
            key_alias: "wso2carbon".into(),
            key_bits: 2048,
            validity_days: 3650,
            key_sharing: KeySharing::PerProduct,
            public_roots: true,
            extra_trusted: Vec::new(),
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Database {
    /// `h2` (default: one H2 server for every node, to try kmgen out), `mysql`, `postgresql`,
    /// `mssql` or `oracle`.
    #[serde(rename = "type")]
    pub db_type: DbType,
    /// The database server's host; for h2 the H2 server's (default: the first key manager's).
    /// Required with every type but h2.
    pub host: Option<String>,
    /// Default: the type's port (mysql 3306, postgresql 5432, mssql 1433, oracle 1521; h2:
    /// 9092, H2's TCP port).
    #[schemars(range(min = 1))]
    pub port: Option<u16>,
    /// `[database.am]`: WSO2AM_DB (default name `apimgtdb`).
    pub am: DbCredentials,
    /// `[database.um]`: WSO2UM_DB, the user store and the shared registry's users (default
    /// name `userdb`).
    pub um: DbCredentials,
    /// `[database.reg]`: WSO2REG_DB, the shared registry (default name `regdb`).
    pub reg: DbCredentials,
}

impl Default for Database {
    fn default() -> Self {
        Database {
            db_type: DbType::H2,
            host: None,
            port: None,
            am: DbCredentials::default(),
            um: DbCredentials::default(),
            reg: DbCredentials::default(),
        }
    }
}

/// `[database.am]`, `[database.um]`, `[database.reg]`: every key optional; validation
/// supplies the H2 stock values or asks for what a real database needs.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DbCredentials {
    /// The database's name: letters, digits, `_` or `-` (h2: the stock file name, e.g.
    /// `WSO2AM_DB`).
    pub name: Option<String>,
    /// The user the nodes connect as; required with a database server (h2: the stock
    /// `wso2carbon`).
    pub username: Option<String>,
    /// That user's password; required with a database server (h2: the stock `wso2carbon`).
    pub password: Option<Secret>,
}

/// `[user_store]`: the primary user store of every node. Every key but `type` belongs to an
/// external LDAP (`type = "ldap"`) and is refused with the other types; the LDAP defaults
/// are resolved by `validate` (a generic directory: `inetOrgPerson`, `groupOfNames`, `uid`).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct UserStore {
    /// `jdbc` (stock, in WSO2UM_DB), `embedded-ldap` (the IS-KM's ApacheDS) or `ldap`.
    #[serde(rename = "type")]
    pub store_type: UserStoreType,
    /// `ldap://host:port` or `ldaps://host:port` (with `ldaps`, the server's CA belongs in
    /// `tls.extra_trusted`). Required with `ldap`.
    pub url: Option<String>,
    /// The DN nodes bind as (`ConnectionName`). Required with `ldap`.
    pub bind_dn: Option<String>,
    /// Its password (`ConnectionPassword`). Required with `ldap`.
    pub bind_password: Option<Secret>,
    /// Where user entries are searched (`UserSearchBase`). Required with `ldap`.
    pub user_search_base: Option<String>,
    /// Where group entries are searched (`GroupSearchBase`). Required with `ldap`.
    pub group_search_base: Option<String>,
    /// Default false: `ReadWriteLDAPUserStoreManager`. True: `ReadOnlyLDAPUserStoreManager`,
    /// which never writes to the directory; `admin.username` must then already exist there.
    pub read_only: Option<bool>,
    /// `UserEntryObjectClass` of the user entries the nodes create; default `inetOrgPerson`.
    /// A hierarchy is written `top/person/inetOrgPerson` (the default filters use the last).
    pub user_entry_object_class: Option<String>,
    /// `GroupEntryObjectClass` of the groups (roles) the nodes create; default `groupOfNames`.
    pub group_entry_object_class: Option<String>,
    /// The attribute that holds the user name (`UserNameAttribute`); default `uid`.
    pub user_name_attribute: Option<String>,
    /// `UserNameSearchFilter`, `?` standing for the user name; default
    /// `(&(objectClass=<user class>)(<user_name_attribute>=?))`.
    pub user_name_search_filter: Option<String>,
    /// `UserNameListFilter`; default `(objectClass=<user class>)`.
    pub user_name_list_filter: Option<String>,
    /// The attribute that holds the group name (`GroupNameAttribute`); default `cn`. The group
    /// filters are derived from it and `group_entry_object_class`.
    pub group_name_attribute: Option<String>,
    /// The group attribute that lists its members' DNs (`MembershipAttribute`); default
    /// `member` (`uniqueMember` for `groupOfUniqueNames`).
    pub membership_attribute: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct KeyManager {
    /// How API-M nodes validate keys with the IS-KM: `ws` (WSClient, as the docs recommend)
    /// or `thrift` (ThriftClient).
    pub client: KmClient,
    /// Encrypt OAuth keys and secrets in the database; needs `tls.key_sharing = "deployment"`.
    pub encrypt_oauth_keys: bool,
    /// `{ host, port }` of the load balancer in front of the IS-KM nodes; required with more
    /// than one key-manager node.
    pub load_balancer: Option<LoadBalancer>,
}

/// `{ host = "...", port = 443 }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancer {
    /// The DNS name (or IP) the load balancer answers on; its certificate is issued for it.
    pub host: String,
    /// The HTTPS port it listens on (1 to 65535).
    #[serde(default = "default_https_port")]
    #[schemars(range(min = 1))]
    pub port: u16,
    /// A certificate the operator brings for this load balancer: a PEM file (relative to the
    /// profile) with the certificate first, then every intermediate up to the root. kmgen
    /// checks it and puts it in nginx instead of generating one; `key` is then required.
    pub cert: Option<String>,
    /// The unencrypted PKCS#8 PEM private key of `cert` (relative to the profile).
    pub key: Option<String>,
}

fn default_https_port() -> u16 {
    443
}
fn default_http_port() -> u16 {
    80
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Jwt {
    /// Pass end-user claims to backends in a JWT (`JWTConfiguration/EnableJWTGeneration`).
    pub enabled: bool,
    /// Add the user's claims with the `DefaultClaimsRetriever`.
    pub claims_retriever: bool,
    /// The claim dialect of the JWT (`ConsumerDialectURI`).
    pub consumer_dialect_uri: String,
    /// How the JWT is signed: `SHA256withRSA` (with the API-M key) or `NONE`.
    pub signature_algorithm: SignatureAlgorithm,
}

impl Default for Jwt {
    fn default() -> Self {
        Jwt {
            enabled: false,
            claims_retriever: true,
            consumer_dialect_uri: "http://wso2.org/claims".into(),
            signature_algorithm: SignatureAlgorithm::Sha256WithRsa,
        }
    }
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Gateway {
    /// Hazelcast clustering of the gateway nodes (immediate token invalidation).
    pub hazelcast: bool,
    /// How the nodes that serve API traffic share `repository/deployment/server`: `nfs` (each
    /// mounts `nfs_export`) or `rsync` (the gateway manager, or the first all-in-one node,
    /// pushes its folder to the others). Required with several such nodes; no default.
    pub sync: Option<SyncMode>,
    /// `host:/path` of the NFS share every such node mounts; required with `sync = "nfs"`.
    pub nfs_export: Option<String>,
    /// With `sync = "rsync"`: the user the sync job runs as on the source and logs in as on
    /// the others (default `wso2carbon`, the user WSO2's Ansible scripts run the packs as).
    pub rsync_user: Option<String>,
    /// `{ host, https_port, http_port }` of the load balancer in front of the nodes that serve
    /// API traffic; optional.
    pub load_balancer: Option<GatewayLoadBalancer>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GatewayLoadBalancer {
    /// The DNS name (or IP) API clients call; its certificate is issued for it.
    pub host: String,
    /// The HTTPS port it forwards to the gateways' NIO HTTPS port (8243 + offset).
    #[serde(default = "default_https_port")]
    #[schemars(range(min = 1))]
    pub https_port: u16,
    /// The HTTP port it forwards to the gateways' NIO HTTP port (8280 + offset).
    #[serde(default = "default_http_port")]
    #[schemars(range(min = 1))]
    pub http_port: u16,
    /// A certificate the operator brings for this load balancer: a PEM file (relative to the
    /// profile) with the certificate first, then every intermediate up to the root. kmgen
    /// checks it and puts it in nginx instead of generating one; `key` is then required.
    pub cert: Option<String>,
    /// The unencrypted PKCS#8 PEM private key of `cert` (relative to the profile).
    pub key: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Apim {
    /// `{ host, port }` of the load balancer in front of the all-in-one nodes, or of the
    /// Publisher and Store nodes: one name for both, each role's paths routed to its own
    /// nodes (`topology::PUBLISHER_PATHS`, `STORE_PATHS`); optional.
    pub load_balancer: Option<LoadBalancer>,
}

/// `[traffic_manager]`: how several traffic managers share their deployed execution plans
/// (the throttling policies), and the load balancer the Publisher deploys them through with
/// NFS (`PolicyDeployer/ServiceURL`, distributed-setup.md step 6); events still go to every
/// traffic manager through the URL groups.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TrafficManager {
    /// Required with several traffic managers, refused with one: `nfs` (each mounts
    /// `nfs_export` on `repository/deployment/server`, distributed-setup.md step 6.5) or
    /// `rsync` (the first traffic manager pushes its folder to the others and receives every
    /// policy). No default.
    pub sync: Option<SyncMode>,
    /// `host:/path` of their NFS share (not the gateways'); required with `sync = "nfs"`.
    pub nfs_export: Option<String>,
    /// As `[gateway] rsync_user`, for the traffic managers' rsync job.
    pub rsync_user: Option<String>,
    /// Required with `sync = "nfs"`; refused with `rsync`, where policies go to the source.
    pub load_balancer: Option<LoadBalancer>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// The node's name, unique: `[a-z0-9][a-z0-9-]*`, at most 63 characters, no `--` and no
    /// trailing `-`. Its files go to `nodes/<name>/`.
    #[schemars(length(min = 1, max = 63), regex(pattern = r"^[a-z0-9][a-z0-9-]*$"))]
    pub name: String,
    /// What the node runs; the pattern decides which roles (and how many) it needs.
    pub role: Role,
    /// The DNS name (or IP) the other nodes use to reach this one.
    pub host: String,
    /// Added to every port of the node (carbon.xml `Ports/Offset`); nodes on one host need
    /// different offsets.
    #[serde(default)]
    #[schemars(range(min = 0, max = 55138))]
    pub port_offset: i64,
    /// More DNS names or IPs for this node's certificate.
    #[serde(default)]
    pub extra_names: Vec<String>,
    /// Hazelcast `localMemberPort` of a clustered node (a gateway role with
    /// `gateway.hazelcast`, or one of several key managers); default 4000. `port_offset` does
    /// not move it, so clustered nodes on one host each need their own; the other members
    /// list the node at this port.
    #[schemars(range(min = 1))]
    pub hazelcast_port: Option<u16>,
    /// The absolute folder the node's pack is unzipped into (its `CARBON_HOME`), for the
    /// README and the artifact sharing files. Default `/opt/wso2am-2.6.0` (a key manager:
    /// `/opt/wso2is-km-5.7.0`); `/opt/<node name>/<pack>` when several nodes of one pack
    /// share a host.
    pub home: Option<String>,
    /// A certificate the operator brings for this node (PEM, relative to the profile: the
    /// certificate, then every intermediate up to the root); its `key` becomes the node's
    /// primary key, so every node that shares that key (`tls.key_sharing`) brings one on the
    /// same key. Its names must cover the node's host, `extra_names` and load balancers.
    pub cert: Option<String>,
    /// The unencrypted PKCS#8 PEM private key of `cert` (relative to the profile).
    pub key: Option<String>,
}

/// `[secure_vault]`: Carbon 4.4's Secure Vault, done at build time.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SecureVault {
    /// Off by default (the packs' stock behaviour: passwords in plain text in the node files).
    /// On: every password a product file resolves through Secure Vault is replaced by its
    /// alias, the values are encrypted with the node's primary public key into
    /// `repository/conf/security/cipher-text.properties`, and the files whose product reads no
    /// alias go to `secrets/<node>/` instead of `nodes/<node>/`. The keystore password is then
    /// given at start (`password-tmp`, `password-persist` or the prompt), never written.
    pub enabled: bool,
}
