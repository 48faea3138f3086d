package io.ringwork.core.cluster;

import io.ringwork.core.ring.Assigner;
import io.ringwork.core.ring.Assignment;
import io.ringwork.core.ring.RingNode;
import io.ringwork.core.util.Invariants;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Who runs each partition, computed the same way on every node from the same view of the live
 * members. The ring gives the preference list (its head is the <em>target</em> owner, the rest
 * are replicas). The effective owner is chosen so that a partition only moves to a node that
 * holds its state:
 *
 * <ol>
 *   <li>the target, if it is ready (holds an up-to-date replica);</li>
 *   <li>else a member already running it (a join does not move a partition until its new owner
 *       has caught up), preferring the earliest on the preference list, then the lowest id;</li>
 *   <li>else the first ready member of the preference list (an owner died: a replica takes over
 *       from its checkpoint);</li>
 *   <li>else the lowest-id ready member anywhere (every replica on the list is new);</li>
 *   <li>else the target (nobody holds anything yet: a new cluster).</li>
 * </ol>
 *
 * A member that is leaving is off the ring and is never chosen, so a partition it alone held
 * goes to a member that stays, which re-applies it from the log.
 *
 * Immutable; a pure function of the members, so two nodes with the same view agree.
 */
public final class OwnershipPlan {
    private final Assignment assignment;
    private final String[] owners;
    private final Map<String, MemberView> members;
    private final int votingSlots;

    private OwnershipPlan(Assignment assignment, String[] owners, Map<String, MemberView> members, int votingSlots) {
        this.assignment = assignment;
        this.owners = owners;
        this.members = members;
        this.votingSlots = votingSlots;
    }

    /** A plan where the cluster's size is the live members' count. */
    public static OwnershipPlan compute(Collection<MemberView> live, int partitions, int replicationFactor) {
        return compute(live, partitions, replicationFactor, live.size());
    }

    /**
     * The plan for {@code partitions} partitions with {@code replicationFactor} replicas each.
     *
     * @param clusterSize members that count toward the cluster's size: the live ones plus those
     *                    that failed but did not leave. The write quorum is a majority of
     *                    {@code min(replicationFactor, clusterSize)} (less the replicas still catching
     *                    up, {@link PartitionLeader#writeQuorum}), so a member cut off from the
     *                    others cannot count its own writes as a majority.
     */
    public static OwnershipPlan compute(Collection<MemberView> live, int partitions, int replicationFactor,
                                        int clusterSize) {
        Invariants.require(!live.isEmpty(), "a plan needs at least one member");
        Map<String, MemberView> members = new TreeMap<>();
        for (MemberView member : live) members.put(member.id(), member);
        List<RingNode> nodes = members.values().stream().filter(m -> !m.leaving())
                .map(m -> new RingNode(m.id(), m.weight())).toList();
        if (nodes.isEmpty()) nodes = members.values().stream().map(m -> new RingNode(m.id(), m.weight())).toList();
        Assignment assignment = Assigner.assign(nodes, partitions,
                new Assigner.Config(Assigner.Config.defaults().vnodesPerWeight(), replicationFactor,
                        Assigner.Config.defaults().loadFactor()));
        String[] owners = new String[partitions];
        for (int p = 0; p < partitions; p++) owners[p] = chooseOwner(p, assignment.preferenceList(p), members);
        int slots = Math.min(replicationFactor, Math.max(clusterSize, nodes.size()));
        return new OwnershipPlan(assignment, owners, members, slots);
    }

    private static String chooseOwner(int p, List<String> preference, Map<String, MemberView> members) {
        String target = preference.get(0);
        if (members.get(target).isReady(p)) return target;
        for (String id : preference) {
            if (members.get(id).owns(p)) return id;
        }
        for (MemberView member : members.values()) { // ids in order
            if (member.owns(p) && !member.leaving()) return member.id();
        }
        for (String id : preference) {
            if (members.get(id).isReady(p)) return id;
        }
        for (MemberView member : members.values()) {
            if (member.isReady(p) && !member.leaving()) return member.id();
        }
        return target;
    }

    public int partitionCount() {
        return owners.length;
    }

    /** The node that should run {@code partition} now. */
    public String owner(int partition) {
        return owners[partition];
    }

    /** The head of the preference list: the owner once it is ready. */
    public String target(int partition) {
        return assignment.owner(partition);
    }

    /** The preference list: the nodes that keep a replica of the partition's state. */
    public List<String> replicas(int partition) {
        return assignment.preferenceList(partition);
    }

    /**
     * Members whose votes a write quorum is a majority of: the replication factor, or the
     * cluster's size when it is smaller (members that failed but did not leave included). The
     * owner's leader takes out the replicas still catching up ({@link PartitionLeader#writeQuorum}).
     */
    public int votingSlots() {
        return votingSlots;
    }

    /**
     * The most replicas (the owner included, if it is one) that must hold a write before it
     * counts: a majority of {@link #votingSlots}, when no replica on the list is still catching up.
     * With fewer in-sync replicas than the owner's quorum, the partition waits.
     */
    public int writeQuorum(int partition) {
        return votingSlots / 2 + 1;
    }

    /** Live members that are not on the partition's preference list: they get its changes only. */
    public List<String> observers(int partition) {
        List<String> replicas = replicas(partition);
        List<String> result = new ArrayList<>();
        for (String id : members.keySet()) if (!replicas.contains(id)) result.add(id);
        return result;
    }

    public Collection<String> members() {
        return members.keySet();
    }

    public boolean isReady(String member, int partition) {
        MemberView view = members.get(member);
        return view != null && view.isReady(partition);
    }

    public boolean runs(String member, int partition) {
        MemberView view = members.get(member);
        return view != null && view.owns(partition);
    }

    public Assignment assignment() {
        return assignment;
    }
}
