import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyStore;
import javax.net.ssl.CertPathTrustManagerParameters;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The JDK's PKIX trust manager on many chains in one run, as a transport node asks it.
 *
 * Usage: TrustManagerOracle MANIFEST. Each line of MANIFEST is
 * {@code LABEL<TAB>CAS.pem<TAB>CHAIN.pem<TAB>EPOCH-MILLIS[<TAB>MORE.pem]}: CHAIN (leaf first, DER or
 * PEM certificates, then those of MORE when given, a pool shared by many cases) is checked against the trust anchors of CAS at that validation date, revocation off,
 * with checkClientTrusted and then checkServerTrusted (Elasticsearch's transport layer does
 * both). One output line per case: {@code LABEL<TAB>valid} or {@code LABEL<TAB>invalid<TAB>MESSAGE}
 * (the CertificateException's message, causes appended).
 */
public class TrustManagerOracle {
    public static void main(String[] args) throws Exception {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        try (BufferedReader manifest = Files.newBufferedReader(Paths.get(args[0]), StandardCharsets.UTF_8)) {
            String line;
            while ((line = manifest.readLine()) != null) {
                if (line.isEmpty()) continue;
                String[] fields = line.split("\t");
                String verdict;
                try {
                    verdict = judge(factory, fields[1], fields[2], Long.parseLong(fields[3]), fields.length > 4 ? fields[4] : null);
                } catch (Exception e) {
                    verdict = "invalid\t" + describe(e);
                }
                System.out.println(fields[0] + "\t" + verdict);
            }
        }
    }

    static List<X509Certificate> readAll(CertificateFactory factory, String path) throws Exception {
        List<X509Certificate> certificates = new ArrayList<>();
        try (InputStream in = new FileInputStream(path)) {
            for (java.security.cert.Certificate c : factory.generateCertificates(in)) {
                certificates.add((X509Certificate) c);
            }
        }
        return certificates;
    }

    static String judge(CertificateFactory factory, String casPath, String chainPath, long millis, String morePath)
            throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int index = 0;
        for (X509Certificate ca : readAll(factory, casPath)) {
            store.setCertificateEntry("ca" + index++, ca);
        }
        PKIXBuilderParameters parameters = new PKIXBuilderParameters(store, new X509CertSelector());
        parameters.setRevocationEnabled(false);
        parameters.setDate(new Date(millis));
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance("PKIX");
        trustManagers.init(new CertPathTrustManagerParameters(parameters));
        X509TrustManager manager = (X509TrustManager) trustManagers.getTrustManagers()[0];
        List<X509Certificate> sent = readAll(factory, chainPath);
        if (morePath != null) {
            sent.addAll(readAll(factory, morePath));
        }
        X509Certificate[] chain = sent.toArray(new X509Certificate[0]);
        String authType = chain[0].getPublicKey().getAlgorithm().equals("EC") ? "ECDHE_ECDSA" : "ECDHE_RSA";
        try {
            manager.checkClientTrusted(chain, authType);
            manager.checkServerTrusted(chain, authType);
            return "valid";
        } catch (java.security.cert.CertificateException e) {
            return "invalid\t" + describe(e);
        }
    }

    static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            text.append(" | ").append(cause.getClass().getSimpleName()).append(": ").append(cause.getMessage());
        }
        return text.toString().replace('\t', ' ').replace('\n', ' ');
    }
}
