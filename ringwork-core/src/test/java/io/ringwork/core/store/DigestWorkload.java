package io.ringwork.core.store;

import io.ringwork.core.cluster.PartitionDigest;
import io.ringwork.core.record.Change;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random writes of every kind that changes a state, for each store's digest test: engine commits,
 * replicated writes (versions drawn from a small range, so many are skipped by version and
 * repairing ones meet equal versions with other bytes), observer writes, relayed changes and
 * drops. After each step {@link #check} compares {@link StateStore#digest} with the scan that is
 * its reference ({@link PartitionDigest#of}), for every partition. Not thread-safe.
 */
public final class DigestWorkload {
    public static final int PARTITIONS = 4;
    private static final int KEYS = 12;

    private final Random random;
    /** What was done, for the failure message. */
    private final List<String> steps = new ArrayList<>();
    private int nonEmptyChecks;

    public DigestWorkload(long seed) {
        this.random = new Random(seed);
    }

    /** Does one random step on {@code store}; returns false when it drew a reopen, left to the caller. */
    public boolean step(StateStore store, boolean reopens) {
        int kind = random.nextInt(reopens ? 10 : 9);
        switch (kind) {
            case 0, 1, 2 -> commit(store);
            case 3, 4 -> replicated(store, false);
            case 5 -> replicated(store, true);
            case 6 -> observed(store);
            case 7 -> relayed(store);
            case 8 -> {
                if (random.nextInt(3) == 0) {
                    int p = random.nextInt(PARTITIONS);
                    steps.add("drop " + p);
                    store.dropPartition(p);
                } else {
                    commit(store);
                }
            }
            default -> {
                steps.add("reopen");
                return false;
            }
        }
        return true;
    }

    /** Throws, with the steps so far, when some partition's digest differs from the scan. */
    public void check(StateStore store) {
        for (int p = 0; p < PARTITIONS; p++) {
            long scanned = PartitionDigest.of(store, p);
            if (store.digest(p) != scanned) {
                throw new AssertionError("partition " + p + ": digest " + store.digest(p) + ", scan " + scanned
                        + " after " + steps.size() + " steps: " + steps.subList(Math.max(0, steps.size() - 12), steps.size()));
            }
            if (scanned != 0) nonEmptyChecks++;
        }
    }

    /** Checks that found states: a run where every partition stayed empty would prove nothing. */
    public int nonEmptyChecks() {
        return nonEmptyChecks;
    }

    private void commit(StateStore store) {
        WriteSet set = new WriteSet();
        int count = 1 + random.nextInt(6);
        for (int i = 0; i < count; i++) {
            int p = random.nextInt(PARTITIONS);
            set.putState(p, key(p), state(40));
        }
        if (random.nextBoolean()) set.putCheckpoint(random.nextInt(PARTITIONS), random.nextInt(40));
        steps.add("commit " + count);
        store.write(set);
    }

    private void replicated(StateStore store, boolean repair) {
        int p = random.nextInt(PARTITIONS);
        List<WriteSet.StateWrite> states = new ArrayList<>();
        int count = 1 + random.nextInt(6);
        // A repairing snapshot page or a commit, with versions close to the stored ones; a key may
        // come twice in one write.
        for (int i = 0; i < count; i++) states.add(new WriteSet.StateWrite(p, key(p), state(8)));
        List<Change> changes = random.nextBoolean() ? List.of() : List.of(change(p, states.get(0)));
        steps.add((repair ? "repair " : "replicated ") + p + " " + count);
        store.applyReplicated(new ReplicatedWrite(p, states, changes, List.of(), random.nextInt(40) - 1, true, repair));
    }

    /** An observer's write: changes only, whatever states come with it. */
    private void observed(StateStore store) {
        int p = random.nextInt(PARTITIONS);
        WriteSet.StateWrite state = new WriteSet.StateWrite(p, key(p), state(40));
        steps.add("observed " + p);
        store.applyReplicated(new ReplicatedWrite(p, List.of(state), List.of(change(p, state)), List.of(), -1, false));
    }

    private void relayed(StateStore store) {
        int p = random.nextInt(PARTITIONS);
        WriteSet.StateWrite state = new WriteSet.StateWrite(p, key(p), state(40));
        steps.add("relayed " + p);
        store.relayed(p, List.of(change(p, state)), random.nextInt(20) - 1);
    }

    private String key(int partition) {
        return "p" + partition + "-k" + random.nextInt(KEYS);
    }

    /** A state with a version below {@code versions}: a tombstone, a key without a value, or one of a few values. */
    private StoredState state(int versions) {
        long version = random.nextInt(versions);
        return switch (random.nextInt(5)) {
            case 0 -> new StoredState(version, "proc", true, null);
            case 1 -> new StoredState(version, "", false, null);
            default -> new StoredState(version, random.nextBoolean() ? "proc" : "other", false,
                    ("v" + random.nextInt(3)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        };
    }

    private static Change change(int partition, WriteSet.StateWrite state) {
        boolean tombstone = state.state().tombstone();
        byte[] json = tombstone ? null : "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return new Change(partition, state.key(), state.state().version(), "t", null, 0, tombstone, json);
    }
}
