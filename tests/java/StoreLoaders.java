// Opens the stores that a generated config file names, the way the product component that
// reads the file opens them, run by the Rust tests as a single-file program (Java 11+):
//
//   java tests/java/StoreLoaders.java (HOME FILE)...
//
// HOME is a node folder (the product home) and FILE a config file in it, relative to HOME:
//
//   repository/conf/broker.xml  (andes 3.2.55: JKSStore + SSLUtil.getInitializedKeyStore)
//     every transports/*/sslConnection keyStore and trustStore: location relative to HOME,
//     opened as "JKS" with password; key manager and trust manager of type certType.
//   repository/conf/data-bridge/data-bridge-config.xml  (analytics-common 5.1.42:
//     BinaryDataReceiver) keyStoreLocation (${carbon.home} = HOME) and keyStorePassword become
//     javax.net.ssl.keyStore*: opened as the JDK's default SSLContext does, with the default
//     keystore type and key manager algorithm.
//   repository/resources/security/sslprofiles.xml  (synapse 2.1.7-wso2v80:
//     ClientConnFactoryBuilder) every profile's KeyStore and TrustStore: Location relative
//     to HOME, opened with Type and Password; the key with KeyPassword.
//   repository/deployment/server/synapse-configs/default/inbound-endpoints/
//     SecureWebSocketInboundEndpoint.xml  (carbon-mediation 4.6.105: SSLHandlerFactory)
//     wss.ssl.key.store.file / .pass and wss.ssl.trust.store.file / .pass opened as "JKS";
//     the key with wss.ssl.cert.pass.
//   repository/conf/identity/EndpointConfig.properties  (identity framework 5.12.153:
//     MutualSSLManager) client.keyStore / client.trustStore (./ = HOME) opened as "JKS" with
//     Carbon.Security.KeyStore.Password / Carbon.Security.TrustStore.Password; the key with
//     the keystore password; managers of key.manager.type / trust.manager.type.
//
// Prints one line per store: "OK FILE key|trust PATH" (the path as the file names it) or
// "FAIL FILE key|trust PATH: <exception chain>" (and, for EndpointConfig.properties, "OK FILE
// user NAME": mutual.ssl.username as Properties reads it), and exits 0 only when every store
// opened and holds a key (key stores) or a trusted certificate (trust stores).
import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

public class StoreLoaders {
    static final List<String> results = new ArrayList<>();

    public static void main(String[] args) {
        if (args.length == 0 || args.length % 2 != 0) {
            results.add("FAIL usage: (HOME FILE)... (see the header of StoreLoaders.java)");
        }
        for (int i = 0; i + 1 < args.length; i += 2) {
            File home = new File(args[i]);
            String file = args[i + 1];
            try {
                check(home, file);
            } catch (Exception e) {
                results.add("FAIL " + file + ": " + chain(e));
            }
        }
        boolean ok = !results.isEmpty();
        for (String r : results) {
            System.out.println(r);
            ok &= r.startsWith("OK ");
        }
        System.exit(ok ? 0 : 1);
    }

    static void check(File home, String file) throws Exception {
        File path = new File(home, file);
        String name = path.getName();
        switch (name) {
            case "broker.xml": {
                Element root = parse(path);
                for (Element ssl : descendants(root, "sslConnection")) {
                    Element ks = child(ssl, "keyStore");
                    Element ts = child(ssl, "trustStore");
                    key(file, home, text(ks, "location"), "JKS", text(ks, "password"),
                        text(ks, "password"), text(ks, "certType"));
                    trust(file, home, text(ts, "location"), "JKS", text(ts, "password"),
                        text(ts, "certType"));
                }
                break;
            }
            case "data-bridge-config.xml": {
                Element root = parse(path);
                String location = text(root, "keyStoreLocation");
                String password = text(root, "keyStorePassword");
                key(file, home, location, KeyStore.getDefaultType(), password, password,
                    KeyManagerFactory.getDefaultAlgorithm());
                break;
            }
            case "sslprofiles.xml": {
                Element root = parse(path);
                for (Element profile : descendants(root, "profile")) {
                    Element ks = child(profile, "KeyStore");
                    Element ts = child(profile, "TrustStore");
                    key(file, home, text(ks, "Location"), text(ks, "Type"), text(ks, "Password"),
                        text(ks, "KeyPassword"), KeyManagerFactory.getDefaultAlgorithm());
                    trust(file, home, text(ts, "Location"), text(ts, "Type"),
                        text(ts, "Password"), TrustManagerFactory.getDefaultAlgorithm());
                }
                break;
            }
            case "SecureWebSocketInboundEndpoint.xml": {
                Element root = parse(path);
                Properties p = new Properties();
                for (Element e : descendants(root, "parameter")) {
                    p.setProperty(e.getAttribute("name"), e.getTextContent());
                }
                key(file, home, p.getProperty("wss.ssl.key.store.file"), "JKS",
                    p.getProperty("wss.ssl.key.store.pass"), p.getProperty("wss.ssl.cert.pass"),
                    "SunX509");
                trust(file, home, p.getProperty("wss.ssl.trust.store.file"), "JKS",
                    p.getProperty("wss.ssl.trust.store.pass"), "SunX509");
                break;
            }
            case "EndpointConfig.properties": {
                Properties p = new Properties();
                try (InputStream in = new FileInputStream(path)) {
                    p.load(in);
                }
                String ksPass = p.getProperty("Carbon.Security.KeyStore.Password");
                key(file, home, p.getProperty("client.keyStore"), "JKS", ksPass, ksPass,
                    p.getProperty("key.manager.type"));
                trust(file, home, p.getProperty("client.trustStore"), "JKS",
                    p.getProperty("Carbon.Security.TrustStore.Password"),
                    p.getProperty("trust.manager.type"));
                results.add("OK " + file + " user " + p.getProperty("mutual.ssl.username"));
                break;
            }
            default:
                throw new IllegalArgumentException("no loader for " + file);
        }
    }

    static void key(String file, File home, String location, String type, String password,
                    String keyPassword, String algorithm) {
        try {
            KeyStore ks = load(home, location, type, password);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(algorithm);
            kmf.init(ks, keyPassword.toCharArray());
            int keys = 0;
            for (KeyManager km : kmf.getKeyManagers()) {
                String[] aliases = ((X509KeyManager) km).getServerAliases("RSA", null);
                keys += aliases == null ? 0 : aliases.length;
            }
            if (keys == 0) {
                throw new IllegalStateException("no RSA key in the store");
            }
            results.add("OK " + file + " key " + location);
        } catch (Exception e) {
            results.add("FAIL " + file + " key " + location + ": " + chain(e));
        }
    }

    static void trust(String file, File home, String location, String type, String password,
                      String algorithm) {
        try {
            KeyStore ts = load(home, location, type, password);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(algorithm);
            tmf.init(ts);
            int certs = 0;
            for (TrustManager tm : tmf.getTrustManagers()) {
                certs += ((X509TrustManager) tm).getAcceptedIssuers().length;
            }
            if (certs == 0) {
                throw new IllegalStateException("no trusted certificate in the store");
            }
            results.add("OK " + file + " trust " + location);
        } catch (Exception e) {
            results.add("FAIL " + file + " trust " + location + ": " + chain(e));
        }
    }

    // `${carbon.home}` is the product home, and the product resolves a relative location
    // against its working folder, the product home too.
    static KeyStore load(File home, String location, String type, String password)
            throws Exception {
        File f = new File(location.replace("${carbon.home}", home.getAbsolutePath()));
        if (!f.isAbsolute()) {
            f = new File(home, location);
        }
        KeyStore ks = KeyStore.getInstance(type);
        try (InputStream in = new FileInputStream(f)) {
            ks.load(in, password.toCharArray());
        }
        return ks;
    }

    static Element parse(File path) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document doc = f.newDocumentBuilder().parse(path);
        return doc.getDocumentElement();
    }

    static List<Element> descendants(Element e, String tag) {
        List<Element> out = new ArrayList<>();
        NodeList all = e.getElementsByTagNameNS("*", tag);
        for (int i = 0; i < all.getLength(); i++) {
            out.add((Element) all.item(i));
        }
        return out;
    }

    static Element child(Element e, String tag) {
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element && tag.equals(n.getLocalName())) {
                return (Element) n;
            }
        }
        throw new IllegalArgumentException("<" + e.getLocalName() + "> has no <" + tag + ">");
    }

    static String text(Element e, String tag) {
        return child(e, tag).getTextContent();
    }

    static String chain(Throwable e) {
        StringBuilder s = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (s.length() > 0) {
                s.append(" <- ");
            }
            s.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
        }
        return s.toString().replace('\n', ' ');
    }
}
