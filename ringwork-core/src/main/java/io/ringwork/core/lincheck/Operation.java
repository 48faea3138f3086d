package io.ringwork.core.lincheck;

import io.ringwork.core.util.Invariants;

/**
 * One operation of a concurrent history: a client called it with {@code input} at {@code callNs}
 * and it returned {@code output} at {@code returnNs}. An <b>indeterminate</b> operation (timed
 * out, its client crashed, its error was indefinite) has no output and no return: it may have taken
 * effect at any moment after its call, or never, so the checker treats it as returning at
 * +infinity with whatever output the model would give. Times are in any unit, as long as one
 * history uses one clock (nanoseconds from the recorder, or line numbers of a log). Immutable.
 *
 * @param client   who called it (for explanations only; the checker does not need clients)
 * @param input    the operation and its arguments, never null
 * @param output   what it returned; null for an indeterminate operation (and allowed for one that returns nothing)
 * @param callNs   when it was called
 * @param returnNs when it returned, {@code >= callNs}; {@link Long#MAX_VALUE} when indeterminate
 */
public record Operation<I, O>(int client, I input, O output, long callNs, long returnNs, boolean indeterminate) {
    public Operation {
        Invariants.require(input != null, "an operation needs an input (client %s)", client);
        Invariants.require(returnNs >= callNs, "operation of client %s returned at %s before its call at %s", client, returnNs, callNs);
        Invariants.require(!indeterminate || (output == null && returnNs == Long.MAX_VALUE),
                "an indeterminate operation has no output and no return (client %s)", client);
    }

    /** An operation that returned {@code output}. */
    public static <I, O> Operation<I, O> completed(int client, I input, O output, long callNs, long returnNs) {
        return new Operation<>(client, input, output, callNs, returnNs, false);
    }

    /** An operation whose outcome is unknown: it may have taken effect at any time after {@code callNs}, or never. */
    public static <I, O> Operation<I, O> indeterminate(int client, I input, long callNs) {
        return new Operation<>(client, input, null, callNs, Long.MAX_VALUE, true);
    }

    @Override
    public String toString() {
        String ret = indeterminate ? "?" : (output == null ? "ok" : output) + " @" + returnNs;
        return "client " + client + ": " + input + " @" + callNs + " -> " + ret;
    }
}
