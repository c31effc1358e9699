//! Port arithmetic: the stock ports of API-M 2.6.0 and IS-KM 5.7.0, and what each node listens on.
use crate::model::{Deployment, KmClient, Node, Port, PortOffset, Role, UserStore};

// default-product-ports.md, "Management console ports", "LDAP server ports" and "API Manager".
pub const MGT_HTTPS: Port = Port::stock(9443);
pub const MGT_HTTP: Port = Port::stock(9763);
pub const NIO_HTTPS: Port = Port::stock(8243);
pub const NIO_HTTP: Port = Port::stock(8280);
pub const LDAP: Port = Port::stock(10389);
pub const THRIFT: Port = Port::stock(10397);
pub const TM_BINARY: Port = Port::stock(9611);
pub const TM_SSL: Port = Port::stock(9711);
pub const JMS: Port = Port::stock(5672);
// The broker's AMQP SSL listener (broker.xml `transports/amqp/sslConnection` port 8672,
// wso2/carbon-business-messaging@v3.2.44 andes server feature conf/broker.xml).
pub const JMS_SSL: Port = Port::stock(8672);
pub const WEBSOCKET: Port = Port::stock(9099);
// The stock SecureWebSocketInboundEndpoint.xml `inbound.ws.port` (wso2/product-apim@v2.6.0).
pub const SECURE_WEBSOCKET: Port = Port::stock(8099);
// Stock carbon.xml Ports/JMX (RMIRegistryPort 9999, RMIServerPort 11111; wso2/carbon-kernel@v4.4.35
// carbon-home/repository/conf/carbon.xml l.132-134); default-product-ports.md swaps the two names.
pub const JMX_RMI_REGISTRY: Port = Port::stock(9999);
pub const JMX_RMI_SERVER: Port = Port::stock(11111);
/// Hazelcast `localMemberPort` by default (`[[node]] hazelcast_port`): never offset
/// (hazelcast-clustering.md, Step 1 item 5; carbon-kernel@v4.4.35
/// HazelcastClusteringAgent.java l.395-400 reads it as written).
pub const HAZELCAST: Port = Port::stock(4000);
/// `listening`'s label of the Hazelcast port.
pub const HAZELCAST_LABEL: &str = "Hazelcast";

/// Every default port the offset moves, as listings name it: the ports a node's files carry.
pub const OFFSET_PORTS: [(&str, Port); 14] = [
    ("management HTTPS", MGT_HTTPS),
    ("management HTTP", MGT_HTTP),
    ("JMX RMI registry", JMX_RMI_REGISTRY),
    ("JMX RMI server", JMX_RMI_SERVER),
    ("gateway NIO HTTPS", NIO_HTTPS),
    ("gateway NIO HTTP", NIO_HTTP),
    ("WebSocket", WEBSOCKET),
    ("secure WebSocket", SECURE_WEBSOCKET),
    ("traffic manager binary", TM_BINARY),
    ("traffic manager SSL", TM_SSL),
    ("JMS", JMS),
    ("JMS SSL", JMS_SSL),
    ("Thrift", THRIFT),
    ("embedded LDAP", LDAP),
];

/// The highest offset port, and so the largest offset that keeps every port of a node valid.
pub const HIGHEST_OFFSET_PORT: (&str, Port) = highest(&OFFSET_PORTS);
pub const MAX_OFFSET: PortOffset = PortOffset::new(u16::MAX - HIGHEST_OFFSET_PORT.1.get());

const fn highest(ports: &[(&'static str, Port)]) -> (&'static str, Port) {
    let mut best = ports[0];
    let mut i = 1;
    while i < ports.len() {
        if ports[i].1.get() > best.1.get() {
            best = ports[i];
        }
        i += 1;
    }
    best
}

/// The default port `default` of `node`, offset.
/// is-as-key-manager.md, Step 2: carbon.xml `Offset` moves every port the runtime defines;
/// APIManagerConfiguration.load (wso2/carbon-apimgt@v6.4.50) does so for 9611, 9711 and 5672.
pub fn at(default: Port, node: &Node) -> Port {
    default
        .offset_by(node.port_offset)
        .expect("validated: a node's offset is at most MAX_OFFSET")
}

/// The label of a default port in `OFFSET_PORTS`.
fn labelled(default: Port, node: &Node) -> (&'static str, Port) {
    let (label, _) = OFFSET_PORTS
        .iter()
        .find(|(_, p)| *p == default)
        .expect("every offset port is listed");
    (label, at(default, node))
}

/// A Hazelcast (wka) cluster of a deployment: its members list only each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cluster {
    /// The API-traffic nodes with `gateway.hazelcast`: immediate token invalidation across
    /// the gateways (hazelcast-clustering.md, "When to use Hazelcast").
    Gateways,
    /// Several IS-KM nodes (behind their load balancer): they share the caches Carbon
    /// distributes when clustered (see `plan::wiring::cluster`).
    KeyManagers,
}

impl Cluster {
    /// Its name: `domain`, Carbon's Hazelcast group (carbon-kernel@v4.4.35
    /// HazelcastClusteringAgent.java l.370-372). One per deployment and cluster, so neither
    /// two deployments on one network nor a deployment's two clusters join each other; the
    /// doc's example is `wso2.am.domain` (hazelcast-clustering.md, Step 1 item 3), the stock
    /// `wso2.carbon.domain` would be everyone's.
    pub fn domain(self, d: &Deployment) -> String {
        match self {
            Cluster::Gateways => format!("wso2.am.{}.domain", d.name),
            Cluster::KeyManagers => format!("wso2.km.{}.domain", d.name),
        }
    }
}

/// The cluster a node joins, if any: API-traffic nodes with `gateway.hazelcast`; key
/// managers when there are several.
pub fn cluster(d: &Deployment, node: &Node) -> Option<Cluster> {
    if d.gateway.hazelcast && node.role.is_gateway() {
        Some(Cluster::Gateways)
    } else if node.role == Role::KeyManager && d.key_managers().count() > 1 {
        Some(Cluster::KeyManagers)
    } else {
        None
    }
}

/// Whether a node joins a Hazelcast cluster (and so listens on its `hazelcast_port`).
pub fn clustered(d: &Deployment, node: &Node) -> bool {
    cluster(d, node).is_some()
}

/// Every port a node listens on, with a label, after its offset.
pub fn listening(d: &Deployment, n: &Node) -> Vec<(&'static str, Port)> {
    // Every node: Tomcat and JMX (StartRMIServer true, carbon-kernel@v4.4.35 repository/conf/etc/jmx.xml).
    let mut defaults = vec![MGT_HTTPS, MGT_HTTP, JMX_RMI_REGISTRY, JMX_RMI_SERVER];
    if n.role.is_gateway() {
        defaults.extend([NIO_HTTPS, NIO_HTTP, WEBSOCKET, SECURE_WEBSOCKET]);
    }
    // wso2/product-apim@v2.6.0:modules/p2-profile/product/pom.xml: the default profile
    // (all-in-one, gateway, gateway manager) installs the data receiver (l.811) and the
    // broker (l.1192), gateway-worker the broker (l.1336), traffic-manager both (l.3106,
    // l.3303); api-publisher and api-store neither.
    let default_profile = matches!(
        n.role,
        Role::AllInOne | Role::Gateway | Role::GatewayManager
    );
    if default_profile || n.role == Role::TrafficManager {
        defaults.extend([TM_BINARY, TM_SSL]);
    }
    if default_profile || matches!(n.role, Role::TrafficManager | Role::GatewayWorker) {
        defaults.extend([JMS, JMS_SSL]);
    }
    // The Thrift server only with EnableThriftServer; the ApacheDS only where it is the store.
    if n.role == Role::KeyManager {
        if d.key_manager.client == KmClient::Thrift {
            defaults.push(THRIFT);
        }
        if matches!(d.user_store, UserStore::EmbeddedLdap) {
            defaults.push(LDAP);
        }
    }
    let mut v: Vec<_> = defaults.into_iter().map(|p| labelled(p, n)).collect();
    if clustered(d, n) {
        v.push((HAZELCAST_LABEL, n.hazelcast_port));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_highest_port_bounds_the_offset() {
        assert_eq!(HIGHEST_OFFSET_PORT, ("JMX RMI server", JMX_RMI_SERVER));
        assert_eq!(MAX_OFFSET.get(), 65535 - 11111);
        for (_, p) in OFFSET_PORTS {
            assert!(p.offset_by(MAX_OFFSET).is_some());
        }
    }
}
