//! X.509 helpers: RSA key sizes, SANs in one canonical form, IP addresses from DER.
use std::collections::BTreeSet;
use std::net::IpAddr;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

/// Modulus size of an RSA SubjectPublicKeyInfo.
pub(crate) fn rsa_bits(spki_der: &[u8]) -> Result<u32, String> {
    let (_, spki) = SubjectPublicKeyInfo::from_der(spki_der).map_err(|e| e.to_string())?;
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => Ok(modulus_bits(rsa.modulus)),
        Ok(_) => Err("not an RSA key".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// Bit length of a big-endian unsigned integer (DER may add a leading zero byte).
pub(crate) fn modulus_bits(modulus: &[u8]) -> u32 {
    let digits: Vec<u8> = modulus.iter().copied().skip_while(|b| *b == 0).collect();
    match digits.first() {
        Some(first) => (digits.len() as u32 - 1) * 8 + (8 - first.leading_zeros()),
        None => 0,
    }
}

/// SAN in one canonical text form: `DNS:name` (lowercase) or `IP:addr`.
pub(super) fn san_key(san: &str) -> String {
    match san.parse::<IpAddr>() {
        Ok(ip) => format!("IP:{ip}"),
        Err(_) => format!("DNS:{}", san.to_ascii_lowercase()),
    }
}

/// The certificate's SANs in `san_key` form, `None` when one is of another kind.
pub(super) fn cert_sans(cert: &X509Certificate<'_>) -> Option<BTreeSet<String>> {
    let Ok(Some(ext)) = cert.subject_alternative_name() else {
        return Some(BTreeSet::new());
    };
    ext.value
        .general_names
        .iter()
        .map(|name| match name {
            GeneralName::DNSName(dns) => Some(format!("DNS:{}", dns.to_ascii_lowercase())),
            GeneralName::IPAddress(bytes) => ip_from_bytes(bytes).map(|ip| format!("IP:{ip}")),
            _ => None,
        })
        .collect()
}

pub(crate) fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => Some(IpAddr::from(<[u8; 4]>::try_from(bytes).ok()?)),
        16 => Some(IpAddr::from(<[u8; 16]>::try_from(bytes).ok()?)),
        _ => None,
    }
}
