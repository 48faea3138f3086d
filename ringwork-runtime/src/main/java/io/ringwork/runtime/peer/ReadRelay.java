package io.ringwork.runtime.peer;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The asking side of relayed reads: sends a read to the key's owner over its peer port and
 * returns the answer. Connections are pooled per member and reused, each used by one read at a
 * time; at most {@link #IDLE_PER_PEER_MAX} per member stay open between reads.
 *
 * <p>Limits, and what happens at each: at most {@link #IN_FLIGHT_MAX} reads relayed by this node
 * at once and {@link #PER_PEER_MAX} to one member (more fail at once as {@link Failure#BUSY},
 * never queue); an answer of at most {@code answerMaxBytes} (a larger one is refused before it is
 * read: {@link Failure#OVERSIZED}); a read takes at most {@link #TIMEOUT_MS} in all, connecting
 * and the handshake included (then its connection is closed: {@link Failure#TIMEOUT}). Thread-safe.
 */
public final class ReadRelay implements AutoCloseable {
    public static final int IN_FLIGHT_MAX = 64;
    public static final int PER_PEER_MAX = 16;
    public static final int TIMEOUT_MS = 3000;
    /**
     * Connections kept open per member between reads; those of a burst beyond it are closed after
     * use. Each member's peer port takes {@value PeerServer#CONNECTIONS_MAX} connections in all,
     * replication links included, and a pooled one stays open until its server's idle timeout.
     */
    static final int IDLE_PER_PEER_MAX = 2;

    /** Why a relayed read got no answer. */
    public enum Failure {
        /** Over a cap: nothing was sent. */
        BUSY,
        /** The connection, the handshake or the exchange failed: the owner may be down or restarting. */
        UNREACHABLE,
        /** No answer within {@link #TIMEOUT_MS}. */
        TIMEOUT,
        /** The answer was larger than this node takes. */
        OVERSIZED
    }

    /** A relayed read that got no answer, and why. */
    public static final class RelayFailed extends Exception {
        private final Failure failure;

        public RelayFailed(Failure failure, String detail) {
            super(detail, null, false, false);
            this.failure = failure;
        }

        public Failure failure() {
            return failure;
        }
    }

    /** The names {@link #count} knows: the answers' outcomes, then the failures, lower case. */
    public static final List<String> OUTCOMES = outcomes();

    private record Pooled(PeerClient client, String address) {}

    /** One member's connections: in use (the permits taken) and idle. */
    private static final class Pool {
        final Semaphore permits;
        final ConcurrentLinkedDeque<Pooled> idle = new ConcurrentLinkedDeque<>();

        Pool(int perPeerMax) {
            permits = new Semaphore(perPeerMax);
        }
    }

    private final PeerIdentity self;
    private final PeerCodec codec;
    private final PeerCounters counters;
    private final int answerMaxBytes;
    private final int timeoutMs;
    private final int inFlightMax;
    private final int perPeerMax;
    private final Semaphore inFlight;
    private final Map<String, Pool> pools = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> outcomes = new LinkedHashMap<>();
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ringwork-read-deadlines");
        t.setDaemon(true);
        return t;
    });

    /** @param answerMaxBytes the largest answer taken: the largest document this node stores, and room for the rest */
    public ReadRelay(PeerIdentity self, PeerCodec codec, PeerCounters counters, int answerMaxBytes) {
        this(self, codec, counters, answerMaxBytes, TIMEOUT_MS, IN_FLIGHT_MAX, PER_PEER_MAX);
    }

    /** With other limits: tests reach them with a few reads. */
    ReadRelay(PeerIdentity self, PeerCodec codec, PeerCounters counters, int answerMaxBytes, int timeoutMs,
              int inFlightMax, int perPeerMax) {
        this.self = self;
        this.codec = codec;
        this.counters = counters;
        this.answerMaxBytes = answerMaxBytes;
        this.timeoutMs = timeoutMs;
        this.inFlightMax = inFlightMax;
        this.perPeerMax = perPeerMax;
        this.inFlight = new Semaphore(inFlightMax);
        for (String outcome : OUTCOMES) outcomes.put(outcome, new LongAdder());
    }

    private static List<String> outcomes() {
        List<String> names = new java.util.ArrayList<>();
        for (RelayedRead.Outcome outcome : RelayedRead.Outcome.values()) names.add(outcome.name().toLowerCase());
        for (Failure failure : Failure.values()) names.add(failure.name().toLowerCase());
        return List.copyOf(names);
    }

    /**
     * Asks {@code owner}, at its peer address {@code address}, for {@code key}'s entry.
     *
     * @throws RelayFailed when no answer came; the message says why, for the client
     */
    public RelayedRead.Answer read(String owner, String address, String key) throws RelayFailed {
        return read(owner, address, key, false);
    }

    /**
     * Asks {@code owner} (with {@code replica}: any member holding the key's partition) for
     * {@code key}'s entry, as {@link #read(String, String, String)}.
     */
    public RelayedRead.Answer read(String owner, String address, String key, boolean replica) throws RelayFailed {
        RelayedRead.Answer answer = ask(owner, address, client -> client.read(new RelayedRead.Request(key, 1, replica), timeoutMs, answerMaxBytes));
        outcomes.get(answer.outcome().name().toLowerCase()).increment();
        return answer;
    }

    /** Asks {@code member} for a key-value listing, with the same limits, pool and deadline as a read. */
    public RelayedList.Answer list(String member, String address, RelayedList.Request request) throws RelayFailed {
        return ask(member, address, client -> client.list(request, timeoutMs, answerMaxBytes));
    }

    /**
     * Hands a message to {@code member} (messaging), with the same limits, pool and deadline as a
     * read. A failure after the frame went out may still have delivered it.
     */
    public RelayedMessage.Answer deliver(String member, String address, RelayedMessage.Delivery delivery) throws RelayFailed {
        return ask(member, address, client -> client.deliver(delivery, timeoutMs, answerMaxBytes));
    }

    /** Asks {@code member} for its subscriber load of a topic, as {@link #deliver}. */
    public RelayedMessage.Load load(String member, String address, RelayedMessage.LoadQuery query) throws RelayFailed {
        return ask(member, address, client -> client.load(query, timeoutMs, answerMaxBytes));
    }

    /** One request to a member over a pooled connection. */
    private interface Call<T> {
        T on(PeerClient client) throws IOException;
    }

    private <T> T ask(String owner, String address, Call<T> call) throws RelayFailed {
        Objects.requireNonNull(address, "address");
        if (!inFlight.tryAcquire()) {
            throw failed(Failure.BUSY, "this node is relaying " + inFlightMax + " reads already, its limit");
        }
        try {
            Pool pool = pools.computeIfAbsent(owner, id -> new Pool(perPeerMax));
            if (!pool.permits.tryAcquire()) {
                throw failed(Failure.BUSY, "this node is relaying " + perPeerMax + " reads to " + owner + " already, its limit per member");
            }
            try {
                return askWith(pool, owner, address, call);
            } finally {
                pool.permits.release();
            }
        } finally {
            inFlight.release();
        }
    }

    private <T> T askWith(Pool pool, String owner, String address, Call<T> call) throws RelayFailed {
        Pooled pooled = pool.idle.pollFirst();
        if (pooled != null && !pooled.address().equals(address)) {
            pooled.client().close(); // the member restarted elsewhere: that connection leads nowhere
            pooled = null;
        }
        if (pooled == null) {
            try {
                pooled = new Pooled(new PeerClient(owner, address, self, codec, counters), address);
            } catch (IllegalArgumentException e) {
                throw failed(Failure.UNREACHABLE, owner + " gossips a peer address that is not host:port: " + address);
            }
        }
        PeerClient client = pooled.client();
        AtomicBoolean late = new AtomicBoolean();
        ScheduledFuture<?> deadline;
        try {
            deadline = deadlines.schedule(() -> {
                late.set(true);
                client.close();
            }, timeoutMs, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            client.close();
            throw failed(Failure.UNREACHABLE, "this node is shutting down");
        }
        try {
            T answer = call.on(client);
            boolean kept = false;
            if (deadline.cancel(false)) {
                // The count and the offer are one step: reads that end together each saw room before
                // (a burst of four kept three open; a CI run of ReadRelayTest caught it).
                synchronized (pool) {
                    if (pool.idle.size() < IDLE_PER_PEER_MAX) {
                        pool.idle.offerFirst(pooled);
                        kept = true;
                    }
                }
            }
            // Enough kept already, or the deadline closed the connection just as the answer came.
            if (!kept) client.close();
            return answer;
        } catch (IOException e) {
            deadline.cancel(false);
            client.close();
            if (late.get() || e instanceof java.net.SocketTimeoutException) {
                throw failed(Failure.TIMEOUT, owner + " did not answer within " + timeoutMs + " ms");
            }
            if (PeerClient.oversized(e)) {
                throw failed(Failure.OVERSIZED, owner + "'s answer is larger than the " + answerMaxBytes
                        + " bytes this node takes (max-document-bytes and room for the rest)");
            }
            throw failed(Failure.UNREACHABLE, owner + " at " + address + " could not be asked: " + e.getMessage());
        }
    }

    private RelayFailed failed(Failure failure, String detail) {
        outcomes.get(failure.name().toLowerCase()).increment();
        return new RelayFailed(failure, detail);
    }

    /** Relayed reads that ended in {@code outcome} (one of {@link #OUTCOMES}). */
    public long count(String outcome) {
        LongAdder adder = outcomes.get(outcome);
        return adder == null ? 0 : adder.sum();
    }

    /** Reads being relayed now. */
    public int inFlight() {
        return inFlightMax - inFlight.availablePermits();
    }

    @Override
    public void close() {
        deadlines.shutdownNow();
        for (Pool pool : pools.values()) {
            for (Pooled pooled; (pooled = pool.idle.pollFirst()) != null; ) pooled.client().close();
        }
    }
}
