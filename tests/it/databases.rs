//! `databases/<type>/create-databases.sql`, run by real servers: a throwaway PostgreSQL and
//! MariaDB (MySQL's wire and SQL dialect). After the script, every database user of the
//! profile logs in over TCP with its profile password (quotes and backslashes included) and
//! can create tables in its databases, as the pack's table scripts need; a wrong password is
//! refused; a second run of the script succeeds (it is safe to re-run), also over a database
//! an administrator created before.
use crate::support::{free_port, Kmgen, Scratch};
use std::fs;
use std::net::TcpStream;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Tricky but valid: printable ASCII with both quote kinds, a backslash and a dollar.
const AM_PASSWORD: &str = r#"am'pw\"x$1"#;
const SHARED_PASSWORD: &str = "shared-Pw9";
const REG_PASSWORD: &str = "reg-Pw7";

fn profile(db_type: &str) -> String {
    // MySQL grants a whole database to each user, so WSO2REG_DB may share WSO2UM_DB's with a
    // user of its own; PostgreSQL refuses that (the owner's tables), see `validate`.
    let reg_db = if db_type == "mysql" {
        "kmgen_carbon"
    } else {
        "kmgen_reg"
    };
    format!(
        r#"
[deployment]
name = "dbcheck"
pattern = "hybrid-single-node"

[database]
type = "{db_type}"
host = "db.example.com"

[database.am]
name = "kmgen_am"
username = "kmgen_am"
password = "{}"

[database.um]
name = "kmgen_carbon"
username = "kmgen_shared"
password = "{SHARED_PASSWORD}"

[database.reg]
name = "{reg_db}"
username = "kmgen_reg"
password = "{REG_PASSWORD}"

[[node]]
name = "km"
role = "key-manager"
host = "km.example.com"

[[node]]
name = "apim"
role = "all-in-one"
host = "apim.example.com"
"#,
        // A TOML basic string: backslash and double quote escaped.
        AM_PASSWORD.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

/// The script kmgen writes for `db_type`, through the real build.
fn script(db_type: &str, dir: &Scratch) -> PathBuf {
    dir.write("profile.toml", &profile(db_type));
    Kmgen::new()
        .current_dir(dir)
        .args(["build", "profile.toml", "-o", "out"])
        .run()
        .success();
    let path = dir.join(format!(
        "out/dbcheck/databases/{db_type}/create-databases.sql"
    ));
    assert_eq!(
        fs::metadata(&path).unwrap().mode() & 0o777,
        0o600,
        "the script holds passwords"
    );
    path
}

fn need(tool: &Path, package: &str) {
    assert!(
        tool.exists(),
        "{} is missing: the database tests run a real server (apt-get install -y {package})",
        tool.display()
    );
}

fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().unwrap()
}

fn ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn wait_for_port(port: u16, server: &mut Child, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = server.try_wait().unwrap() {
            panic!("{name} exited while starting: {status}");
        }
        assert!(Instant::now() < deadline, "{name} did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `cmd` as the `postgres` user when we are root (PostgreSQL refuses to run as root).
fn as_server_user(root: bool, program: &Path) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn pg_bin(name: &str) -> PathBuf {
    let mut found: Vec<PathBuf> = fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.flatten()
                .map(|e| e.path().join("bin").join(name))
                .filter(|p| p.exists())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    let path = found
        .pop()
        .unwrap_or_else(|| PathBuf::from("/usr/lib/postgresql/<version>/bin").join(name));
    need(&path, "postgresql");
    path
}

#[test]
fn postgresql_script_creates_databases_and_users_that_log_in() {
    let dir = Scratch::new("db-pg");
    let sql = script("postgresql", &dir);
    let (initdb, postgres) = (pg_bin("initdb"), pg_bin("postgres"));
    need(Path::new("/usr/bin/psql"), "postgresql-client");
    // A data folder the server user owns, under a path every user can traverse.
    let data = Scratch::new("pg-data");
    let root = fs::metadata(&data).unwrap().uid() == 0;
    if root {
        ok(
            &run(Command::new("chown")
                .args(["postgres:postgres"])
                .arg(data.path())),
            "chown",
        );
    }
    let pgdata = data.join("pgdata");
    ok(
        &run(as_server_user(root, &initdb).arg("-D").arg(&pgdata).args([
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
        ])),
        "initdb",
    );
    let port = free_port();
    let mut child = as_server_user(root, &postgres)
        .arg("-D")
        .arg(&pgdata)
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-k"])
        .arg(data.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(port, &mut child, "postgres");
    let _server = Server(child);
    let port_s = port.to_string();
    let psql = |user: &str, db: &str| {
        let mut c = Command::new("psql");
        c.args([
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-p",
            &port_s,
            "-U",
            user,
            "-d",
            db,
        ]);
        c
    };
    // A database the administrator made earlier, owned by someone else: the script must
    // still give its user the right to create tables (PostgreSQL 15 `public` schema).
    ok(
        &run(psql("postgres", "postgres")
            .arg("-h")
            .arg(data.path())
            .args(["-c", "CREATE DATABASE kmgen_am"])),
        "pre-created database",
    );
    // As the administrator over the local socket, twice: the script is safe to re-run.
    for round in 1..=2 {
        ok(
            &run(psql("postgres", "postgres")
                .arg("-h")
                .arg(data.path())
                .arg("-f")
                .arg(&sql)),
            &format!("create-databases.sql, run {round}"),
        );
    }
    let check = "CREATE TABLE kmgen_check (id INT); DROP TABLE kmgen_check;";
    for (user, password, db) in [
        ("kmgen_am", AM_PASSWORD, "kmgen_am"),
        ("kmgen_shared", SHARED_PASSWORD, "kmgen_carbon"),
        ("kmgen_reg", REG_PASSWORD, "kmgen_reg"),
    ] {
        ok(
            &run(psql(user, db)
                .args(["-h", "127.0.0.1", "-c", check])
                .env("PGPASSWORD", password)),
            &format!("{user} on {db}"),
        );
    }
    let wrong = run(psql("kmgen_am", "kmgen_am")
        .args(["-h", "127.0.0.1", "-c", "SELECT 1"])
        .env("PGPASSWORD", "not-the-password"));
    assert!(
        !wrong.status.success(),
        "a wrong password logged in: the check above proves nothing"
    );
    drop(_server);
}

#[test]
fn mysql_script_creates_databases_and_users_that_log_in() {
    let dir = Scratch::new("db-mysql");
    let sql = script("mysql", &dir);
    // The README creates the Carbon tables once in the database WSO2UM_DB and WSO2REG_DB share.
    let readme = fs::read_to_string(dir.join("out/dbcheck/README.md")).unwrap();
    let carbon = readme
        .lines()
        .filter(|l| l.contains("< <APIM_HOME>/dbscripts/mysql5.7.sql"))
        .count();
    assert_eq!(carbon, 1, "{readme}");
    assert!(readme.contains("kmgen_am < <APIM_HOME>/dbscripts/apimgt/mysql5.7.sql"));
    let (install, server, client) = (
        Path::new("/usr/bin/mariadb-install-db"),
        Path::new("/usr/sbin/mariadbd"),
        Path::new("/usr/bin/mariadb"),
    );
    for tool in [install, server, client] {
        need(tool, "mariadb-server");
    }
    let data = dir.join("mysql");
    let user = if fs::metadata(&dir).unwrap().uid() == 0 {
        "root".to_string()
    } else {
        std::env::var("USER").unwrap_or_else(|_| "nobody".into())
    };
    ok(
        &run(Command::new(install)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--user={user}"))
            .arg("--auth-root-authentication-method=normal")
            .arg("--skip-test-db")),
        "mariadb-install-db",
    );
    let port = free_port();
    let socket = dir.join("mysqld.sock");
    let mut child = Command::new(server)
        .arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--socket={}", socket.display()))
        .arg(format!("--port={port}"))
        .arg("--bind-address=127.0.0.1")
        .arg(format!("--user={user}"))
        .arg(format!("--pid-file={}", dir.join("mysqld.pid").display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(port, &mut child, "mariadbd");
    let _server = Server(child);
    let sql_text = fs::read(&sql).unwrap();
    for round in 1..=2 {
        let mut c = Command::new(client)
            .arg("--no-defaults")
            .arg(format!("--socket={}", socket.display()))
            .args(["-u", "root"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        c.stdin.take().unwrap().write_all(&sql_text).unwrap();
        ok(
            &c.wait_with_output().unwrap(),
            &format!("create-databases.sql, run {round}"),
        );
    }
    let mariadb = |user: &str, password: &str, db: &str, sql: &str| {
        run(Command::new(client)
            .arg("--no-defaults")
            .args(["--protocol=TCP", "-h", "127.0.0.1", "-P", &port.to_string()])
            .args(["-u", user, db, "-e", sql])
            .env("MYSQL_PWD", password))
    };
    let check = "CREATE TABLE kmgen_check (id INT); DROP TABLE kmgen_check;";
    for (u, p, db) in [
        ("kmgen_am", AM_PASSWORD, "kmgen_am"),
        ("kmgen_shared", SHARED_PASSWORD, "kmgen_carbon"),
        ("kmgen_reg", REG_PASSWORD, "kmgen_carbon"),
    ] {
        ok(&mariadb(u, p, db, check), &format!("{u} on {db}"));
    }
    // Two users of one database reach each other's tables.
    ok(
        &mariadb(
            "kmgen_shared",
            SHARED_PASSWORD,
            "kmgen_carbon",
            "CREATE TABLE kmgen_um (id INT)",
        ),
        "kmgen_shared creates a table",
    );
    ok(
        &mariadb(
            "kmgen_reg",
            REG_PASSWORD,
            "kmgen_carbon",
            "SELECT COUNT(*) FROM kmgen_um; DROP TABLE kmgen_um;",
        ),
        "kmgen_reg reads and drops it",
    );
    let collation = mariadb(
        "kmgen_am",
        AM_PASSWORD,
        "kmgen_am",
        "SELECT @@collation_database",
    );
    ok(&collation, "collation");
    assert!(
        String::from_utf8_lossy(&collation.stdout).contains("latin1_general_cs"),
        "{}",
        String::from_utf8_lossy(&collation.stdout)
    );
    let wrong = mariadb("kmgen_am", "not-the-password", "kmgen_am", "SELECT 1");
    assert!(
        !wrong.status.success(),
        "a wrong password logged in: the check above proves nothing"
    );
    // A user reaches only its own databases.
    let other = mariadb("kmgen_am", AM_PASSWORD, "kmgen_carbon", "SELECT 1");
    assert!(!other.status.success(), "kmgen_am reached kmgen_carbon");
}
