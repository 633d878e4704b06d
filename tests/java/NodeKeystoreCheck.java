import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * The JDK's view of certkit node keystores, as Elasticsearch uses them.
 *
 * Usage: NodeKeystoreCheck PASSWORD NODE1.p12 [NODE2.p12 ...]
 *
 * For each file: every alias with its entry type, the key entry's chain (subjects), and
 * the otherName commonName SANs decoded from getSubjectAlternativeNames() the way
 * Elasticsearch's RestrictedTrustManager does (type-id 2.5.4.3, [0] EXPLICIT string,
 * an extra [0] wrapper unwrapped). Then a mutual-TLS handshake between the first two
 * nodes, each using its own .p12 as BOTH key store and trust store (as certutil's files
 * are used in elasticsearch.yml), on 127.0.0.1 only, with a hang guard of minutes (a loaded
 * CI machine can take tens of seconds for a handshake; the outcome must not depend on speed).
 * Output lines: "entry <file> <alias> <type>", "chain <file> <subject>...",
 * "othername <file> <value>", "handshake ok <protocol> server-saw=<dn> client-saw=<dn>".
 */
public final class NodeKeystoreCheck {
    private static final int HANG_GUARD_MILLIS = HangGuard.MILLIS;

    public static void main(String[] args) throws Exception {
        HangGuard.start();

        char[] password = args[0].toCharArray();
        List<KeyStore> stores = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = new FileInputStream(args[i])) {
                store.load(in, password);
            }
            stores.add(store);
            String file = args[i];
            for (String alias : Collections.list(store.aliases())) {
                String type = store.isKeyEntry(alias) ? "PrivateKeyEntry"
                    : store.isCertificateEntry(alias) ? "trustedCertEntry" : "other";
                System.out.println("entry " + file + " " + alias + " " + type);
                if (store.isKeyEntry(alias)) {
                    StringBuilder chain = new StringBuilder("chain " + file);
                    for (Certificate c : store.getCertificateChain(alias)) {
                        chain.append(" [").append(((X509Certificate) c).getSubjectX500Principal().getName()).append("]");
                    }
                    System.out.println(chain);
                    X509Certificate leaf = (X509Certificate) store.getCertificate(alias);
                    for (String name : otherNameCommonNames(leaf)) {
                        System.out.println("othername " + file + " " + name);
                    }
                }
            }
        }
        if (stores.size() >= 2) {
            handshake(stores.get(0), stores.get(1), password);
        }
    }

    /** subjectAltName.otherName.commonName values, decoded as Elasticsearch decodes them. */
    static List<String> otherNameCommonNames(X509Certificate certificate) throws Exception {
        List<String> names = new ArrayList<>();
        Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
        if (sans == null) return names;
        for (List<?> san : sans) {
            if (((Integer) san.get(0)) != 0) continue; // 0 = otherName
            byte[] der = (byte[]) san.get(1);
            Der sequence = new Der(der, 0);
            if (sequence.tag != 0x30) throw new IllegalStateException("otherName is not a SEQUENCE");
            Der oid = new Der(der, sequence.contentStart);
            if (oid.tag != 0x06) throw new IllegalStateException("otherName has no type-id");
            if (!"2.5.4.3".equals(decodeOid(der, oid))) continue;
            Der value = new Der(der, oid.end());
            if (value.tag != 0xA0) throw new IllegalStateException("otherName value is not [0]");
            Der inner = new Der(der, value.contentStart);
            if (inner.tag == 0xA0) inner = new Der(der, inner.contentStart); // the JDK's double wrapping
            if (inner.tag != 0x0C) throw new IllegalStateException("otherName CN is not a UTF8String: tag " + inner.tag);
            names.add(new String(der, inner.contentStart, inner.length, StandardCharsets.UTF_8));
        }
        return names;
    }

    static String decodeOid(byte[] der, Der oid) {
        StringBuilder text = new StringBuilder();
        long value = 0;
        boolean first = true;
        for (int i = oid.contentStart; i < oid.end(); i++) {
            value = (value << 7) | (der[i] & 0x7F);
            if ((der[i] & 0x80) == 0) {
                if (first) {
                    long top = Math.min(value / 40, 2);
                    text.append(top).append('.').append(value - top * 40);
                    first = false;
                } else {
                    text.append('.').append(value);
                }
                value = 0;
            }
        }
        return text.toString();
    }

    /** One DER element: tag, where its content starts, its length. */
    static final class Der {
        final int tag, contentStart, length;
        Der(byte[] der, int offset) {
            tag = der[offset] & 0xFF;
            int lengthByte = der[offset + 1] & 0xFF;
            if (lengthByte < 0x80) {
                length = lengthByte;
                contentStart = offset + 2;
            } else {
                int octets = lengthByte & 0x7F, value = 0;
                for (int i = 0; i < octets; i++) value = (value << 8) | (der[offset + 2 + i] & 0xFF);
                length = value;
                contentStart = offset + 2 + octets;
            }
        }
        int end() { return contentStart + length; }
    }

    static SSLContext context(KeyStore store, char[] password) throws Exception {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store); // the same file as trust store: only its trustedCertEntry ("ca") is trusted
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }

    static void handshake(KeyStore serverStore, KeyStore clientStore, char[] password) throws Exception {
        SSLContext serverContext = context(serverStore, password);
        SSLContext clientContext = context(clientStore, password);
        try (SSLServerSocket server = (SSLServerSocket) serverContext.getServerSocketFactory()
                .createServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            server.setNeedClientAuth(true);
            server.setSoTimeout(HANG_GUARD_MILLIS);
            final String[] serverSaw = new String[1];
            final Exception[] serverError = new Exception[1];
            Thread acceptor = new Thread(() -> {
                try (SSLSocket socket = (SSLSocket) server.accept()) {
                    socket.startHandshake();
                    serverSaw[0] = ((X509Certificate) socket.getSession().getPeerCertificates()[0])
                        .getSubjectX500Principal().getName();
                    OutputStream out = socket.getOutputStream();
                    out.write('!');
                    out.flush();
                } catch (Exception e) {
                    serverError[0] = e;
                }
            });
            acceptor.start();
            try (SSLSocket client = (SSLSocket) clientContext.getSocketFactory()
                    .createSocket(java.net.InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                client.setSoTimeout(HANG_GUARD_MILLIS);
                client.startHandshake();
                String clientSaw = ((X509Certificate) client.getSession().getPeerCertificates()[0])
                    .getSubjectX500Principal().getName();
                int reply = client.getInputStream().read();
                acceptor.join(15_000);
                if (serverError[0] != null) throw serverError[0];
                if (reply != '!') throw new IllegalStateException("no reply from the server");
                System.out.println("handshake ok " + client.getSession().getProtocol()
                    + " server-saw=" + serverSaw[0] + " client-saw=" + clientSaw);
            }
        }
    }
}
