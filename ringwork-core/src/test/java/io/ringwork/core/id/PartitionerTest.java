package io.ringwork.core.id;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/** Our murmur2 partitioner must agree with Kafka's exactly, so producers and topics agree with ringwork. */
class PartitionerTest {
    @Property(tries = 2000)
    void murmur2MatchesKafkaOnAnyBytes(@ForAll byte[] data) {
        assertThat(Murmur2.hash(data)).isEqualTo(Utils.murmur2(data));
    }

    @Property(tries = 2000)
    void partitionMatchesKafkaDefaultPartitioner(@ForAll String key, @ForAll @IntRange(min = 1, max = 5000) int partitions) {
        byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
        int kafka = Utils.toPositive(Utils.murmur2(utf8)) % partitions;
        assertThat(new Partitioner(partitions).partitionOf(key)).isEqualTo(kafka);
    }

    @Test
    void tailLengthsAndKnownKeysMatchKafka() {
        // Every tail length (0-3 bytes past a multiple of four) and multi-byte UTF-8.
        for (String key : new String[] {"", "a", "ab", "abc", "abcd", "abcde", "acme/doc-1", "tenant/ü€𝄞", "user/42"}) {
            byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
            assertThat(Murmur2.hash(utf8)).as(key).isEqualTo(Utils.murmur2(utf8));
        }
    }

    @Test
    void toPositiveClearsTheSignBitLikeKafka() {
        assertThat(Murmur2.toPositive(Integer.MIN_VALUE)).isEqualTo(Utils.toPositive(Integer.MIN_VALUE)).isZero();
        assertThat(Murmur2.toPositive(-1)).isEqualTo(Utils.toPositive(-1));
    }
}
