//! `[user_store]`: JDBC, the IS-KM's embedded LDAP, or an external LDAP with its settings.
use super::env::Env;
use super::secrets::secret;
use crate::diagnostic::Problems;
use crate::load::profile;
use crate::model::{Deployment, ExternalLdap, LdapSchema, Secret, UserStore, UserStoreType};

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
        UserStoreType::Ldap => UserStore::Ldap(Box::new(external_ldap(u, env, pr))),
    }
}

/// What an external LDAP needs outside kmgen's reach.
pub(super) fn warnings(d: &Deployment) -> Vec<String> {
    let UserStore::Ldap(l) = &d.user_store else {
        return Vec::new();
    };
    let mut w = Vec::new();
    // configuring-primary-user-stores.md (note before "Configuring an external LDAP or Active
    // Directory user store"): with ldaps, the server's certificate must be in the product's
    // client-truststore; Carbon sets it as the JVM trust store, which the JNDI LDAP client
    // uses (wso2/carbon-kernel@v4.4.35 CarbonServerManager.java l.450-452).
    if l.is_ldaps() && d.tls.extra_trusted.is_empty() {
        w.push(format!(
            "user_store.url `{}` uses ldaps but tls.extra_trusted is empty: every node's \
             client-truststore must hold the CA that signed the LDAP server's certificate; \
             add its PEM file to tls.extra_trusted (unless a public CA that tls.public_roots \
             brings signed it)",
            l.url
        ));
    }
    // read-write-ldap-user-store.md Step 2: a read-only store cannot create the admin user;
    // Carbon refuses to start without it (carbon-kernel@v4.4.35 AbstractUserStoreManager
    // .addInitialAdminData: "Admin user can not be created in primary user store").
    if l.read_only {
        w.push(format!(
            "user_store.read_only = true: the user `{}` (admin.username) must already exist under \
             user_search_base with admin.password as its password: kmgen's nodes never write to \
             a read-only LDAP, and Carbon refuses to start without its admin user",
            d.admin.username
        ));
    }
    w
}

/// The LDAP settings mean nothing to the other user stores (the embedded LDAP keeps the
/// IS-KM's stock schema: `identityPerson`, `groupOfNames`, `uid`).
fn refuse_ldap_keys(u: &profile::UserStore, pr: &mut Problems) {
    let given = [
        ("url", u.url.is_some()),
        ("bind_dn", u.bind_dn.is_some()),
        ("bind_password", u.bind_password.is_some()),
        ("user_search_base", u.user_search_base.is_some()),
        ("group_search_base", u.group_search_base.is_some()),
        ("read_only", u.read_only.is_some()),
        (
            "user_entry_object_class",
            u.user_entry_object_class.is_some(),
        ),
        (
            "group_entry_object_class",
            u.group_entry_object_class.is_some(),
        ),
        ("user_name_attribute", u.user_name_attribute.is_some()),
        (
            "user_name_search_filter",
            u.user_name_search_filter.is_some(),
        ),
        ("user_name_list_filter", u.user_name_list_filter.is_some()),
        ("group_name_attribute", u.group_name_attribute.is_some()),
        ("membership_attribute", u.membership_attribute.is_some()),
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
        read_only: u.read_only.unwrap_or(false),
        user_search_base,
        group_search_base,
        schema: schema(u, pr),
    }
}

/// A generic directory's schema by default: `inetOrgPerson` users named by `uid` and
/// `groupOfNames` groups named by `cn` with `member` DNs. Neither WSO2 class (`identityPerson`
/// of the IS-KM's embedded LDAP, `wso2Person` of read-write-ldap-user-store.md's sample) is
/// in a stock OpenLDAP, 389 DS or AD schema (kmgen's default: docs/unsourced-rules.md). The
/// filters follow the classes and attributes unless given, since the docs want `UserNameAttribute` and
/// `UserNameSearchFilter` to name the same attribute (configuring-primary-user-stores.md,
/// Read-only mode step 4).
fn schema(u: &profile::UserStore, pr: &mut Problems) -> LdapSchema {
    let user_class = object_class(
        &u.user_entry_object_class,
        "user_entry_object_class",
        "inetOrgPerson",
        pr,
    );
    let group_class = object_class(
        &u.group_entry_object_class,
        "group_entry_object_class",
        "groupOfNames",
        pr,
    );
    let user_attr = attribute(&u.user_name_attribute, "user_name_attribute", "uid", pr);
    let search = filter(
        &u.user_name_search_filter,
        "user_name_search_filter",
        true,
        pr,
    );
    let list = filter(&u.user_name_list_filter, "user_name_list_filter", false, pr);
    let group_attr = attribute(&u.group_name_attribute, "group_name_attribute", "cn", pr);
    let membership = attribute(
        &u.membership_attribute,
        "membership_attribute",
        "member",
        pr,
    );
    let (user_search, user_list) = filters(&user_class, &user_attr);
    let (group_search, group_list) = filters(&group_class, &group_attr);
    LdapSchema {
        user_name_search_filter: search.unwrap_or(user_search),
        user_name_list_filter: list.unwrap_or(user_list),
        user_entry_object_class: user_class,
        user_name_attribute: user_attr,
        group_entry_object_class: group_class,
        group_name_attribute: group_attr,
        group_name_search_filter: group_search,
        group_name_list_filter: group_list,
        membership_attribute: membership,
    }
}

/// The search filter (`?` is the name: carbon-kernel@v4.4.35
/// ReadOnlyLDAPUserStoreManager.java l.580) and the list filter of entries of `class` named
/// by `attr`; of a hierarchy `a/b/c` (ReadWriteLDAPUserStoreManager.java l.379-386 writes
/// each class), the last.
fn filters(class: &str, attr: &str) -> (String, String) {
    let class = class.rsplit('/').next().unwrap_or(class);
    (
        format!("(&(objectClass={class})({attr}=?))"),
        format!("(objectClass={class})"),
    )
}

/// An LDAP attribute name (RFC 4512 `descr`: a letter, then letters, digits and `-`).
fn is_descr(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphabetic()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

fn attribute(v: &Option<String>, key: &str, default: &str, pr: &mut Problems) -> String {
    let Some(v) = v else {
        return default.to_string();
    };
    if !is_descr(v) {
        pr.push(
            format!("user_store.{key}"),
            format!("`{v}` is not an LDAP attribute name"),
            format!("use letters, digits and `-`, starting with a letter, e.g. \"{default}\""),
        );
    }
    v.clone()
}

fn object_class(v: &Option<String>, key: &str, default: &str, pr: &mut Problems) -> String {
    let Some(v) = v else {
        return default.to_string();
    };
    if !v.split('/').all(is_descr) {
        pr.push(
            format!("user_store.{key}"),
            format!("`{v}` is not an LDAP object class (or a `/`-separated hierarchy of them)"),
            format!("use an object class name, e.g. \"{default}\""),
        );
    }
    v.clone()
}

/// A given filter: one parenthesized, balanced LDAP filter; a search filter also holds the
/// `?` that the user name replaces.
fn filter(v: &Option<String>, key: &str, search: bool, pr: &mut Problems) -> Option<String> {
    let v = v.as_ref()?;
    let mut depth = 0i32;
    let balanced = v.chars().all(|c| {
        depth += match c {
            '(' => 1,
            ')' => -1,
            _ => 0,
        };
        depth >= 0
    }) && depth == 0;
    let example = if search {
        "(&(objectClass=inetOrgPerson)(uid=?))"
    } else {
        "(objectClass=inetOrgPerson)"
    };
    if !(v.starts_with('(') && v.ends_with(')') && balanced) {
        pr.push(
            format!("user_store.{key}"),
            format!("`{v}` is not a parenthesized LDAP filter"),
            format!("write it as an LDAP filter, e.g. \"{example}\""),
        );
    } else if search && !v.contains('?') {
        pr.push(
            format!("user_store.{key}"),
            format!("`{v}` has no `?`: the nodes put the user name in its place"),
            format!("match the name with `?`, e.g. \"{example}\""),
        );
    }
    Some(v.clone())
}
