package io.ringwork.runtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.coord.Outcomes;
import io.ringwork.core.id.Partitioner;
import io.ringwork.core.kv.KvAnswers;
import io.ringwork.core.log.AppendResult;
import io.ringwork.core.log.LogException;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.store.StoredState;
import io.ringwork.runtime.node.KeyReads;
import io.ringwork.runtime.node.RingworkNode;
import java.util.List;

/**
 * The coordination state's writes and reads, done as the key-value store does them
 * ({@link KvHandlers}): a write is a record appended to the log, answered from the answer the
 * key's state keeps for it ({@link Outcomes}) once the key's owner applied it and a write quorum
 * holds it; a linearizable read answers from the owner once its checkpoint reached the log's end
 * as it was when the read began. Failures before the append are definite, after it indefinite.
 * Thread-safe.
 */
final class CoordLog {
    /** How long a write waits for its answer, and a read for the owner, before a 504. */
    static final long TIMEOUT_MS = 10_000;

    private final RingworkNode node;
    private final Partitioner partitioner;

    CoordLog(RingworkNode node) {
        this.node = node;
        this.partitioner = new Partitioner(node.log().partitionCount());
    }

    /** A record's answer, with the key's state as the owner held it then. */
    record Answer(Outcomes.Outcome outcome, JsonNode state) {}

    AppendResult append(String key, String type, JsonNode data) {
        try {
            AppendResult result = node.log().append(List.of(new NewRecord(key, type, null, Exchanges.JSON.writeValueAsBytes(data)))).get(0);
            node.metrics().ingested(1, 0);
            return result;
        } catch (IllegalArgumentException e) {
            throw new ApiError(413, "record_rejected", "nothing was written: " + e.getMessage(), true);
        } catch (LogException e) {
            throw new ApiError(503, "log_unavailable", "the write may or may not be in the log: " + e.getMessage(), false);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("a JSON tree did not serialize", e);
        }
    }

    /** Appends and waits for the record's answer. */
    Answer write(String key, String type, JsonNode data) {
        return await(key, append(key, type, data));
    }

    /**
     * The answer of the record {@code appended} to {@code key}, read at the key's owner once it
     * applied the record and a write quorum holds it.
     */
    Answer await(String key, AppendResult appended) {
        OwnerWait wait = new OwnerWait(node.store(), TIMEOUT_MS);
        String lastProblem = "its owner had not applied it";
        while (true) {
            wait.mark();
            try {
                KeyReads.Read read = node.reads().fromOwner(key);
                StoredState stored = read.state();
                boolean applied = stored != null && stored.version() >= appended.offset()
                        && (read.durable() == KvAnswers.UNKNOWN || read.durable() >= appended.offset());
                if (applied) {
                    JsonNode state = json(stored);
                    Outcomes.Outcome outcome = Outcomes.at(state, appended.offset());
                    if (outcome != null) return new Answer(outcome, state);
                    if (state == null || Outcomes.oldest(state) < appended.offset()) {
                        throw new ApiError(409, "refused", "the record for '" + key + "' was refused (partition " + appended.partition()
                                + ", offset " + appended.offset() + "); see /v1/dead-letters?key=" + key + "; nothing changed", true);
                    }
                    throw new ApiError(500, "outcome_unknown", "more than " + Outcomes.MAX + " later records of '" + key
                            + "' were applied before this node read its answer: read the state to see what happened", false);
                }
            } catch (ApiError e) {
                if (e.status() < 500 || e.code().equals("outcome_unknown")) throw e;
                lastProblem = e.getMessage();
            }
            if (wait.expired()) {
                throw new ApiError(504, "timeout", "the record for '" + key + "' is in the log (partition " + appended.partition()
                        + ", offset " + appended.offset() + ") but no answer came within " + TIMEOUT_MS + " ms (" + lastProblem
                        + "); it will take effect when the partition's owner applies it", false);
            }
            wait.pause();
        }
    }

    /** The key's state read linearizably (as {@code GET /v1/kv} reads), or null when absent. */
    JsonNode linearizable(String key) {
        int partition = partitioner.partitionOf(key);
        long end;
        try {
            end = node.log().currentEndOffset(partition);
        } catch (LogException e) {
            throw new ApiError(503, "log_unavailable", "the log's end of partition " + partition + " is unknown: " + e.getMessage(), true);
        }
        OwnerWait wait = new OwnerWait(node.store(), TIMEOUT_MS);
        String lastProblem = "its checkpoint was behind";
        while (true) {
            wait.mark();
            try {
                KeyReads.Read read = node.reads().fromOwner(key);
                if (KvAnswers.readable(read.checkpoint(), end)) return json(read.state());
            } catch (ApiError e) {
                if (e.status() < 500) throw e;
                lastProblem = e.getMessage();
            }
            if (wait.expired()) {
                throw new ApiError(504, "timeout", "the owner of '" + key + "' did not reach the log's end within " + TIMEOUT_MS
                        + " ms (" + lastProblem + "); a read changes nothing, retrying is safe", false);
            }
            wait.pause();
        }
    }

    /** The key's state as its owner holds it now (not linearizable: no wait for the log's end), or null. */
    JsonNode fromOwner(String key) {
        return json(node.reads().fromOwner(key).state());
    }

    /** A stored coordination state as JSON; null when absent, deleted or another processor's. */
    JsonNode json(StoredState stored) {
        if (stored == null || stored.tombstone() || stored.processor().isEmpty() || stored.value() == null) return null;
        Object value = node.applier().decode(stored.version(), stored.processor(), stored.tombstone(), stored.value(), stored.ids()).value();
        return value instanceof JsonNode json ? json : null;
    }
}
