package io.ringwork.runtime.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.record.Change;
import io.ringwork.core.record.DeadLetter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ChangeCodecTest {
    /** Pill (b): a record rejected for its 70,000-byte key used to stop the committer on writeUTF. */
    @Test
    void aDeadLetterWithA70000ByteKeyRoundTripsWithTheKeyCut() {
        String key = "t/" + "k".repeat(69_998);
        DeadLetter letter = new DeadLetter(3, 17, key, "gluer." + "p".repeat(300), "i".repeat(70_000), 5,
                "the key is 70000 bytes, over the limit of 1024 bytes");
        DeadLetter read = ChangeCodec.decodeDeadLetter(ChangeCodec.encode(letter));
        assertThat(read.key()).isEqualTo("t/" + "k".repeat(1022) + "…(70000 bytes)");
        assertThat(read.type()).isEqualTo("gluer." + "p".repeat(250) + "…(306 bytes)");
        assertThat(read.recordId()).isEqualTo("i".repeat(256) + "…(70000 bytes)");
        assertThat(read.reason()).isEqualTo(letter.reason());
        assertThat(read.offset()).isEqualTo(17);
        assertThat(read.partition()).isEqualTo(3);
    }

    @Test
    void aDeadLetterWithAValidKeyKeepsItWhole() {
        String key = "t/" + "é".repeat(511); // 1,024 bytes
        DeadLetter letter = new DeadLetter(0, 1, key, "gluer.patch", null, 5, "bad");
        assertThat(ChangeCodec.decodeDeadLetter(ChangeCodec.encode(letter))).isEqualTo(letter);
    }

    @Test
    void cuttingNeverSplitsACharacter() {
        String text = "é".repeat(600); // 2 bytes each: 1,024 is a boundary, 1,023 is not
        assertThat(StringCodec.truncate(text, 1023)).startsWith("é".repeat(511) + "…").endsWith("(1200 bytes)");
        assertThat(StringCodec.truncate("😀".repeat(300), 1022)).startsWith("😀".repeat(255) + "…");
        assertThat(StringCodec.truncate("short", 1024)).isEqualTo("short");
    }

    @Test
    void ordinaryChangesKeepFormatOneAndChangesTooLongForWriteUtfUseTheWideFormat() {
        Change ordinary = new Change(1, "t/a", 9, "gluer.merge", "id", 7, false, "{}".getBytes(StandardCharsets.UTF_8));
        byte[] bytes = ChangeCodec.encode(ordinary);
        assertThat(bytes[0]).isEqualTo((byte) 1);
        assertThat(ChangeCodec.decodeChange(bytes)).usingRecursiveComparison().isEqualTo(ordinary);

        // 32,768 NULs are within a configurable key limit but 65,536 bytes of modified UTF-8.
        String nuls = "\0".repeat(32_768);
        assertThat(StringCodec.fitsWriteUtf(nuls)).isFalse();
        Change wide = new Change(1, nuls, 9, "gluer.merge", null, 7, true, null);
        byte[] wideBytes = ChangeCodec.encode(wide);
        assertThat(wideBytes[0]).isEqualTo((byte) 2);
        assertThat(ChangeCodec.decodeChange(wideBytes)).isEqualTo(wide);
    }

    @Test
    void theArrayFormWritesAndReadsExactlyWhatTheStreamFormDoes() {
        java.util.Random random = new java.util.Random(20261207);
        String[] alphabets = {"abcXYZ/-_.0189", "a\0b", "aé€", "a\uD83D\uDE00b", "\u007f\u0001 ~"};
        for (int i = 0; i < 5_000; i++) {
            String key = text(random, alphabets[random.nextInt(alphabets.length)], 1 + random.nextInt(40));
            String type = random.nextInt(10) == 0 ? text(random, alphabets[random.nextInt(alphabets.length)], 1 + random.nextInt(12))
                    : "gluer.merge";
            String id = random.nextBoolean() ? null : text(random, alphabets[random.nextInt(alphabets.length)], random.nextInt(20));
            boolean tombstone = random.nextInt(5) == 0;
            byte[] value = tombstone ? null : new byte[random.nextInt(300)];
            if (value != null) random.nextBytes(value);
            Change change = new Change(random.nextInt(1000), key, random.nextLong(), type, id, random.nextLong(), tombstone, value);
            byte[] stream = ChangeCodec.encodeStream(change);
            assertThat(ChangeCodec.encode(change)).as("change %d: %s", i, change).isEqualTo(stream);
            assertThat(ChangeCodec.decodeChange(stream)).usingRecursiveComparison().as("change %d", i).isEqualTo(change);
            assertThat(ChangeCodec.decodeChange(stream)).usingRecursiveComparison().isEqualTo(ChangeCodec.decodeStream(stream));
        }
    }

    private static String text(java.util.Random random, String alphabet, int length) {
        StringBuilder text = new StringBuilder();
        int[] points = alphabet.codePoints().toArray();
        for (int i = 0; i < length; i++) text.appendCodePoint(points[random.nextInt(points.length)]);
        return text.toString();
    }
}
