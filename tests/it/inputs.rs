//! Inputs a fault campaign broke kmgen with (issue 10): files that are not files, profiles
//! and secrets that are too big. Each is refused with its key path (or the profile's path),
//! a fix, and nothing written. The cases whose report is pinned in full are in
//! `tests/cases/errors/`; these need a setup a single profile cannot carry.
use std::fs;
use std::path::Path;
use std::process::Command;

use crate::support::{Kmgen, Scratch};

const PROFILE: &str = r#"[deployment]
name = "acme"
pattern = "hybrid-single-node"

[tls]
keystore_password = { file = "secrets/keystore.txt" }
extra_trusted = ["certs/extra.pem"]

[[node]]
name = "km"
role = "key-manager"
host = "km.example.com"

[[node]]
name = "apim"
role = "all-in-one"
host = "apim.example.com"
"#;

/// The report of a failed build, each message on one line (miette wraps at 100 columns).
fn check_fails(dir: &Scratch, profile: &str) -> String {
    let r = Kmgen::new()
        .current_dir(dir)
        .args(["build", profile, "-o", "out"])
        .run()
        .failure(1)
        .stdout_is("");
    assert!(!dir.join("out").exists(), "build wrote output");
    r.stderr.replace("\n  │ ", " ")
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
    // Should kmgen open the FIFO and block on it, this writer lets it go on (and fail the
    // test) instead of hanging the suite.
    let path = path.to_path_buf();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(20));
        let _ = fs::OpenOptions::new().write(true).open(path);
    });
}

/// A FIFO as a secret file, as an `extra_trusted` file and as the profile itself.
#[test]
fn fifos_are_refused_without_blocking() {
    let dir = Scratch::new("inputs");
    dir.write("profile.toml", PROFILE);
    fs::create_dir_all(dir.join("secrets")).unwrap();
    fs::create_dir_all(dir.join("certs")).unwrap();
    mkfifo(&dir.join("secrets/keystore.txt"));
    mkfifo(&dir.join("certs/extra.pem"));
    let started = std::time::Instant::now();
    let stderr = check_fails(&dir, "profile.toml");
    assert!(started.elapsed().as_secs() < 15, "kmgen blocked on a FIFO");
    assert!(
        stderr.contains(
            "tls.keystore_password: cannot read secret file `secrets/keystore.txt`: it is a FIFO, not a regular file"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "tls.extra_trusted[0]: cannot read `certs/extra.pem`: it is a FIFO, not a regular file"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("of at most 1 MiB"), "{stderr}");

    mkfifo(&dir.join("fifo.toml"));
    let stderr = check_fails(&dir, "fifo.toml");
    assert_eq!(
        stderr,
        "error: cannot read `fifo.toml`: it is a FIFO, not a regular file\n\
         help: give the profile as a regular TOML file of at most 1 MiB\n"
    );
}

/// A sparse file of 1 MiB and a byte: as a secret, a PEM file and a profile.
#[test]
fn huge_files_are_refused() {
    let dir = Scratch::new("inputs");
    dir.write("profile.toml", PROFILE);
    let huge = |path: &str| {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::File::create(&path)
            .unwrap()
            .set_len((1 << 20) + 1)
            .unwrap();
    };
    huge("secrets/keystore.txt");
    huge("certs/extra.pem");
    let stderr = check_fails(&dir, "profile.toml");
    assert!(
        stderr.contains(
            "tls.keystore_password: cannot read secret file `secrets/keystore.txt`: it is larger than 1 MiB"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "tls.extra_trusted[0]: cannot read `certs/extra.pem`: it is larger than 1 MiB"
        ),
        "{stderr}"
    );
    huge("big.toml");
    let stderr = check_fails(&dir, "big.toml");
    assert_eq!(
        stderr,
        "error: cannot read `big.toml`: it is larger than 1 MiB\n\
         help: give the profile as a regular TOML file of at most 1 MiB\n"
    );
    // A device as the profile.
    let stderr = check_fails(&dir, "/dev/zero");
    assert!(
        stderr.starts_with("error: cannot read `/dev/zero`: it is a character device"),
        "{stderr}"
    );
}

/// `check` passed a 70,000-character key alias that the JKS encoder then refused ("string too
/// long") with no key path.
#[test]
fn a_huge_key_alias_fails_check_with_its_key() {
    let dir = Scratch::new("inputs");
    let alias = "k".repeat(70_000);
    dir.write(
        "profile.toml",
        &PROFILE
            .replace(
                "keystore_password = { file = \"secrets/keystore.txt\" }",
                &format!("key_alias = \"{alias}\""),
            )
            .replace("extra_trusted = [\"certs/extra.pem\"]\n", ""),
    );
    let r = Kmgen::new()
        .current_dir(&dir)
        .args(["check", "profile.toml"])
        .run()
        .failure(1);
    assert!(
        r.stderr
            .contains("× tls.key_alias: is 70000 characters long"),
        "{}",
        &r.stderr[..500]
    );
}

/// Everything on IPv6: nodes, load balancers and the database. Every URL and `host:port`
/// kmgen writes brackets the address (nginx refused `server 2001:db8::5:9443`, JDBC URLs
/// pointed nowhere), nginx accepts the load balancer configurations, and the README's shell
/// commands quote a user name with a space and a quote.
const IPV6: &str = r#"[deployment]
name = "acme-v6"
pattern = "hybrid-active-active"

[tls]
keystore_password = "ks-secret-1"
truststore_password = "ts-secret-1"
public_roots = false

[database]
type = "mysql"
host = "2001:DB8::10"

[database.am]
username = "o'neil apim"
password = "db-secret-1"

[database.um]
username = "o'neil apim"
password = "db-secret-1"

[database.reg]
username = "o'neil apim"
password = "db-secret-1"

[key_manager]
load_balancer = { host = "2001:db8::100" }

[gateway]
hazelcast = true
sync = "rsync"
load_balancer = { host = "[2001:db8::200]" }

[[node]]
name = "km-1"
role = "key-manager"
host = "2001:db8::1"

[[node]]
name = "km-2"
role = "key-manager"
host = "2001:db8::2"

[[node]]
name = "apim-1"
role = "all-in-one"
host = "2001:db8::3"

[[node]]
name = "apim-2"
role = "all-in-one"
host = "2001:db8::4"
"#;

#[test]
fn ipv6_hosts_are_bracketed_wherever_a_port_or_url_follows() {
    let dir = Scratch::new("inputs-ipv6");
    dir.write("profile.toml", IPV6);
    let bundle = crate::golden::golden_build(&dir, "profile.toml");
    let mut checked = 0;
    for (path, bytes) in crate::support::tree(&bundle) {
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        for bare in ["://2001:", "@//2001:", "server 2001:", " 2001:db8::10:3306"] {
            assert!(!text.contains(bare), "{path}: `{bare}` without brackets");
        }
        checked += 1;
    }
    assert!(checked > 20, "{checked} text files");
    let read = |p: &str| fs::read_to_string(bundle.join(p)).unwrap();
    let ds = read("nodes/apim-1/repository/conf/datasources/master-datasources.xml");
    assert!(ds.contains("jdbc:mysql://[2001:db8::10]:3306/"), "{ds}");
    let carbon = read("nodes/km-1/repository/conf/carbon.xml");
    assert!(
        carbon.contains("<HostName>[2001:db8::100]</HostName>"),
        "{carbon}"
    );
    let apim = read("nodes/apim-1/repository/conf/api-manager.xml");
    assert!(
        apim.contains("https://[2001:db8::100]:443/services/"),
        "{apim}"
    );
    assert!(apim.contains("https://[2001:db8::200]:443"), "{apim}");
    let nginx = read("load-balancer/lb-km.conf");
    assert!(nginx.contains("server [2001:db8::1]:9443;"), "{nginx}");
    assert!(nginx.contains("listen [::]:443 ssl;"), "{nginx}");
    nginx_accepts(&bundle, &["lb-km", "lb-gateway"]);

    // The README's table step runs as written: the shell hands mysql the user name whole.
    let readme = read("README.md");
    let step = readme
        .lines()
        .find(|l| l.contains("WSO2AM_DB"))
        .expect("a table step for WSO2AM_DB");
    let cmd = step.split('`').nth(3).expect("the command in a code span");
    assert!(cmd.starts_with("mysql -h 2001:db8::10 "), "{cmd}");
    let args = cmd
        .split(" < ")
        .next()
        .unwrap()
        .replacen("mysql", "printf '%s\\n'", 1);
    let out = Command::new("sh").arg("-c").arg(&args).output().unwrap();
    let words = String::from_utf8(out.stdout).unwrap();
    assert!(words.lines().any(|w| w == "o'neil apim"), "{cmd}\n{words}");
}

/// `nginx -t` on the load balancer configurations `ids`, their certificates in place.
fn nginx_accepts(bundle: &Path, ids: &[&str]) {
    let dir = Scratch::new("inputs-nginx");
    let ssl = dir.join("ssl");
    crate::support::copy_tree(&bundle.join("load-balancer/ssl"), &ssl, &[]);
    let mut includes = String::new();
    for id in ids {
        let text = fs::read_to_string(bundle.join(format!("load-balancer/{id}.conf"))).unwrap();
        let text = text.replace("/etc/nginx/ssl/acme-v6", &ssl.display().to_string());
        let conf = dir.write(&format!("{id}.conf"), &text);
        includes.push_str(&format!("  include {};\n", conf.display()));
    }
    let d = dir.display();
    let main = dir.write(
        "nginx.conf",
        &format!(
            "pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\nhttp {{\n  access_log off;\n{includes}}}\n"
        ),
    );
    let t = Command::new("nginx")
        .args([
            "-t",
            "-p",
            &d.to_string(),
            "-c",
            &main.display().to_string(),
        ])
        .output()
        .expect("nginx runs (apt-get install -y nginx-light)");
    assert!(
        t.status.success(),
        "nginx -t refused the configuration:\n{}",
        String::from_utf8_lossy(&t.stderr)
    );
}

/// SQL Server's JDBC URL takes no IPv6 literal as its server name: it goes into `serverName`.
#[test]
fn ipv6_database_hosts_in_every_jdbc_url() {
    let cases = [
        ("mysql", "jdbc:mysql://[2001:db8::10]:3306/apimgtdb?autoReconnect=true&useSSL=false"),
        ("postgresql", "jdbc:postgresql://[2001:db8::10]:5432/apimgtdb"),
        ("oracle", "jdbc:oracle:thin:@[2001:db8::10]:1521/apimgtdb"),
        (
            "mssql",
            "jdbc:sqlserver://;serverName=2001:db8::10;portNumber=1433;databaseName=apimgtdb;SendStringParametersAsUnicode=false",
        ),
    ];
    for (db, want) in cases {
        let dir = Scratch::new("inputs-jdbc");
        let profile = IPV6
            .replace("type = \"mysql\"", &format!("type = \"{db}\""))
            .replace("o'neil apim", "apim");
        dir.write("profile.toml", &profile);
        let loaded = kmgen::load::load(&dir.join("profile.toml")).expect("valid");
        assert_eq!(loaded.deployment.database.am.url, want);
    }
}

/// A 100,000-part dotted key stopped the TOML parser with "recursion limit" and no line.
#[test]
fn a_deep_dotted_key_is_reported_at_its_line() {
    let dir = Scratch::new("inputs");
    let key = vec!["a"; 100_000].join(".");
    dir.write(
        "profile.toml",
        &PROFILE.replace("[tls]\n", &format!("[tls]\n{key} = 1\n")),
    );
    let stderr = check_fails(&dir, "profile.toml");
    assert!(
        stderr.starts_with("  × tls: a key of 100000 dotted parts: TOML readers take fewer than 80\n   ╭─[profile.toml:6:1]\n"),
        "{}",
        &stderr[..300]
    );
    assert!(stderr.ends_with("error: profile.toml has 1 problem; nothing was written\n"));
}
