//! Keys phase: RSA key pairs and self-signed certificates, reused from and written to `pki/`.
//!
//! Primary key pairs encrypt registry data and sign tokens, so they outlive every rebuild:
//! an existing key is always reused, and replacing one (another size, another sharing
//! scheme) is refused unless the operator asks for it. Certificates are derived material:
//! reused byte-for-byte while they still fit their spec, otherwise re-issued on the same key.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::net::IpAddr;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, PublicKeyData, RsaKeySize, SanType, SerialNumber, PKCS_RSA_SHA256,
};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime, UtcOffset};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

pub use crate::plan::{CertSpec, KeySpec};

/// A private key with its PEM text. `Debug` never shows the key.
pub struct KeyMaterial {
    key_pair: KeyPair,
    pem: String,
    bits: u32,
}

impl KeyMaterial {
    fn from_key_pair(key_pair: KeyPair) -> Result<Self, String> {
        let bits = rsa_bits(&key_pair.subject_public_key_info())?;
        let pem = key_pair.serialize_pem();
        Ok(KeyMaterial {
            key_pair,
            pem,
            bits,
        })
    }
    /// PKCS#8 DER of the private key.
    pub fn pkcs8_der(&self) -> &[u8] {
        self.key_pair.serialized_der()
    }
    /// PKCS#8 PEM (`BEGIN PRIVATE KEY`).
    pub fn pem(&self) -> &str {
        &self.pem
    }
    pub fn bits(&self) -> u32 {
        self.bits
    }
    /// DER SubjectPublicKeyInfo of the public half.
    pub fn public_key_der(&self) -> Vec<u8> {
        self.key_pair.subject_public_key_info()
    }
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "KeyMaterial {{ RSA {} bits, private key elided }}",
            self.bits
        )
    }
}

/// An issued certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCert {
    pub key_id: String,
    pub der: Vec<u8>,
    pub pem: String,
}

/// Every key pair and certificate of a deployment, by id.
#[derive(Debug, Default)]
pub struct Pki {
    keys: BTreeMap<String, KeyMaterial>,
    certs: BTreeMap<String, IssuedCert>,
}

impl Pki {
    pub fn key(&self, id: &str) -> Option<&KeyMaterial> {
        self.keys.get(id)
    }
    pub fn cert(&self, id: &str) -> Option<&IssuedCert> {
        self.certs.get(id)
    }
    /// Keys in id order.
    pub fn keys(&self) -> impl Iterator<Item = (&str, &KeyMaterial)> {
        self.keys.iter().map(|(id, k)| (id.as_str(), k))
    }
    /// Certificates in id order.
    pub fn certs(&self) -> impl Iterator<Item = (&str, &IssuedCert)> {
        self.certs.iter().map(|(id, c)| (id.as_str(), c))
    }
}

/// What `load_or_create` did with a key pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyAction {
    Reused,
    Generated,
    /// Replaced an existing key of `old_bits` (only with `allow_rotate`).
    Rotated {
        old_bits: u32,
    },
    /// Found in `pki/` but no longer wanted; not carried into the new bundle.
    Retired,
}

/// What `load_or_create` did with a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertAction {
    Reused,
    Issued,
    /// Re-issued on its key because `reason` changed.
    Reissued {
        reason: String,
    },
}

/// What was reused and what is new, for `-v` logs. Holds no secrets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PkiReport {
    pub keys: Vec<(String, KeyAction)>,
    pub certs: Vec<(String, CertAction)>,
}

impl fmt::Display for PkiReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (id, action) in &self.keys {
            match action {
                KeyAction::Reused => writeln!(f, "key {id}: reused")?,
                KeyAction::Generated => writeln!(f, "key {id}: generated")?,
                KeyAction::Rotated { old_bits } => {
                    writeln!(f, "key {id}: rotated (was {old_bits} bits)")?
                }
                KeyAction::Retired => writeln!(f, "key {id}: retired (no longer used)")?,
            }
        }
        for (id, action) in &self.certs {
            match action {
                CertAction::Reused => writeln!(f, "certificate {id}: reused")?,
                CertAction::Issued => writeln!(f, "certificate {id}: issued")?,
                CertAction::Reissued { reason } => {
                    writeln!(f, "certificate {id}: re-issued ({reason})")?
                }
            }
        }
        Ok(())
    }
}

/// Errors of the keys phase. No variant carries key material.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path}: not a usable RSA private key (PKCS#8 PEM): {reason}")]
    BadKeyFile { path: PathBuf, reason: String },
    #[error("invalid key or certificate spec: {0}")]
    InvalidSpec(String),
    #[error(
        "refusing to replace primary key pair(s): {changes}. Rotating a primary key makes \
         encrypted registry data and tokens unreadable; rerun with --rotate-keys to replace them"
    )]
    RotationRefused { changes: String },
    #[error("generating key {id}: {reason}")]
    KeyGeneration { id: String, reason: String },
    #[error("issuing certificate {id}: {reason}")]
    CertIssue { id: String, reason: String },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> PkiError + '_ {
    move |source| PkiError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn key_path(dir: &Path, id: &str) -> PathBuf {
    dir.join("keys").join(format!("{id}.key.pem"))
}

fn cert_path(dir: &Path, id: &str) -> PathBuf {
    dir.join("certs").join(format!("{id}.crt.pem"))
}

/// Load balancers' keys (`lb-*`) only secure their TLS front: replacing one is harmless, so
/// only the other keys, which encrypt registry data and sign tokens, count as primary.
pub fn is_primary(key_id: &str) -> bool {
    !key_id.starts_with("lb-")
}

/// Loads `dir` (the `pki/` of a previous bundle; may not exist), reuses what still fits and
/// creates the rest. `now` fixes the certificates' validity, so output is reproducible.
pub fn load_or_create(
    dir: &Path,
    keys: &[KeySpec],
    certs: &[CertSpec],
    now: OffsetDateTime,
    allow_rotate: bool,
) -> Result<(Pki, PkiReport), PkiError> {
    check_specs(keys, certs)?;
    let mut existing = read_keys(dir)?;
    let mut report = PkiReport::default();
    let mut pki = Pki::default();
    let mut to_generate = Vec::new();
    let mut rotations = Vec::new();

    for spec in keys {
        match existing.remove(&spec.id) {
            Some(old) if old.bits == spec.bits => {
                report.keys.push((spec.id.clone(), KeyAction::Reused));
                pki.keys.insert(spec.id.clone(), old);
            }
            Some(old) => {
                if is_primary(&spec.id) {
                    rotations.push(format!("{} ({} → {} bits)", spec.id, old.bits, spec.bits));
                }
                report
                    .keys
                    .push((spec.id.clone(), KeyAction::Rotated { old_bits: old.bits }));
                to_generate.push(spec);
            }
            None => {
                report.keys.push((spec.id.clone(), KeyAction::Generated));
                to_generate.push(spec);
            }
        }
    }
    // A key nobody wants any more is only a rotation when another key takes its place.
    let new_ids: Vec<&str> = to_generate
        .iter()
        .map(|s| s.id.as_str())
        .filter(|id| is_primary(id))
        .collect();
    if !new_ids.is_empty() {
        for old_id in existing.keys().filter(|id| is_primary(id)) {
            rotations.push(format!("{old_id} replaced by {}", new_ids.join(", ")));
        }
    }
    if !rotations.is_empty() && !allow_rotate {
        return Err(PkiError::RotationRefused {
            changes: rotations.join("; "),
        });
    }
    for old_id in existing.into_keys() {
        report.keys.push((old_id, KeyAction::Retired));
    }
    pki.keys.extend(generate_keys(&to_generate)?);

    for spec in certs {
        let key = &pki.keys[&spec.key_id];
        let path = cert_path(dir, &spec.id);
        let previous = match fs::read(&path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(io_err(&path)(e)),
        };
        let (cert, action) = match previous.map(|bytes| reusable(bytes, spec, key, now)) {
            Some(Ok(cert)) => (cert, CertAction::Reused),
            Some(Err(reason)) => (issue(spec, key, now)?, CertAction::Reissued { reason }),
            None => (issue(spec, key, now)?, CertAction::Issued),
        };
        report.certs.push((spec.id.clone(), action));
        pki.certs.insert(spec.id.clone(), cert);
    }
    Ok((pki, report))
}

fn check_specs(keys: &[KeySpec], certs: &[CertSpec]) -> Result<(), PkiError> {
    let bad = |msg: String| Err(PkiError::InvalidSpec(msg));
    let mut key_ids = BTreeSet::new();
    for k in keys {
        check_id(&k.id)?;
        if !key_ids.insert(k.id.as_str()) {
            return bad(format!("key id {} appears twice", k.id));
        }
        if rsa_size(k.bits).is_none() {
            return bad(format!(
                "key {}: {} bits; use 2048, 3072 or 4096",
                k.id, k.bits
            ));
        }
    }
    let mut cert_ids = BTreeSet::new();
    for c in certs {
        check_id(&c.id)?;
        if !cert_ids.insert(c.id.as_str()) {
            return bad(format!("certificate id {} appears twice", c.id));
        }
        if !key_ids.contains(c.key_id.as_str()) {
            return bad(format!(
                "certificate {}: no key spec with id {}",
                c.id, c.key_id
            ));
        }
        if c.common_name.is_empty() || c.validity_days == 0 {
            return bad(format!(
                "certificate {}: empty common name or zero validity",
                c.id
            ));
        }
        for san in &c.sans {
            if san.parse::<IpAddr>().is_err()
                && (san.is_empty() || !san.bytes().all(|b| b.is_ascii_graphic()))
            {
                return bad(format!(
                    "certificate {}: {san:?} is not a DNS name or IP",
                    c.id
                ));
            }
        }
    }
    Ok(())
}

/// Ids become file names: keep them to `[A-Za-z0-9._-]`, not starting with a dot.
fn check_id(id: &str) -> Result<(), PkiError> {
    let ok = !id.is_empty()
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(PkiError::InvalidSpec(format!(
            "{id:?} is not a usable id (letters, digits, . _ -)"
        )))
    }
}

fn rsa_size(bits: u32) -> Option<RsaKeySize> {
    match bits {
        2048 => Some(RsaKeySize::_2048),
        3072 => Some(RsaKeySize::_3072),
        4096 => Some(RsaKeySize::_4096),
        _ => None,
    }
}

/// Reads every `keys/<id>.key.pem` of a previous bundle.
fn read_keys(dir: &Path) -> Result<BTreeMap<String, KeyMaterial>, PkiError> {
    let keys_dir = dir.join("keys");
    let entries = match fs::read_dir(&keys_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(io_err(&keys_dir)(e)),
    };
    let mut keys = BTreeMap::new();
    for entry in entries {
        let path = entry.map_err(io_err(&keys_dir))?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let Some(id) = name.strip_suffix(".key.pem") else {
            continue;
        };
        let text = fs::read_to_string(&path).map_err(io_err(&path))?;
        let bad = |reason: String| PkiError::BadKeyFile {
            path: path.clone(),
            reason,
        };
        let key_pair = KeyPair::from_pkcs8_pem_and_sign_algo(&text, &PKCS_RSA_SHA256)
            .map_err(|e| bad(e.to_string()))?;
        keys.insert(
            id.to_string(),
            KeyMaterial::from_key_pair(key_pair).map_err(bad)?,
        );
    }
    Ok(keys)
}

/// Generates the missing keys in parallel: RSA 4096 takes seconds each.
fn generate_keys(specs: &[&KeySpec]) -> Result<Vec<(String, KeyMaterial)>, PkiError> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = specs
            .iter()
            .map(|spec| scope.spawn(move || (spec.id.clone(), generate_key(spec))))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                let (id, result) = h.join().expect("key generation thread panicked");
                result
                    .map(|k| (id.clone(), k))
                    .map_err(|reason| PkiError::KeyGeneration { id, reason })
            })
            .collect()
    })
}

fn generate_key(spec: &KeySpec) -> Result<KeyMaterial, String> {
    let size = rsa_size(spec.bits).ok_or("unsupported key size")?;
    let key_pair = KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, size).map_err(|e| e.to_string())?;
    KeyMaterial::from_key_pair(key_pair)
}

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

fn not_before(now: OffsetDateTime) -> OffsetDateTime {
    let utc = now.to_offset(UtcOffset::UTC) - Duration::days(1);
    utc.replace_nanosecond(0).expect("0 is a valid nanosecond")
}

/// SAN in one canonical text form: `DNS:name` (lowercase) or `IP:addr`.
fn san_key(san: &str) -> String {
    match san.parse::<IpAddr>() {
        Ok(ip) => format!("IP:{ip}"),
        Err(_) => format!("DNS:{}", san.to_ascii_lowercase()),
    }
}

/// The existing certificate file as is, or why it no longer fits its spec.
fn reusable(
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

/// The certificate's SANs in `san_key` form, `None` when one is of another kind.
fn cert_sans(cert: &X509Certificate<'_>) -> Option<BTreeSet<String>> {
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

/// Issues the self-signed certificate of `spec` on `key`.
fn issue(spec: &CertSpec, key: &KeyMaterial, now: OffsetDateTime) -> Result<IssuedCert, PkiError> {
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

/// Writes `keys/<id>.key.pem` (mode 0600 from creation) and `certs/<id>.crt.pem` under `dir`.
pub fn write_dir(pki: &Pki, dir: &Path) -> io::Result<()> {
    let with_path =
        |path: &Path, e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    let keys_dir = dir.join("keys");
    let certs_dir = dir.join("certs");
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&keys_dir)
        .map_err(|e| with_path(&keys_dir, e))?;
    fs::create_dir_all(&certs_dir).map_err(|e| with_path(&certs_dir, e))?;
    for (id, key) in &pki.keys {
        let path = key_path(dir, id);
        // Remove first so the mode given at creation is the mode the file ends up with.
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(with_path(&path, e)),
        }
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .and_then(|mut f| f.write_all(key.pem.as_bytes()))
            .map_err(|e| with_path(&path, e))?;
    }
    for (id, cert) in &pki.certs {
        let path = cert_path(dir, id);
        fs::write(&path, &cert.pem).map_err(|e| with_path(&path, e))?;
    }
    Ok(())
}
