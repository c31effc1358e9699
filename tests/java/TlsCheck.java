// Real-peer checks for kmgen's keystores, run by the Rust tests as a single-file program:
//
//   java tests/java/TlsCheck.java handshake TYPE SERVER_KS SERVER_TS CLIENT_KS CLIENT_TS KS_PASS TS_PASS HOST
//     A mutual-TLS handshake on 127.0.0.1 (free port). The client connects by HOST (SNI and
//     HTTPS hostname verification use it), so HOST must be in the server certificate's SANs.
//     The server requires a client certificate and checks it against its own truststore.
//
//   java tests/java/TlsCheck.java jwt TYPE KEYSTORE KS_PASS KEY_ALIAS TRUSTSTORE TS_PASS TRUST_ALIAS
//     Signs a JWT header.payload with SHA256withRSA using the keystore's private key (as the
//     Key Manager does) and verifies it with the certificate TRUST_ALIAS from the truststore
//     (as API-M does).
//
// Prints "OK ..." and exits 0, or prints "FAIL ..." with the exception chain and exits 1.
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
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

    public static void main(String[] args) throws Exception {
        String result;
        try {
            switch (args.length > 0 ? args[0] : "") {
                case "handshake":
                    result = handshake(args);
                    break;
                case "jwt":
                    result = jwt(args);
                    break;
                default:
                    result = "FAIL usage: handshake ... | jwt ... (see the header of TlsCheck.java)";
            }
        } catch (Exception e) {
            result = "FAIL " + chain(e);
        }
        System.out.println(result);
        System.exit(result.startsWith("OK") ? 0 : 1);
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

    static String handshake(String[] a) throws Exception {
        if (a.length != 9) return "FAIL handshake needs 8 arguments";
        String type = a[1], host = a[8];
        SSLContext serverCtx = context(type, a[2], a[6], a[3], a[7]);
        SSLContext clientCtx = context(type, a[4], a[6], a[5], a[7]);
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
                    s.setSSLParameters(p);
                    s.startHandshake();
                    // One round trip: with TLS 1.3 the server judges the client certificate
                    // only after the client's handshake has returned.
                    s.getOutputStream().write(41);
                    s.getOutputStream().flush();
                    int reply = s.getInputStream().read();
                    if (reply != 42) throw new IllegalStateException("server sent " + reply);
                    ok = "OK " + s.getSession().getProtocol() + " " + s.getSession().getCipherSuite()
                            + " server=" + s.getSession().getPeerPrincipal().getName();
                }
            } catch (Exception e) {
                serverThread.join(TIMEOUT_MS);
                return "FAIL client: " + chain(e)
                        + (serverError.get() != null ? " | server: " + chain(serverError.get()) : "");
            }
            serverThread.join(TIMEOUT_MS);
            if (serverError.get() != null) return "FAIL server: " + chain(serverError.get());
            return ok;
        }
    }

    static String jwt(String[] a) throws Exception {
        if (a.length != 8) return "FAIL jwt needs 7 arguments";
        String type = a[1];
        KeyStore ks = load(type, a[2], a[3]);
        PrivateKey key = (PrivateKey) ks.getKey(a[4], a[3].toCharArray());
        if (key == null) return "FAIL no private key " + a[4];
        KeyStore ts = load(type, a[5], a[6]);
        Certificate cert = ts.getCertificate(a[7]);
        if (cert == null || !ts.isCertificateEntry(a[7])) return "FAIL no trusted certificate " + a[7];

        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"typ\":\"JWT\",\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8));
        String payload = b64.encodeToString(
                "{\"iss\":\"wso2.org/products/am\",\"sub\":\"admin\"}".getBytes(StandardCharsets.UTF_8));
        byte[] input = (header + "." + payload).getBytes(StandardCharsets.US_ASCII);

        Signature signer = Signature.getInstance("SHA256withRSA");
        signer.initSign(key);
        signer.update(input);
        byte[] signature = signer.sign();

        Signature verifier = Signature.getInstance("SHA256withRSA");
        verifier.initVerify(cert);
        verifier.update(input);
        return verifier.verify(signature)
                ? "OK signature verifies with " + a[7]
                : "FAIL signature does not verify with " + a[7];
    }
}
