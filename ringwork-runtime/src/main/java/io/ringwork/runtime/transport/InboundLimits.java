package io.ringwork.runtime.transport;

import io.ringwork.core.util.Invariants;

/**
 * Bounds on what strangers can make a {@link UdpTcpTransport} hold through its TCP port, which
 * anyone who can reach the node may connect to before any authentication.
 *
 * @param connectionsMax          inbound connections open at once; more are closed at accept. Each
 *                                costs one platform thread (the reader blocks on it).
 * @param connectionsPerSourceMax inbound connections open at once from one source IP, so that one
 *                                client cannot take every slot
 * @param idleTimeoutMs           a connection whose next frame has not begun this long after the
 *                                previous one (or after the hello) is closed
 * @param frameTimeoutMs          a frame (the hello included) must arrive whole this long after its
 *                                first byte, or the connection is closed: no dribbling
 * @param bufferedBytesMax        bytes of partly read frames held across all connections; a
 *                                connection whose frame would take more is closed
 */
public record InboundLimits(int connectionsMax, int connectionsPerSourceMax, int idleTimeoutMs, int frameTimeoutMs,
                            long bufferedBytesMax) {

    /**
     * 128 connections: a member's peers hold one outbound stream each and use it for push-pull
     * (one per peer per push-pull interval, 30 s on a LAN), joins and reconnects, so steady state
     * is a handful of connections even at 1,000 members; 128 leaves room for a whole cluster of
     * ~100 nodes rejoining through one seed at once, at 128 platform threads (was 1,024).
     * 32 per source IP: nodes on one host (tests, the chaos harness) share an IP. Idle 10 s, and
     * a sender reconnects a stream it left idle for half that,
     * so a receiver with the same limits never closes a stream the sender is about to write on. 10 s per frame: an
     * 8 MiB push-pull needs well under a second on any LAN. 4 frames' worth buffered in total.
     */
    public static InboundLimits defaults(int frameBytesMax) {
        return new InboundLimits(128, 32, 10_000, 10_000, 4L * frameBytesMax);
    }

    public InboundLimits {
        Invariants.require(connectionsMax > 0 && connectionsPerSourceMax > 0 && connectionsPerSourceMax <= connectionsMax,
                "bad connection limits %s / %s", connectionsPerSourceMax, connectionsMax);
        Invariants.require(idleTimeoutMs > 0 && frameTimeoutMs > 0 && bufferedBytesMax > 0, "bad inbound limits");
    }
}
