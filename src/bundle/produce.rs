//! The bytes of each planned output: rendered templates, stores, PEM files, scripts.
use super::{trust, Bytes};
use crate::error::Error;
use crate::keystore::{self, StoreFormat};
use crate::model::parallel;
use crate::pki::Pki;
use crate::plan::{nginx_view, Output, Plan, Source, VaultFile};
use crate::render::{self, databases, deploy, h2, readme, sync, Prepared, Templates};
use std::fs;
use std::path::Path;

/// Everything the outputs are made from, beyond the plan.
pub struct Inputs<'a> {
    pub plan: &'a Plan,
    /// Parsed on a thread of their own: the stores are made while it runs, and the first
    /// output that needs a template waits for it.
    pub templates: &'a Templates<'a>,
    pub pki: &'a Pki,
    /// The bundle as it is on disk now (its stores are kept when their entries are equal).
    pub previous: &'a Path,
}

/// An output's bytes, and whether they are the file on disk at its path, read for them (a
/// store that already holds exactly its entries): the comparison need not read it again.
pub struct Made {
    pub bytes: Bytes,
    pub on_disk: bool,
}

impl Made {
    fn new(bytes: Vec<u8>) -> Self {
        Made {
            bytes: Bytes::new(bytes),
            on_disk: false,
        }
    }

    fn kept(bytes: Bytes) -> Self {
        Made {
            bytes,
            on_disk: true,
        }
    }
}

/// Which outputs `produce` makes.
#[derive(Clone, Copy, PartialEq)]
pub enum Part {
    All,
    /// Those made without any key or certificate: a cold build makes and writes them while
    /// its keys are generated (`inputs.pki` may then be empty).
    KeyFree,
    /// The others.
    WithKeys,
}

impl Part {
    fn takes(self, source: &Source) -> bool {
        let key_free = match source {
            Source::NodeConfig { .. }
            | Source::NginxConfig { .. }
            | Source::DatabaseScript
            | Source::H2ServerScript
            | Source::Sync { .. }
            | Source::Deploy { .. }
            | Source::Readme
            | Source::SecureVault {
                file: VaultFile::CipherTool | VaultFile::SecretConf,
                ..
            } => true,
            Source::Key { .. }
            | Source::Certificate { .. }
            | Source::LoadBalancerCertificate { .. }
            | Source::LoadBalancerKey { .. }
            | Source::LoadBalancerBackends { .. }
            | Source::Keystore { .. }
            | Source::Truststore { .. }
            | Source::SecureVault {
                file: VaultFile::CipherText,
                ..
            } => false,
            // Made by `bundle` from the others.
            Source::NodeArchive { .. } | Source::Manifest | Source::Marker | Source::Archived => {
                return false
            }
        };
        match self {
            Part::All => true,
            Part::KeyFree => key_free,
            Part::WithKeys => !key_free,
        }
    }
}

/// Produces the bytes of the outputs of `part` but the node archives, the manifest and the
/// marker (made from these by `bundle`), in plan order. The truststores are made here;
/// everything else on one worker per core (`made`).
pub fn produce<'p>(inputs: &Inputs<'p>, part: Part) -> Result<Vec<(&'p Output, Made)>, Error> {
    let outputs: Vec<&Output> = inputs
        .plan
        .outputs
        .iter()
        .filter(|o| part.takes(&o.source))
        .collect();
    // The truststores need no template: made first, while the templates may still parse.
    let mut truststores = None;
    let mut trusted = Vec::new();
    for o in &outputs {
        if let Source::Truststore { .. } = o.source {
            let stores = match &mut truststores {
                Some(stores) => stores,
                None => truststores.insert(Truststores::new(inputs)),
            };
            trusted.push(stores.bytes(o));
        }
    }
    let mut trusted = trusted.into_iter();
    let mut made = made(inputs, &outputs).into_iter();
    let mut out = Vec::with_capacity(outputs.len());
    for o in outputs {
        let bytes = match o.source {
            Source::Truststore { .. } => trusted.next().expect("one per truststore")?,
            _ => made.next().expect("one result per output")?,
        };
        out.push((o, bytes));
    }
    Ok(out)
}

/// The bytes of every output but the truststores, in order, on one worker per core. A
/// worker takes a run of consecutive outputs of one node, so the node's view is serialized
/// once for all its files.
fn made(inputs: &Inputs, outputs: &[&Output]) -> Vec<Result<Made, Error>> {
    let mut runs: Vec<&[&Output]> = Vec::new();
    let mut start = 0;
    for i in 1..=outputs.len() {
        if i == outputs.len() || outputs[i].node != outputs[start].node {
            runs.push(&outputs[start..i]);
            start = i;
        }
    }
    let made = parallel::map(&runs, |run| {
        let mut view: Option<(usize, Prepared)> = None;
        let mut done = Vec::with_capacity(run.len());
        for o in run.iter() {
            done.push(match &o.source {
                Source::Truststore { .. } => continue,
                Source::Keystore { node } => keystore(inputs, o, *node),
                Source::SecureVault { node, file } => {
                    vault_file(inputs, o, *node, *file).map(Made::new)
                }
                Source::NodeConfig { node, template } => {
                    if view.as_ref().map(|(n, _)| *n) != Some(*node) {
                        let n = &inputs.plan.nodes[*node];
                        view = Some((*node, Prepared::new(&n.view)));
                    }
                    let (_, prepared) = view.as_ref().expect("prepared above");
                    inputs
                        .templates
                        .get()
                        .and_then(|r| r.render_prepared(template.name(), prepared))
                        .map(|text| Made::new(text.into_bytes()))
                        .map_err(Error::from)
                }
                source => bytes(inputs, source).map(Made::new),
            });
        }
        done
    });
    made.into_iter().flatten().collect()
}

fn bytes(inputs: &Inputs, source: &Source) -> Result<Vec<u8>, Error> {
    let Inputs {
        plan,
        templates,
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
            templates
                .get()?
                .render(template.name(), &n.view)?
                .into_bytes()
        }
        Source::Key { id } => key_pem(id),
        Source::Certificate { id } => pem(id),
        Source::NginxConfig { lb: i } => {
            let view = nginx_view(d, lb(*i));
            let name = crate::plan::TemplateId::Nginx.name();
            templates.get()?.render_ctx(name, &view)?.into_bytes()
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
        Source::H2ServerScript => h2::script(plan, templates.get()?)?.into_bytes(),
        Source::Sync {
            group,
            node,
            template,
        } => sync::render(plan, templates.get()?, *group, *node, *template)?.into_bytes(),
        Source::Deploy { template } => {
            deploy::render(plan, templates.get()?, *template)?.into_bytes()
        }
        Source::Readme => readme::render(plan, templates.get()?)?.into_bytes(),
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

/// The truststore every node shares (`trust::trusted`). Its entries are known up front; the store is encoded at most once, and only when a node's store on disk does not
/// already hold exactly them. Each distinct store on disk is opened once.
struct Truststores<'a> {
    inputs: &'a Inputs<'a>,
    trusted: Vec<(String, Vec<u8>)>,
    /// The entries a store must hold, worked out when a store on disk is to be checked.
    entries: Option<Vec<keystore::Entry>>,
    /// Shared by every node whose store on disk does not hold `entries`.
    encoded: Option<Bytes>,
    /// Stores read from disk, and whether they hold exactly `entries`: nodes whose stores
    /// on disk are the same share one copy.
    seen: Vec<(Bytes, bool)>,
}

impl<'a> Truststores<'a> {
    fn new(inputs: &'a Inputs<'a>) -> Self {
        Truststores {
            inputs,
            trusted: trust::trusted(&inputs.plan.deployment, inputs.pki),
            entries: None,
            encoded: None,
            seen: Vec::new(),
        }
    }

    /// The bytes of truststore `o`: the one on disk when it holds exactly the entries.
    fn bytes(&mut self, o: &Output) -> Result<Made, Error> {
        let tls = &self.inputs.plan.deployment.tls;
        let password = tls.truststore_password.expose();
        if let Ok(old) = fs::read(self.inputs.previous.join(&o.path)) {
            let known = self.seen.iter().find(|(bytes, _)| **bytes == old);
            let (old, keep) = match known {
                Some((bytes, keep)) => (Bytes::clone(bytes), *keep),
                None => {
                    let entries = match &mut self.entries {
                        Some(entries) => entries,
                        None => self.entries.insert(
                            keystore::trust_entries(&self.trusted, password)
                                .map_err(|e| store_err(self.inputs, e))?,
                        ),
                    };
                    let keep = holds(tls.format, &old, password, entries);
                    let old = Bytes::new(old);
                    self.seen.push((Bytes::clone(&old), keep));
                    (old, keep)
                }
            };
            if keep {
                return Ok(Made::kept(old));
            }
        }
        let encoded = match &self.encoded {
            Some(encoded) => encoded,
            None => self.encoded.insert(Bytes::new(
                keystore::trust_store(tls.format, &self.trusted, password)
                    .map_err(|e| store_err(self.inputs, e))?,
            )),
        };
        Ok(Made {
            bytes: Bytes::clone(encoded),
            on_disk: false,
        })
    }
}

fn store_err(inputs: &Inputs, source: keystore::StoreError) -> Error {
    Error::Store {
        node: inputs
            .plan
            .nodes
            .first()
            .map(|n| n.name.to_string())
            .unwrap_or_default(),
        what: "truststore",
        source,
    }
}

/// A node's keystore: its primary key pair under `key_alias`, with its certificate and its
/// issuers (the deployment CA, or the operator's chain); the one on disk when it already
/// holds exactly that entry.
fn keystore(inputs: &Inputs, o: &Output, node: usize) -> Result<Made, Error> {
    let d = &inputs.plan.deployment;
    let n = &inputs.plan.nodes[node];
    let cert = trust::leaf(d, inputs.pki, &n.name);
    let issuers = trust::issuers(d, inputs.pki, &n.name);
    let issuers: Vec<&[u8]> = issuers.iter().map(Vec::as_slice).collect();
    let key = inputs.pki.key(&n.key_id).expect("planned key");
    let password = d.tls.keystore_password.expose();
    let (alias, format) = (&d.tls.key_alias, d.tls.format);
    let fail = |source| Error::Store {
        node: n.name.to_string(),
        what: "keystore",
        source,
    };
    if let Ok(old) = fs::read(inputs.previous.join(&o.path)) {
        let entries = keystore::key_entries(alias, key.pkcs8_der(), cert, &issuers, password)
            .map_err(fail)?;
        if holds(format, &old, password, &entries) {
            return Ok(Made::kept(Bytes::new(old)));
        }
    }
    keystore::key_store_chain(format, alias, key.pkcs8_der(), cert, &issuers, password)
        .map(Made::new)
        .map_err(fail)
}

/// Stores carry random salts, so two builds of the same content differ byte for byte. When
/// the previous bundle's store opens with the same password to exactly the same entries,
/// its bytes are kept: a rebuild of an unchanged profile reproduces the bundle.
fn holds(format: StoreFormat, old: &[u8], password: &str, entries: &[keystore::Entry]) -> bool {
    keystore::decode(format, old, password).is_ok_and(|found| found == entries)
}
