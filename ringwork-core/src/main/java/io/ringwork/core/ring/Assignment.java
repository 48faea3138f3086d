package io.ringwork.core.ring;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which nodes hold each partition: the preference list of partition {@code p} starts with its
 * owner and continues with its replicas, all distinct. Immutable.
 *
 * @param preferenceLists one list per partition, of {@code min(replicationFactor, members)} node ids
 */
public record Assignment(int replicationFactor, List<List<String>> preferenceLists) {
    public Assignment {
        preferenceLists = preferenceLists.stream().map(List::copyOf).toList();
    }

    public int partitionCount() {
        return preferenceLists.size();
    }

    public List<String> preferenceList(int partition) {
        return preferenceLists.get(partition);
    }

    /** The owner (head of the preference list), or null when there are no members. */
    public String owner(int partition) {
        List<String> list = preferenceLists.get(partition);
        return list.isEmpty() ? null : list.get(0);
    }

    /** Partitions owned per node (nodes that own none are absent). */
    public Map<String, Integer> ownedCounts() {
        Map<String, Integer> counts = new TreeMap<>();
        for (List<String> list : preferenceLists) if (!list.isEmpty()) counts.merge(list.get(0), 1, Integer::sum);
        return counts;
    }

    /** Partitions held per node in any position of the preference list. */
    public Map<String, Integer> heldCounts() {
        Map<String, Integer> counts = new TreeMap<>();
        for (List<String> list : preferenceLists) for (String id : list) counts.merge(id, 1, Integer::sum);
        return counts;
    }

    /** The share of partitions whose owner differs in {@code other} (same partition count). */
    public double ownerMovement(Assignment other) {
        int moved = 0;
        for (int p = 0; p < partitionCount(); p++) if (!java.util.Objects.equals(owner(p), other.owner(p))) moved++;
        return (double) moved / partitionCount();
    }
}
