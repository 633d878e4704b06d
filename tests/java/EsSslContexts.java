import java.io.FileInputStream;
import java.io.FileWriter;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.Writer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Two SSLContexts built from elasticsearch.yml settings the way Elasticsearch's
 * SslConfigurationLoader builds them, then a mutual-TLS handshake between them.
 *
 * Usage: EsSslContexts PREFIX[,CLIENT_PREFIX] OUT_DIR SERVER_CONFIG SERVER_SETTINGS SERVER_SECRETS CLIENT_CONFIG CLIENT_SETTINGS CLIENT_SECRETS
 *
 * The client reads CLIENT_PREFIX when given (the API key model: the server side is
 * xpack.security.remote_cluster_server.ssl, the client side remote_cluster_client.ssl).
 *
 * SETTINGS and SECRETS are java.util.Properties files: the flat yml settings (a list as
 * comma-separated paths) and the secure settings of the node's elasticsearch-keystore.
 * Paths resolve against the node's config folder. Key: keystore.path (type by file name:
 * .p12/.pfx/.pkcs12 PKCS12, else jks; password keystore.secure_password, else empty;
 * key password keystore.secure_key_password, else the store password) or certificate +
 * key (PEM; PKCS#8, PKCS#1 RSA or SEC1 EC keys, unencrypted). Trust: certificate_authorities
 * (PEM list) or truststore.path (password truststore.secure_password, else empty), else the
 * key store's own trusted entries; no key settings: no key (a client side). verification_mode
 * (default full) full adds host name checks against 127.0.0.1. client_authentication: as
 * set, else required on transport, none on the remote cluster server, optional elsewhere.
 * Binds 127.0.0.1 only; a hang guard of minutes stops it.
 *
 * Output: "loaded server" / "loaded client", then "handshake ok PROTOCOL" or
 * "handshake failed MESSAGE"; a load failure is "load failed SIDE MESSAGE" (exit 1).
 * The peer certificates are written as OUT_DIR/server-saw.pem and OUT_DIR/client-saw.pem.
 */
public final class EsSslContexts {
    private static final int HANG_GUARD_MILLIS = HangGuard.MILLIS;

    public static void main(String[] args) throws Exception {
        HangGuard.start();

        String[] prefixes = args[0].split(",");
        String prefix = prefixes[0] + ".";
        String clientPrefix = (prefixes.length > 1 ? prefixes[1] : prefixes[0]) + ".";
        Path out = Path.of(args[1]);
        Properties serverSettings = properties(args[3]);
        SSLContext server = load("server", prefix, Path.of(args[2]), serverSettings, properties(args[4]));
        SSLContext client = load("client", clientPrefix, Path.of(args[5]), properties(args[6]), properties(args[7]));
        if (server == null || client == null) System.exit(1);
        String mode = properties(args[6]).getProperty(clientPrefix + "verification_mode", "full").toLowerCase(Locale.ROOT);
        String defaultClientAuth = prefix.startsWith("xpack.security.transport.") ? "required"
            : prefix.startsWith("xpack.security.remote_cluster_server.") ? "none" : "optional";
        String clientAuth = serverSettings.getProperty(prefix + "client_authentication", defaultClientAuth)
            .toLowerCase(Locale.ROOT);
        handshake(server, client, "full".equals(mode), clientAuth, out);
    }

    static Properties properties(String file) throws Exception {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
            properties.load(in);
        }
        return properties;
    }

    static SSLContext load(String side, String prefix, Path config, Properties settings, Properties secrets) {
        try {
            boolean hasKey = settings.getProperty(prefix + "keystore.path") != null
                || settings.getProperty(prefix + "certificate") != null;
            KeyStore keys = hasKey ? keyStore(prefix, config, settings, secrets) : emptyStore();
            char[] keyPassword = password(secrets, prefix + "keystore.secure_key_password");
            if (keyPassword.length == 0) keyPassword = password(secrets, prefix + "keystore.secure_password");
            if (settings.getProperty(prefix + "certificate") != null) keyPassword = new char[0];
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, keyPassword);
            TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trustStore(prefix, config, settings, secrets, keys));
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
            System.out.println("loaded " + side);
            return context;
        } catch (Exception e) {
            System.out.println("load failed " + side + " " + e);
            return null;
        }
    }

    static KeyStore emptyStore() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        return store;
    }

    static char[] password(Properties secrets, String key) {
        String value = secrets.getProperty(key);
        return value == null ? new char[0] : value.toCharArray();
    }

    static String storeType(String path) {
        String name = path.toLowerCase(Locale.ROOT);
        return name.endsWith(".p12") || name.endsWith(".pfx") || name.endsWith(".pkcs12") ? "PKCS12" : "jks";
    }

    static KeyStore openStore(Path config, String path, char[] password) throws Exception {
        KeyStore store = KeyStore.getInstance(storeType(path));
        try (InputStream in = new FileInputStream(config.resolve(path).toFile())) {
            store.load(in, password);
        }
        return store;
    }

    static KeyStore keyStore(String prefix, Path config, Properties settings, Properties secrets) throws Exception {
        String keystore = settings.getProperty(prefix + "keystore.path");
        if (keystore != null) {
            return openStore(config, keystore, password(secrets, prefix + "keystore.secure_password"));
        }
        List<Certificate> chain = certificates(config.resolve(settings.getProperty(prefix + "certificate")));
        PrivateKey key = pemKey(config.resolve(settings.getProperty(prefix + "key")));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("key", key, new char[0], chain.toArray(new Certificate[0]));
        return store;
    }

    static KeyStore trustStore(String prefix, Path config, Properties settings, Properties secrets, KeyStore keys)
            throws Exception {
        String cas = settings.getProperty(prefix + "certificate_authorities");
        String truststore = settings.getProperty(prefix + "truststore.path");
        if (truststore != null) {
            return openStore(config, truststore, password(secrets, prefix + "truststore.secure_password"));
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int index = 0;
        if (cas != null) {
            for (String path : cas.split(",")) {
                for (Certificate certificate : certificates(config.resolve(path.trim()))) {
                    store.setCertificateEntry("ca-" + index++, certificate);
                }
            }
        } else {
            for (String alias : Collections.list(keys.aliases())) {
                if (keys.isCertificateEntry(alias)) store.setCertificateEntry(alias, keys.getCertificate(alias));
            }
        }
        return store;
    }

    static List<Certificate> certificates(Path file) throws Exception {
        try (InputStream in = new FileInputStream(file.toFile())) {
            return new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(in));
        }
    }

    static PrivateKey pemKey(Path file) throws Exception {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        String type = text.substring(text.indexOf("-----BEGIN ") + 11, text.indexOf("-----", text.indexOf("-----BEGIN ") + 11));
        String body = text.substring(text.indexOf("-----", text.indexOf("-----BEGIN ") + 11) + 5, text.indexOf("-----END"));
        byte[] der = Base64.getMimeDecoder().decode(body.replaceAll("(?m)^[A-Za-z-]+:.*$", "").trim());
        switch (type) {
            case "PRIVATE KEY":
                return pkcs8(der);
            case "RSA PRIVATE KEY":
                return pkcs8(sequence(concat(new byte[] {2, 1, 0},
                    sequence(concat(oid("1.2.840.113549.1.1.1"), new byte[] {5, 0})), octets(der))));
            case "EC PRIVATE KEY":
                return pkcs8(sequence(concat(new byte[] {2, 1, 0},
                    sequence(concat(oid("1.2.840.10045.2.1"), ecCurve(der))), octets(der))));
            default:
                throw new IllegalArgumentException("unsupported PEM key type " + type);
        }
    }

    static PrivateKey pkcs8(byte[] der) throws Exception {
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (java.security.spec.InvalidKeySpecException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException("not an RSA or EC key");
    }

    /** The curve OID element of a SEC1 ECPrivateKey: its [0] parameters. */
    static byte[] ecCurve(byte[] sec1) {
        int offset = headerLength(sec1, 0);
        while (offset < sec1.length) {
            int tag = sec1[offset] & 0xFF;
            int header = headerLength(sec1, offset);
            int length = contentLength(sec1, offset);
            if (tag == 0xA0) return java.util.Arrays.copyOfRange(sec1, offset + header, offset + header + length);
            offset += header + length;
        }
        throw new IllegalArgumentException("the EC key names no curve");
    }

    static int headerLength(byte[] der, int offset) {
        int first = der[offset + 1] & 0xFF;
        return first < 0x80 ? 2 : 2 + (first & 0x7F);
    }

    static int contentLength(byte[] der, int offset) {
        int first = der[offset + 1] & 0xFF;
        if (first < 0x80) return first;
        int value = 0;
        for (int i = 0; i < (first & 0x7F); i++) value = (value << 8) | (der[offset + 2 + i] & 0xFF);
        return value;
    }

    static byte[] element(int tag, byte[] content) {
        int length = content.length;
        byte[] header;
        if (length < 0x80) header = new byte[] {(byte) tag, (byte) length};
        else if (length < 0x100) header = new byte[] {(byte) tag, (byte) 0x81, (byte) length};
        else header = new byte[] {(byte) tag, (byte) 0x82, (byte) (length >> 8), (byte) length};
        return concat(header, content);
    }

    static byte[] sequence(byte[] content) { return element(0x30, content); }
    static byte[] octets(byte[] content) { return element(0x04, content); }

    static byte[] oid(String dotted) {
        String[] arcs = dotted.split("\\.");
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.write(Integer.parseInt(arcs[0]) * 40 + Integer.parseInt(arcs[1]));
        for (int i = 2; i < arcs.length; i++) {
            long arc = Long.parseLong(arcs[i]);
            byte[] groups = new byte[10];
            int count = 0;
            do { groups[count++] = (byte) (arc & 0x7F); arc >>= 7; } while (arc > 0);
            for (int j = count - 1; j >= 0; j--) body.write(groups[j] | (j > 0 ? 0x80 : 0));
        }
        return element(0x06, body.toByteArray());
    }

    static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) all.writeBytes(part);
        return all.toByteArray();
    }

    static void writePem(Path file, Certificate certificate) throws Exception {
        try (Writer out = new FileWriter(file.toFile(), StandardCharsets.US_ASCII)) {
            out.write("-----BEGIN CERTIFICATE-----\n");
            out.write(Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(certificate.getEncoded()));
            out.write("\n-----END CERTIFICATE-----\n");
        }
    }

    static void handshake(SSLContext serverContext, SSLContext clientContext, boolean checkHostName, String clientAuth,
            Path out) throws Exception {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (SSLServerSocket server = (SSLServerSocket) serverContext.getServerSocketFactory()
                .createServerSocket(0, 1, loopback)) {
            if ("required".equals(clientAuth)) server.setNeedClientAuth(true);
            else if ("optional".equals(clientAuth)) server.setWantClientAuth(true);
            server.setSoTimeout(HANG_GUARD_MILLIS);
            final Exception[] serverError = new Exception[1];
            Thread acceptor = new Thread(() -> {
                try (SSLSocket socket = (SSLSocket) server.accept()) {
                    socket.setSoTimeout(HANG_GUARD_MILLIS);
                    socket.startHandshake();
                    try {
                        writePem(out.resolve("server-saw.pem"), socket.getSession().getPeerCertificates()[0]);
                    } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                        // the client presented no certificate (client_authentication none/optional)
                    }
                    OutputStream reply = socket.getOutputStream();
                    reply.write('!');
                    reply.flush();
                } catch (Exception e) {
                    serverError[0] = e;
                }
            });
            acceptor.start();
            String outcome;
            try (SSLSocket client = (SSLSocket) clientContext.getSocketFactory().createSocket(loopback, server.getLocalPort())) {
                client.setSoTimeout(HANG_GUARD_MILLIS);
                if (checkHostName) {
                    SSLParameters parameters = client.getSSLParameters();
                    parameters.setEndpointIdentificationAlgorithm("HTTPS");
                    client.setSSLParameters(parameters);
                }
                client.startHandshake();
                writePem(out.resolve("client-saw.pem"), client.getSession().getPeerCertificates()[0]);
                int reply = client.getInputStream().read();
                outcome = reply == '!' ? "handshake ok " + client.getSession().getProtocol()
                    : "handshake failed no reply from the server";
            } catch (Exception e) {
                outcome = "handshake failed " + e;
            }
            // Joined only once the client socket is closed: a TLS 1.3 server closing its socket
            // waits for the peer's close_notify.
            acceptor.join(HANG_GUARD_MILLIS);
            if (serverError[0] != null && outcome.startsWith("handshake ok")) outcome = "handshake failed " + serverError[0];
            System.out.println(outcome);
        }
    }
}
