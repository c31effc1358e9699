//! The jaggery apps' `site.json` behind the API-M load balancer
//! (proxy-server-and-load-balancer.md step 3): strict JSON with exactly the keys of the
//! 2.6.0 stock files, `reverseProxy` on with the load balancer's name (and port unless 443),
//! the app's context and an empty `regContext`, the load balancer's name whitelisted; only on
//! nodes behind that load balancer, each role with its apps.
use crate::support::render::{plan_of, rendered, try_rendered};
use serde_json::Value;

const PUBLISHER: &str = "repository/deployment/server/jaggeryapps/publisher/site/conf/site.json";
const STORE: &str = "repository/deployment/server/jaggeryapps/store/site/conf/site.json";
const ADMIN: &str = "repository/deployment/server/jaggeryapps/admin/site/conf/site.json";

/// The keys of the stock files of API-M 2.6.0 (carbon-apimgt 6.4.50), as dotted paths:
/// wso2/carbon-apimgt@v6.4.50 (commit a3f91941622aed9bed0bc06884deaad009ce6926)
/// features/apimgt/org.wso2.carbon.apimgt.publisher.feature/src/main/resources/publisher/site/conf/site.json,
/// and `reverseProxy.regContext`, which that file carries commented out ("Use only if
/// different path is used for registry").
const PUBLISHER_KEYS: &[&str] = &[
    "theme",
    "theme.base",
    "theme.subtheme",
    "context",
    "enableRestrictByRoles",
    "enableSelectedTenantSubscription",
    "ssoConfiguration",
    "ssoConfiguration.enabled",
    "ssoConfiguration.issuer",
    "ssoConfiguration.identityProviderURL",
    "ssoConfiguration.keyStorePassword",
    "ssoConfiguration.identityAlias",
    "ssoConfiguration.verifyAssertionValidityPeriod",
    "ssoConfiguration.timestampSkewInSeconds",
    "ssoConfiguration.audienceRestrictionsEnabled",
    "ssoConfiguration.responseSigningEnabled",
    "ssoConfiguration.assertionSigningEnabled",
    "ssoConfiguration.keyStoreName",
    "ssoConfiguration.signRequests",
    "ssoConfiguration.assertionEncryptionEnabled",
    "ssoConfiguration.idpInit",
    "ssoConfiguration.idpInitSSOURL",
    "ssoConfiguration.loginUserNameAttribute",
    "oidcConfiguration",
    "oidcConfiguration.enabled",
    "oidcConfiguration.issuer",
    "oidcConfiguration.identityProviderURI",
    "oidcConfiguration.authorizationEndpointURI",
    "oidcConfiguration.tokenEndpointURI",
    "oidcConfiguration.userInfoURI",
    "oidcConfiguration.jwksURI",
    "oidcConfiguration.logoutEndpointURI",
    "oidcConfiguration.authHttpMethod",
    "oidcConfiguration.clientConfiguration",
    "oidcConfiguration.clientConfiguration.clientId",
    "oidcConfiguration.clientConfiguration.clientSecret",
    "oidcConfiguration.clientConfiguration.responseType",
    "oidcConfiguration.clientConfiguration.authorizationType",
    "oidcConfiguration.clientConfiguration.scope",
    "oidcConfiguration.clientConfiguration.redirectURI",
    "oidcConfiguration.clientConfiguration.postLogoutRedirectURI",
    "reverseProxy",
    "reverseProxy.enabled",
    "reverseProxy.host",
    "reverseProxy.context",
    "reverseProxy.regContext",
];

/// Same commit, `.../org.wso2.carbon.apimgt.store.feature/src/main/resources/store/site/conf/site.json`,
/// plus the commented-out `reverseProxy.regContext`.
const STORE_KEYS: &[&str] = &[
    "theme",
    "theme.base",
    "context",
    "showPublicStoreURL",
    "showThemesMenu",
    "tagWiseMode",
    "tagGroupKey",
    "ssoConfiguration",
    "ssoConfiguration.enabled",
    "ssoConfiguration.issuer",
    "ssoConfiguration.identityProviderURL",
    "ssoConfiguration.keyStorePassword",
    "ssoConfiguration.identityAlias",
    "ssoConfiguration.responseSigningEnabled",
    "ssoConfiguration.assertionSigningEnabled",
    "ssoConfiguration.verifyAssertionValidityPeriod",
    "ssoConfiguration.timestampSkewInSeconds",
    "ssoConfiguration.audienceRestrictionsEnabled",
    "ssoConfiguration.keyStoreName",
    "ssoConfiguration.passive",
    "ssoConfiguration.signRequests",
    "ssoConfiguration.assertionEncryptionEnabled",
    "ssoConfiguration.idpInit",
    "ssoConfiguration.idpInitSSOURL",
    "ssoConfiguration.loginUserNameAttribute",
    "oidcConfiguration",
    "oidcConfiguration.enabled",
    "oidcConfiguration.issuer",
    "oidcConfiguration.identityProviderURI",
    "oidcConfiguration.authorizationEndpointURI",
    "oidcConfiguration.tokenEndpointURI",
    "oidcConfiguration.userInfoURI",
    "oidcConfiguration.jwksURI",
    "oidcConfiguration.logoutEndpointURI",
    "oidcConfiguration.authHttpMethod",
    "oidcConfiguration.clientConfiguration",
    "oidcConfiguration.clientConfiguration.clientId",
    "oidcConfiguration.clientConfiguration.clientSecret",
    "oidcConfiguration.clientConfiguration.responseType",
    "oidcConfiguration.clientConfiguration.authorizationType",
    "oidcConfiguration.clientConfiguration.scope",
    "oidcConfiguration.clientConfiguration.redirectURI",
    "oidcConfiguration.clientConfiguration.postLogoutRedirectURI",
    "oidcConfiguration.clientConfiguration.clientAlgorithm",
    "mutualAuthConfiguration",
    "mutualAuthConfiguration.enabled",
    "forum",
    "forum.topicsPerPage",
    "forum.repliesPerPage",
    "forum.resourceIdentifier",
    "reverseProxy",
    "reverseProxy.enabled",
    "reverseProxy.host",
    "reverseProxy.context",
    "reverseProxy.regContext",
    "mapExistingAuthApps",
    "whiteListedHostNames",
];

/// Same commit, `.../org.wso2.carbon.apimgt.store.feature/src/main/resources/admin/site/conf/site.json`
/// (the store feature's p2.inf copies it to `jaggeryapps/admin`), plus the commented-out
/// `reverseProxy.regContext`.
const ADMIN_KEYS: &[&str] = &[
    "theme",
    "theme.base",
    "theme.subtheme",
    "context",
    "request_url",
    "tasksPerPage",
    "allowedPermission",
    "workflows",
    "workflows.workFlowServerURL",
    "ssoConfiguration",
    "ssoConfiguration.enabled",
    "ssoConfiguration.issuer",
    "ssoConfiguration.identityProviderURL",
    "ssoConfiguration.keyStorePassword",
    "ssoConfiguration.identityAlias",
    "ssoConfiguration.keyStoreName",
    "ssoConfiguration.verifyAssertionValidityPeriod",
    "ssoConfiguration.audienceRestrictionsEnabled",
    "ssoConfiguration.responseSigningEnabled",
    "ssoConfiguration.assertionSigningEnabled",
    "ssoConfiguration.assertionEncryptionEnabled",
    "ssoConfiguration.signRequests",
    "ssoConfiguration.idpInit",
    "ssoConfiguration.idpInitSSOURL",
    "ssoConfiguration.externalLogoutPage",
    "ssoConfiguration.loginUserNameAttribute",
    "reverseProxy",
    "reverseProxy.enabled",
    "reverseProxy.host",
    "reverseProxy.context",
    "reverseProxy.regContext",
    "whiteListedHostNames",
    "enableLogAnalyzer",
];

/// A distributed deployment whose Publisher and Store sit behind `apim_lb`, and (as
/// `all_in_one`) a hybrid one with the same load balancer.
fn distributed(apim_lb: &str) -> String {
    format!(
        r#"
[deployment]
name = "acme"
pattern = "distributed"
{apim_lb}
[[node]]
name = "km"
role = "key-manager"
host = "km.example.com"
[[node]]
name = "pub"
role = "publisher"
host = "pub.example.com"
[[node]]
name = "store"
role = "store"
host = "store.example.com"
[[node]]
name = "tm"
role = "traffic-manager"
host = "tm.example.com"
[[node]]
name = "gw"
role = "gateway"
host = "gw.example.com"
"#
    )
}

fn all_in_one(apim_lb: &str) -> String {
    format!(
        r#"
[deployment]
name = "acme"
pattern = "hybrid-single-node"
{apim_lb}
[[node]]
name = "km"
role = "key-manager"
host = "km.example.com"
[[node]]
name = "apim"
role = "all-in-one"
host = "apim.example.com"
"#
    )
}

/// Every key of `v` as a dotted path (array elements are values, not keys).
fn keys(v: &Value, prefix: &str, out: &mut Vec<String>) {
    if let Value::Object(map) = v {
        for (k, child) in map {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            out.push(path.clone());
            keys(child, &path, out);
        }
    }
}

fn parsed(p: &kmgen::plan::Plan, node: &str, file: &str) -> Value {
    let text = rendered(p, node, file);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{node} {file} is not JSON: {e}\n{text}"))
}

fn assert_keys(v: &Value, expected: &[&str], what: &str) {
    let mut got = Vec::new();
    keys(v, "", &mut got);
    got.sort();
    let mut want: Vec<String> = expected.iter().map(|k| k.to_string()).collect();
    want.sort();
    assert_eq!(got, want, "{what}: keys differ from the stock file's");
}

#[test]
fn behind_the_load_balancer_each_app_gets_the_stock_keys_and_reverse_proxy() {
    let p = plan_of(&distributed(
        "[apim]\nload_balancer = { host = \"portal.example.com\", port = 443 }",
    ));
    let cases = [
        ("pub", PUBLISHER, PUBLISHER_KEYS, "/publisher"),
        ("pub", ADMIN, ADMIN_KEYS, "/admin"),
        ("store", STORE, STORE_KEYS, "/store"),
    ];
    for (node, file, expected, context) in cases {
        let v = parsed(&p, node, file);
        assert_keys(&v, expected, file);
        let rp = &v["reverseProxy"];
        assert_eq!(rp["enabled"], Value::Bool(true), "{file}");
        assert_eq!(
            rp["host"], "portal.example.com",
            "{file}: 443 is not written"
        );
        assert_eq!(rp["context"], context, "{file}");
        assert_eq!(v["context"], context, "{file}: the stock context");
        assert_eq!(rp["regContext"], "", "{file}: registry links at /registry");
        let out = p
            .outputs
            .iter()
            .find(|o| o.path == format!("nodes/{node}/{file}"))
            .unwrap_or_else(|| panic!("{node} {file} is not planned"));
        assert!(!out.private, "{file} holds no secret of the profile");
    }
    let store = parsed(&p, "store", STORE);
    assert_eq!(
        store["whiteListedHostNames"],
        serde_json::json!(["localhost", "portal.example.com"])
    );
    let admin = parsed(&p, "pub", ADMIN);
    assert_eq!(
        admin["whiteListedHostNames"],
        serde_json::json!(["localhost", "portal.example.com"])
    );
    // Each role its apps: the Admin portal runs on the Publisher.
    assert!(try_rendered(&p, "store", PUBLISHER).is_none());
    assert!(try_rendered(&p, "store", ADMIN).is_none());
    assert!(try_rendered(&p, "pub", STORE).is_none());
    for node in ["km", "tm", "gw"] {
        for file in [PUBLISHER, STORE, ADMIN] {
            assert!(try_rendered(&p, node, file).is_none(), "{node} {file}");
        }
    }
}

/// The apps write `"https://" + host` + path: a port other than 443 goes into `host`.
#[test]
fn a_port_other_than_443_is_part_of_the_host() {
    let p = plan_of(&all_in_one(
        "[apim]\nload_balancer = { host = \"apim-lb.example.com\", port = 8443 }",
    ));
    for (file, keys) in [
        (PUBLISHER, PUBLISHER_KEYS),
        (STORE, STORE_KEYS),
        (ADMIN, ADMIN_KEYS),
    ] {
        let v = parsed(&p, "apim", file);
        assert_keys(&v, keys, file);
        assert_eq!(
            v["reverseProxy"]["host"], "apim-lb.example.com:8443",
            "{file}"
        );
    }
    // The whitelist compares names without a port.
    let store = parsed(&p, "apim", STORE);
    assert_eq!(
        store["whiteListedHostNames"],
        serde_json::json!(["localhost", "apim-lb.example.com"])
    );
}

/// Without the API-M load balancer kmgen writes no `site.json`: the stock files stay.
#[test]
fn without_a_load_balancer_the_stock_files_stay() {
    for profile in [distributed(""), all_in_one("")] {
        let p = plan_of(&profile);
        assert!(
            !p.outputs.iter().any(|o| o.path.ends_with("site.json")),
            "{:?}",
            p.outputs.iter().map(|o| &o.path).collect::<Vec<_>>()
        );
    }
}
