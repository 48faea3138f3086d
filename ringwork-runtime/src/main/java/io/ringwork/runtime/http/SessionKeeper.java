package io.ringwork.runtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.coord.ElectionProcessor;
import io.ringwork.core.coord.ServiceProcessor;
import io.ringwork.core.coord.SessionExpiry;
import io.ringwork.core.coord.SessionProcessor;
import io.ringwork.core.kv.KvProcessor;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.WriteSet;
import io.ringwork.runtime.node.RingworkNode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Expires sessions: the one place where the coordination state meets time. Every node watches the
 * sessions of every partition it holds, as owner or replica ({@link SessionExpiry}): a session's
 * deadline is {@code ttlMs} after this node first saw the session's last record (a keepalive, an
 * attach), or after it came to hold the partition. The node that runs the partition appends
 * {@code session.close} past the deadline, conditional on that record still being the session's
 * last ({@code ifLast}), so a session expires at least its TTL after its last acknowledged
 * keepalive was sent, never before; and a replica that takes over from a dead owner has watched
 * the keepalives all along, so the session expires about TTL after the last one, not TTL after the
 * takeover. A closed session's ephemeral keys get a guarded delete
 * ({@code kv.delete} with {@code ifSession}), its elections a {@code session} withdrawal and its
 * service instances a guarded deregistration, once
 * when this keeper first sees it closed and once more {@link #SECOND_PASS_MS} later (a put that
 * attached before the close may be appended after the first pass), after which the session's
 * state is deleted. Every step is a record in the log, so a keeper that dies half-way is finished
 * by the next owner's.
 *
 * <p>Scans this node's store every {@link #SCAN_MS} for {@code session/} keys of the partitions it
 * holds (at most {@link #SESSIONS_MAX} sessions tracked; beyond, the rest wait for the next scans).
 * One thread; {@link #close} stops it.
 */
final class SessionKeeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SessionKeeper.class);
    static final long SCAN_MS = 50;
    static final long SECOND_PASS_MS = CoordLog.TIMEOUT_MS;
    /** A close or clean-up step is appended again if the state did not move on within this. */
    static final long RETRY_MS = SessionExpiry.RETRY_MS;
    static final int SESSIONS_MAX = 100_000;
    private static final int PAGE = 512;

    /** The clean-up of one closed session on a partition this node runs. */
    private static final class Tracked {
        boolean cleaned;
        long firstCleanNs;
        boolean secondCleaned;
    }

    private final RingworkNode node;
    private final CoordLog log;
    private final Map<String, Tracked> tracked = new HashMap<>();
    private final SessionExpiry expiry = new SessionExpiry();
    private Set<Integer> held = Set.of();
    private final Thread thread;
    private volatile boolean closed;

    SessionKeeper(RingworkNode node, CoordLog log) {
        this.node = node;
        this.log = log;
        this.thread = Thread.ofPlatform().daemon().name("ringwork-session-keeper").start(this::run);
    }

    private void run() {
        while (!closed) {
            try {
                scan(System.nanoTime());
            } catch (RuntimeException e) {
                // A log or store hiccup: the next scan tries again; the records are idempotent.
                LOG.warn("session keeper scan failed: {}", e.toString());
            }
            try {
                Thread.sleep(SCAN_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One pass over the sessions of the partitions this node holds. Only the keeper's thread calls it. */
    void scan(long nowNs) {
        var engine = node.engine();
        if (engine == null) return;
        long nowMs = nowNs / 1_000_000;
        Set<Integer> holding = new HashSet<>();
        for (int p = 0; p < node.log().partitionCount(); p++) if (engine.runs(p) || node.store().holds(p)) holding.add(p);
        Set<String> present = new HashSet<>();
        Set<String> runningSessions = new HashSet<>();
        for (int partition : holding) {
            // A partition this node did not hold at the last scan: its sessions start afresh at a full TTL.
            boolean fresh = !held.contains(partition);
            boolean running = engine.runs(partition);
            String after = null;
            while (present.size() < SESSIONS_MAX) {
                List<WriteSet.StateWrite> page = node.store().scanPrefix(partition, SessionProcessor.KEY_PREFIX, after, PAGE);
                boolean more = page.size() == PAGE;
                for (WriteSet.StateWrite write : page) {
                    if (!write.key().startsWith(SessionProcessor.KEY_PREFIX)) {
                        more = false;
                        break;
                    }
                    after = write.key();
                    present.add(write.key());
                    if (running) runningSessions.add(write.key());
                    visit(write.key(), write.state(), fresh, running, nowNs);
                }
                if (!more) break;
            }
        }
        expiry.retainOnly(present);
        tracked.keySet().retainAll(runningSessions);
        held = holding;
    }

    private void visit(String key, StoredState stored, boolean fresh, boolean running, long nowNs) {
        JsonNode state = log.json(stored);
        if (state == null) return;
        SessionExpiry.Close close = expiry.observe(key, state, fresh, running, nowNs / 1_000_000);
        if (close != null) {
            log.append(key, SessionProcessor.CLOSE, Exchanges.JSON.createObjectNode().put("reason", "expired").put("ifLast", close.ifLast()));
            LOG.info("session {} expired after {} ms without a keepalive", key.substring(SessionProcessor.KEY_PREFIX.length()),
                    close.ttlMs());
        }
        if (!running || SessionProcessor.isOpen(state)) return;
        Tracked t = tracked.computeIfAbsent(key, k -> new Tracked());
        if (!t.cleaned) {
            t.cleaned = true;
            t.firstCleanNs = nowNs;
            cleanUp(key, state);
        } else if (!t.secondCleaned && nowNs - t.firstCleanNs > SECOND_PASS_MS * 1_000_000) {
            t.secondCleaned = true;
            cleanUp(key, state);
            log.append(key, SessionProcessor.DELETE, Exchanges.JSON.createObjectNode());
        } else if (t.secondCleaned && nowNs - t.firstCleanNs > (SECOND_PASS_MS + RETRY_MS) * 1_000_000) {
            // The delete was lost (the log refused it, this node lost the partition and got it back): ask again.
            t.firstCleanNs = nowNs - SECOND_PASS_MS * 1_000_000;
            t.secondCleaned = false;
        }
    }

    /** Guarded deletes of the session's ephemeral keys and its withdrawal from its elections. */
    static void cleanUp(CoordLog log, String sessionKey, JsonNode state) {
        String id = sessionKey.substring(SessionProcessor.KEY_PREFIX.length());
        for (JsonNode election : state.path("elections")) {
            log.append(ElectionProcessor.KEY_PREFIX + election.asText(), ElectionProcessor.WITHDRAW,
                    Exchanges.JSON.createObjectNode().put("session", id));
        }
        for (JsonNode service : state.path("services")) {
            String name = service.asText();
            int slash = name.indexOf('/');
            if (slash <= 0) continue;
            log.append(ServiceProcessor.KEY_PREFIX + name.substring(0, slash), ServiceProcessor.DEREGISTER,
                    Exchanges.JSON.createObjectNode().put("instance", name.substring(slash + 1)).put("ifSession", id));
        }
        for (JsonNode key : state.path("keys")) {
            log.append(KvProcessor.KEY_PREFIX + key.asText(), KvProcessor.DELETE, Exchanges.JSON.createObjectNode().put("ifSession", id));
        }
    }

    private void cleanUp(String key, JsonNode state) {
        cleanUp(log, key, state);
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
