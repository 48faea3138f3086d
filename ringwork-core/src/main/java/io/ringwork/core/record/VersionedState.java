package io.ringwork.core.record;

/**
 * A key's state with its version: the offset of the last record applied to it. Replicas and
 * restarts order states by version only. Immutable.
 *
 * @param version   offset of the last applied record; {@link #NONE} if nothing was ever applied
 * @param processor name of the processor that owns the state; null when {@code version == NONE}
 * @param value     the decoded state, or null when absent, deleted, or not decoded (see {@link #compact()})
 * @param encoded   the state as its codec encodes it, or null when absent or deleted
 * @param tombstone true when the last effective record deleted the key
 * @param ids       the idempotency ids of the key's last records ({@link RecentIds}); never null
 */
public record VersionedState(long version, String processor, Object value, byte[] encoded, boolean tombstone,
                             RecentIds ids) {
    public static final long NONE = -1L;
    public static final VersionedState ABSENT = new VersionedState(NONE, null, null, null, false);

    public VersionedState {
        java.util.Objects.requireNonNull(ids, "ids");
    }

    /** A state that remembers no ids. */
    public VersionedState(long version, String processor, Object value, byte[] encoded, boolean tombstone) {
        this(version, processor, value, encoded, tombstone, RecentIds.NONE);
    }

    /** True when the key has a live value (not absent, not deleted). */
    public boolean exists() {
        return !tombstone && (value != null || encoded != null);
    }

    /**
     * The same state without its decoded value, keeping only the encoded bytes: one array instead
     * of a tree of objects, for states cached while their key is idle (a garbage collector copies
     * every surviving object). {@code RecordApplier} decodes it again when the next record comes.
     */
    public VersionedState compact() {
        return value == null ? this : new VersionedState(version, processor, null, encoded, tombstone, ids);
    }

    /** The same state with a higher version and nothing else changed (a rejected record's no-op). */
    public VersionedState advancedTo(long newVersion) {
        return new VersionedState(newVersion, processor, value, encoded, tombstone, ids);
    }

    /** The same state remembering {@code id} as well; itself for a null id. */
    public VersionedState withId(String id) {
        return id == null ? this : new VersionedState(version, processor, value, encoded, tombstone, ids.with(id));
    }
}
