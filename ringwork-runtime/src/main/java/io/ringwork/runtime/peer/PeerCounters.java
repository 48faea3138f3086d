package io.ringwork.runtime.peer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the peer channel did, in running totals read by {@code /metrics}
 * ({@code ringwork_peer_*}). Thread-safe. Every refused frame or message is counted under one
 * reason:
 * <ul>
 *   <li>{@code bad_mac}: a frame (or the handshake's proof) whose MAC does not match: a wrong or
 *       missing key, a forgery, or a frame captured from another connection;
 *   <li>{@code replayed}: a frame with a valid MAC but not the next sequence number;
 *   <li>{@code oversized}: a frame whose length passes the limit (refused before it is read);
 *   <li>{@code malformed}: a frame that does not decode, or a connection that ends mid-frame;
 *   <li>{@code handshake}: a connection whose handshake failed (another cluster, a peer with or
 *       without a key where this node differs, an older codec than this node reads, a wrong node);
 *   <li>{@code timeout}: a frame that did not arrive within its deadline once started;
 *   <li>{@code connections}: a connection refused because the inbound cap was reached;
 *   <li>{@code unknown_kind}, {@code unknown_field}: skipped parts of frames that were taken (a
 *       newer peer's additions);
 *   <li>{@code stale_term}: a replication message taken off the wire but refused by its
 *       partition for a term lower than one it has seen (nothing applied);
 *   <li>{@code tls}: a connection whose TLS handshake failed, with peer TLS on: a peer that
 *       presents no certificate, one the cluster CA did not sign or that expired, a plaintext
 *       peer on the TLS port, or (on the connecting side) a member that refused this node's.
 * </ul>
 */
public final class PeerCounters {
    public static final String BAD_MAC = "bad_mac";
    public static final String REPLAYED = "replayed";
    public static final String OVERSIZED = "oversized";
    public static final String MALFORMED = "malformed";
    public static final String HANDSHAKE = "handshake";
    public static final String TIMEOUT = "timeout";
    public static final String CONNECTIONS = "connections";
    public static final String UNKNOWN_KIND = "unknown_kind";
    public static final String UNKNOWN_FIELD = "unknown_field";
    public static final String STALE_TERM = "stale_term";
    public static final String TLS = "tls";
    public static final List<String> REASONS = List.of(BAD_MAC, REPLAYED, OVERSIZED, MALFORMED, HANDSHAKE, TIMEOUT,
            CONNECTIONS, UNKNOWN_KIND, UNKNOWN_FIELD, STALE_TERM, TLS);

    private final Map<String, LongAdder> dropped = new LinkedHashMap<>();
    private final LongAdder framesReceived = new LongAdder();
    private final LongAdder bytesReceived = new LongAdder();
    private final LongAdder framesSent = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private final AtomicInteger inboundConnections = new AtomicInteger();
    private final LongAdder readsServed = new LongAdder();

    public PeerCounters() {
        for (String reason : REASONS) dropped.put(reason, new LongAdder());
    }

    void dropped(String reason, long count) {
        LongAdder adder = dropped.get(reason);
        if (adder == null) throw new IllegalArgumentException("no drop reason " + reason);
        adder.add(count);
    }

    void received(long bytes) {
        framesReceived.increment();
        bytesReceived.add(bytes);
    }

    void sent(long bytes) {
        framesSent.increment();
        bytesSent.add(bytes);
    }

    void readServed() {
        readsServed.increment();
    }

    AtomicInteger inbound() {
        return inboundConnections;
    }

    /** Frames or messages refused for {@code reason} (one of {@link #REASONS}). */
    public long dropped(String reason) {
        LongAdder adder = dropped.get(reason);
        return adder == null ? 0 : adder.sum();
    }

    /** All drops by reason, in {@link #REASONS} order. */
    public Map<String, Long> droppedByReason() {
        Map<String, Long> all = new LinkedHashMap<>();
        dropped.forEach((reason, adder) -> all.put(reason, adder.sum()));
        return all;
    }

    public long framesReceived() {
        return framesReceived.sum();
    }

    public long bytesReceived() {
        return bytesReceived.sum();
    }

    public long framesSent() {
        return framesSent.sum();
    }

    public long bytesSent() {
        return bytesSent.sum();
    }

    /** Reads other members relayed to this node that it answered (any outcome). */
    public long readsServed() {
        return readsServed.sum();
    }

    /** Peer connections open to this node now. */
    public int inboundConnections() {
        return inboundConnections.get();
    }
}
