package io.ringwork.sim.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.coord.ElectionProcessor;
import io.ringwork.core.coord.SessionExpiry;
import io.ringwork.core.coord.SessionProcessor;
import io.ringwork.core.processing.ApplyOutcome;
import io.ringwork.core.processing.JsonStateCodec;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.Record;
import io.ringwork.core.record.VersionedState;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.WriteSet;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The session keeper of every simulated node, as {@code SessionKeeper} runs on a real one: every
 * {@link #SCAN_MS} a node that is up observes the sessions of the partitions its store holds
 * through its own {@link SessionExpiry} (lost when it crashes), and where it runs the partition
 * appends the conditional {@code session.close} the expiry asks for; a closed session's elections
 * get a {@code election.withdraw}, as the keeper's clean-up does.
 *
 * <p>{@link #checkNoEarlyExpiry} (after the run) folds every session's records in log order and
 * requires each expiry that took effect to be appended at least the TTL after the last record
 * that kept the session alive (its open, keepalives and attaches, appended when their client
 * called): no session expires before its TTL after its last keepalive as its client sent it,
 * whoever owned the partition, through crashes, pauses, cuts and takeovers.
 *
 * <p>Bounded: scans end at the time given to {@link #start}; one page of 512 sessions per
 * partition and scan.
 */
final class SessionKeepers {
    static final long SCAN_MS = 50;
    private static final int PAGE = 512;

    private final ProcessingCluster cluster;
    private final Map<String, SessionExpiry> expiries = new HashMap<>();
    private final Map<String, Integer> incarnations = new HashMap<>();
    private final Map<String, Set<Integer>> held = new HashMap<>();
    private final Set<String> withdrawn = new HashSet<>();
    private long expired;
    private long records;

    SessionKeepers(ProcessingCluster cluster) {
        this.cluster = cluster;
    }

    /** Scans every {@link #SCAN_MS} until {@code untilMs}. */
    void start(long untilMs) {
        cluster.at(cluster.nowMs() + SCAN_MS, () -> {
            scan();
            if (cluster.nowMs() < untilMs) start(untilMs);
        });
    }

    /** Records the keepers appended (closes and withdrawals). */
    long records() {
        return records;
    }

    /** Expiries that took effect, as {@link #checkNoEarlyExpiry} counted them. */
    long expired() {
        return expired;
    }

    private void scan() {
        for (SimProcessingNode node : cluster.nodes()) {
            String id = node.id();
            if (!incarnations.containsKey(id) || incarnations.get(id) != node.incarnation()) {
                // A crash loses the keeper's memory: it starts over, every partition fresh.
                incarnations.put(id, node.incarnation());
                expiries.put(id, new SessionExpiry());
                held.put(id, Set.of());
            }
            if (node.status() != SimProcessingNode.Status.UP) continue;
            scan(node, expiries.get(id));
        }
    }

    private void scan(SimProcessingNode node, SessionExpiry expiry) {
        Set<Integer> before = held.get(node.id());
        Set<Integer> holding = new HashSet<>();
        Set<String> present = new HashSet<>();
        boolean sabotaged = cluster.config().sabotage() == ClusterConfig.Sabotage.SESSION_CLOSE_UNCONDITIONAL;
        for (int p = 0; p < cluster.config().partitions(); p++) {
            if (!node.store().holds(p)) continue;
            holding.add(p);
            boolean running = node.leaderOrNull(p) != null;
            for (WriteSet.StateWrite write : node.store().scanPrefix(p, SessionProcessor.KEY_PREFIX, null, PAGE)) {
                if (!write.key().startsWith(SessionProcessor.KEY_PREFIX)) break;
                JsonNode state = json(write.state());
                if (state == null) continue;
                present.add(write.key());
                boolean fresh = !sabotaged && !before.contains(p);
                SessionExpiry.Close close = expiry.observe(write.key(), state, fresh, running, cluster.nowMs());
                if (close != null) {
                    append(write.key(), SessionProcessor.CLOSE, sabotaged ? "{\"reason\":\"expired\"}"
                            : "{\"reason\":\"expired\",\"ifLast\":" + close.ifLast() + "}");
                }
                if (running && !SessionProcessor.isOpen(state) && withdrawn.add(write.key())) {
                    String session = write.key().substring(SessionProcessor.KEY_PREFIX.length());
                    for (JsonNode election : state.path("elections")) {
                        append(ElectionProcessor.KEY_PREFIX + election.asText(), ElectionProcessor.WITHDRAW,
                                "{\"session\":\"" + session + "\"}");
                    }
                }
            }
        }
        expiry.retainOnly(present);
        held.put(node.id(), holding);
    }

    private void append(String key, String type, String data) {
        cluster.log().append(new NewRecord(key, type, null, data.getBytes(StandardCharsets.UTF_8)), cluster.nowMs());
        records++;
    }

    private static JsonNode json(StoredState stored) {
        if (stored == null || stored.tombstone() || stored.value() == null || !SessionProcessor.NAME.equals(stored.processor())) return null;
        return JsonStateCodec.INSTANCE.decode(stored.value());
    }

    /**
     * Folds every session's records in log order and fails the run if a session was closed as
     * expired earlier than its TTL after the last open, keepalive or attach appended before the
     * close. Returns the expiries checked.
     */
    long checkNoEarlyExpiry() {
        Map<String, VersionedState> states = new HashMap<>();
        Map<String, Long> lastAliveMs = new HashMap<>();
        for (int p = 0; p < cluster.config().partitions(); p++) {
            for (long from = 0; from < cluster.log().end(p); ) {
                List<Record> records = cluster.log().read(p, from, 4096);
                for (Record record : records) {
                    if (record.key().startsWith(SessionProcessor.KEY_PREFIX)) fold(states, lastAliveMs, record);
                }
                from += records.size();
            }
        }
        return expired;
    }

    private void fold(Map<String, VersionedState> states, Map<String, Long> lastAliveMs, Record record) {
        VersionedState before = states.getOrDefault(record.key(), VersionedState.ABSENT);
        ApplyOutcome outcome = cluster.applier().apply(before, record);
        states.put(record.key(), outcome.state());
        switch (record.type()) {
            case SessionProcessor.OPEN, SessionProcessor.KEEPALIVE, SessionProcessor.ATTACH -> lastAliveMs.put(record.key(), record.timestampMs());
            case SessionProcessor.CLOSE -> {
                boolean wasOpen = before.exists() && SessionProcessor.isOpen((JsonNode) before.value());
                boolean isOpen = outcome.state().exists() && SessionProcessor.isOpen((JsonNode) outcome.state().value());
                if (!wasOpen || isOpen || !new String(record.data(), StandardCharsets.UTF_8).contains("\"expired\"")) return;
                expired++;
                long ttlMs = ((JsonNode) before.value()).path("ttlMs").asLong();
                long aliveMs = lastAliveMs.getOrDefault(record.key(), Long.MIN_VALUE / 2);
                if (record.timestampMs() < aliveMs + ttlMs) {
                    cluster.violated("NoEarlyExpiry", record.key() + " expired at " + record.timestampMs() + " ms (offset "
                            + record.offset() + "), " + (record.timestampMs() - aliveMs) + " ms after its last keepalive at "
                            + aliveMs + " ms, under its TTL of " + ttlMs + " ms");
                }
            }
            default -> { }
        }
    }
}
