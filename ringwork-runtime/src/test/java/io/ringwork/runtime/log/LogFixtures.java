package io.ringwork.runtime.log;

import io.ringwork.core.log.PartitionReader;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.Record;
import io.ringwork.core.time.Clock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Shared helpers of the log tests. */
final class LogFixtures {
    private LogFixtures() {}

    /** A small, fast config: few partitions, no background fsync. */
    static LogConfig config(Path dir, int partitions) {
        return LogConfig.defaults(dir).withPartitionCount(partitions).withFsyncPolicy(FsyncPolicy.NEVER);
    }

    static NewRecord rec(String key, String data) {
        return new NewRecord(key, "test.put", null, data.getBytes(StandardCharsets.UTF_8));
    }

    static NewRecord rec(String key, String id, String data) {
        return new NewRecord(key, "test.put", id, data.getBytes(StandardCharsets.UTF_8));
    }

    /** Every record of {@code partition} from its start, polling until the end as of now. */
    static List<Record> readAll(EmbeddedLog log, int partition) {
        List<Record> all = new ArrayList<>();
        long end = log.endOffset(partition);
        try (PartitionReader reader = log.reader(partition, 0)) {
            while (reader.position() < end) {
                List<Record> batch = reader.poll(500);
                if (batch.isEmpty()) break;
                all.addAll(batch);
            }
        }
        return all;
    }

    static String data(Record r) {
        return r.dataAsString();
    }

    /** A clock the test moves by hand. */
    static final class ManualClock implements Clock {
        private final AtomicLong nowMs;

        ManualClock(long startMs) {
            this.nowMs = new AtomicLong(startMs);
        }

        @Override
        public long nowMs() {
            return nowMs.get();
        }

        void advance(long ms) {
            nowMs.addAndGet(ms);
        }
    }
}
