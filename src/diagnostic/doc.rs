//! The profile parsed once per report, as a `toml_edit` document: spans of keys, values
//! and tables for the excerpts, the masking and the parse-error paths.

pub type Doc = toml_edit::Document<String>;

/// The document of `src`; `None` when it is not TOML.
pub(super) fn parse(src: &str) -> Option<Doc> {
    toml_edit::Document::parse(src.to_string()).ok()
}
