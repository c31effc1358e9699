//! Mutated profiles never panic the load → validate → plan path or the error reports, and
//! every problem names a real key path. Fixed-seed xorshift, so a failure reproduces.
use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use kmgen::diagnostic::report_problems;
use kmgen::load::profile::Profile;
use kmgen::load::validate::{validate, Env};

use crate::support::repo;

const CASES: usize = 5000;
const SEED: u64 = 0x6b6d_6765_6e5f_6675;

/// xorshift64* (Vigna): small, fast, and good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform-ish in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A distributed profile with every section, so mutations reach the deeper checks.
const DISTRIBUTED: &str = r#"
[deployment]
name = "fuzz-dist"
pattern = "distributed"
apim_version = "2.6.0-wum"
is_km_version = "5.7.0-wum"

[admin]
username = "admin"
password = "Adm1n-fuzz"

[tls]
format = "pkcs12"
keystore_password = { env = "FUZZ_KS" }
truststore_password = "ts-fuzz-1"
key_alias = "wso2carbon"
key_bits = 2048
validity_days = 365
key_sharing = "deployment"
public_roots = false
extra_trusted = []

[database]
type = "postgresql"
host = "pg.example.com"
port = 5432

[database.am]
name = "apimgtdb"
username = "apim"
password = "am-fuzz"

[database.um]
username = "apim"
password = { file = "secrets/um-db.txt" }

[database.reg]
username = "apim"
password = "reg-fuzz"

[user_store]
type = "ldap"
url = "ldaps://ldap.example.com:636"
bind_dn = "uid=admin,ou=system"
bind_password = "ldap-fuzz"
user_search_base = "ou=Users,dc=example,dc=com"
group_search_base = "ou=Groups,dc=example,dc=com"

[key_manager]
client = "ws"
encrypt_oauth_keys = true
load_balancer = { host = "km.example.com", port = 443 }

[jwt]
enabled = true
claims_retriever = false
consumer_dialect_uri = "http://wso2.org/claims"
signature_algorithm = "NONE"

[gateway]
hazelcast = true
sync = "rsync"
load_balancer = { host = "gw.example.com", https_port = 8243, http_port = 8280 }

[apim]
load_balancer = { host = "apim.example.com", port = 443 }

[traffic_manager]
sync = "nfs"
nfs_export = "nfs.example.com:/exports/tm"
load_balancer = { host = "tm-lb.example.com", port = 9443 }

[[node]]
name = "km-1"
role = "key-manager"
host = "km1.example.com"

[[node]]
name = "km-2"
role = "key-manager"
host = "km2.example.com"
extra_names = ["km-two.example.com", "10.0.0.12"]

[[node]]
name = "pub"
role = "publisher"
host = "pub.example.com"

[[node]]
name = "store"
role = "store"
host = "pub.example.com"
port_offset = 1

[[node]]
name = "tm"
role = "traffic-manager"
host = "tm.example.com"

[[node]]
name = "tm-2"
role = "traffic-manager"
host = "tm2.example.com"

[[node]]
name = "gw-m"
role = "gateway-manager"
host = "gw1.example.com"

[[node]]
name = "gw-w"
role = "gateway-worker"
host = "gw2.example.com"
"#;

/// Seeds: the example profiles, the golden cases' profiles, the error cases, one above.
fn seeds() -> Vec<String> {
    let mut out = vec![DISTRIBUTED.to_string()];
    let mut add_dir = |dir: &Path, nested: bool| {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for p in paths {
            let p = if nested { p.join("profile.toml") } else { p };
            if p.extension().is_some_and(|e| e == "toml") {
                if let Ok(text) = fs::read_to_string(&p) {
                    out.push(text);
                }
            }
        }
    };
    add_dir(&repo().join("profiles"), false);
    add_dir(&repo().join("tests/cases/golden"), true);
    add_dir(&repo().join("tests/cases/errors"), false);
    out
}

/// Values that a profile could plausibly hold, so mutations reach validation, not only the
/// TOML parser.
const VALUES: &[&str] = &[
    "\"key-manager\"",
    "\"all-in-one\"",
    "\"publisher\"",
    "\"store\"",
    "\"traffic-manager\"",
    "\"gateway\"",
    "\"gateway-manager\"",
    "\"gateway-worker\"",
    "\"hybrid-single-node\"",
    "\"hybrid-active-active\"",
    "\"distributed\"",
    "\"2.6.0-update-7\"",
    "\"5.7.0\"",
    "\"localhost\"",
    "\"127.0.0.1\"",
    "\"::1\"",
    "\"a--b\"",
    "\"\"",
    "\" \"",
    "\"ldap\"",
    "\"embedded-ldap\"",
    "\"jdbc\"",
    "\"mysql\"",
    "\"h2\"",
    "\"thrift\"",
    "\"rsync\"",
    "\"nfs\"",
    "\"nfs.example.com:/exports/x\"",
    "\"/opt/wso2am-2.6.0\"",
    "\"wso2carbon\"",
    "\"pkcs12\"",
    "\"deployment\"",
    "\"NONE\"",
    "0",
    "-1",
    "1024",
    "65535",
    "55139",
    "9223372036854775807",
    "-9223372036854775808",
    "4294967296",
    "1.5",
    "true",
    "false",
    "[]",
    "[\"x.example.com\", 3]",
    "{ env = \"FUZZ_KS\" }",
    "{ env = \"UNSET\" }",
    "{ file = \"secrets/admin.txt\" }",
    "{ file = \"../nope\" }",
    "{ env = \"A\", file = \"b\" }",
    "{ host = \"lb.example.com\" }",
    "{ host = \"lb.example.com\", port = 0 }",
    "{}",
    "1979-05-27T07:32:00Z",
    "\"\u{e9}t\u{e9}\"",
    "'''multi\nline'''",
];

fn random_value(rng: &mut Rng) -> String {
    match rng.below(5) {
        0 => {
            let len = rng.below(12);
            let s: String = (0..len)
                .map(|_| (b' ' + rng.below(95) as u8) as char)
                .filter(|c| *c != '"' && *c != '\\')
                .collect();
            format!("\"{s}\"")
        }
        1 => (rng.next() as i64 >> rng.below(64)).to_string(),
        2 => if rng.below(2) == 0 { "true" } else { "false" }.to_string(),
        3 => format!("[{}, {}]", rng.below(100), rng.pick(VALUES)),
        _ => rng.pick(VALUES).to_string(),
    }
}

/// A random value of the same TOML type as `old` (string, integer or boolean).
fn same_type_value(rng: &mut Rng, old: &str) -> String {
    let of_type = |v: &&str| {
        if old.starts_with('"') {
            v.starts_with('"')
        } else if old == "true" || old == "false" {
            *v == "true" || *v == "false"
        } else if old.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
            v.parse::<i64>().is_ok()
        } else {
            true
        }
    };
    let candidates: Vec<&str> = VALUES.iter().copied().filter(of_type).collect();
    if old.starts_with('"') && rng.below(3) == 0 {
        let len = rng.below(12);
        let s: String = (0..len)
            .map(|_| *rng.pick(b"abcxyz019-._:/@ AZ") as char)
            .collect();
        return format!("\"{s}\"");
    }
    if old.starts_with(|c: char| c.is_ascii_digit()) && rng.below(2) == 0 {
        return rng.below(70000).to_string();
    }
    rng.pick(&candidates).to_string()
}

/// One random change to the text.
fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let assignments: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].contains('=') && !lines[i].trim_start().starts_with('#'))
        .collect();
    // Value replacement is weighted up: it is the mutation that reaches validation.
    match *rng.pick(&[0, 1, 2, 3, 3, 3, 3, 3, 4, 5, 6]) {
        0 if !lines.is_empty() => {
            let i = rng.below(lines.len());
            lines.remove(i);
        }
        1 if !lines.is_empty() => {
            let i = rng.below(lines.len());
            let l = lines[i].clone();
            lines.insert(i, l);
        }
        2 if assignments.len() >= 2 => {
            let a = *rng.pick(&assignments);
            let b = *rng.pick(&assignments);
            let (ka, va) = lines[a]
                .split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .unwrap();
            let (kb, vb) = lines[b]
                .split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .unwrap();
            lines[a] = format!("{ka}={vb}");
            lines[b] = format!("{kb}={va}");
        }
        3 if !assignments.is_empty() => {
            let a = *rng.pick(&assignments);
            let (key, old) = lines[a].split_once('=').unwrap();
            let (key, old) = (key.to_string(), old.trim().to_string());
            // Mostly a value of the same type, so the profile still parses and reaches
            // validation; sometimes anything at all.
            let value = if rng.below(4) == 0 {
                random_value(rng)
            } else {
                same_type_value(rng, &old)
            };
            lines[a] = format!("{key}= {value}");
        }
        4 => {
            let mut bytes = text.as_bytes().to_vec();
            bytes.truncate(rng.below(bytes.len() + 1));
            return String::from_utf8_lossy(&bytes).into_owned();
        }
        5 => {
            let mut bytes = text.as_bytes().to_vec();
            let at = rng.below(bytes.len() + 1);
            let n = 1 + rng.below(6);
            let junk: Vec<u8> = (0..n)
                .map(|_| *rng.pick(b"[]{}=\"'.,#\n\\ \t\x00\xffaZ9-_"))
                .collect();
            bytes.splice(at..at, junk);
            return String::from_utf8_lossy(&bytes).into_owned();
        }
        _ => {
            // A whole new table or node, or a stray key.
            let i = rng.below(lines.len() + 1);
            let snippet = match rng.below(4) {
                0 => format!(
                    "[[node]]\nname = \"n{}\"\nrole = {}\nhost = \"h{}.example.com\"",
                    rng.below(9),
                    rng.pick(&VALUES[..8]),
                    rng.below(3)
                ),
                1 => format!(
                    "[{}]",
                    rng.pick(&["tls", "gateway", "jwt", "apim", "database.am", "extra"])
                ),
                2 => format!("stray_{} = {}", rng.below(9), random_value(rng)),
                _ => format!("port_offset = {}", random_value(rng)),
            };
            lines.insert(i, snippet);
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

const TOP: &[&str] = &[
    "deployment",
    "admin",
    "tls",
    "database",
    "user_store",
    "key_manager",
    "jwt",
    "gateway",
    "apim",
    "traffic_manager",
    "secure_vault",
    "node",
];

/// Whether `path` (`node[1].port_offset`, `database.am.password`, `tls.extra_trusted[0]`)
/// names a key or table of the profile schema.
fn is_schema_path(path: &str, nodes: usize) -> bool {
    let mut segs = Vec::new();
    for seg in path.split('.') {
        let (name, index) = match seg.split_once('[') {
            Some((n, rest)) => match rest.strip_suffix(']').and_then(|i| i.parse::<usize>().ok()) {
                Some(i) => (n, Some(i)),
                None => return false,
            },
            None => (seg, None),
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return false;
        }
        segs.push((name, index));
    }
    let names: Vec<&str> = segs.iter().map(|s| s.0).collect();
    let db = ["name", "username", "password"];
    let lb = ["host", "port", "cert", "key"];
    let ok = match names.as_slice() {
        ["deployment"]
        | ["admin"]
        | ["tls"]
        | ["database"]
        | ["user_store"]
        | ["key_manager"]
        | ["jwt"]
        | ["gateway"]
        | ["apim"]
        | ["traffic_manager"]
        | ["secure_vault"]
        | ["node"] => true,
        ["secure_vault", k] => ["enabled"].contains(k),
        ["deployment", k] => ["name", "pattern", "apim_version", "is_km_version"].contains(k),
        ["admin", k] => ["username", "password"].contains(k),
        ["tls", k] => [
            "mode",
            "format",
            "keystore_password",
            "truststore_password",
            "key_alias",
            "key_bits",
            "validity_days",
            "key_sharing",
            "public_roots",
            "extra_trusted",
        ]
        .contains(k),
        ["database", k] => ["type", "host", "port", "am", "um", "reg"].contains(k),
        ["database", t, k] => ["am", "um", "reg"].contains(t) && db.contains(k),
        ["user_store", k] => [
            "type",
            "url",
            "bind_dn",
            "bind_password",
            "user_search_base",
            "group_search_base",
            "read_only",
            "user_entry_object_class",
            "group_entry_object_class",
            "user_name_attribute",
            "user_name_search_filter",
            "user_name_list_filter",
            "group_name_attribute",
            "membership_attribute",
        ]
        .contains(k),
        ["key_manager", k] => ["client", "encrypt_oauth_keys", "load_balancer"].contains(k),
        ["key_manager", "load_balancer", k]
        | ["apim", "load_balancer", k]
        | ["traffic_manager", "load_balancer", k] => lb.contains(k),
        ["jwt", k] => [
            "enabled",
            "claims_retriever",
            "consumer_dialect_uri",
            "signature_algorithm",
        ]
        .contains(k),
        ["gateway", k] => [
            "hazelcast",
            "sync",
            "nfs_export",
            "rsync_user",
            "load_balancer",
        ]
        .contains(k),
        ["traffic_manager", k] => ["sync", "nfs_export", "rsync_user", "load_balancer"].contains(k),
        ["gateway", "load_balancer", k] => {
            ["host", "https_port", "http_port", "cert", "key"].contains(k)
        }
        ["apim", "load_balancer"] => true,
        ["node", k] => [
            "name",
            "role",
            "host",
            "port_offset",
            "extra_names",
            "hazelcast_port",
            "home",
            "cert",
            "key",
        ]
        .contains(k),
        _ => false,
    };
    // Indexes only where the schema has arrays, and node indexes within the file's nodes.
    let indexes_ok = segs.iter().all(|(name, index)| match (name, index) {
        (_, None) => true,
        (&"node", Some(i)) => *i < nodes,
        (&"extra_names", Some(_)) | (&"extra_trusted", Some(_)) => true,
        _ => false,
    });
    // `node.x` only without an index for whole-topology problems (`node`), never `node.name`.
    let node_indexed = names.first() != Some(&"node") || names.len() == 1 || segs[0].1.is_some();
    ok && indexes_ok && node_indexed
}

/// The key path a rendered report leads with (`  × <path>: message`).
fn report_paths(report: &str) -> Vec<String> {
    report
        .lines()
        .filter_map(|l| l.strip_prefix("  × "))
        // A message that starts with a word too long for the line is wrapped right after
        // the path (`  × tls.key_alias:`).
        .filter_map(|l| {
            l.split_once(": ")
                .map(|(p, _)| p)
                .or_else(|| l.strip_suffix(':'))
                .map(str::to_string)
        })
        .collect()
}

enum Outcome {
    ParseError,
    Problems,
    Planned,
}

/// Runs one profile text through the library; `Err` describes a broken property.
fn exercise(src: &str, env: &Env) -> Result<Outcome, String> {
    let serde = toml::from_str::<Profile>(src);
    // The schema finds a problem exactly when serde does, whenever the text is TOML.
    let schema = kmgen::load::schema::problems(src);
    // (Stricter in one way: serde reads a table from an array, by position.)
    let by_position = |p: &kmgen::diagnostic::Problem| {
        p.message
            .starts_with("invalid type: array, expected a table")
    };
    match (&serde, &schema) {
        (Ok(_), Some(found)) if !found.iter().all(by_position) => {
            return Err(format!(
                "serde reads the profile, the schema finds {found:?}"
            ));
        }
        (Err(e), Some(found)) if found.is_empty() => {
            return Err(format!(
                "serde refuses the profile ({e}), the schema finds nothing"
            ));
        }
        _ => {}
    }
    let refused = serde.is_err() || schema.as_ref().is_some_and(|f| !f.is_empty());
    match serde {
        _ if refused => {
            let report = match kmgen::load::parse("profile.toml", src) {
                Err(report) => report,
                Ok(_) => return Err("load::parse reads what serde refuses".into()),
            };
            let found = schema.unwrap_or_default();
            let n = found.len().max(1);
            let close = format!(
                "has {n} problem{}; nothing was written\n",
                if n == 1 { "" } else { "s" }
            );
            if !report.ends_with(&close) {
                return Err(format!(
                    "parse report does not close with `{close}`:\n{report}"
                ));
            }
            let paths = report_paths(&report);
            if !found.is_empty() {
                let want: Vec<&str> = found.iter().map(|p| p.path.as_str()).collect();
                if paths != want {
                    return Err(format!("report shows {paths:?}, problems are {want:?}"));
                }
                for p in &found {
                    // An unknown key is named by its own path; every other problem by a
                    // key of the schema (a secret's inline table at the secret's key).
                    let unknown = p
                        .message
                        .strip_prefix("unknown field `")
                        .and_then(|r| r.split('`').next())
                        .filter(|_| !p.message.ends_with("expected `env` or `file`"));
                    let ok = match unknown {
                        Some(field) => p.path.rsplit('.').next() == Some(field),
                        None => is_schema_path(&p.path, usize::MAX),
                    };
                    if !ok || p.help.trim().is_empty() {
                        return Err(format!("`{}` at `{}`:\n{report}", p.message, p.path));
                    }
                }
                return Ok(Outcome::ParseError);
            }
            let [path] = paths.as_slice() else {
                return Err(format!("parse report must name one path:\n{report}"));
            };
            let first = path.split(['.', '[']).next().unwrap_or("");
            if path.is_empty()
                || !(path == "profile" || TOP.contains(&first) || src.contains(first))
            {
                return Err(format!(
                    "parse report names `{path}`, which is not in the profile:\n{report}"
                ));
            }
            Ok(Outcome::ParseError)
        }
        Err(_) => unreachable!("refused"),
        Ok(profile) => match validate(&profile, env) {
            Err(problems) => {
                if problems.is_empty() {
                    return Err("validation failed with no problems".into());
                }
                for p in &problems {
                    if !is_schema_path(&p.path, profile.nodes.len()) {
                        return Err(format!(
                            "problem path `{}` is not a key path ({})",
                            p.path, p.message
                        ));
                    }
                    if p.message.trim().is_empty() || p.help.trim().is_empty() {
                        return Err(format!("problem at `{}` lacks a message or help", p.path));
                    }
                }
                let report = report_problems("profile.toml", src, &problems);
                let n = problems.len();
                let close = format!(
                    "has {n} problem{}; nothing was written\n",
                    if n == 1 { "" } else { "s" }
                );
                if !report.ends_with(&close) {
                    return Err(format!("report does not close with `{close}`:\n{report}"));
                }
                let shown = report_paths(&report);
                let want: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
                if shown != want {
                    return Err(format!(
                        "report shows paths {shown:?}, problems are {want:?}"
                    ));
                }
                Ok(Outcome::Problems)
            }
            Ok(deployment) => {
                let plan = kmgen::plan::plan(&deployment);
                if plan.nodes.len() != deployment.nodes.len() {
                    return Err("plan lost nodes".into());
                }
                Ok(Outcome::Planned)
            }
        },
    }
}

#[test]
fn mutated_profiles_never_panic_and_name_real_key_paths() {
    let seeds = seeds();
    assert!(seeds.len() >= 10, "only {} seeds", seeds.len());
    let base_dir = repo().join("profiles");
    let var = |name: &str| {
        name.len()
            .is_multiple_of(2)
            .then(|| format!("env-{name}-value"))
    };
    let env = Env {
        base_dir: &base_dir,
        var: &var,
    };
    let good: Vec<String> = seeds
        .iter()
        .filter(|s| matches!(exercise(s, &env), Ok(Outcome::Planned)))
        .cloned()
        .collect();
    assert!(good.len() >= 4, "only {} seeds plan", good.len());
    // `FUZZ_SEED=<n> FUZZ_CASES=<n>` explore further; the default run is fixed.
    let seed = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEED);
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(CASES);
    let mut rng = Rng(seed | 1);
    let (mut parse, mut problems, mut planned) = (0, 0, 0);
    let mut failures = Vec::new();
    let started = std::time::Instant::now();
    for case in 0..cases {
        // Mostly the valid seeds: they reach validation and planning after a mutation.
        let mut text = if rng.below(4) == 0 {
            rng.pick(&seeds).clone()
        } else {
            rng.pick(&good).clone()
        };
        for _ in 0..1 + rng.below(2) {
            text = mutate(&mut rng, &text);
        }
        let result = catch_unwind(AssertUnwindSafe(|| exercise(&text, &env)));
        match result {
            Ok(Ok(Outcome::ParseError)) => parse += 1,
            Ok(Ok(Outcome::Problems)) => problems += 1,
            Ok(Ok(Outcome::Planned)) => planned += 1,
            Ok(Err(why)) => failures.push(format!("case {case}: {why}\n--- profile ---\n{text}")),
            Err(_) => failures.push(format!("case {case}: PANIC\n--- profile ---\n{text}")),
        }
    }
    // The unmutated seeds too: every example plans, every error case fails cleanly.
    for (i, seed) in seeds.iter().enumerate() {
        if let Err(why) = catch_unwind(AssertUnwindSafe(|| exercise(seed, &env)))
            .unwrap_or_else(|_| Err("PANIC".into()))
        {
            failures.push(format!("seed {i}: {why}"));
        }
    }
    eprintln!(
        "fuzz: {cases} cases ({parse} parse errors, {problems} with problems, {planned} planned) in {:?}",
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} of {cases} cases (seed {seed}) broke a property; the first:\n{}",
        failures.len(),
        failures
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
    // The mutations must reach every phase, or the test proves little.
    assert!(parse > cases / 5, "parse errors: {parse}");
    assert!(problems > cases / 10, "validation problems: {problems}");
    assert!(planned > cases / 20, "planned: {planned}");
}

#[test]
fn schema_paths() {
    assert!(is_schema_path("node[1].port_offset", 2));
    assert!(!is_schema_path("node[2].port_offset", 2));
    assert!(is_schema_path("database.am.password", 0));
    assert!(is_schema_path("key_manager.load_balancer.host", 0));
    assert!(is_schema_path("node[0].extra_names[3]", 1));
    assert!(!is_schema_path("node.name", 1));
    assert!(!is_schema_path("", 1));
    assert!(!is_schema_path("profile", 1));
    assert!(!is_schema_path("tls.keysize", 1));
}
