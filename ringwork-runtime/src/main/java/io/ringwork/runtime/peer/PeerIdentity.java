package io.ringwork.runtime.peer;

import io.ringwork.core.util.Invariants;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * Who this node is on the peer channel: its node id, its cluster, the peer key, or null when
 * the cluster has no secret, and the mutual-TLS identity, or null without peer TLS (with neither,
 * peers are not authenticated; see {@link PeerServer#checkBindable}).
 *
 * @param key HMAC-SHA256 key from {@link #keyFrom}, 32 bytes, or null
 * @param tls the context for the next connection, both ends (it presents this node's certificate
 *            and trusts only the cluster CA; {@code ServerTls.loadMutual}, which reloads it), or null
 */
public record PeerIdentity(String node, String cluster, byte[] key, Supplier<SSLContext> tls) {
    /** Binds the peer key to its use, so the cluster secret never keys two protocols alike. */
    private static final byte[] KEY_LABEL = "ringwork peer v1".getBytes(StandardCharsets.US_ASCII);

    public PeerIdentity {
        Invariants.require(node != null && !node.isEmpty(), "node is required");
        Invariants.require(cluster != null, "cluster is required");
        Invariants.require(key == null || key.length == 32, "the peer key is 32 bytes");
    }

    /** Without peer TLS. */
    public PeerIdentity(String node, String cluster, byte[] key) {
        this(node, cluster, key, null);
    }

    /** The peer key of a cluster secret: HMAC-SHA256(secret, "ringwork peer v1"). */
    public static byte[] keyFrom(byte[] secret) {
        return PeerChannel.hmac(secret).doFinal(KEY_LABEL);
    }

    /** Whether frames carry an HMAC (a secret is configured); TLS is {@link #tls}, independent of it. */
    public boolean secured() {
        return key != null;
    }
}
