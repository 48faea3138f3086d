package io.ringwork.core.coord;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.processing.Limits;
import io.ringwork.core.processing.Result;
import io.ringwork.core.record.Record;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A producer's acknowledged sequence numbers only grow, keep their positions, and answer every ack. */
class ProducerProcessorTest {
    private final ProducerProcessor processor = new ProducerProcessor();

    private static Record ack(long offset, String entries) {
        return new Record(0, offset, "producer/p", ProducerProcessor.ACK, null, 0,
                ("{\"entries\":" + entries + "}").getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode stateOf(Result<JsonNode> result) {
        if (result instanceof Result.Update<JsonNode> update) return update.state();
        if (result instanceof Result.Note<JsonNode> note) return note.state();
        throw new AssertionError("rejected: " + result);
    }

    @Test
    void acksRaiseTheSeqKeepPositionsAndIgnoreWhatIsAcknowledgedAlready() {
        Result<JsonNode> first = processor.apply(null, ack(10, "[[0,1,100],[1,2,200]]"), Limits.DEFAULT);
        JsonNode state = stateOf(first);
        assertThat(ProducerProcessor.seq(state)).isEqualTo(1);
        assertThat(ProducerProcessor.position(state, 0)).containsExactly(1, 100);
        assertThat(Outcomes.at(state, 10).code()).isEqualTo("acknowledged");

        // A concurrent copy of the same request: nothing changes, yet it has an answer.
        Result<JsonNode> copy = processor.apply(state, ack(11, "[[1,3,300]]"), Limits.DEFAULT);
        assertThat(copy).isInstanceOf(Result.Note.class);
        assertThat(ProducerProcessor.position(stateOf(copy), 1)).containsExactly(2, 200);
        assertThat(Outcomes.at(stateOf(copy), 11)).isNotNull();

        Result<JsonNode> later = processor.apply(stateOf(copy), ack(12, "[[1,3,300],[5,0,7]]"), Limits.DEFAULT);
        assertThat(ProducerProcessor.seq(stateOf(later))).isEqualTo(5);
        assertThat(ProducerProcessor.position(stateOf(later), 5)).containsExactly(0, 7);
        assertThat(ProducerProcessor.position(stateOf(later), 3)).isNull();
    }

    @Test
    void positionsAreBoundedAndBadAcksAreRejected() {
        JsonNode state = null;
        for (int i = 0; i < ProducerProcessor.ACKS_MAX + 10; i++) {
            state = stateOf(processor.apply(state, ack(i, "[[" + i + ",0," + i + "]]"), Limits.DEFAULT));
        }
        assertThat(state.path("acks").size()).isEqualTo(ProducerProcessor.ACKS_MAX);
        assertThat(ProducerProcessor.position(state, 5)).isNull();
        assertThat(ProducerProcessor.seq(state)).isEqualTo(ProducerProcessor.ACKS_MAX + 9);
        assertThat(processor.apply(null, ack(1, "[[-1,0,0]]"), Limits.DEFAULT)).isInstanceOf(Result.Reject.class);
        assertThat(processor.apply(null, ack(1, "\"x\""), Limits.DEFAULT)).isInstanceOf(Result.Reject.class);
        Record wrongKey = new Record(0, 1, "kv/x", ProducerProcessor.ACK, null, 0, "{\"entries\":[]}".getBytes(StandardCharsets.UTF_8));
        assertThat(processor.apply(null, wrongKey, Limits.DEFAULT)).isInstanceOf(Result.Reject.class);
    }
}
