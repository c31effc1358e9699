//! Validated model: the deployment after every check passed, secrets resolved.
//!
//! Types here can only be built by `validate`, so the planner never re-checks anything.
mod kinds;

pub use kinds::{
    DbType, KeySharing, KmClient, Pattern, Role, SignatureAlgorithm, StoreFormat, SyncMode,
    UserStoreType,
};
use std::fmt;
use std::path::PathBuf;

/// A resolved secret value. `Debug` and `Display` are redacted; only `expose` reads it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Clone)]
pub struct Deployment {
    pub name: String,
    pub pattern: Pattern,
    pub apim_version: String,
    pub is_km_version: String,
    pub admin: Admin,
    pub tls: Tls,
    pub database: Database,
    pub user_store: UserStore,
    pub key_manager: KeyManager,
    pub jwt: Jwt,
    pub gateway: Gateway,
    /// Load balancer in front of the all-in-one nodes, or the Publisher and Store.
    pub apim_load_balancer: Option<Endpoint>,
    /// Load balancer in front of the traffic managers (the Publisher's policy deployer).
    pub tm_load_balancer: Option<Endpoint>,
    pub nodes: Vec<Node>,
}

#[derive(Debug, Clone)]
pub struct Admin {
    pub username: String,
    pub password: Secret,
}

#[derive(Debug, Clone)]
pub struct Tls {
    pub format: StoreFormat,
    pub keystore_password: Secret,
    pub truststore_password: Secret,
    pub key_alias: String,
    pub key_bits: u32,
    pub validity_days: u32,
    pub key_sharing: KeySharing,
    pub public_roots: bool,
    /// Resolved paths of `extra_trusted` PEM files, with the certificates they hold (DER).
    pub extra_trusted: Vec<ExtraTrusted>,
}

#[derive(Debug, Clone)]
pub struct ExtraTrusted {
    pub path: PathBuf,
    pub certificates: Vec<Vec<u8>>,
}

#[derive(Debug, Clone)]
pub struct Database {
    pub db_type: DbType,
    /// Server host and port (empty and 0 for h2).
    pub host: String,
    pub port: u16,
    pub am: DbConnection,
    pub um: DbConnection,
    pub reg: DbConnection,
}

#[derive(Debug, Clone)]
pub struct DbConnection {
    /// Database name (h2: file name; oracle: service name).
    pub name: String,
    pub url: String,
    pub username: String,
    pub password: Secret,
}

#[derive(Debug, Clone)]
pub struct UserStore {
    pub store_type: UserStoreType,
    /// Only with `type = "ldap"`.
    pub ldap: Option<ExternalLdap>,
}

#[derive(Debug, Clone)]
pub struct ExternalLdap {
    pub url: String,
    pub bind_dn: String,
    pub bind_password: Secret,
    pub user_search_base: String,
    pub group_search_base: String,
}

#[derive(Debug, Clone)]
pub struct KeyManager {
    pub client: KmClient,
    pub encrypt_oauth_keys: bool,
    pub load_balancer: Option<Endpoint>,
}

#[derive(Debug, Clone)]
pub struct Jwt {
    pub enabled: bool,
    pub claims_retriever: bool,
    pub consumer_dialect_uri: String,
    pub signature_algorithm: SignatureAlgorithm,
}

#[derive(Debug, Clone)]
pub struct Gateway {
    pub hazelcast: bool,
    pub sync: SyncMode,
    pub load_balancer: Option<GatewayLoadBalancer>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
}

#[derive(Debug, Clone)]
pub struct GatewayLoadBalancer {
    pub host: String,
    pub https_port: u16,
    pub http_port: u16,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub name: String,
    pub role: Role,
    pub host: String,
    pub port_offset: u16,
    pub extra_names: Vec<String>,
}

impl Deployment {
    pub fn nodes_with(&self, role: Role) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(move |n| n.role == role)
    }

    pub fn key_managers(&self) -> impl Iterator<Item = &Node> {
        self.nodes_with(Role::KeyManager)
    }
}
