//! Load phase: the profile's JSON Schema (`kmgen schema`), generated from `profile.rs`.
//!
//! schemars reads the serde attributes (`deny_unknown_fields` → `additionalProperties:
//! false`, `default` → not required, with its value, `rename`), the `///` comments
//! (descriptions) and the `#[schemars]` bounds. Draft-07: the newest draft taplo (Even Better
//! TOML) validates with, `tamasfe/taplo@release-taplo-cli-0.9.3:crates/taplo-common/Cargo.toml`
//! pins `jsonschema` 0.17 without its draft 2019-09 / 2020-12 features.
use super::profile::Profile;
use schemars::generate::SchemaSettings;
use serde_json::Value;

/// Where the repository publishes the schema; the example profiles' `#:schema` points here.
pub const PUBLISHED: &str = "schema/kmgen-profile.schema.json";

/// The profile's JSON Schema.
pub fn json_schema() -> serde_json::Value {
    let schema = SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<Profile>();
    let mut value = schema.to_value();
    drop_null(&mut value);
    value
}

/// TOML has no null: an absent key is how a profile leaves an `Option` out, so the `null`
/// schemars allows for an `Option` goes (from `type` lists, `enum` lists and `anyOf`).
fn drop_null(v: &mut Value) {
    let is_null = |s: &Value| s.get("type") == Some(&Value::from("null"));
    if let Some(obj) = v.as_object_mut() {
        if let Some(Value::Array(types)) = obj.get_mut("type") {
            types.retain(|t| t != "null");
            if let [one] = types.as_slice() {
                let one = one.clone();
                obj.insert("type".into(), one);
            }
        }
        if let Some(Value::Array(values)) = obj.get_mut("enum") {
            values.retain(|e| !e.is_null());
        }
        if obj.get("default").is_some_and(Value::is_null) {
            obj.remove("default");
        }
        if let Some(Value::Array(any)) = obj.get_mut("anyOf") {
            any.retain(|s| !is_null(s));
            if let [one] = any.as_slice() {
                let one = one.as_object().cloned().unwrap_or_default();
                obj.remove("anyOf");
                for (k, x) in one {
                    obj.entry(k).or_insert(x);
                }
            }
        }
        // Draft-07 ignores the keywords beside a `$ref`: keep the description beside an allOf.
        if obj.len() > 1 {
            if let Some(target) = obj.remove("$ref") {
                obj.insert("allOf".into(), serde_json::json!([{ "$ref": target }]));
            }
        }
    }
    match v {
        Value::Object(obj) => obj.values_mut().for_each(drop_null),
        Value::Array(items) => items.iter_mut().for_each(drop_null),
        _ => {}
    }
}

/// `kmgen schema`'s output: the schema, pretty-printed, with a final newline.
pub fn json_schema_text() -> String {
    let text = serde_json::to_string_pretty(&json_schema()).expect("a schema serializes");
    format!("{text}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(v: &Value, f: &mut dyn FnMut(&serde_json::Map<String, Value>)) {
        match v {
            Value::Object(obj) => {
                f(obj);
                obj.values().for_each(|x| walk(x, f));
            }
            Value::Array(items) => items.iter().for_each(|x| walk(x, f)),
            _ => {}
        }
    }

    /// Every table refuses unknown keys (the profile is `deny_unknown_fields`), every key is
    /// described, no secret has a default (the stock passwords stay out of the schema), and
    /// no `null` is left.
    #[test]
    fn closed_tables_no_secret_defaults_no_null() {
        let schema = json_schema();
        let mut tables = 0;
        walk(&schema, &mut |obj| {
            if let Some(Value::Object(props)) = obj.get("properties") {
                tables += 1;
                assert_eq!(obj.get("additionalProperties"), Some(&Value::Bool(false)));
                // Every key carries its `///` comment.
                for (key, p) in props {
                    assert!(p.get("description").is_some_and(Value::is_string), "{key}");
                }
            }
            let secret = serde_json::json!([{ "$ref": "#/definitions/Secret" }]);
            if obj.get("allOf") == Some(&secret) || obj.get("$ref") == Some(&secret[0]["$ref"]) {
                assert!(!obj.contains_key("default"), "{obj:?}");
            }
        });
        // The 16 tables of `schema.rs` and the two table forms of a secret.
        assert_eq!(tables, 18);
        assert!(!json_schema_text().contains("null"));
    }
}
