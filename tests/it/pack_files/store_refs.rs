//! Every place a generated file names a store, and how to read it back.
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use crate::support::xml::{attrs, parse, texts, Element};

use super::{BROKER, DATA_BRIDGE, ENDPOINT_CONFIG, SSL_PROFILES, WSS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Store {
    Key,
    Trust,
}

/// Where a file holds a value: an element's text, an attribute, or a `.properties` key.
#[derive(Debug, Clone, Copy)]
pub(super) enum Field {
    Text(&'static str),
    Attr(&'static str, &'static str),
    Prop(&'static str),
}

/// One place a generated file names a store: its location, its type (where the file has a
/// type field) and every password that opens it or its key.
pub(super) struct StoreRef {
    /// Output path in the node folder.
    pub(super) file: &'static str,
    pub(super) store: Store,
    pub(super) location: Field,
    pub(super) store_type: Option<Field>,
    pub(super) passwords: &'static [Field],
}

const CARBON: &str = "repository/conf/carbon.xml";
const CATALINA: &str = "repository/conf/tomcat/catalina-server.xml";
const IDENTITY: &str = "repository/conf/identity/identity.xml";
const AXIS2: &str = "repository/conf/axis2/axis2.xml";
const CONNECTOR: &str = "Server/Service[@name=Catalina]/Connector[@port=9443]";

/// Every store reference of every file kmgen writes (element paths as in `support::xml`).
/// A file that names a store anywhere else fails `every_store_a_node_file_names_is_kmgens`.
pub(super) const STORE_REFS: &[StoreRef] = &[
    StoreRef {
        file: CARBON,
        store: Store::Key,
        location: Field::Text("Server/Security/KeyStore/Location"),
        store_type: Some(Field::Text("Server/Security/KeyStore/Type")),
        passwords: &[
            Field::Text("Server/Security/KeyStore/Password"),
            Field::Text("Server/Security/KeyStore/KeyPassword"),
        ],
    },
    StoreRef {
        file: CARBON,
        store: Store::Key,
        location: Field::Text("Server/Security/InternalKeyStore/Location"),
        store_type: Some(Field::Text("Server/Security/InternalKeyStore/Type")),
        passwords: &[
            Field::Text("Server/Security/InternalKeyStore/Password"),
            Field::Text("Server/Security/InternalKeyStore/KeyPassword"),
        ],
    },
    StoreRef {
        file: CARBON,
        store: Store::Trust,
        location: Field::Text("Server/Security/TrustStore/Location"),
        store_type: Some(Field::Text("Server/Security/TrustStore/Type")),
        passwords: &[Field::Text("Server/Security/TrustStore/Password")],
    },
    StoreRef {
        file: CATALINA,
        store: Store::Key,
        location: Field::Attr(CONNECTOR, "keystoreFile"),
        store_type: Some(Field::Attr(CONNECTOR, "keystoreType")),
        passwords: &[Field::Attr(CONNECTOR, "keystorePass")],
    },
    StoreRef {
        file: IDENTITY,
        store: Store::Key,
        location: Field::Text("Server/EntitlementSettings/ThirftBasedEntitlementConfig/KeyStore/Location"),
        store_type: None,
        passwords: &[Field::Text(
            "Server/EntitlementSettings/ThirftBasedEntitlementConfig/KeyStore/Password",
        )],
    },
    StoreRef {
        file: AXIS2,
        store: Store::Key,
        location: Field::Text("axisconfig[@name=AxisJava2.0]/transportReceiver[@name=https]/parameter[@name=keystore]/KeyStore/Location"),
        store_type: Some(Field::Text("axisconfig[@name=AxisJava2.0]/transportReceiver[@name=https]/parameter[@name=keystore]/KeyStore/Type")),
        passwords: &[
            Field::Text("axisconfig[@name=AxisJava2.0]/transportReceiver[@name=https]/parameter[@name=keystore]/KeyStore/Password"),
            Field::Text("axisconfig[@name=AxisJava2.0]/transportReceiver[@name=https]/parameter[@name=keystore]/KeyStore/KeyPassword"),
        ],
    },
    StoreRef {
        file: AXIS2,
        store: Store::Trust,
        location: Field::Text("axisconfig[@name=AxisJava2.0]/transportReceiver[@name=https]/parameter[@name=truststore]/TrustStore/Location"),
        store_type: Some(Field::Text("axisconfig[@name=AxisJava2.0]/transportReceiver[@name=https]/parameter[@name=truststore]/TrustStore/Type")),
        passwords: &[Field::Text("axisconfig[@name=AxisJava2.0]/transportReceiver[@name=https]/parameter[@name=truststore]/TrustStore/Password")],
    },
    StoreRef {
        file: AXIS2,
        store: Store::Key,
        location: Field::Text("axisconfig[@name=AxisJava2.0]/transportSender[@name=https]/parameter[@name=keystore]/KeyStore/Location"),
        store_type: Some(Field::Text("axisconfig[@name=AxisJava2.0]/transportSender[@name=https]/parameter[@name=keystore]/KeyStore/Type")),
        passwords: &[
            Field::Text("axisconfig[@name=AxisJava2.0]/transportSender[@name=https]/parameter[@name=keystore]/KeyStore/Password"),
            Field::Text("axisconfig[@name=AxisJava2.0]/transportSender[@name=https]/parameter[@name=keystore]/KeyStore/KeyPassword"),
        ],
    },
    StoreRef {
        file: AXIS2,
        store: Store::Trust,
        location: Field::Text("axisconfig[@name=AxisJava2.0]/transportSender[@name=https]/parameter[@name=truststore]/TrustStore/Location"),
        store_type: Some(Field::Text("axisconfig[@name=AxisJava2.0]/transportSender[@name=https]/parameter[@name=truststore]/TrustStore/Type")),
        passwords: &[Field::Text("axisconfig[@name=AxisJava2.0]/transportSender[@name=https]/parameter[@name=truststore]/TrustStore/Password")],
    },
    StoreRef {
        file: AXIS2,
        store: Store::Trust,
        location: Field::Text("axisconfig[@name=AxisJava2.0]/transportSender[@name=wss]/parameter[@name=ws.trust.store]/ws.trust.store.location"),
        store_type: None,
        passwords: &[Field::Text("axisconfig[@name=AxisJava2.0]/transportSender[@name=wss]/parameter[@name=ws.trust.store]/ws.trust.store.Password")],
    },
    StoreRef {
        file: BROKER,
        store: Store::Key,
        location: Field::Text("broker/transports/amqp/sslConnection/keyStore/location"),
        store_type: None,
        passwords: &[Field::Text("broker/transports/amqp/sslConnection/keyStore/password")],
    },
    StoreRef {
        file: BROKER,
        store: Store::Trust,
        location: Field::Text("broker/transports/amqp/sslConnection/trustStore/location"),
        store_type: None,
        passwords: &[Field::Text("broker/transports/amqp/sslConnection/trustStore/password")],
    },
    StoreRef {
        file: BROKER,
        store: Store::Key,
        location: Field::Text("broker/transports/mqtt/sslConnection/keyStore/location"),
        store_type: None,
        passwords: &[Field::Text("broker/transports/mqtt/sslConnection/keyStore/password")],
    },
    StoreRef {
        file: BROKER,
        store: Store::Trust,
        location: Field::Text("broker/transports/mqtt/sslConnection/trustStore/location"),
        store_type: None,
        passwords: &[Field::Text("broker/transports/mqtt/sslConnection/trustStore/password")],
    },
    StoreRef {
        file: DATA_BRIDGE,
        store: Store::Key,
        location: Field::Text("dataBridgeConfiguration/keyStoreLocation"),
        store_type: None,
        passwords: &[Field::Text("dataBridgeConfiguration/keyStorePassword")],
    },
    StoreRef {
        file: SSL_PROFILES,
        store: Store::Key,
        location: Field::Text("parameter[@name=customSSLProfiles]/profile/KeyStore/Location"),
        store_type: Some(Field::Text("parameter[@name=customSSLProfiles]/profile/KeyStore/Type")),
        passwords: &[
            Field::Text("parameter[@name=customSSLProfiles]/profile/KeyStore/Password"),
            Field::Text("parameter[@name=customSSLProfiles]/profile/KeyStore/KeyPassword"),
        ],
    },
    StoreRef {
        file: SSL_PROFILES,
        store: Store::Trust,
        location: Field::Text("parameter[@name=customSSLProfiles]/profile/TrustStore/Location"),
        store_type: Some(Field::Text("parameter[@name=customSSLProfiles]/profile/TrustStore/Type")),
        passwords: &[Field::Text("parameter[@name=customSSLProfiles]/profile/TrustStore/Password")],
    },
    StoreRef {
        file: WSS,
        store: Store::Key,
        location: Field::Text("inboundEndpoint[@name=SecureWebSocketEP]/parameters/parameter[@name=wss.ssl.key.store.file]"),
        store_type: None,
        passwords: &[
            Field::Text("inboundEndpoint[@name=SecureWebSocketEP]/parameters/parameter[@name=wss.ssl.key.store.pass]"),
            Field::Text("inboundEndpoint[@name=SecureWebSocketEP]/parameters/parameter[@name=wss.ssl.cert.pass]"),
        ],
    },
    StoreRef {
        file: WSS,
        store: Store::Trust,
        location: Field::Text("inboundEndpoint[@name=SecureWebSocketEP]/parameters/parameter[@name=wss.ssl.trust.store.file]"),
        store_type: None,
        passwords: &[Field::Text("inboundEndpoint[@name=SecureWebSocketEP]/parameters/parameter[@name=wss.ssl.trust.store.pass]")],
    },
    StoreRef {
        file: ENDPOINT_CONFIG,
        store: Store::Key,
        location: Field::Prop("client.keyStore"),
        store_type: None,
        passwords: &[Field::Prop("Carbon.Security.KeyStore.Password")],
    },
    StoreRef {
        file: ENDPOINT_CONFIG,
        store: Store::Trust,
        location: Field::Prop("client.trustStore"),
        store_type: None,
        passwords: &[Field::Prop("Carbon.Security.TrustStore.Password")],
    },
];

/// A generated file, read for its fields.
pub(super) enum Doc {
    Xml(Element),
    Properties(BTreeMap<String, String>),
}

impl Doc {
    pub(super) fn read(path: &Path) -> Doc {
        let text = fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        if path.extension().is_some_and(|e| e == "properties") {
            Doc::Properties(properties(&text))
        } else {
            Doc::Xml(parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        }
    }

    pub(super) fn values(&self, field: Field) -> Vec<String> {
        match (self, field) {
            (Doc::Xml(root), Field::Text(path)) => texts(root, path),
            (Doc::Xml(root), Field::Attr(path, attr)) => attrs(root, path, attr),
            (Doc::Properties(props), Field::Prop(key)) => {
                props.get(key).cloned().into_iter().collect()
            }
            _ => panic!("{field:?} does not fit the file"),
        }
    }
}

/// `key=value` lines as `java.util.Properties.load` reads them (one logical line each; no
/// continuation lines in kmgen's files): comments skipped, the first unescaped `=` or `:`
/// separates, whitespace around it dropped, `\` escapes undone.
fn properties(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with(['#', '!']) {
            continue;
        }
        let (mut key, mut value, mut in_key, mut chars) =
            (String::new(), String::new(), true, line.chars().peekable());
        while let Some(c) = chars.next() {
            let c = match c {
                '\\' => match chars.next() {
                    Some('t') => '\t',
                    Some('n') => '\n',
                    Some('r') => '\r',
                    Some('f') => '\u{c}',
                    Some('u') => {
                        let hex: String = chars.by_ref().take(4).collect();
                        char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap()
                    }
                    Some(c) => c,
                    None => break,
                },
                '=' | ':' if in_key => {
                    in_key = false;
                    while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
                    continue;
                }
                c => c,
            };
            if in_key {
                key.push(c);
            } else {
                value.push(c);
            }
        }
        out.insert(key.trim_end().to_string(), value);
    }
    out
}

/// Every path-like token of `text` that names a store file (`….jks`, `….p12`, ...).
pub(super) fn store_tokens(text: &str) -> Vec<String> {
    let path_char = |c: char| c.is_ascii_alphanumeric() || "/._-${}".contains(c);
    let mut out = Vec::new();
    for ext in [".jks", ".p12", ".pfx", ".jceks", ".pkcs12"] {
        for (at, _) in text.match_indices(ext) {
            let end = at + ext.len();
            // A file name ends there; `wso2.am.p12-dist.domain` (a cluster name) does not.
            if text[end..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                continue;
            }
            let start = text[..at]
                .char_indices()
                .rev()
                .take_while(|&(_, c)| path_char(c))
                .last()
                .map_or(at, |(i, _)| i);
            out.push(text[start..end].to_string());
        }
    }
    out
}

/// `location` names `file` (a path in the node folder), as the product resolves it: from the
/// product home (`${carbon.home}/`), from the working folder (the home), or `./`-relative.
pub(super) fn names(location: &str, file: &str) -> bool {
    ["${carbon.home}/", "./", ""]
        .iter()
        .any(|prefix| location.strip_prefix(prefix) == Some(file))
}
