//! Bundle phase: what each store and nginx trusts, and the certificate chains nodes and load
//! balancers present: kmgen's certificates (self-signed, or issued by the deployment CA) and
//! the chains operators bring.
use crate::model::{Deployment, ProvidedCert, TlsMode};
use crate::pki::{IssuedCert, Pki, CA_ID};
use crate::topology::{extra_alias, mozilla_roots};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

/// The deployment CA's certificate in `private-ca` mode.
pub(super) fn deployment_ca<'a>(d: &Deployment, pki: &'a Pki) -> Option<&'a IssuedCert> {
    (d.tls.mode == TlsMode::PrivateCa).then(|| pki.cert(CA_ID).expect("planned CA certificate"))
}

/// PEM text of a DER certificate, as rcgen writes it (LF line ends).
pub(super) fn pem(der: &[u8]) -> String {
    let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
    pem::encode_config(&pem::Pem::new("CERTIFICATE", der), config)
}

/// The chain the node or load balancer `id` presents, after its own certificate: the
/// operator's issuers, or the deployment CA (creating-new-keystores.md, "Step 2: Importing
/// certificates to the keystore": the issuers go in with the signed certificate).
pub(super) fn issuers(d: &Deployment, pki: &Pki, id: &str) -> Vec<Vec<u8>> {
    match d.tls.provided.get(id) {
        Some(pc) => pc.chain[1..].to_vec(),
        None => deployment_ca(d, pki)
            .map(|c| c.der.clone())
            .into_iter()
            .collect(),
    }
}

/// The certificate the node or load balancer `id` presents (DER).
pub(super) fn leaf<'a>(d: &'a Deployment, pki: &'a Pki, id: &str) -> &'a [u8] {
    match d.tls.provided.get(id) {
        Some(pc) => &pc.chain[0],
        None => &pki.cert(id).expect("planned certificate").der,
    }
}

/// The PEM of a certificate kmgen made (the text in `pki/certs/`, byte for byte) or of
/// another one.
fn pem_of(pki: &Pki, der: &[u8]) -> String {
    match pki.certs().find(|(_, c)| c.der == der) {
        Some((_, c)) => c.pem.clone(),
        None => pem(der),
    }
}

/// The certificate, then its issuers, as PEM (nginx's `ssl_certificate`).
pub(super) fn chain_pem(d: &Deployment, pki: &Pki, id: &str) -> Vec<u8> {
    std::iter::once(leaf(d, pki, id).to_vec())
        .chain(issuers(d, pki, id))
        .map(|der| pem_of(pki, &der))
        .collect::<String>()
        .into_bytes()
}

/// The root an operator's chain ends at: its last certificate when self-issued, else the
/// `extra_trusted` or public root that issued it (validation found one).
fn anchor(d: &Deployment, pc: &ProvidedCert) -> Option<Vec<u8>> {
    let top_der = pc.chain.last()?;
    let (_, top) = X509Certificate::from_der(top_der).ok()?;
    if top.issuer().as_raw() == top.subject().as_raw() {
        return Some(top_der.clone());
    }
    let extra = d
        .tls
        .extra_trusted
        .iter()
        .flat_map(|e| e.certificates.clone());
    let roots = mozilla_roots().iter().map(|(_, der)| der.clone());
    extra.chain(roots).find(|der| {
        X509Certificate::from_der(der)
            .is_ok_and(|(_, root)| root.subject().as_raw() == top.issuer().as_raw())
    })
}

/// Roots of the operators' chains that no other entry supplies: self-issued tops, under
/// `<id>.root` (node names hold no `.`), once each, unless `extra_trusted` or the public
/// roots hold them already.
fn operator_roots(d: &Deployment) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let mut known: Vec<Vec<u8>> = d
        .tls
        .extra_trusted
        .iter()
        .flat_map(|e| e.certificates.clone())
        .collect();
    if d.tls.public_roots && !d.tls.provided.is_empty() {
        known.extend(mozilla_roots().iter().map(|(_, der)| der.clone()));
    }
    for (id, pc) in &d.tls.provided {
        let Some(top) = pc.chain.last() else { continue };
        let self_issued = X509Certificate::from_der(top)
            .is_ok_and(|(_, c)| c.issuer().as_raw() == c.subject().as_raw());
        if self_issued && !known.contains(top) && !out.iter().any(|(_, der)| der == top) {
            out.push((format!("{id}.root"), top.clone()));
        }
    }
    out
}

/// The truststore every node shares: every certificate kmgen made (self-signed) or only the
/// deployment CA (private-ca), the roots of operators' chains, `extra_trusted`, and the
/// Mozilla roots on request. With the CA its size does not depend on the nodes.
pub(super) fn trusted(d: &Deployment, pki: &Pki) -> Vec<(String, Vec<u8>)> {
    // No product lookup kmgen switches on reads the truststore by an alias (docs/rules.md,
    // "TLS modes"): the primary key is read from the keystore at `KeyAlias`
    // (carbon-kernel@v4.4.35 KeyStoreManager.java l.450, 483), the backend JWT is signed
    // with it (carbon-apimgt@v6.4.50 AbstractJWTGenerator.java l.262-265), and Jaggery SSO,
    // off in site.json, reads `keyStoreName` (jaggery-extensions@v1.5.6 sso Util.java l.418-420).
    let mut trusted: Vec<(String, Vec<u8>)> = match deployment_ca(d, pki) {
        Some(ca) => vec![(CA_ID.to_string(), ca.der.clone())],
        None => pki
            .certs()
            .map(|(id, c)| (id.to_string(), c.der.clone()))
            .collect(),
    };
    trusted.extend(operator_roots(d));
    for (i, extra) in d.tls.extra_trusted.iter().enumerate() {
        for (j, der) in extra.certificates.iter().enumerate() {
            trusted.push((extra_alias(i, j), der.clone()));
        }
    }
    if d.tls.public_roots {
        trusted.extend(mozilla_roots().iter().cloned());
    }
    trusted
}

/// What nginx trusts to reach the nodes `backends`: the deployment CA, or each kmgen
/// certificate (self-signed); and the root of each operator's chain among them.
pub(super) fn backends_pem(d: &Deployment, pki: &Pki, backends: &[&str]) -> Vec<u8> {
    let mut ders: Vec<Vec<u8>> = Vec::new();
    if let Some(ca) = deployment_ca(d, pki) {
        ders.push(ca.der.clone());
    }
    for id in backends {
        let der = match d.tls.provided.get(*id) {
            Some(pc) => anchor(d, pc),
            None if deployment_ca(d, pki).is_none() => Some(leaf(d, pki, id).to_vec()),
            None => None,
        };
        if let Some(der) = der.filter(|der| !ders.contains(der)) {
            ders.push(der);
        }
    }
    ders.iter()
        .map(|der| pem_of(pki, der))
        .collect::<String>()
        .into_bytes()
}
