//! `user-mgt.xml`: the primary user store of every node.
//!
//! One `<UserStoreManager>` for the whole deployment: API-M and IS-KM share WSO2UM_DB (JDBC)
//! or read one directory (LDAP), so a value that differs between the packs splits the users
//! (is-as-key-manager.md, Step 4 and Step 5 item 4 notes: "the same configuration" in both
//! products). Only the embedded LDAP's URL differs per node.
use super::stock::*;
use super::*;
use crate::model::{self, Deployment, LdapSchema, Node, Role, Secret};
use crate::plan::view::*;
use crate::topology::ports::{self, at};

// configuring-primary-user-stores.md, "Read-only mode" and the read-write sample: the two classes.
const READ_WRITE: &str = "org.wso2.carbon.user.core.ldap.ReadWriteLDAPUserStoreManager";
const READ_ONLY: &str = "org.wso2.carbon.user.core.ldap.ReadOnlyLDAPUserStoreManager";

pub(crate) fn user_store(d: &Deployment, n: &Node) -> UserStore {
    match &d.user_store {
        model::UserStore::Jdbc => UserStore {
            kind: "jdbc",
            embedded_ldap_enabled: false,
            ldap: None,
        },
        model::UserStore::EmbeddedLdap => {
            let km = first_km(d);
            let own = n.role == Role::KeyManager;
            // The IS-KM reaches its own LDAP locally; API-M nodes at 10389 + the IS-KM offset.
            // is-as-key-manager.md, Step 5 item 3: ldap://<IS host>:10389, plus the IS offset.
            let url = if own {
                STOCK_LDAP_URL.to_string()
            } else {
                format!("ldap://{}", km.host.authority(at(ports::LDAP, km)))
            };
            UserStore {
                kind: "embedded-ldap",
                // kmgen's choice: the ApacheDS runs only where it is the user store (see
                // docs/unsourced-rules.md).
                embedded_ldap_enabled: own,
                ldap: Some(embedded_ldap(url)),
            }
        }
        model::UserStore::Ldap(l) => UserStore {
            kind: "ldap",
            embedded_ldap_enabled: false,
            ldap: Some(external_ldap(l)),
        },
    }
}

/// The IS-KM's stock `ISUserStoreManager` (wso2/carbon-kernel@v4.4.35:
/// distribution/kernel/carbon-home/repository/conf/user-mgt.xml, enabled by
/// wso2/product-is@v5.7.0:modules/distribution/pom.xml l.230-246): its bind DN, bases and
/// `identityPerson` schema.
fn embedded_ldap(url: String) -> Ldap {
    let schema = LdapSchema {
        user_entry_object_class: "identityPerson".into(),
        user_name_attribute: "uid".into(),
        user_name_search_filter: "(&(objectClass=person)(uid=?))".into(),
        user_name_list_filter: "(objectClass=person)".into(),
        group_entry_object_class: "groupOfNames".into(),
        group_name_attribute: "cn".into(),
        group_name_search_filter: "(&(objectClass=groupOfNames)(cn=?))".into(),
        group_name_list_filter: "(objectClass=groupOfNames)".into(),
        membership_attribute: "member".into(),
    };
    ldap(
        false,
        url,
        "uid=admin,ou=system",
        &Secret::new("admin".into()),
        "ou=Users,dc=wso2,dc=org",
        "ou=Groups,dc=wso2,dc=org",
        schema,
    )
}

/// The operator's LDAP. Read-only: `ReadOnlyLDAPUserStoreManager` with `ReadOnly` true
/// (configuring-primary-user-stores.md, "Read-only mode" sample). `AddAdmin` stays true:
/// a read-only store never creates the admin user (the admin must exist, as
/// read-write-ldap-user-store.md Step 2 says), and with `AddAdmin` Carbon makes the admin
/// role an internal role in WSO2UM_DB when the directory has no such group, where `false`
/// would refuse the first start (carbon-kernel@v4.4.35 AbstractUserStoreManager.java
/// l.5781-5897, `addInitialAdminData`).
fn external_ldap(l: &model::ExternalLdap) -> Ldap {
    ldap(
        l.read_only,
        l.url.clone(),
        &l.bind_dn,
        &l.bind_password,
        &l.user_search_base,
        &l.group_search_base,
        l.schema.clone(),
    )
}

fn ldap(
    read_only: bool,
    connection_url: String,
    bind_dn: &str,
    bind_password: &Secret,
    user_search_base: &str,
    group_search_base: &str,
    schema: LdapSchema,
) -> Ldap {
    Ldap {
        class: if read_only { READ_ONLY } else { READ_WRITE },
        read_only,
        connection_url,
        connection_name: bind_dn.to_string(),
        connection_password: bind_password.clone(),
        user_search_base: user_search_base.to_string(),
        group_search_base: group_search_base.to_string(),
        schema,
    }
}
