//! Throttling: traffic manager URL groups, policy deployment, JMS and `jndi.properties`.
use super::stock::*;
use super::*;
use crate::model::{Deployment, Node, Pattern, Port, Role, Secret};
use crate::plan::view::*;
use crate::topology::ports::{self, at};

/// The traffic managers a node publishes throttling events to.
pub(crate) fn traffic_managers<'a>(d: &'a Deployment, n: &'a Node) -> Vec<&'a Node> {
    match d.pattern {
        Pattern::HybridSingleNode => vec![n],
        Pattern::HybridActiveActive => d.nodes_with(Role::AllInOne).collect(),
        Pattern::Distributed => d.nodes_with(Role::TrafficManager).collect(),
    }
}

/// `{tcp://a:9611},{tcp://b:9611}` (one node: `tcp://a:9611`, as the stock writes it).
pub(crate) fn url_group(nodes: &[&Node], scheme: &str, port: Port) -> String {
    let urls: Vec<String> = nodes
        .iter()
        .map(|t| format!("{scheme}://{}:{}", t.host, at(port, t)))
        .collect();
    if urls.len() == 1 {
        urls[0].clone()
    } else {
        urls.iter()
            .map(|u| format!("{{{u}}}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// JMS topic connection factory to the traffic manager broker(s), with failover for several.
/// Credentials stay Carbon placeholders (`${admin.password}`), resolved by the product from
/// user-mgt.xml, so the admin password is written once.
pub(crate) fn jms_factory(tms: &[&Node], client_id: &str, vhost: &str) -> String {
    let user = "${admin.username}:${admin.password}";
    match tms {
        [tm] => format!(
            "amqp://{user}@{client_id}/{vhost}?brokerlist='tcp://{}:{}'",
            tm.host,
            at(ports::JMS, tm)
        ),
        _ => {
            let brokers: Vec<String> = tms
                .iter()
                .map(|t| {
                    format!(
                        "tcp://{}:{}?retries='5'%26connectdelay='50'",
                        t.host,
                        at(ports::JMS, t)
                    )
                })
                .collect();
            format!("amqp://{user}@{client_id}/{vhost}?failover='roundrobin'%26cyclecount='2'%26brokerlist='{}'", brokers.join(";"))
        }
    }
}

pub(crate) fn throttling(d: &Deployment, n: &Node) -> Throttling {
    let tms = traffic_managers(d, n);
    let (receiver, auth) = if n.role == Role::KeyManager || n.role == Role::TrafficManager {
        (STOCK_RECEIVER_URL.to_string(), STOCK_AUTH_URL.to_string())
    } else {
        (
            url_group(&tms, "tcp", ports::TM_BINARY),
            url_group(&tms, "ssl", ports::TM_SSL),
        )
    };
    let publishes = n.role.is_gateway();
    let deploys_policies = matches!(n.role, Role::AllInOne | Role::Publisher);
    let policy_deployer_url = match n.role {
        Role::AllInOne => services_url(n),
        Role::Publisher => match &d.tm_load_balancer {
            Some(lb) => lb_services_url(lb),
            None => tms
                .first()
                .map(|t| services_url(t))
                .unwrap_or_else(|| STOCK_SERVICES_URL.to_string()),
        },
        _ => STOCK_SERVICES_URL.to_string(),
    };
    let jms_topic_connection_factory = match n.role {
        Role::AllInOne => jms_factory(&[n], "clientid", "carbon"),
        r if r.is_gateway() => jms_factory(&tms, "clientid", "carbon"),
        _ => STOCK_JMS_FACTORY.to_string(),
    };
    Throttling {
        receiver_url_group: receiver,
        auth_url_group: auth,
        data_publisher_enabled: publishes,
        policy_deployer_enabled: deploys_policies,
        policy_deployer_url,
        block_condition_enabled: publishes,
        jms_enabled: publishes,
        jms_topic_connection_factory,
    }
}

pub(crate) fn jndi(d: &Deployment, n: &Node) -> Jndi {
    let tms = traffic_managers(d, n);
    let tm = tms.first().copied().unwrap_or(n);
    let user = format!("{}:{}", d.admin.username, d.admin.password.expose());
    Jndi {
        topic_connection_factory: Secret::new(format!(
            "amqp://{user}@clientid/carbon?brokerlist='tcp://{}:{}'",
            tm.host,
            at(ports::JMS, tm)
        )),
        queue_connection_factory: Secret::new(format!(
            "amqp://{user}@clientID/test?brokerlist='tcp://{}:{}'",
            tm.host,
            at(ports::JMS, tm)
        )),
    }
}
