package io.ringwork.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.Record;
import io.ringwork.core.record.VersionedState;
import io.ringwork.runtime.node.Processors;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The peers bench's parts that need no processes: options, the result bookkeeping, the Kafka Streams state codec. */
class PeersBenchPartsTest {
    @Test
    void badOptionsAreClearErrors() {
        assertThatThrownBy(() -> PeersBench.Options.parse(new String[] {"--runs", "0"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--runs must be at least 1");
        assertThatThrownBy(() -> PeersBench.Options.parse(new String[] {"--records", "many"}))
                .hasMessageContaining("--records takes a whole number");
        assertThatThrownBy(() -> PeersBench.Options.parse(new String[] {"--systems", "flink"}))
                .hasMessageContaining("unknown 'flink'");
        assertThatThrownBy(() -> PeersBench.Options.parse(new String[] {"--runs"})).hasMessageContaining("needs a value");
        assertThat(PeersBench.Options.parse(new String[] {"--failover", "none"}).failovers).isEmpty();
        assertThat(PeersBench.Options.parse(new String[] {"--keep", "true"}).keep).isTrue();
        assertThat(PeersBench.Options.parse(new String[0]).keep).isFalse();
        assertThatThrownBy(() -> PeersBench.Options.parse(new String[] {"--keep", "yes"})).hasMessageContaining("--keep takes true or false");
    }

    @Test
    void latenciesCountEachRecordOnceAndFailoverWaitsForEveryPartition() throws Exception {
        Outputs outputs = new Outputs(2, 10);
        outputs.sent("a", System.nanoTime());
        outputs.seen("a", 0);
        outputs.seen("a", 0); // a second copy (at least once) is no second sample
        outputs.seen("never-sent", 1);
        assertThat(outputs.sortedLatencies()).hasSize(1);

        outputs.killedAt(System.nanoTime());
        outputs.sent("b", System.nanoTime());
        outputs.sent("c", System.nanoTime());
        outputs.seen("b", 0);
        assertThat(outputs.failoverNs()).isEqualTo(-1); // partition 1 not processed again yet
        Thread.sleep(5);
        outputs.seen("c", 1);
        assertThat(outputs.failoverNs()).isGreaterThanOrEqualTo(5_000_000L);
    }

    @Test
    void fieldsAreReadFromRingworkChangeJson() {
        String json = "{\"key\":\"t1/c2\",\"version\":17,\"partition\":3,\"type\":\"gluer.merge\",\"id\":\"w1-42\",\"value\":{\"id\":\"x\"}}";
        assertThat(Outputs.stringField(json, "id")).isEqualTo("w1-42");
        assertThat(Outputs.numberField(json, "partition")).isEqualTo(3);
        assertThat(Outputs.stringField(json, "absent")).isNull();
        assertThat(Outputs.numberField(json, "absent")).isEqualTo(-1);
    }

    @Test
    void kafkaStreamsStateSurvivesItsCodecWithVersionAndRecentIds() {
        RecordApplier applier = new RecordApplier(new ProcessorRegistry(Processors.load()));
        VersionedState state = applier.apply(VersionedState.ABSENT, record(5, "merge", "id-1", "{\"a\":1}")).state();
        VersionedState decoded = KafkaStreamsPeer.GluerAggregate.decode(applier, KafkaStreamsPeer.GluerAggregate.encode(state));
        assertThat(decoded.version()).isEqualTo(5);
        assertThat(applier.toJson(decoded)).isEqualTo(applier.toJson(state));
        assertThat(decoded.ids().contains("id-1")).isTrue();
        // the offset guard: a replayed record at or below the version changes nothing
        assertThat(applier.apply(decoded, record(5, "merge", "id-2", "{\"a\":2}")).state()).isSameAs(decoded);

        VersionedState deleted = applier.apply(decoded, record(6, "delete", "id-3", "null")).state();
        VersionedState deletedDecoded = KafkaStreamsPeer.GluerAggregate.decode(applier, KafkaStreamsPeer.GluerAggregate.encode(deleted));
        assertThat(deletedDecoded.exists()).isFalse();
        assertThat(deletedDecoded.tombstone()).isTrue();
        assertThat(deletedDecoded.version()).isEqualTo(6);
    }

    private static Record record(long offset, String kind, String id, String json) {
        NewRecord r = new NewRecord("t0/c0", "gluer." + kind, id, json.getBytes(StandardCharsets.UTF_8));
        return new Record(0, offset, r.key(), r.type(), r.id(), 0L, r.data());
    }
}
