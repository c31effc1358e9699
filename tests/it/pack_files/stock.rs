//! The new files against the files the packs ship: the stock folder's copies where it has
//! them, else every element path and value of the source file, kept here.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::PathBuf;

use crate::fidelity::{paths, resolve_jinja, stock_dir, ANSIBLE, PRODUCT};
use crate::support::xml::{parse, Element};

use super::store_refs::Doc;
use super::{build_all, Built, BROKER, DATA_BRIDGE, ENDPOINT_CONFIG, SSL_PROFILES, WSS};

/// Element path → its value: the attributes other than the one the path names it by (`@k=v`,
/// sorted), then the trimmed text of a leaf, space-separated.
fn element_values(root: &Element) -> BTreeMap<String, Vec<String>> {
    paths(root)
        .into_iter()
        .map(|(path, elements)| {
            let values = elements
                .iter()
                .map(|e| {
                    let mut attrs: Vec<String> = e
                        .attrs
                        .iter()
                        .filter(|(k, _)| k != "name" && k != "class")
                        .map(|(k, v)| format!("@{k}={v}"))
                        .collect();
                    attrs.sort();
                    let text = e.text.trim();
                    if e.children.is_empty() && !text.is_empty() {
                        attrs.push(text.to_string());
                    }
                    attrs.join(" ")
                })
                .collect();
            (path, values)
        })
        .collect()
}

/// Differences between a generated file and the file the pack ships: element paths one has
/// and the other lacks, and values that differ outside `wired` (the paths kmgen writes).
fn differences(
    ours: &BTreeMap<String, Vec<String>>,
    stock: &BTreeMap<String, Vec<String>>,
    wired: &[&str],
) -> Vec<String> {
    let mut out = Vec::new();
    for p in stock.keys().filter(|p| !ours.contains_key(*p)) {
        out.push(format!("missing {p}"));
    }
    for p in ours.keys().filter(|p| !stock.contains_key(*p)) {
        out.push(format!("extra {p}"));
    }
    for (p, want) in stock {
        match ours.get(p) {
            Some(got) if got != want && !wired.contains(&p.as_str()) => {
                out.push(format!("{p}: {got:?}, stock {want:?}"));
            }
            _ => {}
        }
    }
    out
}

/// `wso2/carbon-business-messaging@v3.2.44:features/andes/org.wso2.carbon.andes.server.feature/resources/conf/broker.xml`
/// (the stock folder has no broker.xml): every element path with its value, in file order.
const BROKER_SOURCE: &[(&str, &str)] = &[
    ("broker", ""),
    ("broker/coordination", ""),
    ("broker/coordination/nodeID", "default"),
    ("broker/coordination/thriftServerHost", "localhost"),
    ("broker/coordination/thriftServerPort", "7611"),
    ("broker/coordination/thriftSOTimeout", "0"),
    ("broker/coordination/thriftServerReconnectTimeout", "5"),
    ("broker/coordination/clusterNotificationTimeout", "10"),
    ("broker/coordination/rdbmsBasedCoordination", "@enabled=true"),
    ("broker/coordination/rdbmsBasedCoordination/heartbeatInterval", "5000"),
    ("broker/coordination/rdbmsBasedCoordination/coordinatorEntryCreationWaitTime", "3000"),
    ("broker/coordination/rdbmsBasedCoordination/eventPollingInterval", "4000"),
    ("broker/coordination/rdbmsBasedClusterEventSynchronization", "@enabled=true"),
    ("broker/coordination/rdbmsBasedClusterEventSynchronization/eventSyncInterval", "1000"),
    ("broker/transports", ""),
    ("broker/transports/amqp", "@enabled=true"),
    ("broker/transports/amqp/bindAddress", "0.0.0.0"),
    ("broker/transports/amqp/defaultConnection", "@enabled=true @port=5672"),
    ("broker/transports/amqp/sslConnection", "@enabled=true @port=8672"),
    ("broker/transports/amqp/sslConnection/keyStore", ""),
    ("broker/transports/amqp/sslConnection/keyStore/location", "repository/resources/security/wso2carbon.jks"),
    ("broker/transports/amqp/sslConnection/keyStore/password", "wso2carbon"),
    ("broker/transports/amqp/sslConnection/keyStore/certType", "SunX509"),
    ("broker/transports/amqp/sslConnection/trustStore", ""),
    ("broker/transports/amqp/sslConnection/trustStore/location", "repository/resources/security/client-truststore.jks"),
    ("broker/transports/amqp/sslConnection/trustStore/password", "wso2carbon"),
    ("broker/transports/amqp/sslConnection/trustStore/certType", "SunX509"),
    ("broker/transports/amqp/maximumRedeliveryAttempts", "10"),
    ("broker/transports/amqp/allowSharedTopicSubscriptions", "false"),
    ("broker/transports/amqp/allowStrictNameValidation", "true"),
    ("broker/transports/mqtt", "@enabled=true"),
    ("broker/transports/mqtt/bindAddress", "0.0.0.0"),
    ("broker/transports/mqtt/defaultConnection", "@enabled=true @port=1883"),
    ("broker/transports/mqtt/sslConnection", "@enabled=true @port=8883"),
    ("broker/transports/mqtt/sslConnection/keyStore", ""),
    ("broker/transports/mqtt/sslConnection/keyStore/location", "repository/resources/security/wso2carbon.jks"),
    ("broker/transports/mqtt/sslConnection/keyStore/password", "wso2carbon"),
    ("broker/transports/mqtt/sslConnection/keyStore/certType", "SunX509"),
    ("broker/transports/mqtt/sslConnection/trustStore", ""),
    ("broker/transports/mqtt/sslConnection/trustStore/location", "repository/resources/security/client-truststore.jks"),
    ("broker/transports/mqtt/sslConnection/trustStore/password", "wso2carbon"),
    ("broker/transports/mqtt/sslConnection/trustStore/certType", "SunX509"),
    ("broker/transports/mqtt/inboundBufferSize", "32768"),
    ("broker/transports/mqtt/deliveryBufferSize", "32768"),
    ("broker/transports/mqtt/security", ""),
    ("broker/transports/mqtt/security/authentication", "OPTIONAL"),
    ("broker/transports/mqtt/security/authenticator[@class=org.wso2.carbon.andes.authentication.andes.CarbonBasedMQTTAuthenticator]", ""),
    ("broker/transports/mqtt/security/authorization", "NOT_REQUIRED"),
    ("broker/transports/mqtt/security/authorizer[@class=org.wso2.carbon.andes.authorization.andes.CarbonPermissionBasedMQTTAuthorizer]", ""),
    ("broker/transports/mqtt/security/authorizer[@class=org.wso2.carbon.andes.authorization.andes.CarbonPermissionBasedMQTTAuthorizer]/property[@name=connectionPermission]", "/permission/admin/mqtt/connect"),
    ("broker/persistence", ""),
    ("broker/persistence/messageStore[@class=org.wso2.andes.store.rdbms.RDBMSMessageStoreImpl]", ""),
    ("broker/persistence/messageStore[@class=org.wso2.andes.store.rdbms.RDBMSMessageStoreImpl]/property[@name=dataSource]", "WSO2MBStoreDB"),
    ("broker/persistence/messageStore[@class=org.wso2.andes.store.rdbms.RDBMSMessageStoreImpl]/property[@name=storeUnavailableSQLStateClasses]", "08"),
    ("broker/persistence/messageStore[@class=org.wso2.andes.store.rdbms.RDBMSMessageStoreImpl]/property[@name=integrityViolationSQLStateClasses]", "23,27,44"),
    ("broker/persistence/messageStore[@class=org.wso2.andes.store.rdbms.RDBMSMessageStoreImpl]/property[@name=dataErrorSQLStateClasses]", "21,22"),
    ("broker/persistence/messageStore[@class=org.wso2.andes.store.rdbms.RDBMSMessageStoreImpl]/property[@name=transactionRollbackSQLStateClasses]", "40"),
    ("broker/persistence/contextStore[@class=org.wso2.andes.store.rdbms.RDBMSAndesContextStoreImpl]", ""),
    ("broker/persistence/contextStore[@class=org.wso2.andes.store.rdbms.RDBMSAndesContextStoreImpl]/property[@name=dataSource]", "WSO2MBStoreDB"),
    ("broker/persistence/contextStore[@class=org.wso2.andes.store.rdbms.RDBMSAndesContextStoreImpl]/property[@name=storeUnavailableSQLStateClasses]", "08"),
    ("broker/persistence/contextStore[@class=org.wso2.andes.store.rdbms.RDBMSAndesContextStoreImpl]/property[@name=integrityViolationSQLStateClasses]", "23,27,44"),
    ("broker/persistence/contextStore[@class=org.wso2.andes.store.rdbms.RDBMSAndesContextStoreImpl]/property[@name=dataErrorSQLStateClasses]", "21,22"),
    ("broker/persistence/contextStore[@class=org.wso2.andes.store.rdbms.RDBMSAndesContextStoreImpl]/property[@name=transactionRollbackSQLStateClasses]", "40"),
    ("broker/persistence/cache", ""),
    ("broker/persistence/cache/size", "256"),
    ("broker/persistence/cache/concurrencyLevel", "4"),
    ("broker/persistence/cache/expirySeconds", "2"),
    ("broker/persistence/cache/valueReferenceType", "strong"),
    ("broker/persistence/cache/printStats", "false"),
    ("broker/persistence/idGenerator", "org.wso2.andes.server.cluster.coordination.TimeStampBasedMessageIdGenerator"),
    ("broker/persistence/storeHealthCheckInterval", "10"),
    ("broker/transaction", ""),
    ("broker/transaction/maxBatchSizeInKB", "10240"),
    ("broker/transaction/maxParallelDtxChannels", "20"),
    ("broker/performanceTuning", ""),
    ("broker/performanceTuning/slots", ""),
    ("broker/performanceTuning/slots/windowSize", "1000"),
    ("broker/performanceTuning/slots/messageAccumulationTimeout", "2000"),
    ("broker/performanceTuning/slots/maxSubmitDelay", "1000"),
    ("broker/performanceTuning/slots/deliveryThreadCount", "5"),
    ("broker/performanceTuning/slots/idleTaskDelay", "100"),
    ("broker/performanceTuning/slots/deleteThreadCount", "5"),
    ("broker/performanceTuning/slots/SlotDeleteQueueDepthWarningThreshold", "1000"),
    ("broker/performanceTuning/slots/thriftClientPoolSize", "10"),
    ("broker/performanceTuning/delivery", ""),
    ("broker/performanceTuning/delivery/maxNumberOfReadButUndeliveredMessages", "1000"),
    ("broker/performanceTuning/delivery/ringBufferSize", "4096"),
    ("broker/performanceTuning/delivery/parallelContentReaders", "5"),
    ("broker/performanceTuning/delivery/parallelDecompressionHandlers", "5"),
    ("broker/performanceTuning/delivery/parallelDeliveryHandlers", "5"),
    ("broker/performanceTuning/delivery/contentReadBatchSize", "65000"),
    ("broker/performanceTuning/delivery/contentCache", ""),
    ("broker/performanceTuning/delivery/contentCache/maximumSize", "100"),
    ("broker/performanceTuning/delivery/contentCache/expiryTime", "120"),
    ("broker/performanceTuning/delivery/topicMessageDeliveryStrategy", ""),
    ("broker/performanceTuning/delivery/topicMessageDeliveryStrategy/strategyName", "DISCARD_NONE"),
    ("broker/performanceTuning/delivery/topicMessageDeliveryStrategy/deliveryTimeout", "60"),
    ("broker/performanceTuning/ackHandling", ""),
    ("broker/performanceTuning/ackHandling/ackHandlerCount", "1"),
    ("broker/performanceTuning/ackHandling/ackHandlerBatchSize", "100"),
    ("broker/performanceTuning/ackHandling/maxUnackedMessages", "1000"),
    ("broker/performanceTuning/contentHandling", ""),
    ("broker/performanceTuning/contentHandling/contentChunkHandlerCount", "3"),
    ("broker/performanceTuning/contentHandling/maxContentChunkSize", "65500"),
    ("broker/performanceTuning/contentHandling/allowCompression", "false"),
    ("broker/performanceTuning/contentHandling/contentCompressionThreshold", "1000"),
    ("broker/performanceTuning/inboundEvents", ""),
    ("broker/performanceTuning/inboundEvents/parallelMessageWriters", "1"),
    ("broker/performanceTuning/inboundEvents/bufferSize", "65536"),
    ("broker/performanceTuning/inboundEvents/messageWriterBatchSize", "70"),
    ("broker/performanceTuning/inboundEvents/purgedCountTimeout", "180"),
    ("broker/performanceTuning/inboundEvents/transactionMessageWriters", "1"),
    ("broker/performanceTuning/messageExpiration", ""),
    ("broker/performanceTuning/messageExpiration/preDeliveryExpiryDeletionInterval", "10"),
    ("broker/performanceTuning/messageExpiration/periodicMessageDeletionInterval", "900"),
    ("broker/performanceTuning/messageExpiration/safetySlotCount", "3"),
    ("broker/performanceTuning/messageExpiration/moveExpiredMessagesToDLC", "false"),
    ("broker/managementConsole", ""),
    ("broker/managementConsole/messageBrowsePageSize", "100"),
    ("broker/managementConsole/maximumMessageDisplayLength", "100000"),
    ("broker/managementConsole/allowReRouteAllInDLC", "false"),
    ("broker/flowControl", ""),
    ("broker/flowControl/global", ""),
    ("broker/flowControl/global/lowLimit", "800"),
    ("broker/flowControl/global/highLimit", "8000"),
    ("broker/flowControl/bufferBased", ""),
    ("broker/flowControl/bufferBased/lowLimit", "100"),
    ("broker/flowControl/bufferBased/highLimit", "1000"),
    ("broker/recovery", ""),
    ("broker/recovery/concurrentStorageQueueReads", "5"),
    ("broker/recovery/vHostSyncTaskInterval", "900"),
    ("broker/recovery/networkPartitionsDetection", "@enabled=false"),
    ("broker/recovery/networkPartitionsDetection/minimumClusterSize", "1"),
    ("broker/deployment", ""),
    ("broker/deployment/mode", "default"),
];

/// The API-M build's edits of broker.xml: `wso2/product-apim@v2.6.0:modules/distribution/product/pom.xml`
/// execution `replace-for-broker`. (Its `slots/timerPeriod` edit matches no element of 3.2.44.)
const BROKER_BUILD_EDITS: &[(&str, &str)] = &[
    ("broker/transports/mqtt", "@enabled=false"),
    ("broker/performanceTuning/slots/windowSize", "50"),
    (
        "broker/performanceTuning/slots/messageAccumulationTimeout",
        "50",
    ),
    ("broker/deployment/mode", "standalone"),
];

const BROKER_WIRED: &[&str] = &[
    "broker/transports/amqp/sslConnection/keyStore/location",
    "broker/transports/amqp/sslConnection/keyStore/password",
    "broker/transports/amqp/sslConnection/trustStore/location",
    "broker/transports/amqp/sslConnection/trustStore/password",
    "broker/transports/mqtt/sslConnection/keyStore/location",
    "broker/transports/mqtt/sslConnection/keyStore/password",
    "broker/transports/mqtt/sslConnection/trustStore/location",
    "broker/transports/mqtt/sslConnection/trustStore/password",
];

const DATA_BRIDGE_WIRED: &[&str] = &[
    "dataBridgeConfiguration/keyStoreLocation",
    "dataBridgeConfiguration/keyStorePassword",
];

const SSL_PROFILES_WIRED: &[&str] = &[
    "parameter[@name=customSSLProfiles]/profile/KeyStore/Location",
    "parameter[@name=customSSLProfiles]/profile/KeyStore/Type",
    "parameter[@name=customSSLProfiles]/profile/KeyStore/Password",
    "parameter[@name=customSSLProfiles]/profile/KeyStore/KeyPassword",
    "parameter[@name=customSSLProfiles]/profile/TrustStore/Location",
    "parameter[@name=customSSLProfiles]/profile/TrustStore/Type",
    "parameter[@name=customSSLProfiles]/profile/TrustStore/Password",
];

const WSS_WIRED: &[&str] = &[
    "inboundEndpoint[@name=SecureWebSocketEP]/parameters/parameter[@name=wss.ssl.key.store.file]",
    "inboundEndpoint[@name=SecureWebSocketEP]/parameters/parameter[@name=wss.ssl.key.store.pass]",
    "inboundEndpoint[@name=SecureWebSocketEP]/parameters/parameter[@name=wss.ssl.trust.store.file]",
    "inboundEndpoint[@name=SecureWebSocketEP]/parameters/parameter[@name=wss.ssl.trust.store.pass]",
    "inboundEndpoint[@name=SecureWebSocketEP]/parameters/parameter[@name=wss.ssl.cert.pass]",
];

/// `wso2/carbon-identity-framework@v5.12.153:features/authentication-framework/org.wso2.carbon.identity.application.authentication.framework.server.feature/resources/EndpointConfig.properties`
/// (identical in both packs; not in the stock folder): every key, with its stock value where
/// kmgen keeps it (`None`: kmgen writes it).
const ENDPOINT_CONFIG_SOURCE: &[(&str, Option<&str>)] = &[
    ("tenantListEnabled", Some("false")),
    ("hostname.verification.enabled", Some("true")),
    ("mutual.ssl.username", None),
    ("client.keyStore", None),
    ("Carbon.Security.KeyStore.Password", None),
    ("client.trustStore", None),
    ("Carbon.Security.TrustStore.Password", None),
    ("username.header", Some("UserName")),
    ("key.manager.type", Some("SunX509")),
    ("trust.manager.type", Some("SunX509")),
    ("tls.protocol", Some("TLSv1.2")),
];

/// The first node of each bundle that has `file`: (case, node, parsed file).
fn rendered_new_file(built: &[Built], file: &str) -> Vec<(String, Element)> {
    let mut out = Vec::new();
    for b in built {
        for n in &b.plan.nodes {
            if n.configs.iter().any(|(_, f)| f == file) {
                let text = fs::read_to_string(b.home(n).join(file)).unwrap();
                out.push((format!("{} node {}", b.name, n.name), parse(&text).unwrap()));
            }
        }
    }
    assert!(!out.is_empty(), "no node has {file}");
    out
}

#[test]
fn broker_xml_is_the_source_file_with_the_builds_edits() {
    let mut stock: BTreeMap<String, Vec<String>> = BROKER_SOURCE
        .iter()
        .map(|(p, v)| (p.to_string(), vec![v.to_string()]))
        .collect();
    assert_eq!(stock.len(), BROKER_SOURCE.len(), "paths are unique");
    for (p, v) in BROKER_BUILD_EDITS {
        let old = stock.insert(p.to_string(), vec![v.to_string()]);
        assert!(
            old.is_some_and(|o| o[0] != *v),
            "{p}: the edit changes a source value"
        );
    }
    let built = build_all();
    for (at, root) in rendered_new_file(&built, BROKER) {
        let diff = differences(&element_values(&root), &stock, BROKER_WIRED);
        assert!(diff.is_empty(), "{at} {BROKER}:\n{}", diff.join("\n"));
    }
}

#[test]
fn endpoint_config_has_the_source_keys_and_values() {
    let built = build_all();
    let mut nodes = 0;
    for b in &built {
        for n in &b.plan.nodes {
            let Doc::Properties(props) = Doc::read(&b.home(n).join(ENDPOINT_CONFIG)) else {
                unreachable!()
            };
            nodes += 1;
            let keys: BTreeSet<&str> = props.keys().map(String::as_str).collect();
            let want: BTreeSet<&str> = ENDPOINT_CONFIG_SOURCE.iter().map(|(k, _)| *k).collect();
            assert_eq!(keys, want, "{} node {}", b.name, n.name);
            for (k, v) in ENDPOINT_CONFIG_SOURCE {
                if let Some(v) = v {
                    assert_eq!(props[*k], *v, "{} node {} {k}", b.name, n.name);
                }
            }
        }
    }
    assert!(nodes >= 8, "{nodes}");
}

/// sslprofiles.xml, the wss endpoint and data-bridge-config.xml against the stock folder's
/// copies (product conf; Ansible's traffic-manager template for data-bridge-config.xml,
/// which is the analytics-common 5.1.42 file with two placeholders).
#[test]
fn new_files_match_the_stock_folder() {
    let Some(dir) = stock_dir() else {
        return;
    };
    let stock_files: [(&str, PathBuf, &[&str]); 3] = [
        (
            SSL_PROFILES,
            dir.join(PRODUCT).join("sslprofiles.xml"),
            SSL_PROFILES_WIRED,
        ),
        (
            WSS,
            dir.join(PRODUCT).join(
                "synapse-configs/default/inbound-endpoints/SecureWebSocketInboundEndpoint.xml",
            ),
            WSS_WIRED,
        ),
        (
            DATA_BRIDGE,
            dir.join(ANSIBLE)
                .join("apim-tm/repository/conf/data-bridge/data-bridge-config.xml.j2"),
            DATA_BRIDGE_WIRED,
        ),
    ];
    let built = build_all();
    for (file, stock_path, wired) in stock_files {
        let raw = fs::read_to_string(&stock_path)
            .unwrap_or_else(|e| panic!("{}: {e}", stock_path.display()));
        let text = if stock_path.extension().is_some_and(|e| e == "j2") {
            resolve_jinja(&raw, &HashMap::new())
        } else {
            raw
        };
        let stock = element_values(&parse(&text).unwrap());
        for (at, root) in rendered_new_file(&built, file) {
            let diff = differences(&element_values(&root), &stock, wired);
            assert!(
                diff.is_empty(),
                "{at} {file} vs {}:\n{}",
                stock_path.display(),
                diff.join("\n")
            );
        }
    }
}
