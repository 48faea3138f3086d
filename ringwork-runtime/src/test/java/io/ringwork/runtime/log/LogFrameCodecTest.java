package io.ringwork.runtime.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.id.Partitioner;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.Record;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

/** Frames round-trip any record, and any single flipped bit is caught. */
class LogFrameCodecTest {
    private static final Partitioner PARTITIONER = new Partitioner(16);

    @Property(tries = 300)
    void aFrameDecodesToTheRecordItEncodes(@ForAll @StringLength(min = 1, max = 40) String key,
                                           @ForAll @StringLength(min = 1, max = 20) String type,
                                           @ForAll @StringLength(max = 20) String id,
                                           @ForAll boolean withId,
                                           @ForAll @Size(max = 300) byte[] data,
                                           @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) long offset) {
        EncodedRecord r = EncodedRecord.of(new NewRecord(key, type, withId ? id : null, data), PARTITIONER, 1 << 20);
        ByteBuffer buf = ByteBuffer.allocate(r.frameBytes());
        FrameCodec.encode(buf, r, offset, 1234L, new CRC32C());

        assertThat(buf.position()).isEqualTo(r.frameBytes());
        int body = FrameCodec.HEADER_BYTES;
        assertThat(FrameCodec.checkBody(buf, body, buf.getInt(0))).isNull();
        Record decoded = FrameCodec.decode(buf, body, r.partition());
        assertThat(decoded).isEqualTo(new Record(PARTITIONER.partitionOf(key), offset, key, type, withId ? id : null, 1234L, decoded.data()));
        assertThat(decoded.data()).isEqualTo(data);
        assertThat(FrameCodec.id(buf, body)).isEqualTo(withId ? id : null);
    }

    @Property(tries = 300)
    void aFlippedBitAnywhereInTheBodyFailsTheCrc(@ForAll @Size(min = 1, max = 100) byte[] data,
                                                @ForAll @IntRange(min = 0, max = 10_000) int where,
                                                @ForAll @IntRange(min = 0, max = 7) int bit) {
        EncodedRecord r = EncodedRecord.of(new NewRecord("key", "t", "id", data), PARTITIONER, 1 << 20);
        ByteBuffer buf = ByteBuffer.allocate(r.frameBytes());
        CRC32C crc = new CRC32C();
        FrameCodec.encode(buf, r, 7, 1, crc);
        int length = buf.getInt(0);
        int at = FrameCodec.HEADER_BYTES + where % length;
        buf.put(at, (byte) (buf.get(at) ^ (1 << bit)));

        assertThat(FrameCodec.crc(crc, buf, FrameCodec.HEADER_BYTES, length)).isNotEqualTo(buf.getInt(4));
    }
}
