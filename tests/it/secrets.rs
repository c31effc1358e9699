//! Secrets never leak: not on stdout or stderr of any command (success or failure), not in
//! the bundle's manifest or README, not in `Debug` output; they do reach the config files.
use std::fs;

use crate::support::cli::Output;
use crate::support::{tree, Kmgen, Scratch};

/// Every secret of the profile: unique, random-looking, XML-neutral (so they appear verbatim
/// in the rendered files).
const ADMIN: &str = "Qm7vT2xK9pLw4Rz";
const KEYSTORE: &str = "kS3-Vy8nHq2Wd6Mb";
const TRUSTSTORE: &str = "tR5_Jc9fLx1Pe4Gu";
const AM_DB: &str = "Hx8nB3wQ5sYe1JcA";
const UM_DB: &str = "uM2-Zr6kTf9Nb3Hq";
const REG_DB: &str = "Pz4kR9tG2mVa6NdE";
const LDAP_BIND: &str = "Lw5cF8jD3hXq7UbY";

const KS_VAR: &str = "KMGEN_IT_SECRET_KEYSTORE";

fn all_secrets(ldap: bool) -> Vec<&'static str> {
    let mut s = vec![ADMIN, KEYSTORE, TRUSTSTORE, AM_DB, UM_DB, REG_DB];
    if ldap {
        s.push(LDAP_BIND);
    }
    s
}

/// The profile: secrets as literals, `{ env }` and `{ file }`. `broken` adds problems on
/// the lines next to the secrets, so that every source excerpt of the report would show
/// them if they were not masked.
fn profile(ldap: bool, broken: bool) -> String {
    let bad = |line: &str| {
        if broken {
            format!("{line}\n")
        } else {
            String::new()
        }
    };
    let user_store = if ldap {
        format!(
            r#"[user_store]
type = "ldap"
url = "ldaps://ldap.example.com:636"
bind_dn = "uid=admin,ou=system"
bind_password = "{LDAP_BIND}"
user_search_base = "ou=Users,dc=example,dc=com"
group_search_base = "ou=Groups,dc=example,dc=com"
"#
        )
    } else {
        "[user_store]\ntype = \"jdbc\"\n".to_string()
    };
    format!(
        r#"[deployment]
name = "leak-test"
pattern = "hybrid-single-node"

[admin]
{admin_user}password = "{ADMIN}"

[tls]
keystore_password = {{ env = "{KS_VAR}" }}
{key_bits}truststore_password = {{ file = "secrets/truststore.txt" }}

[database]
type = "mysql"
host = "db.example.com"

[database.am]
username = "apim_am"
{am_name}password = "{AM_DB}"

[database.um]
username = "apim_um"
password = {{ file = "secrets/um-db.txt" }}

[database.reg]
username = "apim_reg"
password = "{REG_DB}"

{user_store}
[[node]]
name = "km"
role = "key-manager"
host = "km.example.com"

[[node]]
name = "apim"
role = "all-in-one"
host = "apim.example.com"
"#,
        admin_user = if broken {
            "username = \"\"\n"
        } else {
            "username = \"admin\"\n"
        },
        key_bits = bad("key_bits = 1024"),
        am_name = bad("name = \"not a name!\""),
    )
    // With ldap, a bad LDAP URL and an empty bind DN, just above the bind password.
    .replace(
        "url = \"ldaps://ldap.example.com:636\"",
        if broken {
            "url = \"ldap.example.com\""
        } else {
            "url = \"ldaps://ldap.example.com:636\""
        },
    )
    .replace(
        "bind_dn = \"uid=admin,ou=system\"",
        if broken {
            "bind_dn = \" \""
        } else {
            "bind_dn = \"uid=admin,ou=system\""
        },
    )
}

fn setup(ldap: bool, broken: bool) -> Scratch {
    let dir = Scratch::new("secrets");
    dir.write("profile.toml", &profile(ldap, broken));
    dir.write("secrets/truststore.txt", &format!("{TRUSTSTORE}\n"));
    dir.write("secrets/um-db.txt", UM_DB);
    dir
}

fn assert_no_secret(what: &str, text: &str, ldap: bool) {
    for s in all_secrets(ldap) {
        assert!(!text.contains(s), "{what} shows the secret {s}:\n{text}");
    }
}

fn run(dir: &Scratch, args: &[&str]) -> Output {
    Kmgen::new()
        .current_dir(dir)
        .args(args)
        .env(KS_VAR, KEYSTORE)
        .run()
}

fn commands_never_show_secrets(ldap: bool) {
    let dir = setup(ldap, false);
    for args in [
        &["check", "profile.toml"][..],
        &["plan", "profile.toml", "--format", "human"][..],
        &["plan", "profile.toml", "--format", "json"][..],
        &["build", "profile.toml", "-o", "out", "-v"][..],
    ] {
        let r = run(&dir, args).success();
        assert!(!r.stdout.is_empty(), "{args:?} printed nothing");
        assert_no_secret(&format!("{args:?}"), &r.all(), ldap);
    }
    let bundle = dir.join("out/leak-test");
    for file in ["manifest.json", "README.md"] {
        let text = fs::read_to_string(bundle.join(file)).unwrap();
        assert_no_secret(file, &text, ldap);
    }
    // ... but the nodes get them, where the products read them.
    let read = |node: &str, file: &str| {
        fs::read_to_string(bundle.join(format!("nodes/{node}/repository/conf/{file}"))).unwrap()
    };
    for node in ["km", "apim"] {
        let carbon = read(node, "carbon.xml");
        assert!(
            carbon.contains(&format!("<Password>{KEYSTORE}</Password>")),
            "{node}: keystore password in carbon.xml"
        );
        assert!(
            carbon.contains(&format!("<Password>{TRUSTSTORE}</Password>")),
            "{node}: truststore password in carbon.xml"
        );
        let user_mgt = read(node, "user-mgt.xml");
        assert!(
            user_mgt.contains(ADMIN),
            "{node}: admin password in user-mgt.xml"
        );
        if ldap {
            assert!(
                user_mgt.contains(LDAP_BIND),
                "{node}: bind password in user-mgt.xml"
            );
        }
        let datasources = read(node, "datasources/master-datasources.xml");
        for s in [AM_DB, UM_DB, REG_DB] {
            assert!(
                datasources.contains(s),
                "{node}: {s} in master-datasources.xml"
            );
        }
    }
    // The database script creates the users with their passwords (and only those); it is
    // private to its owner.
    let script = "databases/mysql/create-databases.sql";
    let sql = fs::read_to_string(bundle.join(script)).unwrap();
    for s in [AM_DB, UM_DB, REG_DB] {
        assert!(sql.contains(s), "{s} in {script}");
    }
    let others: Vec<&str> = all_secrets(ldap)
        .into_iter()
        .filter(|s| ![AM_DB, UM_DB, REG_DB].contains(s))
        .collect();
    for s in &others {
        assert!(
            !sql.contains(s),
            "{script} holds a secret that is not a database password"
        );
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(bundle.join(script))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "{script}");
    // Nothing else outside the nodes' own files holds a secret in clear text.
    for (path, bytes) in tree(&bundle) {
        if !path.starts_with("nodes/") && path != script {
            assert_no_secret(&path, &String::from_utf8_lossy(&bytes), ldap);
        }
    }
    // Every file that holds a secret is 0600, and the manifest says it is private.
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(bundle.join("manifest.json")).unwrap()).unwrap();
    let private: std::collections::BTreeMap<String, bool> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap().to_string();
            (path, f["private"].as_bool().unwrap())
        })
        .collect();
    let mut holding = 0;
    for (path, bytes) in tree(&bundle) {
        let text = String::from_utf8_lossy(&bytes);
        if all_secrets(ldap).iter().any(|s| text.contains(s)) {
            holding += 1;
            let mode = fs::metadata(bundle.join(&path))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{path} holds a secret");
            assert_eq!(private.get(&path), Some(&true), "{path}: manifest private");
        }
    }
    assert!(holding >= 10, "only {holding} files hold a secret");
}

#[test]
fn check_plan_and_build_never_show_secrets() {
    commands_never_show_secrets(false);
}

#[test]
fn check_plan_and_build_never_show_secrets_with_ldap() {
    commands_never_show_secrets(true);
}

#[test]
fn validation_errors_next_to_secrets_do_not_show_them() {
    for ldap in [false, true] {
        let dir = setup(ldap, true);
        for args in [
            &["check", "profile.toml"][..],
            &["plan", "profile.toml", "--format", "json"][..],
            &["build", "profile.toml", "-o", "out", "-v"][..],
        ] {
            let r = run(&dir, args).failure(1).stdout_is("");
            // The report does show the lines around the problems, secrets masked.
            assert!(
                r.stderr.contains("admin.username: is empty"),
                "{}",
                r.stderr
            );
            assert!(r.stderr.contains("tls.key_bits"), "{}", r.stderr);
            assert!(r.stderr.contains("database.am.name"), "{}", r.stderr);
            assert!(r.stderr.contains("password = \"****"), "{}", r.stderr);
            if ldap {
                assert!(r.stderr.contains("user_store.url"), "{}", r.stderr);
                assert!(r.stderr.contains("user_store.bind_dn"), "{}", r.stderr);
                assert!(r.stderr.contains("bind_password = \"****"), "{}", r.stderr);
            }
            assert_no_secret(&format!("{args:?}"), &r.all(), ldap);
        }
        assert!(!dir.join("out").exists());
    }
}

#[test]
fn missing_env_secret_does_not_show_the_others() {
    let dir = setup(true, false);
    let r = Kmgen::new()
        .current_dir(&dir)
        .args(["build", "profile.toml", "-o", "out"])
        .run()
        .failure(1)
        .stdout_is("");
    assert!(
        r.stderr.contains(&format!(
            "tls.keystore_password: environment variable `{KS_VAR}` is not set"
        )),
        "{}",
        r.stderr
    );
    assert_no_secret("missing env secret", &r.all(), true);
    assert!(!dir.join("out").exists());
}

#[test]
fn parse_errors_next_to_secrets_do_not_show_them() {
    let base = profile(true, false);
    let variants = [
        // An unknown key right after the admin password.
        base.replace(
            &format!("password = \"{ADMIN}\"\n"),
            &format!("password = \"{ADMIN}\"\npassword_hint = \"x\"\n"),
        ),
        // A secret of the wrong type, echoed by serde unless masked.
        base.replace(&format!("\"{REG_DB}\""), "31337420"),
        // A misspelt secret key: the value is still masked.
        base.replace(
            &format!("bind_password = \"{LDAP_BIND}\""),
            &format!("bind_passwd = \"{LDAP_BIND}\""),
        ),
        // Not TOML at all: an unterminated string just after two secrets.
        base.replace(
            &format!("password = \"{AM_DB}\"\n"),
            &format!("password = \"{AM_DB}\"\nname = \"apimgtdb\n"),
        ),
        // A syntax error inside a secret.
        base.replace(&format!("\"{REG_DB}\""), &format!("\"{REG_DB}")),
    ];
    for (i, text) in variants.iter().enumerate() {
        assert_ne!(text, &base, "variant {i} changed nothing");
        let dir = setup(true, false);
        dir.write("profile.toml", text);
        let r = run(&dir, &["check", "profile.toml"]).failure(1);
        assert!(
            r.stderr.contains("╭─[profile.toml:"),
            "variant {i}: no excerpt\n{}",
            r.stderr
        );
        assert_no_secret(&format!("variant {i}"), &r.all(), true);
        assert!(!r.stderr.contains("31337420"), "variant {i}: {}", r.stderr);
    }
}

#[test]
fn secret_debug_is_redacted() {
    use kmgen::load::profile::Secret as ProfileSecret;
    use kmgen::model::Secret as ModelSecret;
    let literal = ProfileSecret::literal(ADMIN);
    assert_eq!(format!("{literal:?}"), "Secret(<redacted>)");
    assert!(!format!("{literal:#?}").contains(ADMIN));
    let resolved = ModelSecret::new(KEYSTORE.to_string());
    assert_eq!(format!("{resolved:?}"), "Secret(<redacted>)");
    assert_eq!(format!("{resolved}"), "<redacted>");
    assert_eq!(resolved.expose(), KEYSTORE);

    // And through the whole profile and the validated model.
    let text = profile(true, false);
    let parsed: kmgen::load::profile::Profile = toml::from_str(&text).unwrap();
    let dir = setup(true, false);
    let var = |name: &str| (name == KS_VAR).then(|| KEYSTORE.to_string());
    let env = kmgen::load::validate::Env {
        base_dir: &dir,
        var: &var,
    };
    let model = kmgen::load::validate::validate(&parsed, &env).expect("valid profile");
    assert_no_secret("Debug of Profile", &format!("{parsed:?}"), true);
    assert_no_secret("Debug of Deployment", &format!("{model:#?}"), true);
    let plan = kmgen::plan::plan(&model);
    assert_eq!(model.tls.keystore_password.expose(), KEYSTORE);
    assert_eq!(model.tls.truststore_password.expose(), TRUSTSTORE);
    assert_eq!(plan.nodes.len(), 2);
}

/// The plan, down to each node's template view, is redacted in `Debug` too: every password
/// the view holds is a `Secret`. Serializing the view (for Tera) writes them in the clear.
#[test]
fn plan_debug_is_redacted() {
    let dir = setup(true, false);
    let parsed: kmgen::load::profile::Profile = toml::from_str(&profile(true, false)).unwrap();
    let var = |name: &str| (name == KS_VAR).then(|| KEYSTORE.to_string());
    let env = kmgen::load::validate::Env {
        base_dir: dir.path(),
        var: &var,
    };
    let model = kmgen::load::validate::validate(&parsed, &env).expect("valid profile");
    let plan = kmgen::plan::plan(&model);
    assert_no_secret("Debug of Plan", &format!("{plan:?}"), true);
    assert_no_secret("pretty Debug of Plan", &format!("{plan:#?}"), true);
    let views: String = plan
        .nodes
        .iter()
        .map(|n| serde_json::to_string(&n.view).unwrap())
        .collect();
    for s in all_secrets(true) {
        assert!(views.contains(s), "the template views lack {s}");
    }
}

/// Quotes at the edges of a secret are part of it: the excerpt masks everything between the
/// string's delimiters, whatever the string kind, and nothing else.
#[test]
fn masking_keeps_only_the_delimiters() {
    let src = concat!(
        "[admin]\n",
        "password = \"ab\\\"c'\"\n",
        "[tls]\n",
        "keystore_password = '''x\"y''''\n",
        "truststore_password = \"'q'\"\n",
        "key_alias = \"a'b\"\n",
    );
    let want = concat!(
        "[admin]\n",
        "password = \"******\"\n",
        "[tls]\n",
        "keystore_password = '''****'''\n",
        "truststore_password = \"***\"\n",
        "key_alias = \"a'b\"\n",
    );
    // (`'''x"y''''` is TOML for the literal `x"y'`: the closing `'''` follows the fourth `'`.)
    assert_eq!(kmgen::diagnostic::mask_secrets(src), want);
    // Not TOML: the line fallback masks the same way.
    let broken = format!("{src}= oops\n");
    let masked = kmgen::diagnostic::mask_secrets(&broken);
    assert!(masked.starts_with(want), "{masked}");
}

/// What a fault campaign got through the excerpts (issue 10): multi-line strings, a value
/// after a syntax error on its line, secrets under misspelt keys and in unknown inline-table
/// keys, credentials in a URL. Each variant breaks the profile next to the secret; the report
/// shows the excerpt but never the secret.
#[test]
fn excerpts_mask_every_string_not_known_to_be_safe() {
    const LEAK: &str = "Zq9LEAKXw4";
    let base = profile(true, false);
    let admin = format!("password = \"{ADMIN}\"\n");
    let variants: Vec<(&str, String)> = vec![
        (
            "multi-line basic string under a misspelt key",
            base.replace(
                &admin,
                &format!("{admin}pasword = \"\"\"\n{LEAK}\n\"\"\"\n"),
            ),
        ),
        (
            "multi-line literal string under an unknown key",
            base.replace(&admin, &format!("{admin}old = '''{LEAK}\n{LEAK}'''\n")),
        ),
        (
            "a value after a syntax error on its line",
            base.replace(
                &admin,
                &format!("{admin}username = \"admin\" password = \"{LEAK}\"\n"),
            ),
        ),
        (
            "a bare value after a syntax error",
            base.replace(&admin, &format!("{admin}pw = {LEAK}\n")),
        ),
        (
            "an unterminated multi-line string",
            base.replace(
                &admin,
                &format!("password = \"\"\"{LEAK}\nname = \"{LEAK}\"\n"),
            ),
        ),
        (
            "a misspelt secret key",
            base.replace(&admin, &format!("pasword = \"{LEAK}\"\n")),
        ),
        (
            "a misspelt store password key, and an integer secret",
            base.replace(
                "[tls]\n",
                &format!("[tls]\nkeystore_p3ssword = \"{LEAK}\"\ntruststore_pasword = 31337420\n"),
            ),
        ),
        (
            "an unknown key in a secret's inline table",
            base.replace(&admin, &format!("password = {{ value = \"{LEAK}\" }}\n")),
        ),
        (
            "an unknown inline table",
            base.replace(
                &admin,
                &format!("{admin}vault = {{ token = \"{LEAK}\", path = \"{LEAK}\" }}\n"),
            ),
        ),
        (
            "credentials in the LDAP URL, with a validation problem next to it",
            base.replace(
                "url = \"ldaps://ldap.example.com:636\"",
                &format!("url = \"ldaps://admin:{LEAK}@ldap.example.com:636\"\nbind_dn = \"\""),
            )
            .replace("bind_dn = \"uid=admin,ou=system\"\n", ""),
        ),
        (
            "credentials in a URL that is no LDAP URL, echoed by its message",
            base.replace(
                "url = \"ldaps://ldap.example.com:636\"",
                &format!("url = \"https://admin:{LEAK}@ldap.example.com\""),
            ),
        ),
        (
            "credentials typed into a host, echoed by its message",
            base.replace(
                "host = \"db.example.com\"",
                &format!("host = \"root:{LEAK}@db.example.com\""),
            ),
        ),
        (
            "a comment after a syntax error",
            base.replace(&admin, &format!("{admin}= oops # old password {LEAK}\n")),
        ),
    ];
    for (what, text) in variants {
        assert_ne!(text, base, "{what}: changed nothing");
        let dir = setup(true, false);
        dir.write("profile.toml", &text);
        let r = run(&dir, &["check", "profile.toml"]).failure(1);
        assert!(
            r.stderr.contains("╭─[profile.toml:"),
            "{what}: no excerpt\n{}",
            r.stderr
        );
        assert!(
            !r.all().contains(LEAK),
            "{what}: shows the secret\n{}",
            r.stderr
        );
        assert!(!r.all().contains("31337420"), "{what}: {}", r.stderr);
        assert_no_secret(what, &r.all(), true);
    }
}

/// Values the schema knows not to be secrets stay readable in excerpts: names, hosts, types,
/// ports, user names, and where a secret comes from.
#[test]
fn excerpts_keep_known_non_secret_values() {
    let text = profile(true, true);
    let masked = kmgen::diagnostic::mask_secrets(&text);
    for shown in [
        "name = \"leak-test\"",
        "pattern = \"hybrid-single-node\"",
        "keystore_password = { env = \"KMGEN_IT_SECRET_KEYSTORE\" }",
        "truststore_password = { file = \"secrets/truststore.txt\" }",
        "type = \"mysql\"",
        "host = \"db.example.com\"",
        "username = \"apim_um\"",
        "key_bits = 1024",
        "role = \"key-manager\"",
        "host = \"km.example.com\"",
        "url = \"ldap.example.com\"",
    ] {
        assert!(masked.contains(shown), "`{shown}` masked:\n{masked}");
    }
    assert_no_secret("mask_secrets", &masked, true);
    assert_eq!(masked.len(), text.len());
    assert_eq!(masked.lines().count(), text.lines().count());
}
