package io.ringwork.core.lincheck;

import io.ringwork.core.util.Invariants;

/**
 * Keys holding a value and a version, with read, write, compare-and-set on the version and
 * delete: the contract of the key-value API ({@code PUT/GET/DELETE /v1/kv/{key}?ifVersion=N},
 * issue 21). Keys are independent and checked one by one.
 *
 * <p>The contract, per key: a read returns the value and its version, or not-found; an absent key
 * has version 0. Every write (plain or compare-and-set) gives the key a new version strictly
 * greater than every version it had before, deletes included; the model does not assume versions
 * go up by one, because the store may number them from elsewhere (a log offset). A
 * compare-and-set with {@code ifVersion N} succeeds only if the current version is N (0: the key
 * is absent), otherwise it is a conflict that reports the current version (0 if absent). A delete,
 * with or without {@code ifVersion}, leaves the key absent.
 *
 * <p>Indeterminate writes make the next version unknown: the state then keeps a lower bound
 * ({@code exact == false}), and the first later operation that reports the version (a read, a
 * conflict, a compare-and-set that succeeded on it) fixes it. That is sound because nothing in
 * between can observe the version without fixing it.
 *
 * <p>Values are strings compared exactly: a caller holding JSON passes a canonical form (object
 * members sorted, as {@link JsonLinesHistory} does). Stateless and thread-safe.
 */
public final class VersionedKvModel implements Model<VersionedKvModel.KeyState, VersionedKvModel.Input, VersionedKvModel.Output> {
    public static final VersionedKvModel INSTANCE = new VersionedKvModel();

    /** {@code ifVersion} of an unconditional delete. */
    public static final long ANY_VERSION = -1;

    /**
     * One key's state.
     *
     * @param present whether the key exists
     * @param value   its value when present, else null
     * @param last    the key's current version (or the last it had before a delete); a lower bound when not exact
     * @param exact   whether {@code last} is known exactly
     */
    public record KeyState(boolean present, String value, long last, boolean exact) {
        static final KeyState ABSENT = new KeyState(false, null, 0, true);

        /** Whether the version the API would report now (0 when absent) can be {@code version}. */
        boolean reportsVersion(long version) {
            if (version == 0) return !present;
            return present && (exact ? last == version : version >= last);
        }

        /** This state with its version fixed to {@code version}, which {@link #reportsVersion} allowed. */
        KeyState fixedAt(long version) {
            return present ? new KeyState(true, value, version, true) : this;
        }

        @Override
        public String toString() {
            String v = exact ? "version " + last : "version >= " + last;
            return present ? "'" + value + "' at " + v : "absent (last " + v + ")";
        }
    }

    /** An operation on one key. */
    public sealed interface Input {
        String key();
    }

    public record Read(String key) implements Input {
        @Override
        public String toString() {
            return "read(" + key + ")";
        }
    }

    public record Write(String key, String value) implements Input {
        @Override
        public String toString() {
            return "write(" + key + ", '" + value + "')";
        }
    }

    /** Writes {@code value} only if the key's current version is {@code ifVersion} (0: absent). */
    public record Cas(String key, long ifVersion, String value) implements Input {
        public Cas {
            Invariants.require(ifVersion >= 0, "ifVersion must be >= 0, not %s", ifVersion);
        }

        @Override
        public String toString() {
            return "cas(" + key + ", if " + ifVersion + ", '" + value + "')";
        }
    }

    /** Deletes the key; only if its version is {@code ifVersion} unless that is {@link #ANY_VERSION}. */
    public record Delete(String key, long ifVersion) implements Input {
        public Delete {
            Invariants.require(ifVersion >= ANY_VERSION, "ifVersion must be >= 0 (or ANY_VERSION), not %s", ifVersion);
        }

        @Override
        public String toString() {
            return ifVersion == ANY_VERSION ? "delete(" + key + ")" : "delete(" + key + ", if " + ifVersion + ")";
        }
    }

    /** What an operation returned. */
    public sealed interface Output {}

    /** A read found {@code value} at {@code version}. */
    public record Found(String value, long version) implements Output {}

    /** A read (or a delete) found no key. */
    public record NotFound() implements Output {}

    /** A write or compare-and-set succeeded and gave the key {@code version}. */
    public record Written(long version) implements Output {}

    /** A compare-and-set or conditional delete was refused; the key's version was {@code version} (0: absent). */
    public record Conflict(long version) implements Output {}

    /** A delete succeeded. */
    public record Deleted() implements Output {}

    private VersionedKvModel() {}

    @Override
    public KeyState init() {
        return KeyState.ABSENT;
    }

    @Override
    public Step<KeyState> step(KeyState s, Input input, Output output) {
        return switch (input) {
            case Read r -> switch (output) {
                case NotFound nf -> Step.okIf(!s.present(), s);
                case Found f -> Step.okIf(s.present() && s.value().equals(f.value()) && s.reportsVersion(f.version()),
                        s.fixedAt(f.version()));
                default -> Step.illegal();
            };
            case Write w -> output instanceof Written wr && wr.version() > s.last()
                    ? Step.ok(new KeyState(true, w.value(), wr.version(), true)) : Step.illegal();
            case Cas c -> switch (output) {
                case Written wr -> Step.okIf(s.reportsVersion(c.ifVersion()) && wr.version() > floorAfterMatch(s, c.ifVersion()),
                        new KeyState(true, c.value(), wr.version(), true));
                case Conflict cf -> conflict(s, c.ifVersion(), cf.version());
                default -> Step.illegal();
            };
            case Delete d -> switch (output) {
                case Deleted del -> d.ifVersion() == ANY_VERSION || s.reportsVersion(d.ifVersion())
                        ? Step.ok(deleted(s, d.ifVersion())) : Step.illegal();
                case NotFound nf -> Step.okIf(!s.present(), s);
                case Conflict cf -> d.ifVersion() == ANY_VERSION ? Step.illegal() : conflict(s, d.ifVersion(), cf.version());
                default -> Step.illegal();
            };
        };
    }

    @Override
    public Step<KeyState> stepIndeterminate(KeyState s, Input input) {
        return switch (input) {
            case Read r -> Step.ok(s);
            // The new version is above the old one, whatever that was: a lower bound of last + 1.
            case Write w -> Step.ok(new KeyState(true, w.value(), s.last() + 1, false));
            // A refused compare-and-set changes nothing, the same as never taking effect: only success is a step.
            case Cas c -> Step.okIf(s.reportsVersion(c.ifVersion()),
                    new KeyState(true, c.value(), floorAfterMatch(s, c.ifVersion()) + 1, false));
            case Delete d -> Step.okIf(d.ifVersion() == ANY_VERSION || s.reportsVersion(d.ifVersion()), deleted(s, d.ifVersion()));
        };
    }

    @Override
    public Object key(Input input) {
        return input.key();
    }

    /** Refused because the version was not {@code ifVersion} but {@code reported}. */
    private static Step<KeyState> conflict(KeyState s, long ifVersion, long reported) {
        return Step.okIf(reported != ifVersion && s.reportsVersion(reported), s.fixedAt(reported));
    }

    /** The version a new one must exceed once the key matched {@code ifVersion}: that version, or the last one for an absent key. */
    private static long floorAfterMatch(KeyState s, long ifVersion) {
        return ifVersion == 0 ? s.last() : ifVersion;
    }

    private static KeyState deleted(KeyState s, long ifVersion) {
        if (ifVersion > 0) return new KeyState(false, null, ifVersion, true);
        return new KeyState(false, null, s.last(), s.exact());
    }
}
