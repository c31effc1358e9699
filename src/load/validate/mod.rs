//! Validate phase: profile → model, collecting every problem with its key path and a fix.
//!
//! Nothing here stops at the first problem: each check pushes onto `Problems` and carries on
//! with a placeholder, so an operator sees the whole list at once. The model built from
//! placeholders is only read by the later checks, then discarded. One file per concern; the
//! order of the calls below is the order of the report.
mod chain;
mod coverage;
mod database;
mod deployment;
mod env;
mod h2;
mod load_balancers;
mod nodes;
mod ports;
mod provided;
mod roles;
mod secrets;
mod sync;
mod tls;
mod topology;
mod user_store;
mod values;

use crate::diagnostic::{Problem, Problems};
use crate::load::profile::Profile;
use crate::model::{self, Deployment};
pub use env::Env;
pub use nodes::MAX_PORT_OFFSET;
use secrets::secret;
use values::{endpoint, host, non_empty, port};

/// The admin user name. It goes into the AMQP URLs, whose user info the broker client splits
/// at the first `:` after decoding (wso2/andes@v3.2.55 URLParser.parseUserInfo), and must
/// pass the user store's `UsernameJavaRegEx` `^[\S]{3,30}$` (stock user-mgt.xml).
fn admin_username(v: &str, pr: &mut Problems) -> String {
    let key = "admin.username";
    if v.trim().is_empty() {
        non_empty(v, key, "the admin user name, e.g. \"admin\"", pr);
    } else if v.contains(':') {
        pr.push(
            key,
            "contains `:`, which the message broker's connection URL cannot carry in a user name",
            "choose an admin user name without `:`",
        );
    } else if v.chars().any(char::is_whitespace) || v.chars().any(char::is_control) {
        pr.push(
            key,
            "contains white space or a control character",
            "use 3 to 30 visible characters, as the user store's UsernameJavaRegEx requires",
        );
    } else if !(3..=30).contains(&v.chars().count()) {
        pr.push(
            key,
            format!("is {} characters long", v.chars().count()),
            "use 3 to 30 visible characters, as the user store's UsernameJavaRegEx requires",
        );
    }
    v.to_string()
}

pub fn validate(p: &Profile, env: &Env) -> Result<Deployment, Vec<Problem>> {
    let mut pr = Problems::default();
    let deployment = deployment::check_deployment(&p.deployment, &mut pr);
    let admin = model::Admin {
        username: admin_username(&p.admin.username, &mut pr),
        password: secret(&p.admin.password, "admin.password", 1, env, &mut pr),
    };
    let tls = tls::check_tls(&p.tls, env, &mut pr);
    let nodes = nodes::check_nodes(&p.nodes, p.tls.public_roots, &mut pr);
    let database = database::check_database(&p.database, &nodes, env, &mut pr);
    let user_store = user_store::check_user_store(&p.user_store, env, &mut pr);
    values::check_text(p, &mut pr);
    let key_manager = key_manager(p, &mut pr);
    let jwt = jwt(p, &mut pr);
    let gateway = gateway(p, &mut pr);
    let lb =
        |table: &Option<_>, key, pr: &mut Problems| table.as_ref().map(|lb| endpoint(lb, key, pr));
    let apim_load_balancer = lb(&p.apim.load_balancer, "apim.load_balancer", &mut pr);
    let tm_load_balancer = lb(
        &p.traffic_manager.load_balancer,
        "traffic_manager.load_balancer",
        &mut pr,
    );
    let tm = &p.traffic_manager;
    let tm_sync = sync::artifact_sync(
        &sync::SyncKeys {
            table: "traffic_manager",
            sync: tm.sync,
            nfs_export: tm.nfs_export.as_deref(),
            rsync_user: tm.rsync_user.as_deref(),
        },
        &mut pr,
    );
    let mut d = Deployment {
        name: deployment.name,
        pattern: p.deployment.pattern,
        apim_version: deployment.apim_version,
        is_km_version: deployment.is_km_version,
        admin,
        tls,
        database,
        user_store,
        key_manager,
        jwt,
        gateway,
        apim_load_balancer,
        tm_load_balancer,
        tm_sync,
        secure_vault: p.secure_vault.enabled,
        nodes,
    };
    if !p.nodes.is_empty() {
        provided::check_provided(p, &mut d, env, build_clock(env), &mut pr);
        topology::check_topology(&d, &mut pr);
        ports::check_ports(&d, &mut pr);
        ports::check_unused_hazelcast_ports(&p.nodes, &d, &mut pr);
    }
    if pr.0.is_empty() {
        Ok(d)
    } else {
        Err(pr.0)
    }
}

/// The build clock: `SOURCE_DATE_EPOCH` when set (reproducible builds), else now. Operator
/// certificates must be in force at it; `run` issues certificates at the same clock.
pub fn build_clock(env: &Env) -> time::OffsetDateTime {
    (env.var)("SOURCE_DATE_EPOCH")
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or_else(time::OffsetDateTime::now_utc)
}

/// Non-fatal notes about a valid profile (printed by `check` and `build`, never errors).
pub fn warnings(d: &Deployment) -> Vec<String> {
    let mut w = Vec::new();
    if let Some(h2) = d.database.h2() {
        w.push(format!(
            "database.type = \"h2\": the shared databases live in one H2 server on {} (port {}); \
             start it with databases/h2/start-h2-server.sh before the nodes. H2 is for trying kmgen out: \
             use a database server for any real deployment",
            h2.machine, h2.port
        ));
    }
    // distributed-setup.md, Step 3: production hardening changes the default passwords.
    if d.admin.password.expose() == "admin" {
        w.push(
            "admin.password is the stock \"admin\"; set a real one before going to production"
                .to_string(),
        );
    }
    w.extend(user_store::warnings(d));
    w
}

fn key_manager(p: &Profile, pr: &mut Problems) -> model::KeyManager {
    let km = &p.key_manager;
    model::KeyManager {
        client: km.client,
        encrypt_oauth_keys: km.encrypt_oauth_keys,
        load_balancer: km
            .load_balancer
            .as_ref()
            .map(|lb| endpoint(lb, "key_manager.load_balancer", pr)),
    }
}

fn jwt(p: &Profile, pr: &mut Problems) -> model::Jwt {
    if p.jwt.consumer_dialect_uri.trim().is_empty() {
        pr.push(
            "jwt.consumer_dialect_uri",
            "is empty",
            "set the claim dialect, e.g. \"http://wso2.org/claims\"",
        );
    }
    model::Jwt {
        enabled: p.jwt.enabled,
        claims_retriever: p.jwt.claims_retriever,
        consumer_dialect_uri: p.jwt.consumer_dialect_uri.clone(),
        signature_algorithm: p.jwt.signature_algorithm,
    }
}

fn gateway(p: &Profile, pr: &mut Problems) -> model::Gateway {
    let key = "gateway.load_balancer";
    let g = &p.gateway;
    let keys = sync::SyncKeys {
        table: "gateway",
        sync: g.sync,
        nfs_export: g.nfs_export.as_deref(),
        rsync_user: g.rsync_user.as_deref(),
    };
    model::Gateway {
        hazelcast: p.gateway.hazelcast,
        sync: sync::artifact_sync(&keys, pr),
        load_balancer: p
            .gateway
            .load_balancer
            .as_ref()
            .map(|lb| model::GatewayLoadBalancer {
                host: host(&lb.host, &format!("{key}.host"), pr),
                https_port: port(lb.https_port, &format!("{key}.https_port"), pr),
                http_port: port(lb.http_port, &format!("{key}.http_port"), pr),
            }),
    }
}
