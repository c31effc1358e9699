//! The bundle as a list of typed outputs: every file kmgen writes, with its path, its kind,
//! whether it holds a secret, and what produces its bytes. `bundle` only turns each into
//! bytes and writes them; `kmgen plan` lists them.
use crate::topology::LoadBalancerId;
use serde::Serialize;

/// An embedded template, by what it renders. The name is its path under `templates/`:
/// `common/` for a file both packs ship (their differences are view data), the product
/// folder for a file only one pack has or that differs per pack or role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum TemplateId {
    Carbon,
    ApiManager,
    UserMgt,
    MasterDatasources,
    CatalinaServer,
    /// `identity/identity.xml`: the IS 5.7.0 framework file both packs ship.
    Identity,
    ApimRegistry,
    /// The traffic manager's `registry_TM.xml`, written as `registry.xml`.
    ApimRegistryTm,
    /// API-M's Synapse (pass-through) `axis2.xml`.
    ApimAxis2,
    /// The traffic manager's `axis2_TM.xml`, written as `axis2/axis2.xml`.
    ApimAxis2Tm,
    ApimJndi,
    /// `hazelcast.properties` of a clustered node (the pack ships none).
    ApimHazelcastProperties,
    IsKmRegistry,
    IsKmEmbeddedLdap,
    IsKmAxis2,
    /// `load-balancer/<id>.conf`.
    Nginx,
    /// The bundle's `README.md`.
    Readme,
    /// The topology table of the README and of `kmgen plan`.
    Topology,
    /// `repository/conf/broker.xml`: the message broker's AMQP/MQTT SSL stores.
    ApimBroker,
    /// `repository/conf/data-bridge/data-bridge-config.xml`: the event receivers' keystore.
    ApimDataBridge,
    /// `repository/resources/security/sslprofiles.xml`: the PassThrough HTTPS sender's profile.
    ApimSslProfiles,
    /// The Gateway's secure WebSocket inbound endpoint (`wss`, 8099).
    ApimSecureWebSocketInbound,
    /// `identity/EndpointConfig.properties`: the framework file both packs ship.
    EndpointConfig,
    /// `databases/h2/start-h2-server.sh`.
    H2Server,
    /// The Publisher app's `site.json` behind the API-M load balancer.
    ApimPublisherSiteJson,
    /// The Store app's `site.json` behind the API-M load balancer.
    ApimStoreSiteJson,
    /// The Admin app's `site.json` behind the API-M load balancer.
    ApimAdminSiteJson,
    /// `hazelcast.properties` of a clustered Key Manager (the pack ships none).
    IsKmHazelcastProperties,
    /// `sync/<group>/rsync-for-carbon-depsync.sh`: the sync source pushes its
    /// `repository/deployment/server` to the others.
    SyncRsyncScript,
    /// `sync/<group>/workers-list.txt`: where that script pushes to.
    SyncWorkersList,
    /// `sync/<group>/cron.d/<job>`: the script every minute, from cron.
    SyncCron,
    /// `sync/<group>/systemd/<job>.service`: one run of the script.
    SyncService,
    /// `sync/<group>/systemd/<job>.timer`: that service every minute.
    SyncTimer,
    /// `sync/<group>/seed-nfs-export.sh`: fills the NFS share once, before the first start.
    SyncNfsSeed,
    /// `sync/<group>/<node>/fstab`: the node's fstab line for the share.
    SyncFstab,
    /// `sync/<group>/<node>/<escaped mount point>.mount`: the same as a systemd mount unit.
    SyncMount,
    /// `deploy/inventory.yml`: the Ansible inventory, one group per role and load balancer.
    DeployInventory,
    /// `deploy/site.yml`: the playbook that installs the bundle and starts the nodes.
    DeploySite,
    /// `deploy/rollback.yml`: restores each host's newest backup.
    DeployRollback,
    /// `deploy/tasks/install-files.yml`: backs up and replaces one host's files.
    DeployInstallFiles,
    /// `deploy/tasks/start-node.yml`: starts (or restarts) one node and waits for it.
    DeployStartNode,
    /// `deploy/tasks/backup.yml`: copies files about to be replaced into the host's backup.
    DeployBackup,
}

impl TemplateId {
    pub const ALL: [TemplateId; 42] = [
        TemplateId::Carbon,
        TemplateId::ApiManager,
        TemplateId::UserMgt,
        TemplateId::MasterDatasources,
        TemplateId::CatalinaServer,
        TemplateId::Identity,
        TemplateId::ApimRegistry,
        TemplateId::ApimRegistryTm,
        TemplateId::ApimAxis2,
        TemplateId::ApimAxis2Tm,
        TemplateId::ApimJndi,
        TemplateId::ApimHazelcastProperties,
        TemplateId::IsKmRegistry,
        TemplateId::IsKmEmbeddedLdap,
        TemplateId::IsKmAxis2,
        TemplateId::Nginx,
        TemplateId::Readme,
        TemplateId::Topology,
        TemplateId::ApimBroker,
        TemplateId::ApimDataBridge,
        TemplateId::ApimSslProfiles,
        TemplateId::ApimSecureWebSocketInbound,
        TemplateId::EndpointConfig,
        TemplateId::H2Server,
        TemplateId::ApimPublisherSiteJson,
        TemplateId::ApimStoreSiteJson,
        TemplateId::ApimAdminSiteJson,
        TemplateId::IsKmHazelcastProperties,
        TemplateId::SyncRsyncScript,
        TemplateId::SyncWorkersList,
        TemplateId::SyncCron,
        TemplateId::SyncService,
        TemplateId::SyncTimer,
        TemplateId::SyncNfsSeed,
        TemplateId::SyncFstab,
        TemplateId::SyncMount,
        TemplateId::DeployInventory,
        TemplateId::DeploySite,
        TemplateId::DeployRollback,
        TemplateId::DeployInstallFiles,
        TemplateId::DeployStartNode,
        TemplateId::DeployBackup,
    ];

    /// Whether the rendered file can hold a secret (a password, or credentials in a URL):
    /// such files are written 0600. Only files known to hold none are world-readable.
    pub fn holds_secrets(self) -> bool {
        use TemplateId::*;
        !matches!(
            self,
            ApimRegistry
                | ApimRegistryTm
                | ApimHazelcastProperties
                | IsKmRegistry
                | Nginx
                | Readme
                | Topology
                | H2Server
                | ApimPublisherSiteJson
                | ApimStoreSiteJson
                | ApimAdminSiteJson
                | IsKmHazelcastProperties
                | SyncRsyncScript
                | SyncWorkersList
                | SyncCron
                | SyncService
                | SyncTimer
                | SyncNfsSeed
                | SyncFstab
                | SyncMount
                | DeployInventory
                | DeploySite
                | DeployRollback
                | DeployInstallFiles
                | DeployStartNode
                | DeployBackup
        )
    }

    /// The template's path under `templates/` (also its name for `--templates DIR`).
    pub fn name(self) -> &'static str {
        use TemplateId::*;
        match self {
            Carbon => "common/repository/conf/carbon.xml",
            ApiManager => "common/repository/conf/api-manager.xml",
            UserMgt => "common/repository/conf/user-mgt.xml",
            MasterDatasources => "common/repository/conf/datasources/master-datasources.xml",
            CatalinaServer => "common/repository/conf/tomcat/catalina-server.xml",
            Identity => "common/repository/conf/identity/identity.xml",
            ApimRegistry => "apim-2.6.0/repository/conf/registry.xml",
            ApimRegistryTm => "apim-2.6.0/repository/conf/registry_TM.xml",
            ApimAxis2 => "apim-2.6.0/repository/conf/axis2/axis2.xml",
            ApimAxis2Tm => "apim-2.6.0/repository/conf/axis2_TM.xml",
            ApimJndi => "apim-2.6.0/repository/conf/jndi.properties",
            ApimHazelcastProperties => "apim-2.6.0/repository/conf/hazelcast.properties",
            IsKmRegistry => "is-km-5.7.0/repository/conf/registry.xml",
            IsKmEmbeddedLdap => "is-km-5.7.0/repository/conf/identity/embedded-ldap.xml",
            IsKmAxis2 => "is-km-5.7.0/repository/conf/axis2/axis2.xml",
            Nginx => "load-balancer/nginx.conf",
            Readme => "bundle/README.md",
            Topology => "bundle/topology.md",
            ApimBroker => "apim-2.6.0/repository/conf/broker.xml",
            ApimDataBridge => "apim-2.6.0/repository/conf/data-bridge/data-bridge-config.xml",
            ApimSslProfiles => "apim-2.6.0/repository/resources/security/sslprofiles.xml",
            ApimSecureWebSocketInbound => {
                "apim-2.6.0/repository/deployment/server/synapse-configs/default/inbound-endpoints/SecureWebSocketInboundEndpoint.xml"
            }
            EndpointConfig => "common/repository/conf/identity/EndpointConfig.properties",
            H2Server => "databases/h2/start-h2-server.sh",
            ApimPublisherSiteJson => {
                "apim-2.6.0/repository/deployment/server/jaggeryapps/publisher/site/conf/site.json"
            }
            ApimStoreSiteJson => {
                "apim-2.6.0/repository/deployment/server/jaggeryapps/store/site/conf/site.json"
            }
            ApimAdminSiteJson => {
                "apim-2.6.0/repository/deployment/server/jaggeryapps/admin/site/conf/site.json"
            }
            IsKmHazelcastProperties => "is-km-5.7.0/repository/conf/hazelcast.properties",
            SyncRsyncScript => "sync/rsync-for-carbon-depsync.sh",
            SyncWorkersList => "sync/workers-list.txt",
            SyncCron => "sync/depsync.cron",
            SyncService => "sync/depsync.service",
            SyncTimer => "sync/depsync.timer",
            SyncNfsSeed => "sync/seed-nfs-export.sh",
            SyncFstab => "sync/nfs.fstab",
            SyncMount => "sync/nfs.mount",
            DeployInventory => "deploy/inventory.yml",
            DeploySite => "deploy/site.yml",
            DeployRollback => "deploy/rollback.yml",
            DeployInstallFiles => "deploy/tasks/install-files.yml",
            DeployStartNode => "deploy/tasks/start-node.yml",
            DeployBackup => "deploy/tasks/backup.yml",
        }
    }
}

/// What a file is, as the manifest names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    Config,
    Keystore,
    Truststore,
    PrivateKey,
    Certificate,
    LoadBalancer,
    DatabaseScript,
    /// A shell script the operator runs (written 0755).
    H2ServerScript,
    /// An artifact sharing script: rsync job, NFS seeding (written 0755).
    SyncScript,
    /// An artifact sharing file an operator installs: rsync destinations, cron.d, fstab line.
    SyncConfig,
    /// A systemd unit: the rsync job's service and timer, a node's NFS mount.
    SystemdUnit,
    /// An Ansible inventory, playbook or task file of `deploy/`.
    Deploy,
    Readme,
    /// `nodes/<node>.tar.gz` (`build --archive`): the node's folder as one archive.
    Archive,
    Manifest,
    Marker,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Config => "config",
            FileKind::Keystore => "keystore",
            FileKind::Truststore => "truststore",
            FileKind::PrivateKey => "private-key",
            FileKind::Certificate => "certificate",
            FileKind::LoadBalancer => "load-balancer",
            FileKind::DatabaseScript => "database-script",
            FileKind::H2ServerScript => "h2-server-script",
            FileKind::SyncScript => "sync-script",
            FileKind::SyncConfig => "sync-config",
            FileKind::SystemdUnit => "systemd-unit",
            FileKind::Deploy => "deploy",
            FileKind::Readme => "readme",
            FileKind::Archive => "archive",
            FileKind::Manifest => "manifest",
            FileKind::Marker => "marker",
        }
    }
}

/// What produces a file's bytes. Indexes point into `Plan::nodes` and
/// `Plan::load_balancers`; ids into `Plan::keys` and `Plan::certs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "source", rename_all = "kebab-case")]
pub enum Source {
    /// A node's config file: its view rendered through a template.
    NodeConfig {
        node: usize,
        template: TemplateId,
    },
    /// A node's keystore: its primary key pair and its certificate.
    Keystore {
        node: usize,
    },
    /// A node's truststore: every certificate the deployment trusts.
    Truststore {
        node: usize,
    },
    /// `pki/keys/<id>.key.pem`.
    Key {
        id: String,
    },
    /// `pki/certs/<id>.crt.pem`.
    Certificate {
        id: String,
    },
    /// `load-balancer/<id>.conf`, rendered from its view.
    NginxConfig {
        lb: usize,
    },
    /// `load-balancer/ssl/<id>.crt` and `.key`: the load balancer's own.
    LoadBalancerCertificate {
        lb: usize,
    },
    LoadBalancerKey {
        lb: usize,
    },
    /// `load-balancer/ssl/<id>.backends.crt`: the certificates of the nodes behind it.
    LoadBalancerBackends {
        lb: usize,
    },
    /// `databases/<type>/create-databases.sql`.
    DatabaseScript,
    /// A node's Secure Vault file under `repository/conf/security/` (`[secure_vault]`).
    SecureVault {
        node: usize,
        file: VaultFile,
    },
    /// `databases/h2/start-h2-server.sh`, rendered from the deployment.
    H2ServerScript,
    /// A file of `sync/`: group `group` of `Plan::sync`, for node `node` (the rsync source,
    /// or the node that mounts the share) when it belongs on one.
    Sync {
        group: usize,
        node: Option<usize>,
        template: TemplateId,
    },
    /// A file of `deploy/`, rendered from the whole plan.
    Deploy {
        template: TemplateId,
    },
    /// The bundle's `README.md`.
    Readme,
    /// `nodes/<node>.tar.gz` (`build --archive`): every file and folder of the node's
    /// folder, made from their bytes by the bundle.
    NodeArchive {
        node: usize,
    },
    /// `manifest.json`: every other file with its digest (written last).
    Manifest,
    /// `.kmgen-bundle`: marks a folder kmgen may replace.
    Marker,
    /// `pki/rotated-<time>/...`: a replaced primary key or its certificate, kept (not
    /// planned: the build finds them; see `bundle::archive`).
    Archived,
}

/// The three files of a node's Secure Vault (plan/vault.rs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VaultFile {
    /// `cipher-text.properties`: alias = the secret, encrypted with the node's primary key.
    CipherText,
    /// `cipher-tool.properties`: alias = file//xpath, for the Cipher Tool.
    CipherTool,
    /// `secret-conf.properties`: the secret repository and the keystore that decrypts it.
    SecretConf,
}

/// One file of the bundle.
#[derive(Debug, Clone, Serialize)]
pub struct Output {
    /// Path inside `OUT/<name>/`.
    pub path: String,
    pub kind: FileKind,
    /// The node whose folder holds it, or (`sync/`) the node it is installed on.
    pub node: Option<String>,
    /// Holds a secret or a private key: written 0600.
    pub private: bool,
    #[serde(flatten)]
    pub source: Source,
}

impl Output {
    /// Where this file goes on node `node`'s server, relative to its pack home: the files
    /// under `nodes/<node>/`, and with Secure Vault those under `secrets/<node>/`
    /// (plan/vault.rs `unaliased`); both are copied over the pack (the bundle README's steps).
    pub fn pack_path(&self, node: &str) -> Option<&str> {
        ["nodes", super::vault::SECRETS_TREE]
            .iter()
            .find_map(|tree| {
                let rest = self.path.strip_prefix(tree)?.strip_prefix('/')?;
                rest.strip_prefix(node)?.strip_prefix('/')
            })
    }

    /// The file's mode: 0600 when it holds a secret, 0755 for a script run as it is, else
    /// 0644.
    pub fn mode(&self) -> u32 {
        let script = matches!(self.kind, FileKind::H2ServerScript | FileKind::SyncScript);
        match (self.private, script) {
            (true, _) => 0o600,
            (false, true) => 0o755,
            (false, false) => 0o644,
        }
    }
}

/// The H2 server's script in the bundle (a deployment on h2 only).
pub const H2_SCRIPT: &str = "databases/h2/start-h2-server.sh";

/// Present in every bundle kmgen writes; only such a folder is replaced without `--force`.
pub const MARKER: &str = ".kmgen-bundle";

/// The load balancer file names of `id`.
pub fn lb_paths(id: LoadBalancerId) -> [String; 4] {
    [
        format!("load-balancer/{id}.conf"),
        format!("load-balancer/ssl/{id}.crt"),
        format!("load-balancer/ssl/{id}.key"),
        format!("load-balancer/ssl/{id}.backends.crt"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_path_takes_the_node_folder_and_its_secrets_only() {
        let at = |path: &str| Output {
            path: path.into(),
            kind: FileKind::Config,
            node: None,
            private: false,
            source: Source::Readme,
        };
        let conf = "repository/conf/carbon.xml";
        assert_eq!(at(&format!("nodes/km/{conf}")).pack_path("km"), Some(conf));
        assert_eq!(
            at(&format!("secrets/km/{conf}")).pack_path("km"),
            Some(conf)
        );
        assert_eq!(at(&format!("nodes/km-2/{conf}")).pack_path("km"), None);
        assert_eq!(at("nodes/km.tar.gz").pack_path("km"), None);
        assert_eq!(at(&format!("sync/km/{conf}")).pack_path("km"), None);
    }
}
