//! The primary user store (`[user_store]`): one `<UserStoreManager>` for API-M and IS-KM,
//! an external LDAP's schema and read-only mode, and the warnings `check` prints for it.
use crate::support::render::{plan_of, rendered, rendered_xml};
use crate::support::xml::{attrs, text, texts, Element};
use crate::support::{repo, Kmgen, Scratch};

const USER_MGT: &str = "repository/conf/user-mgt.xml";
const USM: &str = "UserManager/Realm/UserStoreManager";

/// A single-node deployment (`km` and `apim`) with `user_store` as its `[user_store]` table.
fn single(user_store: &str) -> String {
    format!(
        r#"
[deployment]
name = "acme"
pattern = "hybrid-single-node"
[database]
type = "mysql"
host = "db.example.com"
[database.am]
username = "am"
password = "am-secret"
[database.um]
username = "um"
password = "um-secret"
[database.reg]
username = "reg"
password = "reg-secret"
[user_store]
{user_store}
[[node]]
name = "km"
role = "key-manager"
host = "km.example.com"
port_offset = 1
[[node]]
name = "apim"
role = "all-in-one"
host = "apim.example.com"
"#
    )
}

const LDAP: &str = r#"type = "ldap"
url = "ldap://ldap.example.com:389"
bind_dn = "cn=wso2,ou=services,dc=example,dc=com"
bind_password = "bind-secret"
user_search_base = "ou=People,dc=example,dc=com"
group_search_base = "ou=Groups,dc=example,dc=com"
"#;

/// The `<UserStoreManager ...>...</UserStoreManager>` text of a rendered `user-mgt.xml`.
fn user_store_manager(xml: &str) -> &str {
    let start = xml.find("<UserStoreManager ").expect("a UserStoreManager");
    let end = xml.find("</UserStoreManager>").expect("its end") + "</UserStoreManager>".len();
    &xml[start..end]
}

fn property(um: &Element, name: &str) -> Vec<String> {
    texts(um, &format!("{USM}/Property[@name={name}]"))
}

/// API-M and IS-KM share WSO2UM_DB or read one directory: their primary user stores must
/// be the same, byte for byte (audit B section 2: `CaseInsensitiveUsername` switches the
/// SQL, so the stock IS-KM `false` beside API-M's `true` splits the users). The embedded
/// LDAP differs only in where each node reaches it.
#[test]
fn both_packs_write_the_same_user_store() {
    let read_only = format!("{LDAP}read_only = true\n");
    for (store, only_url_differs) in [
        ("type = \"jdbc\"\n", false),
        ("type = \"embedded-ldap\"\n", true),
        (LDAP, false),
        (read_only.as_str(), false),
    ] {
        let p = plan_of(&single(store));
        let km = rendered(&p, "km", USER_MGT);
        let apim = rendered(&p, "apim", USER_MGT);
        let (km, apim) = (user_store_manager(&km), user_store_manager(&apim));
        if only_url_differs {
            let url = |s: &str| {
                s.lines()
                    .filter(|l| !l.contains(r#"name="ConnectionURL""#))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            assert_ne!(
                km, apim,
                "{store}: the API-M node reaches the IS-KM's LDAP remotely"
            );
            assert_eq!(url(km), url(apim), "{store}");
        } else {
            assert_eq!(km, apim, "{store}");
        }
    }
}

/// The JDBC store takes API-M's values on both packs (kernel user-mgt.xml, the API-M docs'
/// JDBC sample in configuring-primary-user-stores.md).
#[test]
fn jdbc_store_is_case_insensitive_with_bulk_import_on_both_packs() {
    let p = plan_of(&single("type = \"jdbc\"\n"));
    for node in ["km", "apim"] {
        let um = rendered_xml(&p, node, USER_MGT);
        assert_eq!(property(&um, "CaseInsensitiveUsername"), ["true"], "{node}");
        assert_eq!(property(&um, "IsBulkImportSupported"), ["true"], "{node}");
    }
}

/// An external LDAP gets a generic directory's schema, not WSO2's `identityPerson`, with
/// filters that follow the class and the naming attribute.
#[test]
fn external_ldap_defaults_to_inet_org_person() {
    let p = plan_of(&single(LDAP));
    for node in ["km", "apim"] {
        let um = rendered_xml(&p, node, USER_MGT);
        let expect = [
            ("UserEntryObjectClass", "inetOrgPerson"),
            ("UserNameAttribute", "uid"),
            (
                "UserNameSearchFilter",
                "(&(objectClass=inetOrgPerson)(uid=?))",
            ),
            ("UserNameListFilter", "(objectClass=inetOrgPerson)"),
            ("GroupEntryObjectClass", "groupOfNames"),
            ("GroupNameAttribute", "cn"),
            (
                "GroupNameSearchFilter",
                "(&(objectClass=groupOfNames)(cn=?))",
            ),
            ("GroupNameListFilter", "(objectClass=groupOfNames)"),
            ("MembershipAttribute", "member"),
            ("WriteGroups", "true"),
        ];
        for (name, value) in expect {
            assert_eq!(property(&um, name), [value], "{node} {name}");
        }
        assert_eq!(
            attrs(&um, USM, "class"),
            ["org.wso2.carbon.user.core.ldap.ReadWriteLDAPUserStoreManager"]
        );
        assert!(property(&um, "ReadOnly").is_empty(), "{node}");
    }
}

/// Every schema key is written as given, and the filters follow the given class (the last
/// of a hierarchy) and attributes unless they are given too.
#[test]
fn external_ldap_schema_keys() {
    let p = plan_of(&single(&format!(
        "{LDAP}user_entry_object_class = \"top/person/organizationalPerson/inetOrgPerson\"\n\
         group_entry_object_class = \"groupOfUniqueNames\"\n\
         user_name_attribute = \"cn\"\n\
         group_name_attribute = \"ou\"\n\
         membership_attribute = \"uniqueMember\"\n"
    )));
    let um = rendered_xml(&p, "apim", USER_MGT);
    for (name, value) in [
        (
            "UserEntryObjectClass",
            "top/person/organizationalPerson/inetOrgPerson",
        ),
        ("UserNameAttribute", "cn"),
        (
            "UserNameSearchFilter",
            "(&(objectClass=inetOrgPerson)(cn=?))",
        ),
        ("UserNameListFilter", "(objectClass=inetOrgPerson)"),
        ("GroupEntryObjectClass", "groupOfUniqueNames"),
        ("GroupNameAttribute", "ou"),
        (
            "GroupNameSearchFilter",
            "(&(objectClass=groupOfUniqueNames)(ou=?))",
        ),
        ("GroupNameListFilter", "(objectClass=groupOfUniqueNames)"),
        ("MembershipAttribute", "uniqueMember"),
    ] {
        assert_eq!(property(&um, name), [value], "{name}");
    }
    let p = plan_of(&single(&format!(
        "{LDAP}user_name_search_filter = \"(&(objectClass=person)(mail=?))\"\n\
         user_name_list_filter = \"(&(objectClass=person)(mail=*))\"\n"
    )));
    let um = rendered_xml(&p, "km", USER_MGT);
    assert_eq!(
        property(&um, "UserNameSearchFilter"),
        ["(&(objectClass=person)(mail=?))"]
    );
    assert_eq!(
        property(&um, "UserNameListFilter"),
        ["(&(objectClass=person)(mail=*))"]
    );
}

/// The embedded LDAP is the IS-KM's own ApacheDS: it keeps WSO2's schema.
#[test]
fn embedded_ldap_keeps_identity_person() {
    let p = plan_of(&single("type = \"embedded-ldap\"\n"));
    for node in ["km", "apim"] {
        let um = rendered_xml(&p, node, USER_MGT);
        assert_eq!(property(&um, "UserEntryObjectClass"), ["identityPerson"]);
        assert_eq!(
            property(&um, "UserNameSearchFilter"),
            ["(&(objectClass=person)(uid=?))"]
        );
    }
}

/// `read_only = true`: ReadOnlyLDAPUserStoreManager with `ReadOnly` true, as the docs' read-
/// only sample (configuring-primary-user-stores.md, "Read-only mode"), and without the
/// properties only writing reads (`WriteGroups`, the entry object classes).
#[test]
fn read_only_ldap() {
    let p = plan_of(&single(&format!("{LDAP}read_only = true\n")));
    for node in ["km", "apim"] {
        let um = rendered_xml(&p, node, USER_MGT);
        assert_eq!(
            attrs(&um, USM, "class"),
            ["org.wso2.carbon.user.core.ldap.ReadOnlyLDAPUserStoreManager"],
            "{node}"
        );
        assert_eq!(property(&um, "ReadOnly"), ["true"], "{node}");
        for absent in [
            "WriteGroups",
            "UserEntryObjectClass",
            "GroupEntryObjectClass",
        ] {
            assert!(property(&um, absent).is_empty(), "{node} {absent}");
        }
        assert_eq!(property(&um, "ReadGroups"), ["true"], "{node}");
        // A read-only store never creates the admin user; with AddAdmin, Carbon makes the
        // admin role an internal one in WSO2UM_DB when the directory has no such group
        // (carbon-kernel@v4.4.35 AbstractUserStoreManager.addInitialAdminData).
        assert_eq!(
            text(&um, "UserManager/Realm/Configuration/AddAdmin"),
            "true",
            "{node}"
        );
    }
}

/// `check` (and `build`) warn about what kmgen cannot do for an external LDAP: the ldaps
/// server's CA (configuring-primary-user-stores.md: its certificate goes into
/// client-truststore) and, read-only, an admin user that must already exist.
#[test]
fn external_ldap_warnings() {
    let dir = Scratch::new("user-store");
    let ca = std::fs::read_to_string(
        repo().join("tests/cases/golden/db_postgresql_ldap/expected/pki/certs/km.crt.pem"),
    )
    .unwrap();
    dir.write("ldap-ca.pem", &ca);
    let ldaps = LDAP.replace(
        "ldap://ldap.example.com:389",
        "ldaps://ldap.example.com:636",
    );
    let check = |toml: &str| {
        dir.write("profile.toml", toml);
        Kmgen::new()
            .current_dir(&dir)
            .args(["check", "profile.toml"])
            .run()
            .success()
            .stderr
    };
    let ca_warning = "warning: user_store.url `ldaps://ldap.example.com:636` uses ldaps but \
                      tls.extra_trusted is empty: every node's client-truststore must hold \
                      the CA that signed the LDAP server's certificate; add its PEM file to \
                      tls.extra_trusted";
    let read_only_warning = "warning: user_store.read_only = true: the user `admin` \
                             (admin.username) must already exist";

    let stderr = check(&single(&ldaps));
    assert!(stderr.contains(ca_warning), "{stderr}");
    assert!(!stderr.contains(read_only_warning), "{stderr}");

    let trusted = single(&ldaps).replace(
        "[user_store]",
        "[tls]\nextra_trusted = [\"ldap-ca.pem\"]\n[user_store]",
    );
    let stderr = check(&trusted);
    assert!(!stderr.contains("uses ldaps"), "{stderr}");

    let stderr = check(&single(&format!("{LDAP}read_only = true\n")));
    assert!(
        !stderr.contains("uses ldaps"),
        "ldap:// needs no CA: {stderr}"
    );
    assert!(stderr.contains(read_only_warning), "{stderr}");
}
