//! Values the stock files hold where a node talks to itself; Carbon resolves the `${...}`
//! placeholders at start-up (stock `api-manager.xml`, `user-mgt.xml` of both packs).

/// Carbon resolves these itself; the stock files use them where a node talks to itself.
pub(crate) const STOCK_SERVICES_URL: &str =
    "https://localhost:${mgt.transport.https.port}${carbon.context}services/";
pub(crate) const STOCK_STORE_URL: &str = "https://localhost:${mgt.transport.https.port}/store";
pub(crate) const STOCK_GATEWAY_ENDPOINT: &str =
    "http://${carbon.local.ip}:${http.nio.port},https://${carbon.local.ip}:${https.nio.port}";
pub(crate) const STOCK_GATEWAY_WS_ENDPOINT: &str = "ws://${carbon.local.ip}:9099";
pub(crate) const STOCK_RECEIVER_URL: &str = "tcp://${carbon.local.ip}:${receiver.url.port}";
pub(crate) const STOCK_AUTH_URL: &str = "ssl://${carbon.local.ip}:${auth.url.port}";
pub(crate) const STOCK_JMS_FACTORY: &str =
    "amqp://${admin.username}:${admin.password}@clientid/carbon?brokerlist='tcp://${carbon.local.ip}:${jms.port}'";
pub(crate) const STOCK_LDAP_URL: &str = "ldap://localhost:${Ports.EmbeddedLDAP.LDAPServerPort}";
