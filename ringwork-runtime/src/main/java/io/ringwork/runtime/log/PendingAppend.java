package io.ringwork.runtime.log;

import io.ringwork.core.log.LogException;
import java.util.List;

/**
 * The records of one {@code append} call that go to one partition, in call order, waiting for
 * a group-commit leader. The leader fills in the results and marks it done; the caller reads
 * them after taking the partition's leader lock, which orders the two.
 */
final class PendingAppend {
    private final List<EncodedRecord> records;
    private final long[] offsets;
    private final boolean[] duplicates;
    private boolean done;
    private LogException failure;

    PendingAppend(List<EncodedRecord> records) {
        this.records = records;
        this.offsets = new long[records.size()];
        this.duplicates = new boolean[records.size()];
    }

    List<EncodedRecord> records() {
        return records;
    }

    void setResult(int i, long offset, boolean duplicate) {
        offsets[i] = offset;
        duplicates[i] = duplicate;
    }

    long offset(int i) {
        return offsets[i];
    }

    boolean duplicate(int i) {
        return duplicates[i];
    }

    void succeed() {
        done = true;
    }

    void fail(LogException e) {
        failure = e;
        done = true;
    }

    boolean isDone() {
        return done;
    }

    /** Null when the records were appended. */
    LogException failure() {
        return failure;
    }
}
