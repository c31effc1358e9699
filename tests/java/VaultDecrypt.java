// Decrypts a node's Secure Vault secrets the way Carbon 4.4 does, run by the Rust tests as a
// single-file program (Java 11+):
//
//   java tests/java/VaultDecrypt.java NODE_DIR HOME STORE_PASSWORD
//
// NODE_DIR is a node folder of the bundle (standing for the product home), HOME the home
// the node's secret-conf.properties names (its absolute keystore path starts with it).
// Like org.wso2.securevault 1.x (SecretManager.init, KeyStoreInformationFactory,
// FileBaseSecretRepository.init, BaseCipher, AsymmetricCipher), it reads
// repository/conf/security/secret-conf.properties, opens keystore.identity.location with
// keystore.identity.type and the store password (the one DefaultSecretCallbackHandler reads
// from password-tmp), takes the private key at keystore.identity.alias with the same password
// (Carbon's default: key password = store password), loads secretRepositories.file.location
// (relative to the home) and decrypts each value: Base64, then Cipher.getInstance("RSA")
// (the default of secretRepositories.file.algorithm), as a String of the platform charset.
//
// Prints "alias=plaintext" lines sorted by alias; exits 1 on any failure.
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.Properties;
import java.util.TreeMap;
import javax.crypto.Cipher;

public class VaultDecrypt {
    static Properties load(Path p) throws Exception {
        Properties props = new Properties();
        try (InputStream in = new FileInputStream(p.toFile())) {
            props.load(in);
        }
        return props;
    }

    public static void main(String[] args) throws Exception {
        Path node = Paths.get(args[0]);
        String home = args[1];
        char[] password = args[2].toCharArray();
        Properties conf = load(node.resolve("repository/conf/security/secret-conf.properties"));
        String location = conf.getProperty("keystore.identity.location");
        if (!location.startsWith(home + "/")) {
            throw new IllegalStateException("keystore.identity.location " + location + " is not under " + home);
        }
        Path store = node.resolve(location.substring(home.length() + 1));
        KeyStore ks = KeyStore.getInstance(conf.getProperty("keystore.identity.type"));
        try (InputStream in = new FileInputStream(store.toFile())) {
            ks.load(in, password);
        }
        PrivateKey key = (PrivateKey) ks.getKey(conf.getProperty("keystore.identity.alias"), password);
        if (key == null) {
            throw new IllegalStateException("no private key at " + conf.getProperty("keystore.identity.alias"));
        }
        String algorithm = conf.getProperty("secretRepositories.file.algorithm", "RSA");
        Properties texts = load(node.resolve(conf.getProperty("secretRepositories.file.location")));
        TreeMap<String, String> out = new TreeMap<>();
        for (String alias : texts.stringPropertyNames()) {
            Cipher cipher = Cipher.getInstance(algorithm);
            cipher.init(Cipher.DECRYPT_MODE, key);
            byte[] plain = cipher.doFinal(Base64.getDecoder().decode(texts.getProperty(alias).trim()));
            out.put(alias, new String(plain));
        }
        for (var e : out.entrySet()) {
            System.out.println(e.getKey() + "=" + e.getValue());
        }
    }
}
