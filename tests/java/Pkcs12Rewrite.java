import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.KeyStore;
import java.util.Collections;

/**
 * Re-stores a keystore through the JDK's own PKCS#12 writer with another password (keytool
 * refuses passwords shorter than six characters; the KeyStore API, which Elasticsearch and
 * elasticsearch-certutil use, takes any, the empty one included). Key entries are
 * re-protected with the new password. System properties such as keystore.pkcs12.legacy
 * apply as in keytool.
 *
 * Usage: Pkcs12Rewrite IN IN_PASSWORD OUT OUT_PASSWORD
 */
public final class Pkcs12Rewrite {
    public static void main(String[] args) throws Exception {
        char[] inPassword = args[1].toCharArray();
        char[] outPassword = args[3].toCharArray();
        KeyStore source = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(args[0])) {
            source.load(in, inPassword);
        }
        KeyStore target = KeyStore.getInstance("PKCS12");
        target.load(null, null);
        for (String alias : Collections.list(source.aliases())) {
            if (source.isKeyEntry(alias)) {
                target.setKeyEntry(alias, source.getKey(alias, inPassword), outPassword,
                        source.getCertificateChain(alias));
            } else {
                target.setCertificateEntry(alias, source.getCertificate(alias));
            }
        }
        try (OutputStream out = new FileOutputStream(args[2])) {
            target.store(out, outPassword);
        }
    }
}
