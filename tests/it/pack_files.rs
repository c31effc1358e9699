//! Issue 9, defect 3: every pack file that opens a keystore or truststore opens kmgen's, in
//! its format, with its password. kmgen writes the pack files that name a store on the roles
//! whose components read them (broker.xml, data-bridge-config.xml, sslprofiles.xml, the wss
//! inbound endpoint, EndpointConfig.properties; see `store_files` in `src/plan/mod.rs`).
//!
//! Here: every store reference of every generated node file names kmgen's store with its type
//! and password; the product's own loaders (Java, `tests/java/StoreLoaders.java`) open them;
//! and each new file has exactly the elements and stock values of the file the pack ships
//! (`stock`: the stock folder where it holds the file, else a list derived from the source).
mod stock;
mod store_refs;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::PathBuf;
use std::process::Command;

use kmgen::model::{Role, StoreFormat};
use kmgen::plan::{Plan, PlannedNode};

use crate::golden::golden_build;
use crate::support::xml::parse;
use crate::support::{tree, Scratch};
use store_refs::{names, store_tokens, Doc, Field, Store, STORE_REFS};

const BROKER: &str = "repository/conf/broker.xml";
const DATA_BRIDGE: &str = "repository/conf/data-bridge/data-bridge-config.xml";
const SSL_PROFILES: &str = "repository/resources/security/sslprofiles.xml";
const WSS: &str =
    "repository/deployment/server/synapse-configs/default/inbound-endpoints/SecureWebSocketInboundEndpoint.xml";
const ENDPOINT_CONFIG: &str = "repository/conf/identity/EndpointConfig.properties";
/// The files this issue adds, with the number of stores each names.
const NEW_FILES: [(&str, usize); 5] = [
    (BROKER, 4),
    (DATA_BRIDGE, 1),
    (SSL_PROFILES, 2),
    (WSS, 2),
    (ENDPOINT_CONFIG, 2),
];

// ---------------------------------------------------------------------------------------------
// Bundles
// ---------------------------------------------------------------------------------------------

/// Every printable-ASCII troublemaker for XML and `.properties`: `\`, a space, `#`, `=`, `:`,
/// `!`, `<`, `&`, `>`.
const KS_PASS: &str = r"ks\ #sec=ret:<&>!";
/// A leading space (`.properties` drops it unless escaped) and both quotes.
const TS_PASS: &str = r#" ts "secret' x"#;

/// A TOML basic string holding `s`.
fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn tls(format: &str) -> String {
    format!(
        "[tls]\nformat = \"{format}\"\nkeystore_password = {}\ntruststore_password = {}\n",
        toml_str(KS_PASS),
        toml_str(TS_PASS)
    )
}

/// Three deployments that together have every role, in both store formats, none with the
/// stock store passwords.
fn profiles() -> Vec<(&'static str, String)> {
    let apim_nodes = "[[node]]\nname = \"km\"\nrole = \"key-manager\"\nhost = \"km.example.com\"\n\
         [[node]]\nname = \"pub\"\nrole = \"publisher\"\nhost = \"pub.example.com\"\n\
         [[node]]\nname = \"store\"\nrole = \"store\"\nhost = \"store.example.com\"\n\
         [[node]]\nname = \"tm\"\nrole = \"traffic-manager\"\nhost = \"tm.example.com\"\n";
    vec![
        (
            "p12-dist",
            format!(
                "[deployment]\nname = \"p12-dist\"\npattern = \"distributed\"\n\
                 [admin]\nusername = \"ops\"\npassword = \"ops-secret\"\n{}\
                 [gateway]\nhazelcast = true\nsync = \"rsync\"\n\
                 load_balancer = {{ host = \"gw.example.com\" }}\n{apim_nodes}\
                 [[node]]\nname = \"gw-mgr\"\nrole = \"gateway-manager\"\nhost = \"gwm.example.com\"\n\
                 [[node]]\nname = \"gw-w1\"\nrole = \"gateway-worker\"\nhost = \"gw1.example.com\"\n",
                tls("pkcs12")
            ),
        ),
        (
            "jks-dist",
            format!(
                "[deployment]\nname = \"jks-dist\"\npattern = \"distributed\"\n{}\
                 [gateway]\nhazelcast = false\n{apim_nodes}\
                 [[node]]\nname = \"gw\"\nrole = \"gateway\"\nhost = \"gw.example.com\"\n",
                tls("jks")
            ),
        ),
        (
            "p12-single",
            format!(
                "[deployment]\nname = \"p12-single\"\npattern = \"hybrid-single-node\"\n{}\
                 [[node]]\nname = \"km\"\nrole = \"key-manager\"\nhost = \"wso2.example.com\"\nport_offset = 1\n\
                 [[node]]\nname = \"apim\"\nrole = \"all-in-one\"\nhost = \"wso2.example.com\"\n",
                tls("pkcs12")
            ),
        ),
    ]
}

/// One profile, built by the real binary (golden clock, fixture keys).
struct Built {
    name: &'static str,
    plan: Plan,
    bundle: PathBuf,
    _dir: Scratch,
}

impl Built {
    fn home(&self, n: &PlannedNode) -> PathBuf {
        self.bundle.join("nodes").join(&n.name)
    }
    fn format(&self) -> StoreFormat {
        self.plan.deployment.tls.format
    }
}

fn build_all() -> Vec<Built> {
    let built: Vec<Built> = profiles()
        .into_iter()
        .map(|(name, toml)| {
            let dir = Scratch::new(&format!("pack-{name}"));
            dir.write("profile.toml", &toml);
            let bundle = golden_build(&dir, "profile.toml");
            let loaded = kmgen::load::load(&dir.join("profile.toml")).unwrap();
            Built {
                name,
                plan: kmgen::plan::plan(&loaded.deployment),
                bundle,
                _dir: dir,
            }
        })
        .collect();
    let roles: BTreeSet<Role> = built
        .iter()
        .flat_map(|b| b.plan.nodes.iter().map(|n| n.role))
        .collect();
    assert_eq!(roles.len(), Role::ALL.len(), "every role: {roles:?}");
    for b in &built {
        let tls = &b.plan.deployment.tls;
        assert_eq!(tls.keystore_password.expose(), KS_PASS);
        assert_eq!(tls.truststore_password.expose(), TS_PASS);
    }
    built
}

#[test]
fn every_store_a_node_file_names_is_kmgens() {
    let mut used = vec![false; STORE_REFS.len()];
    let mut problems = Vec::new();
    for b in build_all() {
        let tls = &b.plan.deployment.tls;
        let java_type = b.format().java_type();
        for n in &b.plan.nodes {
            let home = b.home(n);
            for (_, file) in &n.configs {
                let path = home.join(file);
                let text = fs::read_to_string(&path).unwrap();
                let at = format!("{} node {} {file}", b.name, n.name);
                let tokens = store_tokens(&text);
                for t in &tokens {
                    if !names(t, &n.keystore_file) && !names(t, &n.truststore_file) {
                        problems.push(format!("{at}: names {t}, not one of kmgen's stores"));
                    }
                }
                let doc = Doc::read(&path);
                let mut located = 0;
                for (i, r) in STORE_REFS
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.file == file)
                {
                    let (store_file, password) = match r.store {
                        Store::Key => (&n.keystore_file, tls.keystore_password.expose()),
                        Store::Trust => (&n.truststore_file, tls.truststore_password.expose()),
                    };
                    let locations = doc.values(r.location);
                    if locations.is_empty() {
                        continue;
                    }
                    used[i] = true;
                    located += locations.len();
                    for l in &locations {
                        if !names(l, store_file) {
                            problems
                                .push(format!("{at}: {:?} is {l:?}, not {store_file}", r.location));
                        }
                    }
                    let mut expect = |field: Field, want: &str| {
                        let got = doc.values(field);
                        if got.is_empty() || got.iter().any(|v| v != want) {
                            problems.push(format!("{at}: {field:?} is {got:?}, not {want:?}"));
                        }
                    };
                    if let Some(t) = r.store_type {
                        expect(t, java_type);
                    }
                    for p in r.passwords {
                        expect(*p, password);
                    }
                }
                if located != tokens.len() {
                    problems.push(format!(
                        "{at}: {} store names ({tokens:?}) but {located} known store fields: \
                         add the new reference to STORE_REFS",
                        tokens.len()
                    ));
                }
            }
            if let Some((_, f)) = n.configs.iter().find(|(_, f)| f == ENDPOINT_CONFIG) {
                let Doc::Properties(p) = Doc::read(&home.join(f)) else {
                    unreachable!()
                };
                let admin = &b.plan.deployment.admin.username;
                if p.get("mutual.ssl.username") != Some(admin) {
                    problems.push(format!(
                        "{} node {}: mutual.ssl.username is not {admin}",
                        b.name, n.name
                    ));
                }
            }
        }
    }
    for (r, used) in STORE_REFS.iter().zip(used) {
        if !used {
            problems.push(format!(
                "STORE_REFS entry never found: {} {:?}",
                r.file, r.location
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_node_file_names_a_jks_store_in_a_pkcs12_bundle() {
    let mut checked = 0;
    for b in build_all()
        .iter()
        .filter(|b| b.format() == StoreFormat::Pkcs12)
    {
        for (path, bytes) in tree(&b.bundle.join("nodes")) {
            if path.ends_with(".p12") {
                continue;
            }
            let text = String::from_utf8(bytes).unwrap_or_else(|_| panic!("{path} is not text"));
            checked += 1;
            for stock in ["wso2carbon.jks", "client-truststore.jks"] {
                assert!(!text.contains(stock), "{} {path} names {stock}", b.name);
            }
            assert!(!path.ends_with(".jks"), "{} {path}", b.name);
        }
    }
    assert!(checked > 40, "{checked} files");
}

#[test]
fn every_new_xml_file_parses() {
    let mut seen = BTreeMap::<&str, usize>::new();
    for b in build_all() {
        for n in &b.plan.nodes {
            for (file, _) in NEW_FILES.iter().filter(|(f, _)| f.ends_with(".xml")) {
                if n.configs.iter().any(|(_, f)| f == file) {
                    let text = fs::read_to_string(b.home(n).join(file)).unwrap();
                    parse(&text).unwrap_or_else(|e| panic!("{} {} {file}: {e}", b.name, n.name));
                    *seen.entry(file).or_default() += 1;
                }
            }
        }
    }
    assert_eq!(seen.len(), 4, "{seen:?}");
}

/// Which role gets which new file (the reasons are in `store_files`, `src/plan/mod.rs`).
#[test]
fn each_role_gets_the_files_its_components_read() {
    let want = |role: Role| -> BTreeSet<&'static str> {
        use Role::*;
        let mut v = BTreeSet::from([ENDPOINT_CONFIG]);
        if matches!(
            role,
            AllInOne | Gateway | GatewayManager | GatewayWorker | TrafficManager
        ) {
            v.insert(BROKER);
        }
        if matches!(role, AllInOne | Gateway | GatewayManager | TrafficManager) {
            v.insert(DATA_BRIDGE);
        }
        if !matches!(role, KeyManager | TrafficManager) {
            v.insert(SSL_PROFILES);
            v.insert(WSS);
        }
        v
    };
    let mut seen = BTreeSet::new();
    for b in build_all() {
        for n in &b.plan.nodes {
            let got: BTreeSet<&str> = NEW_FILES
                .iter()
                .map(|(f, _)| *f)
                .filter(|f| n.configs.iter().any(|(_, c)| c == f))
                .collect();
            assert_eq!(
                got,
                want(n.role),
                "{} node {} ({:?})",
                b.name,
                n.name,
                n.role
            );
            seen.insert(n.role);
        }
    }
    assert_eq!(seen.len(), Role::ALL.len());
}

// ---------------------------------------------------------------------------------------------
// The product's loaders, in Java
// ---------------------------------------------------------------------------------------------

const STRICT_JAVA: &str = "-Djava.security.properties=tests/java/strict-keystore.security";

/// Runs `tests/java/StoreLoaders.java` on every new file of every node: its output lines.
fn store_loaders(b: &Built, java_options: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = java_options.iter().map(|s| s.to_string()).collect();
    args.push("tests/java/StoreLoaders.java".into());
    for n in &b.plan.nodes {
        for (file, _) in NEW_FILES {
            if n.configs.iter().any(|(_, f)| f == file) {
                args.push(b.home(n).display().to_string());
                args.push(file.to_string());
            }
        }
    }
    let out = Command::new("java")
        .args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run java ({e}): install a JDK (apt-get install -y default-jdk-headless)")
        });
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.stderr.is_empty() || out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout.lines().map(str::to_string).collect()
}

/// The JDK's own keystore settings (`keystore.type.compat=true`, the default): each
/// component opens kmgen's stores the way its code does, JKS or PKCS12. The broker, the
/// authentication endpoint and the wss endpoint ask for `JKS` whatever the file: a `.p12`
/// opens only through the JKS loader's dual-format mode, so the same run with that mode off
/// must fail on exactly those (and the type-aware sslprofiles.xml must still open).
#[test]
fn product_loaders_open_kmgens_stores() {
    for b in build_all() {
        let lines = store_loaders(&b, &[]);
        let mut want = 0;
        for n in &b.plan.nodes {
            for (file, stores) in NEW_FILES {
                if n.configs.iter().any(|(_, f)| f == file) {
                    want += stores + usize::from(file == ENDPOINT_CONFIG);
                }
            }
        }
        assert_eq!(lines.len(), want, "{}:\n{}", b.name, lines.join("\n"));
        let failed: Vec<_> = lines.iter().filter(|l| !l.starts_with("OK ")).collect();
        assert!(failed.is_empty(), "{}:\n{}", b.name, lines.join("\n"));
        let admin = &b.plan.deployment.admin.username;
        let user = format!("OK {ENDPOINT_CONFIG} user {admin}");
        assert!(
            lines
                .iter()
                .filter(|l| l.contains(" user "))
                .all(|l| *l == user),
            "{}: {lines:?}",
            b.name
        );
        if b.format() == StoreFormat::Pkcs12 {
            let strict = store_loaders(&b, &[STRICT_JAVA]);
            for l in &strict {
                let jks_only = [BROKER, WSS, ENDPOINT_CONFIG].iter().any(|f| {
                    l.contains(&format!(" {f} key ")) || l.contains(&format!(" {f} trust "))
                });
                if jks_only {
                    assert!(
                        l.starts_with("FAIL ") && l.contains("Invalid keystore format"),
                        "{}: a JKS loader opened a .p12 with keystore.type.compat=false: {l}",
                        b.name
                    );
                } else if l.contains(SSL_PROFILES) {
                    assert!(l.starts_with("OK "), "{}: {l}", b.name);
                }
            }
        }
    }
}
