import java.io.FileInputStream;
import java.io.InputStream;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Collections;

/**
 * Loads a PKCS#12 file exactly as Elasticsearch does (KeyStore.getInstance("PKCS12")) and
 * prints what the JDK sees, one tab-separated line per item:
 *
 *   ENTRY  alias  PrivateKeyEntry|TrustedCertificateEntry
 *   KEY    alias  algorithm  base64(PKCS#8)          (key entries)
 *   CERT   alias  index  subject  base64(DER)        (the chain, or the trusted certificate)
 *
 * Usage: Pkcs12KeystoreProbe FILE PASSWORD   (the word "-null-" stands for a null password)
 * A load failure exits 3 with the exception on stderr.
 *
 * Batch mode, many files in one JVM: Pkcs12KeystoreProbe --batch LISTFILE, where each line
 * of LISTFILE is FILE TAB PASSWORD (UTF-8). For each file it prints
 *
 *   FILE   path
 *   VIEW   alias  PrivateKeyEntry|TrustedCertificateEntry|SecretKeyEntry  chain-length
 *   FAILED exception                                 (the load failed)
 *
 * chain-length is getCertificateChain's length (0 when it returns null).
 */
public final class Pkcs12KeystoreProbe {
    public static void main(String[] args) throws Exception {
        if ("--batch".equals(args[0])) {
            batch(args[1]);
            return;
        }
        char[] password = "-null-".equals(args[1]) ? null : args[1].toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(args[0])) {
            store.load(in, password);
        } catch (Exception e) {
            System.err.println("LOAD-FAILED " + e);
            System.exit(3);
        }
        Base64.Encoder b64 = Base64.getEncoder();
        for (String alias : Collections.list(store.aliases())) {
            if (store.isKeyEntry(alias)) {
                System.out.println("ENTRY\t" + alias + "\tPrivateKeyEntry");
                Key key = store.getKey(alias, password);
                System.out.println("KEY\t" + alias + "\t" + key.getAlgorithm() + "\t" + b64.encodeToString(key.getEncoded()));
                Certificate[] chain = store.getCertificateChain(alias);
                for (int i = 0; chain != null && i < chain.length; i++) {
                    printCert(alias, i, (X509Certificate) chain[i]);
                }
            } else if (store.isCertificateEntry(alias)) {
                System.out.println("ENTRY\t" + alias + "\tTrustedCertificateEntry");
                printCert(alias, 0, (X509Certificate) store.getCertificate(alias));
            } else {
                System.out.println("ENTRY\t" + alias + "\tOther");
            }
        }
    }

    private static void batch(String listFile) throws Exception {
        java.util.List<String> lines = java.nio.file.Files.readAllLines(
                java.nio.file.Paths.get(listFile), java.nio.charset.StandardCharsets.UTF_8);
        for (String line : lines) {
            String[] parts = line.split("\t", 2);
            System.out.println("FILE\t" + parts[0]);
            char[] password = "-null-".equals(parts[1]) ? null : parts[1].toCharArray();
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = new FileInputStream(parts[0])) {
                store.load(in, password);
                for (String alias : Collections.list(store.aliases())) {
                    String kind;
                    if (store.entryInstanceOf(alias, KeyStore.PrivateKeyEntry.class)) {
                        kind = "PrivateKeyEntry";
                    } else if (store.entryInstanceOf(alias, KeyStore.SecretKeyEntry.class)) {
                        kind = "SecretKeyEntry";
                    } else if (store.isCertificateEntry(alias)) {
                        kind = "TrustedCertificateEntry";
                    } else {
                        kind = "Other";
                    }
                    Certificate[] chain = store.getCertificateChain(alias);
                    System.out.println("VIEW\t" + alias + "\t" + kind + "\t" + (chain == null ? 0 : chain.length));
                }
            } catch (Exception e) {
                System.out.println("FAILED\t" + String.valueOf(e).replace('\n', ' '));
            }
        }
    }

    private static void printCert(String alias, int index, X509Certificate cert) throws Exception {
        System.out.println("CERT\t" + alias + "\t" + index + "\t" + cert.getSubjectX500Principal().getName()
                + "\t" + Base64.getEncoder().encodeToString(cert.getEncoded()));
    }
}
