//! `databases/h2/start-h2-server.sh`: the script that seeds and starts the one H2 server of a
//! deployment whose `[database]` is h2, rendered from its template; and the facts the README
//! states about it. Pure: no IO.
use super::{RenderError, Renderer};
use crate::model::{Database, H2Server, Port};
use crate::plan::{Plan, TemplateId};
use serde::Serialize;

/// One database of the H2 server and the pack's pre-created file it starts as a copy of.
#[derive(Debug, Serialize)]
pub struct Seed<'a> {
    pub name: &'a str,
    pub from: &'static str,
}

/// Each database once (WSO2UM_DB and WSO2REG_DB may be one). WSO2AM_DB starts as the pack's
/// `WSO2AM_DB` (the API-M tables, identity ones included); WSO2UM_DB and WSO2REG_DB as its
/// `WSO2CARBON_DB`, which the kernel's build fills from `dbscripts/h2.sql`, the user and
/// registry tables (wso2/carbon-kernel@v4.4.35:distribution/kernel/pom.xml; the H2 form of
/// installing-and-configuring-databases.md's "apimgt script into WSO2AM_DB, the Carbon script
/// into WSO2UM_DB and WSO2REG_DB"). Copying them replaces -Dsetup, which no node is given.
pub fn seeds(db: &Database) -> Vec<Seed<'_>> {
    let mut v: Vec<Seed> = Vec::new();
    for (c, from) in [
        (&db.am, "WSO2AM_DB"),
        (&db.um, "WSO2CARBON_DB"),
        (&db.reg, "WSO2CARBON_DB"),
    ] {
        if !v.iter().any(|s| s.name == c.name) {
            v.push(Seed {
                name: &c.name,
                from,
            });
        }
    }
    v
}

/// What `templates/databases/h2/start-h2-server.sh` sees as `ctx`.
#[derive(Serialize)]
struct ScriptView<'a> {
    deployment: &'a str,
    /// `host:port` of the nodes' JDBC URLs.
    address: String,
    machine: &'a str,
    port: Port,
    allow_others: bool,
    seeds: Vec<Seed<'a>>,
}

/// The script of `plan`, whose database is h2.
pub fn script(plan: &Plan, renderer: &Renderer) -> Result<String, RenderError> {
    let d = &plan.deployment;
    let h2: &H2Server = d.database.h2().expect("planned only for h2");
    let view = ScriptView {
        deployment: &d.name,
        address: h2.address(),
        machine: &h2.machine,
        port: h2.port,
        allow_others: h2.allow_others(),
        seeds: seeds(&d.database),
    };
    renderer.render_ctx(TemplateId::H2Server.name(), &view)
}
