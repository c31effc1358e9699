// Real-peer checks for kmgen's keystores, run by the Rust tests as a single-file program
// (Java 11+), with strict keystore types (see strict-keystore.security):
//
//   java -Djava.security.properties=tests/java/strict-keystore.security tests/java/TlsCheck.java \
//       handshake TYPE KS_PASS TS_PASS (SERVER_KS SERVER_TS CLIENT_KS CLIENT_TS HOST)...
//     For each case, a mutual-TLS handshake on 127.0.0.1 (a free port). The client connects by
//     HOST (SNI and HTTPS hostname verification use it), so HOST must be in the server
//     certificate's SANs; the server requires a client certificate and checks it against its
//     own truststore.
//
//   java ... tests/java/TlsCheck.java jwt TYPE KEYSTORE KS_PASS KEY_ALIAS TRUSTSTORE TS_PASS TRUST_ALIAS...
//     Signs a JWT header.payload with SHA256withRSA using the keystore's private key (as the
//     Key Manager does) and verifies it with each certificate TRUST_ALIAS of the truststore
//     (as API-M does).
//
//   java ... tests/java/TlsCheck.java serve TYPE KS_PASS PORT_FILE (NAME KEYSTORE)...
//     Starts one HTTPS server per keystore on 127.0.0.1 (free ports), as a node's management
//     port would, answering every request with "node NAME". Writes "NAME PORT" lines to
//     PORT_FILE once all listen, then serves until its standard input closes.
//
//   java ... tests/java/TlsCheck.java fetch TYPE TRUSTSTORE TS_PASS (PORT HOST PATH)...
//     For each case, an HTTPS GET of PATH from 127.0.0.1:PORT by HOST (SNI and hostname
//     verification), trusting TRUSTSTORE: "OK HOST <status line> | <body>".
//
// Prints one line per case, "OK ..." or "FAIL ..." with the exception chain, and exits 0 only
// when every case is OK. Several cases per run, since each JVM start compiles this file.
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

public class TlsCheck {
    static final int TIMEOUT_MS = 10_000;

    public static void main(String[] args) {
        List<String> results = new ArrayList<>();
        try {
            switch (args.length > 0 ? args[0] : "") {
                case "handshake":
                    handshakes(args, results);
                    break;
                case "jwt":
                    jwts(args, results);
                    break;
                case "serve":
                    serve(args);
                    return;
                case "fetch":
                    fetches(args, results);
                    break;
                default:
                    results.add("FAIL usage: handshake ... | jwt ... (see the header of TlsCheck.java)");
            }
        } catch (Exception e) {
            results.add("FAIL " + chain(e));
        }
        results.forEach(System.out::println);
        System.exit(!results.isEmpty() && results.stream().allMatch(r -> r.startsWith("OK")) ? 0 : 1);
    }

    static String chain(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (sb.length() > 0) sb.append(" <- ");
            sb.append(t);
        }
        return sb.toString();
    }

    static KeyStore load(String type, String path, String password) throws Exception {
        KeyStore ks = KeyStore.getInstance(type);
        try (InputStream in = new FileInputStream(path)) {
            ks.load(in, password.toCharArray());
        }
        return ks;
    }

    static SSLContext context(String type, String ks, String ksPass, String ts, String tsPass)
            throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(load(type, ks, ksPass), ksPass.toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(load(type, ts, tsPass));
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    static void handshakes(String[] a, List<String> results) throws Exception {
        if (a.length < 9 || (a.length - 4) % 5 != 0) {
            results.add("FAIL handshake needs TYPE KS_PASS TS_PASS and 5 arguments per case");
            return;
        }
        for (int i = 4; i < a.length; i += 5) {
            String host = a[i + 4];
            // TLS 1.2 is what API-M 2.6.0 on Java 8 speaks; TLS 1.3 is what newer JDKs prefer.
            String result = "OK";
            for (String protocol : new String[] {"TLSv1.2", "TLSv1.3"}) {
                String r;
                try {
                    r = handshake(a[1], a[2], a[3], a[i], a[i + 1], a[i + 2], a[i + 3], host, protocol);
                } catch (Exception e) {
                    r = "FAIL " + protocol + " " + chain(e);
                }
                if (!r.startsWith("OK")) {
                    result = r;
                    break;
                }
                result += " " + r.substring(3);
            }
            boolean ok = result.startsWith("OK");
            results.add((ok ? "OK " : "FAIL ") + host + " " + result.substring(ok ? 3 : 5));
        }
    }

    static String handshake(String type, String ksPass, String tsPass, String serverKs,
            String serverTs, String clientKs, String clientTs, String host, String protocol)
            throws Exception {
        SSLContext serverCtx = context(type, serverKs, ksPass, serverTs, tsPass);
        SSLContext clientCtx = context(type, clientKs, ksPass, clientTs, tsPass);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (SSLServerSocket server = (SSLServerSocket)
                serverCtx.getServerSocketFactory().createServerSocket(0, 1, loopback)) {
            server.setNeedClientAuth(true);
            server.setSoTimeout(TIMEOUT_MS);
            AtomicReference<Throwable> serverError = new AtomicReference<>();
            Thread serverThread = new Thread(() -> {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    s.setSoTimeout(TIMEOUT_MS);
                    s.startHandshake();
                    int b = s.getInputStream().read();
                    s.getOutputStream().write(b + 1);
                    s.getOutputStream().flush();
                } catch (Throwable t) {
                    serverError.set(t);
                }
            });
            serverThread.start();

            String ok;
            try (Socket plain = new Socket()) {
                plain.connect(new InetSocketAddress(loopback, server.getLocalPort()), TIMEOUT_MS);
                plain.setSoTimeout(TIMEOUT_MS);
                // Created for HOST, so SNI and hostname verification use that name, not 127.0.0.1.
                try (SSLSocket s = (SSLSocket) clientCtx.getSocketFactory()
                        .createSocket(plain, host, server.getLocalPort(), true)) {
                    SSLParameters p = s.getSSLParameters();
                    p.setEndpointIdentificationAlgorithm("HTTPS");
                    p.setServerNames(List.of(new SNIHostName(host)));
                    p.setProtocols(new String[] {protocol});
                    s.setSSLParameters(p);
                    s.startHandshake();
                    // One round trip: with TLS 1.3 the server judges the client certificate
                    // only after the client's handshake has returned.
                    s.getOutputStream().write(41);
                    s.getOutputStream().flush();
                    int reply = s.getInputStream().read();
                    if (reply != 42) throw new IllegalStateException("server sent " + reply);
                    ok = "OK " + s.getSession().getProtocol() + "/" + s.getSession().getCipherSuite();
                }
            } catch (Exception e) {
                serverThread.join(TIMEOUT_MS);
                return "FAIL " + protocol + " client: " + chain(e)
                        + (serverError.get() != null ? " | server: " + chain(serverError.get()) : "");
            }
            serverThread.join(TIMEOUT_MS);
            if (serverError.get() != null) {
                return "FAIL " + protocol + " server: " + chain(serverError.get());
            }
            return ok;
        }
    }

    static void jwts(String[] a, List<String> results) throws Exception {
        if (a.length < 8) {
            results.add("FAIL jwt needs TYPE KEYSTORE KS_PASS KEY_ALIAS TRUSTSTORE TS_PASS TRUST_ALIAS...");
            return;
        }
        String type = a[1];
        KeyStore ks = load(type, a[2], a[3]);
        PrivateKey key = (PrivateKey) ks.getKey(a[4], a[3].toCharArray());
        if (key == null) {
            results.add("FAIL no private key " + a[4]);
            return;
        }
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"typ\":\"JWT\",\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8));
        String payload = b64.encodeToString(
                "{\"iss\":\"wso2.org/products/am\",\"sub\":\"admin\"}".getBytes(StandardCharsets.UTF_8));
        byte[] input = (header + "." + payload).getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance("SHA256withRSA");
        signer.initSign(key);
        signer.update(input);
        byte[] signature = signer.sign();

        KeyStore ts = load(type, a[5], a[6]);
        for (int i = 7; i < a.length; i++) {
            String alias = a[i];
            Certificate cert = ts.getCertificate(alias);
            if (cert == null || !ts.isCertificateEntry(alias)) {
                results.add("FAIL " + alias + " no trusted certificate");
                continue;
            }
            Signature verifier = Signature.getInstance("SHA256withRSA");
            verifier.initVerify(cert);
            verifier.update(input);
            results.add(verifier.verify(signature)
                    ? "OK " + alias + " signature verifies"
                    : "FAIL " + alias + " signature does not verify");
        }
    }

    static void serve(String[] a) throws Exception {
        String type = a[1];
        String ksPass = a[2];
        StringBuilder ports = new StringBuilder();
        List<HttpsServer> servers = new ArrayList<>();
        for (int i = 4; i + 1 < a.length; i += 2) {
            String name = a[i];
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(load(type, a[i + 1], ksPass), ksPass.toCharArray());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            HttpsServer server = HttpsServer.create(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            server.setHttpsConfigurator(new HttpsConfigurator(ctx));
            byte[] body = ("node " + name + "\n").getBytes(StandardCharsets.US_ASCII);
            server.createContext("/", exchange -> {
                exchange.getRequestBody().readAllBytes();
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
            servers.add(server);
            ports.append(name).append(' ').append(server.getAddress().getPort()).append('\n');
        }
        Path file = Path.of(a[3]);
        Path tmp = Path.of(a[3] + ".tmp");
        Files.writeString(tmp, ports.toString());
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        while (System.in.read() != -1) {
            // serve until the test closes our standard input
        }
        servers.forEach(s -> s.stop(0));
    }

    static void fetches(String[] a, List<String> results) throws Exception {
        if (a.length < 7 || (a.length - 4) % 3 != 0) {
            results.add("FAIL fetch needs TYPE TRUSTSTORE TS_PASS and 3 arguments per case");
            return;
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(load(a[1], a[2], a[3]));
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        for (int i = 4; i < a.length; i += 3) {
            int port = Integer.parseInt(a[i]);
            String host = a[i + 1];
            String path = a[i + 2];
            try (Socket plain = new Socket()) {
                plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MS);
                plain.setSoTimeout(TIMEOUT_MS);
                try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, host, port, true)) {
                    SSLParameters p = s.getSSLParameters();
                    p.setEndpointIdentificationAlgorithm("HTTPS");
                    p.setServerNames(List.of(new SNIHostName(host)));
                    s.setSSLParameters(p);
                    s.startHandshake();
                    String request = "GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port
                            + "\r\nConnection: close\r\n\r\n";
                    s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    ByteArrayOutputStream buf = new ByteArrayOutputStream();
                    s.getInputStream().transferTo(buf);
                    String response = buf.toString(StandardCharsets.US_ASCII);
                    int end = response.indexOf("\r\n");
                    String status = end < 0 ? response : response.substring(0, end);
                    int bodyAt = response.indexOf("\r\n\r\n");
                    String body = bodyAt < 0 ? "" : response.substring(bodyAt + 4).trim().replaceAll("\\s+", " ");
                    results.add((status.contains(" 200 ") ? "OK " : "FAIL ") + host + " " + status + " | " + body);
                }
            } catch (Exception e) {
                results.add("FAIL " + host + ":" + port + " " + chain(e));
            }
        }
    }
}
