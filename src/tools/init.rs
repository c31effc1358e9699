//! Tools phase: `kmgen init`, a commented starter profile for a pattern that passes `check`.
use crate::error::Error;
use crate::model::{Name, Pattern, Role};
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// The starter profile, a Tera template: `name`, `pattern`, `nodes`, `several_gateways`.
const STARTER: &str = include_str!("starter.toml");

#[derive(Serialize)]
struct StarterNode {
    name: &'static str,
    role: &'static str,
    host: &'static str,
}

/// The nodes a pattern needs at least, one server each (the role counts of
/// `load::validate::roles`).
fn nodes(pattern: Pattern) -> Vec<StarterNode> {
    let node = |name, role: Role, host| StarterNode {
        name,
        role: role.as_str(),
        host,
    };
    let km = node("km", Role::KeyManager, "km.example.com");
    match pattern {
        Pattern::HybridSingleNode => vec![km, node("apim", Role::AllInOne, "apim.example.com")],
        Pattern::HybridActiveActive => vec![
            km,
            node("apim-1", Role::AllInOne, "apim1.example.com"),
            node("apim-2", Role::AllInOne, "apim2.example.com"),
        ],
        Pattern::Distributed => vec![
            km,
            node("publisher", Role::Publisher, "publisher.example.com"),
            node("store", Role::Store, "store.example.com"),
            node("tm", Role::TrafficManager, "tm.example.com"),
            node("gateway", Role::Gateway, "gateway.example.com"),
        ],
    }
}

/// The starter profile's text.
pub fn starter(pattern: Pattern, name: &Name) -> String {
    let nodes = nodes(pattern);
    let gateways = nodes
        .iter()
        .filter(|n| n.role == Role::AllInOne.as_str())
        .count();
    let mut ctx = tera::Context::new();
    ctx.insert("name", name.as_str());
    ctx.insert("pattern", pattern.as_str());
    ctx.insert("several_gateways", &(gateways > 1));
    ctx.insert("nodes", &nodes);
    tera::Tera::one_off(STARTER, &ctx, false).expect("the starter template renders")
}

/// Writes the starter profile to `file` (refusing an existing one unless `force`), or to
/// `out` without a file.
pub fn init(
    pattern: Pattern,
    name: &Name,
    file: Option<&Path>,
    force: bool,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let text = starter(pattern, name);
    let Some(path) = file else {
        return out.write_all(text.as_bytes()).map_err(Error::Output);
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let write = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut f = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => Error::Exists {
            path: path.to_path_buf(),
        },
        _ => write(e),
    })?;
    f.write_all(text.as_bytes()).map_err(write)?;
    writeln!(out, "Wrote {} ({}).", path.display(), pattern.as_str()).map_err(Error::Output)
}
