//! `axis2.xml` clustering, `hazelcast.properties`, and how a node behind a load balancer
//! presents itself (`HostName`, Tomcat `proxyPort`).
use crate::model::{Deployment, Endpoint, Host, Node, Role};
use crate::plan::view::*;
use crate::topology::ports;

/// Hazelcast (wka) clustering of the gateway roles (hazelcast-clustering.md, "Enabling
/// Hazelcast clustering") and of several key managers; stock values on every other node.
///
/// Key managers: IS-KM HA is copies of one node behind a load balancer (is-as-key-manager.md
/// step 6), and the docs stop there. Clustered, Carbon keeps every cache that is not local
/// (no `$__local__$` name) in a Hazelcast map the members share
/// (wso2/carbon-kernel@v4.4.35 core/javax.cache/src/main/java/org/wso2/carbon/caching/impl/CacheImpl.java
/// l.126-155, the map provider the clustering agent registers:
/// core/org.wso2.carbon.core/.../internal/StartupFinalizerServiceComponent.java l.286-300):
/// the user-core role and permission caches (`USER_ROLES_CACHE`, `AUTHORIZATION_CACHE`),
/// for instance, so a role change on one Key Manager holds on the other at once instead of
/// after their timeout. Unclustered, every cache of each node is its own. The identity
/// caches that identity.xml marks `isDistributed="false"` (OAuthCache, AppInfoCache, ...)
/// stay local either way (carbon-identity-framework@v5.12.153 BaseCache.java l.56-57): with
/// the stock `ForceLocalCache` false, Carbon sends no invalidation for them
/// (CacheImpl.java l.129-138, l.519-526, l.646-652; ClusterCacheInvalidationRequestSender.java
/// l.72-75).
pub(crate) fn clustering(d: &Deployment, n: &Node) -> Clustering {
    let Some(cluster) = ports::cluster(d, n) else {
        return Clustering {
            enabled: false,
            membership_scheme: "multicast",
            domain: "wso2.carbon.domain".into(),
            local_member_host: "127.0.0.1".into(),
            local_member_port: ports::HAZELCAST,
            sub_domain: "worker",
            port_mapping: None,
            members: Vec::new(),
        };
    };
    // Step 2 item 7: every other member at its own localMemberPort.
    // (Steps 1 and 2 item 7 list the manager and the workers; leaving the node itself out is
    // kmgen's, see docs/unsourced-rules.md.)
    let members = d
        .nodes
        .iter()
        .filter(|m| m.name != n.name && ports::cluster(d, m) == Some(cluster))
        .map(|m| Member {
            host: m.host.clone(),
            port: m.hazelcast_port,
        })
        .collect();
    // Step 1 item 6: the gateway manager's sub-domain is `mgt`, and it maps 80 and 443 to
    // the servlet ports, written un-offset ("they get auto-incremented by portOffset").
    let manager = n.role == Role::GatewayManager;
    Clustering {
        enabled: true,
        membership_scheme: "wka",
        domain: cluster.domain(d),
        // Step 1 items 4-5: the node's own address (not its load balancer's), and its port.
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

/// The load balancer in front of a node's management port (9443 + offset), if any.
/// proxy-server-and-load-balancer.md, Step 2: Key Manager and Publisher/Store upstreams on 9443;
/// distributed-setup.md, Step 6.3 item 1.2: the traffic managers' load balancer on 9443.
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
        // No load balancer forwards plain HTTP to 9763 (load_balancers.rs), so no HTTP proxyPort.
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
