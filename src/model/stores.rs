//! Where a deployment keeps its data: the shared databases (one H2 server or a database
//! server) and the primary user store (JDBC, the IS-KM's embedded LDAP, or an external LDAP).
use super::{DbServerType, DbType, Host, Port, Secret, UserStoreType};

#[derive(Debug, Clone)]
pub struct Database {
    pub engine: DbEngine,
    pub am: DbConnection,
    pub um: DbConnection,
    pub reg: DbConnection,
}

/// One H2 server every node shares (for trying kmgen out), or a database server.
#[derive(Debug, Clone)]
pub enum DbEngine {
    H2(H2Server),
    Server(DbServer),
}

/// The H2 TCP server that `databases/h2/start-h2-server.sh` starts from a pack's own H2 jar.
#[derive(Debug, Clone)]
pub struct H2Server {
    /// The host the nodes' JDBC URLs name (`[database] host`).
    pub host: Host,
    pub port: Port,
    /// The machine it runs on: `host`, or for a loopback `host` the one host of the nodes.
    pub machine: Host,
}

impl H2Server {
    /// H2 accepts only local clients unless started with `-tcpAllowOthers`, and it counts as
    /// local only a loopback address or the address of `InetAddress.getLocalHost()`
    /// (h2database/h2database@version-1.3:version-1.3.175/h2/src/main/org/h2/util/NetUtils.java
    /// `isLocalAddress`; Debian maps the host name to 127.0.1.1): nodes that connect by any
    /// other name need it, even from the same machine.
    pub fn allow_others(&self) -> bool {
        !self.host.is_loopback()
    }

    /// `host:port` as a JDBC URL writes it: an IPv6 address in brackets (RFC 2732, as H2's
    /// `NetUtils.createSocket` reads it).
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

#[derive(Debug, Clone)]
pub struct DbServer {
    pub db_type: DbServerType,
    pub host: Host,
    pub port: Port,
}

impl Database {
    pub fn db_type(&self) -> DbType {
        match &self.engine {
            DbEngine::H2(_) => DbType::H2,
            DbEngine::Server(s) => s.db_type.db_type(),
        }
    }
    /// The database server; `None` for H2.
    pub fn server(&self) -> Option<&DbServer> {
        match &self.engine {
            DbEngine::H2(_) => None,
            DbEngine::Server(s) => Some(s),
        }
    }
    /// The H2 server; `None` for a database server.
    pub fn h2(&self) -> Option<&H2Server> {
        match &self.engine {
            DbEngine::H2(h) => Some(h),
            DbEngine::Server(_) => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct DbConnection {
    /// Database name (h2: the database's file name on the H2 server; oracle: service name).
    pub name: String,
    pub url: String,
    pub username: String,
    pub password: Secret,
}

/// The primary user store of every node.
#[derive(Debug, Clone)]
pub enum UserStore {
    /// The stock JDBC user store, in WSO2UM_DB.
    Jdbc,
    /// The ApacheDS embedded in the IS-KM (one key-manager node only).
    EmbeddedLdap,
    /// An LDAP server of the operator's.
    Ldap(Box<ExternalLdap>),
}

impl UserStore {
    pub fn kind(&self) -> UserStoreType {
        match self {
            UserStore::Jdbc => UserStoreType::Jdbc,
            UserStore::EmbeddedLdap => UserStoreType::EmbeddedLdap,
            UserStore::Ldap(_) => UserStoreType::Ldap,
        }
    }
}

/// An external LDAP, every `user-mgt.xml` value resolved (defaults and derived filters).
#[derive(Debug, Clone)]
pub struct ExternalLdap {
    pub url: String,
    pub bind_dn: String,
    pub bind_password: Secret,
    /// `ReadOnlyLDAPUserStoreManager` rather than `ReadWriteLDAPUserStoreManager`.
    pub read_only: bool,
    pub user_search_base: String,
    pub group_search_base: String,
    pub schema: LdapSchema,
}

impl ExternalLdap {
    /// An `ldaps://` URL: the nodes' truststores must hold the server's CA.
    pub fn is_ldaps(&self) -> bool {
        self.url.starts_with("ldaps://")
    }
}

/// How users and groups look in an LDAP: classes, naming attributes and search filters.
/// Serialized as the `user-mgt.xml` properties' values (the view flattens it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LdapSchema {
    /// `UserEntryObjectClass`: a class, or a `/`-separated hierarchy of them.
    pub user_entry_object_class: String,
    pub user_name_attribute: String,
    /// `UserNameSearchFilter`: `?` is the user name.
    pub user_name_search_filter: String,
    pub user_name_list_filter: String,
    pub group_entry_object_class: String,
    pub group_name_attribute: String,
    pub group_name_search_filter: String,
    pub group_name_list_filter: String,
    pub membership_attribute: String,
}
