//! Throttling: traffic manager URL groups, policy deployment, JMS and `jndi.properties`.
use super::stock::*;
use super::*;
use crate::model::{Deployment, Node, Pattern, Port, Role, Secret};
use crate::plan::view::*;
use crate::topology::ports::{self, at};
use crate::topology::{deploys_to, sync_source, SyncGroupId};

/// The traffic managers a node publishes throttling events to.
/// Single node: its own (stock); active-active-deployment.md, Step 6: both all-in-one nodes;
/// distributed-setup.md, Steps 6.3 item 1.2 and 6.6 item 4: every traffic manager.
pub(crate) fn traffic_managers<'a>(d: &'a Deployment, n: &'a Node) -> Vec<&'a Node> {
    match d.pattern {
        Pattern::HybridSingleNode => vec![n],
        Pattern::HybridActiveActive => d.nodes_with(Role::AllInOne).collect(),
        Pattern::Distributed => d.nodes_with(Role::TrafficManager).collect(),
    }
}

/// `{tcp://a:9611},{tcp://b:9611}` (one node: `tcp://a:9611`, as the stock writes it).
/// distributed-setup.md, Step 6.6 item 4 (HA): the `{...},{...}` form, under
/// `ThrottlingConfigurations/TrafficManager`, where the stock file has it (carbon-apimgt@v6.4.50 core feature api-manager.xml).
pub(crate) fn url_group(nodes: &[&Node], scheme: &str, port: Port) -> String {
    let urls: Vec<String> = nodes
        .iter()
        .map(|t| format!("{scheme}://{}", t.host.authority(at(port, t))))
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

/// The AMQP user info `user:password`, percent-encoded. The broker client (andes) parses
/// the whole connection URL with `java.net.URI`, percent-decodes the user info and splits it
/// at the first `:` (wso2/andes@v3.2.55:modules/andes-core/client/src/main/java/org/wso2/andes/client/url/URLParser.java);
/// `${admin.password}` placeholders would reach it raw (APIUtil.replaceSystemProperty,
/// wso2/carbon-apimgt@v6.4.50), so kmgen writes the encoded credentials itself. Every byte
/// but the URI's unreserved characters is encoded, which also leaves nothing for
/// `java.util.Properties` (`\`) or XML to interpret. Validation refuses a `:` in the user.
pub(crate) fn amqp_user_info(user: &str, password: &str) -> String {
    format!("{}:{}", percent_encode(user), percent_encode(password))
}

/// `s` with every byte but RFC 3986's unreserved characters as `%XX`: how the AMQP URLs
/// carry the admin credentials (and how `build --check` finds them to mask them).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An AMQP connection URL to the brokers of `tms`: one broker as the stock file writes it,
/// several with round-robin failover as distributed-setup.md step 6.6 writes the gateway's
/// (`&` as `%26`, which the client decodes from the query; valid in both files).
pub(crate) fn amqp_url(user_info: &str, tms: &[&Node], client_id: &str, vhost: &str) -> String {
    match tms {
        [tm] => format!(
            "amqp://{user_info}@{client_id}/{vhost}?brokerlist='tcp://{}'",
            tm.host.authority(at(ports::JMS, tm))
        ),
        _ => {
            let brokers: Vec<String> = tms
                .iter()
                .map(|t| {
                    format!(
                        "tcp://{}?retries='5'%26connectdelay='50'",
                        t.host.authority(at(ports::JMS, t))
                    )
                })
                .collect();
            format!(
                "amqp://{user_info}@{client_id}/{vhost}?failover='roundrobin'%26cyclecount='2'%26brokerlist='{}'",
                brokers.join(";")
            )
        }
    }
}

/// The brokers a node connects to for throttling decisions and notifications: every
/// traffic manager, the node's own first when it is one (an all-in-one node). One rule for
/// api-manager.xml and jndi.properties.
/// The own broker first is the stock URL's (`tcp://${carbon.local.ip}:${jms.port}`); the others
/// are failover (distributed-setup.md, Step 6.6 item 4.2).
fn brokers<'a>(d: &'a Deployment, n: &'a Node) -> Vec<&'a Node> {
    // A traffic manager's own event publishers (jmsEventPublisher, blockingEventJMSPublisher,
    // keyTemplateEventPublisher of the carbon-apimgt throttling feature) publish to its own
    // broker through jndi.properties.
    if n.role == Role::TrafficManager {
        return vec![n];
    }
    let mut tms = traffic_managers(d, n);
    tms.sort_by_key(|t| t.name != n.name);
    tms
}

/// The stock file's user info: `${admin.username}:${admin.password}`.
const ADMIN_PLACEHOLDERS: &str = "${admin.username}:${admin.password}";

fn credentials(d: &Deployment) -> String {
    amqp_user_info(d.admin.username.as_str(), d.admin.password.expose())
}

pub(crate) fn throttling(d: &Deployment, n: &Node) -> Throttling {
    let tms = traffic_managers(d, n);
    // The traffic manager receives on its own ports and the IS-KM publishes nothing: both keep
    // the stock URL groups.
    let (receiver, auth) = if n.role == Role::KeyManager || n.role == Role::TrafficManager {
        (STOCK_RECEIVER_URL.to_string(), STOCK_AUTH_URL.to_string())
    } else {
        (
            url_group(&tms, "tcp", ports::TM_BINARY),
            url_group(&tms, "ssl", ports::TM_SSL),
        )
    };
    // distributed-setup.md, Step 6.6 item 4.1 (gateway: true), Step 6.3 item 2 (Publisher: true:
    // the Admin portal's block conditions and key templates are published only then,
    // carbon-apimgt@v6.4.50 APIProviderImpl.publishBlockingEvent / publishKeyTemplateEvent) and
    // Step 6.4 item 2 (Store: false).
    let publishes = n.role.is_gateway();
    let data_publisher_enabled = publishes || n.role == Role::Publisher;
    // distributed-setup.md, Step 6.3 item 1.2 (Publisher) and the Step 6.6 item 4.1 warning
    // (gateway: false); the IS-KM's stock is false.
    let deploys_policies = matches!(n.role, Role::AllInOne | Role::Publisher);
    // Policies become execution plans in the receiving node's repository/deployment/server
    // (see `SyncGroupId`), so with rsync they go to the sync source, whose `--delete` copy
    // would erase them anywhere else (rsync-deployment-synchronization.md step 2).
    let policy_deployer_url = match n.role {
        // Its own traffic manager, alone or over NFS; active-active over rsync, node-1's
        // (active-active-deployment.md step 5: artifacts are created on node-1 only).
        Role::AllInOne => services_url(deploys_to(d, SyncGroupId::Gateways, n)),
        Role::Publisher => match (
            sync_source(d, SyncGroupId::TrafficManagers),
            &d.tm_load_balancer,
        ) {
            (Some(source), _) => services_url(source),
            // distributed-setup.md step 6.3 item 2: several traffic managers, their load balancer.
            (None, Some(lb)) => lb_services_url(lb),
            (None, None) => tms
                .first()
                .map(|t| services_url(t))
                .unwrap_or_else(|| STOCK_SERVICES_URL.to_string()),
        },
        _ => STOCK_SERVICES_URL.to_string(),
    };
    // distributed-setup.md, Step 6.6 item 4.2: the gateways subscribe to the traffic managers'
    // brokers; the other roles keep the stock factory (their JMSConnectionDetails are off).
    let jms_topic_connection_factory = Secret::new(if n.role.is_gateway() {
        // With Secure Vault, the stock placeholders where they fit (plan/vault.rs
        // `admin_placeholders`): APIManagerConfiguration puts the resolved admin password in
        // (ansible-apim@v2.6.0.7:roles/apim/templates/carbon-home/repository/conf/api-manager.xml.j2 l.602).
        let user_info = if crate::plan::vault::admin_placeholders(d) {
            ADMIN_PLACEHOLDERS.to_string()
        } else {
            credentials(d)
        };
        amqp_url(&user_info, &brokers(d, n), "clientid", "carbon")
    } else {
        STOCK_JMS_FACTORY.to_string()
    });
    Throttling {
        receiver_url_group: receiver,
        auth_url_group: auth,
        data_publisher_enabled,
        policy_deployer_enabled: deploys_policies,
        policy_deployer_url,
        // distributed-setup.md, Steps 6.3 item 1.2 and 6.4 item 2: false on Publisher and Store;
        // only the gateway component reads them (APIHandlerServiceComponent, JMSListenerComponent).
        block_condition_enabled: publishes,
        jms_enabled: publishes,
        jms_topic_connection_factory,
    }
}

/// `jndi.properties` of the nodes that publish notifications (all-in-one, Publisher): the
/// same brokers, in the same order, as the node's api-manager.xml.
/// distributed-setup.md, Step 6.3 item 2 (Publisher, with the broker credentials of user-mgt.xml);
/// the traffic manager's JMS event publishers read this file too (docs/rules.md, "Known wrong").
pub(crate) fn jndi(d: &Deployment, n: &Node) -> Jndi {
    let tms = brokers(d, n);
    let tms = if tms.is_empty() { vec![n] } else { tms };
    let user_info = credentials(d);
    Jndi {
        topic_connection_factory: Secret::new(amqp_url(&user_info, &tms, "clientid", "carbon")),
        queue_connection_factory: Secret::new(amqp_url(&user_info, &tms, "clientID", "test")),
    }
}
