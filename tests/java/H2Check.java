// Real-peer check for kmgen's H2 URLs, run by the Rust tests as a single-file program (Java 11+)
// with an H2 jar on the class path:
//
//   java -cp h2.jar tests/java/H2Check.java (URL USER PASSWORD SQL)...
//
// For each case, opens URL as USER with PASSWORD over JDBC (the H2 driver, found through
// DriverManager), runs SQL and prints "OK <URL> <result>", the result being the first column
// of the query's rows joined by ",", or "-" for an update; or "FAIL <URL> <exception chain>".
// Exits 0 only when every case is OK. Several cases per run, since each JVM start compiles
// this file.
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

public class H2Check {
    public static void main(String[] args) {
        if (args.length == 0 || args.length % 4 != 0) {
            System.err.println("usage: H2Check (URL USER PASSWORD SQL)...");
            System.exit(2);
        }
        boolean ok = true;
        for (int i = 0; i < args.length; i += 4) {
            String url = args[i];
            try (Connection c = DriverManager.getConnection(url, args[i + 1], args[i + 2]);
                    Statement s = c.createStatement()) {
                String result = "-";
                if (s.execute(args[i + 3])) {
                    List<String> rows = new ArrayList<>();
                    try (ResultSet r = s.getResultSet()) {
                        while (r.next()) {
                            rows.add(r.getString(1));
                        }
                    }
                    result = String.join(",", rows);
                }
                System.out.println("OK " + url + " " + result);
            } catch (Exception e) {
                ok = false;
                StringBuilder chain = new StringBuilder();
                for (Throwable t = e; t != null; t = t.getCause()) {
                    chain.append(chain.length() == 0 ? "" : ": ").append(t);
                }
                System.out.println("FAIL " + url + " " + chain);
            }
        }
        System.exit(ok ? 0 : 1);
    }
}
