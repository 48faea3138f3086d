package io.ringwork.runtime.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The TLS side of a client of the API: trust exactly the certificates of a PEM file ({@code --cacert}). */
public final class ClientTls {
    private ClientTls() {}

    /**
     * A context that trusts the CA (or self-signed) certificates in {@code caFile} and nothing else;
     * the host name is still checked against the server's certificate.
     *
     * @throws IOException one line naming the file and the problem
     */
    public static SSLContext trusting(Path caFile) throws IOException {
        List<X509Certificate> certificates = Pem.certificates(caFile);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < certificates.size(); i++) store.setCertificateEntry("ca-" + i, certificates.get(i));
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot trust the certificates in " + caFile + ": " + e.getMessage(), e);
        }
    }
}
