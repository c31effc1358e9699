//! Parse-error paths: the key path at the position where TOML parsing or deserializing
//! failed, from the document when the text is TOML, line by line when it is not.
use super::doc::Doc;
use std::ops::Range;

/// The key path at a parse error's position: the deepest key, array element or table header
/// that starts at or before the error (`node[1].port_offset`, `key_manager.load_balancer.port`);
/// a `missing field` error names the missing key inside the table the error points at.
/// A file that is not valid TOML (`doc` is `None`) is read line by line instead: the last
/// table header before the error, and the key of the error's line.
pub(super) fn parse_error_path(
    src: &str,
    doc: Option<&Doc>,
    span: Option<Range<usize>>,
    message: &str,
) -> String {
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
        .filter(|f| !f.is_empty());
    let base = match span {
        None => String::new(),
        // serde reports a key missing from the top level with an empty span at 0.
        Some(s) if missing.is_some() && s.is_empty() => String::new(),
        Some(s) => match doc {
            Some(doc) => {
                let mut best = Best::default();
                walk_table(doc.as_table(), "", s.start, &mut best);
                best.path
            }
            None => text_path(src, s.start),
        },
    };
    match (base.is_empty(), missing) {
        (true, None) => "profile".into(),
        (true, Some(field)) => field.to_string(),
        (false, None) => base,
        (false, Some(field)) => format!("{base}.{field}"),
    }
}

/// The path of the item that starts last at or before the error; deeper items win ties.
#[derive(Default)]
struct Best {
    path: String,
    start: usize,
}

impl Best {
    fn offer(&mut self, path: &str, start: Option<usize>, at: usize) {
        if let Some(start) = start {
            if start <= at && start >= self.start {
                self.path = path.to_string();
                self.start = start;
            }
        }
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn walk_table(t: &toml_edit::Table, prefix: &str, at: usize, best: &mut Best) {
    for (k, item) in t.iter() {
        let path = join(prefix, k);
        // The key inside a `[table]` / `[[table]]` header: where an unknown table is reported.
        if !matches!(item, toml_edit::Item::Value(_)) {
            best.offer(
                &path,
                t.key(k).and_then(|key| key.span()).map(|s| s.start),
                at,
            );
        }
        match item {
            toml_edit::Item::Table(sub) => {
                best.offer(&path, sub.span().map(|s| s.start), at);
                walk_table(sub, &path, at, best);
            }
            toml_edit::Item::ArrayOfTables(arr) => {
                for (i, sub) in arr.iter().enumerate() {
                    let path = format!("{path}[{i}]");
                    best.offer(&path, sub.span().map(|s| s.start), at);
                    walk_table(sub, &path, at, best);
                }
            }
            toml_edit::Item::Value(v) => {
                let key_span = t.key(k).and_then(|key| key.span());
                best.offer(&path, key_span.or(v.span()).map(|s| s.start), at);
                walk_value(v, &path, at, best);
            }
            toml_edit::Item::None => {}
        }
    }
}

fn walk_value(v: &toml_edit::Value, path: &str, at: usize, best: &mut Best) {
    match v {
        toml_edit::Value::InlineTable(t) => {
            for (k, value) in t.iter() {
                let path = join(path, k);
                let key_span = t.key(k).and_then(|key| key.span());
                best.offer(&path, key_span.or(value.span()).map(|s| s.start), at);
                walk_value(value, &path, at, best);
            }
        }
        toml_edit::Value::Array(a) => {
            for (i, value) in a.iter().enumerate() {
                let path = format!("{path}[{i}]");
                best.offer(&path, value.span().map(|s| s.start), at);
                walk_value(value, &path, at, best);
            }
        }
        _ => {}
    }
}

/// Key path of byte `at` in text that does not parse: the last `[table]` / `[[table]]`
/// header before it, and the bare key that starts the error's line.
fn text_path(src: &str, at: usize) -> String {
    let mut table = String::new();
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    let mut key = None;
    let mut offset = 0;
    for line in src.split_inclusive('\n') {
        if offset > at {
            break;
        }
        let error_line = at < offset + line.len() || offset + line.len() == src.len();
        offset += line.len();
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("[[") {
            if let Some(name) = rest.split("]]").next().map(str::trim).filter(|n| is_key(n)) {
                let i = counts.entry(name.to_string()).or_insert(0);
                table = format!("{name}[{i}]");
                *i += 1;
            }
        } else if let Some(rest) = trimmed.strip_prefix('[') {
            if let Some(name) = rest.split(']').next().map(str::trim).filter(|n| is_key(n)) {
                table = name.to_string();
            }
        } else if error_line {
            key = trimmed
                .split_once('=')
                .map(|(k, _)| k.trim())
                .filter(|k| is_key(k));
        }
    }
    match key {
        Some(k) => join(&table, k),
        None => table,
    }
}

/// A bare (possibly dotted) TOML key.
fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
}
