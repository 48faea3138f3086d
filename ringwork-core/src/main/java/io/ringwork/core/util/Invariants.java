package io.ringwork.core.util;

/**
 * Checks that stay on in production (unlike Java's {@code assert}). A failed check is a bug in
 * ringwork, not bad input: it throws {@link InvariantViolation} and the caller is expected to stop
 * the affected component rather than carry on with corrupt state.
 *
 * <p>The message is only formatted when the check fails, so a hot path pays one branch.
 */
public final class Invariants {
    private Invariants() {}

    /** Thrown when an invariant does not hold. */
    public static final class InvariantViolation extends IllegalStateException {
        public InvariantViolation(String message) {
            super(message);
        }
    }

    public static void check(boolean condition, String message) {
        if (!condition) throw new InvariantViolation(message);
    }

    public static void check(boolean condition, String format, Object arg) {
        if (!condition) throw new InvariantViolation(String.format(format, arg));
    }

    public static void check(boolean condition, String format, Object arg1, Object arg2) {
        if (!condition) throw new InvariantViolation(String.format(format, arg1, arg2));
    }

    public static void check(boolean condition, String format, Object... args) {
        if (!condition) throw new InvariantViolation(String.format(format, args));
    }

    /** Checks a caller's argument; failure is the caller's fault, so this throws IllegalArgumentException. */
    public static void require(boolean condition, String format, Object... args) {
        if (!condition) throw new IllegalArgumentException(String.format(format, args));
    }
}
