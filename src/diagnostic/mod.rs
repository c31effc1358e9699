//! Diagnostics: what is wrong with a profile and how it is shown, as miette reports with
//! the TOML line, the key path and a help line, all problems at once, secrets masked.
mod problem;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan};
pub use problem::{Problem, Problems};
use std::ops::Range;

/// One problem as a miette diagnostic over the profile's source.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{path}: {message}")]
struct ProblemReport {
    path: String,
    message: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("{label}")]
    span: Option<SourceSpan>,
    label: String,
    #[help]
    help: Option<String>,
}

/// Renders problems found in `src` (the profile text, named `file`) as one report.
pub fn report_problems(file: &str, src: &str, problems: &[Problem]) -> String {
    let doc = toml_edit::Document::parse(src.to_string()).ok();
    let masked = mask_secrets(src);
    let mut out = String::new();
    for p in problems {
        let span = doc
            .as_ref()
            .and_then(|d| {
                span_of(d, &p.path).or_else(|| p.anchor.as_deref().and_then(|a| span_of(d, a)))
            })
            .map(SourceSpan::from);
        out.push_str(&render(ProblemReport {
            path: p.path.clone(),
            message: p.message.clone(),
            src: NamedSource::new(file, masked.clone()),
            span,
            label: "here".into(),
            help: Some(p.help.clone()),
        }));
    }
    let n = problems.len();
    out.push_str(&format!(
        "error: {file} has {n} problem{}; nothing was written\n",
        if n == 1 { "" } else { "s" }
    ));
    out
}

/// A TOML parse error (syntax, unknown key, wrong type) as one report.
pub fn report_parse_error(file: &str, src: &str, err: &toml::de::Error) -> String {
    let mut message = plain_types(err.message().trim());
    let path = parse_error_path(src, err.span(), &message);
    let typed = message.starts_with("invalid type:") || message.starts_with("invalid value:");
    if typed && is_secret_key(path.rsplit('.').next().unwrap_or("")) {
        // `invalid type: string "hunter2", expected ...` would echo the password.
        if let Some((_, expected)) = message.split_once(", expected ") {
            message = format!("invalid value for a secret, expected {expected}");
        }
    }
    let help = if message.starts_with("unknown field") {
        "remove the key or fix its spelling; the accepted keys are listed above".to_string()
    } else if message.starts_with("unknown variant") {
        "use one of the values listed above".to_string()
    } else if message.starts_with("missing field") {
        "add the key to this table".to_string()
    } else if typed {
        "write a value of the expected type: numbers and booleans without quotes, text in quotes, lists in [ ]"
            .to_string()
    } else if message.starts_with("duplicate key") {
        "a key may appear only once in a table: remove one of the two".to_string()
    } else {
        "fix the TOML at the marked place".to_string()
    };
    let mut out = render(ProblemReport {
        path,
        message,
        src: NamedSource::new(file, mask_secrets(src)),
        span: err.span().map(SourceSpan::from),
        label: "here".into(),
        help: Some(help),
    });
    out.push_str(&format!(
        "error: {file} has 1 problem; nothing was written\n"
    ));
    out
}

/// `password`, `keystore_password`, `bind_password`, ... and look-alikes (`passwd`, a
/// misspelt `bind_pass`): keys whose value is, or is meant as, a secret.
fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.contains("pass") || key.contains("secret") || key.contains("pwd")
}

/// The profile text with every literal secret (the value of a `*password` key)
/// replaced by `*`s of the same byte length, so that source excerpts never show a secret
/// and every span still points at the same place.
pub fn mask_secrets(src: &str) -> String {
    let mut bytes = src.as_bytes().to_vec();
    let mut mask = |span: Range<usize>| {
        // Keep exactly the string's delimiters ("…", '…', """…""", '''…''') and a line end;
        // everything between them is the secret, quotes inside it included.
        let mut inner = &src.as_bytes()[span.clone()];
        while let Some((last, rest)) = inner.split_last() {
            if b"\r\n".contains(last) {
                inner = rest;
            } else {
                break;
            }
        }
        let delim: &[u8] = [&b"\"\"\""[..], b"'''", b"\"", b"'"]
            .into_iter()
            .find(|d| inner.starts_with(d))
            .unwrap_or(b"");
        let start = delim.len();
        let mut end = inner.len();
        if !delim.is_empty() && end >= 2 * delim.len() && inner.ends_with(delim) {
            end -= delim.len();
        }
        for b in &mut bytes[span.start + start..span.start + end.max(start)] {
            *b = b'*';
        }
    };
    match toml_edit::Document::parse(src.to_string()) {
        Ok(doc) => {
            let mut spans = Vec::new();
            secret_spans_in_table(doc.as_table(), &mut spans);
            for span in spans {
                mask(span);
            }
        }
        Err(_) => {
            // Not TOML: mask the right-hand side of every `...password = ...` line (but not
            // `{ env = "VAR" }` / `{ file = "path" }`, which name where the secret is).
            let mut offset = 0;
            for line in src.split_inclusive('\n') {
                if let Some((key, rhs)) = line.split_once('=') {
                    let value = rhs.trim_start();
                    let key = key.trim().rsplit('.').next().unwrap_or("");
                    if is_secret_key(key) && !value.trim().is_empty() && !value.starts_with('{') {
                        let start = offset + key_end(line) + 1 + (rhs.len() - value.len());
                        mask(start..offset + line.len());
                    }
                }
                offset += line.len();
            }
        }
    }
    String::from_utf8(bytes).expect("only ASCII bytes were replaced, each by one `*`")
}

fn key_end(line: &str) -> usize {
    line.find('=').expect("line has `=`")
}

fn secret_spans_in_table(t: &toml_edit::Table, spans: &mut Vec<Range<usize>>) {
    for (k, item) in t.iter() {
        match item {
            toml_edit::Item::Table(sub) => secret_spans_in_table(sub, spans),
            toml_edit::Item::ArrayOfTables(arr) => {
                for sub in arr.iter() {
                    secret_spans_in_table(sub, spans);
                }
            }
            toml_edit::Item::Value(v) => secret_spans_in_value(k, v, spans),
            toml_edit::Item::None => {}
        }
    }
}

fn secret_spans_in_value(key: &str, v: &toml_edit::Value, spans: &mut Vec<Range<usize>>) {
    match v {
        toml_edit::Value::InlineTable(t) => {
            for (k, value) in t.iter() {
                secret_spans_in_value(k, value, spans);
            }
        }
        // `password = ["a", 1]` is a wrong type, but what it holds is still meant as a secret.
        toml_edit::Value::Array(a) if is_secret_key(key) => {
            for value in a.iter() {
                secret_spans_in_value(key, value, spans);
            }
        }
        _ if is_secret_key(key) => spans.extend(v.span()),
        _ => {}
    }
}

/// serde names Rust types (`expected i64`); an operator knows integers and arrays.
fn plain_types(message: &str) -> String {
    const PLAIN: [(&str, &str); 5] = [
        ("expected i64", "expected an integer"),
        ("expected u32", "expected an integer from 0 to 4294967295"),
        ("expected u16", "expected an integer from 0 to 65535"),
        ("expected a sequence", "expected an array"),
        ("expected a boolean", "expected true or false"),
    ];
    // toml hands a date-time to serde as a one-key map, so a date-time where a table or a
    // secret belongs reads "unknown field `$__toml_private_datetime`".
    if message.contains("$__toml_private_datetime") {
        return "invalid type: date-time, expected a table or a string".to_string();
    }
    let mut m = message.to_string();
    for (rust, plain) in PLAIN {
        if let Some(rest) = m.strip_suffix(rust) {
            m = format!("{rest}{plain}");
        }
    }
    m
}

fn render(d: ProblemReport) -> String {
    let mut s = String::new();
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
    if handler.render_report(&mut s, &d).is_err() {
        s = format!("error: {d}\n");
    }
    s.push('\n');
    s
}

/// Byte span of the value at `path` (`node[1].port_offset`), or of the closest existing
/// parent, so that a missing key points at the table it belongs in.
pub fn span_of(doc: &toml_edit::Document<String>, path: &str) -> Option<Range<usize>> {
    let mut item: &toml_edit::Item = doc.as_item();
    let mut best = None;
    for seg in path.split('.') {
        let (key, index) = match seg.split_once('[') {
            Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (seg, None),
        };
        let next = match item {
            toml_edit::Item::Table(t) => t.get(key),
            toml_edit::Item::Value(toml_edit::Value::InlineTable(t)) => {
                t.get(key).map(|_| &item[key])
            }
            _ => None,
        };
        let Some(mut next) = next else { break };
        if let Some(i) = index {
            let found = match next {
                toml_edit::Item::ArrayOfTables(a) => a.get(i).map(|_| &next[i]),
                toml_edit::Item::Value(toml_edit::Value::Array(a)) => a.get(i).map(|_| &next[i]),
                _ => None,
            };
            match found {
                Some(f) => next = f,
                None => break,
            }
        }
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

fn table_header_span(item: &toml_edit::Item) -> Option<Range<usize>> {
    match item {
        toml_edit::Item::Table(t) => t.span(),
        toml_edit::Item::ArrayOfTables(a) => a.span(),
        _ => None,
    }
}

/// The key path at a parse error's position: the deepest key, array element or table header
/// that starts at or before the error (`node[1].port_offset`, `key_manager.load_balancer.port`);
/// a `missing field` error names the missing key inside the table the error points at.
/// A file that is not valid TOML is read line by line instead: the last table header before
/// the error, and the key of the error's line.
fn parse_error_path(src: &str, span: Option<Range<usize>>, message: &str) -> String {
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
        .filter(|f| !f.is_empty());
    let base = match span {
        None => String::new(),
        // serde reports a key missing from the top level with an empty span at 0.
        Some(s) if missing.is_some() && s.is_empty() => String::new(),
        Some(s) => match toml_edit::Document::parse(src.to_string()) {
            Ok(doc) => {
                let mut best = Best::default();
                walk_table(doc.as_table(), "", s.start, &mut best);
                best.path
            }
            Err(_) => text_path(src, s.start),
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
