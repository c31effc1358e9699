//! Port arithmetic: the stock ports of API-M 2.6.0 and IS-KM 5.7.0, and what each node listens on.
use crate::model::{Deployment, KmClient, Node, Role, UserStoreType};

pub const MGT_HTTPS: u32 = 9443;
pub const MGT_HTTP: u32 = 9763;
pub const NIO_HTTPS: u32 = 8243;
pub const NIO_HTTP: u32 = 8280;
pub const LDAP: u32 = 10389;
pub const THRIFT: u32 = 10397;
pub const TM_BINARY: u32 = 9611;
pub const TM_SSL: u32 = 9711;
pub const JMS: u32 = 5672;
pub const WEBSOCKET: u32 = 9099;
pub const SECURE_WEBSOCKET: u32 = 8099;
pub const JMX_RMI_REGISTRY: u32 = 9999;
pub const JMX_RMI_SERVER: u32 = 11111;
/// Hazelcast `localMemberPort`: not offset.
pub const HAZELCAST: u32 = 4000;

pub fn at(default: u32, node: &Node) -> u32 {
    default + u32::from(node.port_offset)
}

/// Nodes that join a Hazelcast (wka) cluster: API-traffic nodes with `gateway.hazelcast`.
pub fn clustered(d: &Deployment, node: &Node) -> bool {
    d.gateway.hazelcast && node.role.is_gateway()
}

/// Every port a node listens on, with a label, after its offset.
pub fn listening(d: &Deployment, n: &Node) -> Vec<(&'static str, u32)> {
    let mut v = vec![
        ("management HTTPS", at(MGT_HTTPS, n)),
        ("management HTTP", at(MGT_HTTP, n)),
        ("JMX RMI registry", at(JMX_RMI_REGISTRY, n)),
        ("JMX RMI server", at(JMX_RMI_SERVER, n)),
    ];
    if n.role.is_gateway() {
        v.push(("gateway NIO HTTPS", at(NIO_HTTPS, n)));
        v.push(("gateway NIO HTTP", at(NIO_HTTP, n)));
        v.push(("WebSocket", at(WEBSOCKET, n)));
        v.push(("secure WebSocket", at(SECURE_WEBSOCKET, n)));
    }
    if matches!(n.role, Role::AllInOne | Role::TrafficManager) {
        v.push(("traffic manager binary", at(TM_BINARY, n)));
        v.push(("traffic manager SSL", at(TM_SSL, n)));
        v.push(("JMS", at(JMS, n)));
    }
    if n.role == Role::KeyManager {
        if d.key_manager.client == KmClient::Thrift {
            v.push(("Thrift", at(THRIFT, n)));
        }
        if d.user_store.store_type == UserStoreType::EmbeddedLdap {
            v.push(("embedded LDAP", at(LDAP, n)));
        }
    }
    if clustered(d, n) {
        v.push(("Hazelcast", HAZELCAST));
    }
    v
}
