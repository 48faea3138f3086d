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
 * Candidates of one election in the simulated cluster, doing what the API and the session keeper
 * do on a node: each opens a session, attaches the election to it and campaigns; after a while it
 * either resigns with the token it believes it holds (read from any replica, so possibly stale) or
 * lets its session end, which closes the session and withdraws it from the election, as the
 * keeper's clean-up does; then it starts over with a new session. Faults hit the election's
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
            append(sessionKey, SessionProcessor.OPEN, "{\"ttlMs\":1000}");
            append(sessionKey, SessionProcessor.ATTACH, "{\"election\":\"" + ELECTION + "\"}");
            append(KEY, ElectionProcessor.CAMPAIGN, "{\"candidate\":\"c" + candidate + "\",\"session\":\"" + session + "\"}");
            cluster.at(cluster.nowMs() + 100 + random.nextInt(1500), () -> {
                long token = believedToken(session);
                if (token > 0 && random.nextInt(2) == 0) {
                    append(KEY, ElectionProcessor.RESIGN, "{\"token\":" + token + "}");
                } else {
                    append(sessionKey, SessionProcessor.CLOSE, "{\"reason\":\"expired\"}");
                    append(KEY, ElectionProcessor.WITHDRAW, "{\"session\":\"" + session + "\"}");
                }
                round(candidate, round + 1, untilMs);
            });
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
