import java.io.FileInputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Oracle for `certkit wire api-key`: what the JDK (and so Elasticsearch) does with a
 * certificate_identity.
 *
 *   WireDn dn FILE...   one line per certificate: its subject from
 *                       X500Principal.getName() (RFC 2253), JSON-string escaped so that
 *                       control characters and non-ASCII survive the pipe.
 *   WireDn regex FILE   FILE has lines "HEXREGEX" or "HEXREGEX HEXTEXT" (UTF-8 in hex);
 *                       prints "ok", "ok true|false" (Pattern.matcher(text).matches()),
 *                       or "error <description>" when Pattern.compile refuses it.
 */
public final class WireDn {
    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (args.length >= 2 && args[0].equals("dn")) {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (int i = 1; i < args.length; i++) {
                try (InputStream in = new FileInputStream(args[i])) {
                    for (Certificate certificate : factory.generateCertificates(in)) {
                        out.println(json(((X509Certificate) certificate).getSubjectX500Principal().getName()));
                    }
                }
            }
        } else if (args.length == 2 && args[0].equals("regex")) {
            List<String> lines = Files.readAllLines(Paths.get(args[1]), StandardCharsets.US_ASCII);
            HexFormat hex = HexFormat.of();
            for (String line : lines) {
                String[] parts = line.split(" ");
                String regex = new String(hex.parseHex(parts[0]), StandardCharsets.UTF_8);
                try {
                    Pattern pattern = Pattern.compile(regex);
                    if (parts.length > 1) {
                        String text = new String(hex.parseHex(parts[1]), StandardCharsets.UTF_8);
                        out.println("ok " + pattern.matcher(text).matches());
                    } else {
                        out.println("ok");
                    }
                } catch (PatternSyntaxException e) {
                    out.println("error " + e.getDescription());
                }
            }
        } else {
            System.err.println("usage: WireDn dn FILE... | WireDn regex FILE");
            System.exit(2);
        }
    }

    private static String json(String text) {
        StringBuilder builder = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c < 0x20 || c == '"' || c == '\\' || c > 0x7e) {
                builder.append(String.format("\\u%04x", (int) c));
            } else {
                builder.append(c);
            }
        }
        return builder.toString();
    }
}
