//! Diagnostics: what is wrong with a profile and how it is shown, as miette reports with
//! the TOML line, the key path and a help line, all problems at once, secrets masked.
//!
//! Each report parses the profile once (`doc`) and hands the document to the span lookup
//! (`span`), the secret masking (`mask`) and the parse-error paths (`error_path`).
mod doc;
mod error_path;
mod mask;
mod parse_error;
mod problem;
mod report;
mod span;

pub use doc::Doc;
pub use mask::{mask_secrets, SECRETS, SHOWN};
pub use parse_error::report_parse_error;
pub use problem::{Problem, Problems};
pub use report::report_problems;
pub use span::span_of;
