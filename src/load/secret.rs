//! Load phase: a secret of the profile as the operator wrote it: the value itself,
//! `{ env = "VAR" }` or `{ file = "path" }`; `validate` resolves it.
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{de, Deserialize, Deserializer};
use std::borrow::Cow;
use std::fmt;

/// A secret value: a literal string, `{ env = "VAR" }` or `{ file = "path" }`.
/// `Debug` never shows the literal.
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    Literal(String),
    Env(String),
    File(String),
}

impl Secret {
    pub fn literal(s: &str) -> Self {
        Secret::Literal(s.to_string())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Secret::Literal(_) => f.write_str("Secret(<redacted>)"),
            Secret::Env(var) => write!(f, "Secret(env {var})"),
            Secret::File(path) => write!(f, "Secret(file {path})"),
        }
    }
}

/// As `Deserialize` reads it: a string, or a table of exactly one of `env` or `file`.
impl JsonSchema for Secret {
    fn schema_name() -> Cow<'static, str> {
        "Secret".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let one = |key: &str, description: &str| {
            json_schema!({
                "type": "object",
                "properties": { key: { "type": "string", "description": description } },
                "required": [key],
                "additionalProperties": false
            })
        };
        json_schema!({
            "description": "A secret: the value itself, { env = \"VAR\" } or { file = \"path\" }.",
            "oneOf": [
                { "type": "string", "description": "The value itself." },
                one("env", "The environment variable that holds the value."),
                one("file", "The file (relative to the profile) that holds the value."),
            ]
        })
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SecretVisitor;
        impl<'de> de::Visitor<'de> for SecretVisitor {
            type Value = Secret;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"a string, { env = "VAR" } or { file = "path" }"#)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Secret, E> {
                Ok(Secret::Literal(v.to_string()))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Secret, A::Error> {
                let key: String = map.next_key()?.ok_or_else(|| {
                    de::Error::custom(r#"expected { env = "VAR" } or { file = "path" }"#)
                })?;
                let value: String = map.next_value()?;
                let secret = match key.as_str() {
                    "env" => Secret::Env(value),
                    "file" => Secret::File(value),
                    other => return Err(de::Error::unknown_field(other, &["env", "file"])),
                };
                if let Some(extra) = map.next_key::<String>()? {
                    return Err(de::Error::custom(format!(
                        "unexpected key `{extra}`: a secret takes exactly one of `env` or `file`"
                    )));
                }
                Ok(secret)
            }
        }
        deserializer.deserialize_any(SecretVisitor)
    }
}
