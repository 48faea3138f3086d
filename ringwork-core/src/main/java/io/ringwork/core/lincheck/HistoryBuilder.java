package io.ringwork.core.lincheck;

import io.ringwork.core.util.Invariants;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds a history from call and return events, as a recorder sees them: a client calls, then
 * its call returns, times out (indeterminate: it may have taken effect) or fails definitely (it did
 * not take effect, and is left out). A call still open when the history is taken is indeterminate.
 * A client makes one call at a time; after a timeout it may call again, and the timed-out call
 * stays concurrent with everything after it. Not thread-safe: a recorder with several threads
 * serialises its events (a lock, or one queue) and passes times from one clock.
 */
public final class HistoryBuilder<I, O> {
    private record Open<I>(I input, long callNs) {}

    private final Map<Integer, Open<I>> open = new TreeMap<>();
    private final List<Operation<I, O>> operations = new ArrayList<>();

    /** {@code client} called {@code input} at {@code timeNs}. */
    public HistoryBuilder<I, O> call(int client, I input, long timeNs) {
        Invariants.require(!open.containsKey(client),
                "client %s called again at %s before its call %s returned, timed out or failed", client, timeNs, open.get(client));
        open.put(client, new Open<>(input, timeNs));
        return this;
    }

    /** {@code client}'s open call returned {@code output} at {@code timeNs}. */
    public HistoryBuilder<I, O> returned(int client, O output, long timeNs) {
        Open<I> call = open.get(client);
        Invariants.require(call != null, "client %s returned without an open call", client);
        // Made before the call is closed, so a bad return time leaves the builder as it was.
        operations.add(Operation.completed(client, call.input(), output, call.callNs(), timeNs));
        open.remove(client);
        return this;
    }

    /** {@code client}'s open call has an unknown outcome (a timeout, an indefinite error). */
    public HistoryBuilder<I, O> timedOut(int client) {
        Open<I> call = close(client, "timed out");
        operations.add(Operation.indeterminate(client, call.input(), call.callNs()));
        return this;
    }

    /** {@code client}'s open call definitely did not take effect (a definite error): it is left out. */
    public HistoryBuilder<I, O> failed(int client) {
        close(client, "failed");
        return this;
    }

    /** The operations so far, calls still open included as indeterminate, in the order they ended. */
    public List<Operation<I, O>> operations() {
        List<Operation<I, O>> all = new ArrayList<>(operations);
        open.forEach((client, call) -> all.add(Operation.indeterminate(client, call.input(), call.callNs())));
        return all;
    }

    private Open<I> close(int client, String how) {
        Open<I> call = open.remove(client);
        Invariants.require(call != null, "client %s %s without an open call", client, how);
        return call;
    }
}
