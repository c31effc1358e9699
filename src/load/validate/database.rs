//! `[database]`: the server (or the H2 server, see `h2`), and the three connections
//! WSO2AM_DB, WSO2UM_DB and WSO2REG_DB with their names, users and passwords.
use super::env::Env;
use super::h2;
use super::secrets::secret;
use super::values::{host, jdbc_address};
use crate::diagnostic::Problems;
use crate::load::profile::{self, DbCredentials};
use crate::model::{self, DbConnection, DbEngine, DbServer, DbType, Host, Node, Port, Secret};

/// What the three connections of one database share.
struct Server<'a> {
    t: DbType,
    /// `host:port` for the JDBC URLs (a server's host as the profile writes it).
    address: String,
    env: &'a Env<'a>,
}

/// One connection of `[database]`: its table, the H2 file name and the server's default name.
struct Connection<'a> {
    key: &'static str,
    credentials: &'a DbCredentials,
    h2_file: &'static str,
    default_name: &'static str,
}

pub(super) fn check_database(
    db: &profile::Database,
    nodes: &[Node],
    env: &Env,
    pr: &mut Problems,
) -> model::Database {
    let engine = engine(db, nodes, pr);
    let address = match &engine {
        DbEngine::H2(h) => h.address(),
        DbEngine::Server(s) => {
            jdbc_address(db.db_type, db.host.as_deref().unwrap_or(""), s.port.get())
        }
    };
    let server = Server {
        t: db.db_type,
        address,
        env,
    };
    let mut conn = |key, credentials, h2_file, default_name| {
        let c = Connection {
            key,
            credentials,
            h2_file,
            default_name,
        };
        connection(&server, &c, pr)
    };
    let d = model::Database {
        engine,
        // installing-and-configuring-databases.md, step 9: apimgtdb, userdb, regdb.
        am: conn("am", &db.am, "WSO2AM_DB", "apimgtdb"),
        um: conn("um", &db.um, "WSO2UM_DB", "userdb"),
        reg: conn("reg", &db.reg, "WSO2REG_DB", "regdb"),
    };
    check_users(&d, pr);
    if d.h2().is_some() {
        h2::check_names(&d, pr);
    }
    d
}

/// H2's server has defaults for both (see `h2::server`); a server needs its host, and has a
/// default port.
fn engine(db: &profile::Database, nodes: &[Node], pr: &mut Problems) -> DbEngine {
    let Some(t) = db.db_type.server() else {
        return DbEngine::H2(h2::server(db, nodes, pr));
    };
    let server_host = match &db.host {
        None => {
            pr.push(
                "database.host",
                format!("{} needs the database server's host", t.as_str()),
                "set database.host = \"db.example.com\"",
            );
            Host::unchecked("")
        }
        Some(h) => host(h, "database.host", pr),
    };
    let port = match db.port {
        None => t.default_port(),
        Some(p) => Port::new(p).unwrap_or_else(|| {
            pr.push(
                "database.port",
                "port 0 is not a valid port",
                format!("use 1 to 65535 (default {})", t.default_port()),
            );
            Port::unchecked(p)
        }),
    };
    DbEngine::Server(DbServer {
        db_type: t,
        host: server_host,
        port,
    })
}

fn connection(s: &Server, c: &Connection, pr: &mut Problems) -> DbConnection {
    let key = c.key;
    let name = c.credentials.name.clone().unwrap_or_else(|| {
        let default = if s.t == DbType::H2 {
            c.h2_file
        } else {
            c.default_name
        };
        default.to_string()
    });
    let usable = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    if name.is_empty() || !name.bytes().all(usable) {
        pr.push(
            format!("database.{key}.name"),
            format!("`{name}` is not a usable database name"),
            "use letters, digits, `_` or `-`",
        );
    }
    let (username, password) = if s.t == DbType::H2 {
        h2::credentials(key, c.credentials, s.env, pr)
    } else {
        server_credentials(s.t, c, s.env, pr)
    };
    if s.t == DbType::Oracle {
        check_oracle(key, &username, &password, pr);
    }
    DbConnection {
        url: jdbc_url(s.t, &s.address, &name),
        name,
        username,
        password,
    }
}

/// A server's user and password are the operator's to give.
fn server_credentials(t: DbType, c: &Connection, env: &Env, pr: &mut Problems) -> (String, Secret) {
    let key = c.key;
    let username = c.credentials.username.clone().unwrap_or_else(|| {
        pr.push(
            format!("database.{key}.username"),
            format!("{} needs a user name for this database", t.as_str()),
            format!("set [database.{key}] username = \"...\""),
        );
        String::new()
    });
    let password = match &c.credentials.password {
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
}

/// What the generated Oracle script can create: the JDBC login upper-cases the user name, and
/// the script quotes the password.
fn check_oracle(key: &str, username: &str, password: &Secret, pr: &mut Problems) {
    let plain = username.starts_with(|c: char| c.is_ascii_alphabetic())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !username.is_empty() && !plain {
        pr.push(
            format!("database.{key}.username"),
            format!("`{username}` is not an Oracle user name kmgen can create (the JDBC login upper-cases it)"),
            "use letters, digits and `_`, starting with a letter",
        );
    }
    if password.expose().contains('"') {
        pr.push(
            format!("database.{key}.password"),
            "contains `\"`, which an Oracle password cannot hold",
            "choose a password without double quotes",
        );
    }
}

/// One server user has one password: the scripts in databases/ create each user once. On
/// PostgreSQL one database has one user: its owner creates the tables, which another user
/// could not read (MySQL and SQL Server grant the whole database to each user; on Oracle
/// each user is its own schema in the service).
fn check_users(d: &model::Database, pr: &mut Problems) {
    let all = [("am", &d.am), ("um", &d.um), ("reg", &d.reg)];
    if d.db_type() == DbType::Postgresql {
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
    if d.server().is_some() {
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
}

/// The JDBC URL of one database, as the WSO2 database docs write it for each type.
fn jdbc_url(t: DbType, address: &str, name: &str) -> String {
    match t {
        // H2's server form `tcp://host:port/name`, the name relative to the server's -baseDir
        // (h2database/h2database@version-1.3:version-1.3.175/h2/src/main/org/h2/engine/SessionRemote.java
        // `connectServer`, ConnectionInfo.java `setBaseDir`). No settings: the stock
        // DB_CLOSE_ON_EXIT=FALSE concerns the JVM that opens the file, now the server.
        DbType::H2 => format!("jdbc:h2:tcp://{address}/{name}"),
        // installing-and-configuring-databases.md, step 10: `?autoReconnect=true` (`useSSL=false`:
        // docs/unsourced-rules.md).
        DbType::Mysql => format!("jdbc:mysql://{address}/{name}?autoReconnect=true&useSSL=false"),
        // wso2/product-apim@v2.6.0 tokengenerationpgsql/master-datasources.xml (integration tests).
        DbType::Postgresql => format!("jdbc:postgresql://{address}/{name}"),
        // SQL Server and Oracle: docs/unsourced-rules.md.
        DbType::Mssql => format!(
            "jdbc:sqlserver://{address};databaseName={name};SendStringParametersAsUnicode=false"
        ),
        DbType::Oracle => format!("jdbc:oracle:thin:@{address}/{name}"),
    }
}
