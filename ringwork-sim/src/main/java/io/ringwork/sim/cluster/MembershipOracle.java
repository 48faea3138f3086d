package io.ringwork.sim.cluster;

import io.ringwork.core.cluster.MemberView;
import io.ringwork.core.time.RandomSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Membership as an oracle with delay, standing in for SWIM gossip: when something about member
 * {@code j} changes (it crashes, restarts, pauses, resumes, joins, leaves, becomes unreachable
 * through a partition, or gossips new metadata), every other node learns the truth <em>as it was
 * at that moment</em> after its own seeded delay in [{@code delayMsMin}, {@code delayMsMax}] ms,
 * plus {@code detectMs} more when the news is that {@code j} is gone (failure detection). So
 * views disagree for a while and news can arrive out of order; a per-(observer, member) version
 * keeps the newest. Not thread-safe.
 */
public final class MembershipOracle {
    /** The ground truth the oracle reports, with delay. */
    public interface Truth {
        /** Ids of nodes that take part (not crashed-forever, not departed), in any order. */
        Collection<String> members();

        /** Whether {@code observer} can currently see {@code member} alive (up, not paused, not cut off). */
        boolean reachable(String observer, String member);

        MemberView describe(String member);
    }

    private record Entry(long version, MemberView view) {}

    private final ClusterNetwork.StepScheduler scheduler;
    private final RandomSource random;
    private final Truth truth;
    private final Consumer<String> onViewChanged;
    private final int delayMsMin;
    private final int delayMsMax;
    private final int detectMs;
    private final Map<String, Map<String, Entry>> views = new HashMap<>();
    private long nextVersion;

    public MembershipOracle(ClusterNetwork.StepScheduler scheduler, RandomSource random, Truth truth,
                            Consumer<String> onViewChanged, int delayMsMin, int delayMsMax, int detectMs) {
        this.scheduler = scheduler;
        this.random = random;
        this.truth = truth;
        this.onViewChanged = onViewChanged;
        this.delayMsMin = delayMsMin;
        this.delayMsMax = delayMsMax;
        this.detectMs = detectMs;
    }

    /** Tells every other member, each after its own delay, how {@code member} stands now. */
    public void publish(String member) {
        for (String observer : new ArrayList<>(truth.members())) {
            if (!observer.equals(member)) publishTo(observer, member);
        }
    }

    /** Tells everyone about everyone (after a partition starts or heals). */
    public void publishAll() {
        for (String member : new ArrayList<>(truth.members())) publish(member);
    }

    /**
     * {@code observer} (re)starts. With {@code pushPull} it learns every member as it stands now at
     * once (memberlist's join does a synchronous push-pull with a seed node); without, it starts
     * knowing nobody and learns the members one by one, each after its delay.
     */
    public void rejoin(String observer, boolean pushPull) {
        views.put(observer, new TreeMap<>());
        for (String member : new ArrayList<>(truth.members())) {
            if (member.equals(observer)) continue;
            if (pushPull) {
                boolean alive = truth.reachable(observer, member);
                views.get(observer).put(member, new Entry(++nextVersion, alive ? truth.describe(member) : null));
            } else {
                publishTo(observer, member);
            }
        }
        onViewChanged.accept(observer);
    }

    private void publishTo(String observer, String member) {
        long version = ++nextVersion;
        boolean alive = truth.members().contains(member) && truth.reachable(observer, member);
        MemberView view = alive ? truth.describe(member) : null;
        long delayMs = delayMsMin + random.nextInt(delayMsMax - delayMsMin + 1) + (alive ? 0 : detectMs);
        scheduler.at(scheduler.nowMs() + delayMs, () -> {
            Map<String, Entry> known = views.computeIfAbsent(observer, x -> new TreeMap<>());
            Entry current = known.get(member);
            if (current != null && current.version() > version) return; // older news
            known.put(member, new Entry(version, view));
            onViewChanged.accept(observer);
        });
    }

    /** The members {@code observer} believes alive, with the metadata it last heard; itself excluded. */
    public List<MemberView> view(String observer) {
        List<MemberView> result = new ArrayList<>();
        for (Entry entry : views.getOrDefault(observer, Map.of()).values()) {
            if (entry.view() != null) result.add(entry.view());
        }
        return result;
    }
}
