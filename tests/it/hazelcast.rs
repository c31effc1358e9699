//! Hazelcast clustering of the gateways (hazelcast-clustering.md): one cluster name per
//! deployment, a member port per node that the offset does not move, `hazelcast.properties`
//! on every clustered node, and the gateway manager's `mgt` sub-domain and port mapping.
//! The same-host refusal is pinned in `tests/cases/errors/hazelcast-port-collision.*`.
use crate::support::render::{plan_of, rendered, rendered_xml, try_rendered};
use crate::support::xml::{attrs, text, texts, Element};

const AXIS2: &str = "repository/conf/axis2/axis2.xml";
const PROPERTIES: &str = "repository/conf/hazelcast.properties";
const CLUSTERING: &str = "axisconfig/clustering";

/// Two all-in-one nodes (both clustered with `hazelcast`) and a Key Manager; `nodes` is
/// appended to the first all-in-one's table.
fn active_active(hazelcast: bool, apim_1: &str, apim_2: &str) -> String {
    format!(
        r#"
[deployment]
name = "acme-ha"
pattern = "hybrid-active-active"
[gateway]
hazelcast = {hazelcast}
sync = "rsync"
load_balancer = {{ host = "gw.example.com" }}
[[node]]
name = "km"
role = "key-manager"
host = "km.example.com"
[[node]]
name = "apim-1"
role = "all-in-one"
{apim_1}
[[node]]
name = "apim-2"
role = "all-in-one"
{apim_2}
"#
    )
}

/// A distributed deployment whose gateway manager and worker share a host; the manager
/// runs at offset 1 with Hazelcast port 4100.
const DISTRIBUTED: &str = r#"
[deployment]
name = "acme-dist"
pattern = "distributed"
[gateway]
hazelcast = true
sync = "rsync"
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
name = "gw-m"
role = "gateway-manager"
host = "gw.example.com"
port_offset = 1
hazelcast_port = 4100
[[node]]
name = "gw-w"
role = "gateway-worker"
host = "gw.example.com"
"#;

fn param(axis2: &Element, name: &str) -> String {
    text(axis2, &format!("{CLUSTERING}/parameter[@name={name}]"))
}

/// `(name, value)` of the clustering `properties`.
fn properties(axis2: &Element) -> Vec<(String, String)> {
    let path = format!("{CLUSTERING}/parameter[@name=properties]/property");
    attrs(axis2, &path, "name")
        .into_iter()
        .zip(attrs(axis2, &path, "value"))
        .collect()
}

fn members(axis2: &Element) -> Vec<String> {
    let hosts = texts(axis2, &format!("{CLUSTERING}/members/member/hostName"));
    let ports = texts(axis2, &format!("{CLUSTERING}/members/member/port"));
    hosts
        .into_iter()
        .zip(ports)
        .map(|(h, p)| format!("{h}:{p}"))
        .collect()
}

/// The cluster is named after the deployment (the doc's example is `wso2.am.domain`), so
/// two deployments on one network never join each other; unclustered nodes keep the stock
/// `wso2.carbon.domain`.
#[test]
fn the_cluster_domain_is_the_deployments() {
    let p = plan_of(&active_active(
        true,
        "host = \"apim1.example.com\"",
        "host = \"apim2.example.com\"",
    ));
    for node in ["apim-1", "apim-2"] {
        let axis2 = rendered_xml(&p, node, AXIS2);
        assert_eq!(param(&axis2, "domain"), "wso2.am.acme-ha.domain", "{node}");
    }
    let km = rendered_xml(&p, "km", AXIS2);
    assert_eq!(param(&km, "domain"), "wso2.carbon.domain");
}

/// Each node listens on its own `hazelcast_port` (not offset) and lists every other member
/// at that member's port: two clustered nodes on one host.
#[test]
fn each_member_has_its_own_port() {
    let p = plan_of(&active_active(
        true,
        "host = \"apim.example.com\"",
        "host = \"apim.example.com\"\nport_offset = 10\nhazelcast_port = 4001",
    ));
    let one = rendered_xml(&p, "apim-1", AXIS2);
    let two = rendered_xml(&p, "apim-2", AXIS2);
    assert_eq!(param(&one, "localMemberPort"), "4000");
    assert_eq!(param(&two, "localMemberPort"), "4001");
    assert_eq!(members(&one), ["apim.example.com:4001"]);
    assert_eq!(members(&two), ["apim.example.com:4000"]);
    // `plan` and the README list the port with the node's others.
    let listed = &p.node("apim-2").unwrap().ports;
    assert!(listed
        .iter()
        .any(|(label, port)| *label == "Hazelcast" && port.get() == 4001));
    assert!(
        listed.iter().any(|(_, port)| port.get() == 9453),
        "offset 10: {listed:?}"
    );
}

/// hazelcast-clustering.md, "Configuring Hazelcast properties": every clustered node gets
/// `repository/conf/hazelcast.properties` with the shutdown hook off and log4j logging.
#[test]
fn clustered_nodes_get_hazelcast_properties() {
    let p = plan_of(DISTRIBUTED);
    for node in ["gw-m", "gw-w"] {
        let props = rendered(&p, node, PROPERTIES);
        let entries: Vec<&str> = props
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .collect();
        assert_eq!(
            entries,
            [
                "hazelcast.shutdownhook.enabled=false",
                "hazelcast.logging.type=log4j"
            ],
            "{node}"
        );
        let path = format!("nodes/{node}/{PROPERTIES}");
        let out = p.outputs.iter().find(|o| o.path == path);
        assert!(
            out.is_some_and(|o| !o.private),
            "{path} is a planned, world-readable output"
        );
    }
    for node in ["km", "pub", "store", "tm"] {
        assert!(
            try_rendered(&p, node, PROPERTIES).is_none(),
            "{node} is not clustered"
        );
    }
    let p = plan_of(&active_active(
        false,
        "host = \"apim1.example.com\"",
        "host = \"apim2.example.com\"",
    ));
    assert!(
        try_rendered(&p, "apim-1", PROPERTIES).is_none(),
        "hazelcast = false"
    );
}

/// hazelcast-clustering.md Step 1 item 6: the gateway manager's sub-domain is `mgt` and it
/// maps 80 and 443 to the servlet ports, un-offset (Carbon adds the offset); Step 2 item 6:
/// the worker's is `worker`, without a mapping.
#[test]
fn the_gateway_manager_maps_the_servlet_ports() {
    let p = plan_of(DISTRIBUTED);
    let manager = rendered_xml(&p, "gw-m", AXIS2);
    let props = properties(&manager);
    let get = |name: &str| {
        props
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("subDomain"), Some("mgt"));
    assert_eq!(get("port.mapping.80"), Some("9763"));
    assert_eq!(get("port.mapping.443"), Some("9443"));
    assert_eq!(param(&manager, "localMemberPort"), "4100");
    assert_eq!(members(&manager), ["gw.example.com:4000"]);

    let worker = rendered_xml(&p, "gw-w", AXIS2);
    let names: Vec<String> = properties(&worker).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["backendServerURL", "mgtConsoleURL", "subDomain"]);
    assert_eq!(
        attrs(
            &worker,
            &format!("{CLUSTERING}/parameter[@name=properties]/property[@name=subDomain]"),
            "value"
        ),
        ["worker"]
    );
    assert_eq!(members(&worker), ["gw.example.com:4100"]);
}

/// Two Key Managers behind their load balancer, the gateways clustered or not; the second
/// Key Manager shares the first's host at offset 1 with its own Hazelcast port.
fn two_key_managers(gateway_hazelcast: bool) -> String {
    format!(
        r#"
[deployment]
name = "acme-ha"
pattern = "hybrid-active-active"
[key_manager]
load_balancer = {{ host = "km.example.com" }}
[gateway]
hazelcast = {gateway_hazelcast}
sync = "rsync"
load_balancer = {{ host = "gw.example.com" }}
[[node]]
name = "km-1"
role = "key-manager"
host = "km1.example.com"
[[node]]
name = "km-2"
role = "key-manager"
host = "km1.example.com"
port_offset = 1
hazelcast_port = 4001
[[node]]
name = "apim-1"
role = "all-in-one"
host = "apim1.example.com"
[[node]]
name = "apim-2"
role = "all-in-one"
host = "apim2.example.com"
"#
    )
}

/// Several Key Managers are one cluster of their own (their own domain, each at its own
/// host and Hazelcast port, the other Key Managers its only members), with
/// `hazelcast.properties`; the gateways' cluster never lists them. Before issue 11 the
/// Key Managers ran the stock, unclustered axis2.xml.
#[test]
fn several_key_managers_are_a_cluster_of_their_own() {
    for gateway_hazelcast in [true, false] {
        let p = plan_of(&two_key_managers(gateway_hazelcast));
        for (node, port, other) in [
            ("km-1", "4000", "km1.example.com:4001"),
            ("km-2", "4001", "km1.example.com:4000"),
        ] {
            let axis2 = rendered_xml(&p, node, AXIS2);
            assert_eq!(attrs(&axis2, CLUSTERING, "enable"), ["true"], "{node}");
            assert_eq!(param(&axis2, "membershipScheme"), "wka", "{node}");
            assert_eq!(param(&axis2, "domain"), "wso2.km.acme-ha.domain", "{node}");
            assert_eq!(
                param(&axis2, "localMemberHost"),
                "km1.example.com",
                "{node}"
            );
            assert_eq!(param(&axis2, "localMemberPort"), port, "{node}");
            assert_eq!(members(&axis2), [other], "{node}");
            let props = rendered(&p, node, PROPERTIES);
            assert!(
                props
                    .contains("hazelcast.shutdownhook.enabled=false\nhazelcast.logging.type=log4j"),
                "{node}: {props}"
            );
            assert!(
                p.node(node)
                    .unwrap()
                    .ports
                    .iter()
                    .any(|(label, p)| *label == "Hazelcast" && p.to_string() == port),
                "{node} lists its Hazelcast port"
            );
        }
        for node in ["apim-1", "apim-2"] {
            let axis2 = rendered_xml(&p, node, AXIS2);
            let enabled = attrs(&axis2, CLUSTERING, "enable");
            assert_eq!(enabled, [gateway_hazelcast.to_string()], "{node}");
            if gateway_hazelcast {
                assert_eq!(param(&axis2, "domain"), "wso2.am.acme-ha.domain", "{node}");
                assert!(
                    members(&axis2).iter().all(|m| m.starts_with("apim")),
                    "{node}: {:?}",
                    members(&axis2)
                );
            }
        }
    }
}

/// One Key Manager joins no cluster: the stock clustering block, no hazelcast.properties.
#[test]
fn a_single_key_manager_is_not_clustered() {
    let p = plan_of(&active_active(
        true,
        "host = \"apim1.example.com\"",
        "host = \"apim2.example.com\"",
    ));
    let km = rendered_xml(&p, "km", AXIS2);
    assert_eq!(attrs(&km, CLUSTERING, "enable"), ["false"]);
    assert_eq!(param(&km, "membershipScheme"), "multicast");
    assert!(try_rendered(&p, "km", PROPERTIES).is_none());
}
