// Reads the AMQP connection URLs of a node the way the products do, and prints the user and
// password each decodes to: jndi.properties through java.util.Properties, api-manager.xml's
// JMSConnectionParameters through an XML parser; each URL through java.net.URI, whose
// decoded user info the broker client splits at the first ':' (andes URLParser).
//   java AmqpUrlCheck.java <jndi.properties or -> <api-manager.xml or ->
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.URI;
import java.util.Properties;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.NodeList;

public class AmqpUrlCheck {
    static void show(String where, String url) throws Exception {
        URI uri = new URI(url);
        String info = uri.getUserInfo();
        int colon = info.indexOf(':');
        System.out.println(where + "\tuser=" + info.substring(0, colon));
        System.out.println(where + "\tpassword=" + info.substring(colon + 1));
        System.out.println(where + "\tquery=" + uri.getQuery());
    }

    public static void main(String[] args) throws Exception {
        if (!args[0].equals("-")) {
            Properties p = new Properties();
            try (InputStream in = new FileInputStream(args[0])) {
                p.load(in);
            }
            show("jndi.topic", p.getProperty("connectionfactory.TopicConnectionFactory"));
            show("jndi.queue", p.getProperty("connectionfactory.QueueConnectionFactory"));
        }
        if (!args[1].equals("-")) {
            NodeList n = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(args[1]).getElementsByTagName("connectionfactory.TopicConnectionFactory");
            show("api-manager", n.item(0).getTextContent().trim());
        }
    }
}
