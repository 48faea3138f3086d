package io.ringwork.sim.cluster;

import io.ringwork.core.cluster.PartitionLeader;
import io.ringwork.core.cluster.Term;
import io.ringwork.core.store.StoredTerm;
import java.util.ArrayList;
import java.util.List;

/**
 * An owner makes a commit durable only once a majority of the partition's voting slots promised
 * its term: when a commit of term T becomes durable, at least {@code slots / 2 + 1} nodes' stores
 * hold a term at or above T for the partition (a promise is written to the store before it is
 * given, and a store keeps it through crashes). The slots are the owner's own count
 * ({@link PartitionLeader#votingSlots}), so the check is of what the owner did with the promises it
 * had, against what the stores really hold, not of its count. {@link #checked} counts the durable
 * commits checked, so a run shows the invariant saw work.
 */
public final class DurableUnderPromises implements ClusterInvariant {
    private final List<String> violations = new ArrayList<>();
    private long checked;

    /** A commit of {@code partition} under {@code term} became durable at its owner, which counts {@code votingSlots}. */
    void durable(ProcessingCluster cluster, String owner, int partition, Term term, int votingSlots) {
        checked++;
        int promised = 0;
        for (SimProcessingNode node : cluster.nodes()) {
            StoredTerm stored = node.store().term(partition);
            if (!new Term(stored.epoch(), stored.node()).isBefore(term)) promised++;
        }
        int majority = votingSlots / 2 + 1;
        if (promised < majority && violations.size() < 8) {
            violations.add(String.format("partition %s: %s made a commit of term %s durable with %s of %s voting slots holding"
                    + " the term or a newer one in their stores (a majority is %s)", partition, owner, term, promised, votingSlots,
                    majority));
        }
    }

    @Override
    public void check(ProcessingCluster cluster) {
        if (violations.isEmpty()) return;
        String first = violations.get(0);
        violations.clear();
        throw new Violation(first);
    }

    /** Durable commits checked so far. */
    public long checked() {
        return checked;
    }
}
