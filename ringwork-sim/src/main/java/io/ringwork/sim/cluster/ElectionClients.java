package io.ringwork.sim.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.coord.ElectionProcessor;
import io.ringwork.core.coord.SessionProcessor;
import io.ringwork.core.processing.JsonStateCodec;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.time.RandomSource;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Candidates of one election in the simulated cluster, doing what the API does on a node: each
 * opens a session, attaches the election to it, campaigns and sends keepalives; after a while it
 * resigns with the token it believes it holds (read from any replica, so possibly stale), ends its
 * session (a close and a withdrawal, as {@code DELETE /v1/sessions/ID} does), or dies: its
 * keepalives stop and the nodes' keepers ({@link SessionKeepers}) expire the session and withdraw
 * it; then it starts over with a new session. Faults hit the election's
 * partition meanwhile; {@link ElectionTokens} checks the leaders every replica holds after every
 * step.
 *
 * <p>Bounded: {@link #CANDIDATES} candidates, {@link #ROUNDS} sessions each.
 */
final class ElectionClients {
    static final int CANDIDATES = 3;
    static final int ROUNDS = 6;
    static final String ELECTION = "e0";
    static final String KEY = ElectionProcessor.KEY_PREFIX + ELECTION;
    /** Sessions live 1 s; a candidate sends a keepalive every quarter of it. */
    static final long TTL_MS = 1_000;
    static final long KEEPALIVE_MS = TTL_MS / 4;

    private final ProcessingCluster cluster;
    private final RandomSource random;
    private long records;

    ElectionClients(ProcessingCluster cluster, RandomSource random) {
        this.cluster = cluster;
        this.random = random;
    }

    void start(long untilMs) {
        for (int c = 0; c < CANDIDATES; c++) round(c, 0, untilMs);
    }

    /** Records the candidates appended. */
    long records() {
        return records;
    }

    private void round(int candidate, int round, long untilMs) {
        if (round >= ROUNDS) return;
        cluster.at(cluster.nowMs() + 1 + random.nextInt(200), () -> {
            if (cluster.nowMs() >= untilMs) return;
            String session = "c" + candidate + "r" + round;
            String sessionKey = SessionProcessor.KEY_PREFIX + session;
            append(sessionKey, SessionProcessor.OPEN, "{\"ttlMs\":" + TTL_MS + "}");
            append(sessionKey, SessionProcessor.ATTACH, "{\"election\":\"" + ELECTION + "\"}");
            append(KEY, ElectionProcessor.CAMPAIGN, "{\"candidate\":\"c" + candidate + "\",\"session\":\"" + session + "\"}");
            boolean[] alive = {true};
            keepalive(sessionKey, alive);
            cluster.at(cluster.nowMs() + 100 + random.nextInt(1500), () -> {
                long token = believedToken(session);
                int roll = random.nextInt(3);
                if (token > 0 && roll == 0) {
                    append(KEY, ElectionProcessor.RESIGN, "{\"token\":" + token + "}");
                } else if (roll == 1) {
                    // The candidate ends its session (DELETE /v1/sessions/ID), as the API closes and withdraws.
                    append(sessionKey, SessionProcessor.CLOSE, "{\"reason\":\"closed\"}");
                    append(KEY, ElectionProcessor.WITHDRAW, "{\"session\":\"" + session + "\"}");
                }
                // Otherwise the candidate dies: its keepalives stop and the keepers expire the session.
                alive[0] = false;
                round(candidate, round + 1, untilMs);
            });
        });
    }

    /** A keepalive every {@link #KEEPALIVE_MS} while {@code alive[0]}, as a client's timer sends them. */
    private void keepalive(String sessionKey, boolean[] alive) {
        cluster.at(cluster.nowMs() + KEEPALIVE_MS, () -> {
            if (!alive[0]) return;
            append(sessionKey, SessionProcessor.KEEPALIVE, "{}");
            keepalive(sessionKey, alive);
        });
    }

    private void append(String key, String type, String data) {
        cluster.log().append(new NewRecord(key, type, null, data.getBytes(StandardCharsets.UTF_8)), cluster.nowMs());
        records++;
    }

    /** The token {@code session} leads under as some replica holds the election (maybe stale), or 0. */
    private long believedToken(String session) {
        int partition = cluster.log().partitionOf(KEY);
        List<SimProcessingNode> holders = new ArrayList<>();
        for (SimProcessingNode node : cluster.nodes()) if (node.alive() && node.store().holds(partition)) holders.add(node);
        if (holders.isEmpty()) return 0;
        JsonNode leader = ElectionProcessor.leader(state(holders.get(random.nextInt(holders.size())).store().get(partition, KEY)));
        return leader != null && leader.path("session").asText().equals(session) ? leader.path("token").asLong() : 0;
    }

    /** An election state as stored, or null. */
    static JsonNode state(StoredState stored) {
        if (stored == null || stored.tombstone() || stored.value() == null || !ElectionProcessor.NAME.equals(stored.processor())) return null;
        return JsonStateCodec.INSTANCE.decode(stored.value());
    }
}
