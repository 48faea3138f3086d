package io.ringwork.runtime.log;

import static io.ringwork.runtime.log.LogFixtures.config;
import static io.ringwork.runtime.log.LogFixtures.rec;
import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.log.PartitionReader;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.Record;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sparse index: one entry per interval, lookups land just before the target, repaired on open. */
class LogOffsetIndexTest {
    private static final int INTERVAL = 512;

    @TempDir Path dir;

    @Test
    void everyLookupLandsWithinOneIntervalBeforeItsFrame() throws IOException {
        writeRecords(config(dir, 1).withIndexIntervalBytes(INTERVAL), 1000);
        PartitionFiles files = new PartitionFiles(dir, 0);
        List<long[]> frames = framePositions(files, 0);
        long segmentBytes = files.logPath(0).toFile().length();

        try (FileChannel index = FileChannel.open(files.indexPath(0))) {
            int entries = OffsetIndex.entryCount(index);
            // Consecutive entries are at least an interval apart and less than interval + one frame.
            assertThat(entries).isBetween((int) (segmentBytes / (INTERVAL + 100)), (int) (segmentBytes / INTERVAL));
            for (long[] frame : frames) {
                OffsetIndex.Entry e = OffsetIndex.floor(index, frame[0]);
                long from = e == null ? 0 : e.position();
                assertThat(from).isLessThanOrEqualTo(frame[1]);
                assertThat(frame[1] - from).as("offset %d", frame[0]).isLessThan(INTERVAL + 200);
                if (e != null) assertThat(frames.get(e.relativeOffset())[1]).isEqualTo(e.position());
            }
        }
    }

    @Test
    void aDamagedIndexOfTheLastSegmentIsRepairedOnOpen() throws IOException {
        LogConfig cfg = config(dir, 1).withIndexIntervalBytes(INTERVAL);
        writeRecords(cfg, 300);
        PartitionFiles files = new PartitionFiles(dir, 0);
        try (FileChannel index = FileChannel.open(files.indexPath(0), StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            // An entry past the end of the log, then half an entry: what a crash can leave.
            index.write(ByteBuffer.allocate(12).putInt(5000).putInt(1 << 24).putInt(7).flip());
        }

        try (EmbeddedLog log = EmbeddedLog.open(cfg)) {
            try (FileChannel index = FileChannel.open(files.indexPath(0))) {
                assertThat(index.size() % OffsetIndex.ENTRY_BYTES).isZero();
                List<long[]> frames = framePositions(files, 0);
                for (int i = 0; i < OffsetIndex.entryCount(index); i++) {
                    OffsetIndex.Entry e = OffsetIndex.read(index, i);
                    assertThat(frames.get(e.relativeOffset())[1]).isEqualTo(e.position());
                }
            }
            writeMore(log, 300, 100);
            try (PartitionReader reader = log.reader(0, 350)) {
                assertThat(reader.poll(1)).extracting(Record::offset).containsExactly(350L);
            }
        }
    }

    /** {offset, position} of every frame of a segment. */
    private static List<long[]> framePositions(PartitionFiles files, long base) throws IOException {
        List<long[]> frames = new ArrayList<>();
        try (FileChannel log = FileChannel.open(files.logPath(base))) {
            SegmentScan scan = new SegmentScan(4096);
            scan.reset(log, files.logPath(base), base, 0, base);
            while (scan.next() == SegmentScan.Status.FRAME) frames.add(new long[] {scan.frameOffset(), scan.framePosition()});
        }
        return frames;
    }

    private static void writeRecords(LogConfig cfg, int count) {
        try (EmbeddedLog log = EmbeddedLog.open(cfg)) {
            writeMore(log, 0, count);
        }
    }

    private static void writeMore(EmbeddedLog log, int from, int count) {
        for (int i = from; i < from + count; i += 50) {
            List<NewRecord> batch = new ArrayList<>();
            for (int j = i; j < i + 50; j++) batch.add(rec("k" + (j % 7), "value-" + j));
            log.append(batch);
        }
    }
}
