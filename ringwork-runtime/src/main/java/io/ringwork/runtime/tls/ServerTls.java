package io.ringwork.runtime.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's TLS identity: the HTTP API's ({@code --tls-cert}, {@code --tls-key}), or the peer
 * channel's ({@code --peer-tls-cert}, {@code --peer-tls-key}, {@code --peer-tls-ca}, see
 * {@link #loadMutual}): the certificate chain and its key, checked to belong together, as an
 * {@link SSLContext} for the next connection. With a CA file the context also trusts exactly that
 * CA, both to verify the other side's certificate and, at load, this node's own. A watcher
 * thread looks at the files' modification time, size and inode every {@code pollMs}; when one
 * changed it loads them again, and serves new connections with it if it is good. A bad pair (a
 * file half written, a key of another certificate) is logged once per change and the old identity
 * stays, so replacing the two files one after the other never takes the API down. Connections
 * already open keep the certificate they started with. Thread-safe.
 */
public final class ServerTls implements Supplier<SSLContext>, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);
    /** How often the files are looked at by default. */
    public static final long POLL_MS = 2_000;

    private final Path certFile;
    private final Path keyFile;
    /** The CA that signs every peer's certificate, or null for a server-only identity (the API). */
    private final Path caFile;
    /** What the log calls this identity: "the HTTP API" or "the peer channel". */
    private final String use;
    private final long pollMs;
    private volatile Identity current;
    private volatile Stamp seen;
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong reloadFailures = new AtomicLong();
    private final Thread watcher;
    private volatile boolean closed;

    /** One loaded pair: the context and what the log says about it. */
    private record Identity(SSLContext context, X509Certificate leaf) {}

    /** What tells a changed file: modification time, size and file key (a new inode after a rename) of each. */
    private record Stamp(List<Object> files) {}

    private ServerTls(Path certFile, Path keyFile, Path caFile, String use, long pollMs, Identity first, Stamp stamp) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.caFile = caFile;
        this.use = use;
        this.pollMs = pollMs;
        this.current = first;
        this.seen = stamp;
        this.watcher = Thread.ofPlatform().daemon().name("ringwork-tls-reload").unstarted(this::watch);
    }

    /**
     * Loads the pair and starts watching the files.
     *
     * @throws IOException with one line naming the file and the problem: missing or unreadable, not
     *                     PEM, or a key that does not match the certificate
     */
    public static ServerTls load(Path certFile, Path keyFile, long pollMs) throws IOException {
        return load(certFile, keyFile, null, "the HTTP API", pollMs);
    }

    /**
     * Loads an identity for mutual TLS: the context presents the pair and trusts only the
     * certificates of {@code caFile}, so it serves as both ends of a connection that each verify
     * the other. The pair must chain to that CA and be valid now (a node whose own certificate its
     * peers would refuse does not start); a reload that breaks either rule keeps the old identity.
     *
     * @throws IOException with one line naming the file and the problem
     */
    public static ServerTls loadMutual(Path certFile, Path keyFile, Path caFile, long pollMs) throws IOException {
        return load(certFile, keyFile, Objects.requireNonNull(caFile), "the peer channel (mutual)", pollMs);
    }

    private static ServerTls load(Path certFile, Path keyFile, Path caFile, String use, long pollMs) throws IOException {
        Stamp stamp;
        try {
            stamp = stamp(certFile, keyFile, caFile);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(e.getFile() + " does not exist");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException(e.getFile() + " cannot be read (permission denied)");
        }
        Identity identity = read(certFile, keyFile, caFile);
        ServerTls tls = new ServerTls(certFile, keyFile, caFile, use, pollMs, identity, stamp);
        LOG.info("TLS for {}: {}", use, describe(identity.leaf()));
        tls.watcher.start();
        return tls;
    }

    @Override
    public SSLContext get() {
        return current.context();
    }

    /** The certificate new connections get. */
    public X509Certificate certificate() {
        return current.leaf();
    }

    /** Pairs loaded after the first. */
    public long reloads() {
        return reloads.get();
    }

    /** Changed pairs that could not be used (the old one stayed). */
    public long reloadFailures() {
        return reloadFailures.get();
    }

    /** Looks at the files once and loads them if they changed; the watcher calls this, tests may too. */
    public void checkOnce() {
        Stamp now;
        try {
            now = stamp(certFile, keyFile, caFile);
        } catch (IOException e) {
            now = null; // a file is gone for a moment (being replaced): try again next time
        }
        if (now == null || now.equals(seen)) return;
        seen = now;
        try {
            Identity loaded = read(certFile, keyFile, caFile);
            current = loaded;
            reloads.incrementAndGet();
            LOG.info("TLS certificate of {} reloaded, new connections get {}", use, describe(loaded.leaf()));
        } catch (IOException e) {
            reloadFailures.incrementAndGet();
            LOG.warn("TLS files of {} changed but cannot be used, new connections keep {}: {}", use, describe(current.leaf()),
                    e.getMessage());
        }
    }

    private void watch() {
        while (!closed) {
            try {
                Thread.sleep(pollMs);
            } catch (InterruptedException e) {
                return;
            }
            checkOnce();
        }
    }

    @Override
    public void close() {
        closed = true;
        watcher.interrupt();
    }

    private static Stamp stamp(Path certFile, Path keyFile, Path caFile) throws IOException {
        List<Object> files = new ArrayList<>();
        for (Path file : caFile == null ? List.of(certFile, keyFile) : List.of(certFile, keyFile, caFile)) {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            files.add(attributes.lastModifiedTime());
            files.add(attributes.size());
            files.add(attributes.fileKey());
        }
        return new Stamp(files);
    }

    private static Identity read(Path certFile, Path keyFile, Path caFile) throws IOException {
        List<X509Certificate> chain = Pem.certificates(certFile);
        PrivateKey key = Pem.privateKey(keyFile);
        X509Certificate leaf = chain.getFirst();
        if (!matches(key, leaf.getPublicKey())) {
            throw new IOException("the key in " + keyFile + " does not belong to the certificate in " + certFile
                    + " (" + leaf.getSubjectX500Principal().getName() + ")");
        }
        try {
            char[] password = new char[0];
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("api", key, password, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            TrustManager[] trust = caFile == null ? null : trusting(caFile, certFile, chain);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), trust, null);
            return new Identity(context, leaf);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use " + certFile + " and " + keyFile + " for TLS: " + e.getMessage(), e);
        }
    }

    /**
     * Trust managers that take exactly the certificates of {@code caFile}, after checking that
     * this node's own chain verifies against them now: a certificate of another CA, or an expired
     * one, would be refused by every peer, so it is refused here with a line that says so.
     */
    private static TrustManager[] trusting(Path caFile, Path certFile, List<X509Certificate> chain)
            throws IOException, GeneralSecurityException {
        List<X509Certificate> cas = Pem.certificates(caFile);
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        for (int i = 0; i < cas.size(); i++) anchors.setCertificateEntry("ca-" + i, cas.get(i));
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(anchors);
        TrustManager[] managers = factory.getTrustManagers();
        X509TrustManager manager = (X509TrustManager) managers[0];
        try {
            // As the peer will check it when this node connects (the client side of a connection).
            manager.checkClientTrusted(chain.toArray(new X509Certificate[0]), chain.getFirst().getPublicKey().getAlgorithm());
        } catch (java.security.cert.CertificateException e) {
            throw new IOException("the certificate in " + certFile + " (" + chain.getFirst().getSubjectX500Principal().getName()
                    + ") is not accepted by the CA in " + caFile + ": " + rootCause(e));
        }
        return managers;
    }

    private static String rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) cause = cause.getCause();
        return cause.getMessage();
    }

    /** True when {@code key} signs what {@code publicKey} verifies: the one test that works for every key type. */
    static boolean matches(PrivateKey key, PublicKey publicKey) {
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) return false;
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448 (EdDSA names its own signature)
        };
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // a key of another curve or size cannot sign for this certificate
        }
    }

    private static String describe(X509Certificate leaf) {
        String text = "certificate " + leaf.getSubjectX500Principal().getName() + " serial " + leaf.getSerialNumber().toString(16)
                + " valid until " + leaf.getNotAfter().toInstant();
        try {
            leaf.checkValidity();
        } catch (java.security.cert.CertificateException e) {
            text += " (NOT VALID NOW: " + e.getMessage() + ")";
        }
        return text;
    }

    @Override
    public String toString() {
        return "ServerTls[" + Objects.toString(certFile) + ", " + keyFile + (caFile == null ? "" : ", " + caFile) + "]";
    }
}
