//! Plan phase: Secure Vault (`[secure_vault] enabled`), Carbon 4.4's Cipher Tool done at
//! build time. Which product files resolve an alias, under which name, and which cannot.
//!
//! Each alias below is the name the product's own resolver asks the secret repository for;
//! the templates write it as `svns:secretAlias` (macros/vault.xml) with the Cipher Tool's
//! placeholder text. `cipher-tool.properties` lists the same aliases with the file and XPath
//! the Cipher Tool would edit (`alias=file//xpath,attribute?`: wso2/cipher-tool@v1.0.0-wso2v8:
//! components/ciphertool/src/main/java/org/wso2/ciphertool/CipherTool.java
//! secureVaultConfigTokens), so an operator can re-run the tool on a node.
use super::view::NodeView;
use super::{PlannedNode, TemplateId};
use crate::model::{Deployment, Role, Secret};

/// Where Carbon reads the three files: wso2/carbon-kernel@v4.4.35:core/org.wso2.carbon.securevault/
/// src/main/java/org/wso2/carbon/securevault/SecretManagerInitializer.java (secret-conf) and the
/// pack's repository/conf/security/ (wso2/product-apim@v2.6.0:modules/distribution/product/src/main/assembly/bin.xml l.1146-1152).
pub const CIPHER_TEXT: &str = "repository/conf/security/cipher-text.properties";
pub const CIPHER_TOOL: &str = "repository/conf/security/cipher-tool.properties";
pub const SECRET_CONF: &str = "repository/conf/security/secret-conf.properties";

/// Beside `nodes/`: per node, the files whose product reads no alias (0600; the README lists
/// them). Copied over the pack after `nodes/<node>/`.
pub const SECRETS_TREE: &str = "secrets";

/// One protected value of a node.
#[derive(Debug, Clone)]
pub struct Alias {
    pub alias: String,
    /// The file, from the node's home.
    pub file: &'static str,
    /// The Cipher Tool's XPath of the element (or `[@attribute]`).
    pub xpath: String,
    /// The value is an attribute (the Cipher Tool's `,true`), not the element's text.
    pub attribute: bool,
    pub secret: Secret,
}

/// The aliases of a node, in file order: one per value its aliased files protect.
pub fn aliases(n: &PlannedNode) -> Vec<Alias> {
    let v = &n.view;
    let mut out = Vec::new();
    for (template, _) in &n.configs {
        out.extend(file_aliases(*template, v));
    }
    out
}

fn alias(alias: String, file: &'static str, xpath: String, secret: &Secret) -> Alias {
    Alias {
        alias,
        file,
        xpath,
        attribute: false,
        secret: secret.clone(),
    }
}

fn file_aliases(template: TemplateId, v: &NodeView) -> Vec<Alias> {
    match template {
        TemplateId::Carbon => carbon(v),
        TemplateId::CatalinaServer => catalina(v),
        TemplateId::UserMgt => user_mgt(v),
        TemplateId::MasterDatasources => datasources(v),
        TemplateId::ApimBroker => broker(v),
        TemplateId::ApimDataBridge => data_bridge(v),
        _ => Vec::new(),
    }
}

/// "Carbon." + the element path: wso2/carbon-kernel@v4.4.35:core/org.wso2.carbon.base/src/main/
/// java/org/wso2/carbon/base/ServerConfiguration.java readChildElements, isProtectedToken.
fn carbon(v: &NodeView) -> Vec<Alias> {
    let ks = &v.tls.keystore;
    let file = "repository/conf/carbon.xml";
    let at = |path: String, secret: &Secret| {
        let name = format!("Carbon.{}", path.replace('/', "."));
        alias(name, file, format!("//Server/{path}"), secret)
    };
    let mut a = Vec::new();
    for store in ["KeyStore", "InternalKeyStore"] {
        a.push(at(format!("Security/{store}/Password"), &ks.password));
        a.push(at(
            format!("Security/{store}/KeyPassword"),
            &ks.key_password,
        ));
    }
    a.push(at(
        "Security/TrustStore/Password".into(),
        &v.tls.truststore.password,
    ));
    a
}

/// Root element, child elements, attribute: ServerManager.resolveSecuredConfig
/// (wso2/carbon-kernel@v4.4.35:core/org.wso2.carbon.tomcat/src/main/java/org/wso2/carbon/tomcat/internal/ServerManager.java).
fn catalina(v: &NodeView) -> Vec<Alias> {
    vec![Alias {
        attribute: true,
        ..alias(
            "Server.Service.Connector.keystorePass".into(),
            "repository/conf/tomcat/catalina-server.xml",
            "//Server/Service/Connector[@keystorePass]".into(),
            &v.tls.keystore.password,
        )
    }]
}

/// Fixed names: wso2/carbon-kernel@v4.4.35:core/org.wso2.carbon.user.core/src/main/java/org/wso2/
/// carbon/user/core/config/RealmConfigXMLProcessor.java l.370-372 (admin), l.579-580
/// ("UserStoreManager.Property." + the property name).
fn user_mgt(v: &NodeView) -> Vec<Alias> {
    let file = "repository/conf/user-mgt.xml";
    let mut a = vec![alias(
        "UserManager.AdminUser.Password".into(),
        file,
        "//UserManager/Realm/Configuration/AdminUser/Password".into(),
        &v.admin.password,
    )];
    if let Some(l) = &v.user_store.ldap {
        a.push(alias(
            "UserStoreManager.Property.ConnectionPassword".into(),
            file,
            "//UserManager/Realm/UserStoreManager/Property[@name='ConnectionPassword']".into(),
            &l.connection_password,
        ));
    }
    a
}

/// Any alias, read from the element's svns:secretAlias (wso2/carbon-kernel@v4.4.35:core/
/// org.wso2.carbon.ndatasource.core/src/main/java/org/wso2/carbon/ndatasource/core/utils/DataSourceUtils.java
/// l.175-190); the names follow the stock cipher-tool.properties (WSO2_CARBON_DB's).
fn datasources(v: &NodeView) -> Vec<Alias> {
    [&v.db.am, &v.db.um, &v.db.reg]
        .into_iter()
        .flatten()
        .map(|ds| {
            alias(
                format!("Datasources.{}.Configuration.Password", ds.name),
                "repository/conf/datasources/master-datasources.xml",
                format!(
                    "//datasources-configuration/datasources/datasource[name='{}']/definition[@type='RDBMS']/configuration/password",
                    ds.name
                ),
                &ds.password,
            )
        })
        .collect()
}

/// The element path with dots: wso2/andes@v3.2.55:modules/andes-core/broker/src/main/java/org/
/// wso2/andes/configuration/AndesConfigurationManager.java overrideWithDecryptedValue.
fn broker(v: &NodeView) -> Vec<Alias> {
    let mut a = Vec::new();
    for transport in ["amqp", "mqtt"] {
        for (store, secret) in [
            ("keyStore", &v.tls.keystore.password),
            ("trustStore", &v.tls.truststore.password),
        ] {
            let path = format!("transports/{transport}/sslConnection/{store}/password");
            let xpath = format!("//broker/{path}");
            a.push(alias(
                path.replace('/', "."),
                "repository/conf/broker.xml",
                xpath,
                secret,
            ));
        }
    }
    a
}

/// wso2/carbon-analytics-common@v5.1.42:components/data-bridge/org.wso2.carbon.databridge.core/
/// src/main/java/org/wso2/carbon/databridge/core/DataBridge.java createDataBridgeConfiguration
/// (DataBridgeConstants.DATA_BRIDGE_CONF_PASSWORD_ALIAS).
fn data_bridge(v: &NodeView) -> Vec<Alias> {
    vec![alias(
        "DataBridge.Config.keyStorePassword".into(),
        "repository/conf/data-bridge/data-bridge-config.xml",
        "//dataBridgeConfiguration/keyStorePassword".into(),
        &v.tls.keystore.password,
    )]
}

/// A file that holds a secret its product does not resolve through Secure Vault: with the
/// vault on it is written under `secrets/<node>/` (0600), never under `nodes/`.
pub fn unaliased(d: &Deployment, role: Role, template: TemplateId) -> bool {
    use TemplateId::*;
    match template {
        // The PassThrough listener and sender read their store passwords as plain text
        // (wso2/wso2-synapse@v2.1.7-wso2v80:modules/transports/core/nhttp/src/main/java/org/apache/synapse/transport/nhttp/config/
        // ServerConnFactoryBuilder.java, ClientConnFactoryBuilder.java createSSLContext l.276-290);
        // the wss sender its trust store's (wso2/carbon-mediation@v4.6.105:components/carbon-transports/websocket/
        // org.wso2.carbon.websocket.transport/src/main/java/org/wso2/carbon/websocket/transport/WebsocketConnectionFactory.java l.72).
        ApimAxis2 => true,
        // jndi.properties is read by andes' PropertiesFileInitialContextFactory: no resolver.
        ApimJndi => true,
        // No resolver found in the sources read (see docs/unsourced-rules.md, Secure Vault).
        ApimSslProfiles
        | ApimSecureWebSocketInbound
        | Identity
        | EndpointConfig
        | IsKmEmbeddedLdap => true,
        // The gateways' JMS URL carries the admin credentials: with the stock placeholders
        // when they need no percent-encoding, else the encoded literal (wiring/throttling.rs).
        ApiManager => role.is_gateway() && !admin_placeholders(d),
        _ => false,
    }
}

/// Whether api-manager.xml's AMQP URL can take the stock `${admin.username}:${admin.password}`
/// placeholders (product-apim@v2.6.0 api-manager.xml, JMSConnectionParameters): they reach
/// the URL raw, so only credentials of RFC 3986 unreserved characters can.
pub fn admin_placeholders(d: &Deployment) -> bool {
    let plain = |s: &str| super::percent_encode(s) == s;
    d.secure_vault && plain(&d.admin.username) && plain(d.admin.password.expose())
}
