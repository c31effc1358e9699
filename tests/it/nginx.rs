//! The generated nginx configurations, run by a real nginx: `nginx -t` accepts every file
//! with its certificate and key, and a request through each HTTPS route reaches a node
//! serving that node's own generated keystore (nginx verifying it by the load balancer's
//! name against `<id>.backends.crt`), while the client trusts only a node's generated
//! truststore. Without the right backend certificates nginx refuses the node (502).
use crate::bundle_tls::build;
use crate::support::{copy_tree, free_port, Scratch};
use kmgen::plan::Plan;
use std::collections::BTreeMap;
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
/// listen ports, the node addresses and the ssl folder moved to this machine.
struct Nginx {
    child: Child,
    /// (load balancer id, original listen port) → port nginx listens on here.
    listens: BTreeMap<(String, u32), u16>,
}

impl Nginx {
    fn start(plan: &Plan, bundle: &Path, dir: &Path, nodes: &Nodes) -> Nginx {
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

/// Runs `fetch` for `cases` (nginx port, load balancer host), trusting `truststore`.
fn fetch(plan: &Plan, truststore: &Path, cases: &[(u16, String)]) -> Vec<String> {
    let mut args: Vec<String> = vec![
        STRICT_JAVA.into(),
        "tests/java/TlsCheck.java".into(),
        "fetch".into(),
        java_type(plan).into(),
        truststore.display().to_string(),
        plan.deployment.tls.truststore_password.expose().into(),
    ];
    for (port, host) in cases {
        args.extend([port.to_string(), host.clone(), "/services/".into()]);
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
    let nginx = Nginx::start(&plan, &bundle, &dir.join("ok"), &nodes);
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
                cases.push((port, lb.host.to_string()));
                expect.push((lb.id, r.backends.clone()));
            }
        }
    }
    let lines = fetch(&plan, &truststore, &cases);
    for (line, (id, backends)) in lines.iter().zip(&expect) {
        assert!(line.starts_with("OK "), "{id}: {line}");
        let node = line.rsplit("node ").next().unwrap_or("").trim();
        assert!(
            backends.iter().any(|b| b.node == node),
            "{id}: answered by `{node}`, not a node behind it: {line}"
        );
    }
    drop(nginx);

    // The same, with each load balancer trusting only its own certificate for the nodes:
    // nginx must refuse the nodes (502), or the check above proves nothing.
    let bad = dir.join("bad");
    let bad_bundle = dir.join("bad-bundle");
    copy_tree(&bundle, &bad_bundle, &[]);
    for lb in &plan.load_balancers {
        let ssl = bad_bundle.join("load-balancer/ssl");
        fs::copy(
            ssl.join(format!("{}.crt", lb.id)),
            ssl.join(format!("{}.backends.crt", lb.id)),
        )
        .unwrap();
    }
    let nginx = Nginx::start(&plan, &bad_bundle, &bad, &nodes);
    let lb = &plan.load_balancers[0];
    let port = nginx.listens[&(lb.id.to_string(), lb.routes[0].listen.get().into())];
    let lines = fetch(&plan, &truststore, &[(port, lb.host.to_string())]);
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
