//! Shared checks on names, host names and PEM input.
use std::net::IpAddr;

/// `[a-z0-9][a-z0-9-]*`, at most 63 characters, no `--` and no trailing `-`: deployment and
/// node names, which become folder names and appear in XML comments (where `--` is illegal).
pub fn is_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && !s.contains("--")
        && !s.ends_with('-')
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// A DNS name (RFC 1123 labels) or an IPv4 / IPv6 address.
pub fn is_host(s: &str) -> bool {
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

/// The DER of every `CERTIFICATE` block of a PEM file, each checked to parse as X.509.
pub fn pem_certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for pem in x509_parser::pem::Pem::iter_from_buffer(bytes) {
        let pem = pem.map_err(|e| e.to_string())?;
        if pem.label != "CERTIFICATE" {
            continue;
        }
        pem.parse_x509()
            .map_err(|e| format!("a certificate does not parse: {e}"))?;
        out.push(pem.contents);
    }
    Ok(out)
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
    }
}
