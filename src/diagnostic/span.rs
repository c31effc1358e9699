//! Span lookup: where a key path (`node[1].port_offset`) is in the profile text.
use super::doc::Doc;
use std::ops::Range;

/// Byte span of the value at `path` (`node[1].port_offset`), or of the closest existing
/// parent, so that a missing key points at the table it belongs in.
pub fn span_of(doc: &Doc, path: &str) -> Option<Range<usize>> {
    let mut item: &toml_edit::Item = doc.as_item();
    let mut best = None;
    for seg in path.split('.') {
        let Some(next) = step(item, seg) else { break };
        item = next;
        // `node` alone (an array of tables) points at its first `[[node]]` header, not at
        // the range from the first header to the last.
        let here = match item {
            toml_edit::Item::ArrayOfTables(a) => a.get(0).and_then(|t| t.span()),
            _ => item.span(),
        };
        best = here.or_else(|| table_header_span(item)).or(best);
    }
    best
}

/// The item of one path segment (`port_offset`, `node[1]`, `extra_names[0]`) under `item`.
fn step<'a>(item: &'a toml_edit::Item, seg: &str) -> Option<&'a toml_edit::Item> {
    let (key, index) = match seg.split_once('[') {
        Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
        None => (seg, None),
    };
    let next = match item {
        toml_edit::Item::Table(t) => t.get(key),
        toml_edit::Item::Value(toml_edit::Value::InlineTable(t)) => t.get(key).map(|_| &item[key]),
        _ => None,
    }?;
    let Some(i) = index else {
        return Some(next);
    };
    match next {
        toml_edit::Item::ArrayOfTables(a) => a.get(i).map(|_| &next[i]),
        toml_edit::Item::Value(toml_edit::Value::Array(a)) => a.get(i).map(|_| &next[i]),
        _ => None,
    }
}

fn table_header_span(item: &toml_edit::Item) -> Option<Range<usize>> {
    match item {
        toml_edit::Item::Table(t) => t.span(),
        toml_edit::Item::ArrayOfTables(a) => a.span(),
        _ => None,
    }
}
