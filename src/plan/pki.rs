//! The key pairs and certificates a deployment needs: one primary key pair per product (or
//! one for the deployment), one certificate per node, one key and certificate per load
//! balancer. `pki` generates or reuses them; the plan only says what they must be.
use crate::model::Node;
use crate::model::{Deployment, Secret, TlsMode};
pub use crate::topology::CA_ID;
use crate::topology::{fronting, key_id, LoadBalancerPlan};
use std::collections::BTreeMap;

/// One primary key pair the deployment needs (`apim`, `is-km`, `deployment`), or a load
/// balancer's own key (`lb-km`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySpec {
    pub id: String,
    /// RSA modulus size: 2048, 3072 or 4096.
    pub bits: u32,
}

/// One certificate to issue (one per node and load balancer) on one of the key pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSpec {
    /// The node name or load balancer id; also the file name `certs/<id>.crt.pem`.
    pub id: String,
    pub key_id: String,
    pub common_name: String,
    /// DNS names or IP addresses, in the order they are written.
    pub sans: Vec<String>,
    pub validity_days: u32,
    /// How the certificate is signed: by its own key, as the deployment CA, or by the CA.
    pub signer: Signer,
}

/// Who signs a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer {
    /// Its own key (`tls.mode = "self-signed"`).
    SelfSigned,
    /// Its own key, as a CA (`basicConstraints` CA): the deployment CA of `private-ca`.
    Ca,
    /// The deployment CA (`CA_ID`).
    IssuedByCa,
}

/// Which of `lbs` front a node: their host names go into the node's certificate.
fn fronting_load_balancers<'a>(
    lbs: &'a [LoadBalancerPlan],
    n: &'a Node,
) -> impl Iterator<Item = String> + 'a {
    fronting(lbs, &n.name).map(|lb| lb.host.to_string())
}

/// The keys and certificates kmgen makes, and the primary keys operators bring (key id →
/// PKCS#8 PEM): a node's operator key is its product's primary key. Nodes and load
/// balancers with an operator certificate get no certificate spec; a load balancer's own
/// key is then the operator's too.
pub(crate) fn pki_specs(
    d: &Deployment,
    lbs: &[LoadBalancerPlan],
) -> (Vec<KeySpec>, Vec<CertSpec>, BTreeMap<String, Secret>) {
    let mut keys: Vec<KeySpec> = Vec::new();
    let mut certs = Vec::new();
    let mut provided_keys = BTreeMap::new();
    let signer = match d.tls.mode {
        TlsMode::SelfSigned => Signer::SelfSigned,
        TlsMode::PrivateCa => {
            // The CA comes first: `pki` issues the others with it.
            keys.push(KeySpec {
                id: CA_ID.to_string(),
                bits: d.tls.key_bits,
            });
            certs.push(CertSpec {
                id: CA_ID.to_string(),
                key_id: CA_ID.to_string(),
                common_name: format!("{} deployment CA", d.name),
                sans: Vec::new(),
                // Twice the leaves' lifetime, so a leaf issued late still ends before its CA.
                validity_days: d.tls.validity_days.saturating_mul(2),
                signer: Signer::Ca,
            });
            Signer::IssuedByCa
        }
    };
    for n in &d.nodes {
        let key = key_id(d, n.role);
        if !keys.iter().any(|k| k.id == key) {
            keys.push(KeySpec {
                id: key.to_string(),
                bits: d.tls.key_bits,
            });
        }
        if let Some(pc) = d.tls.provided.get(n.name.as_str()) {
            // Validation made every node of this key bring the same key.
            provided_keys.insert(key.to_string(), pc.key_pem.clone());
            continue;
        }
        let mut sans = vec![n.host.to_string()];
        sans.extend(n.extra_names.iter().map(|h| h.to_string()));
        sans.extend(fronting_load_balancers(lbs, n));
        sans.push("localhost".to_string());
        dedup(&mut sans);
        certs.push(CertSpec {
            id: n.name.to_string(),
            key_id: key.to_string(),
            common_name: n.host.to_string(),
            sans,
            validity_days: d.tls.validity_days,
            signer,
        });
    }
    // Each load balancer terminates TLS with a certificate of its own, which every node trusts.
    for lb in lbs
        .iter()
        .filter(|lb| !d.tls.provided.contains_key(lb.id.as_str()))
    {
        keys.push(KeySpec {
            id: lb.id.as_str().to_string(),
            bits: d.tls.key_bits,
        });
        certs.push(CertSpec {
            id: lb.id.as_str().to_string(),
            key_id: lb.id.as_str().to_string(),
            common_name: lb.host.to_string(),
            sans: vec![lb.host.to_string()],
            validity_days: d.tls.validity_days,
            signer,
        });
    }
    (keys, certs, provided_keys)
}

fn dedup(v: &mut Vec<String>) {
    let mut seen = std::collections::BTreeSet::new();
    v.retain(|s| seen.insert(s.clone()));
}
