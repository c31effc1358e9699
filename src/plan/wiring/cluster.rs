//! `axis2.xml` clustering and the Tomcat proxy ports of nodes behind a load balancer.
use crate::model::{Deployment, Node, Role};
use crate::plan::view::*;
use crate::topology::ports::{self};

pub(crate) fn clustering(d: &Deployment, n: &Node) -> Clustering {
    let enabled = ports::clustered(d, n);
    let members = if enabled {
        d.nodes
            .iter()
            .filter(|m| m.name != n.name && ports::clustered(d, m))
            .map(|m| Member {
                host: m.host.clone(),
                port: ports::HAZELCAST,
            })
            .collect()
    } else {
        Vec::new()
    };
    Clustering {
        enabled,
        membership_scheme: if enabled { "wka" } else { "multicast" },
        domain: "wso2.carbon.domain".into(),
        local_member_host: if enabled {
            n.host.to_string()
        } else {
            "127.0.0.1".into()
        },
        local_member_port: ports::HAZELCAST,
        members,
    }
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
