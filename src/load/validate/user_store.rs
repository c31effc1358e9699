//! `[user_store]`: JDBC, the IS-KM's embedded LDAP, or an external LDAP with its settings.
use super::env::Env;
use super::secrets::secret;
use crate::diagnostic::Problems;
use crate::load::profile;
use crate::model::{ExternalLdap, Secret, UserStore, UserStoreType};

pub(super) fn check_user_store(u: &profile::UserStore, env: &Env, pr: &mut Problems) -> UserStore {
    match u.store_type {
        UserStoreType::Jdbc => {
            refuse_ldap_keys(u, pr);
            UserStore::Jdbc
        }
        UserStoreType::EmbeddedLdap => {
            refuse_ldap_keys(u, pr);
            UserStore::EmbeddedLdap
        }
        UserStoreType::Ldap => UserStore::Ldap(external_ldap(u, env, pr)),
    }
}

/// The LDAP settings mean nothing to the other user stores.
fn refuse_ldap_keys(u: &profile::UserStore, pr: &mut Problems) {
    let given = [
        ("url", u.url.is_some()),
        ("bind_dn", u.bind_dn.is_some()),
        ("bind_password", u.bind_password.is_some()),
        ("user_search_base", u.user_search_base.is_some()),
        ("group_search_base", u.group_search_base.is_some()),
    ];
    for (key, _) in given.iter().filter(|(_, set)| *set) {
        pr.push(
            format!("user_store.{key}"),
            "is only used with user_store.type = \"ldap\"",
            "remove it, or set user_store.type = \"ldap\"",
        );
    }
}

fn external_ldap(u: &profile::UserStore, env: &Env, pr: &mut Problems) -> ExternalLdap {
    let mut need = |v: &Option<String>, key: &str, example: &str| match v {
        Some(s) if !s.trim().is_empty() => s.clone(),
        _ => {
            pr.push(
                format!("user_store.{key}"),
                "is required with user_store.type = \"ldap\"",
                format!("set user_store.{key} = \"{example}\""),
            );
            String::new()
        }
    };
    let url = need(&u.url, "url", "ldap://ldap.example.com:389");
    let bind_dn = need(&u.bind_dn, "bind_dn", "uid=admin,ou=system");
    let user_search_base = need(
        &u.user_search_base,
        "user_search_base",
        "ou=Users,dc=example,dc=com",
    );
    let group_search_base = need(
        &u.group_search_base,
        "group_search_base",
        "ou=Groups,dc=example,dc=com",
    );
    let is_ldap_url = url.starts_with("ldap://") || url.starts_with("ldaps://");
    if !url.is_empty() && !is_ldap_url {
        pr.push(
            "user_store.url",
            format!("{} is not an LDAP URL", super::values::quoted(&url)),
            "use ldap://host:port or ldaps://host:port",
        );
    }
    let bind_password = match &u.bind_password {
        Some(s) => secret(s, "user_store.bind_password", 1, env, pr),
        None => {
            pr.push(
                "user_store.bind_password",
                "is required with user_store.type = \"ldap\"",
                "set user_store.bind_password = { env = \"LDAP_BIND_PASSWORD\" }",
            );
            Secret::new(String::new())
        }
    };
    ExternalLdap {
        url,
        bind_dn,
        bind_password,
        user_search_base,
        group_search_base,
    }
}
