import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;

import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The JDK as an oracle for certkit.jdk.names and certkit's chain check.
 *
 * names FILE      for every certificate of a PEM/DER file: the subject as
 *                 X500Principal.toString() prints it (Elasticsearch's rejection message),
 *                 and the names Elasticsearch's RestrictedTrustManager reads, taken from
 *                 getSubjectAlternativeNames() exactly as it decodes them (otherName type-id
 *                 2.5.4.3, one constructed element unwrapped, DerParser.getString()).
 *                 Output lines: "CERT", "SUBJECT <dn>", "CN <hex utf-8>", "CN-IGNORED",
 *                 "DNS <hex utf-8>". Values are hex so that no console encoding gets between.
 * batch FILE      the same for many certificates in one JVM start: FILE holds one DER
 *                 certificate per line, in hex. Each certificate is parsed on its own and
 *                 reported as "CERT", then "REFUSED <hex reason>" when CertificateFactory
 *                 refuses it, "SAN-REFUSED <hex reason>" when getSubjectAlternativeNames()
 *                 throws (Elasticsearch then sees no names), otherwise "SUBJECT", "ISSUER"
 *                 and the names as in "names" ("NO-SAN" when getSubjectAlternativeNames()
 *                 returns null), plus "ISSUER" and "RFC2253" (the subject's getName()).
 * decode FILE     Java's string decoders: FILE lines "CHARSET HEX" (UTF-8, UTF-16BE,
 *                 US-ASCII, ISO-8859-1); prints the decoded String as hex of its UTF-16BE
 *                 code units, one line each.
 * trust CAS CHAIN  validates CHAIN (PEM, leaf first) with the default PKIX trust manager of
 *                 a KeyStore holding the certificates of CAS, both as a client certificate
 *                 and as a server certificate: prints "valid" or "invalid: <reason>".
 */
public class NamesOracle {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("names")) {
            for (java.security.cert.Certificate c : readAll(args[1])) {
                names((X509Certificate) c);
            }
        } else if (args[0].equals("batch")) {
            batch(args[1]);
        } else if (args[0].equals("decode")) {
            for (String line : Files.readAllLines(Paths.get(args[1]))) {
                String[] parts = line.split(" ", -1);
                String text = new String(HexFormat.of().parseHex(parts[1]), parts[0]);
                System.out.println(HexFormat.of().formatHex(text.getBytes(StandardCharsets.UTF_16BE)));
            }
        } else if (args[0].equals("trust")) {
            trust(args[1], args[2]);
        } else {
            throw new IllegalArgumentException(args[0]);
        }
    }

    static Collection<? extends java.security.cert.Certificate> readAll(String path) throws Exception {
        try (InputStream in = new ByteArrayInputStream(Files.readAllBytes(Paths.get(path)))) {
            return CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
    }

    static String hex(String s) {
        return HexFormat.of().formatHex(s.getBytes(StandardCharsets.UTF_8));
    }

    static void batch(String path) throws Exception {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        StringBuilder out = new StringBuilder();
        for (String line : Files.readAllLines(Paths.get(path))) {
            if (line.isEmpty()) {
                continue;
            }
            X509Certificate certificate;
            try {
                certificate = (X509Certificate) factory.generateCertificate(
                        new ByteArrayInputStream(HexFormat.of().parseHex(line)));
            } catch (java.security.cert.CertificateException | RuntimeException e) {
                out.append("CERT\nREFUSED ").append(hex(String.valueOf(e.getMessage()))).append('\n');
                continue;
            }
            try {
                out.append(report(certificate));
            } catch (java.security.cert.CertificateParsingException | RuntimeException e) {
                // Elasticsearch's trust manager fails the same way: the certificate is rejected.
                out.append("CERT\nSAN-REFUSED ").append(hex(String.valueOf(e.getMessage()))).append('\n');
            }
        }
        System.out.print(out);
    }

    static void names(X509Certificate certificate) throws Exception {
        System.out.print(report(certificate));
    }

    static String report(X509Certificate certificate) throws Exception {
        StringBuilder out = new StringBuilder();
        Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
        out.append("CERT\n");
        out.append("SUBJECT ").append(hex(certificate.getSubjectX500Principal().toString())).append('\n');
        out.append("ISSUER ").append(hex(certificate.getIssuerX500Principal().toString())).append('\n');
        out.append("RFC2253 ").append(hex(certificate.getSubjectX500Principal().getName())).append('\n');
        if (sans == null) {
            out.append("NO-SAN\n");
        } else {
            for (List<?> san : sans) {
                int type = (Integer) san.get(0);
                if (type == 2) {
                    out.append("DNS ").append(hex(san.get(1).toString())).append('\n');
                } else if (type == 0) {
                    String cn = decodeLikeElasticsearch((byte[]) san.get(1));
                    out.append(cn == null ? "CN-IGNORED" : "CN " + hex(cn)).append('\n');
                }
            }
        }
        return out.toString();
    }

    // RestrictedTrustManager.decodeDerValue, on the JDK's bytes.
    static String decodeLikeElasticsearch(byte[] value) {
        try {
            Der parser = new Der(value);
            Der.Obj seq = parser.read();
            parser = seq.parser();
            String id = parser.read().oid();
            if (!"2.5.4.3".equals(id)) {
                return null;
            }
            Der.Obj cnObject = parser.read();
            parser = cnObject.parser();
            Der.Obj inner = parser.read();
            if (inner.constructed()) {
                inner = inner.parser().read();
            }
            return inner.string();
        } catch (IOException e) {
            return null;
        }
    }

    /** The few operations of Elasticsearch's libs/ssl-config DerParser that decodeDerValue uses. */
    static final class Der {
        private final InputStream in;
        private final int max;

        Der(byte[] bytes) {
            in = new ByteArrayInputStream(bytes);
            max = bytes.length;
        }

        Obj read() throws IOException {
            int tag = in.read();
            if (tag == -1) throw new IOException("missing tag");
            int i = in.read();
            if (i == -1) throw new IOException("length missing");
            int length;
            if ((i & ~0x7F) == 0) {
                length = i;
            } else {
                int num = i & 0x7F;
                if (i >= 0xFF || num > 4) throw new IOException("length field too big");
                byte[] bytes = new byte[num];
                if (in.read(bytes) < num) throw new IOException("length too short");
                length = new BigInteger(1, bytes).intValue();
            }
            if (length > max) throw new IOException("too large");
            byte[] v = new byte[length];
            int n = in.read(v);
            if (n < length) throw new IOException("too short");
            return new Obj(tag, v);
        }

        static final class Obj {
            final int tag;
            final int type;
            final byte[] value;

            Obj(int tag, byte[] value) {
                this.tag = tag;
                this.type = tag & 0x1F;
                this.value = value;
            }

            boolean constructed() {
                return (tag & 0x20) == 0x20;
            }

            Der parser() throws IOException {
                if (!constructed()) throw new IOException("primitive");
                return new Der(value);
            }

            String oid() throws IOException {
                if (type != 0x06) throw new IOException("not an OID");
                StringBuilder sb = new StringBuilder();
                switch (value[0] / 40) {
                    case 0 -> sb.append('0');
                    case 1 -> { sb.append('1'); value[0] -= 40; }
                    default -> { sb.append('2'); value[0] -= 80; }
                }
                int part = 0;
                for (byte b : value) {
                    part = (part << 7) + (b & 0x7F);
                    if ((b & 0x80) == 0) {
                        sb.append('.').append(part);
                        part = 0;
                    }
                }
                return sb.toString();
            }

            String string() throws IOException {
                String encoding;
                switch (type) {
                    case 0x04:
                        return HexFormat.of().formatHex(value);
                    case 0x12: case 0x13: case 0x15: case 0x16: case 0x19: case 0x1A: case 0x1B:
                        encoding = "ISO-8859-1";
                        break;
                    case 0x1E:
                        encoding = "UTF-16BE";
                        break;
                    case 0x0C:
                        encoding = "UTF-8";
                        break;
                    default:
                        throw new IOException("not a string");
                }
                return new String(value, encoding);
            }
        }
    }

    static void trust(String casPath, String chainPath) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int index = 0;
        for (java.security.cert.Certificate ca : readAll(casPath)) {
            store.setCertificateEntry("ca" + index++, ca);
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(store);
        X509TrustManager manager = (X509TrustManager) factory.getTrustManagers()[0];
        X509Certificate[] chain = readAll(chainPath).toArray(new X509Certificate[0]);
        String authType = chain[0].getPublicKey().getAlgorithm().equals("EC") ? "ECDHE_ECDSA" : "ECDHE_RSA";
        try {
            manager.checkClientTrusted(chain, authType);
            manager.checkServerTrusted(chain, authType);
            System.out.println("valid");
        } catch (java.security.cert.CertificateException e) {
            System.out.println("invalid: " + e.getMessage());
        }
    }
}
