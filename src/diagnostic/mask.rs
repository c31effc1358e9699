//! Masking: source excerpts show `*`s in place of every value that might be a secret, byte
//! for byte (line ends kept), so that spans and line numbers still point where they did.
//!
//! Rather than recognising secrets, masking recognises what is known not to be one: the
//! values of the profile's own non-secret keys (`SHOWN`: names, hosts, types, ports, paths,
//! user names, DNs), and the `env` / `file` of a secret's source. Every other string is
//! masked, wherever it is: under a misspelt key (`pasword`), in an unknown inline table
//! (`{ value = "..." }`), in a multi-line string. Numbers, booleans and dates under keys the
//! schema does not know are shown, unless the key looks like a secret's (`keystore_p3ssword
//! = 12345678`). A file that is not TOML is masked more widely still: see `broken`.
use super::doc::{parse, Doc};
use std::ops::Range;

/// The keys of the profile whose values an excerpt shows, with `[]` for array elements:
/// every key of the schema but the secrets (`load::schema` checks that the two agree). A
/// value with a `@` is masked all the same, but for a user name: credentials in a URL.
pub const SHOWN: &[&str] = &[
    "deployment.name",
    "deployment.pattern",
    "deployment.apim_version",
    "deployment.is_km_version",
    "admin.username",
    "tls.mode",
    "tls.format",
    "tls.key_alias",
    "tls.key_bits",
    "tls.validity_days",
    "tls.key_sharing",
    "tls.public_roots",
    "tls.extra_trusted[]",
    "database.type",
    "database.host",
    "database.port",
    "database.am.name",
    "database.am.username",
    "database.um.name",
    "database.um.username",
    "database.reg.name",
    "database.reg.username",
    "user_store.type",
    "user_store.url",
    "user_store.bind_dn",
    "user_store.user_search_base",
    "user_store.group_search_base",
    "user_store.read_only",
    "user_store.user_entry_object_class",
    "user_store.group_entry_object_class",
    "user_store.user_name_attribute",
    "user_store.user_name_search_filter",
    "user_store.user_name_list_filter",
    "user_store.group_name_attribute",
    "user_store.membership_attribute",
    "key_manager.client",
    "key_manager.encrypt_oauth_keys",
    "key_manager.load_balancer.host",
    "key_manager.load_balancer.port",
    "key_manager.load_balancer.cert",
    "key_manager.load_balancer.key",
    "jwt.enabled",
    "jwt.claims_retriever",
    "jwt.consumer_dialect_uri",
    "jwt.signature_algorithm",
    "gateway.hazelcast",
    "gateway.sync",
    "gateway.nfs_export",
    "gateway.rsync_user",
    "gateway.load_balancer.host",
    "gateway.load_balancer.https_port",
    "gateway.load_balancer.http_port",
    "gateway.load_balancer.cert",
    "gateway.load_balancer.key",
    "apim.load_balancer.host",
    "apim.load_balancer.port",
    "apim.load_balancer.cert",
    "apim.load_balancer.key",
    "traffic_manager.sync",
    "traffic_manager.nfs_export",
    "traffic_manager.rsync_user",
    "traffic_manager.load_balancer.host",
    "traffic_manager.load_balancer.port",
    "traffic_manager.load_balancer.cert",
    "traffic_manager.load_balancer.key",
    "secure_vault.enabled",
    "node[].name",
    "node[].role",
    "node[].host",
    "node[].port_offset",
    "node[].extra_names[]",
    "node[].hazelcast_port",
    "node[].home",
    "node[].cert",
    "node[].key",
];

/// The secrets of the profile: masked whatever they hold, but for the `env` variable or
/// `file` path of `{ env = "VAR" }` / `{ file = "path" }`.
pub const SECRETS: &[&str] = &[
    "admin.password",
    "tls.keystore_password",
    "tls.truststore_password",
    "database.am.password",
    "database.um.password",
    "database.reg.password",
    "user_store.bind_password",
];

/// Whether a key looks like it holds a secret: `password`, `bind_pass`, `secret`, `pwd`,
/// `token`, and misspellings of `password` (`pasword`, `p3ssword`, `passwrod`).
pub(super) fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    let words = ["pass", "secret", "pwd", "token", "credential"];
    words.iter().any(|w| key.contains(w))
        || key
            .split(['_', '-', '.'])
            .any(|part| part.len() >= 5 && edit_distance(part, "password") <= 2)
}

/// Levenshtein distance of two short ASCII words.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = (diag + usize::from(ca != cb)).min(row[j] + 1).min(up + 1);
            diag = up;
        }
    }
    row[b.len()]
}

/// The profile text with every value that might be a secret replaced by `*`s of the same
/// byte length (line ends kept), so that excerpts never show one and spans still point at
/// the same place.
pub fn mask_secrets(src: &str) -> String {
    masked(src, parse(src).as_ref())
}

/// `mask_secrets` of `src`, whose parsed document (`None`: not TOML) is `doc`.
pub(super) fn masked(src: &str, doc: Option<&Doc>) -> String {
    match doc {
        Some(doc) => mask(src, document_spans(doc)),
        None => mask(src, broken(src, error_line_start(src))),
    }
}

/// `src`, not TOML, when the parser stopped on the line that starts at byte `line`.
pub(super) fn masked_from_line(src: &str, line: usize) -> String {
    mask(src, broken(src, Some(line)))
}

fn mask(src: &str, spans: Vec<Range<usize>>) -> String {
    let mut bytes = src.as_bytes().to_vec();
    for span in spans {
        for b in &mut bytes[span] {
            if !b"\r\n".contains(b) {
                *b = b'*';
            }
        }
    }
    String::from_utf8(bytes).expect("whole characters were replaced, each byte by one `*`")
}

/// What lies between a value's string delimiters ("…", '…', """…""", '''…''') and before a
/// line end: the secret, quotes inside it included. A value without delimiters is all of it.
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

/// The spans to mask in a TOML document: of each value, what lies between its delimiters.
fn document_spans(doc: &Doc) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let top: &dyn toml_edit::TableLike = doc.as_table();
    table(top, "", &mut spans);
    let src = doc.raw().as_bytes();
    spans
        .into_iter()
        .map(|s| {
            let inner = between_delimiters(&src[s.clone()]);
            s.start + inner.start..s.start + inner.end
        })
        .collect()
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn table(t: &dyn toml_edit::TableLike, path: &str, spans: &mut Vec<Range<usize>>) {
    for (k, item) in t.iter() {
        let path = join(path, k);
        match item {
            toml_edit::Item::Value(v) => value(v, &path, spans),
            toml_edit::Item::Table(sub) => table(sub, &path, spans),
            toml_edit::Item::ArrayOfTables(a) => {
                for sub in a.iter() {
                    table(sub, &format!("{path}[]"), spans);
                }
            }
            toml_edit::Item::None => {}
        }
    }
}

/// The value at `path` (`node[].host`: indexes as `[]`).
fn value(v: &toml_edit::Value, path: &str, spans: &mut Vec<Range<usize>>) {
    use toml_edit::Value;
    let last = path.rsplit('.').next().unwrap_or(path);
    if SECRETS.contains(&path) || is_secret_key(last) {
        return secret(v, SECRETS.contains(&path), spans);
    }
    match v {
        Value::InlineTable(t) => table(t, path, spans),
        Value::Array(a) => {
            for e in a.iter() {
                value(e, &format!("{path}[]"), spans);
            }
        }
        Value::String(s) => {
            // `extra_names = "a.example.com"` (not in an array) is still a host name.
            let leaf = |p: &str| p.trim_end_matches("[]").to_string();
            let known = SHOWN.iter().any(|k| leaf(k) == leaf(path));
            // `user:password@host` typed where a host or URL belongs (a user name may hold
            // a `@`: `apim@dbserver`).
            let credentials = s.value().contains('@') && !path.ends_with("username");
            let shown = known && !credentials;
            if !shown {
                spans.extend(v.span());
            }
        }
        // Numbers, booleans and dates are not secrets unless their key says so (above).
        _ => {}
    }
}

/// Everything a secret holds; of a schema secret, its `env` / `file` source stays shown.
fn secret(v: &toml_edit::Value, sources_shown: bool, spans: &mut Vec<Range<usize>>) {
    use toml_edit::Value;
    match v {
        Value::InlineTable(t) => {
            for (k, inner) in t.iter() {
                let source = sources_shown && (k == "env" || k == "file") && inner.is_str();
                if !source {
                    secret(inner, false, spans);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|e| secret(e, false, spans)),
        _ => spans.extend(v.span()),
    }
}

/// Text that is not TOML. The part before the line the parser stopped at is masked as a
/// document when it parses on its own (it is then read the same way in the whole text);
/// from that line on, and everywhere when it does not, `conservative` masks every quoted
/// string and every bare value, since nothing says which strings are what (a value may
/// follow the error on its line, a multi-line string may be open).
fn broken(src: &str, error_line: Option<usize>) -> Vec<Range<usize>> {
    let from = error_line
        .filter(|&at| at > 0)
        .and_then(|at| Some((at, parse(&src[..at])?)));
    match from {
        Some((at, prefix)) => {
            let mut spans = document_spans(&prefix);
            spans.extend(conservative(src, at));
            spans
        }
        None => conservative(src, 0),
    }
}

/// The start of the line where the TOML parser stops.
fn error_line_start(src: &str) -> Option<usize> {
    let err = toml_edit::Document::parse(src.to_string()).err()?;
    let at = err.span()?.start.min(src.len());
    Some(src[..at].rfind('\n').map_or(0, |nl| nl + 1))
}

/// Every string's content and every bare value from byte `from` (a line start) on: what
/// stays is the bare keys before a line's `=`, `[table]` headers, the punctuation and the
/// string delimiters. Comments are masked too.
fn conservative(src: &str, from: usize) -> Vec<Range<usize>> {
    let b = src.as_bytes();
    let mut spans = Vec::new();
    let mut i = from;
    // The end of the current line's key (or `[header]`): kept, when it is nothing but a key.
    let mut key_end = key_end_of(b, i);
    // Open `[` / `{` of values: a value that goes on over the next line.
    let mut depth = 0usize;
    let bare = |c: u8| c.is_ascii_alphanumeric() || b"_-. \t[]".contains(&c);
    while i < b.len() {
        let c = b[i];
        let rest = &b[i..];
        if c == b'\n' {
            i += 1;
            key_end = if depth == 0 { key_end_of(b, i) } else { i };
        } else if rest.starts_with(b"\"\"\"") || rest.starts_with(b"'''") {
            let delim = &rest[..3];
            let end = find(b, i + 3, delim).unwrap_or(b.len());
            spans.push(i + 3..end);
            i = (end + 3).min(b.len());
        } else if c == b'"' || c == b'\'' {
            let mut j = i + 1;
            while j < b.len() && b[j] != c && b[j] != b'\n' {
                let escaped = c == b'"' && b[j] == b'\\' && j + 1 < b.len() && b[j + 1] != b'\n';
                j += if escaped { 2 } else { 1 };
            }
            spans.push(i + 1..j);
            i = if j < b.len() && b[j] == c { j + 1 } else { j };
        } else if c == b'#' {
            let end = find(b, i, b"\n").unwrap_or(b.len());
            spans.push(i + 1..end);
            i = end;
        } else if i < key_end && bare(c) {
            i += 1;
        } else if b"[{".contains(&c) {
            depth += 1;
            i += 1;
        } else if b"]}".contains(&c) {
            depth = depth.saturating_sub(1);
            i += 1;
        } else if c.is_ascii_whitespace() || c == b',' || c == b'=' {
            i += 1;
        } else {
            // A bare value, or anything else: whole characters up to a space or punctuation.
            let mut j = i + 1;
            while j < b.len() && !b" \t\r\n,]}#=\"'".contains(&b[j]) {
                j += 1;
            }
            spans.push(i..j);
            i = j;
        }
    }
    spans
}

/// Where the key of the line starting at `at` ends: after its `[header]`, at its `=`, or at
/// `at` when the line is no `key = ...` (then all of it counts as value).
fn key_end_of(b: &[u8], at: usize) -> usize {
    let line_end = find(b, at, b"\n").unwrap_or(b.len());
    let line = &b[at..line_end];
    let indent = line.iter().take_while(|c| c.is_ascii_whitespace()).count();
    if line.get(indent) == Some(&b'[') {
        let quoted = line.iter().any(|c| b"\"'#".contains(c));
        let close = line.iter().rposition(|&c| c == b']').map_or(0, |p| p + 1);
        return if quoted { at } else { at + close };
    }
    match line.iter().position(|c| b"=\"'#".contains(c)) {
        Some(p) if line[p] == b'=' => at + p,
        _ => at,
    }
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys_and_their_misspellings() {
        for k in [
            "password",
            "bind_passwd",
            "pasword",
            "keystore_p3ssword",
            "passwrod",
            "db_secret",
            "api_token",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "username",
            "port_offset",
            "key_alias",
            "host",
            "name",
            "extra_names",
            "posture",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn conservative_masking_keeps_keys_and_punctuation() {
        let src = "name = \"acme\" password = \"hunter2\"\nport = 5 # was hunter3\nx = [\n  hunter4,\n]\n[tls]\nkey = '''a\nhunter5'''\n";
        let mut bytes = src.as_bytes().to_vec();
        for s in conservative(src, 0) {
            for b in &mut bytes[s] {
                if *b != b'\n' {
                    *b = b'*';
                }
            }
        }
        let out = String::from_utf8(bytes).unwrap();
        assert_eq!(
            out,
            "name = \"****\" ******** = \"*******\"\nport = * #************\nx = [\n  *******,\n]\n[tls]\nkey = '''*\n*******'''\n"
        );
    }
}
