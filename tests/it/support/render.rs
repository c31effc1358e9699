//! A profile loaded, planned and rendered in-process, for tests that read rendered files.
use kmgen::plan::{plan, Plan};
use kmgen::render::Renderer;

use super::xml::{parse, Element};
use super::Scratch;

/// The plan of a valid profile (panics with the report otherwise).
pub fn plan_of(toml: &str) -> Plan {
    let dir = Scratch::new("render");
    let path = dir.write("profile.toml", toml);
    match kmgen::load::load(&path) {
        Ok(loaded) => plan(&loaded.deployment),
        Err(e) => panic!("profile should be valid: {e}"),
    }
}

/// The rendered text of `output` (e.g. `repository/conf/carbon.xml`) of node `node`;
/// `None` when the node has no such file.
pub fn try_rendered(p: &Plan, node: &str, output: &str) -> Option<String> {
    let n = p.node(node).unwrap_or_else(|| panic!("no node {node}"));
    let (template, _) = n.configs.iter().find(|(_, path)| path == output)?;
    Some(
        Renderer::new(None)
            .unwrap()
            .render(template.name(), &n.view)
            .unwrap(),
    )
}

/// The rendered text of `output` of node `node`.
pub fn rendered(p: &Plan, node: &str, output: &str) -> String {
    try_rendered(p, node, output).unwrap_or_else(|| panic!("{node} has no {output}"))
}

/// The rendered file, parsed.
pub fn rendered_xml(p: &Plan, node: &str, output: &str) -> Element {
    parse(&rendered(p, node, output))
        .unwrap_or_else(|e| panic!("{node} {output} is not well-formed: {e}"))
}
