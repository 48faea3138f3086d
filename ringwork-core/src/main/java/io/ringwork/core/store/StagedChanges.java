package io.ringwork.core.store;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which staged changes a durability word covers (the rule both stores apply in {@link
 * StateStore#promote}). Given that commits of {@code term} up to {@code durableSeq} are held by a
 * write quorum, and with them every record at or below {@code durableCheckpoint}:
 *
 * <ol>
 *   <li>a change staged under {@code term} is covered if its commit's number is at most
 *       {@code durableSeq};</li>
 *   <li>a change staged under an older term that ended without saying it durable, or under this
 *       one with {@link Stage#BY_CHECKPOINT} (a catch-up's), is covered once its record is at or
 *       below {@code durableCheckpoint}: the quorum holding that checkpoint reflects the record,
 *       so it holds the key at that version or later (a newer owner either held it or applied
 *       the record again; processors are deterministic, so with the same change);</li>
 *   <li>a change is covered when a later staged change of the same key is: a quorum holding a
 *       newer version of the key holds this one's effect too, and taking it first keeps the key's
 *       versions rising on the feed.</li>
 * </ol>
 *
 * Pure; not thread-safe over its argument (stores call it under their monitor).
 */
public final class StagedChanges {
    private StagedChanges() {}

    /**
     * The changes of {@code staged} (one partition, in staging order) covered by the word, in
     * staging order. A {@code durableSeq} below -1 covers nothing.
     */
    public static List<StagedChange> covered(List<StagedChange> staged, StoredTerm term, long durableSeq, long durableCheckpoint) {
        if (durableSeq < -1 || staged.isEmpty()) return List.of();
        boolean[] take = new boolean[staged.size()];
        Set<String> keys = new HashSet<>();
        int count = 0;
        // Backwards, so rule 3 reaches every earlier change of a key taken later in the order.
        for (int i = staged.size() - 1; i >= 0; i--) {
            StagedChange entry = staged.get(i);
            int byTerm = entry.stage().term().compareTo(term);
            boolean byCheckpoint = byTerm < 0 || (byTerm == 0 && entry.stage().seq() == Stage.BY_CHECKPOINT);
            boolean covered = (byTerm == 0 && entry.stage().seq() <= durableSeq)
                    || (byCheckpoint && entry.change().version() <= durableCheckpoint)
                    || keys.contains(entry.change().key());
            if (!covered) continue;
            take[i] = true;
            keys.add(entry.change().key());
            count++;
        }
        List<StagedChange> result = new ArrayList<>(count);
        for (int i = 0; i < take.length; i++) if (take[i]) result.add(staged.get(i));
        return result;
    }
}
