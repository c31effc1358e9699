//! Artifact sharing (`sync/`): the generated rsync job runs for real, with Debian's rsync,
//! between folders that stand for the nodes' packs (their `home` is a scratch folder), over
//! a remote shell given the way an operator would give another one (`RSYNC_RSH`); the
//! systemd units pass `systemd-analyze verify`; the NFS seeding script fills a share once.
use crate::support::{copy_tree, Kmgen, Scratch};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const SERVER: &str = "repository/deployment/server";
const API: &str = "synapse-configs/default/api/admin--PizzaShackAPI_v1.0.0.xml";
const WSS: &str = "synapse-configs/default/inbound-endpoints/SecureWebSocketInboundEndpoint.xml";
const POLICY: &str = "executionplans/carbon.super_app_gold.siddhiql";

/// A distributed deployment whose gateways and traffic managers share over rsync, every pack
/// in a folder of `hosts`.
fn rsync_profile(hosts: &Path) -> String {
    let home = |n: &str| format!("home = \"{}/{n}/wso2am-2.6.0\"", hosts.display());
    let km = format!("home = \"{}/km/wso2is-km-5.7.0\"", hosts.display());
    format!(
        r#"
[deployment]
name = "sync-it"
pattern = "distributed"
[gateway]
sync = "rsync"
rsync_user = "deploy"
load_balancer = {{ host = "gw.example.com" }}
[traffic_manager]
sync = "rsync"
[[node]]
name = "km"
role = "key-manager"
host = "km.example.com"
{km}
[[node]]
name = "pub"
role = "publisher"
host = "pub.example.com"
[[node]]
name = "store"
role = "store"
host = "store.example.com"
[[node]]
name = "tm-1"
role = "traffic-manager"
host = "tm1.example.com"
{tm1}
[[node]]
name = "tm-2"
role = "traffic-manager"
host = "tm2.example.com"
{tm2}
[[node]]
name = "gw-manager"
role = "gateway-manager"
host = "gwm.example.com"
{gwm}
[[node]]
name = "gw-worker-1"
role = "gateway-worker"
host = "gw1.example.com"
{gw1}
[[node]]
name = "gw-worker-2"
role = "gateway-worker"
host = "gw2.example.com"
{gw2}
"#,
        tm1 = home("tm-1"),
        tm2 = home("tm-2"),
        gwm = home("gw-manager"),
        gw1 = home("gw-worker-1"),
        gw2 = home("gw-worker-2"),
    )
}

/// Active-active over NFS, the packs in `hosts`.
fn nfs_profile(hosts: &Path) -> String {
    format!(
        r#"
[deployment]
name = "nfs-it"
pattern = "hybrid-active-active"
[gateway]
sync = "nfs"
nfs_export = "nfs.example.com:/exports/nfs-it"
load_balancer = {{ host = "gw.example.com" }}
[apim]
load_balancer = {{ host = "apim.example.com" }}
[[node]]
name = "km"
role = "key-manager"
host = "km.example.com"
[[node]]
name = "apim-1"
role = "all-in-one"
host = "apim1.example.com"
home = "{h}/apim-1/wso2am-2.6.0"
[[node]]
name = "apim-2"
role = "all-in-one"
host = "apim2.example.com"
home = "{h}/apim.2+b/wso2am-2.6.0"
"#,
        h = hosts.display()
    )
}

fn build(dir: &Scratch, profile: &str, name: &str) -> PathBuf {
    dir.write("profile.toml", profile);
    Kmgen::new()
        .current_dir(dir)
        .args(["build", "profile.toml", "-o", "out"])
        .run()
        .success();
    dir.join("out").join(name)
}

/// Installs node `node`: a stand-in for its unzipped pack (a `repository/deployment/server`
/// with a stock-like folder), then the bundle's node folder copied over it, as the README says.
fn install(bundle: &Path, hosts: &Path, node: &str) -> PathBuf {
    let home = hosts.join(node).join("wso2am-2.6.0");
    let server = home.join(SERVER);
    fs::create_dir_all(server.join("synapse-configs/default/api")).unwrap();
    fs::create_dir_all(server.join("executionplans")).unwrap();
    fs::write(
        server.join("synapse-configs/default/synapse.xml"),
        "stock\n",
    )
    .unwrap();
    copy_tree(&bundle.join("nodes").join(node), &home, &[]);
    home
}

/// Installs a group's rsync script and list on its source, as the README's step 1 does.
fn install_job(bundle: &Path, group: &str, source_home: &Path) -> PathBuf {
    let dir = source_home.join("kmgen-sync").join(group);
    fs::create_dir_all(&dir).unwrap();
    for f in ["rsync-for-carbon-depsync.sh", "workers-list.txt"] {
        fs::copy(bundle.join("sync").join(group).join(f), dir.join(f)).unwrap();
    }
    dir.join("rsync-for-carbon-depsync.sh")
}

/// A remote shell for `RSYNC_RSH` that stands for ssh: it takes ssh's options and the
/// `-l user` rsync passes, logs `user@host`, and runs the command here, as sshd would run
/// it on that host through the user's shell.
fn fake_ssh(dir: &Path) -> PathBuf {
    let path = dir.join("ssh-here");
    let log = dir.join("ssh.log");
    fs::write(
        &path,
        format!(
            r#"#!/bin/sh
user=
while [ $# -gt 0 ]; do
    case $1 in
    -l) user=$2; shift 2 ;;
    -i | -p | -o) shift 2 ;;
    -*) shift ;;
    *) host=$1; shift; break ;;
    esac
done
echo "$user@$host" >>"{}"
exec sh -c "$*"
"#,
            log.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().unwrap()
}

fn need(tool: &str, package: &str) {
    assert!(
        Path::new(tool).exists(),
        "{tool} is missing: the sync tests run it (apt-get install -y {package})"
    );
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn rsync_job_copies_the_sources_deployments_to_every_destination_and_deletes_the_rest() {
    need("/usr/bin/rsync", "rsync");
    let dir = Scratch::new("sync-rsync");
    let hosts = dir.join("hosts");
    let bundle = build(&dir, &rsync_profile(&hosts), "sync-it");

    // What the bundle says: the destinations by host and home, the job as the profile's user.
    let list = fs::read_to_string(bundle.join("sync/gateways/workers-list.txt")).unwrap();
    let dests: Vec<&str> = list.lines().filter(|l| !l.starts_with('#')).collect();
    let h = hosts.display();
    assert_eq!(
        dests,
        [
            format!("deploy@gw1.example.com:{h}/gw-worker-1/wso2am-2.6.0/{SERVER}/"),
            format!("deploy@gw2.example.com:{h}/gw-worker-2/wso2am-2.6.0/{SERVER}/"),
        ]
    );
    for script in [
        "sync/gateways/rsync-for-carbon-depsync.sh",
        "sync/traffic-managers/rsync-for-carbon-depsync.sh",
    ] {
        assert_eq!(mode(&bundle.join(script)), 0o755, "{script}");
    }

    let manager = install(&bundle, &hosts, "gw-manager");
    let workers: Vec<PathBuf> = ["gw-worker-1", "gw-worker-2"]
        .iter()
        .map(|w| install(&bundle, &hosts, w))
        .collect();
    // The Publisher deployed an API to the manager; a worker holds a file the manager lacks.
    fs::write(
        manager.join(SERVER).join(API),
        "<api name=\"PizzaShackAPI\"/>\n",
    )
    .unwrap();
    fs::write(
        workers[0]
            .join(SERVER)
            .join("synapse-configs/default/api/stale.xml"),
        "x",
    )
    .unwrap();

    let script = install_job(&bundle, "gateways", &manager);
    let ssh = fake_ssh(&dir);
    let sync = || run(Command::new(&script).env("RSYNC_RSH", &ssh));
    let out = sync();
    assert!(out.status.success(), "{}", text(&out));
    for w in &workers {
        let server = w.join(SERVER);
        assert_eq!(
            fs::read_to_string(server.join(API)).unwrap(),
            "<api name=\"PizzaShackAPI\"/>\n",
            "{}",
            w.display()
        );
        assert!(!server
            .join("synapse-configs/default/api/stale.xml")
            .exists());
        // kmgen's file in the folder: the manager's copy is the worker's but for its header.
        let body = |p: &Path| {
            let t = fs::read_to_string(p).unwrap();
            t.lines()
                .filter(|l| !l.starts_with("<!--"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(
            body(&server.join(WSS)),
            body(&manager.join(SERVER).join(WSS))
        );
    }
    let log = fs::read_to_string(dir.join("ssh.log")).unwrap();
    assert_eq!(log, "deploy@gw1.example.com\ndeploy@gw2.example.com\n");

    // The API is undeployed on the manager: the next run removes it everywhere.
    fs::remove_file(manager.join(SERVER).join(API)).unwrap();
    let out = sync();
    assert!(out.status.success(), "{}", text(&out));
    for w in &workers {
        assert!(!w.join(SERVER).join(API).exists(), "{}", w.display());
        assert!(w.join(SERVER).join(WSS).exists());
    }

    // The traffic managers' job: a policy deployed to tm-1 reaches tm-2.
    let tm1 = install(&bundle, &hosts, "tm-1");
    let tm2 = install(&bundle, &hosts, "tm-2");
    fs::write(tm1.join(SERVER).join(POLICY), "@Plan:name('gold')\n").unwrap();
    let tm_script = install_job(&bundle, "traffic-managers", &tm1);
    let out = run(Command::new(&tm_script).env("RSYNC_RSH", &ssh));
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        fs::read_to_string(tm2.join(SERVER).join(POLICY)).unwrap(),
        "@Plan:name('gold')\n"
    );
}

#[test]
fn rsync_job_never_empties_the_destinations_and_never_runs_twice_at_once() {
    need("/usr/bin/rsync", "rsync");
    need("/usr/bin/flock", "util-linux");
    let dir = Scratch::new("sync-rsync-guards");
    let hosts = dir.join("hosts");
    let bundle = build(&dir, &rsync_profile(&hosts), "sync-it");
    let script = bundle.join("sync/gateways/rsync-for-carbon-depsync.sh");
    let sh_n = run(Command::new("sh").arg("-n").arg(&script));
    assert!(sh_n.status.success(), "{}", text(&sh_n));
    if Path::new("/usr/bin/shellcheck").exists() {
        for s in [
            "sync/gateways/rsync-for-carbon-depsync.sh",
            "sync/traffic-managers/rsync-for-carbon-depsync.sh",
        ] {
            let sc = run(Command::new("shellcheck")
                .args(["-s", "sh"])
                .arg(bundle.join(s)));
            assert!(sc.status.success(), "shellcheck {s}:\n{}", text(&sc));
        }
    }

    let tm1 = install(&bundle, &hosts, "tm-1");
    let tm2 = install(&bundle, &hosts, "tm-2");
    fs::write(tm2.join(SERVER).join(POLICY), "kept").unwrap();
    let script = install_job(&bundle, "traffic-managers", &tm1);
    let ssh = fake_ssh(&dir);

    // Another run holds the lock: this one steps aside.
    let lock = script.with_file_name(".depsync.lock");
    let out = run(Command::new("flock")
        .arg(&lock)
        .arg(&script)
        .env("RSYNC_RSH", &ssh));
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("the previous run is still going"),
        "{}",
        text(&out)
    );
    assert!(tm2.join(SERVER).join(POLICY).exists());

    // An empty source would empty tm-2: refused.
    fs::remove_dir_all(tm1.join(SERVER)).unwrap();
    fs::create_dir_all(tm1.join(SERVER)).unwrap();
    let out = run(Command::new(&script).env("RSYNC_RSH", &ssh));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("is empty: refusing"), "{}", text(&out));
    assert_eq!(
        fs::read_to_string(tm2.join(SERVER).join(POLICY)).unwrap(),
        "kept"
    );

    // A destination that cannot be reached fails the run, and the others are still copied.
    fs::create_dir_all(tm1.join(SERVER).join("executionplans")).unwrap();
    fs::write(tm1.join(SERVER).join(POLICY), "new").unwrap();
    let list = script.with_file_name("workers-list.txt");
    let good = fs::read_to_string(&list).unwrap();
    fs::write(
        &list,
        format!("deploy@tm9.example.com:/nonexistent/a/b/\n{good}"),
    )
    .unwrap();
    let out = run(Command::new(&script).env("RSYNC_RSH", &ssh));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("syncing to deploy@tm9.example.com"),
        "{}",
        text(&out)
    );
    assert_eq!(
        fs::read_to_string(tm2.join(SERVER).join(POLICY)).unwrap(),
        "new"
    );
}

/// `systemd-analyze verify` loads the units as systemd would: the service's `ExecStart`
/// must be executable where the README installs it, a mount unit's name must be its `Where=`
/// escaped. Skipped, with a note, where systemd-analyze is missing (not under CI).
#[test]
fn systemd_units_pass_systemd_analyze_verify() {
    let Some(analyze) = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
        .into_iter()
        .find(|p| Path::new(p).exists())
    else {
        // Under CI it must be there, unless .ci/run found the package not installable.
        let ci = std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
            && std::env::var_os("KMGEN_NO_SYSTEMD_ANALYZE").is_none();
        assert!(
            !ci,
            "systemd-analyze is missing under CI (apt-get install -y systemd)"
        );
        eprintln!("NOTE: systemd-analyze is missing (apt-get install -y systemd): the systemd units were NOT verified");
        return;
    };
    let dir = Scratch::new("sync-systemd");
    let hosts = dir.join("hosts");
    let bundle = build(&dir, &rsync_profile(&hosts), "sync-it");
    let manager = install(&bundle, &hosts, "gw-manager");
    install_job(&bundle, "gateways", &manager);
    let units = bundle.join("sync/gateways/systemd");
    let mut files: Vec<PathBuf> = fs::read_dir(&units)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    let verify = |files: &[PathBuf]| {
        let out = run(Command::new(analyze).arg("verify").args(files));
        assert!(
            out.status.success(),
            "systemd-analyze verify {files:?}:\n{}",
            text(&out)
        );
    };
    verify(&files);

    let dir = Scratch::new("sync-systemd-nfs");
    let hosts = dir.join("hosts");
    let bundle = build(&dir, &nfs_profile(&hosts), "nfs-it");
    for node in ["apim-1", "apim-2"] {
        let folder = bundle.join("sync/gateways").join(node);
        let mounts: Vec<PathBuf> = fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "mount"))
            .collect();
        assert_eq!(mounts.len(), 1, "{node}: {mounts:?}");
        verify(&mounts);
        // The name is what systemd-escape makes of the mount point.
        let home = hosts.join(if node == "apim-1" {
            "apim-1"
        } else {
            "apim.2+b"
        });
        let point = home.join("wso2am-2.6.0").join(SERVER);
        let escaped = run(Command::new("systemd-escape")
            .args(["--path", "--suffix=mount"])
            .arg(&point));
        assert_eq!(
            String::from_utf8_lossy(&escaped.stdout).trim(),
            mounts[0].file_name().unwrap().to_string_lossy()
        );
        let fstab = fs::read_to_string(folder.join("fstab")).unwrap();
        let line = fstab.lines().find(|l| !l.starts_with('#')).unwrap();
        assert_eq!(
            line,
            format!(
                "nfs.example.com:/exports/nfs-it {} nfs defaults,_netdev 0 0",
                point.display()
            )
        );
    }
}

#[test]
fn nfs_seed_script_fills_an_empty_share_once() {
    let dir = Scratch::new("sync-seed");
    let hosts = dir.join("hosts");
    let bundle = build(&dir, &nfs_profile(&hosts), "nfs-it");
    let script = bundle.join("sync/gateways/seed-nfs-export.sh");
    assert_eq!(mode(&script), 0o755);
    if Path::new("/usr/bin/shellcheck").exists() {
        let sc = run(Command::new("shellcheck").args(["-s", "sh"]).arg(&script));
        assert!(sc.status.success(), "shellcheck:\n{}", text(&sc));
    }
    let pack = install(&bundle, &hosts, "apim-1");
    let share = dir.join("share");
    fs::create_dir_all(share.join("lost+found")).unwrap();
    let seed = |args: &[&Path]| run(Command::new("sh").arg(&script).args(args));

    let usage = seed(&[&pack]);
    assert_eq!(usage.status.code(), Some(2), "{}", text(&usage));
    let out = seed(&[&pack, &share]);
    assert!(out.status.success(), "{}", text(&out));
    // The pack's folder and kmgen's file in it.
    assert_eq!(
        fs::read_to_string(share.join("synapse-configs/default/synapse.xml")).unwrap(),
        "stock\n"
    );
    assert!(share.join(WSS).exists());

    // Seeded once: a second run would overwrite what the nodes deployed.
    fs::write(share.join(API), "deployed").unwrap();
    let out = seed(&[&pack, &share]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("is not empty"), "{}", text(&out));
    assert_eq!(fs::read_to_string(share.join(API)).unwrap(), "deployed");
}

/// `kmgen plan` lists every file of `sync/` with its kind; scripts are the only 0755 files.
#[test]
fn plan_lists_the_sync_files() {
    let dir = Scratch::new("sync-plan");
    dir.write("profile.toml", &rsync_profile(Path::new("/srv/hosts")));
    let out = Kmgen::new()
        .current_dir(&dir)
        .args(["plan", "profile.toml", "--format", "json"])
        .run()
        .success();
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let sync: Vec<(String, String, Option<String>)> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"].as_str().unwrap().starts_with("sync/"))
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["kind"].as_str().unwrap().to_string(),
                f["node"].as_str().map(str::to_string),
            )
        })
        .collect();
    let expect = |path: &str, kind: &str, node: &str| {
        (path.to_string(), kind.to_string(), Some(node.to_string()))
    };
    assert_eq!(
        sync,
        [
            expect(
                "sync/gateways/cron.d/kmgen-sync-it-gateways-depsync",
                "sync-config",
                "gw-manager"
            ),
            expect(
                "sync/gateways/rsync-for-carbon-depsync.sh",
                "sync-script",
                "gw-manager"
            ),
            expect(
                "sync/gateways/systemd/kmgen-sync-it-gateways-depsync.service",
                "systemd-unit",
                "gw-manager"
            ),
            expect(
                "sync/gateways/systemd/kmgen-sync-it-gateways-depsync.timer",
                "systemd-unit",
                "gw-manager"
            ),
            expect(
                "sync/gateways/workers-list.txt",
                "sync-config",
                "gw-manager"
            ),
            expect(
                "sync/traffic-managers/cron.d/kmgen-sync-it-traffic-managers-depsync",
                "sync-config",
                "tm-1"
            ),
            expect(
                "sync/traffic-managers/rsync-for-carbon-depsync.sh",
                "sync-script",
                "tm-1"
            ),
            expect(
                "sync/traffic-managers/systemd/kmgen-sync-it-traffic-managers-depsync.service",
                "systemd-unit",
                "tm-1"
            ),
            expect(
                "sync/traffic-managers/systemd/kmgen-sync-it-traffic-managers-depsync.timer",
                "systemd-unit",
                "tm-1"
            ),
            expect(
                "sync/traffic-managers/workers-list.txt",
                "sync-config",
                "tm-1"
            ),
        ]
    );
}
