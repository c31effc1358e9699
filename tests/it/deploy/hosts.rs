//! The fake hosts of `deploy.rs`: one folder per inventory host (`kmgen_root`), a fake pack
//! per node (the stock files where the reference has them, `bin/version.txt`, the IS-KM's
//! `WSO2AM_DB.h2.db`, a stub `bin/wso2server.sh`), the variables that point the playbooks
//! at them, and what the test checks on them afterwards. Dropping it ends every listener
//! the stub started.
use crate::fidelity::{stock_dir, ANSIBLE, PRODUCT};
use crate::support::repo;
use kmgen::plan::{Plan, Source};
use kmgen::topology::Product;
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Node {
    pub name: String,
    root: PathBuf,
    home: String,
    address: String,
    port: u16,
}

impl Node {
    /// The node's pack folder on its fake host.
    pub fn pack(&self) -> PathBuf {
        self.root.join(self.home.trim_start_matches('/'))
    }
}

pub struct FakeHosts {
    plan: Plan,
    pub nodes: Vec<Node>,
    hosts: PathBuf,
    net: String,
    /// Every file the playbook installs on a node: its path on the fake host → the pack's own
    /// bytes there before the run (`None`: the pack has no such file).
    originals: BTreeMap<PathBuf, Option<Vec<u8>>>,
}

fn write(path: &Path, bytes: &[u8], mode: u32) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// The stock file a pack holds at `rel`, from the reference where it has it. The packs ship
/// no `hazelcast.properties` (docs/pack-inventory.md).
fn stock(product: Product, rel: &str) -> Option<Vec<u8>> {
    if rel.ends_with("hazelcast.properties") {
        return None;
    }
    let from_reference = stock_dir().and_then(|dir| {
        let path = match product {
            Product::Apim => dir.join(PRODUCT).join(rel.rsplit('/').next().unwrap()),
            Product::IsKm => dir
                .join(ANSIBLE)
                .join("apim-is-as-km")
                .join(format!("{rel}.j2")),
        };
        fs::read(path).ok()
    });
    Some(from_reference.unwrap_or_else(|| format!("stock {rel}\n").into_bytes()))
}

impl FakeHosts {
    pub fn create(scratch: &Path, bundle: &Path) -> FakeHosts {
        let loaded = kmgen::load::load(&repo().join(super::PROFILE)).unwrap();
        let plan = kmgen::plan::plan(&loaded.deployment);
        let hosts = scratch.join("hosts");
        // Each node on its own loopback address; the third byte keeps two test processes apart.
        let net = format!("127.73.{}", std::process::id() % 200 + 10);
        let mut originals = BTreeMap::new();
        let mut nodes = Vec::new();
        for (i, n) in plan.nodes.iter().enumerate() {
            let node = Node {
                name: n.name.to_string(),
                root: hosts.join(&*n.name),
                home: n.home.to_string(),
                address: format!("{net}.{}", i + 1),
                port: n.view.ports.mgt_https.get(),
            };
            let pack = node.pack();
            let version = match n.product {
                Product::Apim => "WSO2 API Manager v2.6.0\n",
                Product::IsKm => "WSO2 Identity Server v5.7.0\n",
            };
            write(&pack.join("bin/version.txt"), version.as_bytes(), 0o644);
            if n.product == Product::IsKm {
                write(
                    &pack.join("repository/database/WSO2AM_DB.h2.db"),
                    b"h2",
                    0o644,
                );
            }
            let stub = repo().join("tests/fixtures/deploy/wso2server.py");
            let script = format!(
                "exec python3 '{}' '{}' '{}' '{}' '{}' {} \"$@\"\n",
                stub.display(),
                pack.display(),
                hosts.join("starts.log").display(),
                node.name,
                node.address,
                node.port
            );
            write(&pack.join("bin/wso2server.sh"), script.as_bytes(), 0o755);
            for o in plan
                .outputs
                .iter()
                .filter(|o| o.node.as_deref() == Some(&*n.name))
            {
                let Some(rel) = o.path.strip_prefix(&format!("nodes/{}/", n.name)) else {
                    continue;
                };
                let original = stock(n.product, rel);
                if let Some(bytes) = &original {
                    write(&pack.join(rel), bytes, 0o644);
                }
                originals.insert(pack.join(rel), original);
            }
            nodes.push(node);
        }
        assert!(bundle.join("deploy/site.yml").is_file());
        FakeHosts {
            plan,
            nodes,
            hosts,
            net,
            originals,
        }
    }

    pub fn node(&self, name: &str) -> &Node {
        self.nodes.iter().find(|n| n.name == name).unwrap()
    }

    pub fn database_address(&self) -> String {
        format!("{}.250", self.net)
    }

    /// Nodes and load balancers.
    pub fn inventory_size(&self) -> usize {
        self.nodes.len() + self.plan.load_balancers.len()
    }

    /// `hosts.yml` (every host local, waited for on its own address), `vars.json` (the roots,
    /// the database, the stub nginx), an empty `ansible.cfg` and a vault password.
    pub fn write_ansible_files(&self, scratch: &Path, bin: &Path, db_port: u16) {
        let per_host: serde_json::Map<String, serde_json::Value> = self
            .nodes
            .iter()
            .map(|n| {
                (
                    n.name.clone(),
                    serde_json::json!({ "kmgen_wait_host": n.address }),
                )
            })
            .collect();
        let inventory = serde_json::json!({ "all": { "hosts": per_host } });
        fs::write(scratch.join("hosts.yml"), inventory.to_string()).unwrap();
        let nginx = scratch.join("nginx");
        let log = self.hosts.join("nginx.log");
        let stub = format!("#!/bin/sh\necho \"$*\" >> '{}'\n", log.display());
        write(&nginx, stub.as_bytes(), 0o755);
        let python = ["python3", "python"]
            .iter()
            .map(|p| bin.join(p))
            .find(|p| p.exists())
            .unwrap_or_else(|| PathBuf::from("/usr/bin/python3"));
        let vars = serde_json::json!({
            "ansible_connection": "local",
            "ansible_python_interpreter": python,
            "kmgen_root": format!("{}/{{{{ inventory_hostname }}}}", self.hosts.display()),
            "kmgen_database_host": self.database_address(),
            "kmgen_database_port": db_port,
            "kmgen_nginx": nginx,
            "kmgen_mount_shares": false,
            "kmgen_rsync_first_run": false,
            "kmgen_start_timeout": 60,
        });
        fs::write(scratch.join("vars.json"), vars.to_string()).unwrap();
        fs::write(scratch.join("ansible.cfg"), "").unwrap();
        fs::write(scratch.join("vault-password"), "kmgen-it-vault\n").unwrap();
    }

    /// `<node> <action>[ -Dprofile=<p>]` for every node, in the README's start order.
    pub fn expected_starts(&self, action: &str) -> Vec<String> {
        kmgen::render::readme::start_order(&self.plan)
            .into_iter()
            .map(|n| match n.view.start_profile {
                Some(p) => format!("{} {action} -Dprofile={p}", n.name),
                None => format!("{} {action}", n.name),
            })
            .collect()
    }

    pub fn start_log(&self) -> Vec<String> {
        let text = fs::read_to_string(self.hosts.join("starts.log")).unwrap_or_default();
        text.lines().map(str::to_string).collect()
    }

    pub fn assert_started_in_order(&self, expected: &[String]) {
        assert_eq!(self.start_log(), expected);
    }

    /// Each load balancer's config tested (`-t`) before nginx reloads, once per `rounds`.
    pub fn assert_nginx_tested_then_reloaded(&self, rounds: usize) {
        let text = fs::read_to_string(self.hosts.join("nginx.log")).unwrap_or_default();
        let lbs = self.plan.load_balancers.len();
        let round = [vec!["-t"; lbs], vec!["-s reload"; lbs]].concat();
        assert_eq!(text.lines().collect::<Vec<_>>(), round.repeat(rounds));
    }

    /// Every planned file of a node, a load balancer or a sync job, where the README puts it,
    /// with the bundle's bytes and mode.
    /// `vaulted`: a file of the bundle encrypted with ansible-vault, and its plain bytes.
    pub fn assert_installed(&self, bundle: &Path, vaulted: &(String, Vec<u8>)) {
        for o in &self.plan.outputs {
            let Some(dest) = self.destination(o) else {
                continue;
            };
            let want = match &vaulted.0 {
                v if *v == o.path => vaulted.1.clone(),
                _ => fs::read(bundle.join(&o.path)).unwrap(),
            };
            let got = fs::read(&dest).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
            assert!(got == want, "{} differs from {}", dest.display(), o.path);
            assert_eq!(super::mode(&dest), o.mode(), "mode of {}", dest.display());
        }
        for n in self.plan.nodes.iter().filter(|n| !n.dirs.is_empty()) {
            for d in &n.dirs {
                assert!(
                    self.node(&n.name).pack().join(d).is_dir(),
                    "{}: {d}",
                    n.name
                );
            }
        }
        for tm in ["tm-1", "tm-2"] {
            let fstab = fs::read_to_string(self.node(tm).root.join("etc/fstab")).unwrap();
            assert!(fstab.contains("nfs.acme.example:/exports/acme-dist-ha-tm /opt/wso2am-2.6.0/repository/deployment/server nfs"), "{fstab}");
        }
    }

    /// Where the playbooks put a planned output on its fake host, if anywhere.
    fn destination(&self, o: &kmgen::plan::Output) -> Option<PathBuf> {
        let file = o.path.rsplit('/').next()?;
        match &o.source {
            Source::NodeConfig { .. } | Source::Keystore { .. } | Source::Truststore { .. } => {
                let n = self.node(o.node.as_deref()?);
                Some(
                    n.pack()
                        .join(o.path.strip_prefix(&format!("nodes/{}/", n.name))?),
                )
            }
            Source::NginxConfig { lb }
            | Source::LoadBalancerCertificate { lb }
            | Source::LoadBalancerKey { lb }
            | Source::LoadBalancerBackends { lb } => {
                let root = self.hosts.join(self.plan.load_balancers[*lb].id.as_str());
                let dir = if file.ends_with(".conf") {
                    "etc/nginx/conf.d"
                } else {
                    "etc/nginx/ssl/acme-dist-ha"
                };
                Some(root.join(dir).join(file))
            }
            Source::Sync { node: Some(i), .. } if o.path.contains("/cron.d/") => {
                Some(self.nodes[*i].root.join("etc/cron.d").join(file))
            }
            Source::Sync { node: Some(i), .. }
                if file.ends_with(".sh") || file.ends_with(".txt") =>
            {
                Some(self.nodes[*i].pack().join("kmgen-sync/gateways").join(file))
            }
            _ => None,
        }
    }

    fn backups(&self) -> Vec<PathBuf> {
        let mut v = Vec::new();
        for host in fs::read_dir(&self.hosts).unwrap() {
            let dir = host.unwrap().path().join("var/backups/kmgen/acme-dist-ha");
            for b in fs::read_dir(&dir).into_iter().flatten() {
                v.push(b.unwrap().path());
            }
        }
        v
    }

    pub fn backup_count(&self) -> usize {
        self.backups().len()
    }

    /// One backup per host; a node's holds the pack's own bytes of every file it replaced.
    pub fn assert_backups_hold_originals(&self) {
        assert_eq!(self.backup_count(), self.inventory_size());
        for (dest, original) in &self.originals {
            let Some(bytes) = original else { continue };
            let node = self
                .nodes
                .iter()
                .find(|n| dest.starts_with(&n.root))
                .unwrap();
            let backup = self
                .backups()
                .into_iter()
                .find(|b| b.starts_with(&node.root))
                .unwrap();
            let copy = backup.join("files").join(dest.strip_prefix("/").unwrap());
            assert_eq!(&fs::read(&copy).unwrap(), bytes, "{}", copy.display());
        }
    }

    /// The packs hold their own files again; what the deployment added is gone.
    pub fn assert_rolled_back(&self) {
        for (dest, original) in &self.originals {
            match original {
                Some(bytes) => {
                    assert_eq!(&fs::read(dest).unwrap(), bytes, "{}", dest.display());
                    assert_eq!(super::mode(dest), 0o644, "{}", dest.display());
                }
                None => assert!(!dest.exists(), "{} is still there", dest.display()),
            }
        }
        for o in &self.plan.outputs {
            if let Some(dest) = self
                .destination(o)
                .filter(|d| !self.originals.contains_key(d))
            {
                assert!(!dest.exists(), "{} is still there", dest.display());
            }
        }
        assert!(!self.node("tm-1").root.join("etc/fstab").exists());
    }
}

impl Drop for FakeHosts {
    /// Ends the stub's listeners (their pids are in each pack's `wso2carbon.pid`).
    fn drop(&mut self) {
        for n in &self.nodes {
            if let Ok(pid) = fs::read_to_string(n.pack().join("wso2carbon.pid")) {
                let _ = Command::new("kill").arg(pid.trim()).status();
            }
        }
    }
}
