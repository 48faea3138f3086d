package io.ringwork.core.membership;

import io.ringwork.core.time.RandomSource;
import io.ringwork.core.util.Invariants;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The members one node knows (itself included), with when each last changed state and its
 * running suspicion. Keeps an array beside the map so random sampling is O(k), not O(N).
 * Every state change goes through {@link #set} so the active count cannot drift. Not thread-safe.
 */
final class MemberTable {

    static final class Entry {
        Member member;
        long stateChangedAtMs;
        Suspicion suspicion;
        /** The member's own Lifeguard score, as its last ack to this node's probes said (capped). */
        int reportedHealth;
        /** Times the member came back alive from this node's suspicion (or verdict) of it, and the last time. */
        int refutations;
        long lastRefutedAtMs;

        Entry(Member member, long stateChangedAtMs) {
            this.member = member;
            this.stateChangedAtMs = stateChangedAtMs;
        }

        String id() {
            return member.id();
        }

        boolean isActive() {
            return member.state().isActive();
        }
    }

    private final Map<String, Entry> byId = new HashMap<>();
    private final List<Entry> entries = new ArrayList<>();
    private int activeCount;

    Entry get(String id) {
        return byId.get(id);
    }

    int size() {
        return entries.size();
    }

    /** Alive or suspect members, this node included: the N of every formula in the config. */
    int activeCount() {
        return activeCount;
    }

    Entry add(Member member, long nowMs) {
        Invariants.check(!byId.containsKey(member.id()), "member %s added twice", member.id());
        Entry entry = new Entry(member, nowMs);
        byId.put(member.id(), entry);
        entries.add(entry);
        if (entry.isActive()) activeCount++;
        return entry;
    }

    /** Replaces the member's snapshot; restarts the state clock only when the state changes. */
    void set(Entry entry, Member member, long nowMs) {
        Invariants.check(entry.id().equals(member.id()), "entry %s given member %s", entry.id(), member.id());
        Invariants.check(member.incarnation() >= entry.member.incarnation(),
                "incarnation of %s would go back from %s", entry.id(), entry.member.incarnation());
        if (entry.isActive()) activeCount--;
        if (member.state() != entry.member.state()) entry.stateChangedAtMs = nowMs;
        entry.member = member;
        if (entry.isActive()) activeCount++;
    }

    void remove(String id) {
        Entry entry = byId.remove(id);
        if (entry == null) return;
        if (entry.isActive()) activeCount--;
        // Swap-remove keeps removal O(1) after the lookup; order is irrelevant to sampling.
        int index = entries.indexOf(entry);
        Entry last = entries.remove(entries.size() - 1);
        if (last != entry) entries.set(index, last);
    }

    List<String> activeIdsExcept(String excludedId) {
        List<String> ids = new ArrayList<>(activeCount);
        for (Entry entry : entries) {
            if (entry.isActive() && !entry.id().equals(excludedId)) ids.add(entry.id());
        }
        return ids;
    }

    /** All members sorted by id. */
    List<Member> snapshot() {
        List<Member> members = new ArrayList<>(entries.size());
        for (Entry entry : entries) members.add(entry.member);
        members.sort(Comparator.comparing(Member::id));
        return members;
    }

    List<Entry> entries() {
        return entries;
    }

    /**
     * Up to {@code count} distinct entries that {@code eligible} accepts, chosen at random. Small
     * tables are scanned; large ones probed at random positions a bounded number of times, so the
     * result may be short when few entries qualify — acceptable for gossip and indirect probes.
     */
    List<Entry> sample(int count, Predicate<Entry> eligible, RandomSource random) {
        List<Entry> chosen = new ArrayList<>(count);
        if (count <= 0 || entries.isEmpty()) return chosen;
        if (entries.size() <= 4 * count + 8) {
            for (Entry entry : entries) if (eligible.test(entry)) chosen.add(entry);
            for (int i = chosen.size() - 1; i > 0; i--) java.util.Collections.swap(chosen, i, random.nextInt(i + 1));
            return chosen.size() > count ? new ArrayList<>(chosen.subList(0, count)) : chosen;
        }
        for (int attempt = 0; attempt < 8 * count + 8 && chosen.size() < count; attempt++) {
            Entry entry = entries.get(random.nextInt(entries.size()));
            if (eligible.test(entry) && !chosen.contains(entry)) chosen.add(entry);
        }
        return chosen;
    }
}
