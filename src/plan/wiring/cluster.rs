//! `axis2.xml` clustering, `hazelcast.properties`, and the Tomcat proxy ports of nodes
//! behind a load balancer.
use crate::model::{Deployment, Node, Role};
use crate::plan::view::*;
use crate::topology::ports::{self};

/// Hazelcast (wka) clustering of the gateway roles (hazelcast-clustering.md, "Enabling
/// Hazelcast clustering"); stock values on every other node.
pub(crate) fn clustering(d: &Deployment, n: &Node) -> Clustering {
    let enabled = ports::clustered(d, n);
    if !enabled {
        return Clustering {
            enabled,
            membership_scheme: "multicast",
            domain: "wso2.carbon.domain".into(),
            local_member_host: "127.0.0.1".into(),
            local_member_port: ports::HAZELCAST,
            sub_domain: "worker",
            port_mapping: None,
            members: Vec::new(),
        };
    }
    // Step 2 item 7: every other member at its own localMemberPort.
    let members = d
        .nodes
        .iter()
        .filter(|m| m.name != n.name && ports::clustered(d, m))
        .map(|m| Member {
            host: m.host.clone(),
            port: m.hazelcast_port,
        })
        .collect();
    // Step 1 item 6: the gateway manager's sub-domain is `mgt`, and it maps 80 and 443 to
    // the servlet ports, written un-offset ("they get auto-incremented by portOffset").
    let manager = n.role == Role::GatewayManager;
    Clustering {
        enabled,
        membership_scheme: "wka",
        domain: domain(d),
        local_member_host: n.host.to_string(),
        local_member_port: n.hazelcast_port,
        sub_domain: if manager { "mgt" } else { "worker" },
        port_mapping: manager.then_some(PortMapping {
            http: ports::MGT_HTTP,
            https: ports::MGT_HTTPS,
        }),
        members,
    }
}

/// The cluster's name, one per deployment: Carbon makes it the Hazelcast group name
/// (carbon-kernel@v4.4.35 HazelcastClusteringAgent.java l.370-372), and members of other
/// groups never join it, so two deployments on one network stay apart. The doc's example
/// is `wso2.am.domain` (hazelcast-clustering.md, Step 1 item 3); the stock
/// `wso2.carbon.domain` would be shared by every deployment.
pub(crate) fn domain(d: &Deployment) -> String {
    format!("wso2.am.{}.domain", d.name)
}

pub(crate) fn proxy(d: &Deployment, n: &Node) -> Proxy {
    let lb = match n.role {
        Role::KeyManager => d.key_manager.load_balancer.as_ref(),
        Role::AllInOne | Role::Publisher | Role::Store => d.apim_load_balancer.as_ref(),
        Role::TrafficManager => d.tm_load_balancer.as_ref(),
        _ => None,
    };
    Proxy {
        https: lb.map(|lb| lb.port),
        http: None,
    }
}
