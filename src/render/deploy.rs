//! The Ansible files of `deploy/`, rendered from `templates/deploy/`: the inventory (one
//! host per node and per load balancer, grouped by role and by load balancer), the playbook
//! that installs the bundle and starts the nodes in the README's order, and the rollback.
//! Pure: no IO.
use super::{readme::start_order, RenderError, Renderer};
use crate::model::{ArtifactSync, Port};
use crate::plan::{install_dir, lb_paths, Output, Plan, PlannedNode, Source, TemplateId};
use crate::topology::Product;
use serde::Serialize;

/// What every template of `templates/deploy/` sees as `ctx`.
#[derive(Debug, Serialize)]
pub struct DeployView<'a> {
    deployment: &'a str,
    /// The role groups (`key_manager_nodes`, ...), each with its nodes, in node order.
    roles: Vec<Group<'a>>,
    load_balancers: Vec<LoadBalancerHost<'a>>,
    /// The node names in the order they start (the README's start order).
    start_order: Vec<&'a str>,
    database: DatabaseCheck,
}

#[derive(Debug, Serialize)]
struct Group<'a> {
    name: String,
    nodes: Vec<NodeHost<'a>>,
}

/// One node as an inventory host.
#[derive(Debug, Serialize)]
struct NodeHost<'a> {
    name: &'a str,
    host: &'a str,
    product: &'static str,
    home: &'a str,
    /// `-Dprofile=<profile>`, or empty for the default profile.
    profile_arg: String,
    management_port: Port,
    /// The first line of the pack's `bin/version.txt`.
    version_line: &'static str,
    /// Files that only the right pack has, relative to its home.
    markers: &'static [&'static str],
    /// Empty folders the node needs, relative to its home.
    dirs: &'a [String],
    /// The node's folder of the bundle, file by file, onto its pack.
    files: Vec<HostFile>,
    /// Artifact sharing files installed on this node's host.
    sync: Vec<SyncFile>,
}

/// A sync file: `src` in the bundle, `dest` (an Ansible expression for the folders the
/// operator may move), and how it is installed: `file`, `cron`, `systemd`, `fstab`, `mount`.
#[derive(Debug, Serialize)]
struct SyncFile {
    src: String,
    dest: String,
    mode: String,
    how: &'static str,
    /// An rsync script to run once before the other members start, as `user`.
    first_run: bool,
    user: String,
}

#[derive(Debug, Serialize)]
struct LoadBalancerHost<'a> {
    id: &'a str,
    group: String,
    host: &'a str,
    files: Vec<HostFile>,
}

/// A file installed as it is: `src` in the bundle, `dest` on the host (an Ansible expression
/// under a folder the operator may move), its mode in the bundle (0600 for a secret).
#[derive(Debug, Serialize)]
struct HostFile {
    src: String,
    dest: String,
    mode: String,
}

fn mode(o: &Output) -> String {
    format!("{:04o}", o.mode())
}

#[derive(Debug, Serialize)]
struct DatabaseCheck {
    /// "the PostgreSQL server", "the H2 server".
    what: String,
    host: String,
    port: Port,
}

/// `bin/version.txt` is the kernel's `${product.name} v${product.version}`
/// (wso2/carbon-kernel@v4.4.35:distribution/kernel/carbon-home/bin/version.txt), filtered into
/// each pack (wso2/product-apim@v2.6.0:modules/distribution/product/src/main/assembly/bin.xml
/// l.1011-1016 and filter.properties; wso2/product-is@v5.7.0:modules/distribution/src/assembly/
/// bin.xml l.597-602 and filter.properties). The IS-KM is the IS 5.7.0 pack plus the API-M key
/// manager features (wso2/product-apim@v2.6.0:modules/is-km/pom.xml), whose core feature copies
/// `WSO2AM_DB.h2.db` into it (wso2/carbon-apimgt@v6.4.50:features/apimgt/
/// org.wso2.carbon.apimgt.core.feature/src/main/resources/p2.inf l.7): a plain IS has none.
fn pack_identity(product: Product) -> (&'static str, &'static [&'static str]) {
    match product {
        Product::Apim => ("WSO2 API Manager v2.6.0", &["bin/wso2server.sh"]),
        Product::IsKm => (
            "WSO2 Identity Server v5.7.0",
            &["bin/wso2server.sh", "repository/database/WSO2AM_DB.h2.db"],
        ),
    }
}

fn node_host<'a>(plan: &'a Plan, i: usize, n: &'a PlannedNode) -> NodeHost<'a> {
    let (version_line, markers) = pack_identity(n.product);
    NodeHost {
        name: &n.name,
        host: &n.host,
        product: n.product.as_str(),
        home: &n.home,
        profile_arg: n
            .view
            .start_profile
            .map(|p| format!("-Dprofile={p}"))
            .unwrap_or_default(),
        management_port: n.view.ports.mgt_https,
        version_line,
        markers,
        dirs: &n.dirs,
        files: node_files(plan, n),
        sync: plan
            .outputs
            .iter()
            .filter_map(|o| sync_file(plan, i, o))
            .collect(),
    }
}

/// `nodes/<name>/<path>` → `<pack home>/<path>` (the README's `cp -r nodes/<name>/. <home>/`),
/// and with Secure Vault `secrets/<name>/<path>` too: the files whose product reads no alias,
/// copied over the same home (plan/vault.rs `unaliased`).
fn node_files(plan: &Plan, n: &PlannedNode) -> Vec<HostFile> {
    plan.outputs
        .iter()
        .filter_map(|o| {
            let rel = o.pack_path(&n.name)?;
            Some(HostFile {
                src: o.path.clone(),
                dest: format!("{{{{ kmgen_pack_home }}}}/{rel}"),
                mode: mode(o),
            })
        })
        .collect()
}

/// Where a `sync/` file of node `i` goes on its host (the README's install steps).
fn sync_file(plan: &Plan, i: usize, o: &Output) -> Option<SyncFile> {
    let Source::Sync {
        group,
        node: Some(node),
        template,
    } = &o.source
    else {
        return None;
    };
    if *node != i {
        return None;
    }
    let n = &plan.nodes[i];
    let g = &plan.sync[*group];
    let file = o.path.rsplit('/').next().expect("a file name");
    // The rsync script and its list go to the README's install folder, under the pack home.
    let home_rel = install_dir(&n.home, g.id)
        .strip_prefix(n.home.as_str())
        .map(str::to_string)
        .unwrap_or_default();
    let (dest, how) = match template {
        TemplateId::SyncRsyncScript | TemplateId::SyncWorkersList => (
            format!("{{{{ kmgen_pack_home }}}}{home_rel}/{file}"),
            "file",
        ),
        TemplateId::SyncCron => (format!("{{{{ kmgen_cron_dir }}}}/{file}"), "cron"),
        TemplateId::SyncService | TemplateId::SyncTimer => {
            (format!("{{{{ kmgen_systemd_dir }}}}/{file}"), "systemd")
        }
        TemplateId::SyncFstab => ("{{ kmgen_fstab }}".to_string(), "fstab"),
        TemplateId::SyncMount => (format!("{{{{ kmgen_systemd_dir }}}}/{file}"), "mount"),
        _ => return None,
    };
    Some(SyncFile {
        src: o.path.clone(),
        dest,
        mode: mode(o),
        how,
        first_run: *template == TemplateId::SyncRsyncScript,
        user: match &g.sync {
            ArtifactSync::Rsync { user } => user.to_string(),
            ArtifactSync::Nfs { .. } => String::new(),
        },
    })
}

/// The README's install steps of a load balancer file (and the folders its nginx config
/// names: `plan::nginx_view`): the config into nginx's `conf.d`, the rest into the SSL folder.
fn lb_file(plan: &Plan, src: String) -> HostFile {
    let mode = plan
        .outputs
        .iter()
        .find(|o| o.path == src)
        .map(mode)
        .expect("a planned load balancer file");
    let file = src.rsplit('/').next().expect("a file name");
    let dir = if src.ends_with(".conf") {
        "{{ kmgen_nginx_conf_dir }}"
    } else {
        "{{ kmgen_nginx_ssl_dir }}"
    };
    HostFile {
        dest: format!("{dir}/{file}"),
        mode,
        src,
    }
}

/// The view of the whole plan.
pub fn view(plan: &Plan) -> DeployView<'_> {
    let d = &plan.deployment;
    let mut roles: Vec<Group> = Vec::new();
    for (i, n) in plan.nodes.iter().enumerate() {
        // `_` keeps group names apart from node names (which cannot hold one).
        let name = format!("{}_nodes", n.role.as_str().replace('-', "_"));
        let host = node_host(plan, i, n);
        match roles.iter_mut().find(|g| g.name == name) {
            Some(g) => g.nodes.push(host),
            None => roles.push(Group {
                name,
                nodes: vec![host],
            }),
        }
    }
    let load_balancers = plan
        .load_balancers
        .iter()
        .map(|lb| LoadBalancerHost {
            id: lb.id.as_str(),
            group: lb.id.as_str().replace('-', "_"),
            host: &lb.host,
            files: lb_paths(lb.id)
                .into_iter()
                .map(|src| lb_file(plan, src))
                .collect(),
        })
        .collect();
    let database = database(plan);
    DeployView {
        deployment: &d.name,
        roles,
        load_balancers,
        start_order: start_order(plan).into_iter().map(|n| &*n.name).collect(),
        database,
    }
}

/// The database the nodes open at their first start, which the playbook waits for.
fn database(plan: &Plan) -> DatabaseCheck {
    let db = &plan.deployment.database;
    match (db.server(), db.h2()) {
        (Some(s), _) => DatabaseCheck {
            what: format!("the {} server", s.db_type.as_str()),
            host: s.host.to_string(),
            port: s.port,
        },
        (None, Some(h)) => DatabaseCheck {
            what: "the H2 server (databases/h2/start-h2-server.sh)".to_string(),
            host: h.host.to_string(),
            port: h.port,
        },
        (None, None) => unreachable!("a database is a server or H2"),
    }
}

/// What the README says the playbook waits for: `the postgresql server at host:port`.
pub fn database_check(plan: &Plan) -> String {
    let db = database(plan);
    let host = crate::model::Host::parse(&db.host).map_or(db.host.clone(), |h| h.in_url());
    format!("{} at {host}:{}", db.what, db.port)
}

/// The file `template` of `deploy/`.
pub fn render(
    plan: &Plan,
    renderer: &Renderer,
    template: TemplateId,
) -> Result<String, RenderError> {
    renderer.render_ctx(template.name(), &view(plan))
}
