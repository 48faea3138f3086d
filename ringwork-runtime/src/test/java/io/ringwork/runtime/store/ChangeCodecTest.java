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
}
