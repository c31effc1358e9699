//! Issuing: new key pairs, self-signed certificates with reproducible serials, and whether
//! an existing certificate still fits its spec.
use super::error::PkiError;
use super::material::{IssuedCert, KeyMaterial};
use super::x509::{cert_sans, san_key};
use crate::plan::CertSpec;
use crate::plan::Signer;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyUsagePurpose, SanType, SerialNumber,
};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::net::IpAddr;
use time::{Duration, OffsetDateTime, UtcOffset};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
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
    ca: Option<Ca<'_>>,
    now: OffsetDateTime,
) -> Result<IssuedCert, String> {
    let unreadable = || "existing certificate unreadable".to_string();
    let pem = String::from_utf8(bytes).map_err(|_| unreadable())?;
    let (_, block) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).map_err(|_| unreadable())?;
    let (_, cert) = X509Certificate::from_der(&block.contents).map_err(|_| unreadable())?;
    check_fits(&cert, spec, key, now)?;
    check_signer(&cert, spec, ca)?;
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

/// The deployment CA that signs the `IssuedByCa` certificates: its spec and key.
#[derive(Clone, Copy)]
pub(super) struct Ca<'a> {
    pub spec: &'a CertSpec,
    pub key: &'a KeyMaterial,
    pub der: &'a [u8],
}

/// The CA's own parameters as its certificate states them: the subject (its CN only) and
/// the key usages of a CA. The issuer of every leaf is built from these.
fn ca_params(spec: &CertSpec) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, spec.common_name.as_str());
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params
}

/// A certificate keeps its place only when signed the way the spec says: a CA certificate
/// stays a CA, a self-signed one its own issuer, and one issued by the CA names the current
/// CA as issuer and carries its key identifier (a new CA key re-issues every certificate).
fn check_signer(
    cert: &X509Certificate<'_>,
    spec: &CertSpec,
    ca: Option<Ca<'_>>,
) -> Result<(), String> {
    let is_ca = cert.is_ca();
    let self_issued = cert.issuer().as_raw() == cert.subject().as_raw();
    match spec.signer {
        Signer::SelfSigned if self_issued && !is_ca => Ok(()),
        Signer::Ca if self_issued && is_ca => Ok(()),
        Signer::IssuedByCa => {
            let Some(ca) = ca else {
                return Err("no deployment CA".into());
            };
            let (_, ca_cert) =
                X509Certificate::from_der(ca.der).map_err(|_| "CA unreadable".to_string())?;
            let ca_ski = ca_cert
                .extensions()
                .iter()
                .find_map(|e| match e.parsed_extension() {
                    ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
                    _ => None,
                });
            let aki = cert
                .extensions()
                .iter()
                .find_map(|e| match e.parsed_extension() {
                    ParsedExtension::AuthorityKeyIdentifier(a) => {
                        a.key_identifier.as_ref().map(|k| k.0.to_vec())
                    }
                    _ => None,
                });
            if cert.issuer().as_raw() == ca_cert.subject().as_raw()
                && aki.is_some()
                && aki == ca_ski
            {
                Ok(())
            } else {
                Err("issuer changed".into())
            }
        }
        _ => Err("signer changed".into()),
    }
}

/// Issues the certificate of `spec` on `key`: self-signed, as the CA, or by `ca`.
pub(super) fn issue(
    spec: &CertSpec,
    key: &KeyMaterial,
    ca: Option<Ca<'_>>,
    now: OffsetDateTime,
) -> Result<IssuedCert, PkiError> {
    let fail = |e: rcgen::Error| PkiError::CertIssue {
        id: spec.id.clone(),
        reason: e.to_string(),
    };
    if spec.signer == Signer::Ca {
        let mut params = ca_params(spec);
        params.not_before = not_before(now);
        params.not_after = params.not_before + Duration::days(i64::from(spec.validity_days));
        params.serial_number = Some(serial(spec, key, params.not_before));
        let cert = params.self_signed(&key.key_pair).map_err(fail)?;
        return Ok(issued(spec, cert));
    }
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
    let cert = match (spec.signer, ca) {
        (Signer::IssuedByCa, Some(ca)) => {
            params.use_authority_key_identifier_extension = true;
            let issuer = Issuer::new(ca_params(ca.spec), &ca.key.key_pair);
            params.signed_by(&key.key_pair, &issuer).map_err(fail)?
        }
        (Signer::IssuedByCa, None) => {
            return Err(PkiError::CertIssue {
                id: spec.id.clone(),
                reason: "no deployment CA to issue it".into(),
            })
        }
        _ => params.self_signed(&key.key_pair).map_err(fail)?,
    };
    Ok(issued(spec, cert))
}

fn issued(spec: &CertSpec, cert: rcgen::Certificate) -> IssuedCert {
    IssuedCert {
        key_id: spec.key_id.clone(),
        der: cert.der().to_vec(),
        pem: cert.pem(),
    }
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
