package io.ringwork.core.kv;

/**
 * The answer one key-value record got, kept in the key's state so that the node that appended it,
 * or any node after a retry, can read it back: the record's outcome is a function of the log, so
 * whichever replica applies it reaches the same one.
 *
 * @param offset  the record's log offset
 * @param id      the record's idempotency id, or null (a retried id finds its first answer by it)
 * @param code    what happened
 * @param version for {@code OK} the key's new version; for {@code CONFLICT} and {@code NOT_FOUND}
 *                the current version (0 when absent); for {@code STALE_TOKEN} the highest token
 *                of the fence's election this key has seen
 */
public record KvOutcome(long offset, String id, Code code, long version) {
    public enum Code {
        /** The write took effect. */
        OK,
        /** {@code ifVersion} did not match the current version: nothing changed. */
        CONFLICT,
        /** The fence's token is below one this key has seen for that election: nothing changed. */
        STALE_TOKEN,
        /** A delete of a key that is absent: nothing changed. */
        NOT_FOUND
    }
}
