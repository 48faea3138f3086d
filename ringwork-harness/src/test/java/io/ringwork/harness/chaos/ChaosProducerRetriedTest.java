package io.ringwork.harness.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.ringwork.core.record.NewRecord;
import io.ringwork.harness.chaos.ChaosWorkload.Generated;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A batch sent again after a failed attempt: on Kafka both copies are in the log and the nodes
 * apply the first, so the producer's books move each such record to its first copy's offset.
 */
class ChaosProducerRetriedTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void retriedRecordsMoveToTheirFirstCopyAndOthersStay() {
        ChaosProducer producer = new ChaosProducer(null, null);
        // Round 1, first try: k@10 (applied). Round 2, retried: k@20 (applied, first copy at 14),
        // k@21 (rejected, first copy 15), j@22 (applied, never appended before).
        producer.acknowledged(List.of(generated("k", "i1", true)), results(3, 10), 100, false);
        producer.acknowledged(List.of(generated("k", "i2", true), generated("k", "i3", false), generated("j", "i4", true)),
                results(3, 20, 21, 22), 200, true);

        assertThat(producer.retried()).extracting(ChaosProducer.Retried::afterOffset)
                .as("each retried record's lower bound is its key's offset before the batch").containsExactly(10L, 10L, -1L);
        Map<String, Long> firstCopies = Map.of("i2", 14L, "i3", 15L);
        int moved = producer.resolveRetried((partition, after, retry, id) -> {
            assertThat(partition).isEqualTo(3);
            return firstCopies.getOrDefault(id, retry);
        });

        assertThat(moved).isEqualTo(2);
        assertThat(producer.keys().get("k").applied.toArray()).containsExactly(10, 14);
        assertThat(producer.keys().get("k").lastVersion).as("the key's last record is still the retry's copy").isEqualTo(21);
        assertThat(producer.keys().get("j").applied.toArray()).containsExactly(22);
        assertThat(producer.appended()).extracting(ChaosReport.Appended::offset).containsExactly(10L, 14L, 15L, 22L);
    }

    private static Generated generated(String key, String id, boolean applied) {
        return new Generated(new NewRecord(key, "gluer.merge", id, "{}".getBytes()), applied);
    }

    private static ArrayNode results(int partition, long... offsets) {
        ArrayNode array = JSON.createArrayNode();
        for (long offset : offsets) array.addObject().put("partition", partition).put("offset", offset);
        return array;
    }
}
