//! `user-mgt.xml`: the primary user store of every node.
use super::stock::*;
use super::*;
use crate::model::{self, Deployment, Node, Role, Secret};
use crate::plan::view::*;
use crate::topology::ports::{self, at};

pub(crate) fn user_store(d: &Deployment, n: &Node) -> UserStore {
    let none = UserStore {
        kind: "jdbc",
        ldap: false,
        embedded_ldap_enabled: false,
        connection_url: None,
        connection_name: None,
        connection_password: None,
        user_search_base: None,
        group_search_base: None,
    };
    match &d.user_store {
        model::UserStore::Jdbc => none,
        model::UserStore::EmbeddedLdap => {
            let km = first_km(d);
            let own = n.role == Role::KeyManager;
            UserStore {
                kind: "embedded-ldap",
                ldap: true,
                embedded_ldap_enabled: own,
                // The IS-KM reaches its own LDAP locally; API-M nodes at 10389 + the IS-KM offset.
                connection_url: Some(if own {
                    STOCK_LDAP_URL.to_string()
                } else {
                    format!("ldap://{}", km.host.authority(at(ports::LDAP, km)))
                }),
                connection_name: Some("uid=admin,ou=system".into()),
                connection_password: Some(Secret::new("admin".into())),
                user_search_base: Some("ou=Users,dc=wso2,dc=org".into()),
                group_search_base: Some("ou=Groups,dc=wso2,dc=org".into()),
            }
        }
        model::UserStore::Ldap(l) => UserStore {
            kind: "ldap",
            ldap: true,
            embedded_ldap_enabled: false,
            connection_url: Some(l.url.clone()),
            connection_name: Some(l.bind_dn.clone()),
            connection_password: Some(l.bind_password.clone()),
            user_search_base: Some(l.user_search_base.clone()),
            group_search_base: Some(l.group_search_base.clone()),
        },
    }
}
