//! Load phase: the profile as the operator wrote it (raw serde types, unknown keys refused).
//!
//! Every table is `deny_unknown_fields` and every key has the default of the stock packs, so a
//! profile of only `[deployment]` and `[[node]]` is complete. Values here are still unchecked:
//! `validate` turns a `Profile` into a `model::Deployment`.
pub use crate::model::{
    DbType, KeySharing, KmClient, Pattern, Role, SignatureAlgorithm, StoreFormat, SyncMode,
    UserStoreType,
};
use serde::{de, Deserialize, Deserializer};
use std::fmt;

/// The whole profile file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub deployment: Deployment,
    #[serde(default)]
    pub admin: Admin,
    #[serde(default)]
    pub tls: Tls,
    #[serde(default)]
    pub database: Database,
    #[serde(default)]
    pub user_store: UserStore,
    #[serde(default)]
    pub key_manager: KeyManager,
    #[serde(default)]
    pub jwt: Jwt,
    #[serde(default)]
    pub gateway: Gateway,
    #[serde(default)]
    pub apim: Apim,
    #[serde(default)]
    pub traffic_manager: TrafficManager,
    #[serde(default)]
    pub secure_vault: SecureVault,
    /// `[[node]]` tables, in file order.
    #[serde(default, rename = "node")]
    pub nodes: Vec<Node>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// Output folder name: `[a-z0-9][a-z0-9-]*`.
    pub name: String,
    pub pattern: Pattern,
    #[serde(default = "default_apim_version")]
    pub apim_version: String,
    #[serde(default = "default_is_km_version")]
    pub is_km_version: String,
}

fn default_apim_version() -> String {
    "2.6.0".into()
}
fn default_is_km_version() -> String {
    "5.7.0".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Admin {
    pub username: String,
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Tls {
    pub format: StoreFormat,
    pub keystore_password: Secret,
    pub truststore_password: Secret,
    pub key_alias: String,
    pub key_bits: u32,
    pub validity_days: u32,
    pub key_sharing: KeySharing,
    pub public_roots: bool,
    /// PEM files (relative to the profile) whose certificates every truststore also holds.
    pub extra_trusted: Vec<String>,
}

impl Default for Tls {
    fn default() -> Self {
        Tls {
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Database {
    /// `h2` (default: one H2 server for every node, to try kmgen out), `mysql`, `postgresql`,
    /// `mssql` or `oracle`.
    #[serde(rename = "type")]
    pub db_type: DbType,
    /// The database server's host; for h2 the H2 server's (default: the first key manager's).
    pub host: Option<String>,
    /// Default: the type's port (h2: 9092, H2's TCP port).
    pub port: Option<u16>,
    pub am: DbCredentials,
    pub um: DbCredentials,
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
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DbCredentials {
    pub name: Option<String>,
    pub username: Option<String>,
    pub password: Option<Secret>,
}

/// `[user_store]`: the primary user store of every node. Every key but `type` belongs to an
/// external LDAP (`type = "ldap"`) and is refused with the other types; the LDAP defaults
/// are resolved by `validate` (a generic directory: `inetOrgPerson`, `groupOfNames`, `uid`).
#[derive(Debug, Default, Deserialize)]
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

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeyManager {
    pub client: KmClient,
    pub encrypt_oauth_keys: bool,
    pub load_balancer: Option<LoadBalancer>,
}

/// `{ host = "...", port = 443 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancer {
    pub host: String,
    #[serde(default = "default_https_port")]
    pub port: u16,
}

fn default_https_port() -> u16 {
    443
}
fn default_http_port() -> u16 {
    80
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Jwt {
    pub enabled: bool,
    pub claims_retriever: bool,
    pub consumer_dialect_uri: String,
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

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Gateway {
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
    pub load_balancer: Option<GatewayLoadBalancer>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayLoadBalancer {
    pub host: String,
    #[serde(default = "default_https_port")]
    pub https_port: u16,
    #[serde(default = "default_http_port")]
    pub http_port: u16,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Apim {
    /// In front of the all-in-one nodes, or of the Publisher and Store nodes: one name for
    /// both, each role's paths routed to its own nodes (`topology::PUBLISHER_PATHS`,
    /// `STORE_PATHS`).
    pub load_balancer: Option<LoadBalancer>,
}

/// `[traffic_manager]`: how several traffic managers share their deployed execution plans
/// (the throttling policies), and the load balancer the Publisher deploys them through with
/// NFS (`PolicyDeployer/ServiceURL`, distributed-setup.md step 6); events still go to every
/// traffic manager through the URL groups.
#[derive(Debug, Default, Deserialize)]
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub name: String,
    pub role: Role,
    pub host: String,
    #[serde(default)]
    pub port_offset: i64,
    #[serde(default)]
    pub extra_names: Vec<String>,
    /// Hazelcast `localMemberPort` of a clustered node (a gateway role with
    /// `gateway.hazelcast`, or one of several key managers); default 4000. `port_offset` does
    /// not move it, so clustered nodes on one host each need their own; the other members
    /// list the node at this port.
    pub hazelcast_port: Option<u16>,
    /// The absolute folder the node's pack is unzipped into (its `CARBON_HOME`), for the
    /// README and the artifact sharing files. Default `/opt/wso2am-2.6.0` (a key manager:
    /// `/opt/wso2is-km-5.7.0`); `/opt/<node name>/<pack>` when several nodes of one pack
    /// share a host.
    pub home: Option<String>,
}

/// A secret value: a literal string, `{ env = "VAR" }` or `{ file = "path" }`.
/// `Debug` never shows the literal.
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    Literal(String),
    Env(String),
    File(String),
}

impl Secret {
    pub fn literal(s: &str) -> Self {
        Secret::Literal(s.to_string())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Secret::Literal(_) => f.write_str("Secret(<redacted>)"),
            Secret::Env(var) => write!(f, "Secret(env {var})"),
            Secret::File(path) => write!(f, "Secret(file {path})"),
        }
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SecretVisitor;
        impl<'de> de::Visitor<'de> for SecretVisitor {
            type Value = Secret;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"a string, { env = "VAR" } or { file = "path" }"#)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Secret, E> {
                Ok(Secret::Literal(v.to_string()))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Secret, A::Error> {
                let key: String = map.next_key()?.ok_or_else(|| {
                    de::Error::custom(r#"expected { env = "VAR" } or { file = "path" }"#)
                })?;
                let value: String = map.next_value()?;
                let secret = match key.as_str() {
                    "env" => Secret::Env(value),
                    "file" => Secret::File(value),
                    other => return Err(de::Error::unknown_field(other, &["env", "file"])),
                };
                if let Some(extra) = map.next_key::<String>()? {
                    return Err(de::Error::custom(format!(
                        "unexpected key `{extra}`: a secret takes exactly one of `env` or `file`"
                    )));
                }
                Ok(secret)
            }
        }
        deserializer.deserialize_any(SecretVisitor)
    }
}

/// `[secure_vault]`: Carbon 4.4's Secure Vault, done at build time.
#[derive(Debug, Default, Deserialize)]
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
