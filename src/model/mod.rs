//! Validated model: the deployment after every check passed, secrets resolved.
//!
//! Types here can only be built by `validate`, so the planner never re-checks anything.
//! Values that can be wrong are types that can only hold right ones (names, hosts, ports,
//! builds), and a choice with its own settings is an enum that carries them (the database,
//! the user store). Secrets stay `Secret` until a template writes them.
mod builds;
mod kinds;
#[macro_use]
mod net;
pub mod parallel;
mod secret;
mod stores;
mod sync;

pub use builds::{ApimBuild, IsKmBuild};
pub use kinds::{
    DbServerType, DbType, KeySharing, KmClient, Pattern, Role, SignatureAlgorithm, StoreFormat,
    SyncMode, TlsMode, UserStoreType,
};
pub use net::{Host, Name, Port, PortOffset};
pub use secret::Secret;
use std::collections::BTreeMap;
use std::path::PathBuf;
pub use stores::{
    Database, DbConnection, DbEngine, DbServer, ExternalLdap, H2Server, LdapSchema, UserStore,
};
pub use sync::{AbsPath, ArtifactSync, NfsExport, OsUser};

#[derive(Debug, Clone)]
pub struct Deployment {
    pub name: Name,
    pub pattern: Pattern,
    pub apim_version: ApimBuild,
    pub is_km_version: IsKmBuild,
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
    /// How several traffic managers share their deployed execution plans.
    pub tm_sync: Option<ArtifactSync>,
    /// `[secure_vault] enabled`: passwords as Secure Vault aliases, encrypted per node.
    pub secure_vault: bool,
    pub nodes: Vec<Node>,
}

#[derive(Debug, Clone)]
pub struct Admin {
    pub username: String,
    pub password: Secret,
}

#[derive(Debug, Clone)]
pub struct Tls {
    pub mode: TlsMode,
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
    /// The certificates operators bring (`cert` and `key` of a node or load balancer), by
    /// node name or load balancer id (`lb-gateway`).
    pub provided: BTreeMap<String, ProvidedCert>,
}

/// A certificate the operator brings, checked by validation: the key matches, the chain
/// is complete and in force, and it names every host that reaches its node.
#[derive(Debug, Clone)]
pub struct ProvidedCert {
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
    /// DER: the certificate, then each issuer in order (the root last when the file has it).
    pub chain: Vec<Vec<u8>>,
    /// The private key, unencrypted PKCS#8 PEM.
    pub key_pem: Secret,
    /// The certificate's public key (DER SubjectPublicKeyInfo).
    pub spki: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct ExtraTrusted {
    pub path: PathBuf,
    pub certificates: Vec<Vec<u8>>,
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
    /// How the nodes that serve API traffic share their deployed artifacts; `None` when one
    /// node serves them (validation refuses `None` with several).
    pub sync: Option<ArtifactSync>,
    pub load_balancer: Option<GatewayLoadBalancer>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: Host,
    pub port: Port,
}

#[derive(Debug, Clone)]
pub struct GatewayLoadBalancer {
    pub host: Host,
    pub https_port: Port,
    pub http_port: Port,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub name: Name,
    pub role: Role,
    pub host: Host,
    pub port_offset: PortOffset,
    /// More names the node's certificate carries.
    pub extra_names: Vec<Host>,
    /// Hazelcast `localMemberPort` (not moved by the offset); read only when the node is
    /// clustered (`topology::ports::clustered`).
    pub hazelcast_port: Port,
    /// The folder its pack is unzipped into (`CARBON_HOME`).
    pub home: AbsPath,
}

impl Deployment {
    pub fn nodes_with(&self, role: Role) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(move |n| n.role == role)
    }

    pub fn key_managers(&self) -> impl Iterator<Item = &Node> {
        self.nodes_with(Role::KeyManager)
    }

    /// Every secret value of the profile, to mask wherever files are shown.
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        let ldap = match &self.user_store {
            UserStore::Ldap(l) => Some(l.bind_password.expose()),
            _ => None,
        };
        [
            self.admin.password.expose(),
            self.tls.keystore_password.expose(),
            self.tls.truststore_password.expose(),
            self.database.am.password.expose(),
            self.database.um.password.expose(),
            self.database.reg.password.expose(),
        ]
        .into_iter()
        .chain(ldap)
    }
}

/// Lower-case hex SHA-256: the digests of the manifest and of the profile.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
