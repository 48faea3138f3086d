package io.ringwork.runtime.node;

import java.nio.file.Path;

/**
 * The peer channel's mutual-TLS files ({@code --peer-tls-cert}, {@code --peer-tls-key},
 * {@code --peer-tls-ca}): all three or none, which the node checks at start (not here, so that
 * configuration layers may set them one at a time).
 *
 * @param cert this node's certificate chain (PEM), presented on both ends of its peer connections
 * @param key  its private key (PEM, PKCS#8)
 * @param ca   the CA certificate(s) (PEM) that sign every node's certificate; peers are verified
 *             against these only
 */
public record PeerTlsFiles(Path cert, Path key, Path ca) {
    public static final PeerTlsFiles NONE = new PeerTlsFiles(null, null, null);

    public PeerTlsFiles withCert(Path v) { return new PeerTlsFiles(v, key, ca); }
    public PeerTlsFiles withKey(Path v) { return new PeerTlsFiles(cert, v, ca); }
    public PeerTlsFiles withCa(Path v) { return new PeerTlsFiles(cert, key, v); }

    /** Whether any of the three is given. */
    public boolean any() {
        return cert != null || key != null || ca != null;
    }
}
