//! Checks of single values that many tables share: hosts, ports, load balancer endpoints,
//! required strings. Each pushes its problem and returns the value the model holds.
use crate::diagnostic::Problems;
use crate::load::profile;
use crate::model::{Endpoint, Host, Port};

/// A value as a message quotes it: whole up to 60 characters, else its start and length
/// (a 70,000-character value would make the message unreadable).
pub(super) fn quoted(v: &str) -> String {
    const MAX: usize = 60;
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

/// A host other nodes can reach: a DNS name or IP address, not a loopback one.
pub(super) fn host(h: &str, key: &str, pr: &mut Problems) -> Host {
    let Some(host) = Host::parse(h) else {
        pr.push(
            key,
            format!("`{h}` is not a valid host name or IP address"),
            "use a DNS name (letters, digits, dashes, dots) or an IPv4/IPv6 address",
        );
        return Host::unchecked(&h.to_ascii_lowercase());
    };
    if host.is_loopback() {
        pr.push(
            key,
            format!("`{h}` is a loopback address: other nodes cannot reach it"),
            "use the DNS name or IP address that the other nodes use to reach this one",
        );
    }
    host
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
