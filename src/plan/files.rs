//! Every file of the bundle, as planned outputs: the nodes' configs and stores, the PKI,
//! the load balancers' files, the database script (or the H2 server's), the artifact sharing
//! files, the README, the manifest and the marker.
use super::outputs::VaultFile;
use super::vault;
use super::{CertSpec, FileKind, KeySpec, Output, PlannedNode, Source, H2_SCRIPT, MARKER};
use crate::model::Deployment;
use crate::plan::lb_paths;
use crate::topology::{LoadBalancerPlan, SyncGroup};

impl Output {
    fn new(path: String, kind: FileKind, private: bool, source: Source) -> Output {
        Output {
            path,
            kind,
            node: None,
            private,
            source,
        }
    }
}

/// Every file of the bundle, in path order; the manifest and the marker come last (the
/// manifest lists every file before it, the marker is written last of all).
pub(super) fn outputs(
    d: &Deployment,
    nodes: &[PlannedNode],
    keys: &[KeySpec],
    certs: &[CertSpec],
    lbs: &[LoadBalancerPlan],
    sync: &[SyncGroup],
) -> Vec<Output> {
    let mut v: Vec<Output> = nodes
        .iter()
        .enumerate()
        .flat_map(|node| node_outputs(d, node))
        .collect();
    v.extend(pki_outputs(keys, certs));
    v.extend(lbs.iter().enumerate().flat_map(lb_outputs));
    for group in sync.iter().enumerate() {
        v.extend(super::sync::outputs(d, nodes, group));
    }
    if let Some(server) = d.database.server() {
        let path = format!("databases/{}/create-databases.sql", server.db_type.as_str());
        v.push(Output::new(
            path,
            FileKind::DatabaseScript,
            true,
            Source::DatabaseScript,
        ));
    }
    if d.database.h2().is_some() {
        // No secret: the stock H2 user and password are the packs', not the profile's.
        v.push(Output::new(
            H2_SCRIPT.into(),
            FileKind::H2ServerScript,
            false,
            Source::H2ServerScript,
        ));
    }
    v.extend(deploy_outputs());
    v.push(Output::new(
        "README.md".into(),
        FileKind::Readme,
        false,
        Source::Readme,
    ));
    v.sort_by(|a, b| a.path.cmp(&b.path));
    v.push(Output::new(
        "manifest.json".into(),
        FileKind::Manifest,
        false,
        Source::Manifest,
    ));
    v.push(Output::new(
        MARKER.into(),
        FileKind::Marker,
        false,
        Source::Marker,
    ));
    v
}

/// A node's config files (private when they can hold a secret), keystore and truststore;
/// with Secure Vault its three vault files, and the files that take no alias go to
/// `secrets/<node>/` (plan/vault.rs `unaliased`).
fn node_outputs(d: &Deployment, (i, n): (usize, &PlannedNode)) -> Vec<Output> {
    let in_tree = |tree: &str, path: &str, kind, private, source| Output {
        node: Some(n.name.to_string()),
        ..Output::new(format!("{tree}/{}/{path}", n.name), kind, private, source)
    };
    let at = |path: &str, kind, private, source| in_tree("nodes", path, kind, private, source);
    let mut v: Vec<Output> = n
        .configs
        .iter()
        .map(|&(template, ref path)| {
            let source = Source::NodeConfig { node: i, template };
            let tree = match d.secure_vault && vault::unaliased(d, n.role, template) {
                true => vault::SECRETS_TREE,
                false => "nodes",
            };
            in_tree(
                tree,
                path,
                FileKind::Config,
                template.holds_secrets(),
                source,
            )
        })
        .collect();
    if d.secure_vault {
        for (file, path, private) in [
            (VaultFile::CipherText, vault::CIPHER_TEXT, true),
            (VaultFile::CipherTool, vault::CIPHER_TOOL, false),
            (VaultFile::SecretConf, vault::SECRET_CONF, false),
        ] {
            let source = Source::SecureVault { node: i, file };
            v.push(at(path, FileKind::Config, private, source));
        }
    }
    v.push(at(
        &n.keystore_file,
        FileKind::Keystore,
        true,
        Source::Keystore { node: i },
    ));
    v.push(at(
        &n.truststore_file,
        FileKind::Truststore,
        false,
        Source::Truststore { node: i },
    ));
    v
}

/// `pki/keys/<id>.key.pem` (0600) and `pki/certs/<id>.crt.pem`.
fn pki_outputs(keys: &[KeySpec], certs: &[CertSpec]) -> Vec<Output> {
    let keys = keys.iter().map(|k| {
        let path = format!("pki/keys/{}.key.pem", k.id);
        Output::new(
            path,
            FileKind::PrivateKey,
            true,
            Source::Key { id: k.id.clone() },
        )
    });
    let certs = certs.iter().map(|c| {
        let path = format!("pki/certs/{}.crt.pem", c.id);
        let source = Source::Certificate { id: c.id.clone() };
        Output::new(path, FileKind::Certificate, false, source)
    });
    keys.chain(certs).collect()
}

/// A load balancer's nginx config, its certificate and key, and its backends' certificates.
fn lb_outputs((i, lb): (usize, &LoadBalancerPlan)) -> Vec<Output> {
    let [conf, crt, key, backends] = lb_paths(lb.id);
    vec![
        Output::new(
            conf,
            FileKind::LoadBalancer,
            false,
            Source::NginxConfig { lb: i },
        ),
        Output::new(
            crt,
            FileKind::Certificate,
            false,
            Source::LoadBalancerCertificate { lb: i },
        ),
        Output::new(
            key,
            FileKind::PrivateKey,
            true,
            Source::LoadBalancerKey { lb: i },
        ),
        Output::new(
            backends,
            FileKind::Certificate,
            false,
            Source::LoadBalancerBackends { lb: i },
        ),
    ]
}

/// `deploy/`: the Ansible inventory and playbooks that install this bundle (no secret: they
/// name hosts, folders and ports, and read the secret files from the bundle when they run).
fn deploy_outputs() -> Vec<Output> {
    use super::TemplateId::*;
    [
        DeployInventory,
        DeploySite,
        DeployRollback,
        DeployInstallFiles,
        DeployStartNode,
        DeployBackup,
    ]
    .into_iter()
    .map(|template| {
        let path = template.name().to_string();
        Output::new(path, FileKind::Deploy, false, Source::Deploy { template })
    })
    .collect()
}
