package io.ringwork.sim.cluster;

import io.ringwork.core.cluster.Term;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * At most one owner per (partition, epoch) makes commits durable. In ringwork the epoch replicas
 * compare is the whole {@link Term}: an epoch number and the id of the node that picked it (two
 * nodes that both saw epoch 4 both start at 5, and 5/n2 orders above 5/n1). So an owner here is
 * one leader instance, a node in one incarnation (a node leads a term at most once per
 * incarnation: {@code PartitionFollower.lead} checks it), and the check is that no second
 * instance, say the same node after a restart that forgot its terms and picked the same one
 * again, makes commits of that term durable too: replicas could not tell the two apart.
 *
 * <p>Measured, not failed: {@link #sharedEpochNumbers}, (partition, epoch number) pairs in which
 * two different nodes made commits durable. The design allows it (the node id breaks the tie),
 * and it happens at most handoffs that two nodes start from the same highest term.
 */
public final class OneDurableOwnerPerEpoch implements ClusterInvariant {
    private final Map<Integer, Map<Term, String>> owners = new HashMap<>();
    private final Map<Integer, Map<Long, String>> epochNodes = new HashMap<>();
    private final Set<String> shared = new HashSet<>();
    private final List<String> conflicts = new ArrayList<>();

    /** A commit of {@code partition} made by {@code node} in {@code incarnation} under {@code term} became durable. */
    void durable(String node, int incarnation, int partition, Term term) {
        String owner = node + "#" + incarnation;
        String first = owners.computeIfAbsent(partition, x -> new HashMap<>()).putIfAbsent(term, owner);
        if (first != null && !first.equals(owner) && conflicts.size() < 8) {
            conflicts.add(String.format("partition %s: term %s made commits durable by two owners, %s and %s",
                    partition, term, first, owner));
        }
        String byEpoch = epochNodes.computeIfAbsent(partition, x -> new HashMap<>()).putIfAbsent(term.epoch(), node);
        if (byEpoch != null && !byEpoch.equals(node)) shared.add(partition + "/" + term.epoch());
    }

    @Override
    public void check(ProcessingCluster cluster) {
        if (conflicts.isEmpty()) return;
        String first = conflicts.get(0);
        conflicts.clear();
        throw new Violation(first);
    }

    /** (partition, epoch number) pairs in which two different nodes made commits durable: allowed, measured. */
    public long sharedEpochNumbers() {
        return shared.size();
    }
}
