package io.ringwork.runtime.log;

import io.ringwork.core.log.RecordLog;
import io.ringwork.core.log.RecordLogContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The log contract on the embedded log (files in a temporary directory). */
class EmbeddedLogContractTest extends RecordLogContract {
    @TempDir
    Path dir;

    @Override
    protected RecordLog newLog(int partitions) {
        return EmbeddedLog.open(LogFixtures.config(dir.resolve("log"), partitions));
    }
}
