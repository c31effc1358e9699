//! Names and network addresses of the model: node and deployment names, host names, ports
//! and port offsets, each checked once when validation builds it.
use serde::{Serialize, Serializer};
use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::ops::Deref;
use std::path::Path;

/// A string newtype that reads as the `str` it holds: `Display`, `Serialize` (as the
/// string), comparisons with `str` / `String`, and `AsRef<str>`.
macro_rules! string_newtype {
    ($t:ident) => {
        impl $t {
            /// For a model that validation is about to discard: it pushed a problem for
            /// this value and keeps going only to find more problems.
            pub(crate) fn unchecked(s: &str) -> Self {
                $t(s.to_string())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl Deref for $t {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }
        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
        impl PartialEq<str> for $t {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }
        impl PartialEq<&str> for $t {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
        impl PartialEq<String> for $t {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }
        impl PartialEq<$t> for String {
            fn eq(&self, other: &$t) -> bool {
                *self == other.0
            }
        }
        impl PartialEq<$t> for &str {
            fn eq(&self, other: &$t) -> bool {
                *self == other.0
            }
        }
    };
}

/// A deployment or node name: `[a-z0-9][a-z0-9-]*`, at most 63 characters, no `--` and no
/// trailing `-`. Names become folder names and appear in XML comments (where `--` is illegal).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(String);
string_newtype!(Name);

impl Name {
    pub fn parse(s: &str) -> Option<Name> {
        is_name(s).then(|| Name(s.to_string()))
    }
}

/// A name is the folder it names (`<out>/<deployment>`, `nodes/<node>`).
impl AsRef<Path> for Name {
    fn as_ref(&self) -> &Path {
        Path::new(&self.0)
    }
}

/// A DNS name (RFC 1123 labels) in lower case, or an IPv4 / IPv6 address in its canonical
/// form (RFC 5952: `2001:db8::1`), so that two spellings of one address compare equal.
/// `Display` is the bare host; `authority` and `in_url` bracket an IPv6 address, as URLs,
/// JDBC URLs and nginx's `host:port` need.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Host(String);
string_newtype!(Host);

impl Host {
    /// A host name or address; an IPv6 address may come bracketed (`[2001:db8::1]`).
    pub fn parse(s: &str) -> Option<Host> {
        let bare = s
            .strip_prefix('[')
            .and_then(|r| r.strip_suffix(']'))
            .filter(|inner| inner.parse::<Ipv6Addr>().is_ok())
            .unwrap_or(s);
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Some(Host(ip.to_string()));
        }
        is_host(bare).then(|| Host(bare.to_ascii_lowercase()))
    }
    /// `localhost`, `127.*` or `::1`: a name other machines cannot reach this one by.
    pub fn is_loopback(&self) -> bool {
        self.unreachable() == Some("a loopback address")
    }
    /// Why other machines cannot reach this host, if they cannot: a loopback name or address
    /// (`localhost`, `127.0.0.1`, `::1`, `::ffff:127.0.0.1`), or an address that names no
    /// host (`0.0.0.0`, `::`, multicast, broadcast).
    pub fn unreachable(&self) -> Option<&'static str> {
        const LOOPBACK: &str = "a loopback address";
        let h = self.0.as_str();
        let loopback_names = [
            "localhost",
            "localhost.localdomain",
            "ip6-localhost",
            "ip6-loopback",
        ];
        if loopback_names.contains(&h) || h.ends_with(".localhost") {
            return Some(LOOPBACK);
        }
        let v4 = match h.parse::<IpAddr>().ok()? {
            IpAddr::V4(v4) => v4,
            IpAddr::V6(v6) if v6.is_loopback() => return Some(LOOPBACK),
            IpAddr::V6(v6) if v6.is_unspecified() => return Some("the unspecified address"),
            IpAddr::V6(v6) if v6.is_multicast() => return Some("a multicast address"),
            // `::ffff:127.0.0.1` (mapped) and `::127.0.0.1` (compatible) are IPv4 addresses.
            IpAddr::V6(v6) => v6.to_ipv4()?,
        };
        if v4.is_loopback() {
            Some(LOOPBACK)
        } else if v4.octets()[0] == 0 {
            Some("the unspecified address")
        } else if v4.is_multicast() || v4.is_broadcast() {
            Some("a multicast or broadcast address")
        } else {
            None
        }
    }
    pub fn is_ipv6(&self) -> bool {
        // Names and IPv4 addresses hold no `:`: most hosts are answered without parsing
        // (a 400-node plan asks for every cluster member of every gateway).
        self.0.contains(':') && self.0.parse::<Ipv6Addr>().is_ok()
    }
    /// The host as a URL writes it: an IPv6 address in brackets (RFC 3986 `IP-literal`).
    pub fn in_url(&self) -> String {
        if self.is_ipv6() {
            format!("[{}]", self.0)
        } else {
            self.0.clone()
        }
    }
    /// `host:port`, the IPv6 address in brackets: `[2001:db8::1]:9443`.
    pub fn authority(&self, port: impl fmt::Display) -> String {
        use fmt::Write;
        // Built by hand: a 400-node plan writes one for every cluster member of every gateway.
        let mut s = String::with_capacity(self.0.len() + 8);
        let ipv6 = self.is_ipv6();
        s.push_str(if ipv6 { "[" } else { "" });
        s.push_str(&self.0);
        s.push_str(if ipv6 { "]:" } else { ":" });
        write!(s, "{port}").expect("a String takes any text");
        s
    }
}

fn is_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && !s.contains("--")
        && !s.ends_with('-')
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

fn is_host(s: &str) -> bool {
    if s.parse::<IpAddr>().is_ok() {
        return true;
    }
    if s.is_empty() || s.len() > 253 || s.split('.').all(|l| l.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    s.split('.').all(|label| {
        let b = label.as_bytes();
        !b.is_empty()
            && b.len() <= 63
            && b[0] != b'-'
            && b[b.len() - 1] != b'-'
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
    })
}

/// A TCP port, 1 to 65535.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Port(u16);

impl Port {
    /// A product's default port (a constant: zero fails the build).
    pub const fn stock(port: u16) -> Port {
        assert!(port != 0, "port 0 is not a port");
        Port(port)
    }
    pub fn new(port: u16) -> Option<Port> {
        (port != 0).then_some(Port(port))
    }
    /// See `Name::unchecked`.
    pub(crate) fn unchecked(port: u16) -> Port {
        Port(port)
    }
    pub const fn get(self) -> u16 {
        self.0
    }
    /// This default port moved by a Carbon `Ports/Offset`; `None` past 65535.
    pub const fn offset_by(self, offset: PortOffset) -> Option<Port> {
        match self.0.checked_add(offset.0) {
            Some(p) => Some(Port(p)),
            None => None,
        }
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for Port {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u16(self.0)
    }
}

/// Carbon's `Ports/Offset`: added to every default port of a node except Hazelcast's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PortOffset(u16);

impl PortOffset {
    pub const ZERO: PortOffset = PortOffset(0);
    pub const fn new(offset: u16) -> PortOffset {
        PortOffset(offset)
    }
    pub const fn get(self) -> u16 {
        self.0
    }
}

impl fmt::Display for PortOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for PortOffset {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u16(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_hosts() {
        assert!(
            is_name("km-1")
                && !is_name("a--b")
                && !is_name("a-")
                && !is_name("Km")
                && !is_name("-a")
                && !is_name("")
        );
        assert!(is_host("km1.example.com") && is_host("10.0.0.5") && is_host("::1"));
        assert!(
            !is_host("km_1.example.com")
                && !is_host("a..b")
                && !is_host("1.2.3.999")
                && !is_host("-a.b")
        );
        assert_eq!(Host::parse("KM.Example.com").unwrap(), "km.example.com");
        assert!(Host::parse("127.0.0.1").unwrap().is_loopback());
    }

    #[test]
    fn unreachable_hosts() {
        let why = |h: &str| Host::parse(h).unwrap().unreachable();
        for h in [
            "localhost",
            "LOCALHOST",
            "a.localhost",
            "127.1.2.3",
            "::1",
            "[::1]",
        ] {
            assert_eq!(why(h), Some("a loopback address"), "{h}");
        }
        for h in ["::ffff:127.0.0.1", "::127.0.0.1", "0:0:0:0:0:0:0:1"] {
            assert_eq!(why(h), Some("a loopback address"), "{h}");
        }
        for h in ["0.0.0.0", "::", "::ffff:0.0.0.0", "0.1.2.3"] {
            assert_eq!(why(h), Some("the unspecified address"), "{h}");
        }
        assert!(why("255.255.255.255").is_some() && why("224.0.0.1").is_some());
        assert!(why("ff02::1").is_some());
        for h in [
            "10.0.0.5",
            "2001:db8::1",
            "::ffff:10.0.0.5",
            "km.example.com",
        ] {
            assert_eq!(why(h), None, "{h}");
        }
    }

    #[test]
    fn ipv6_hosts_are_canonical_and_bracketed_in_urls() {
        let h = Host::parse("2001:DB8:0:0::1").unwrap();
        assert_eq!(h, "2001:db8::1");
        assert_eq!(Host::parse("[2001:db8::1]").unwrap(), h);
        assert_eq!(h.in_url(), "[2001:db8::1]");
        assert_eq!(h.authority(9443), "[2001:db8::1]:9443");
        let v4 = Host::parse("10.0.0.5").unwrap();
        assert_eq!(v4.authority(9443), "10.0.0.5:9443");
        assert!(Host::parse("[km.example.com]").is_none() && Host::parse("[::1").is_none());
    }

    #[test]
    fn offsets_never_wrap() {
        let jmx = Port::stock(11111);
        assert_eq!(jmx.offset_by(PortOffset::new(54424)), Port::new(65535));
        assert_eq!(jmx.offset_by(PortOffset::new(54425)), None);
        assert_eq!(Port::new(0), None);
        assert_eq!(serde_json::to_string(&jmx).unwrap(), "11111");
        assert_eq!(jmx.to_string(), "11111");
    }
}
