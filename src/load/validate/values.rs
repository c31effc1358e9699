//! Checks of single values that many tables share: hosts, ports, load balancer endpoints,
//! required strings. Each pushes its problem and returns the value the model holds.
use crate::diagnostic::Problems;
use crate::load::profile;
use crate::model::{DbType, Endpoint, Host, Port};

/// A value as a message quotes it: whole up to 60 characters, else its start and length
/// (a 70,000-character value would make the message unreadable), and never what comes
/// before a `@` (`user:password@host` typed where a host or URL belongs).
pub(super) fn quoted(v: &str) -> String {
    const MAX: usize = 60;
    let v = match v.rsplit_once('@') {
        Some((_, host)) => format!("…@{host}"),
        None => v.to_string(),
    };
    if v.chars().count() <= MAX {
        format!("`{v}`")
    } else {
        let start: String = v.chars().take(MAX - 20).collect();
        format!("`{start}…` ({} characters)", v.chars().count())
    }
}

pub(super) fn non_empty(v: &str, key: &str, example: &str, pr: &mut Problems) -> String {
    if v.trim().is_empty() {
        pr.push(key, "is empty", format!("set {key} to {example}"));
    }
    v.to_string()
}

/// Free text the products read from their XML files (user names, DNs, URIs): a control
/// character makes the file not well-formed (XML 1.0 allows none but tab and line ends, and
/// those mangle a name), as does U+FFFE or U+FFFF.
pub(super) fn xml_text(v: &str, key: &str, pr: &mut Problems) {
    let bad = v
        .chars()
        .find(|c| c.is_control() || matches!(c, '\u{fffe}' | '\u{ffff}'));
    if let Some(c) = bad {
        pr.push(
            key,
            format!("contains the control character U+{:04X}", u32::from(c)),
            "remove it: the product's XML configuration files cannot carry control characters",
        );
    }
}

/// The text values of the profile that reach the product's files and no other check reads
/// character by character, and the database users a server needs to be named.
pub(super) fn check_text(p: &profile::Profile, pr: &mut Problems) {
    let server = p.database.db_type.server().is_some();
    for (key, c) in [
        ("am", &p.database.am),
        ("um", &p.database.um),
        ("reg", &p.database.reg),
    ] {
        let Some(user) = &c.username else { continue };
        let path = format!("database.{key}.username");
        if server && user.trim().is_empty() {
            pr.push(
                &path,
                "is empty",
                format!("set [database.{key}] username = \"...\": an empty user name would create an anonymous account (MySQL) or none at all"),
            );
        } else {
            xml_text(user, &path, pr);
        }
    }
    let u = &p.user_store;
    if u.store_type == profile::UserStoreType::Ldap {
        for (key, v) in [
            ("url", &u.url),
            ("bind_dn", &u.bind_dn),
            ("user_search_base", &u.user_search_base),
            ("group_search_base", &u.group_search_base),
        ] {
            if let Some(v) = v {
                xml_text(v, &format!("user_store.{key}"), pr);
            }
        }
    }
    xml_text(&p.jwt.consumer_dialect_uri, "jwt.consumer_dialect_uri", pr);
}

/// A host other nodes can reach: a DNS name or IP address, not a loopback one.
pub(super) fn host(h: &str, key: &str, pr: &mut Problems) -> Host {
    let Some(host) = Host::parse(h) else {
        pr.push(
            key,
            format!("{} is not a valid host name or IP address", quoted(h)),
            "use a DNS name (letters, digits, dashes, dots) or an IPv4/IPv6 address",
        );
        return Host::unchecked(&h.to_ascii_lowercase());
    };
    if let Some(why) = host.unreachable() {
        pr.push(
            key,
            format!("{} is {why}: other nodes cannot reach it", quoted(h)),
            "use the DNS name or IP address that the other nodes use to reach this one",
        );
    }
    host
}

/// Where a JDBC URL of a `t` database finds its server: `host:port`, an IPv6 address in
/// brackets as MySQL Connector/J, the PostgreSQL driver and Oracle's EZConnect read it. A SQL
/// Server URL takes no IPv6 literal as its server name, so there the name stays empty and
/// the `serverName` and `portNumber` properties follow (Microsoft JDBC driver docs,
/// "Building the connection URL", IPv6 addresses).
pub(super) fn jdbc_address(t: DbType, host: &str, port: u16) -> String {
    match Host::parse(host) {
        Some(h) if h.is_ipv6() && t == DbType::Mssql => {
            format!(";serverName={h};portNumber={port}")
        }
        Some(h) => h.authority(port),
        None => format!("{host}:{port}"),
    }
}

pub(super) fn port(p: u16, key: &str, pr: &mut Problems) -> Port {
    Port::new(p).unwrap_or_else(|| {
        pr.push(key, "port 0 is not a valid port", "use 1 to 65535");
        Port::unchecked(p)
    })
}

/// `{ host = "...", port = 443 }` of the table at `key`.
pub(super) fn endpoint(lb: &profile::LoadBalancer, key: &str, pr: &mut Problems) -> Endpoint {
    Endpoint {
        host: host(&lb.host, &format!("{key}.host"), pr),
        port: port(lb.port, &format!("{key}.port"), pr),
    }
}
