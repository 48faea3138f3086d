package io.ringwork.sim.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.coord.ElectionProcessor;
import io.ringwork.core.record.Record;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * At most one holder per token, and tokens strictly increasing: checked on every live replica of
 * the election's partition after every step. (1) A token is held by one session everywhere and
 * forever. (2) A replica's highest token never goes down while it holds the partition (a
 * replica that dropped it, or whose checkpoint went back to rebuild it from the log, starts over:
 * it passes through the old states again, and reads wait for the log's end), and a leader
 * holds the highest token issued. (3) A token is the version of a real record of the election
 * (its offset plus one) that made a leader: a campaign, a withdrawal or a resignation.
 * {@link #tokens} counts the distinct tokens seen, so a run shows leaders changed.
 */
final class ElectionTokens implements ClusterInvariant {
    private final Map<Long, String> holders = new HashMap<>();
    /** Per replica (node and incarnation): the highest token and the checkpoint it was seen at. */
    private final Map<String, long[]> highest = new HashMap<>();

    @Override
    public void check(ProcessingCluster cluster) {
        int partition = cluster.log().partitionOf(ElectionClients.KEY);
        for (SimProcessingNode node : cluster.nodes()) {
            String replica = node.id() + "#" + node.incarnation();
            if (!node.alive() || !node.store().holds(partition)) {
                highest.remove(replica);
                continue;
            }
            long checkpoint = node.store().checkpoint(partition);
            long[] seen = highest.computeIfAbsent(replica, r -> new long[] {0, checkpoint});
            if (checkpoint < seen[1]) seen[0] = 0;
            seen[1] = checkpoint;
            JsonNode state = ElectionClients.state(node.store().get(partition, ElectionClients.KEY));
            if (state == null) continue;
            long token = state.path("token").asLong();
            ClusterInvariant.require(token >= seen[0], "%s: the highest token of %s went down from %d to %d", replica,
                    ElectionClients.KEY, seen[0], token);
            seen[0] = token;
            JsonNode leader = ElectionProcessor.leader(state);
            if (leader == null) continue;
            long held = leader.path("token").asLong();
            String session = leader.path("session").asText();
            ClusterInvariant.require(held == token, "%s: leader %s holds token %d, not the highest issued %d", replica, session, held, token);
            String before = holders.putIfAbsent(held, session);
            if (before != null) {
                ClusterInvariant.require(before.equals(session), "token %d is held by %s on %s and by %s before", held, session, replica, before);
                continue;
            }
            List<Record> made = cluster.log().read(partition, held - 1, 1);
            ClusterInvariant.require(!made.isEmpty() && made.get(0).key().equals(ElectionClients.KEY)
                    && made.get(0).type().startsWith(ElectionProcessor.NAME + "."),
                    "token %d of %s is not the version of a record of the election: %s", held, session, made);
        }
    }

    /** Distinct tokens seen held. */
    long tokens() {
        return holders.size();
    }
}
