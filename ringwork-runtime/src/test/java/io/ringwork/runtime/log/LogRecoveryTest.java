package io.ringwork.runtime.log;

import static io.ringwork.runtime.log.LogFixtures.config;
import static io.ringwork.runtime.log.LogFixtures.readAll;
import static io.ringwork.runtime.log.LogFixtures.rec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringwork.core.id.Partitioner;
import io.ringwork.core.log.AppendResult;
import io.ringwork.core.log.LogException;
import io.ringwork.core.log.PartitionReader;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.Record;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Torn writes are dropped, complete records kept, and damage inside a segment is reported. */
class LogRecoveryTest {
    private static final int RECORDS = 20;

    @TempDir Path dir;

    @Test
    void halfAFrameAtTheTailIsDroppedAndTheNextAppendContinuesTheOffsets() throws IOException {
        writeRecords(config(dir, 1));
        byte[] frame = frameBytes(RECORDS, "torn");
        long sizeBefore = Files.size(segment(0));
        appendBytes(segment(0), Arrays.copyOf(frame, frame.length / 2));

        try (EmbeddedLog log = EmbeddedLog.open(config(dir, 1))) {
            assertThat(Files.size(segment(0))).isEqualTo(sizeBefore);
            assertCompleteRecordsKept(log);
            assertNextAppendGets(log, RECORDS);
        }
    }

    @Test
    void aWholeFrameWithAFlippedCrcByteAtTheTailIsDropped() throws IOException {
        writeRecords(config(dir, 1));
        byte[] frame = frameBytes(RECORDS, "bad-crc");
        frame[5] ^= 0x40;
        appendBytes(segment(0), frame);

        try (EmbeddedLog log = EmbeddedLog.open(config(dir, 1))) {
            assertCompleteRecordsKept(log);
            assertNextAppendGets(log, RECORDS);
        }
    }

    @Test
    void garbageAndZerosAtTheTailAreDropped() throws IOException {
        for (byte[] tail : List.of(new byte[300], filled(300, (byte) 0xff), filled(7, (byte) 0x5a))) {
            Path logDir = dir.resolve("case-" + tail.length + "-" + tail[0]);
            writeRecords(config(logDir, 1));
            appendBytes(logDir.resolve("p-000/00000000000000000000.log"), tail);
            try (EmbeddedLog log = EmbeddedLog.open(config(logDir, 1))) {
                assertCompleteRecordsKept(log);
                assertNextAppendGets(log, RECORDS);
            }
        }
    }

    @Test
    void aCutAtAnyByteOfTheLastFramesKeepsExactlyTheCompleteFrames() throws IOException {
        writeRecords(config(dir, 1));
        byte[] original = Files.readAllBytes(segment(0));
        List<Integer> frameEnds = frameEnds(original);
        int from = frameEnds.get(RECORDS - 3);
        for (int cut = from; cut <= original.length; cut++) {
            Files.write(segment(0), Arrays.copyOf(original, cut));
            try (EmbeddedLog log = EmbeddedLog.open(config(dir, 1))) {
                int cutAt = cut;
                long expected = frameEnds.stream().filter(end -> end <= cutAt).count();
                assertThat(readAll(log, 0)).as("cut at byte %d", cut).hasSize((int) expected);
                assertThat(log.endOffset(0)).isEqualTo(expected);
            }
        }
    }

    @Test
    void aLiveReaderWaitsAtATornTailAndTheNextAppendRepairsIt() throws IOException {
        try (EmbeddedLog log = EmbeddedLog.open(config(dir, 1)); PartitionReader reader = log.reader(0, 0)) {
            appendRecords(log);
            assertThat(reader.poll(100)).hasSize(RECORDS);
            byte[] frame = frameBytes(RECORDS, "torn");
            appendBytes(segment(0), Arrays.copyOf(frame, frame.length - 3));

            assertThat(reader.poll(100)).isEmpty();
            assertThat(reader.poll(100)).isEmpty();
            assertThat(log.endOffset(0)).isEqualTo(RECORDS);

            assertNextAppendGets(log, RECORDS);
            assertThat(reader.poll(100)).extracting(Record::offset, LogFixtures::data).containsExactly(
                    org.assertj.core.groups.Tuple.tuple((long) RECORDS, "after-recovery"));
        }
    }

    @Test
    void aDamagedFrameFollowedByValidOnesFailsTheOpen() throws IOException {
        writeRecords(config(dir, 1));
        List<Integer> ends = frameEnds(Files.readAllBytes(segment(0)));
        flipByte(segment(0), ends.get(4) + 30); // inside the body of offset 5

        assertThatThrownBy(() -> EmbeddedLog.open(config(dir, 1)))
                .isInstanceOf(LogException.class)
                .hasMessageContaining(segment(0).toString())
                .hasMessageContaining("CRC mismatch")
                .hasMessageContaining("valid frame follows");
    }

    @Test
    void aDamagedFrameInASealedSegmentIsReportedByTheReaderAndNeverReturned() throws IOException {
        LogConfig cfg = config(dir, 1).withSegmentBytes(1024).withDedupeWindowIds(5);
        try (EmbeddedLog log = EmbeddedLog.open(cfg)) {
            for (int i = 0; i < 10; i++) appendRecords(log);
        }
        List<Integer> ends = frameEnds(Files.readAllBytes(segment(0)));
        flipByte(segment(0), ends.get(2) + 30); // offset 3

        try (EmbeddedLog log = EmbeddedLog.open(cfg); PartitionReader reader = log.reader(0, 0)) {
            assertThat(reader.poll(100)).extracting(Record::offset).containsExactly(0L, 1L, 2L);
            assertThatThrownBy(() -> reader.poll(100))
                    .isInstanceOf(LogException.class)
                    .hasMessageContaining(segment(0).toString())
                    .hasMessageContaining("offset 3 expected");
            assertThatThrownBy(() -> reader.poll(100)).isInstanceOf(LogException.class);
            // Frame boundaries past the damage cannot be trusted, but the next segment can be read.
            long secondBase = new PartitionFiles(dir, 0).listBases()[1];
            reader.seek(secondBase);
            assertThat(reader.poll(1)).extracting(Record::offset).containsExactly(secondBase);
        }
    }

    // ---- helpers ----

    private Path segment(long base) {
        return dir.resolve("p-000").resolve(String.format("%020d.log", base));
    }

    private void writeRecords(LogConfig cfg) {
        try (EmbeddedLog log = EmbeddedLog.open(cfg)) {
            appendRecords(log);
        }
    }

    private static void appendRecords(EmbeddedLog log) {
        List<NewRecord> batch = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) batch.add(rec("key-" + (i % 4), "id-" + i, "value-" + i));
        log.append(batch);
    }

    private static void assertCompleteRecordsKept(EmbeddedLog log) {
        List<Record> read = readAll(log, 0);
        assertThat(read).hasSize(RECORDS);
        for (int i = 0; i < RECORDS; i++) {
            assertThat(read.get(i).offset()).isEqualTo(i);
            assertThat(read.get(i).dataAsString()).isEqualTo("value-" + i);
        }
        assertThat(log.endOffset(0)).isEqualTo(RECORDS);
    }

    private static void assertNextAppendGets(EmbeddedLog log, long offset) {
        assertThat(log.append(List.of(rec("k", "after-recovery")))).containsExactly(new AppendResult(0, offset, false));
        List<Record> read = readAll(log, 0);
        assertThat(read).hasSize((int) offset + 1);
        assertThat(read.get((int) offset).dataAsString()).isEqualTo("after-recovery");
    }

    /** A valid frame of {@code offset}, as the writer would produce it. */
    private static byte[] frameBytes(long offset, String data) {
        EncodedRecord r = EncodedRecord.of(rec("k", data), new Partitioner(1), 1 << 20);
        ByteBuffer buf = ByteBuffer.allocate(r.frameBytes());
        FrameCodec.encode(buf, r, offset, 42L, new CRC32C());
        return buf.array();
    }

    /** End positions of the frames in a segment's bytes. */
    static List<Integer> frameEnds(byte[] segment) {
        List<Integer> ends = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.wrap(segment);
        int at = 0;
        while (at + 8 <= segment.length) {
            int end = at + 8 + buf.getInt(at);
            if (end > segment.length) break;
            ends.add(end);
            at = end;
        }
        return ends;
    }

    private static void appendBytes(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes, StandardOpenOption.APPEND);
    }

    private static void flipByte(Path file, long position) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, position);
            b.put(0, (byte) (b.get(0) ^ 0x10)).rewind();
            ch.write(b, position);
        }
    }

    private static byte[] filled(int n, byte value) {
        byte[] bytes = new byte[n];
        Arrays.fill(bytes, value);
        return bytes;
    }
}
