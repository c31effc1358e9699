//! The marker profiles of tests/it/secure_vault.rs: an example of `profiles/` with every
//! secret a unique marker, given as `{ file = ... }`, and the vault on.
use crate::support::repo;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The profile's secrets, by what they are: each a unique marker.
pub struct Markers {
    pub admin: String,
    pub keystore: String,
    pub truststore: String,
    /// `user_store.bind_password` of an external LDAP; `None`: the examples' own store.
    pub ldap_bind: Option<String>,
    /// `database.<am|um|reg>.password`, for the databases the profile has (with H2 the
    /// nodes keep the packs' stock `wso2carbon`).
    pub db: BTreeMap<&'static str, String>,
}

/// H2's stock password (the packs' master-datasources.xml), aliased like any other.
const H2_STOCK: &str = "wso2carbon";

impl Markers {
    pub fn new(tag: &str, admin_suffix: &str) -> Markers {
        let m = |what: &str| format!("Mk{tag}{what}Zq7");
        Markers {
            admin: format!("{}{admin_suffix}", m("adm")),
            ldap_bind: None,
            keystore: m("kst"),
            truststore: m("tst"),
            db: [("am", m("amdb")), ("um", m("umdb")), ("reg", m("regdb"))].into(),
        }
    }

    pub fn all(&self) -> Vec<&str> {
        let mut v = vec![self.admin.as_str(), &self.keystore, &self.truststore];
        v.extend(self.ldap_bind.as_deref());
        v.extend(self.db.values().map(String::as_str));
        v
    }

    /// The secret an alias must decrypt to.
    pub fn expected(&self, alias: &str) -> &str {
        let db = |name: &str| self.db.get(name).map_or(H2_STOCK, String::as_str);
        match alias {
            "UserManager.AdminUser.Password" => &self.admin,
            // An external LDAP's bind password; the embedded one binds with its stock
            // uid=admin,ou=system password.
            "UserStoreManager.Property.ConnectionPassword" => {
                self.ldap_bind.as_deref().unwrap_or("admin")
            }
            "Datasources.WSO2AM_DB.Configuration.Password" => db("am"),
            "Datasources.WSO2UM_DB.Configuration.Password" => db("um"),
            "Datasources.WSO2REG_DB.Configuration.Password" => db("reg"),
            a if a.contains("TrustStore") || a.contains("trustStore") => &self.truststore,
            a if a.contains("KeyStore") || a.contains("keyStore") => &self.keystore,
            "Server.Service.Connector.keystorePass" | "DataBridge.Config.keyStorePassword" => {
                &self.keystore
            }
            other => panic!("an alias this test does not know: {other}"),
        }
    }
}

/// `profiles/<example>` with every secret a marker (as `{ file = ... }`), the vault on, and
/// optionally PKCS12 stores.
pub fn vault_profile(dir: &Path, example: &str, m: &mut Markers, pkcs12: bool) {
    let text = fs::read_to_string(repo().join("profiles").join(example)).unwrap();
    vault_profile_text(dir, &text, m, pkcs12);
}

/// [`vault_profile`] on a profile's text (an example the caller has changed).
pub fn vault_profile_text(dir: &Path, text: &str, m: &mut Markers, pkcs12: bool) {
    let mut table = String::new();
    let mut out = String::new();
    let mut seen = BTreeSet::new();
    let secret_file = |name: &str, value: &str| {
        fs::create_dir_all(dir.join("secrets")).unwrap();
        fs::write(dir.join(format!("secrets/{name}.txt")), value).unwrap();
        format!("{{ file = \"secrets/{name}.txt\" }}")
    };
    let secret_of = |table: &str, key: &str| -> Option<(String, &str)> {
        Some(match (table, key) {
            ("admin", "password") => ("admin".into(), m.admin.as_str()),
            ("tls", "keystore_password") => ("keystore".into(), m.keystore.as_str()),
            ("tls", "truststore_password") => ("truststore".into(), m.truststore.as_str()),
            (t, "password") if t.starts_with("database.") => {
                let db = &t["database.".len()..];
                (format!("{db}-db"), m.db[db].as_str())
            }
            _ => return None,
        })
    };
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            let header = trimmed.split(']').next().unwrap_or("");
            table = header.trim_start_matches('[').to_string();
            seen.insert(table.clone());
            out.push_str(line);
            out.push('\n');
            if table == "tls" && pkcs12 {
                out.push_str("format = \"pkcs12\"\n");
            }
            continue;
        }
        let key = trimmed.split(['=', ' ']).next().unwrap_or("");
        if table == "tls" && key == "format" {
            continue;
        }
        if let (Some(bind), "user_store", "type") = (&m.ldap_bind, table.as_str(), key) {
            out.push_str(&format!(
                "type = \"ldap\"\nurl = \"ldaps://ldap.example.com:636\"\n\
                 bind_dn = \"uid=admin,ou=system\"\nbind_password = {}\n\
                 user_search_base = \"ou=Users,dc=example,dc=com\"\n\
                 group_search_base = \"ou=Groups,dc=example,dc=com\"\n",
                secret_file("ldap-bind", bind)
            ));
            continue;
        }
        match secret_of(&table, key) {
            Some((name, value)) => {
                out.push_str(&format!("{key} = {}\n", secret_file(&name, value)))
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    // Examples that keep the stock admin and store passwords get them as tables of their own.
    if !seen.contains("admin") {
        out.push_str(&format!(
            "[admin]\npassword = {}\n",
            secret_file("admin", &m.admin)
        ));
    }
    if !seen.contains("tls") {
        out.push_str(&format!(
            "[tls]\n{}keystore_password = {}\ntruststore_password = {}\n",
            if pkcs12 { "format = \"pkcs12\"\n" } else { "" },
            secret_file("keystore", &m.keystore),
            secret_file("truststore", &m.truststore)
        ));
    }
    out.push_str("[secure_vault]\nenabled = true\n");
    fs::write(dir.join("profile.toml"), &out).unwrap();
    // Databases the profile does not name are H2's.
    m.db.retain(|db, _| seen.contains(&format!("database.{db}")));
}
