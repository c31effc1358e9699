//! Where a deployment keeps its data: the shared databases (embedded H2 or a server) and the
//! primary user store (JDBC, the IS-KM's embedded LDAP, or an external LDAP).
use super::{DbServerType, DbType, Host, Port, Secret, UserStoreType};

#[derive(Debug, Clone)]
pub struct Database {
    pub engine: DbEngine,
    pub am: DbConnection,
    pub um: DbConnection,
    pub reg: DbConnection,
}

/// The pack's embedded H2 (files on each node), or a database server every node shares.
#[derive(Debug, Clone)]
pub enum DbEngine {
    H2,
    Server(DbServer),
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
            DbEngine::H2 => DbType::H2,
            DbEngine::Server(s) => s.db_type.db_type(),
        }
    }
    /// The database server; `None` for H2.
    pub fn server(&self) -> Option<&DbServer> {
        match &self.engine {
            DbEngine::H2 => None,
            DbEngine::Server(s) => Some(s),
        }
    }
}

#[derive(Debug, Clone)]
pub struct DbConnection {
    /// Database name (h2: file name; oracle: service name).
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
