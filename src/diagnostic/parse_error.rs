//! Parse errors (syntax, unknown key, wrong type) in an operator's words, with a help line.
use super::doc::parse;
use super::error_path::parse_error_path;
use super::mask::{is_secret_key, masked, masked_from_line};
use super::report::{closing_line, render, ProblemReport};
use miette::{NamedSource, SourceSpan};

/// A TOML parse error (syntax, unknown key, wrong type) as one report.
pub fn report_parse_error(file: &str, src: &str, err: &toml::de::Error) -> String {
    let doc = parse(src);
    if err.span().is_none() && err.message().trim() == "recursion limit" {
        if let Some(report) = deep_key(file, src) {
            return report;
        }
    }
    let mut message = plain_types(err.message().trim());
    let path = parse_error_path(src, doc.as_ref(), err.span(), &message);
    let typed = message.starts_with("invalid type:") || message.starts_with("invalid value:");
    if typed && is_secret_key(path.rsplit('.').next().unwrap_or("")) {
        // `invalid type: string "hunter2", expected ...` would echo the password.
        if let Some((_, expected)) = message.split_once(", expected ") {
            message = format!("invalid value for a secret, expected {expected}");
        }
    }
    let help = help(&message, typed);
    let mut out = render(ProblemReport {
        path,
        message,
        src: NamedSource::new(file, masked(src, doc.as_ref())),
        span: err.span().map(SourceSpan::from),
        label: "here".into(),
        help: Some(help.to_string()),
    });
    out.push_str(&closing_line(file, 1));
    out
}

/// The TOML parser refuses a dotted key of 80 parts or more ("recursion limit") without
/// saying where: the first such key, with its line, in the table it is in.
fn deep_key(file: &str, src: &str) -> Option<String> {
    const LIMIT: usize = 80;
    let mut table = String::new();
    let mut offset = 0;
    for line in src.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let (key, key_at) = match trimmed.strip_prefix('[') {
            Some(rest) => {
                let rest = rest.trim_start_matches('[');
                let inner = rest.split(']').next().unwrap_or("");
                (inner, start + indent + (trimmed.len() - rest.len()))
            }
            None => (trimmed.split('=').next().unwrap_or(""), start + indent),
        };
        let parts = key.split('.').count();
        if parts < LIMIT {
            if trimmed.starts_with('[') {
                table = key.trim().to_string();
            }
            continue;
        }
        let key = key.trim_end();
        let path = if table.is_empty() {
            "profile".to_string()
        } else {
            table
        };
        let mut out = render(ProblemReport {
            path,
            message: format!("a key of {parts} dotted parts: TOML readers take fewer than {LIMIT}"),
            src: NamedSource::new(file, masked_from_line(src, start)),
            span: Some(SourceSpan::from(key_at..key_at + key.len())),
            label: "here".into(),
            help: Some(
                "profile keys have at most three parts (database.am.password): fix this key".into(),
            ),
        });
        out.push_str(&closing_line(file, 1));
        return Some(out);
    }
    None
}

fn help(message: &str, typed: bool) -> &'static str {
    if message.starts_with("unknown field") {
        "remove the key or fix its spelling; the accepted keys are listed above"
    } else if message.starts_with("unknown variant") {
        "use one of the values listed above"
    } else if message.starts_with("missing field") {
        "add the key to this table"
    } else if typed {
        "write a value of the expected type: numbers and booleans without quotes, text in quotes, lists in [ ]"
    } else if message.starts_with("duplicate key") {
        "a key may appear only once in a table: remove one of the two"
    } else {
        "fix the TOML at the marked place"
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
