//! A problem of a profile: its key path, what is wrong and how to fix it.
use std::ops::Range;

/// One thing wrong with a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Key path, e.g. `node[1].port_offset`.
    pub path: String,
    pub message: String,
    pub help: String,
    /// Where the source excerpt points when `path` is not in the file (a table the profile
    /// lacks): the key that makes it needed, e.g. the second node of a role.
    pub anchor: Option<String>,
    /// Where the source excerpt points, when the finder knows better than the key path
    /// (an unknown key: the key, not its value).
    pub span: Option<Range<usize>>,
}

#[derive(Debug, Default)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn push(
        &mut self,
        path: impl Into<String>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.0.push(Problem {
            path: path.into(),
            message: message.into(),
            help: help.into(),
            anchor: None,
            span: None,
        });
    }

    /// A problem shown at `span` of the profile text.
    pub fn push_span(
        &mut self,
        path: impl Into<String>,
        span: Option<Range<usize>>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.push(path, message, help);
        self.0.last_mut().expect("just pushed").span = span;
    }

    /// A problem about a key the profile may lack, shown at `anchor` when it does.
    pub fn push_at(
        &mut self,
        path: impl Into<String>,
        anchor: Option<String>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.push(path, message, help);
        self.0.last_mut().expect("just pushed").anchor = anchor;
    }
}
