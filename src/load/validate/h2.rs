//! `[database]` of type h2: the one H2 server every node connects to (its host and port), and
//! what its databases can be, being copies of the packs' pre-created H2 files.
use super::env::Env;
use super::secrets::secret;
use crate::diagnostic::Problems;
use crate::load::profile::{self, DbCredentials};
use crate::model::{self, H2Server, Host, Node, Port, Secret};

/// H2's TCP port (h2database/h2database@version-1.3:version-1.3.175/h2/src/main/org/h2/engine/Constants.java
/// `DEFAULT_TCP_PORT`).
const DEFAULT_PORT: u16 = 9092;

/// The user and password of the packs' pre-created H2 files: the build creates them as
/// `wso2carbon` / `wso2carbon` (wso2/carbon-kernel@v4.4.35:distribution/kernel/pom.xml and
/// wso2/product-is@v5.7.0:modules/distribution/pom.xml l.314-330, `<sql userid password>`).
const STOCK_USER: &str = "wso2carbon";

/// kmgen's H2 design (no product rule): one server every node reaches, see the bundle README.
/// The H2 server: `[database] host` (default: the first key manager's host) and `port`
/// (default 9092). Every node that uses the databases must reach it, so a loopback host
/// works only when they all run on one host.
pub(super) fn server(db: &profile::Database, nodes: &[Node], pr: &mut Problems) -> H2Server {
    let hosts = database_hosts(nodes);
    let default_host = nodes
        .iter()
        .find(|n| n.role.is_key_manager())
        .or(nodes.first())
        .map(|n| n.host.clone());
    let host = match &db.host {
        None => default_host
            .clone()
            .unwrap_or_else(|| Host::unchecked("")),
        Some(h) => Host::parse(h).unwrap_or_else(|| {
            pr.push(
                "database.host",
                format!("`{h}` is not a valid host name or IP address"),
                "use the DNS name or IP address of the H2 server's host, or remove database.host (default: the first key manager's host)",
            );
            Host::unchecked(&h.to_ascii_lowercase())
        }),
    };
    // A default host is a node's, whose own check refuses a loopback one.
    if db.host.is_some() && host.is_loopback() && hosts.len() > 1 {
        let list: Vec<&str> = hosts.iter().map(|h| h.as_str()).collect();
        pr.push(
            "database.host",
            format!(
                "`{host}` is a loopback address, but the nodes that use the databases run on {} hosts ({}): each would look for the H2 server on its own host",
                hosts.len(),
                list.join(", ")
            ),
            match &default_host {
                Some(d) => format!("set database.host to the name every node reaches the H2 server's host by, or remove it (default: the first key manager's host, `{d}`)"),
                None => "set database.host to the name every node reaches the H2 server's host by".to_string(),
            },
        );
    }
    let machine = match hosts.first() {
        Some(h) if host.is_loopback() => (*h).clone(),
        _ => host.clone(),
    };
    let port = match db.port {
        None => Port::stock(DEFAULT_PORT),
        Some(p) => Port::new(p).unwrap_or_else(|| {
            pr.push(
                "database.port",
                "port 0 is not a valid port",
                format!("use 1 to 65535 (default {DEFAULT_PORT}, H2's)"),
            );
            Port::unchecked(p)
        }),
    };
    H2Server {
        host,
        port,
        machine,
    }
}

/// The distinct hosts of the nodes that open the shared databases, in profile order.
fn database_hosts(nodes: &[Node]) -> Vec<&Host> {
    let mut hosts: Vec<&Host> = Vec::new();
    for n in nodes.iter().filter(|n| n.role.uses_shared_databases()) {
        if !hosts.contains(&&n.host) {
            hosts.push(&n.host);
        }
    }
    hosts
}

/// The stock user and password, the only ones the copied files know: a profile may repeat
/// them, not change them (the server's script holds no secret to create other users with).
pub(super) fn credentials(
    key: &str,
    c: &DbCredentials,
    env: &Env,
    pr: &mut Problems,
) -> (String, Secret) {
    let other = "or use a database server (database.type) to choose users and passwords";
    let username = match &c.username {
        Some(u) if !u.eq_ignore_ascii_case(STOCK_USER) => {
            pr.push(
                format!("database.{key}.username"),
                format!("`{u}` cannot log in: the H2 databases are copies of the pack's pre-created files, whose only user is `{STOCK_USER}`"),
                format!("remove database.{key}.username, {other}"),
            );
            u.clone()
        }
        Some(u) => u.clone(),
        None => STOCK_USER.to_string(),
    };
    let pkey = format!("database.{key}.password");
    let password = match &c.password {
        Some(s) => {
            let p = secret(s, &pkey, 1, env, pr);
            if !p.expose().is_empty() && p.expose() != STOCK_USER {
                pr.push(
                    &pkey,
                    format!("is not the password of the pack's pre-created H2 files (the stock `{STOCK_USER}`), so no node could log in"),
                    format!("remove database.{key}.password, {other}"),
                );
            }
            p
        }
        None => Secret::new(STOCK_USER.into()),
    };
    (username, password)
}

/// WSO2AM_DB is a copy of the pack's `WSO2AM_DB` file, WSO2UM_DB and WSO2REG_DB copies of
/// its `WSO2CARBON_DB` (wso2/carbon-kernel@v4.4.35:distribution/kernel/pom.xml runs
/// `dbscripts/h2.sql`, the user and registry tables, into it): the API-M database cannot
/// share a file with the other two. (WSO2UM_DB and WSO2REG_DB may share one, as the stock
/// WSO2_CARBON_DB does.)
pub(super) fn check_names(d: &model::Database, pr: &mut Problems) {
    for (key, c) in [("um", &d.um), ("reg", &d.reg)] {
        if c.name == d.am.name {
            pr.push(
                format!("database.{key}.name"),
                format!("`{}` is also database.am.name: with h2 the API-M database is a copy of the pack's WSO2AM_DB file and this one of its WSO2CARBON_DB file, so they cannot be one database", c.name),
                format!("give database.{key} a name of its own (default {})", if key == "um" { "WSO2UM_DB" } else { "WSO2REG_DB" }),
            );
        }
    }
}
