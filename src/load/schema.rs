//! Load phase: the profile's schema, and every parse-level problem of a profile at once.
//!
//! serde stops at the first unknown key or wrong type. When it does, `problems` walks the
//! TOML document against this schema (the keys of each table, the kind of each value) and
//! reports each problem with its key path, span and the accepted keys or values, in the
//! words serde would have used. The tests keep the schema equal to `profile.rs`: the same
//! keys in the same order, the same required keys, and `problems` finds something exactly
//! when serde fails.
use super::profile::*;
use crate::diagnostic::{Doc, Problem, Problems};
use serde::de::{self, Deserialize, Deserializer, Visitor};
use std::ops::Range;
use toml_edit::{Item, TableLike, Value};

/// What a key holds.
#[derive(Clone, Copy)]
enum Kind {
    Str,
    /// An integer between the bounds, named as serde's `plain_types` names it.
    Int(i64, i64, &'static str),
    Bool,
    /// An array of strings.
    Strs,
    /// A string, one of the variants of a serde enum.
    Enum(fn() -> &'static [&'static str]),
    /// `"literal"`, `{ env = "VAR" }` or `{ file = "path" }`.
    Secret,
    Table(&'static [Field]),
    /// `[[node]]`: an array of tables.
    Tables(&'static [Field]),
}

struct Field {
    key: &'static str,
    kind: Kind,
    required: bool,
}

const fn opt(key: &'static str, kind: Kind) -> Field {
    Field {
        key,
        kind,
        required: false,
    }
}

const fn req(key: &'static str, kind: Kind) -> Field {
    Field {
        key,
        kind,
        required: true,
    }
}

const U16: Kind = Kind::Int(0, 65535, "an integer from 0 to 65535");
const U32: Kind = Kind::Int(0, 4_294_967_295, "an integer from 0 to 4294967295");
const I64: Kind = Kind::Int(i64::MIN, i64::MAX, "an integer");

const PROFILE: &[Field] = &[
    req("deployment", Kind::Table(DEPLOYMENT)),
    opt("admin", Kind::Table(ADMIN)),
    opt("tls", Kind::Table(TLS)),
    opt("database", Kind::Table(DATABASE)),
    opt("user_store", Kind::Table(USER_STORE)),
    opt("key_manager", Kind::Table(KEY_MANAGER)),
    opt("jwt", Kind::Table(JWT)),
    opt("gateway", Kind::Table(GATEWAY)),
    opt("apim", Kind::Table(APIM)),
    opt("traffic_manager", Kind::Table(TRAFFIC_MANAGER)),
    opt("secure_vault", Kind::Table(SECURE_VAULT)),
    opt("node", Kind::Tables(NODE)),
];
const DEPLOYMENT: &[Field] = &[
    req("name", Kind::Str),
    req("pattern", Kind::Enum(names::<Pattern>)),
    opt("apim_version", Kind::Str),
    opt("is_km_version", Kind::Str),
];
const ADMIN: &[Field] = &[opt("username", Kind::Str), opt("password", Kind::Secret)];
const TLS: &[Field] = &[
    opt("mode", Kind::Enum(names::<TlsMode>)),
    opt("format", Kind::Enum(names::<StoreFormat>)),
    opt("keystore_password", Kind::Secret),
    opt("truststore_password", Kind::Secret),
    opt("key_alias", Kind::Str),
    opt("key_bits", U32),
    opt("validity_days", U32),
    opt("key_sharing", Kind::Enum(names::<KeySharing>)),
    opt("public_roots", Kind::Bool),
    opt("extra_trusted", Kind::Strs),
];
const DATABASE: &[Field] = &[
    opt("type", Kind::Enum(names::<DbType>)),
    opt("host", Kind::Str),
    opt("port", U16),
    opt("am", Kind::Table(DB_CREDENTIALS)),
    opt("um", Kind::Table(DB_CREDENTIALS)),
    opt("reg", Kind::Table(DB_CREDENTIALS)),
];
const DB_CREDENTIALS: &[Field] = &[
    opt("name", Kind::Str),
    opt("username", Kind::Str),
    opt("password", Kind::Secret),
];
const USER_STORE: &[Field] = &[
    opt("type", Kind::Enum(names::<UserStoreType>)),
    opt("url", Kind::Str),
    opt("bind_dn", Kind::Str),
    opt("bind_password", Kind::Secret),
    opt("user_search_base", Kind::Str),
    opt("group_search_base", Kind::Str),
    opt("read_only", Kind::Bool),
    opt("user_entry_object_class", Kind::Str),
    opt("group_entry_object_class", Kind::Str),
    opt("user_name_attribute", Kind::Str),
    opt("user_name_search_filter", Kind::Str),
    opt("user_name_list_filter", Kind::Str),
    opt("group_name_attribute", Kind::Str),
    opt("membership_attribute", Kind::Str),
];
const KEY_MANAGER: &[Field] = &[
    opt("client", Kind::Enum(names::<KmClient>)),
    opt("encrypt_oauth_keys", Kind::Bool),
    opt("load_balancer", Kind::Table(LOAD_BALANCER)),
];
const LOAD_BALANCER: &[Field] = &[
    req("host", Kind::Str),
    opt("port", U16),
    opt("cert", Kind::Str),
    opt("key", Kind::Str),
];
const JWT: &[Field] = &[
    opt("enabled", Kind::Bool),
    opt("claims_retriever", Kind::Bool),
    opt("consumer_dialect_uri", Kind::Str),
    opt(
        "signature_algorithm",
        Kind::Enum(names::<SignatureAlgorithm>),
    ),
];
const GATEWAY: &[Field] = &[
    opt("hazelcast", Kind::Bool),
    opt("sync", Kind::Enum(names::<SyncMode>)),
    opt("nfs_export", Kind::Str),
    opt("rsync_user", Kind::Str),
    opt("load_balancer", Kind::Table(GATEWAY_LOAD_BALANCER)),
];
const GATEWAY_LOAD_BALANCER: &[Field] = &[
    req("host", Kind::Str),
    opt("https_port", U16),
    opt("http_port", U16),
    opt("cert", Kind::Str),
    opt("key", Kind::Str),
];
const APIM: &[Field] = &[opt("load_balancer", Kind::Table(LOAD_BALANCER))];
const SECURE_VAULT: &[Field] = &[opt("enabled", Kind::Bool)];
const TRAFFIC_MANAGER: &[Field] = &[
    opt("sync", Kind::Enum(names::<SyncMode>)),
    opt("nfs_export", Kind::Str),
    opt("rsync_user", Kind::Str),
    opt("load_balancer", Kind::Table(LOAD_BALANCER)),
];
const NODE: &[Field] = &[
    req("name", Kind::Str),
    req("role", Kind::Enum(names::<Role>)),
    req("host", Kind::Str),
    opt("port_offset", I64),
    opt("extra_names", Kind::Strs),
    opt("hazelcast_port", U16),
    opt("home", Kind::Str),
    opt("cert", Kind::Str),
    opt("key", Kind::Str),
];

const UNKNOWN_HELP: &str = "remove the key or fix its spelling; the accepted keys are listed above";
const TYPE_HELP: &str = "write a value of the expected type: numbers and booleans without quotes, text in quotes, lists in [ ]";
const SECRET_EXPECTED: &str = r#"a string, { env = "VAR" } or { file = "path" }"#;

/// Every parse-level problem of `src` (unknown keys, missing keys, wrong types, unknown
/// values), in file order; `None` when `src` is not TOML at all.
pub fn problems(src: &str) -> Option<Vec<Problem>> {
    let doc: Doc = toml_edit::Document::parse(src.to_string()).ok()?;
    let mut pr = Problems::default();
    table(doc.as_table(), Some(0..0), "", PROFILE, &mut pr);
    let mut all = pr.0;
    // Stable: problems at one place keep the schema's order.
    all.sort_by_key(|p| p.span.as_ref().map_or(0, |s| s.start));
    Some(all)
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// The keys of one table (`span`: its header, or the inline table).
fn table(
    t: &dyn TableLike,
    span: Option<Range<usize>>,
    path: &str,
    fields: &[Field],
    pr: &mut Problems,
) {
    for (key, item) in t.iter() {
        let at = join(path, key);
        let key_span = t.key(key).and_then(|k| k.span());
        match fields.iter().find(|f| f.key == key) {
            Some(f) => value(item, key_span, &at, f.kind, pr),
            None => pr.push_span(
                at,
                key_span.or_else(|| item.span()),
                format!(
                    "unknown field `{key}`, expected {}",
                    one_of(fields.iter().map(|f| f.key))
                ),
                UNKNOWN_HELP,
            ),
        }
    }
    // A table declared only through dotted keys has no span of its own: its first key's.
    let span = span.or_else(|| t.iter().find_map(|(k, _)| t.key(k).and_then(|k| k.span())));
    for f in fields
        .iter()
        .filter(|f| f.required && !t.contains_key(f.key))
    {
        pr.push_span(
            join(path, f.key),
            span.clone(),
            format!("missing field `{}`", f.key),
            "add the key to this table",
        );
    }
}

/// The item at `path` (its key at `key_span`), which should be of `kind`.
fn value(item: &Item, key_span: Option<Range<usize>>, path: &str, kind: Kind, pr: &mut Problems) {
    let span = item.span().or(key_span);
    let v = item.as_value();
    let mut wrong = |expected: &str| {
        pr.push_span(
            path,
            span.clone(),
            format!("invalid type: {}, expected {expected}", unexpected(item)),
            TYPE_HELP,
        );
    };
    match kind {
        Kind::Str => {
            if v.and_then(Value::as_str).is_none() {
                wrong("a string");
            }
        }
        Kind::Bool => {
            if v.and_then(Value::as_bool).is_none() {
                wrong("true or false");
            }
        }
        Kind::Int(min, max, name) => match v.and_then(Value::as_integer) {
            None => wrong(name),
            Some(i) if !(min..=max).contains(&i) => pr.push_span(
                path,
                span.clone(),
                format!("invalid value: integer `{i}`, expected {name}"),
                format!("use {name}"),
            ),
            Some(_) => {}
        },
        Kind::Enum(variants) => match v.and_then(Value::as_str) {
            None => wrong(&one_of_values(variants())),
            Some(s) if !variants().contains(&s) => pr.push_span(
                path,
                span.clone(),
                format!(
                    "unknown variant `{s}`, expected {}",
                    one_of_values(variants())
                ),
                "use one of the values listed above",
            ),
            Some(_) => {}
        },
        Kind::Strs => match v.and_then(Value::as_array) {
            None => wrong("an array"),
            Some(a) => {
                for (i, e) in a.iter().enumerate() {
                    if e.as_str().is_none() {
                        pr.push_span(
                            format!("{path}[{i}]"),
                            e.span(),
                            format!("invalid type: {}, expected a string", unexpected_value(e)),
                            TYPE_HELP,
                        );
                    }
                }
            }
        },
        Kind::Secret => secret(item, span, path, pr),
        Kind::Table(fields) => match item.as_table_like() {
            Some(t) => table(t, table_span(item), path, fields, pr),
            None => wrong("a table"),
        },
        Kind::Tables(fields) => match item {
            Item::ArrayOfTables(a) => {
                for (i, t) in a.iter().enumerate() {
                    table(t, t.span(), &format!("{path}[{i}]"), fields, pr);
                }
            }
            Item::Value(Value::Array(a)) => {
                for (i, e) in a.iter().enumerate() {
                    let at = format!("{path}[{i}]");
                    match e.as_inline_table() {
                        Some(t) => table(t, e.span(), &at, fields, pr),
                        None => pr.push_span(
                            at,
                            e.span(),
                            format!("invalid type: {}, expected a table", unexpected_value(e)),
                            TYPE_HELP,
                        ),
                    }
                }
            }
            _ => wrong("an array of tables"),
        },
    }
}

fn table_span(item: &Item) -> Option<Range<usize>> {
    match item {
        Item::Table(t) => t.span(),
        _ => item.span(),
    }
}

/// A secret as `profile::Secret` reads it, one problem at most, never showing the value.
fn secret(item: &Item, span: Option<Range<usize>>, path: &str, pr: &mut Problems) {
    if item.as_str().is_some() {
        return;
    }
    let mut push = |message: String, help: &str| pr.push_span(path, span.clone(), message, help);
    let Some(t) = item.as_table_like() else {
        return push(
            format!("invalid value for a secret, expected {SECRET_EXPECTED}"),
            TYPE_HELP,
        );
    };
    let mut keys = t.iter();
    let Some((key, v)) = keys.next() else {
        return push(
            r#"expected { env = "VAR" } or { file = "path" }"#.into(),
            r#"write { env = "VAR" } or { file = "path" }"#,
        );
    };
    if key != "env" && key != "file" {
        return push(
            format!("unknown field `{key}`, expected `env` or `file`"),
            UNKNOWN_HELP,
        );
    }
    if v.as_str().is_none() {
        return push(
            format!("invalid value for a secret, expected {SECRET_EXPECTED}"),
            TYPE_HELP,
        );
    }
    if let Some((extra, _)) = keys.next() {
        push(
            format!("unexpected key `{extra}`: a secret takes exactly one of `env` or `file`"),
            "keep one of `env` or `file`",
        );
    }
}

/// serde's list of alternatives: "`a`", "`a` or `b`", "one of `a`, `b`, `c`".
fn one_of<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    match names.as_slice() {
        [] => "nothing".into(),
        [one] => one.clone(),
        [a, b] => format!("{a} or {b}"),
        _ => format!("one of {}", names.join(", ")),
    }
}

fn one_of_values(variants: &[&str]) -> String {
    one_of(variants.iter().copied())
}

/// A value as serde's `invalid type` names it (`string "x"`, `integer `5``).
fn unexpected(item: &Item) -> String {
    match item {
        Item::Value(v) => unexpected_value(v),
        Item::Table(_) => "table".into(),
        Item::ArrayOfTables(_) => "array of tables".into(),
        Item::None => "nothing".into(),
    }
}

fn unexpected_value(v: &Value) -> String {
    match v {
        Value::String(s) => format!("string {:?}", s.value()),
        Value::Integer(i) => format!("integer `{}`", i.value()),
        Value::Float(f) => format!("floating point `{}`", f.value()),
        Value::Boolean(b) => format!("boolean `{}`", b.value()),
        Value::Datetime(_) => "date-time".into(),
        Value::Array(_) => "array".into(),
        Value::InlineTable(_) => "table".into(),
    }
}

/// The variant names of a serde enum, or the field names of a serde struct, as its derived
/// `Deserialize` declares them (so the schema cannot drift from `profile.rs`).
fn names<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    match T::deserialize(Names) {
        Err(Captured(Some(names))) => names,
        _ => &[],
    }
}

/// A deserializer that only captures the names `deserialize_enum` / `_struct` are given.
struct Names;

#[derive(Debug)]
struct Captured(Option<&'static [&'static str]>);

impl std::fmt::Display for Captured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("names captured")
    }
}

impl std::error::Error for Captured {}

impl de::Error for Captured {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Captured(None)
    }
}

impl<'de> Deserializer<'de> for Names {
    type Error = Captured;
    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Captured> {
        Err(Captured(None))
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Captured> {
        Err(Captured(Some(variants)))
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Captured> {
        Err(Captured(Some(fields)))
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::profile;

    /// Each table of the schema has the keys of its `profile.rs` struct, in order, and the
    /// keys without a default are the required ones.
    #[test]
    fn schema_is_profile_rs() {
        let tables: [(&[Field], &[&str]); 16] = [
            (PROFILE, names::<profile::Profile>()),
            (DEPLOYMENT, names::<profile::Deployment>()),
            (ADMIN, names::<profile::Admin>()),
            (TLS, names::<profile::Tls>()),
            (DATABASE, names::<profile::Database>()),
            (DB_CREDENTIALS, names::<profile::DbCredentials>()),
            (USER_STORE, names::<profile::UserStore>()),
            (KEY_MANAGER, names::<profile::KeyManager>()),
            (LOAD_BALANCER, names::<profile::LoadBalancer>()),
            (JWT, names::<profile::Jwt>()),
            (GATEWAY, names::<profile::Gateway>()),
            (
                GATEWAY_LOAD_BALANCER,
                names::<profile::GatewayLoadBalancer>(),
            ),
            (APIM, names::<profile::Apim>()),
            (TRAFFIC_MANAGER, names::<profile::TrafficManager>()),
            (SECURE_VAULT, names::<profile::SecureVault>()),
            (NODE, names::<profile::Node>()),
        ];
        for (fields, serde) in tables {
            let keys: Vec<&str> = fields.iter().map(|f| f.key).collect();
            assert_eq!(keys, serde);
        }
        assert_eq!(names::<StoreFormat>(), ["jks", "pkcs12"]);
        // A table holding only its required keys parses; without any one of them it does not.
        let minimal = "[deployment]\nname = \"a\"\npattern = \"distributed\"\n\
                       [key_manager.load_balancer]\nhost = \"h\"\n\
                       [gateway.load_balancer]\nhost = \"h\"\n\
                       [[node]]\nname = \"n\"\nrole = \"store\"\nhost = \"h\"\n";
        assert!(toml::from_str::<profile::Profile>(minimal).is_ok());
        assert_eq!(problems(minimal).unwrap(), vec![]);
        for line in minimal.lines().filter(|l| l.contains(" = ")) {
            let without = minimal.replacen(&format!("{line}\n"), "", 1);
            assert!(
                toml::from_str::<profile::Profile>(&without).is_err(),
                "{line}"
            );
            let found = problems(&without).unwrap();
            assert_eq!(found.len(), 1, "{line}: {found:?}");
            assert!(found[0].message.starts_with("missing field"), "{found:?}");
        }
    }

    #[test]
    fn every_problem_at_once() {
        let src = r#"
[deployment]
name = "acme"
pattern = "hybrid-singel"
flavour = "x"

[tls]
key_size = 2048
key_bits = "2048"
extra_trusted = ["a.pem", 3]
keystore_password = { value = "hunter2" }

[database]
port = 70000

[[node]]
name = "km"
role = "key-manager"

[[node]]
role = 5
host = "h"
"#;
        let found = problems(src).unwrap();
        let shown: Vec<(&str, &str)> = found
            .iter()
            .map(|p| (p.path.as_str(), p.message.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                ("deployment.pattern", "unknown variant `hybrid-singel`, expected one of `hybrid-single-node`, `hybrid-active-active`, `distributed`"),
                ("deployment.flavour", "unknown field `flavour`, expected one of `name`, `pattern`, `apim_version`, `is_km_version`"),
                ("tls.key_size", "unknown field `key_size`, expected one of `mode`, `format`, `keystore_password`, `truststore_password`, `key_alias`, `key_bits`, `validity_days`, `key_sharing`, `public_roots`, `extra_trusted`"),
                ("tls.key_bits", "invalid type: string \"2048\", expected an integer from 0 to 4294967295"),
                ("tls.extra_trusted[1]", "invalid type: integer `3`, expected a string"),
                ("tls.keystore_password", "unknown field `value`, expected `env` or `file`"),
                ("database.port", "invalid value: integer `70000`, expected an integer from 0 to 65535"),
                ("node[0].host", "missing field `host`"),
                ("node[1].name", "missing field `name`"),
                ("node[1].role", "invalid type: integer `5`, expected one of `key-manager`, `all-in-one`, `publisher`, `store`, `traffic-manager`, `gateway`, `gateway-manager`, `gateway-worker`"),
            ]
        );
        // No message shows the secret.
        assert!(found.iter().all(|p| !p.message.contains("hunter2")));
    }

    /// `kmgen schema` (schemars over `profile.rs`) has this table's keys, required keys,
    /// value sets and kinds, and integer bounds no wider than its own.
    #[test]
    fn the_json_schema_is_this_table() {
        let schema = crate::load::json_schema::json_schema();
        json_table(&schema, &schema["definitions"], PROFILE, "");
    }

    /// `v`, or the definition its `$ref` (or `allOf: [{ $ref }]`) names.
    fn resolve<'a>(v: &'a serde_json::Value, defs: &'a serde_json::Value) -> &'a serde_json::Value {
        let target = v
            .get("$ref")
            .or_else(|| v.get("allOf").map(|a| &a[0]["$ref"]));
        match target.and_then(|t| t.as_str()) {
            Some(t) => &defs[t.trim_start_matches("#/definitions/")],
            None => v,
        }
    }

    fn json_table(t: &serde_json::Value, defs: &serde_json::Value, fields: &[Field], path: &str) {
        let t = resolve(t, defs);
        let sorted = |mut keys: Vec<String>| {
            keys.sort();
            keys
        };
        let props = t["properties"].as_object().expect(path);
        let keys = sorted(props.keys().cloned().collect());
        assert_eq!(
            keys,
            sorted(fields.iter().map(|f| f.key.into()).collect()),
            "{path}"
        );
        let required = t.get("required").and_then(|r| r.as_array());
        let required: Vec<String> = required
            .into_iter()
            .flatten()
            .map(|r| r.as_str().unwrap().into())
            .collect();
        let want = fields
            .iter()
            .filter(|f| f.required)
            .map(|f| f.key.into())
            .collect();
        assert_eq!(sorted(required), sorted(want), "{path}");
        for f in fields {
            let at = join(path, f.key);
            let p = resolve(&props[f.key], defs);
            match f.kind {
                Kind::Str => assert_eq!(p["type"], "string", "{at}"),
                Kind::Bool => assert_eq!(p["type"], "boolean", "{at}"),
                Kind::Int(min, max, _) => {
                    assert_eq!(p["type"], "integer", "{at}");
                    assert!(p["minimum"].as_i64().unwrap_or(i64::MIN) >= min, "{at}");
                    assert!(p["maximum"].as_i64().unwrap_or(i64::MAX) <= max, "{at}");
                }
                Kind::Strs => {
                    assert_eq!(p["type"], "array", "{at}");
                    assert_eq!(p["items"]["type"], "string", "{at}");
                }
                Kind::Enum(variants) => {
                    assert_eq!(p["enum"], serde_json::json!(variants()), "{at}")
                }
                Kind::Secret => assert_eq!(p["oneOf"].as_array().map(Vec::len), Some(3), "{at}"),
                Kind::Table(sub) => json_table(p, defs, sub, &at),
                Kind::Tables(sub) => {
                    assert_eq!(p["type"], "array", "{at}");
                    json_table(&p["items"], defs, sub, &format!("{at}[]"));
                }
            }
        }
    }

    /// The mask shows the values of every key of the schema but the secrets: the two lists
    /// of `diagnostic::mask` are the schema's leaves.
    #[test]
    fn the_mask_lists_are_the_schema() {
        fn walk(
            fields: &[Field],
            prefix: &str,
            shown: &mut Vec<String>,
            secrets: &mut Vec<String>,
        ) {
            for f in fields {
                let path = join(prefix, f.key);
                match f.kind {
                    Kind::Secret => secrets.push(path),
                    Kind::Strs => shown.push(format!("{path}[]")),
                    Kind::Table(sub) => walk(sub, &path, shown, secrets),
                    Kind::Tables(sub) => walk(sub, &format!("{path}[]"), shown, secrets),
                    Kind::Str | Kind::Enum(_) | Kind::Int(..) | Kind::Bool => shown.push(path),
                }
            }
        }
        let (mut shown, mut secrets) = (Vec::new(), Vec::new());
        walk(PROFILE, "", &mut shown, &mut secrets);
        assert_eq!(shown, crate::diagnostic::SHOWN);
        assert_eq!(secrets, crate::diagnostic::SECRETS);
    }
}
