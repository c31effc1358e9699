//! Report rendering: each problem as a miette diagnostic over the (masked) profile, with
//! its key path, source excerpt and help line, and the closing line.
use super::doc::parse;
use super::mask::masked;
use super::problem::Problem;
use super::span::span_of;
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan};

/// One problem as a miette diagnostic over the profile's source.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{path}: {message}")]
pub(super) struct ProblemReport {
    pub path: String,
    pub message: String,
    #[source_code]
    pub src: NamedSource<String>,
    #[label("{label}")]
    pub span: Option<SourceSpan>,
    pub label: String,
    #[help]
    pub help: Option<String>,
}

/// Renders problems found in `src` (the profile text, named `file`) as one report.
pub fn report_problems(file: &str, src: &str, problems: &[Problem]) -> String {
    let doc = parse(src);
    let masked = masked(src, doc.as_ref());
    let mut out = String::new();
    for p in problems {
        let span = p
            .span
            .clone()
            .or_else(|| {
                let d = doc.as_ref()?;
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
    out.push_str(&closing_line(file, problems.len()));
    out
}

/// The last line of every report.
pub(super) fn closing_line(file: &str, n: usize) -> String {
    format!(
        "error: {file} has {n} problem{}; nothing was written\n",
        if n == 1 { "" } else { "s" }
    )
}

pub(super) fn render(d: ProblemReport) -> String {
    let mut s = String::new();
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
    if handler.render_report(&mut s, &d).is_err() {
        s = format!("error: {d}\n");
    }
    s.push('\n');
    s
}
