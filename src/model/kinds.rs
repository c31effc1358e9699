//! The closed sets of the profile: patterns, roles, formats. Shared by the raw profile
//! (`load::profile`, which deserializes them) and the validated model.
use super::Port;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Pattern {
    HybridSingleNode,
    HybridActiveActive,
    Distributed,
}

impl Pattern {
    pub const ALL: [Pattern; 3] = [
        Pattern::HybridSingleNode,
        Pattern::HybridActiveActive,
        Pattern::Distributed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Pattern::HybridSingleNode => "hybrid-single-node",
            Pattern::HybridActiveActive => "hybrid-active-active",
            Pattern::Distributed => "distributed",
        }
    }
}

/// The keystore file format (`[tls] format`), as Carbon's `<Type>` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StoreFormat {
    #[default]
    Jks,
    Pkcs12,
}

impl StoreFormat {
    /// File extension: `jks` or `p12`.
    pub fn extension(self) -> &'static str {
        match self {
            StoreFormat::Jks => "jks",
            StoreFormat::Pkcs12 => "p12",
        }
    }
    /// Java `KeyStore` type: `JKS` or `PKCS12`.
    pub fn java_type(self) -> &'static str {
        match self {
            StoreFormat::Jks => "JKS",
            StoreFormat::Pkcs12 => "PKCS12",
        }
    }
}

/// How the nodes' and load balancers' certificates are issued (`[tls] mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TlsMode {
    // Each certificate signs itself; every truststore holds every certificate.
    #[default]
    SelfSigned,
    // A deployment CA issues every certificate; truststores hold the CA, not the nodes.
    PrivateCa,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum KeySharing {
    #[default]
    PerProduct,
    Deployment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DbType {
    #[default]
    H2,
    Mysql,
    Postgresql,
    Mssql,
    Oracle,
}

impl DbType {
    pub fn as_str(self) -> &'static str {
        match self {
            DbType::H2 => "h2",
            DbType::Mysql => "mysql",
            DbType::Postgresql => "postgresql",
            DbType::Mssql => "mssql",
            DbType::Oracle => "oracle",
        }
    }

    /// The database server this type runs on; `None` for the embedded H2.
    pub fn server(self) -> Option<DbServerType> {
        match self {
            DbType::H2 => None,
            DbType::Mysql => Some(DbServerType::Mysql),
            DbType::Postgresql => Some(DbServerType::Postgresql),
            DbType::Mssql => Some(DbServerType::Mssql),
            DbType::Oracle => Some(DbServerType::Oracle),
        }
    }
}

/// A database that runs as a server (every `DbType` but H2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbServerType {
    Mysql,
    Postgresql,
    Mssql,
    Oracle,
}

impl DbServerType {
    pub fn db_type(self) -> DbType {
        match self {
            DbServerType::Mysql => DbType::Mysql,
            DbServerType::Postgresql => DbType::Postgresql,
            DbServerType::Mssql => DbType::Mssql,
            DbServerType::Oracle => DbType::Oracle,
        }
    }
    pub fn as_str(self) -> &'static str {
        self.db_type().as_str()
    }
    /// The port the server listens on out of the box.
    pub fn default_port(self) -> Port {
        Port::stock(match self {
            DbServerType::Mysql => 3306,
            DbServerType::Postgresql => 5432,
            DbServerType::Mssql => 1433,
            DbServerType::Oracle => 1521,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum UserStoreType {
    #[default]
    Jdbc,
    EmbeddedLdap,
    Ldap,
}

impl UserStoreType {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStoreType::Jdbc => "jdbc",
            UserStoreType::EmbeddedLdap => "embedded-ldap",
            UserStoreType::Ldap => "ldap",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum KmClient {
    #[default]
    Ws,
    Thrift,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
pub enum SignatureAlgorithm {
    #[default]
    #[serde(rename = "SHA256withRSA")]
    Sha256WithRsa,
    #[serde(rename = "NONE")]
    None,
}

impl SignatureAlgorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureAlgorithm::Sha256WithRsa => "SHA256withRSA",
            SignatureAlgorithm::None => "NONE",
        }
    }
}

/// `[gateway] sync`, `[traffic_manager] sync`: no default, since neither works unasked (NFS
/// needs a share, rsync a direction every node deploys in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SyncMode {
    Nfs,
    Rsync,
}

impl SyncMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncMode::Nfs => "nfs",
            SyncMode::Rsync => "rsync",
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    KeyManager,
    AllInOne,
    Publisher,
    Store,
    TrafficManager,
    Gateway,
    GatewayManager,
    GatewayWorker,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::KeyManager,
        Role::AllInOne,
        Role::Publisher,
        Role::Store,
        Role::TrafficManager,
        Role::Gateway,
        Role::GatewayManager,
        Role::GatewayWorker,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::KeyManager => "key-manager",
            Role::AllInOne => "all-in-one",
            Role::Publisher => "publisher",
            Role::Store => "store",
            Role::TrafficManager => "traffic-manager",
            Role::Gateway => "gateway",
            Role::GatewayManager => "gateway-manager",
            Role::GatewayWorker => "gateway-worker",
        }
    }

    /// IS-KM nodes run the prepackaged Identity Server; every other role runs API-M.
    pub fn is_key_manager(self) -> bool {
        self == Role::KeyManager
    }

    /// Whether the role opens the shared databases (WSO2AM_DB, WSO2UM_DB, WSO2REG_DB):
    /// understanding-distributed-deployment.md, the traffic manager uses none of them; every
    /// other role keeps all three (the gateway for multi-tenancy).
    pub fn uses_shared_databases(self) -> bool {
        self != Role::TrafficManager
    }

    /// Roles that serve API traffic (NIO 8243/8280) and take part in gateway clustering.
    pub fn is_gateway(self) -> bool {
        matches!(
            self,
            Role::AllInOne | Role::Gateway | Role::GatewayManager | Role::GatewayWorker
        )
    }
}
