//! One test per wiring rule of SPEC section 4: each renders real files from a small profile
//! and reads the element the rule sets, so breaking the rule breaks the test.
use crate::support::render::{plan_of, rendered, rendered_xml};
use crate::support::repo;
use crate::support::xml::{parse, text, texts};
use kmgen::plan::{plan, Plan};

const SINGLE_VM: &str = r#"
[deployment]
name = "t"
pattern = "hybrid-single-node"
[user_store]
type = "embedded-ldap"
[[node]]
name = "km"
role = "key-manager"
host = "wso2.example.com"
port_offset = 1
[[node]]
name = "apim"
role = "all-in-one"
host = "wso2.example.com"
"#;

fn active_active(extra: &str) -> String {
    format!(
        r#"
[deployment]
name = "aa"
pattern = "hybrid-active-active"
{extra}
[[node]]
name = "km-1"
role = "key-manager"
host = "km1.example.com"
port_offset = 3
[[node]]
name = "apim-1"
role = "all-in-one"
host = "apim1.example.com"
[[node]]
name = "apim-2"
role = "all-in-one"
host = "apim2.example.com"
port_offset = 2
"#
    )
}

const AA_GW_LB: &str = "[gateway]\nsync = \"nfs\"\nnfs_export = \"nfs.example.com:/exports/aa\"\nload_balancer = { host = \"gw.example.com\" }\n";

#[test]
fn is_km_carbon_offset_and_host_names() {
    let p = plan_of(SINGLE_VM);
    let carbon = rendered_xml(&p, "km", "repository/conf/carbon.xml");
    assert_eq!(text(&carbon, "Server/Ports/Offset"), "1");
    assert_eq!(text(&carbon, "Server/HostName"), "wso2.example.com");
    assert_eq!(text(&carbon, "Server/MgtHostName"), "wso2.example.com");
}

#[test]
fn api_m_points_auth_manager_and_key_validator_at_the_is_km_port() {
    let p = plan_of(SINGLE_VM);
    let am = rendered_xml(&p, "apim", "repository/conf/api-manager.xml");
    assert_eq!(
        text(&am, "APIManager/AuthManager/ServerURL"),
        "https://wso2.example.com:9444/services/"
    );
    assert_eq!(
        text(&am, "APIManager/APIKeyValidator/ServerURL"),
        "https://wso2.example.com:9444/services/"
    );
}

#[test]
fn several_key_managers_are_reached_through_their_load_balancer() {
    let p = plan_of(&active_active(&format!(
        "{AA_GW_LB}[key_manager]\nload_balancer = {{ host = \"km.example.com\", port = 8443 }}\n"
    )).replace(
        "[[node]]\nname = \"apim-1\"",
        "[[node]]\nname = \"km-2\"\nrole = \"key-manager\"\nhost = \"km2.example.com\"\n[[node]]\nname = \"apim-1\"",
    ));
    for node in ["apim-1", "apim-2"] {
        let am = rendered_xml(&p, node, "repository/conf/api-manager.xml");
        assert_eq!(
            text(&am, "APIManager/AuthManager/ServerURL"),
            "https://km.example.com:8443/services/"
        );
        assert_eq!(
            text(&am, "APIManager/APIKeyValidator/ServerURL"),
            "https://km.example.com:8443/services/"
        );
    }
    // The load balancer's name is in both Key Managers' certificates, and its proxy port in Tomcat.
    for km in ["km-1", "km-2"] {
        assert!(p
            .certs
            .iter()
            .find(|c| c.id == km)
            .unwrap()
            .sans
            .contains(&"km.example.com".to_string()));
        let tomcat = rendered(&p, km, "repository/conf/tomcat/catalina-server.xml");
        assert!(
            tomcat.contains(r#"proxyPort="8443""#),
            "{km} catalina-server.xml lacks proxyPort"
        );
    }
}

#[test]
fn ws_client_disables_thrift_and_thrift_client_targets_the_is_km() {
    let p = plan_of(SINGLE_VM);
    let am = rendered_xml(&p, "apim", "repository/conf/api-manager.xml");
    assert_eq!(
        text(&am, "APIManager/APIKeyValidator/KeyValidatorClientType"),
        "WSClient"
    );
    assert_eq!(
        text(&am, "APIManager/APIKeyValidator/EnableThriftServer"),
        "false"
    );

    let p = plan_of(&SINGLE_VM.replace(
        "[user_store]",
        "[key_manager]\nclient = \"thrift\"\n[user_store]",
    ));
    let am = rendered_xml(&p, "apim", "repository/conf/api-manager.xml");
    assert_eq!(
        text(&am, "APIManager/APIKeyValidator/KeyValidatorClientType"),
        "ThriftClient"
    );
    assert_eq!(
        text(&am, "APIManager/APIKeyValidator/ThriftClientPort"),
        "10398"
    );
    assert_eq!(
        text(&am, "APIManager/APIKeyValidator/ThriftServerHost"),
        "wso2.example.com"
    );
    assert_eq!(
        text(&am, "APIManager/APIKeyValidator/EnableThriftServer"),
        "false"
    );
    let km = rendered_xml(&p, "km", "repository/conf/api-manager.xml");
    assert_eq!(
        text(&km, "APIManager/APIKeyValidator/EnableThriftServer"),
        "true"
    );
}

#[test]
fn embedded_ldap_is_reached_at_10389_plus_the_is_km_offset() {
    let p = plan_of(SINGLE_VM);
    let um = rendered(&p, "apim", "repository/conf/user-mgt.xml");
    let url = text(
        &parse(&um).unwrap(),
        "UserManager/Realm/UserStoreManager/Property[@name=ConnectionURL]",
    );
    assert_eq!(url, "ldap://wso2.example.com:10390");
    assert!(um.contains("org.wso2.carbon.user.core.ldap.ReadWriteLDAPUserStoreManager"));
    let ldap = rendered(&p, "km", "repository/conf/identity/embedded-ldap.xml");
    assert!(
        ldap.contains(r#"<Property name="enable">true</Property>"#),
        "the IS-KM must host the embedded LDAP"
    );
}

#[test]
fn user_mgt_and_identity_data_sources() {
    let p = plan_of(SINGLE_VM);
    for node in ["km", "apim"] {
        let um = rendered_xml(&p, node, "repository/conf/user-mgt.xml");
        assert_eq!(
            text(
                &um,
                "UserManager/Realm/Configuration/Property[@name=dataSource]"
            ),
            "jdbc/WSO2UM_DB"
        );
    }
    for node in ["km", "apim"] {
        let id = rendered_xml(&p, node, "repository/conf/identity/identity.xml");
        assert_eq!(
            text(&id, "Server/JDBCPersistenceManager/DataSource/Name"),
            "jdbc/WSO2AM_DB",
            "{node}"
        );
    }
}

/// Every API-M role ships identity.xml (the same IS 5.7.0 framework file as IS-KM's), with
/// the API-M pack's own values; the traffic manager's points at its local WSO2AM_DB.
#[test]
fn every_api_m_node_gets_its_identity_xml() {
    let p = distributed_ha();
    for n in &p.nodes {
        let id = rendered_xml(&p, &n.name, "repository/conf/identity/identity.xml");
        let is_km = n.role == kmgen::model::Role::KeyManager;
        assert_eq!(
            text(&id, "Server/EnableAskPasswordAdminUI"),
            if is_km { "true" } else { "false" },
            "{}",
            n.name
        );
        assert_eq!(
            texts(&id, "Server/OAuth/PersistAccessTokenAlias"),
            if is_km {
                vec![]
            } else {
                vec!["true".to_string()]
            },
            "{}",
            n.name
        );
        let ds = rendered_xml(
            &p,
            &n.name,
            "repository/conf/datasources/master-datasources.xml",
        );
        assert!(
            texts(
                &ds,
                "datasources-configuration/datasources/datasource/jndiConfig/name"
            )
            .contains(&"jdbc/WSO2AM_DB".to_string()),
            "{}: identity.xml names jdbc/WSO2AM_DB, which its master-datasources.xml must define",
            n.name
        );
    }
}

#[test]
fn key_manager_gateway_server_url_only_with_hazelcast() {
    let stock = "https://localhost:${mgt.transport.https.port}${carbon.context}services/";
    let env = "APIManager/APIGateway/Environments/Environment/ServerURL";
    let p = plan_of(SINGLE_VM);
    assert_eq!(
        text(
            &rendered_xml(&p, "km", "repository/conf/api-manager.xml"),
            env
        ),
        stock
    );

    let p =
        plan_of(&SINGLE_VM.replace("[user_store]", "[gateway]\nhazelcast = true\n[user_store]"));
    assert_eq!(
        text(
            &rendered_xml(&p, "km", "repository/conf/api-manager.xml"),
            env
        ),
        "https://wso2.example.com:9443/services/"
    );

    // Active-active with rsync: the first all-in-one node, the sync manager, for everyone.
    let p = plan_of(&active_active("[gateway]\nhazelcast = true\nsync = \"rsync\"\nload_balancer = { host = \"gw.example.com\" }\n"));
    for node in ["km-1", "apim-1", "apim-2"] {
        assert_eq!(
            text(
                &rendered_xml(&p, node, "repository/conf/api-manager.xml"),
                env
            ),
            "https://apim1.example.com:9443/services/",
            "{node}"
        );
    }
    // Active-active with NFS: each node publishes to its own gateway.
    let p = plan_of(&active_active(&format!("{AA_GW_LB}hazelcast = true\n")));
    assert_eq!(
        text(
            &rendered_xml(&p, "apim-2", "repository/conf/api-manager.xml"),
            env
        ),
        "https://apim2.example.com:9445/services/"
    );
}

#[test]
fn revoke_api_url_goes_to_the_gateway_nio_port_or_its_load_balancer() {
    let p = plan_of(SINGLE_VM);
    let km = rendered_xml(&p, "km", "repository/conf/api-manager.xml");
    assert_eq!(
        text(&km, "APIManager/OAuthConfigurations/RevokeAPIURL"),
        "https://wso2.example.com:8243/revoke"
    );
    let p = plan_of(&active_active(
        "[gateway]\nsync = \"rsync\"\nload_balancer = { host = \"gw.example.com\", https_port = 443 }\n",
    ));
    let km = rendered_xml(&p, "km-1", "repository/conf/api-manager.xml");
    assert_eq!(
        text(&km, "APIManager/OAuthConfigurations/RevokeAPIURL"),
        "https://gw.example.com:443/revoke"
    );
}

#[test]
fn jwt_elements_follow_the_profile() {
    let p = plan_of(SINGLE_VM);
    let am = rendered_xml(&p, "km", "repository/conf/api-manager.xml");
    assert!(texts(&am, "APIManager/JWTConfiguration/SignatureAlgorithm").is_empty());
    let p = plan_of(&SINGLE_VM.replace(
        "[user_store]",
        "[jwt]\nenabled = true\nconsumer_dialect_uri = \"http://acme/claims\"\n[user_store]",
    ));
    for node in ["km", "apim"] {
        let am = rendered_xml(&p, node, "repository/conf/api-manager.xml");
        assert_eq!(
            text(&am, "APIManager/JWTConfiguration/EnableJWTGeneration"),
            "true"
        );
        assert_eq!(
            text(&am, "APIManager/JWTConfiguration/SignatureAlgorithm"),
            "SHA256withRSA"
        );
        assert_eq!(
            text(&am, "APIManager/JWTConfiguration/ConsumerDialectURI"),
            "http://acme/claims"
        );
        assert_eq!(
            text(&am, "APIManager/JWTConfiguration/ClaimsRetrieverImplClass"),
            "org.wso2.carbon.apimgt.impl.token.DefaultClaimsRetriever"
        );
    }
}

#[test]
fn active_active_publishes_throttling_events_to_both_nodes() {
    let p = plan_of(&active_active(AA_GW_LB));
    for node in ["apim-1", "apim-2"] {
        let am = rendered_xml(&p, node, "repository/conf/api-manager.xml");
        assert_eq!(
            text(
                &am,
                "APIManager/ThrottlingConfigurations/TrafficManager/ReceiverUrlGroup"
            ),
            "{tcp://apim1.example.com:9611},{tcp://apim2.example.com:9613}"
        );
        assert_eq!(
            text(
                &am,
                "APIManager/ThrottlingConfigurations/TrafficManager/AuthUrlGroup"
            ),
            "{ssl://apim1.example.com:9711},{ssl://apim2.example.com:9713}"
        );
    }
}

#[test]
fn hazelcast_clusters_the_gateways_with_well_known_members() {
    let p = plan_of(&active_active(&format!("{AA_GW_LB}hazelcast = true\n")));
    let axis2 = rendered(&p, "apim-1", "repository/conf/axis2/axis2.xml");
    assert!(axis2.contains(r#"enable="true""#));
    let axis2_xml = parse(&axis2).unwrap();
    assert_eq!(
        text(
            &axis2_xml,
            "axisconfig/clustering/parameter[@name=membershipScheme]"
        ),
        "wka"
    );
    assert_eq!(
        text(
            &axis2_xml,
            "axisconfig/clustering/parameter[@name=localMemberHost]"
        ),
        "apim1.example.com"
    );
    assert_eq!(
        text(
            &axis2_xml,
            "axisconfig/clustering/parameter[@name=localMemberPort]"
        ),
        "4000"
    );
    assert_eq!(
        texts(&axis2_xml, "axisconfig/clustering/members/member/hostName"),
        ["apim2.example.com"]
    );
    let p = plan_of(&active_active(AA_GW_LB));
    let axis2 = rendered(&p, "apim-1", "repository/conf/axis2/axis2.xml");
    assert!(axis2.contains(r#"enable="false""#));
}

#[test]
fn shared_databases_per_role_and_one_shared_config_registry() {
    let p = plan_of(&SINGLE_VM.replace(
        "[user_store]\ntype = \"embedded-ldap\"",
        "[database]\ntype = \"mysql\"\nhost = \"db.example.com\"\n[database.am]\nusername = \"am\"\npassword = \"a&b<c\"\n[database.um]\nusername = \"u\"\npassword = \"pw1234\"\n[database.reg]\nusername = \"u\"\npassword = \"pw1234\"",
    ));
    for node in ["km", "apim"] {
        let ds = rendered_xml(
            &p,
            node,
            "repository/conf/datasources/master-datasources.xml",
        );
        let names = texts(
            &ds,
            "datasources-configuration/datasources/datasource/jndiConfig/name",
        );
        for jndi in [
            "jdbc/WSO2CarbonDB",
            "jdbc/WSO2AM_DB",
            "jdbc/WSO2UM_DB",
            "jdbc/WSO2REG_DB",
        ] {
            assert!(
                names.iter().any(|n| n == jndi),
                "{node} lacks {jndi}: {names:?}"
            );
        }
        let urls = texts(
            &ds,
            "datasources-configuration/datasources/datasource/definition/configuration/url",
        );
        assert!(urls.contains(
            &"jdbc:mysql://db.example.com:3306/apimgtdb?autoReconnect=true&useSSL=false"
                .to_string()
        ));
        let pw = texts(
            &ds,
            "datasources-configuration/datasources/datasource/definition/configuration/password",
        );
        assert!(
            pw.contains(&"a&b<c".to_string()),
            "password must round-trip: {pw:?}"
        );
    }
    let target = |node| {
        texts(
            &rendered_xml(&p, node, "repository/conf/registry.xml"),
            "wso2registry/mount/targetPath",
        )
    };
    let (km, apim) = (target("km"), target("apim"));
    assert!(
        km.contains(&"/_system/governance".to_string())
            && apim.contains(&"/_system/governance".to_string())
    );
    // databases-for-is-as-key-manager.md step 9 and installing-and-configuring-databases.md
    // step 12 mount /_system/config onto /_system/config in both products: the Key Manager
    // reads tenant-conf.json from the shared config registry.
    for t in [&km, &apim] {
        assert_eq!(t, &["/_system/governance", "/_system/config"]);
    }
}

#[test]
fn oauth_key_encryption_in_both_products() {
    let p = plan_of(&SINGLE_VM.replace(
        "[user_store]",
        "[tls]\nkey_sharing = \"deployment\"\n[key_manager]\nencrypt_oauth_keys = true\n[user_store]",
    ));
    for node in ["km", "apim"] {
        let am = rendered_xml(&p, node, "repository/conf/api-manager.xml");
        assert_eq!(
            text(&am, "APIManager/OAuthConfigurations/EncryptPersistedTokens"),
            "true"
        );
    }
    for node in ["km", "apim"] {
        let id = rendered_xml(&p, node, "repository/conf/identity/identity.xml");
        assert_eq!(
            text(&id, "Server/OAuth/TokenPersistenceProcessor"),
            "org.wso2.carbon.identity.oauth.tokenprocessor.EncryptionDecryptionPersistenceProcessor",
            "{node}"
        );
    }
    let plain = plan_of(SINGLE_VM);
    for node in ["km", "apim"] {
        let id = rendered_xml(&plain, node, "repository/conf/identity/identity.xml");
        assert_eq!(
            text(&id, "Server/OAuth/TokenPersistenceProcessor"),
            "org.wso2.carbon.identity.oauth.tokenprocessor.PlainTextPersistenceProcessor",
            "{node}"
        );
    }
    assert!(p.nodes.iter().all(|n| n.key_id == "deployment"));
}

#[test]
fn is_km_nodes_get_the_custom_sequence_folders() {
    let p = plan_of(SINGLE_VM);
    let km = p.nodes.iter().find(|n| n.name == "km").unwrap();
    for kind in ["in", "out", "fault"] {
        assert!(km
            .dirs
            .contains(&format!("repository/resources/customsequences/{kind}")));
    }
}

#[test]
fn stores_are_named_with_their_type_everywhere() {
    let p = plan_of(&SINGLE_VM.replace("[user_store]", "[tls]\nformat = \"pkcs12\"\n[user_store]"));
    for node in ["km", "apim"] {
        let carbon = rendered_xml(&p, node, "repository/conf/carbon.xml");
        assert_eq!(text(&carbon, "Server/Security/KeyStore/Type"), "PKCS12");
        assert!(text(&carbon, "Server/Security/KeyStore/Location").ends_with("wso2carbon.p12"));
        assert!(
            text(&carbon, "Server/Security/TrustStore/Location").ends_with("client-truststore.p12")
        );
        let tomcat = rendered(&p, node, "repository/conf/tomcat/catalina-server.xml");
        assert!(tomcat.contains(r#"keystoreType="PKCS12""#) && tomcat.contains("wso2carbon.p12"));
    }
}

const DISTRIBUTED_HA: &str = include_str!("../../profiles/distributed-ha.toml");

pub(crate) fn distributed_ha() -> Plan {
    let dir = repo().join("profiles/distributed-ha.toml");
    let loaded = kmgen::load::load(&dir).unwrap();
    assert!(DISTRIBUTED_HA.contains("gateway-manager"));
    plan(&loaded.deployment)
}

#[test]
fn distributed_publisher_deploys_to_the_gateway_manager_and_shows_the_load_balancer() {
    let p = distributed_ha();
    let am = rendered_xml(&p, "publisher-1", "repository/conf/api-manager.xml");
    let env = "APIManager/APIGateway/Environments/Environment";
    assert_eq!(
        text(&am, &format!("{env}/ServerURL")),
        "https://gwm.acme.example:9443/services/"
    );
    assert_eq!(
        text(&am, &format!("{env}/GatewayEndpoint")),
        "http://gw.acme.example:80,https://gw.acme.example:443"
    );
    assert_eq!(
        text(
            &am,
            "APIManager/ThrottlingConfigurations/PolicyDeployer/Enabled"
        ),
        "true"
    );
    assert_eq!(
        text(&am, "APIManager/APIStore/URL"),
        "https://portal.acme.example:443/store"
    );
    assert_eq!(text(&am, "APIManager/APIStore/DisplayURL"), "true");
    assert_eq!(
        text(&am, "APIManager/APIKeyValidator/EnableThriftServer"),
        "false"
    );
    let km = rendered_xml(&p, "km-1", "repository/conf/api-manager.xml");
    assert_eq!(
        text(&km, &format!("{env}/ServerURL")),
        "https://gwm.acme.example:9443/services/"
    );
    assert_eq!(
        text(&km, "APIManager/OAuthConfigurations/RevokeAPIURL"),
        "https://gw.acme.example:443/revoke"
    );
}

#[test]
fn distributed_gateways_publish_to_every_traffic_manager_with_failover() {
    let p = distributed_ha();
    let am = rendered_xml(&p, "gw-worker-1", "repository/conf/api-manager.xml");
    let t = "APIManager/ThrottlingConfigurations";
    assert_eq!(
        text(&am, &format!("{t}/TrafficManager/ReceiverUrlGroup")),
        "{tcp://tm1.acme.example:9611},{tcp://tm2.acme.example:9611}"
    );
    assert_eq!(text(&am, &format!("{t}/DataPublisher/Enabled")), "true");
    assert_eq!(
        text(&am, &format!("{t}/JMSConnectionDetails/Enabled")),
        "true"
    );
    let jms = text(&am, &format!("{t}/JMSConnectionDetails/JMSConnectionParameters/connectionfactory.TopicConnectionFactory"));
    assert!(
        jms.contains("failover='roundrobin'")
            && jms.contains("tm1.acme.example:5672")
            && jms.contains("tm2.acme.example:5672"),
        "{jms}"
    );
    let store = rendered_xml(&p, "store-1", "repository/conf/api-manager.xml");
    assert_eq!(text(&store, &format!("{t}/DataPublisher/Enabled")), "false");
}

/// distributed-setup.md step 6: the Publisher deploys throttling policies to the traffic
/// manager, or to the load balancer in front of several; the load balancer fronts them all.
#[test]
fn publisher_deploys_policies_to_the_traffic_manager_or_its_load_balancer() {
    let deployer = "APIManager/ThrottlingConfigurations/PolicyDeployer";
    let p = distributed_ha();
    for publisher in ["publisher-1", "publisher-2"] {
        let am = rendered_xml(&p, publisher, "repository/conf/api-manager.xml");
        assert_eq!(text(&am, &format!("{deployer}/Enabled")), "true");
        assert_eq!(
            text(&am, &format!("{deployer}/ServiceURL")),
            "https://tm.acme.example:443/services/"
        );
    }
    let lb = p
        .load_balancers
        .iter()
        .find(|l| l.id.as_str() == "lb-tm")
        .unwrap();
    let behind: Vec<_> = lb.routes[0]
        .backends
        .iter()
        .map(|b| format!("{}:{}", b.host, b.port))
        .collect();
    assert_eq!(behind, ["tm1.acme.example:9443", "tm2.acme.example:9443"]);
    for tm in ["tm-1", "tm-2"] {
        let cert = p.certs.iter().find(|c| c.id == tm).unwrap();
        assert!(cert.sans.contains(&"tm.acme.example".to_string()), "{tm}");
    }

    // One traffic manager (offset 2) needs no load balancer: the Publisher calls it.
    let p = plan_of(
        r#"
[deployment]
name = "one-tm"
pattern = "distributed"
[[node]]
name = "km"
role = "key-manager"
host = "km.acme.example"
[[node]]
name = "publisher-1"
role = "publisher"
host = "pub.acme.example"
[[node]]
name = "store"
role = "store"
host = "store.acme.example"
[[node]]
name = "tm"
role = "traffic-manager"
host = "tm1.acme.example"
port_offset = 2
[[node]]
name = "gw"
role = "gateway"
host = "gw.acme.example"
"#,
    );
    let am = rendered_xml(&p, "publisher-1", "repository/conf/api-manager.xml");
    assert_eq!(
        text(&am, &format!("{deployer}/ServiceURL")),
        "https://tm1.acme.example:9445/services/"
    );
    assert!(p.load_balancers.iter().all(|l| l.id.as_str() != "lb-tm"));
}

#[test]
fn traffic_manager_runs_the_tm_variants_and_no_shared_database() {
    let p = distributed_ha();
    let tm = p.nodes.iter().find(|n| n.name == "tm-1").unwrap();
    let template = |out: &str| {
        tm.configs
            .iter()
            .find(|(_, path)| path == out)
            .unwrap()
            .0
            .name()
            .to_string()
    };
    assert_eq!(
        template("repository/conf/registry.xml"),
        "apim-2.6.0/repository/conf/registry_TM.xml"
    );
    assert_eq!(
        template("repository/conf/axis2/axis2.xml"),
        "apim-2.6.0/repository/conf/axis2_TM.xml"
    );
    assert_eq!(
        tm.start_command,
        "sh bin/wso2server.sh -Dprofile=traffic-manager"
    );
    let ds = rendered_xml(
        &p,
        "tm-1",
        "repository/conf/datasources/master-datasources.xml",
    );
    let names = texts(&ds, "datasources-configuration/datasources/datasource/name");
    assert!(
        !names.iter().any(|n| n == "WSO2UM_DB" || n == "WSO2REG_DB"),
        "{names:?}"
    );
    assert!(names.iter().any(|n| n == "WSO2_MB_STORE_DB"));
    let worker = p.nodes.iter().find(|n| n.name == "gw-worker-1").unwrap();
    assert_eq!(
        worker.start_command,
        "sh bin/wso2server.sh -Dprofile=gateway-worker"
    );
}

const DEPLOYER_URL: &str = "APIManager/ThrottlingConfigurations/PolicyDeployer/ServiceURL";
const ENV_URL: &str = "APIManager/APIGateway/Environments/Environment/ServerURL";

/// Active-active over rsync: `--delete` from apim-1 would erase what apim-2 received, so both
/// nodes deploy APIs and throttling policies to apim-1 (active-active-deployment.md step 5,
/// "Using Rsync"); over NFS each deploys to itself.
#[test]
fn active_active_over_rsync_deploys_everything_to_the_sync_source() {
    let p = plan_of(&active_active(
        "[gateway]\nsync = \"rsync\"\nload_balancer = { host = \"gw.example.com\" }\n",
    ));
    for node in ["apim-1", "apim-2"] {
        let am = rendered_xml(&p, node, "repository/conf/api-manager.xml");
        assert_eq!(
            text(&am, DEPLOYER_URL),
            "https://apim1.example.com:9443/services/",
            "{node}"
        );
        assert_eq!(
            text(&am, ENV_URL),
            "https://apim1.example.com:9443/services/",
            "{node}"
        );
    }
    let p = plan_of(&active_active(AA_GW_LB));
    for (node, url) in [
        ("apim-1", "https://apim1.example.com:9443/services/"),
        ("apim-2", "https://apim2.example.com:9445/services/"),
    ] {
        let am = rendered_xml(&p, node, "repository/conf/api-manager.xml");
        assert_eq!(text(&am, DEPLOYER_URL), url, "{node}");
        assert_eq!(text(&am, ENV_URL), url, "{node}");
    }
}

/// Traffic managers over rsync: the Publisher deploys policies to the first (the sync source),
/// with no load balancer; over NFS through their load balancer (distributed-setup.md step 6.3).
#[test]
fn publisher_deploys_policies_to_the_traffic_managers_sync_source() {
    // The profile with its [traffic_manager] table (up to the first [[node]]) replaced.
    let with = |tm: &str| {
        let start = DISTRIBUTED_HA.find("[traffic_manager]").unwrap();
        let end = start + DISTRIBUTED_HA[start..].find("[[node]]").unwrap();
        let secrets = format!("{{ file = \"{}/", repo().join("profiles/secrets").display());
        format!(
            "{}{tm}\n\n{}",
            &DISTRIBUTED_HA[..start],
            &DISTRIBUTED_HA[end..]
        )
        .replace("{ file = \"secrets/", &secrets)
    };
    let nfs = with("[traffic_manager]\nsync = \"nfs\"\nnfs_export = \"nfs.acme.example:/x\"\nload_balancer = { host = \"tm.acme.example\", port = 443 }");
    let rsync = with("[traffic_manager]\nsync = \"rsync\"");
    let p = plan_of(&rsync);
    assert!(p.load_balancers.iter().all(|l| l.id.as_str() != "lb-tm"));
    for publisher in ["publisher-1", "publisher-2"] {
        let am = rendered_xml(&p, publisher, "repository/conf/api-manager.xml");
        assert_eq!(
            text(&am, DEPLOYER_URL),
            "https://tm1.acme.example:9443/services/"
        );
    }
    let p = plan_of(&nfs);
    let am = rendered_xml(&p, "publisher-1", "repository/conf/api-manager.xml");
    assert_eq!(
        text(&am, DEPLOYER_URL),
        "https://tm.acme.example:443/services/"
    );
}
