package io.ringwork.sim.cluster;

import io.ringwork.core.cluster.PartitionLeader;
import io.ringwork.core.cluster.Term;
import io.ringwork.core.store.StoredState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A commit that became durable is never lost by a later epoch. The log is the source of truth, so
 * an owner of a later term may start from an older checkpoint of its own and apply the records
 * again (docs/SIMULATION.md); what it must never do is skip them. Checked on every live owner of a
 * partition whose term is above that of some durable commit D = (term, checkpoint c):
 * <ol>
 *   <li>it reads on from its own store's checkpoint, never past it (its read position is at most
 *       that checkpoint + 1), so every record above what it holds is applied by it;</li>
 *   <li>once its store's checkpoint has reached c, every key of the partition is there at a
 *       version at least the one D made durable (the key's last record at or below c).</li>
 * </ol>
 * Together: every later owner holds D's states, or will hold them before it commits past D.
 * Incremental: an owner is checked again only after its store was written or a new commit became
 * durable.
 */
public final class NoDurableCommitLost implements ClusterInvariant {
    private record Durable(Term term, long checkpoint) {}

    /** Per partition, the durable commits in the order they became durable, at most one per term (the highest). */
    private final Map<Integer, List<Durable>> durable = new HashMap<>();
    private final Map<String, Long> checked = new HashMap<>();
    private long durableCount;

    /** A commit of {@code partition} made under {@code term}, up to {@code checkpoint}, became durable. */
    void durable(int partition, long checkpoint, Term term) {
        List<Durable> list = durable.computeIfAbsent(partition, x -> new ArrayList<>());
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).term().equals(term)) {
                if (list.get(i).checkpoint() < checkpoint) list.set(i, new Durable(term, checkpoint));
                durableCount++;
                return;
            }
        }
        list.add(new Durable(term, checkpoint));
        durableCount++;
    }

    @Override
    public void check(ProcessingCluster cluster) {
        SimLog log = cluster.log();
        for (SimProcessingNode node : cluster.nodes()) {
            if (!node.alive()) continue;
            for (Map.Entry<Integer, PartitionLeader> entry : node.leaders().entrySet()) {
                int p = entry.getKey();
                PartitionLeader leader = entry.getValue();
                if (leader.deposed()) continue;
                long held = node.store().checkpoint(p);
                long covered = -1; // the highest durable checkpoint of an earlier term that the owner's store has reached
                boolean earlier = false;
                for (Durable d : durable.getOrDefault(p, List.of())) {
                    if (!d.term().isBefore(leader.term())) continue;
                    earlier = true;
                    if (d.checkpoint() <= held) covered = Math.max(covered, d.checkpoint());
                }
                if (!earlier) continue;
                ClusterInvariant.require(node.nextOffset(p) <= held + 1,
                        "%s runs partition %s under %s from offset %s, past its own checkpoint %s: records a durable commit of an earlier term holds would be skipped",
                        node.id(), p, leader.term(), node.nextOffset(p), held);
                String slot = node.id() + "/" + p;
                long fingerprint = node.store().writes() * 1_000_003L + durableCount * 31 + leader.term().epoch();
                if (covered < 0 || checked.getOrDefault(slot, Long.MIN_VALUE) == fingerprint) continue;
                checked.put(slot, fingerprint);
                for (String key : log.keys(p)) {
                    long needed = log.lastOffsetAtOrBelow(key, covered);
                    if (needed < 0) continue;
                    StoredState state = node.store().get(p, key);
                    ClusterInvariant.require(state != null && state.version() >= needed,
                            "%s owns partition %s under %s with checkpoint %s, but %s is at %s below the version %s a commit of an earlier term made durable (up to %s)",
                            node.id(), p, leader.term(), held, key, state == null ? "nothing" : state.version(), needed, covered);
                }
            }
        }
    }
}
