//! The default database, H2, as one shared server: every node's `master-datasources.xml`
//! names the same three `jdbc:h2:tcp://` URLs, and `databases/h2/start-h2-server.sh` seeds
//! and starts that server. The script runs for real: Debian's H2 (`libh2-java`) stands in for
//! the pack's jar in a fake pack home, and a JDBC client opens every URL of every node.
use crate::support::xml::{parse, text};
use crate::support::{free_port, Kmgen, Scratch};
use std::fs;
use std::net::TcpStream;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const SCRIPT: &str = "databases/h2/start-h2-server.sh";
/// Debian's H2 (`apt-get install -y libh2-java`).
const DEBIAN_H2: &str = "/usr/share/java/h2.jar";
const DATASOURCES: &str = "repository/conf/datasources/master-datasources.xml";

/// Only `[deployment]` and `[[node]]`: the profile an operator starts with.
const DEFAULT_PROFILE: &str = r#"
[deployment]
name = "h2default"
pattern = "hybrid-single-node"

[[node]]
name = "apim"
role = "all-in-one"
host = "apim.example.com"

[[node]]
name = "km"
role = "key-manager"
host = "km.example.com"
"#;

fn build(dir: &Scratch, profile: &str, name: &str) -> PathBuf {
    dir.write("profile.toml", profile);
    Kmgen::new()
        .current_dir(dir)
        .args(["build", "profile.toml", "-o", "out"])
        .run()
        .success();
    dir.join("out").join(name)
}

/// `(url, username, password)` of datasource `name` in a node's master-datasources.xml.
fn datasource(bundle: &Path, node: &str, name: &str) -> (String, String, String) {
    let xml = fs::read_to_string(bundle.join("nodes").join(node).join(DATASOURCES)).unwrap();
    let root = parse(&xml).unwrap();
    let at = |leaf: &str| {
        text(
            &root,
            &format!(
                "datasources-configuration/datasources/datasource[name={name}]/definition/configuration/{leaf}"
            ),
        )
    };
    (at("url"), at("username"), at("password"))
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn default_profile_gives_every_node_the_same_h2_server() {
    let dir = Scratch::new("h2-default");
    let bundle = build(&dir, DEFAULT_PROFILE, "h2default");
    // The first key manager's host, H2's TCP port, the stock names and user.
    for node in ["apim", "km"] {
        for name in ["WSO2AM_DB", "WSO2UM_DB", "WSO2REG_DB"] {
            assert_eq!(
                datasource(&bundle, node, name),
                (
                    format!("jdbc:h2:tcp://km.example.com:9092/{name}"),
                    "wso2carbon".to_string(),
                    "wso2carbon".to_string()
                ),
                "{node} {name}"
            );
        }
        // Each node keeps its own local Carbon database, as the pack ships it.
        assert_eq!(
            datasource(&bundle, node, "WSO2_CARBON_DB").0,
            "jdbc:h2:repository/database/WSO2CARBON_DB;DB_CLOSE_ON_EXIT=FALSE"
        );
    }
    let script = fs::read_to_string(bundle.join(SCRIPT)).unwrap();
    assert_eq!(mode(&bundle.join(SCRIPT)), 0o755);
    // The nodes connect by host name, so the server must accept other addresses.
    assert!(
        script.contains(
            "org.h2.tools.Server -tcp -tcpPort 9092 -tcpAllowOthers -ifExists -baseDir \"$data\""
        ),
        "{script}"
    );
    let readme = fs::read_to_string(bundle.join("README.md")).unwrap();
    assert!(
        readme.contains("1. The H2 server on km.example.com: `sh start-h2-server.sh <PACK_HOME>`"),
        "{readme}"
    );

    let plan = Kmgen::new()
        .current_dir(&dir)
        .args(["plan", "profile.toml", "--format", "json"])
        .run()
        .success();
    let json: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    let listed = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == SCRIPT)
        .unwrap_or_else(|| panic!("plan does not list {SCRIPT}: {}", plan.stdout));
    assert_eq!(listed["kind"], "h2-server-script");
    assert_eq!(listed["private"], false);

    Kmgen::new()
        .current_dir(&dir)
        .args(["check", "profile.toml"])
        .run()
        .success()
        .stderr_contains(
            "warning: database.type = \"h2\": the shared databases live in one H2 server on \
             km.example.com (port 9092); start it with databases/h2/start-h2-server.sh before the nodes",
        );
}

fn need(tool: &str, package: &str) {
    assert!(
        Path::new(tool).exists(),
        "{tool} is missing: the H2 tests run it (apt-get install -y {package})"
    );
}

fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The generated script is POSIX sh that ShellCheck passes, and it stops with a clear message
/// (exit 1) when the pack home, its H2 jar, java or a database to seed is missing.
#[test]
fn h2_server_script_checks_what_it_needs() {
    need("/usr/bin/shellcheck", "shellcheck");
    let dir = Scratch::new("h2-script");
    let bundle = build(&dir, DEFAULT_PROFILE, "h2default");
    let script = bundle.join(SCRIPT);
    let n = run(Command::new("sh").arg("-n").arg(&script));
    assert!(n.status.success(), "sh -n: {}", stderr(&n));
    let sc = run(Command::new("shellcheck").args(["-s", "sh"]).arg(&script));
    assert!(
        sc.status.success(),
        "shellcheck:\n{}",
        String::from_utf8_lossy(&sc.stdout)
    );

    let sh = |args: &[&Path], java_home: Option<&Path>| {
        let mut c = Command::new("/bin/sh");
        c.arg(&script).args(args).env_remove("JAVA_HOME");
        if let Some(j) = java_home {
            c.env("JAVA_HOME", j);
        }
        run(&mut c)
    };
    let fails = |out: Output, message: &str| {
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(
            stderr(&out).contains(message),
            "expected {message:?} in:\n{}",
            stderr(&out)
        );
    };
    let usage = sh(&[], None);
    assert_eq!(usage.status.code(), Some(2), "{}", stderr(&usage));

    let pack = dir.join("pack");
    fails(sh(&[&pack], None), "is not an unzipped WSO2 pack");
    fs::create_dir_all(pack.join("repository/database")).unwrap();
    fails(sh(&[&pack], None), "no H2 jar (h2*.jar) in");
    let plugins = pack.join("repository/components/plugins");
    fs::create_dir_all(&plugins).unwrap();
    fs::write(plugins.join("h2_1.3.175.wso2v1.jar"), "not read here").unwrap();

    // No java: an empty PATH and no JAVA_HOME.
    let empty = dir.join("empty-bin");
    fs::create_dir_all(&empty).unwrap();
    let no_java = run(Command::new("/bin/sh")
        .arg(&script)
        .arg(&pack)
        .env_remove("JAVA_HOME")
        .env("PATH", &empty));
    fails(no_java, "java is not on the PATH");
    fails(
        sh(&[&pack], Some(&dir.join("no-jdk"))),
        "which has no bin/java",
    );

    // A stand-in java that does nothing: the seeding runs for real, with the packs' suffix.
    let jdk = dir.join("fake-jdk");
    fs::create_dir_all(jdk.join("bin")).unwrap();
    symlink("/bin/true", jdk.join("bin/java")).unwrap();
    let data = dir.join("data");
    fails(
        sh(&[&pack, &data], Some(&jdk)),
        "has no WSO2AM_DB.h2.db (nor WSO2AM_DB.mv.db) to seed WSO2AM_DB from",
    );
    let db = pack.join("repository/database");
    fs::write(db.join("WSO2AM_DB.h2.db"), "am tables").unwrap();
    fs::write(db.join("WSO2CARBON_DB.h2.db"), "carbon tables").unwrap();
    fs::write(data.join("WSO2REG_DB.h2.db"), "registry data").unwrap();
    let seeded = sh(&[&pack, &data], Some(&jdk));
    assert!(seeded.status.success(), "{}", stderr(&seeded));
    let stdout = String::from_utf8_lossy(&seeded.stdout);
    assert!(
        stdout.contains("from the pack's WSO2AM_DB.h2.db"),
        "{stdout}"
    );
    assert!(
        stdout.contains("WSO2REG_DB.h2.db: it is there already, so it is not overwritten"),
        "{stdout}"
    );
    let read = |f: &str| fs::read_to_string(data.join(f)).unwrap();
    assert_eq!(read("WSO2AM_DB.h2.db"), "am tables");
    assert_eq!(read("WSO2UM_DB.h2.db"), "carbon tables");
    assert_eq!(read("WSO2REG_DB.h2.db"), "registry data");
}

/// The H2 server started by the script; stopped (SIGTERM, so H2 closes its files) when dropped.
struct H2Server(Child);

impl H2Server {
    fn start(script: &Path, pack: &Path, data: &Path, log: &Path, port: u16) -> H2Server {
        let log = fs::File::create(log).unwrap();
        let child = Command::new("/bin/sh")
            .arg(script)
            .arg(pack)
            .arg(data)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut server = H2Server(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = server.0.try_wait().unwrap() {
                panic!("the H2 server script exited while starting: {status}");
            }
            assert!(Instant::now() < deadline, "the H2 server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }
}

impl Drop for H2Server {
    fn drop(&mut self) {
        // The script `exec`s java: its process is the server.
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.0.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `tests/java/H2Check.java` with Debian's H2 jar: one `(url, user, password, sql)` per
/// case; its output lines.
fn h2_check(cases: &[(String, String, String, &str)]) -> Vec<String> {
    let mut c = Command::new("java");
    c.arg("-cp").arg(DEBIAN_H2).arg("tests/java/H2Check.java");
    for (url, user, password, sql) in cases {
        c.args([url.as_str(), user, password, sql]);
    }
    let out = c
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run java ({e}): install a JDK (apt-get install -y default-jdk-headless)")
        });
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// The script, run against a fake pack home holding Debian's H2 as its jar and databases made
/// by that H2, seeds the data folder once and serves it: every datasource URL of every node,
/// with its user and password, opens its database and finds the seeded tables; a row written
/// through API-M's WSO2AM_DB is read through the Key Manager's; a database that was not
/// seeded is refused (`-ifExists`); and a second run keeps the data.
#[test]
fn h2_server_script_serves_every_nodes_databases() {
    need(DEBIAN_H2, "libh2-java");
    let dir = Scratch::new("h2-peer");
    let port = free_port();
    // Loopback is allowed with every node on one host; WSO2UM_DB and WSO2REG_DB share one
    // database, as the stock WSO2_CARBON_DB holds both.
    let profile = format!(
        r#"
[deployment]
name = "h2peer"
pattern = "hybrid-single-node"

[database]
host = "127.0.0.1"
port = {port}

[database.am]
name = "kmgen_am"

[database.um]
name = "kmgen_carbon"

[database.reg]
name = "kmgen_carbon"

[[node]]
name = "km"
role = "key-manager"
host = "wso2.example.com"
port_offset = 1

[[node]]
name = "apim"
role = "all-in-one"
host = "wso2.example.com"
"#
    );
    let bundle = build(&dir, &profile, "h2peer");
    let script = bundle.join(SCRIPT);
    let text = fs::read_to_string(&script).unwrap();
    assert!(
        !text.contains("-tcpAllowOthers"),
        "a loopback host needs no other hosts: {text}"
    );
    // WSO2REG_DB shares WSO2UM_DB's database: seeded once.
    let seeds: Vec<&str> = text.lines().filter(|l| l.starts_with("seed ")).collect();
    assert_eq!(
        seeds,
        ["seed kmgen_am WSO2AM_DB", "seed kmgen_carbon WSO2CARBON_DB"]
    );

    // A fake pack home: Debian's H2 as the pack's plugin, databases made by it (2.x keeps
    // them in `.mv.db` files, the packs' 1.3 in `.h2.db`: the script takes either).
    let pack = dir.join("pack");
    let db = pack.join("repository/database");
    let plugins = pack.join("repository/components/plugins");
    fs::create_dir_all(&db).unwrap();
    fs::create_dir_all(&plugins).unwrap();
    symlink(DEBIAN_H2, plugins.join("h2-test.jar")).unwrap();
    let stock = |file: &str, sql: &'static str| {
        let url = format!("jdbc:h2:{}", db.join(file).display());
        (url, "wso2carbon".into(), "wso2carbon".into(), sql)
    };
    let made = h2_check(&[
        stock(
            "WSO2AM_DB",
            "CREATE TABLE AM_SUBSCRIBER (USER_ID VARCHAR(255))",
        ),
        stock(
            "WSO2CARBON_DB",
            "CREATE TABLE UM_USER (UM_USER_NAME VARCHAR(255))",
        ),
        stock(
            "WSO2CARBON_DB",
            "CREATE TABLE REG_PATH (REG_PATH_VALUE VARCHAR(895))",
        ),
    ]);
    assert!(made.iter().all(|l| l.starts_with("OK ")), "{made:#?}");
    for f in ["WSO2AM_DB.mv.db", "WSO2CARBON_DB.mv.db"] {
        assert!(db.join(f).is_file(), "H2 did not write {f}");
    }

    let data = dir.join("h2-data");
    let log = dir.join("h2-1.log");
    let server = H2Server::start(&script, &pack, &data, &log, port);
    let ds = |node: &str, name: &str, sql: &'static str| {
        let (url, user, password) = datasource(&bundle, node, name);
        (url, user, password, sql)
    };
    let url = |name: &str| format!("jdbc:h2:tcp://127.0.0.1:{port}/{name}");
    let cases = [
        ds(
            "apim",
            "WSO2AM_DB",
            "INSERT INTO AM_SUBSCRIBER VALUES ('subscribed-on-apim')",
        ),
        ds("km", "WSO2AM_DB", "SELECT USER_ID FROM AM_SUBSCRIBER"),
        ds("apim", "WSO2UM_DB", "SELECT COUNT(*) FROM UM_USER"),
        ds("km", "WSO2UM_DB", "SELECT COUNT(*) FROM UM_USER"),
        ds("apim", "WSO2REG_DB", "SELECT COUNT(*) FROM REG_PATH"),
        ds("km", "WSO2REG_DB", "SELECT COUNT(*) FROM REG_PATH"),
        (
            url("WSO2AM_DB"),
            "wso2carbon".into(),
            "wso2carbon".into(),
            "SELECT 1",
        ),
    ];
    let lines = h2_check(&cases);
    let am = url("kmgen_am");
    let carbon = url("kmgen_carbon");
    assert_eq!(
        lines[..6],
        [
            format!("OK {am} -"),
            format!("OK {am} subscribed-on-apim"),
            format!("OK {carbon} 0"),
            format!("OK {carbon} 0"),
            format!("OK {carbon} 0"),
            format!("OK {carbon} 0"),
        ],
        "{lines:#?}\n{}",
        fs::read_to_string(&log).unwrap_or_default()
    );
    // Not seeded: refused, not created empty.
    assert!(
        lines[6].starts_with(&format!("FAIL {}", url("WSO2AM_DB"))),
        "{lines:#?}"
    );
    assert!(!data.join("WSO2AM_DB.mv.db").exists());
    drop(server);
    let first = fs::read_to_string(&log).unwrap();
    for seeded in [
        "kmgen_am.mv.db from the pack's WSO2AM_DB.mv.db",
        "kmgen_carbon.mv.db from the pack's WSO2CARBON_DB.mv.db",
    ] {
        assert!(first.contains(seeded), "{first}");
    }
    assert!(!first.contains("kept"), "{first}");

    // A second run keeps the databases, and the row written in the first.
    let log = dir.join("h2-2.log");
    let server = H2Server::start(&script, &pack, &data, &log, port);
    let again = h2_check(&[ds("km", "WSO2AM_DB", "SELECT USER_ID FROM AM_SUBSCRIBER")]);
    drop(server);
    assert_eq!(again, [format!("OK {am} subscribed-on-apim")]);
    let second = fs::read_to_string(&log).unwrap();
    assert!(
        second.contains("kmgen_am.mv.db: it is there already, so it is not overwritten"),
        "{second}"
    );
    assert!(!second.contains("seeded"), "{second}");
}
