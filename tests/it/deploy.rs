//! `deploy/`: the bundle's Ansible inventory and playbooks, run by the real `ansible-playbook`
//! (ansible-core, installed by `.ci/run`). The 11-node distributed HA profile deploys onto
//! fake hosts: every inventory host runs over the local connection, under its own folder
//! (`kmgen_root`) holding a fake pack (the stock files, `bin/version.txt`, and a stub
//! `bin/wso2server.sh` that logs its arguments and opens the management port on the node's
//! own loopback address). Checked: a wrong pack is refused, files land with the bundle's
//! modes, replaced files are backed up, nodes start in the README's order with their
//! profiles, nginx is tested before it reloads, no secret is printed, no run (the refused one
//! included) leaves its private folder on the controller, a second run changes nothing,
//! `rollback.yml` restores the originals (twice: the second changes nothing), and
//! `ansible-lint` (or `--syntax-check`) passes. The Secure Vault example's inventory installs
//! its `secrets/<node>/` files 0600, and its playbooks pass the same lint.
use crate::support::{repo, Kmgen, Scratch};
use std::collections::BTreeMap;
use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

mod hosts;
use hosts::{FakeHosts, Node};

const PROFILE: &str = "profiles/distributed-ha.toml";

/// Where `.ci/run` installs ansible-core and ansible-lint (a virtualenv).
const CI_VENV: &str = "/opt/kmgen-ansible/bin";

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// The folder of `ansible-playbook`: on PATH, or `.ci/run`'s virtualenv. `None` (the test
/// skips) only outside CI.
fn ansible_bin() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .and_then(|p| std::env::split_paths(&p).find(|d| d.join("ansible-playbook").is_file()));
    let found = on_path.or_else(|| {
        let venv = PathBuf::from(CI_VENV);
        venv.join("ansible-playbook").is_file().then_some(venv)
    });
    if found.is_none() {
        assert!(
            !ci(),
            "ansible-playbook is missing under CI (.ci/run installs ansible-core into {CI_VENV})"
        );
        eprintln!("note: deploy: SKIPPED: ansible-playbook not found (pip install ansible-core)");
    }
    found
}

/// One `ansible-playbook` (or other ansible tool) run from the bundle folder.
struct Ansible {
    bin: PathBuf,
    bundle: PathBuf,
    scratch: PathBuf,
}

impl Ansible {
    fn new(bin: PathBuf, bundle: PathBuf, scratch: &Path) -> Self {
        // The controller's temporary folders (Python's tempfile, which ansible's tempfile
        // module uses, takes TMPDIR only when it exists).
        fs::create_dir_all(scratch.join("tmp")).unwrap();
        Ansible {
            bin,
            bundle,
            scratch: scratch.to_path_buf(),
        }
    }

    fn command(&self, tool: &str) -> Command {
        let mut c = Command::new(self.bin.join(tool));
        c.current_dir(&self.bundle)
            .env("TMPDIR", self.scratch.join("tmp"))
            .env("ANSIBLE_CONFIG", self.scratch.join("ansible.cfg"))
            .env("ANSIBLE_LOCAL_TEMP", self.scratch.join("ansible-local"))
            .env("ANSIBLE_REMOTE_TEMP", self.scratch.join("ansible-remote"))
            .env("ANSIBLE_HOME", self.scratch.join("ansible-home"))
            .env("ANSIBLE_NOCOLOR", "1")
            .env("ANSIBLE_FORKS", "16")
            .env("ANSIBLE_DEPRECATION_WARNINGS", "0")
            .env(
                "ANSIBLE_VAULT_PASSWORD_FILE",
                self.scratch.join("vault-password"),
            )
            .env("PATH", path_with(&self.bin));
        c
    }

    /// Runs `playbook` with the fake hosts' inventory and variables; (success, stdout+stderr).
    fn playbook(&self, playbook: &str, extra: &[&str]) -> (bool, String) {
        let out = self
            .command("ansible-playbook")
            .args(["-i", "deploy/inventory.yml", "-i"])
            .arg(self.scratch.join("hosts.yml"))
            .arg("-e")
            .arg(format!("@{}", self.scratch.join("vars.json").display()))
            .arg(format!("deploy/{playbook}"))
            .args(extra)
            .output()
            .expect("run ansible-playbook");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    fn ok(&self, playbook: &str, extra: &[&str]) -> String {
        let (ok, text) = self.playbook(playbook, extra);
        assert!(ok, "ansible-playbook {playbook} failed:\n{text}");
        self.assert_no_private_folder_left(playbook);
        text
    }

    /// site.yml packs the files to install (keys and passwords among them) in a private folder
    /// on the controller: a run removes it, however it ends.
    fn assert_no_private_folder_left(&self, playbook: &str) {
        let left: Vec<String> = fs::read_dir(self.scratch.join("tmp"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".kmgen"))
            .collect();
        assert!(
            left.is_empty(),
            "{playbook} left its private folders on the controller: {left:?}"
        );
    }
}

fn path_with(dir: &Path) -> std::ffi::OsString {
    let mut dirs = vec![dir.to_path_buf()];
    if let Some(p) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&p));
    }
    std::env::join_paths(dirs).unwrap()
}

/// `changed=N` of every host of the PLAY RECAP.
fn changed_per_host(text: &str) -> BTreeMap<String, u32> {
    let recap = text.rsplit("PLAY RECAP").next().unwrap_or("");
    recap
        .lines()
        .filter_map(|l| {
            let (host, rest) = l.split_once(" : ")?;
            let n = rest
                .split_whitespace()
                .find_map(|f| f.strip_prefix("changed="))?;
            Some((host.trim().to_string(), n.parse().ok()?))
        })
        .collect()
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Every secret of the profile (the files it names under `profiles/secrets/`).
fn secrets() -> Vec<String> {
    fs::read_dir(repo().join("profiles/secrets"))
        .unwrap()
        .map(|e| {
            fs::read_to_string(e.unwrap().path())
                .unwrap()
                .trim()
                .to_string()
        })
        .filter(|s| s.len() >= 6)
        .collect()
}

#[test]
fn distributed_ha_deploys_idempotently_and_rolls_back() {
    let Some(bin) = ansible_bin() else { return };
    let scratch = Scratch::new("deploy");
    let out = scratch.join("out");
    Kmgen::new()
        .args([
            "build".as_ref(),
            PROFILE.as_ref(),
            "-o".as_ref(),
            out.as_os_str(),
        ])
        .current_dir(repo())
        .run()
        .success();
    let bundle = out.join("acme-dist-ha");
    // The database the nodes wait for: a listener that accepts, on the hosts' loopback net.
    let hosts = FakeHosts::create(&scratch, &bundle);
    let db = TcpListener::bind((hosts.database_address(), 0)).expect("bind the database stand-in");
    let db_port = db.local_addr().unwrap().port();
    std::thread::spawn(move || for _ in db.incoming() {});
    hosts.write_ansible_files(&scratch, &bin, db_port);
    let ansible = Ansible::new(bin.clone(), bundle.clone(), &scratch);

    wrong_pack_is_refused(&ansible, &hosts);
    let vaulted = vault_one_secret_file(&ansible);

    // First run: everything lands, is backed up, starts in order.
    let first = ansible.ok("site.yml", &["--diff"]);
    for secret in secrets() {
        assert!(
            !first.contains(&secret),
            "the playbook printed a secret:\n{first}"
        );
    }
    hosts.assert_installed(&bundle, &vaulted);
    hosts.assert_backups_hold_originals();
    hosts.assert_started_in_order(&hosts.expected_starts("start"));
    hosts.assert_nginx_tested_then_reloaded(1);

    // Second run: nothing changes, nothing is backed up or restarted.
    let starts = hosts.start_log();
    let second = ansible.ok("site.yml", &[]);
    let changed = changed_per_host(&second);
    assert_eq!(changed.len(), hosts.inventory_size(), "{second}");
    assert!(
        changed.values().all(|&n| n == 0),
        "a second run changed {changed:?}:\n{second}"
    );
    assert_eq!(hosts.start_log(), starts, "a second run started nodes");
    assert_eq!(
        hosts.backup_count(),
        hosts.inventory_size(),
        "a second run took backups"
    );

    // Rollback: the stock files are back, the added ones gone, running nodes restart.
    ansible.ok("rollback.yml", &[]);
    hosts.assert_rolled_back();
    let restarts: Vec<String> = hosts.start_log()[starts.len()..].to_vec();
    assert_eq!(restarts, hosts.expected_starts("restart"));
    hosts.assert_nginx_tested_then_reloaded(2);
    let again = ansible.ok("rollback.yml", &[]);
    let changed = changed_per_host(&again);
    assert!(
        changed.values().all(|&n| n == 0),
        "a second rollback changed {changed:?}:\n{again}"
    );

    lint(&ansible);
    drop(hosts);
}

/// A node whose folder holds the other product's pack fails before anything is written,
/// naming what it found; `--limit` keeps the run to that node.
fn wrong_pack_is_refused(ansible: &Ansible, hosts: &FakeHosts) {
    let km: &Node = hosts.node("km-1");
    let version = km.pack().join("bin/version.txt");
    let stock = fs::read(&version).unwrap();
    fs::write(&version, "WSO2 API Manager v2.6.0\n").unwrap();
    let (ok, text) = ansible.playbook("site.yml", &["--limit", "km-1"]);
    assert!(!ok, "a wrong pack was accepted:\n{text}");
    assert!(
        text.contains("km-1 needs an unzipped WSO2 Identity Server v5.7.0 pack")
            && text.contains("reads \"WSO2 API Manager v2.6.0\""),
        "{text}"
    );
    assert_eq!(hosts.backup_count(), 0, "a refused run took a backup");
    ansible.assert_no_private_folder_left("a refused site.yml");
    assert!(hosts.start_log().is_empty(), "a refused run started a node");
    fs::write(&version, stock).unwrap();
}

/// The README's advice: a secret file encrypted with ansible-vault reaches its host decrypted.
/// (path in the bundle, its plain bytes).
fn vault_one_secret_file(ansible: &Ansible) -> (String, Vec<u8>) {
    let file = "nodes/km-1/repository/conf/user-mgt.xml";
    let plain = fs::read(ansible.bundle.join(file)).unwrap();
    let out = ansible
        .command("ansible-vault")
        .args(["encrypt", file])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(fs::read(ansible.bundle.join(file))
        .unwrap()
        .starts_with(b"$ANSIBLE_VAULT"));
    (file.to_string(), plain)
}

/// ansible-lint where it is installed (always under CI), else `--syntax-check`.
fn lint(ansible: &Ansible) {
    for playbook in ["deploy/site.yml", "deploy/rollback.yml"] {
        let out = ansible
            .command("ansible-playbook")
            .args(["-i", "deploy/inventory.yml", "--syntax-check", playbook])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    if !ansible.bin.join("ansible-lint").is_file() {
        assert!(
            !ci(),
            "ansible-lint is missing under CI (.ci/run installs it)"
        );
        eprintln!("note: deploy: ansible-lint not found; --syntax-check only");
        return;
    }
    let out = ansible
        .command("ansible-lint")
        .args([
            "--offline",
            "--nocolor",
            "deploy/site.yml",
            "deploy/rollback.yml",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ansible-lint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Secure Vault (the fast check; the fake-host run is distributed-ha's): the inventory
/// installs every `secrets/<node>/` file of the bundle over the node's pack with mode 0600,
/// as `ansible-inventory` reads it, and the playbooks pass `--syntax-check` and ansible-lint.
#[test]
fn vault_bundle_inventory_installs_every_secrets_file_0600_and_lints() {
    let Some(bin) = ansible_bin() else { return };
    let scratch = Scratch::new("deploy-vault");
    let profile = repo().join("profiles/hybrid-single-node-secure-vault.toml");
    Kmgen::new()
        .current_dir(&scratch)
        .args([
            "build".as_ref(),
            profile.as_os_str(),
            "-o".as_ref(),
            "out".as_ref(),
        ])
        .run()
        .success();
    let bundle = scratch.join("out/acme-vault");
    fs::write(scratch.join("ansible.cfg"), "").unwrap();
    fs::write(scratch.join("vault-password"), "kmgen-it-vault\n").unwrap();
    let ansible = Ansible::new(bin, bundle.clone(), &scratch);
    let out = ansible
        .command("ansible-inventory")
        .args(["-i", "deploy/inventory.yml", "--list"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let inventory: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let plan = kmgen::plan::plan(&kmgen::load::load(&profile).unwrap().deployment);
    for n in &plan.nodes {
        let files = &inventory["_meta"]["hostvars"][n.name.as_str()]["kmgen_files"];
        let listed: BTreeMap<String, (String, String)> = files
            .as_array()
            .unwrap_or_else(|| panic!("{}: no kmgen_files in {inventory}", n.name))
            .iter()
            .map(|f| {
                let s = |k: &str| f[k].as_str().unwrap().to_string();
                (s("src"), (s("dest"), s("mode")))
            })
            .collect();
        let root = bundle.join("secrets").join(n.name.as_str());
        let secrets = crate::support::tree(&root);
        assert!(!secrets.is_empty(), "{}: no secrets/ file", n.name);
        for (rel, _) in &secrets {
            assert_eq!(mode(&root.join(rel)), 0o600, "secrets/{}/{rel}", n.name);
            let src = format!("secrets/{}/{rel}", n.name);
            let dest = format!("{{{{ kmgen_pack_home }}}}/{rel}");
            assert_eq!(
                listed.get(&src),
                Some(&(dest, "0600".to_string())),
                "{}: the inventory's entry for {src}",
                n.name
            );
        }
        let in_inventory = listed.keys().filter(|s| s.starts_with("secrets/")).count();
        assert_eq!(in_inventory, secrets.len(), "{}: {listed:?}", n.name);
    }
    lint(&ansible);
}
