//! Validate phase: profile → model, collecting every problem with its key path and a fix.
//!
//! Nothing here stops at the first problem: each check pushes onto `Problems` and carries on
//! with a placeholder, so an operator sees the whole list at once.
use crate::diagnostic::{Problem, Problems};
use crate::load::net;
use crate::load::profile::{
    self, DbType, KeySharing, KmClient, Pattern, Profile, Role, SyncMode, UserStoreType,
};
use crate::model::{self, Deployment, Endpoint, Node, Secret};
use crate::topology::{self, ports};
use std::collections::BTreeMap;
use std::path::Path;

/// Where secrets and `extra_trusted` files are looked up.
pub struct Env<'a> {
    /// Directory of the profile file: `{ file = ... }` and `extra_trusted` are relative to it.
    pub base_dir: &'a Path,
    pub var: &'a dyn Fn(&str) -> Option<String>,
}

/// The highest offset that keeps every offset port (the largest is Thrift, 10397) valid.
pub const MAX_PORT_OFFSET: i64 = 65535 - 10397;

pub fn validate(p: &Profile, env: &Env) -> Result<Deployment, Vec<Problem>> {
    let mut pr = Problems::default();
    check_deployment(&p.deployment, &mut pr);
    let admin = model::Admin {
        username: non_empty(
            &p.admin.username,
            "admin.username",
            "the admin user name, e.g. \"admin\"",
            &mut pr,
        ),
        password: secret(&p.admin.password, "admin.password", 1, env, &mut pr),
    };
    let tls = check_tls(&p.tls, env, &mut pr);
    let nodes = check_nodes(&p.nodes, &mut pr);
    let database = check_database(&p.database, env, &mut pr);
    let user_store = check_user_store(&p.user_store, env, &mut pr);
    let key_manager = model::KeyManager {
        client: p.key_manager.client,
        encrypt_oauth_keys: p.key_manager.encrypt_oauth_keys,
        load_balancer: p
            .key_manager
            .load_balancer
            .as_ref()
            .map(|lb| endpoint(lb, "key_manager.load_balancer", &mut pr)),
    };
    if p.jwt.consumer_dialect_uri.trim().is_empty() {
        pr.push(
            "jwt.consumer_dialect_uri",
            "is empty",
            "set the claim dialect, e.g. \"http://wso2.org/claims\"",
        );
    }
    let jwt = model::Jwt {
        enabled: p.jwt.enabled,
        claims_retriever: p.jwt.claims_retriever,
        consumer_dialect_uri: p.jwt.consumer_dialect_uri.clone(),
        signature_algorithm: p.jwt.signature_algorithm,
    };
    let gateway = model::Gateway {
        hazelcast: p.gateway.hazelcast,
        sync: p.gateway.sync,
        load_balancer: p.gateway.load_balancer.as_ref().map(|lb| {
            host(&lb.host, "gateway.load_balancer.host", &mut pr);
            port(lb.https_port, "gateway.load_balancer.https_port", &mut pr);
            port(lb.http_port, "gateway.load_balancer.http_port", &mut pr);
            model::GatewayLoadBalancer {
                host: lb.host.to_ascii_lowercase(),
                https_port: lb.https_port,
                http_port: lb.http_port,
            }
        }),
    };
    let apim_load_balancer = p
        .apim
        .load_balancer
        .as_ref()
        .map(|lb| endpoint(lb, "apim.load_balancer", &mut pr));
    let tm_load_balancer = p
        .traffic_manager
        .load_balancer
        .as_ref()
        .map(|lb| endpoint(lb, "traffic_manager.load_balancer", &mut pr));
    let d = Deployment {
        name: p.deployment.name.clone(),
        pattern: p.deployment.pattern,
        apim_version: p.deployment.apim_version.clone(),
        is_km_version: p.deployment.is_km_version.clone(),
        admin,
        tls,
        database,
        user_store,
        key_manager,
        jwt,
        gateway,
        apim_load_balancer,
        tm_load_balancer,
        nodes,
    };
    if !p.nodes.is_empty() {
        check_topology(&d, &mut pr);
        check_ports(&d, &mut pr);
    }
    if pr.0.is_empty() {
        Ok(d)
    } else {
        Err(pr.0)
    }
}

/// Non-fatal notes about a valid profile (printed by `check` and `build`, never errors).
pub fn warnings(d: &Deployment) -> Vec<String> {
    let mut w = Vec::new();
    if d.database.db_type == DbType::H2 {
        w.push(
            "database.type = \"h2\": every node keeps its own embedded H2 files, so API-M and the Key Manager \
             share no data; use it to try kmgen out, and a real database for any deployment"
                .to_string(),
        );
    }
    if d.admin.password.expose() == "admin" {
        w.push(
            "admin.password is the stock \"admin\"; set a real one before going to production"
                .to_string(),
        );
    }
    w
}

fn check_deployment(d: &profile::Deployment, pr: &mut Problems) {
    if !net::is_name(&d.name) {
        pr.push(
            "deployment.name",
            format!("`{}` is not a valid deployment name", d.name),
            "use lowercase letters, digits and dashes, starting with a letter or digit (it names the output folder)",
        );
    }
    let apim_ok = d.apim_version == "2.6.0"
        || d.apim_version == "2.6.0-wum"
        || d.apim_version
            .strip_prefix("2.6.0-update-")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if !apim_ok {
        pr.push(
            "deployment.apim_version",
            format!(
                "`{}` is not an API-M 2.6.0 build kmgen knows",
                d.apim_version
            ),
            "use \"2.6.0\", \"2.6.0-wum\" or \"2.6.0-update-<N>\"",
        );
    } else if d.apim_version.starts_with("2.6.0-update-") {
        pr.push(
            "deployment.apim_version",
            format!("API-M `{}` is not compatible with any IS-KM 5.7.0 build", d.apim_version),
            "the compatibility matrix allows only API-M 2.6.0 GA (\"2.6.0\") or a WUM update (\"2.6.0-wum\") with IS-KM 5.7.0",
        );
    }
    if d.is_km_version != "5.7.0" && d.is_km_version != "5.7.0-wum" {
        pr.push(
            "deployment.is_km_version",
            format!("`{}` is not an IS-KM build kmgen knows", d.is_km_version),
            "use \"5.7.0\" or \"5.7.0-wum\"",
        );
    }
}

fn check_tls(t: &profile::Tls, env: &Env, pr: &mut Problems) -> model::Tls {
    if t.key_alias.is_empty()
        || !t
            .key_alias
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        pr.push(
            "tls.key_alias",
            format!("`{}` is not a usable key alias", t.key_alias),
            "use letters, digits, `.`, `_` or `-`, e.g. \"wso2carbon\"",
        );
    }
    if ![2048, 3072, 4096].contains(&t.key_bits) {
        pr.push(
            "tls.key_bits",
            format!("{} is not a supported RSA key size", t.key_bits),
            "use 2048, 3072 or 4096",
        );
    }
    if !(1..=36500).contains(&t.validity_days) {
        pr.push(
            "tls.validity_days",
            format!("{} days is out of range", t.validity_days),
            "use 1 to 36500 days (the default is 3650)",
        );
    }
    let mut extra_trusted = Vec::new();
    for (i, file) in t.extra_trusted.iter().enumerate() {
        let key = format!("tls.extra_trusted[{i}]");
        let path = env.base_dir.join(file);
        match std::fs::read(&path) {
            Err(e) => pr.push(
                key,
                format!("cannot read `{}`: {e}", path.display()),
                "give the path of a PEM certificate file, relative to the profile",
            ),
            Ok(bytes) => match net::pem_certificates(&bytes) {
                Ok(certs) if !certs.is_empty() => extra_trusted.push(model::ExtraTrusted {
                    path,
                    certificates: certs,
                }),
                Ok(_) => pr.push(
                    key,
                    format!("`{}` holds no `BEGIN CERTIFICATE` block", path.display()),
                    "give a PEM file with one or more certificates",
                ),
                Err(e) => pr.push(
                    key,
                    format!(
                        "`{}` is not a readable PEM certificate file: {e}",
                        path.display()
                    ),
                    "give a PEM file with one or more certificates",
                ),
            },
        }
    }
    model::Tls {
        format: t.format,
        keystore_password: secret(&t.keystore_password, "tls.keystore_password", 6, env, pr),
        truststore_password: secret(
            &t.truststore_password,
            "tls.truststore_password",
            6,
            env,
            pr,
        ),
        key_alias: t.key_alias.clone(),
        key_bits: t.key_bits,
        validity_days: t.validity_days,
        key_sharing: t.key_sharing,
        public_roots: t.public_roots,
        extra_trusted,
    }
}

fn check_nodes(nodes: &[profile::Node], pr: &mut Problems) -> Vec<Node> {
    if nodes.is_empty() {
        pr.push(
            "node",
            "the profile has no [[node]] tables",
            "add one [[node]] table per server, with name, role and host",
        );
    }
    let mut seen = BTreeMap::new();
    nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let at = |k: &str| format!("node[{i}].{k}");
            if !net::is_name(&n.name) {
                pr.push(at("name"), format!("`{}` is not a valid node name", n.name), "use lowercase letters, digits and dashes, starting with a letter or digit");
            } else if let Some(first) = seen.insert(n.name.clone(), i) {
                pr.push(at("name"), format!("node name `{}` is already used by node[{first}]", n.name), "give every node a unique name");
            }
            host(&n.host, &at("host"), pr);
            for (j, extra) in n.extra_names.iter().enumerate() {
                host(extra, &at(&format!("extra_names[{j}]")), pr);
            }
            if !(0..=MAX_PORT_OFFSET).contains(&n.port_offset) {
                pr.push(
                    at("port_offset"),
                    format!("offset {} is out of range", n.port_offset),
                    format!("use 0 to {MAX_PORT_OFFSET}, so that every offset port (Thrift 10397 + offset) stays a valid port"),
                );
            }
            Node {
                name: n.name.clone(),
                role: n.role,
                host: n.host.to_ascii_lowercase(),
                port_offset: n.port_offset.clamp(0, MAX_PORT_OFFSET) as u16,
                extra_names: n.extra_names.iter().map(|e| e.to_ascii_lowercase()).collect(),
            }
        })
        .collect()
}

fn check_database(db: &profile::Database, env: &Env, pr: &mut Problems) -> model::Database {
    let t = db.db_type;
    if t == DbType::H2 {
        if db.host.is_some() {
            pr.push(
                "database.host",
                "h2 is embedded in each node and takes no host",
                "remove database.host, or set database.type to a server database",
            );
        }
        if db.port.is_some() {
            pr.push(
                "database.port",
                "h2 is embedded in each node and takes no port",
                "remove database.port, or set database.type to a server database",
            );
        }
    } else {
        match &db.host {
            None => pr.push(
                "database.host",
                format!("{} needs the database server's host", t.as_str()),
                "set database.host = \"db.example.com\"",
            ),
            Some(h) => host(h, "database.host", pr),
        }
        if db.port == Some(0) {
            pr.push(
                "database.port",
                "port 0 is not a valid port",
                format!("use 1 to 65535 (default {})", default_db_port(t)),
            );
        }
    }
    let host_port = format!(
        "{}:{}",
        db.host.as_deref().unwrap_or(""),
        db.port.unwrap_or(default_db_port(t))
    );
    let conn = |c: &profile::DbCredentials,
                key: &str,
                h2_file: &str,
                default_name: &str,
                pr: &mut Problems| {
        let name = c.name.clone().unwrap_or_else(|| {
            if t == DbType::H2 {
                h2_file.to_string()
            } else {
                default_name.to_string()
            }
        });
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            || name.is_empty()
        {
            pr.push(
                format!("database.{key}.name"),
                format!("`{name}` is not a usable database name"),
                "use letters, digits, `_` or `-`",
            );
        }
        let (username, password) = if t == DbType::H2 {
            let pw = c
                .password
                .as_ref()
                .map(|s| secret(s, &format!("database.{key}.password"), 1, env, pr));
            (
                c.username.clone().unwrap_or_else(|| "wso2carbon".into()),
                pw.unwrap_or_else(|| Secret::new("wso2carbon".into())),
            )
        } else {
            let username = c.username.clone().unwrap_or_else(|| {
                pr.push(
                    format!("database.{key}.username"),
                    format!("{} needs a user name for this database", t.as_str()),
                    format!("set [database.{key}] username = \"...\""),
                );
                String::new()
            });
            let password = match &c.password {
                Some(s) => secret(s, &format!("database.{key}.password"), 1, env, pr),
                None => {
                    pr.push(
                        format!("database.{key}.password"),
                        format!("{} needs a password for this database", t.as_str()),
                        format!("set [database.{key}] password = {{ env = \"VAR\" }} (or a string, or {{ file = \"path\" }})"),
                    );
                    Secret::new(String::new())
                }
            };
            (username, password)
        };
        if t == DbType::Oracle
            && !username.is_empty()
            && !(username.starts_with(|c: char| c.is_ascii_alphabetic())
                && username
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            pr.push(
                format!("database.{key}.username"),
                format!("`{username}` is not an Oracle user name kmgen can create (the JDBC login upper-cases it)"),
                "use letters, digits and `_`, starting with a letter",
            );
        }
        if t == DbType::Oracle && password.expose().contains('"') {
            pr.push(
                format!("database.{key}.password"),
                "contains `\"`, which an Oracle password cannot hold",
                "choose a password without double quotes",
            );
        }
        model::DbConnection {
            name: name.clone(),
            url: jdbc_url(t, &host_port, &name),
            username,
            password,
        }
    };
    let d = model::Database {
        db_type: t,
        host: db.host.clone().unwrap_or_default().to_ascii_lowercase(),
        port: if t == DbType::H2 {
            0
        } else {
            db.port.unwrap_or(default_db_port(t))
        },
        am: conn(&db.am, "am", "WSO2AM_DB", "apimgtdb", pr),
        um: conn(&db.um, "um", "WSO2UM_DB", "userdb", pr),
        reg: conn(&db.reg, "reg", "WSO2REG_DB", "regdb", pr),
    };
    // One server user has one password: the scripts in databases/ create each user once. On
    // PostgreSQL one database has one user: its owner creates the tables, which another user
    // could not read (MySQL and SQL Server grant the whole database to each user; on Oracle
    // each user is its own schema in the service).
    let all = [("am", &d.am), ("um", &d.um), ("reg", &d.reg)];
    if t == DbType::Postgresql {
        for (i, (key, c)) in all.iter().enumerate() {
            if let Some((first, o)) = all[..i]
                .iter()
                .find(|(_, o)| o.name == c.name && o.username != c.username)
            {
                pr.push(
                    format!("database.{key}.username"),
                    format!(
                        "database `{}` is also database.{first}'s, whose user is `{}`: one database has one user",
                        c.name, o.username
                    ),
                    format!("use username = \"{}\" here too, or a database of its own (database.{key}.name)", o.username),
                );
            }
        }
    }
    if t != DbType::H2 {
        for (i, (key, c)) in all.iter().enumerate() {
            if let Some((first, _)) = all[..i].iter().find(|(_, o)| {
                o.username == c.username && o.password.expose() != c.password.expose()
            }) {
                pr.push(
                    format!("database.{key}.password"),
                    format!("user `{}` has another password in database.{first}", c.username),
                    format!("give database.{key} the same password as database.{first}, or another username"),
                );
            }
        }
    }
    d
}

pub fn default_db_port(t: DbType) -> u16 {
    match t {
        DbType::H2 => 0,
        DbType::Mysql => 3306,
        DbType::Postgresql => 5432,
        DbType::Mssql => 1433,
        DbType::Oracle => 1521,
    }
}

/// The JDBC URL of one database, as the WSO2 database docs write it for each type.
fn jdbc_url(t: DbType, host_port: &str, name: &str) -> String {
    match t {
        DbType::H2 => format!("jdbc:h2:repository/database/{name};DB_CLOSE_ON_EXIT=FALSE"),
        DbType::Mysql => format!("jdbc:mysql://{host_port}/{name}?autoReconnect=true&useSSL=false"),
        DbType::Postgresql => format!("jdbc:postgresql://{host_port}/{name}"),
        DbType::Mssql => format!(
            "jdbc:sqlserver://{host_port};databaseName={name};SendStringParametersAsUnicode=false"
        ),
        DbType::Oracle => format!("jdbc:oracle:thin:@{host_port}/{name}"),
    }
}

fn check_user_store(u: &profile::UserStore, env: &Env, pr: &mut Problems) -> model::UserStore {
    let given = [
        ("url", u.url.is_some()),
        ("bind_dn", u.bind_dn.is_some()),
        ("bind_password", u.bind_password.is_some()),
        ("user_search_base", u.user_search_base.is_some()),
        ("group_search_base", u.group_search_base.is_some()),
    ];
    if u.store_type != UserStoreType::Ldap {
        for (key, set) in given {
            if set {
                pr.push(
                    format!("user_store.{key}"),
                    "is only used with user_store.type = \"ldap\"",
                    "remove it, or set user_store.type = \"ldap\"",
                );
            }
        }
        return model::UserStore {
            store_type: u.store_type,
            ldap: None,
        };
    }
    let mut need = |v: &Option<String>, key: &str, example: &str| match v {
        Some(s) if !s.trim().is_empty() => s.clone(),
        _ => {
            pr.push(
                format!("user_store.{key}"),
                "is required with user_store.type = \"ldap\"",
                format!("set user_store.{key} = \"{example}\""),
            );
            String::new()
        }
    };
    let url = need(&u.url, "url", "ldap://ldap.example.com:389");
    let bind_dn = need(&u.bind_dn, "bind_dn", "uid=admin,ou=system");
    let user_search_base = need(
        &u.user_search_base,
        "user_search_base",
        "ou=Users,dc=example,dc=com",
    );
    let group_search_base = need(
        &u.group_search_base,
        "group_search_base",
        "ou=Groups,dc=example,dc=com",
    );
    let is_ldap_url = url.starts_with("ldap://") || url.starts_with("ldaps://");
    if !url.is_empty() && !is_ldap_url {
        pr.push(
            "user_store.url",
            format!("`{url}` is not an LDAP URL"),
            "use ldap://host:port or ldaps://host:port",
        );
    }
    let bind_password = match &u.bind_password {
        Some(s) => secret(s, "user_store.bind_password", 1, env, pr),
        None => {
            pr.push(
                "user_store.bind_password",
                "is required with user_store.type = \"ldap\"",
                "set user_store.bind_password = { env = \"LDAP_BIND_PASSWORD\" }",
            );
            Secret::new(String::new())
        }
    };
    model::UserStore {
        store_type: u.store_type,
        ldap: Some(model::ExternalLdap {
            url,
            bind_dn,
            bind_password,
            user_search_base,
            group_search_base,
        }),
    }
}

fn check_topology(d: &Deployment, pr: &mut Problems) {
    let count = |r: Role| d.nodes_with(r).count();
    let pattern = d.pattern.as_str();
    let allowed: &[Role] = match d.pattern {
        Pattern::HybridSingleNode | Pattern::HybridActiveActive => {
            &[Role::AllInOne, Role::KeyManager]
        }
        Pattern::Distributed => &[
            Role::KeyManager,
            Role::Publisher,
            Role::Store,
            Role::TrafficManager,
            Role::Gateway,
            Role::GatewayManager,
            Role::GatewayWorker,
        ],
    };
    for (i, n) in d.nodes.iter().enumerate() {
        if !allowed.contains(&n.role) {
            let list: Vec<_> = allowed.iter().map(|r| r.as_str()).collect();
            pr.push(
                format!("node[{i}].role"),
                format!(
                    "role `{}` does not belong in a {pattern} deployment",
                    n.role.as_str()
                ),
                format!("use one of: {}", list.join(", ")),
            );
        }
    }
    let need = |pr: &mut Problems, role: Role, min: usize, max: Option<usize>| {
        let n = count(role);
        let ok = n >= min && max.is_none_or(|m| n <= m);
        if !ok {
            let (want, top) = match max {
                Some(m) if m == min => (format!("exactly {min}"), m),
                Some(m) => (format!("{min} to {m}"), m),
                None => (format!("at least {min}"), min),
            };
            let nodes = if top == 1 { "node" } else { "nodes" };
            // Too few: the problem is the node list. Too many: the first node too many.
            let (fix, path) = if n < min {
                ("add", "node".to_string())
            } else {
                let extra = d
                    .nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, x)| x.role == role)
                    .nth(top)
                    .map(|(i, _)| i);
                (
                    "remove",
                    extra.map_or("node".to_string(), |i| format!("node[{i}].role")),
                )
            };
            pr.push(
                path,
                format!(
                    "a {pattern} deployment needs {want} `{}` {nodes}; the profile has {n}",
                    role.as_str()
                ),
                format!("{fix} [[node]] tables with role = \"{}\"", role.as_str()),
            );
        }
    };
    match d.pattern {
        Pattern::HybridSingleNode => {
            need(pr, Role::AllInOne, 1, Some(1));
            need(pr, Role::KeyManager, 1, Some(1));
        }
        Pattern::HybridActiveActive => {
            need(pr, Role::AllInOne, 2, Some(2));
            need(pr, Role::KeyManager, 1, None);
        }
        Pattern::Distributed => {
            for role in [
                Role::KeyManager,
                Role::Publisher,
                Role::Store,
                Role::TrafficManager,
            ] {
                need(pr, role, 1, None);
            }
            check_gateway_roles(d, pr);
        }
    }
    // The `role` of the second node matching `pred`: where a missing load balancer table
    // becomes necessary.
    let second = |pred: &dyn Fn(Role) -> bool| {
        d.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| pred(n.role))
            .nth(1)
            .map(|(i, _)| format!("node[{i}].role"))
    };
    let kms = count(Role::KeyManager);
    if kms > 1 && d.key_manager.load_balancer.is_none() {
        pr.push_at(
            "key_manager.load_balancer",
            second(&|r| r == Role::KeyManager),
            format!("{kms} key-manager nodes need a load balancer in front of them"),
            "set key_manager.load_balancer = { host = \"km.example.com\", port = 443 }",
        );
    }
    if d.key_manager.client == KmClient::Thrift
        && (kms > 1 || d.key_manager.load_balancer.is_some())
    {
        pr.push(
            "key_manager.client",
            "thrift cannot run behind a load balancer: Thrift sessions are bound to one Key Manager",
            "use key_manager.client = \"ws\" (WSClient, as the doc recommends for HA), or one key-manager node without a load balancer",
        );
    }
    if d.user_store.store_type == UserStoreType::EmbeddedLdap && kms > 1 {
        pr.push(
            "user_store.type",
            "embedded-ldap with several key-manager nodes: each IS-KM has its own embedded LDAP, so users would differ per node",
            "use user_store.type = \"jdbc\" or an external \"ldap\" shared by all nodes",
        );
    }
    if d.key_manager.encrypt_oauth_keys && d.tls.key_sharing != KeySharing::Deployment {
        pr.push(
            "key_manager.encrypt_oauth_keys",
            "encrypted OAuth keys need one key pair on every node: the Store decrypts what the Key Manager encrypted",
            "set tls.key_sharing = \"deployment\"",
        );
    }
    let gateways = d
        .nodes
        .iter()
        .filter(|n| n.role.is_gateway() && n.role != Role::GatewayManager)
        .count();
    if gateways > 1 && d.gateway.load_balancer.is_none() {
        pr.push_at(
            "gateway.load_balancer",
            second(&|r| r.is_gateway() && r != Role::GatewayManager),
            format!("{gateways} nodes serve API traffic but no gateway load balancer is set: the Key Manager's RevokeAPIURL and the gateway endpoints need one address"),
            "set gateway.load_balancer = { host = \"gw.example.com\", https_port = 443, http_port = 80 }",
        );
    }
    let apim_front = count(Role::Publisher).max(count(Role::Store));
    if apim_front > 1 && d.apim_load_balancer.is_none() {
        let role = if count(Role::Publisher) > 1 {
            Role::Publisher
        } else {
            Role::Store
        };
        pr.push_at(
            "apim.load_balancer",
            second(&|r| r == role),
            "several publisher or store nodes need a load balancer in front of them",
            "set apim.load_balancer = { host = \"apim.example.com\", port = 443 }",
        );
    }
    let tms = count(Role::TrafficManager);
    if tms > 1 && d.tm_load_balancer.is_none() {
        pr.push_at(
            "traffic_manager.load_balancer",
            second(&|r| r == Role::TrafficManager),
            format!("{tms} traffic-manager nodes but no load balancer in front of them: the Publisher deploys throttling policies to one address (PolicyDeployer/ServiceURL)"),
            "set traffic_manager.load_balancer = { host = \"tm.example.com\", port = 443 }",
        );
    }
    if tms == 0 && d.tm_load_balancer.is_some() {
        pr.push(
            "traffic_manager.load_balancer",
            "is set but the profile has no traffic-manager nodes (all-in-one nodes run their own)",
            "remove [traffic_manager], or add traffic-manager nodes (pattern = \"distributed\")",
        );
    }
}

fn check_gateway_roles(d: &Deployment, pr: &mut Problems) {
    let gw = d.nodes_with(Role::Gateway).count();
    let managers = d.nodes_with(Role::GatewayManager).count();
    let workers = d.nodes_with(Role::GatewayWorker).count();
    match d.gateway.sync {
        SyncMode::Rsync => {
            if gw > 0 && managers + workers > 0 {
                pr.push("gateway.sync", "mixing `gateway` nodes with `gateway-manager` / `gateway-worker` nodes", "with sync = \"rsync\" use one gateway-manager and one or more gateway-worker nodes");
            } else if managers + workers > 0 && (managers != 1 || workers == 0) {
                pr.push("node", format!("sync = \"rsync\" needs exactly 1 gateway-manager and at least 1 gateway-worker; the profile has {managers} and {workers}"), "add or remove gateway-manager / gateway-worker nodes");
            } else if gw > 1 {
                pr.push("gateway.sync", format!("{gw} `gateway` nodes with sync = \"rsync\": rsync needs one manager that the workers copy from"), "set gateway.sync = \"nfs\", or use one gateway-manager and gateway-worker nodes");
            } else if gw == 0 && managers == 0 {
                pr.push("node", "a distributed deployment needs a gateway: `gateway` nodes or a gateway-manager with gateway-workers", "add a [[node]] with role = \"gateway\"");
            }
        }
        SyncMode::Nfs => {
            if managers + workers > 0 {
                pr.push("gateway.sync", "gateway-manager / gateway-worker nodes go with sync = \"rsync\"; with \"nfs\" every gateway is manager and worker", "set gateway.sync = \"rsync\", or use role = \"gateway\" for every gateway node");
            } else if gw == 0 {
                pr.push(
                    "node",
                    "a distributed deployment needs at least 1 `gateway` node",
                    "add a [[node]] with role = \"gateway\"",
                );
            }
        }
    }
}

/// Two nodes on one host must not listen on the same port after their offsets.
fn check_ports(d: &Deployment, pr: &mut Problems) {
    let mut taken: BTreeMap<(String, u32), (usize, &'static str)> = BTreeMap::new();
    for (i, n) in d.nodes.iter().enumerate() {
        for (label, p) in ports::listening(d, n) {
            if let Some((j, other)) = taken.get(&(n.host.clone(), p)) {
                let first = &d.nodes[*j];
                pr.push(
                    format!("node[{i}].port_offset"),
                    format!("port {p} on {} is used by both `{}` ({other}) and `{}` ({label})", n.host, first.name, n.name),
                    format!("give nodes on one host different port offsets (node `{}` has {}, node `{}` has {})", first.name, first.port_offset, n.name, n.port_offset),
                );
                break;
            }
            taken.insert((n.host.clone(), p), (i, label));
        }
    }
    // A load balancer's listening ports must be free on its host: of nodes that share the
    // host, and of the other load balancers (two on one name would need one nginx `server`).
    let mut lb_taken: BTreeMap<(String, u32), String> = BTreeMap::new();
    for lb in topology::load_balancers(d) {
        for r in &lb.routes {
            // `gateway.load_balancer.https_port` → `gateway.load_balancer`.
            let table = r.key.rsplit_once('.').map_or(r.key, |(t, _)| t);
            let at = (lb.host.clone(), r.listen);
            let other = taken
                .get(&at)
                .map(|(j, label)| format!("node `{}` ({label})", d.nodes[*j].name))
                .or_else(|| lb_taken.get(&at).cloned());
            if let Some(other) = other {
                pr.push(
                    r.key,
                    format!("{table} listens on {}:{} ({}), which {other} also uses", lb.host, r.listen, r.what),
                    "give each load balancer its own host name, or a port nothing else on that host uses",
                );
            }
            lb_taken.insert(at, format!("{table} ({})", r.what));
        }
    }
}

fn non_empty(v: &str, key: &str, example: &str, pr: &mut Problems) -> String {
    if v.trim().is_empty() {
        pr.push(key, "is empty", format!("set {key} to {example}"));
    }
    v.to_string()
}

fn host(h: &str, key: &str, pr: &mut Problems) {
    if !net::is_host(h) {
        pr.push(
            key,
            format!("`{h}` is not a valid host name or IP address"),
            "use a DNS name (letters, digits, dashes, dots) or an IPv4/IPv6 address",
        );
    } else if h.eq_ignore_ascii_case("localhost") || h.starts_with("127.") {
        pr.push(
            key,
            format!("`{h}` is a loopback address: other nodes cannot reach it"),
            "use the DNS name or IP address that the other nodes use to reach this one",
        );
    }
}

fn port(p: u16, key: &str, pr: &mut Problems) {
    if p == 0 {
        pr.push(key, "port 0 is not a valid port", "use 1 to 65535");
    }
}

fn endpoint(lb: &profile::LoadBalancer, key: &str, pr: &mut Problems) -> Endpoint {
    host(&lb.host, &format!("{key}.host"), pr);
    port(lb.port, &format!("{key}.port"), pr);
    Endpoint {
        host: lb.host.to_ascii_lowercase(),
        port: lb.port,
    }
}

/// Resolves a secret and checks it is usable: printable ASCII (the JKS format and the
/// product's config parsers mangle anything else) and at least `min_len` characters.
fn secret(s: &profile::Secret, key: &str, min_len: usize, env: &Env, pr: &mut Problems) -> Secret {
    let value = match s {
        profile::Secret::Literal(v) => Some(v.clone()),
        profile::Secret::Env(var) => {
            let v = (env.var)(var);
            if v.is_none() {
                pr.push(
                    key,
                    format!("environment variable `{var}` is not set"),
                    format!("export {var} before running kmgen, or give the secret another way"),
                );
            }
            v
        }
        profile::Secret::File(file) => {
            let path = env.base_dir.join(file);
            match std::fs::read_to_string(&path) {
                Ok(v) => Some(v.trim_end_matches(['\n', '\r']).to_string()),
                Err(e) => {
                    pr.push(
                        key,
                        format!("cannot read secret file `{}`: {e}", path.display()),
                        "give a readable file (relative to the profile) that holds only the secret",
                    );
                    None
                }
            }
        }
    };
    let Some(value) = value else {
        return Secret::new(String::new());
    };
    if !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        pr.push(key, "contains characters other than printable ASCII", "use printable ASCII characters only (Java keystores and Carbon's config readers mangle the rest)");
    } else if value.len() < min_len {
        let why = if min_len >= 6 {
            " (Java refuses shorter keystore passwords)"
        } else {
            ""
        };
        pr.push(
            key,
            format!("is shorter than {min_len} characters{why}"),
            format!("use at least {min_len} printable ASCII characters"),
        );
    }
    Secret::new(value)
}
