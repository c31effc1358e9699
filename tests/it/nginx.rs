//! The generated nginx configurations, run by a real nginx: `nginx -t` accepts every file
//! with its certificate and key, and a request through each HTTPS route reaches a node
//! serving that node's own generated keystore (nginx verifying it by the load balancer's
//! name against `<id>.backends.crt`), while the client trusts only a node's generated
//! truststore. Without the right backend certificates nginx refuses the node (502).
//! Behind the API-M load balancer of a distributed deployment, each role's paths reach only
//! that role's nodes (the Java servers answer with their node's name), and the check fails
//! on a configuration that breaks the rule.
use crate::bundle_tls::build;
use crate::support::{copy_tree, free_port, Scratch};
use kmgen::plan::Plan;
use kmgen::topology::{Backend, LoadBalancerId, Route};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const STRICT_JAVA: &str = "-Djava.security.properties=tests/java/strict-keystore.security";

fn nginx() -> &'static str {
    let ok = Command::new("nginx")
        .arg("-v")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "cannot run `nginx`: the load balancer tests need it (apt-get install -y nginx-light)"
    );
    "nginx"
}

fn java_type(plan: &Plan) -> &'static str {
    match plan.deployment.tls.format {
        kmgen::model::StoreFormat::Jks => "JKS",
        kmgen::model::StoreFormat::Pkcs12 => "PKCS12",
    }
}

/// Java HTTPS servers, one per node behind any load balancer, each with its own keystore.
struct Nodes {
    child: Child,
    ports: BTreeMap<String, u16>,
}

impl Nodes {
    fn start(plan: &Plan, bundle: &Path, dir: &Path) -> Nodes {
        let port_file = dir.join("node-ports");
        let mut args: Vec<String> = vec![
            STRICT_JAVA.into(),
            "tests/java/TlsCheck.java".into(),
            "serve".into(),
            java_type(plan).into(),
            plan.deployment.tls.keystore_password.expose().into(),
            port_file.display().to_string(),
        ];
        let mut names: Vec<&str> = plan
            .load_balancers
            .iter()
            .flat_map(|lb| lb.routes.iter().flat_map(|r| &r.backends))
            .map(|b| b.node.as_str())
            .collect();
        names.sort();
        names.dedup();
        for name in names {
            let n = plan.nodes.iter().find(|n| n.name == name).unwrap();
            args.push(name.into());
            args.push(
                bundle
                    .join("nodes")
                    .join(name)
                    .join(&n.keystore_file)
                    .display()
                    .to_string(),
            );
        }
        let child = Command::new("java")
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run java ({e}): install a JDK"));
        let deadline = Instant::now() + Duration::from_secs(120);
        while !port_file.exists() {
            assert!(
                Instant::now() < deadline,
                "the Java node servers did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let ports = fs::read_to_string(&port_file)
            .unwrap()
            .lines()
            .map(|l| {
                let (name, port) = l.split_once(' ').unwrap();
                (name.to_string(), port.parse().unwrap())
            })
            .collect();
        Nodes { child, ports }
    }
}

impl Drop for Nodes {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One nginx (foreground, one process) running the bundle's load balancer files, with the
/// listen ports, the node addresses and the ssl folder moved to this machine, each file first
/// passed through `edit` (the identity, or a deliberate change).
struct Nginx {
    child: Child,
    /// (load balancer id, original listen port) → port nginx listens on here.
    listens: BTreeMap<(String, u32), u16>,
}

impl Nginx {
    fn start(
        plan: &Plan,
        bundle: &Path,
        dir: &Path,
        nodes: &Nodes,
        edit: &dyn Fn(&str) -> String,
    ) -> Nginx {
        let nginx = nginx();
        let conf_d = dir.join("conf.d");
        let ssl = dir.join("ssl");
        fs::create_dir_all(&conf_d).unwrap();
        fs::create_dir_all(&ssl).unwrap();
        for f in fs::read_dir(bundle.join("load-balancer/ssl")).unwrap() {
            let f = f.unwrap().path();
            fs::copy(&f, ssl.join(f.file_name().unwrap())).unwrap();
        }
        let ssl_dir = format!("/etc/nginx/ssl/{}", plan.deployment.name);
        let mut listens = BTreeMap::new();
        for lb in &plan.load_balancers {
            let text =
                fs::read_to_string(bundle.join(format!("load-balancer/{}.conf", lb.id))).unwrap();
            let text = edit(&text);
            assert!(text.contains(&ssl_dir), "{}: no {ssl_dir}", lb.id);
            let mut out = String::new();
            for line in text.replace(&ssl_dir, &ssl.display().to_string()).lines() {
                let t = line.trim_start();
                if let Some(rest) = t.strip_prefix("listen ") {
                    let port: u32 = rest
                        .trim_end_matches(';')
                        .split(' ')
                        .next()
                        .unwrap()
                        .parse()
                        .unwrap();
                    let here = free_port();
                    listens.insert((lb.id.to_string(), port), here);
                    out.push_str(&line.replace(
                        &format!("listen {port}"),
                        &format!("listen 127.0.0.1:{here}"),
                    ));
                } else if t.starts_with("server ") && t.contains("  # ") {
                    let node = t.rsplit("# ").next().unwrap();
                    let port = nodes.ports[node];
                    out.push_str(&format!("    server 127.0.0.1:{port};  # {node}"));
                } else {
                    out.push_str(line);
                }
                out.push('\n');
            }
            fs::write(conf_d.join(format!("{}.conf", lb.id)), out).unwrap();
        }
        let main = dir.join("nginx.conf");
        let d = dir.display();
        fs::write(
            &main,
            format!(
                "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log notice;\n\
                 events {{ worker_connections 64; }}\n\
                 http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  include {d}/conf.d/*.conf;\n}}\n"
            ),
        )
        .unwrap();
        let prefix = dir.display().to_string();
        let main_s = main.display().to_string();
        let t = Command::new(nginx)
            .args(["-t", "-p", &prefix, "-c", &main_s])
            .output()
            .unwrap();
        assert!(
            t.status.success(),
            "nginx -t refused the generated configuration:\n{}",
            String::from_utf8_lossy(&t.stderr)
        );
        let child = Command::new(nginx)
            .args(["-p", &prefix, "-c", &main_s])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        for port in listens.values() {
            while TcpStream::connect(("127.0.0.1", *port)).is_err() {
                assert!(Instant::now() < deadline, "nginx does not listen on {port}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Nginx { child, listens }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `fetch` for `cases` (nginx port, load balancer host, path), trusting `truststore`.
fn fetch(plan: &Plan, truststore: &Path, cases: &[(u16, String, String)]) -> Vec<String> {
    let mut args: Vec<String> = vec![
        STRICT_JAVA.into(),
        "tests/java/TlsCheck.java".into(),
        "fetch".into(),
        java_type(plan).into(),
        truststore.display().to_string(),
        plan.deployment.tls.truststore_password.expose().into(),
    ];
    for (port, host, path) in cases {
        args.extend([port.to_string(), host.clone(), path.clone()]);
    }
    let out = Command::new("java")
        .args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(
        lines.len(),
        cases.len(),
        "{lines:?}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    lines
}

fn through_every_https_route(profile: &str, case: &str) {
    let (plan, bundle, _bundle_dir) = build(profile, case);
    assert!(
        !plan.load_balancers.is_empty(),
        "{profile} has no load balancer"
    );
    let dir = Scratch::new(&format!("{case}-nginx"));
    let nodes = Nodes::start(&plan, &bundle, &dir);
    let nginx = Nginx::start(&plan, &bundle, &dir.join("ok"), &nodes, &|t| t.to_string());
    // A caller's own truststore: the first node's (every node holds the same certificates).
    let caller = &plan.nodes[0];
    let truststore: PathBuf = bundle
        .join("nodes")
        .join(&caller.name)
        .join(&caller.truststore_file);
    let mut cases = Vec::new();
    let mut expect = Vec::new();
    for lb in &plan.load_balancers {
        for r in lb.routes.iter().filter(|r| r.scheme == "https") {
            let port = nginx.listens[&(lb.id.to_string(), r.listen.get().into())];
            // Twice per backend, so round robin reaches each node at least once.
            for _ in 0..2 * r.backends.len() {
                cases.push((port, lb.host.to_string(), "/services/".to_string()));
                expect.push((lb.id, r.backends.clone()));
            }
        }
    }
    let lines = fetch(&plan, &truststore, &cases);
    for (line, (id, backends)) in lines.iter().zip(&expect) {
        let node = answered_by(line, id.as_str());
        assert!(
            backends.iter().any(|b| b.node == node),
            "{id}: answered by `{node}`, not a node behind it: {line}"
        );
    }
    drop(nginx);

    // The same, with each load balancer trusting only its own certificate for the nodes (the
    // first block of its chain file: the rest may be the CA that issued the nodes' too):
    // nginx must refuse the nodes (502), or the check above proves nothing.
    let bad = dir.join("bad");
    let bad_bundle = dir.join("bad-bundle");
    copy_tree(&bundle, &bad_bundle, &[]);
    for lb in &plan.load_balancers {
        let ssl = bad_bundle.join("load-balancer/ssl");
        let chain = fs::read_to_string(ssl.join(format!("{}.crt", lb.id))).unwrap();
        let end = "-----END CERTIFICATE-----\n";
        let own = &chain[..chain.find(end).unwrap() + end.len()];
        fs::write(ssl.join(format!("{}.backends.crt", lb.id)), own).unwrap();
    }
    let nginx = Nginx::start(&plan, &bad_bundle, &bad, &nodes, &|t| t.to_string());
    let lb = &plan.load_balancers[0];
    let port = nginx.listens[&(lb.id.to_string(), lb.routes[0].listen.get().into())];
    let lines = fetch(
        &plan,
        &truststore,
        &[(port, lb.host.to_string(), "/services/".to_string())],
    );
    assert!(
        lines[0].starts_with("FAIL ") && lines[0].contains(" 502 "),
        "nginx reached a node it cannot verify: {}",
        lines[0]
    );
    drop(nginx);
    drop(nodes);
}

#[test]
fn distributed_ha_load_balancers_reach_their_nodes() {
    through_every_https_route("distributed-ha.toml", "nginx-dist-ha");
}

/// private-ca inside (nginx trusts the nodes through the CA), an operator's public-CA chain
/// on the gateway load balancer (callers trust it through its root in their truststore).
#[test]
fn public_gateway_private_ca_load_balancers_reach_their_nodes() {
    through_every_https_route("distributed-ha-public-gateway.toml", "nginx-public-gw");
}

#[test]
fn hybrid_active_active_load_balancers_reach_their_nodes() {
    through_every_https_route("hybrid-active-active.toml", "nginx-aa");
}

#[test]
fn nginx_config_names_every_backend_and_listen_port() {
    let (plan, bundle, _dir) = build("distributed-ha.toml", "nginx-text");
    for lb in &plan.load_balancers {
        let text =
            fs::read_to_string(bundle.join(format!("load-balancer/{}.conf", lb.id))).unwrap();
        for r in &lb.routes {
            let tls = if r.scheme == "https" { " ssl" } else { "" };
            assert!(
                text.contains(&format!("listen {}{tls};", r.listen)),
                "{}",
                lb.id
            );
            for b in &r.backends {
                assert!(
                    text.contains(&format!("server {}:{};  # {}", b.host, b.port, b.node)),
                    "{}: {b:?}",
                    lb.id
                );
            }
        }
    }
}

/// The node named in a `fetch` line ("OK host HTTP/1.1 200 OK | node NAME").
fn answered_by<'a>(line: &'a str, what: &str) -> &'a str {
    assert!(line.starts_with("OK "), "{what}: {line}");
    line.rsplit("node ").next().unwrap_or("").trim()
}

/// The paths sent through the API-M load balancer: each prefix of each pool, bare and with
/// a tail, and paths of no pool (which any node serves).
fn sample_paths(route: &Route) -> Vec<String> {
    let mut v: Vec<String> = route
        .paths
        .iter()
        .flat_map(|p| p.prefixes.iter())
        .flat_map(|prefix| [prefix.to_string(), format!("{prefix}/x/index.jag?tenant=a")])
        .collect();
    // Not a pool's: the management console, the registry, a name that only starts like one.
    v.extend(
        [
            "/carbon/admin/login.jsp",
            "/registry/resource/_system/governance/x",
            "/storefront",
            "/publishers/x",
            "/",
        ]
        .map(String::from),
    );
    v
}

/// The nodes that may answer `path`: the pool whose prefix it is (a whole segment), else
/// every node behind the route.
fn allowed<'a>(route: &'a Route, path: &str) -> (&'static str, &'a [Backend]) {
    let path = path.split('?').next().unwrap();
    route
        .paths
        .iter()
        .find(|p| {
            p.prefixes
                .iter()
                .any(|prefix| path == *prefix || path.starts_with(&format!("{prefix}/")))
        })
        .map_or(("any", route.backends.as_slice()), |p| {
            (p.pool, p.backends.as_slice())
        })
}

/// Sends each path `times` times in a row through the API-M route of `nginx` and returns,
/// per path, the nodes that answered, in order.
fn landings(
    plan: &Plan,
    truststore: &Path,
    nginx: &Nginx,
    route: &Route,
    times: usize,
) -> Vec<(String, Vec<String>)> {
    let lb = plan
        .load_balancers
        .iter()
        .find(|lb| lb.id == LoadBalancerId::Apim)
        .unwrap();
    let port = nginx.listens[&(lb.id.to_string(), route.listen.get().into())];
    let paths = sample_paths(route);
    let cases: Vec<(u16, String, String)> = paths
        .iter()
        .flat_map(|p| std::iter::repeat_n((port, lb.host.to_string(), p.clone()), times))
        .collect();
    let lines = fetch(plan, truststore, &cases);
    paths
        .iter()
        .zip(lines.chunks(times))
        .map(|(p, chunk)| {
            let nodes = chunk
                .iter()
                .map(|l| answered_by(l, p).to_string())
                .collect();
            (p.clone(), nodes)
        })
        .collect()
}

/// Every request that reached a node outside the pool its path belongs to.
fn misrouted(route: &Route, landed: &[(String, Vec<String>)]) -> Vec<String> {
    let mut v = Vec::new();
    for (path, nodes) in landed {
        let (pool, backends) = allowed(route, path);
        for node in nodes {
            if !backends.iter().any(|b| b.node == *node) {
                v.push(format!("{path} reached {node}, outside the {pool} pool"));
            }
        }
    }
    v
}

/// Without `ip_hash`, so that round robin reaches every node of an upstream in turn.
fn round_robin(conf: &str) -> String {
    conf.lines()
        .filter(|l| l.trim() != "ip_hash;")
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Distributed HA: `/publisher`, `/admin` and their REST APIs reach only Publisher nodes;
/// `/store`, its REST API and `/services/` (the Store's `TierCacheService`, which the Publisher
/// calls at `APIStore/ServerURL`) only Store nodes; anything else any of them. With the
/// generated affinity every path sticks to one node; without it, each pool's every node
/// answers its paths and no other. Two broken variants of the rule must be caught.
#[test]
fn distributed_ha_apim_paths_reach_only_their_role() {
    let (plan, bundle, _bundle_dir) = build("distributed-ha.toml", "nginx-paths");
    let lb = plan
        .load_balancers
        .iter()
        .find(|lb| lb.id == LoadBalancerId::Apim)
        .unwrap();
    let route = &lb.routes[0];
    let pools: Vec<(&str, &[&str], Vec<&str>)> = route
        .paths
        .iter()
        .map(|p| {
            (
                p.pool,
                p.prefixes,
                p.backends.iter().map(|b| b.node.as_str()).collect(),
            )
        })
        .collect();
    // The rule, as wso2/product-apim@v2.6.0 ships the apps (bin.xml l.301-327, l.476-506;
    // profileSetup.sh l.168-227) and as carbon-apimgt@v6.4.50 calls the Store's services.
    assert_eq!(
        pools,
        [
            (
                "publisher",
                &["/publisher", "/api/am/publisher", "/admin", "/api/am/admin"][..],
                vec!["publisher-1", "publisher-2"]
            ),
            (
                "store",
                &["/store", "/api/am/store", "/services"][..],
                vec!["store-1", "store-2"]
            ),
        ]
    );
    let dir = Scratch::new("nginx-paths-run");
    let nodes = Nodes::start(&plan, &bundle, &dir);
    let caller = &plan.nodes[0];
    let truststore = bundle
        .join("nodes")
        .join(&caller.name)
        .join(&caller.truststore_file);

    // As generated: the right pool, and one node per path (ip_hash from one client address).
    let nginx = Nginx::start(&plan, &bundle, &dir.join("sticky"), &nodes, &|t| {
        t.to_string()
    });
    let landed = landings(&plan, &truststore, &nginx, route, 3);
    drop(nginx);
    assert_eq!(misrouted(route, &landed), Vec::<String>::new());
    for (path, nodes) in &landed {
        assert!(
            nodes.iter().all(|n| *n == nodes[0]),
            "{path} did not stick to one node: {nodes:?}"
        );
    }

    // Round robin: each path's pool answers with every one of its nodes, and only them.
    let nginx = Nginx::start(&plan, &bundle, &dir.join("rr"), &nodes, &round_robin);
    let landed = landings(&plan, &truststore, &nginx, route, 2 * route.backends.len());
    drop(nginx);
    assert_eq!(misrouted(route, &landed), Vec::<String>::new());
    for (path, nodes) in &landed {
        let reached: BTreeSet<&str> = nodes.iter().map(String::as_str).collect();
        let pool: BTreeSet<&str> = allowed(route, path)
            .1
            .iter()
            .map(|b| b.node.as_str())
            .collect();
        assert_eq!(reached, pool, "{path}");
    }

    // The rule broken: each pool's paths sent to the other pool, or to every node.
    let publisher = "_443_publisher;";
    let store = "_443_store;";
    let swapped = |t: &str| {
        round_robin(
            &t.replace(publisher, "_443_TMP;")
                .replace(store, publisher)
                .replace("_443_TMP;", store),
        )
    };
    let merged = |t: &str| round_robin(&t.replace(publisher, "_443;").replace(store, "_443;"));
    for (name, edit) in [
        ("swapped", &swapped as &dyn Fn(&str) -> String),
        ("merged", &merged),
    ] {
        let nginx = Nginx::start(&plan, &bundle, &dir.join(name), &nodes, edit);
        let landed = landings(&plan, &truststore, &nginx, route, 2 * route.backends.len());
        drop(nginx);
        let wrong = misrouted(route, &landed);
        for pool in ["publisher", "store"] {
            assert!(
                wrong
                    .iter()
                    .any(|w| w.ends_with(&format!("the {pool} pool"))),
                "{name}: the check missed the broken {pool} rule: {wrong:?}"
            );
        }
    }
    drop(nodes);
}

/// All-in-one nodes serve every path: their load balancer has no pools, one upstream.
#[test]
fn all_in_one_nodes_serve_every_path() {
    let (plan, bundle, _dir) = build("hybrid-active-active.toml", "nginx-aio-paths");
    let lb = plan
        .load_balancers
        .iter()
        .find(|lb| lb.id == LoadBalancerId::Apim)
        .unwrap();
    assert!(lb.routes.iter().all(|r| r.paths.is_empty()));
    let text = fs::read_to_string(bundle.join("load-balancer/lb-apim.conf")).unwrap();
    assert_eq!(text.matches("upstream ").count(), 1, "{text}");
    assert_eq!(text.matches("location ").count(), 1, "{text}");
}
