package io.ringwork.core.kv;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One key of the key-value store as its partition holds it. Immutable.
 *
 * @param version  the version of the key's last effective write (put or delete): its log offset
 *                 plus one, so versions of a key strictly increase across owners and restarts;
 *                 0 before the first
 * @param value    the value, or null when the key is absent (deleted)
 * @param fences   the highest token seen per election name among the key's fenced writes, at most
 *                 {@link #FENCES_MAX}, oldest name first
 * @param outcomes the answers of the key's last {@link #OUTCOMES_MAX} records, oldest first
 * @param session  the session the key belongs to (an ephemeral key, written with {@code ?session=}),
 *                 or null: the session of the key's last put, which a guarded delete names
 */
public record KvState(long version, JsonNode value, List<Fence> fences, List<KvOutcome> outcomes, String session) {
    /**
     * Answers kept per key. A writer reads its answer back after its record is applied; with more
     * than this many later records of the same key applied before it reads, its answer is gone
     * and the writer says the outcome is unknown (indefinite).
     */
    public static final int OUTCOMES_MAX = 64;
    /** Election names a key remembers tokens for; a 17th forgets the name seen first. */
    public static final int FENCES_MAX = 16;

    public static final KvState NEVER_WRITTEN = new KvState(0, null, List.of(), List.of(), null);

    /** The highest token of election {@code name} a fenced write of this key carried. */
    public record Fence(String name, long token) {}

    public KvState {
        fences = List.copyOf(fences);
        outcomes = List.copyOf(outcomes);
    }

    public boolean present() {
        return value != null;
    }

    /** The version a compare-and-set compares with: 0 when the key is absent. */
    public long currentVersion() {
        return present() ? version : 0;
    }

    /** The highest token of {@code name} this key has seen, or -1. */
    public long token(String name) {
        for (Fence fence : fences) if (fence.name().equals(name)) return fence.token();
        return -1;
    }

    /** The answer of the record at {@code offset}, or null when it is not (or no longer) kept. */
    public KvOutcome outcomeAt(long offset) {
        for (KvOutcome outcome : outcomes) if (outcome.offset() == offset) return outcome;
        return null;
    }

    /** The answer of the record that carried {@code id}, or null. */
    public KvOutcome outcomeOf(String id) {
        if (id == null) return null;
        for (KvOutcome outcome : outcomes) if (id.equals(outcome.id())) return outcome;
        return null;
    }

    /** This state with {@code outcome} kept as the newest answer, forgetting the oldest beyond the bound. */
    KvState answered(KvOutcome outcome) {
        List<KvOutcome> kept = new ArrayList<>(outcomes.subList(Math.max(0, outcomes.size() - OUTCOMES_MAX + 1), outcomes.size()));
        kept.add(outcome);
        return new KvState(version, value, fences, kept, session);
    }

    /** This state having seen {@code token} of election {@code name} (never lowered). */
    KvState fencedBy(String name, long token) {
        List<Fence> kept = new ArrayList<>(fences.size() + 1);
        for (Fence fence : fences) if (!fence.name().equals(name)) kept.add(fence);
        kept.add(new Fence(name, Math.max(token, token(name))));
        if (kept.size() > FENCES_MAX) kept.remove(0);
        return new KvState(version, value, kept, outcomes, session);
    }

    /** This state after an effective write; {@code newSession} null for a key that belongs to no session. */
    KvState written(long newVersion, JsonNode newValue, String newSession) {
        return new KvState(newVersion, newValue, fences, outcomes, newValue == null ? null : newSession);
    }
}
