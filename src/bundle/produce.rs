//! The bytes of each planned output: rendered templates, stores, PEM files, scripts.
use super::trust;
use crate::error::Error;
use crate::keystore;
use crate::pki::Pki;
use crate::plan::{nginx_view, Output, Plan, Source, VaultFile};
use crate::render::{self, databases, deploy, h2, readme, sync, Renderer};
use std::fs;
use std::path::Path;

/// Everything the outputs are made from, beyond the plan.
pub struct Inputs<'a> {
    pub plan: &'a Plan,
    pub renderer: &'a Renderer,
    pub pki: &'a Pki,
    /// The bundle as it is on disk now (its stores are kept when their entries are equal).
    pub previous: &'a Path,
}

/// Produces the bytes of every output but the node archives, the manifest and the marker
/// (made from these by `bundle`), in plan order.
pub fn produce<'p>(inputs: &Inputs<'p>) -> Result<Vec<(&'p Output, Vec<u8>)>, Error> {
    let truststore = truststore(inputs)?;
    let mut out = Vec::new();
    for o in &inputs.plan.outputs {
        let tls = &inputs.plan.deployment.tls;
        let bytes = match &o.source {
            Source::NodeArchive { .. } | Source::Manifest | Source::Marker => continue,
            Source::Truststore { .. } => {
                let password = tls.truststore_password.expose();
                keep_unchanged(inputs, o, truststore.clone(), password)
            }
            Source::Keystore { node } => {
                let password = tls.keystore_password.expose();
                keep_unchanged(inputs, o, keystore(inputs, *node)?, password)
            }
            Source::SecureVault { node, file } => vault_file(inputs, o, *node, *file)?,
            source => bytes(inputs, source)?,
        };
        out.push((o, bytes));
    }
    Ok(out)
}

fn bytes(inputs: &Inputs, source: &Source) -> Result<Vec<u8>, Error> {
    let Inputs {
        plan,
        renderer,
        pki,
        ..
    } = inputs;
    let d = &plan.deployment;
    let lb = |i: usize| &plan.load_balancers[i];
    let pem = |id: &str| {
        pki.cert(id)
            .expect("planned certificate")
            .pem
            .as_bytes()
            .to_vec()
    };
    let key_pem = |id: &str| pki.key(id).expect("planned key").pem().as_bytes().to_vec();
    Ok(match source {
        Source::NodeConfig { node, template } => {
            let n = &plan.nodes[*node];
            renderer.render(template.name(), &n.view)?.into_bytes()
        }
        Source::Key { id } => key_pem(id),
        Source::Certificate { id } => pem(id),
        Source::NginxConfig { lb: i } => {
            let view = nginx_view(d, lb(*i));
            let name = crate::plan::TemplateId::Nginx.name();
            renderer.render_ctx(name, &view)?.into_bytes()
        }
        // nginx sends the file as the chain: the certificate, then its issuers.
        Source::LoadBalancerCertificate { lb: i } => trust::chain_pem(d, pki, lb(*i).id.as_str()),
        Source::LoadBalancerKey { lb: i } => match d.tls.provided.get(lb(*i).id.as_str()) {
            Some(pc) => pc.key_pem.expose().as_bytes().to_vec(),
            None => key_pem(lb(*i).id.as_str()),
        },
        Source::LoadBalancerBackends { lb: i } => {
            let mut nodes: Vec<&str> = Vec::new();
            for b in lb(*i).routes.iter().flat_map(|r| &r.backends) {
                if !nodes.contains(&b.node.as_str()) {
                    nodes.push(&b.node);
                }
            }
            // With a deployment CA, nginx trusts the backends through it alone.
            trust::backends_pem(d, pki, &nodes)
        }
        Source::DatabaseScript => databases::script(&d.name, &d.database)
            .expect("planned only for a database server")
            .1
            .into_bytes(),
        Source::H2ServerScript => h2::script(plan, renderer)?.into_bytes(),
        Source::Sync {
            group,
            node,
            template,
        } => sync::render(plan, renderer, *group, *node, *template)?.into_bytes(),
        Source::Deploy { template } => deploy::render(plan, renderer, *template)?.into_bytes(),
        Source::Readme => readme::render(plan, renderer)?.into_bytes(),
        Source::Keystore { .. }
        | Source::Truststore { .. }
        | Source::NodeArchive { .. }
        | Source::SecureVault { .. }
        | Source::Manifest
        | Source::Marker
        | Source::Archived => {
            unreachable!("produced by `produce` and `bundle`")
        }
    })
}

/// A node's Secure Vault file; `cipher-text.properties` keeps the previous bundle's values
/// that still decrypt to the same secrets (bundle/vault.rs).
fn vault_file(inputs: &Inputs, o: &Output, node: usize, file: VaultFile) -> Result<Vec<u8>, Error> {
    let n = &inputs.plan.nodes[node];
    Ok(match file {
        VaultFile::CipherTool => render::vault::cipher_tool(n),
        VaultFile::SecretConf => render::vault::secret_conf(inputs.plan, n),
        VaultFile::CipherText => {
            let key = inputs.pki.key(&n.key_id).expect("planned key");
            let previous = fs::read_to_string(inputs.previous.join(&o.path)).ok();
            super::vault::cipher_text(n, key, previous.as_deref())?
        }
    }
    .into_bytes())
}

/// The truststore every node shares (`trust::trusted`).
fn truststore(inputs: &Inputs) -> Result<Vec<u8>, Error> {
    let d = &inputs.plan.deployment;
    let trusted = trust::trusted(d, inputs.pki);
    let password = d.tls.truststore_password.expose();
    keystore::trust_store(d.tls.format, &trusted, password).map_err(|source| Error::Store {
        node: inputs
            .plan
            .nodes
            .first()
            .map(|n| n.name.to_string())
            .unwrap_or_default(),
        what: "truststore",
        source,
    })
}

/// A node's keystore: its primary key pair under `key_alias`, with its certificate and its
/// issuers (the deployment CA, or the operator's chain).
fn keystore(inputs: &Inputs, node: usize) -> Result<Vec<u8>, Error> {
    let d = &inputs.plan.deployment;
    let n = &inputs.plan.nodes[node];
    let key = inputs.pki.key(&n.key_id).expect("planned key");
    let password = d.tls.keystore_password.expose();
    let issuers = trust::issuers(d, inputs.pki, &n.name);
    let issuers: Vec<&[u8]> = issuers.iter().map(Vec::as_slice).collect();
    keystore::key_store_chain(
        d.tls.format,
        &d.tls.key_alias,
        key.pkcs8_der(),
        trust::leaf(d, inputs.pki, &n.name),
        &issuers,
        password,
    )
    .map_err(|source| Error::Store {
        node: n.name.to_string(),
        what: "keystore",
        source,
    })
}

/// Stores carry random salts, so two builds of the same content differ byte for byte. When
/// the previous bundle's store opens with the same password to exactly the same entries,
/// its bytes are kept: a rebuild of an unchanged profile reproduces the bundle.
fn keep_unchanged(inputs: &Inputs, o: &Output, new: Vec<u8>, password: &str) -> Vec<u8> {
    let format = inputs.plan.deployment.tls.format;
    let Ok(old) = fs::read(inputs.previous.join(&o.path)) else {
        return new;
    };
    match (
        keystore::decode(format, &old, password),
        keystore::decode(format, &new, password),
    ) {
        (Ok(a), Ok(b)) if a == b => old,
        _ => new,
    }
}
