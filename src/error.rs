//! Errors of every phase, and how a profile's problems are shown: miette reports with the
//! TOML line, the key path and a help line, all problems at once.
use crate::validate::Problem;
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan};
use std::ops::Range;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The profile is wrong; already rendered as a report (source excerpts included).
    #[error("{0}")]
    Profile(String),
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write `{path}`: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}` exists and was not written by kmgen")]
    NotOurs { path: PathBuf },
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
    #[error(transparent)]
    Pki(#[from] crate::pki::PkiError),
    #[error("cannot write the {what} of node `{node}`: {source}")]
    Store {
        node: String,
        what: &'static str,
        source: crate::keystore::StoreError,
    },
}

impl Error {
    /// A help line for errors that have an obvious fix.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::NotOurs { .. } => Some(
                "kmgen replaces only bundles it wrote itself; choose another -o folder, move it away, or pass --force"
                    .into(),
            ),
            _ => None,
        }
    }
}

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
    let mut out = String::new();
    for p in problems {
        let span = doc
            .as_ref()
            .and_then(|d| span_of(d, &p.path))
            .map(SourceSpan::from);
        out.push_str(&render(ProblemReport {
            path: p.path.clone(),
            message: p.message.clone(),
            src: NamedSource::new(file, src.to_string()),
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
    let message = err.message().trim().to_string();
    let path = parse_error_path(src, err.span());
    let help = if message.starts_with("unknown field") {
        "remove the key or fix its spelling; the accepted keys are listed above".to_string()
    } else if message.starts_with("unknown variant") {
        "use one of the values listed above".to_string()
    } else if message.starts_with("missing field") {
        "add the key to this table".to_string()
    } else {
        "fix the TOML at the marked place".to_string()
    };
    let mut out = render(ProblemReport {
        path,
        message,
        src: NamedSource::new(file, src.to_string()),
        span: err.span().map(SourceSpan::from),
        label: "here".into(),
        help: Some(help),
    });
    out.push_str(&format!(
        "error: {file} has 1 problem; nothing was written\n"
    ));
    out
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
        best = item.span().or_else(|| table_header_span(item)).or(best);
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

/// The key path at a parse error's position, found by walking the document's tables.
fn parse_error_path(src: &str, span: Option<Range<usize>>) -> String {
    let Some(span) = span else {
        return "profile".into();
    };
    let Ok(doc) = toml_edit::Document::parse(src.to_string()) else {
        return "profile".into();
    };
    let mut best = (String::from("profile"), 0usize);
    fn walk(t: &toml_edit::Table, prefix: &str, at: usize, best: &mut (String, usize)) {
        for (k, item) in t.iter() {
            let path = if prefix.is_empty() {
                k.to_string()
            } else {
                format!("{prefix}.{k}")
            };
            let key_span = t.key(k).and_then(|key| key.span());
            let span = item.span().or(key_span.clone());
            if let Some(s) = key_span.iter().chain(span.iter()).find(|s| s.start <= at) {
                if s.start >= best.1 {
                    *best = (path.clone(), s.start);
                }
            }
            match item {
                toml_edit::Item::Table(sub) => walk(sub, &path, at, best),
                toml_edit::Item::ArrayOfTables(arr) => {
                    for (i, sub) in arr.iter().enumerate() {
                        if sub.span().is_some_and(|s| s.start <= at) {
                            walk(sub, &format!("{path}[{i}]"), at, best);
                        }
                    }
                }
                toml_edit::Item::Value(toml_edit::Value::InlineTable(it)) => {
                    let sub = it.clone().into_table();
                    let _ = sub;
                }
                _ => {}
            }
        }
    }
    walk(doc.as_table(), "", span.start, &mut best);
    best.0
}
