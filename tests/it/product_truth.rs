//! Rules proven from the 2.6.0 / IS-KM 5.7.0 sources (issue 9): each test failed on the
//! output before its fix. The source of each rule is cited beside it in `src/`.
use crate::support::render::{plan_of, rendered, rendered_xml};
use crate::support::xml::{attrs, text};
use crate::support::{repo, Scratch};
use crate::wiring::distributed_ha;
use std::process::Command;

fn active_active_ha() -> String {
    r#"
[deployment]
name = "aa"
pattern = "hybrid-active-active"
[gateway]
sync = "rsync"
load_balancer = { host = "gw.example.com" }
[key_manager]
load_balancer = { host = "km.example.com", port = 443 }
[apim]
load_balancer = { host = "apim.example.com", port = 8443 }
[[node]]
name = "km-1"
role = "key-manager"
host = "km1.example.com"
[[node]]
name = "km-2"
role = "key-manager"
host = "km2.example.com"
[[node]]
name = "apim-1"
role = "all-in-one"
host = "apim1.example.com"
[[node]]
name = "apim-2"
role = "all-in-one"
host = "apim2.example.com"
"#
    .to_string()
}

#[test]
fn the_gateway_manager_starts_without_a_profile_and_the_start_order_is_the_docs() {
    let p = distributed_ha();
    let manager = p
        .nodes
        .iter()
        .find(|n| n.role == kmgen::model::Role::GatewayManager)
        .unwrap();
    assert_eq!(manager.start_command, "sh bin/wso2server.sh");
    let order: Vec<&str> = kmgen::render::readme::start_order(&p)
        .iter()
        .map(|n| n.role.as_str())
        .collect();
    let mut expected = order.clone();
    let rank = |r: &str| {
        [
            "key-manager",
            "publisher",
            "store",
            "traffic-manager",
            "gateway-manager",
            "gateway-worker",
        ]
        .iter()
        .position(|x| *x == r)
        .unwrap()
    };
    expected.sort_by_key(|r| rank(r));
    assert_eq!(order, expected, "distributed-setup.md step 6 order");
}

#[test]
fn nodes_behind_a_load_balancer_present_its_name_the_same_on_every_node() {
    let p = plan_of(&active_active_ha());
    for (nodes, host, port) in [
        (["km-1", "km-2"], "km.example.com", "443"),
        (["apim-1", "apim-2"], "apim.example.com", "8443"),
    ] {
        for node in nodes {
            let carbon = rendered_xml(&p, node, "repository/conf/carbon.xml");
            assert_eq!(text(&carbon, "Server/HostName"), host, "{node}");
            assert_eq!(text(&carbon, "Server/MgtHostName"), host, "{node}");
            let tomcat = rendered_xml(&p, node, "repository/conf/tomcat/catalina-server.xml");
            let proxy = attrs(&tomcat, "Server/Service/Connector", "proxyPort");
            assert_eq!(proxy, [port], "{node}");
        }
        // identity.xml builds its OAuth URLs from these: identical files on both nodes.
        let a = rendered(&p, nodes[0], "repository/conf/identity/identity.xml");
        let b = rendered(&p, nodes[1], "repository/conf/identity/identity.xml");
        let strip = |s: &str| s.lines().skip(2).collect::<Vec<_>>().join("\n");
        assert_eq!(strip(&a), strip(&b));
    }
}

#[test]
fn api_m_identity_xml_is_what_the_api_m_pack_ships() {
    let p = plan_of(&active_active_ha());
    let apim = rendered_xml(&p, "apim-1", "repository/conf/identity/identity.xml");
    let km = rendered_xml(&p, "km-1", "repository/conf/identity/identity.xml");
    let issuer = "Server/OAuth/OpenIDConnect/IDTokenIssuerID";
    assert_eq!(text(&apim, issuer), "https://localhost:9443/oauth2/token");
    assert_eq!(
        text(&km, issuer),
        "${carbon.protocol}://${carbon.host}:${carbon.management.port}/oauth2/token"
    );
    // The API-M build's XACML removal matches no line: the validator stays in both packs.
    for f in [&apim, &km] {
        let validators = attrs(f, "Server/OAuth/ScopeValidators/ScopeValidator", "class");
        assert!(
            validators
                .iter()
                .any(|c| c.ends_with("xacml.XACMLScopeValidator")),
            "{validators:?}"
        );
    }
}

/// The brokers of an AMQP URL, in order.
fn brokers(url: &str) -> Vec<String> {
    let list = url.split("brokerlist='").nth(1).unwrap();
    list.split(';')
        .map(|b| b.split(['?', '\'']).next().unwrap().to_string())
        .collect()
}

#[test]
fn jms_failover_across_every_traffic_manager_the_same_in_both_files() {
    let p = plan_of(&active_active_ha());
    for (node, first) in [("apim-1", "apim1"), ("apim-2", "apim2")] {
        let jndi = rendered(&p, node, "repository/conf/jndi.properties");
        let topic = jndi
            .lines()
            .find_map(|l| l.strip_prefix("connectionfactory.TopicConnectionFactory = "))
            .unwrap();
        let am = rendered_xml(&p, node, "repository/conf/api-manager.xml");
        let jms = text(
            &am,
            "APIManager/ThrottlingConfigurations/JMSConnectionDetails/JMSConnectionParameters/connectionfactory.TopicConnectionFactory",
        );
        assert_eq!(
            brokers(topic),
            brokers(&jms),
            "{node}: one rule for both files"
        );
        assert_eq!(brokers(topic).len(), 2, "{node}: every traffic manager");
        assert!(
            brokers(topic)[0].contains(first),
            "{node}: its own broker first"
        );
        assert!(topic.contains("failover='roundrobin'"), "{topic}");
    }
    let p = distributed_ha();
    let publisher = p
        .nodes
        .iter()
        .find(|n| n.role == kmgen::model::Role::Publisher)
        .unwrap();
    let jndi = rendered(&p, &publisher.name, "repository/conf/jndi.properties");
    let tms = p
        .nodes
        .iter()
        .filter(|n| n.role == kmgen::model::Role::TrafficManager)
        .count();
    for line in jndi.lines().filter(|l| l.starts_with("connectionfactory.")) {
        assert_eq!(brokers(line).len(), tms, "{line}");
    }
}

/// A password with every character a URI, a properties file or XML could misread.
const HOSTILE: &str = r#"p@ss:w/rd%{x}"<>\?#&'!$ ~=;,[]`^|u"#;

#[test]
fn a_hostile_admin_password_round_trips_through_properties_and_uri_in_a_jvm() {
    let toml_password = HOSTILE.replace('\\', "\\\\").replace('"', "\\\"");
    let profile = active_active_ha().replace(
        "[gateway]",
        &format!("[admin]\nusername = \"ops-admin\"\npassword = \"{toml_password}\"\n[gateway]"),
    );
    let p = plan_of(&profile);
    let dir = Scratch::new("amqp");
    let jndi = dir.write(
        "jndi.properties",
        &rendered(&p, "apim-2", "repository/conf/jndi.properties"),
    );
    let am = dir.write(
        "api-manager.xml",
        &rendered(&p, "apim-2", "repository/conf/api-manager.xml"),
    );
    let out = Command::new("java")
        .current_dir(repo())
        .args(["tests/java/AmqpUrlCheck.java"])
        .arg(&jndi)
        .arg(&am)
        .output()
        .expect("java runs (apt-get install -y default-jdk-headless)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    for source in ["jndi.topic", "jndi.queue", "api-manager"] {
        let line = |k: &str| {
            stdout
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{source}\t{k}=")))
                .unwrap_or_else(|| panic!("{source} {k}: {stdout}"))
                .to_string()
        };
        assert_eq!(line("user"), "ops-admin", "{source}");
        assert_eq!(line("password"), HOSTILE, "{source}");
        assert!(line("query").contains("brokerlist="), "{source}");
    }
}

#[test]
fn an_admin_name_with_a_colon_is_refused() {
    let profile = active_active_ha().replace(
        "[gateway]",
        "[admin]\nusername = \"ops:admin\"\npassword = \"secret-pw\"\n[gateway]",
    );
    let dir = Scratch::new("admin-colon");
    let path = dir.write("profile.toml", &profile);
    let Err(e) = kmgen::load::load(&path) else {
        panic!("a `:` in admin.username was accepted");
    };
    let report = e.to_string();
    assert!(report.contains("admin.username"), "{report}");
    assert!(report.contains("`:`"), "{report}");
}

#[test]
fn the_publisher_publishes_throttling_events_and_the_traffic_manager_has_jndi() {
    let p = distributed_ha();
    let role = |r: kmgen::model::Role| p.nodes.iter().find(|n| n.role == r).unwrap();
    let publisher = role(kmgen::model::Role::Publisher);
    let am = rendered_xml(&p, &publisher.name, "repository/conf/api-manager.xml");
    // distributed-setup.md, Step 6.3 item 2: block conditions and key templates reach the
    // traffic managers only with the Publisher's data publisher on.
    assert_eq!(
        text(
            &am,
            "APIManager/ThrottlingConfigurations/DataPublisher/Enabled"
        ),
        "true"
    );
    let store = role(kmgen::model::Role::Store);
    let am = rendered_xml(&p, &store.name, "repository/conf/api-manager.xml");
    assert_eq!(
        text(
            &am,
            "APIManager/ThrottlingConfigurations/DataPublisher/Enabled"
        ),
        "false"
    );
    // The traffic manager's JMS event publishers read jndi.properties: its own broker, the
    // profile's admin credentials.
    let tm = role(kmgen::model::Role::TrafficManager);
    let jndi = rendered(&p, &tm.name, "repository/conf/jndi.properties");
    let topic = jndi
        .lines()
        .find_map(|l| l.strip_prefix("connectionfactory.TopicConnectionFactory = "))
        .unwrap();
    assert_eq!(brokers(topic), [format!("tcp://{}:5672", tm.host)]);
    assert!(!topic.contains("admin:admin@"), "{topic}");
}

#[test]
fn every_node_lists_the_ports_its_profile_opens() {
    let p = distributed_ha();
    let ports = |r: kmgen::model::Role| -> Vec<&'static str> {
        let n = p.nodes.iter().find(|n| n.role == r).unwrap();
        n.ports.iter().map(|(label, _)| *label).collect()
    };
    use kmgen::model::Role::*;
    for r in [GatewayManager, TrafficManager] {
        for label in [
            "JMS",
            "JMS SSL",
            "traffic manager binary",
            "traffic manager SSL",
        ] {
            assert!(ports(r).contains(&label), "{r:?} lacks {label}");
        }
    }
    assert!(ports(GatewayWorker).contains(&"JMS"));
    assert!(!ports(GatewayWorker).contains(&"traffic manager binary"));
    assert!(!ports(Publisher).contains(&"JMS"));
}
