//! Issuing: new key pairs, self-signed certificates with reproducible serials, and whether
//! an existing certificate still fits its spec.
use super::error::PkiError;
use super::material::{IssuedCert, KeyMaterial};
use super::x509::{cert_sans, san_key};
use crate::plan::CertSpec;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyUsagePurpose,
    SanType, SerialNumber,
};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::net::IpAddr;
use time::{Duration, OffsetDateTime, UtcOffset};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

fn not_before(now: OffsetDateTime) -> OffsetDateTime {
    let utc = now.to_offset(UtcOffset::UTC) - Duration::days(1);
    utc.replace_nanosecond(0).expect("0 is a valid nanosecond")
}

/// The existing certificate file as is, or why it no longer fits its spec.
pub(super) fn reusable(
    bytes: Vec<u8>,
    spec: &CertSpec,
    key: &KeyMaterial,
    now: OffsetDateTime,
) -> Result<IssuedCert, String> {
    let unreadable = || "existing certificate unreadable".to_string();
    let pem = String::from_utf8(bytes).map_err(|_| unreadable())?;
    let (_, block) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).map_err(|_| unreadable())?;
    let (_, cert) = X509Certificate::from_der(&block.contents).map_err(|_| unreadable())?;
    check_fits(&cert, spec, key, now)?;
    Ok(IssuedCert {
        key_id: spec.key_id.clone(),
        der: block.contents.clone(),
        pem,
    })
}

fn check_fits(
    cert: &X509Certificate<'_>,
    spec: &CertSpec,
    key: &KeyMaterial,
    now: OffsetDateTime,
) -> Result<(), String> {
    if cert.public_key().raw != key.public_key_der().as_slice() {
        return Err("key changed".into());
    }
    let subject: Vec<_> = cert.subject().iter_attributes().collect();
    let cn_matches = subject.len() == 1
        && cert
            .subject()
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            == Some(spec.common_name.as_str());
    if !cn_matches {
        return Err("common name changed".into());
    }
    let wanted: BTreeSet<String> = spec.sans.iter().map(|s| san_key(s)).collect();
    if cert_sans(cert) != Some(wanted) {
        return Err("host names changed".into());
    }
    let validity = cert.validity();
    let length = validity.not_after.timestamp() - validity.not_before.timestamp();
    if length != i64::from(spec.validity_days) * 86_400 {
        return Err("validity changed".into());
    }
    if validity.not_after.timestamp() <= now.unix_timestamp() {
        return Err("expired".into());
    }
    Ok(())
}

/// Issues the self-signed certificate of `spec` on `key`.
pub(super) fn issue(
    spec: &CertSpec,
    key: &KeyMaterial,
    now: OffsetDateTime,
) -> Result<IssuedCert, PkiError> {
    let fail = |e: rcgen::Error| PkiError::CertIssue {
        id: spec.id.clone(),
        reason: e.to_string(),
    };
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, spec.common_name.as_str());
    params.distinguished_name = dn;
    let mut seen = BTreeSet::new();
    for san in spec.sans.iter().filter(|s| seen.insert(san_key(s))) {
        params.subject_alt_names.push(match san.parse::<IpAddr>() {
            Ok(ip) => SanType::IpAddress(ip),
            Err(_) => SanType::DnsName(san.as_str().try_into().map_err(fail)?),
        });
    }
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    params.is_ca = IsCa::ExplicitNoCa;
    params.not_before = not_before(now);
    params.not_after = params.not_before + Duration::days(i64::from(spec.validity_days));
    params.serial_number = Some(serial(spec, key, params.not_before));
    let cert = params.self_signed(&key.key_pair).map_err(fail)?;
    Ok(IssuedCert {
        key_id: spec.key_id.clone(),
        der: cert.der().to_vec(),
        pem: cert.pem(),
    })
}

/// A serial derived from everything the certificate says, so a fixed clock and fixed keys
/// give the same bytes, while two different certificates of one issuer never share one.
fn serial(spec: &CertSpec, key: &KeyMaterial, not_before: OffsetDateTime) -> SerialNumber {
    let mut hash = Sha256::new();
    hash.update(key.public_key_der());
    for part in [spec.common_name.as_str()]
        .into_iter()
        .chain(spec.sans.iter().map(String::as_str))
    {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.update(not_before.unix_timestamp().to_be_bytes());
    hash.update(spec.validity_days.to_be_bytes());
    let mut bytes = hash.finalize()[..16].to_vec();
    bytes[0] = (bytes[0] & 0x7f) | 0x40; // positive, and always 16 bytes long
    SerialNumber::from_slice(&bytes)
}
