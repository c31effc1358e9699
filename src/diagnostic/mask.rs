//! Secret masking: source excerpts show `*`s where the profile holds a secret, byte for byte
//! in its place, so that spans still point where they did.
use super::doc::{parse, Doc};
use std::ops::Range;

/// `password`, `keystore_password`, `bind_password`, ... and look-alikes (`passwd`, a
/// misspelt `bind_pass`): keys whose value is, or is meant as, a secret.
pub(super) fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.contains("pass") || key.contains("secret") || key.contains("pwd")
}

/// The profile text with every literal secret (the value of a `*password` key)
/// replaced by `*`s of the same byte length, so that source excerpts never show a secret
/// and every span still points at the same place.
pub fn mask_secrets(src: &str) -> String {
    masked(src, parse(src).as_ref())
}

/// `mask_secrets` of `src`, whose parsed document (`None`: not TOML) is `doc`.
pub(super) fn masked(src: &str, doc: Option<&Doc>) -> String {
    let mut bytes = src.as_bytes().to_vec();
    let spans = match doc {
        Some(doc) => {
            let mut spans = Vec::new();
            secret_spans_in_table(doc.as_table(), &mut spans);
            spans
        }
        None => secret_lines(src),
    };
    for span in spans {
        let inner = between_delimiters(&src.as_bytes()[span.clone()]);
        for b in &mut bytes[span.start + inner.start..span.start + inner.end] {
            *b = b'*';
        }
    }
    String::from_utf8(bytes).expect("only ASCII bytes were replaced, each by one `*`")
}

/// What lies between a value's string delimiters ("…", '…', """…""", '''…''') and before a
/// line end: the secret, quotes inside it included.
fn between_delimiters(value: &[u8]) -> Range<usize> {
    let mut inner = value;
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
    start..end.max(start)
}

/// Not TOML: the right-hand side of every `...password = ...` line (but not
/// `{ env = "VAR" }` / `{ file = "path" }`, which name where the secret is).
fn secret_lines(src: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut offset = 0;
    for line in src.split_inclusive('\n') {
        if let Some((key, rhs)) = line.split_once('=') {
            let value = rhs.trim_start();
            let key_end = key.len();
            let key = key.trim().rsplit('.').next().unwrap_or("");
            if is_secret_key(key) && !value.trim().is_empty() && !value.starts_with('{') {
                let start = offset + key_end + 1 + (rhs.len() - value.len());
                spans.push(start..offset + line.len());
            }
        }
        offset += line.len();
    }
    spans
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
