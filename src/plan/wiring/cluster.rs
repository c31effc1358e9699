//! `axis2.xml` clustering, and how a node behind a load balancer presents itself (`HostName`,
//! Tomcat `proxyPort`).
use crate::model::{Deployment, Endpoint, Host, Node, Role};
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

/// The load balancer in front of a node's management port (9443 + offset), if any.
pub(crate) fn management_load_balancer<'a>(d: &'a Deployment, n: &Node) -> Option<&'a Endpoint> {
    match n.role {
        Role::KeyManager => d.key_manager.load_balancer.as_ref(),
        Role::AllInOne | Role::Publisher | Role::Store => d.apim_load_balancer.as_ref(),
        Role::TrafficManager => d.tm_load_balancer.as_ref(),
        _ => None,
    }
}

/// catalina-server.xml `proxyPort` of a node behind a load balancer: the port clients use
/// (gateway-distributed-deployment-shared-fs.md, step 2: `proxyPort="443"` on 9443).
pub(crate) fn proxy(d: &Deployment, n: &Node) -> Proxy {
    Proxy {
        https: management_load_balancer(d, n).map(|lb| lb.port),
        http: None,
    }
}

/// carbon.xml `HostName` / `MgtHostName`. Carbon builds its own URLs (identity.xml OAuth,
/// JWKS, ID-token issuer: `${carbon.host}` + the proxy port) from them
/// (wso2/carbon-identity-framework IdentityUtil.fillURLPlaceholders, via
/// wso2/carbon-kernel@v4.4.35 CarbonUtils.getTransportProxyPort), so a node behind a load
/// balancer presents the load balancer's name, the same on every node behind it
/// (gateway-distributed-deployment-shared-fs.md, step 2: HostName and MgtHostName set to the
/// cluster's name on every node).
pub(crate) fn host_name(d: &Deployment, n: &Node) -> Host {
    management_load_balancer(d, n)
        .map(|lb| lb.host.clone())
        .unwrap_or_else(|| n.host.clone())
}
