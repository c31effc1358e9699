//! A resolved secret: redacted in `Debug` and `Display`, plain only where it is written.
use serde::{Serialize, Serializer};
use std::fmt;

/// A resolved secret value. `Debug` and `Display` are redacted; `expose` reads it.
///
/// `Serialize` writes the plain value, because the templates write passwords into the
/// product files. Only the template views (`plan::view`) hold `Secret`s and serialize them,
/// and only into the Tera context; the model and the reports (`plan` JSON, manifest) never
/// serialize one.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}
