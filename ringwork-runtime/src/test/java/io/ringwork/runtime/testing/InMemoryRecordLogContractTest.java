package io.ringwork.runtime.testing;

import io.ringwork.core.log.RecordLog;
import io.ringwork.core.log.RecordLogContract;

/** The log contract on the engine tests' in-memory log. */
class InMemoryRecordLogContractTest extends RecordLogContract {
    @Override
    protected RecordLog newLog(int partitions) {
        return new InMemoryRecordLog(partitions);
    }
}
