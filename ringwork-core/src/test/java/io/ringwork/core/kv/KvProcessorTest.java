package io.ringwork.core.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.gluer.GluerProcessor;
import io.ringwork.core.processing.ApplyOutcome;
import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.record.Record;
import io.ringwork.core.record.VersionedState;
import io.ringwork.core.store.StoredState;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The key-value store's decisions, through the same applier the engine runs. */
class KvProcessorTest {
    private final RecordApplier applier = new RecordApplier(new ProcessorRegistry(List.of(new KvProcessor(), new GluerProcessor())));
    private VersionedState state = VersionedState.ABSENT;
    private long offset = 10;

    private ApplyOutcome apply(String type, String data) {
        return apply("kv/a", type, data, null);
    }

    private ApplyOutcome apply(String key, String type, String data, String id) {
        Record record = new Record(0, offset++, key, type, id, 0, data.getBytes(StandardCharsets.UTF_8));
        ApplyOutcome outcome = applier.apply(state, record);
        state = outcome.state();
        return outcome;
    }

    private KvState kv() {
        return (KvState) state.value();
    }

    private KvOutcome last() {
        return kv().outcomes().get(kv().outcomes().size() - 1);
    }

    @Test
    void aPutSetsTheValueAndTheVersionIsItsOffsetPlusOne() {
        ApplyOutcome put = apply(KvProcessor.PUT, "{\"value\":{\"x\":1}}");
        assertThat(put.kind()).isEqualTo(ApplyOutcome.Kind.APPLIED);
        assertThat(kv().version()).isEqualTo(11);
        assertThat(kv().value().toString()).isEqualTo("{\"x\":1}");
        assertThat(new String(put.change().valueJson(), StandardCharsets.UTF_8)).isEqualTo("{\"version\":11,\"value\":{\"x\":1}}");
        assertThat(kv().outcomeAt(10)).isEqualTo(new KvOutcome(10, null, KvOutcome.Code.OK, 11));
    }

    @Test
    void aCompareAndSetSucceedsOnlyOnTheCurrentVersionAndARefusalChangesNothingOnTheFeed() {
        assertThat(apply(KvProcessor.PUT, "{\"value\":1,\"ifVersion\":0}").kind()).isEqualTo(ApplyOutcome.Kind.APPLIED);
        long v = kv().version();
        ApplyOutcome stale = apply(KvProcessor.PUT, "{\"value\":2,\"ifVersion\":" + (v - 1) + "}");
        assertThat(stale.kind()).isEqualTo(ApplyOutcome.Kind.NOTED);
        assertThat(stale.change()).isNull();
        assertThat(last().code()).isEqualTo(KvOutcome.Code.CONFLICT);
        assertThat(last().version()).isEqualTo(v);
        assertThat(kv().value().asInt()).isEqualTo(1);
        ApplyOutcome absentOnly = apply(KvProcessor.PUT, "{\"value\":3,\"ifVersion\":0}");
        assertThat(absentOnly.kind()).isEqualTo(ApplyOutcome.Kind.NOTED);
        assertThat(apply(KvProcessor.PUT, "{\"value\":4,\"ifVersion\":" + v + "}").kind()).isEqualTo(ApplyOutcome.Kind.APPLIED);
        assertThat(kv().value().asInt()).isEqualTo(4);
        assertThat(kv().version()).isGreaterThan(v);
    }

    @Test
    void aDeleteMakesTheKeyAbsentAndVersionsGoOnIncreasing() {
        apply(KvProcessor.PUT, "{\"value\":\"a\"}");
        long put = kv().version();
        ApplyOutcome delete = apply(KvProcessor.DELETE, "{}");
        assertThat(delete.kind()).isEqualTo(ApplyOutcome.Kind.APPLIED);
        assertThat(kv().present()).isFalse();
        assertThat(kv().currentVersion()).isZero();
        assertThat(kv().version()).isGreaterThan(put);
        assertThat(apply(KvProcessor.DELETE, "{}").kind()).isEqualTo(ApplyOutcome.Kind.NOTED);
        assertThat(last().code()).isEqualTo(KvOutcome.Code.NOT_FOUND);
        assertThat(apply(KvProcessor.PUT, "{\"value\":\"b\",\"ifVersion\":0}").kind()).isEqualTo(ApplyOutcome.Kind.APPLIED);
        assertThat(kv().version()).isGreaterThan(put + 1);
    }

    @Test
    void aFencedWriteBelowATokenTheKeySawIsRefusedAndTheHigherTokenIsRemembered() {
        apply(KvProcessor.PUT, "{\"value\":1,\"fence\":{\"name\":\"lock\",\"token\":5}}");
        apply(KvProcessor.PUT, "{\"value\":2,\"fence\":{\"name\":\"lock\",\"token\":6}}");
        ApplyOutcome stale = apply(KvProcessor.PUT, "{\"value\":3,\"fence\":{\"name\":\"lock\",\"token\":5}}");
        assertThat(stale.kind()).isEqualTo(ApplyOutcome.Kind.NOTED);
        assertThat(last()).extracting(KvOutcome::code, KvOutcome::version).containsExactly(KvOutcome.Code.STALE_TOKEN, 6L);
        assertThat(kv().value().asInt()).isEqualTo(2);
        // The same token again is the same leader: allowed. Another election's tokens are separate.
        assertThat(apply(KvProcessor.PUT, "{\"value\":4,\"fence\":{\"name\":\"lock\",\"token\":6}}").kind()).isEqualTo(ApplyOutcome.Kind.APPLIED);
        assertThat(apply(KvProcessor.PUT, "{\"value\":5,\"fence\":{\"name\":\"other\",\"token\":1}}").kind()).isEqualTo(ApplyOutcome.Kind.APPLIED);
        assertThat(kv().token("lock")).isEqualTo(6);
    }

    @Test
    void aRefusedCompareAndSetWithAHigherTokenStillRaisesTheFence() {
        apply(KvProcessor.PUT, "{\"value\":1,\"fence\":{\"name\":\"lock\",\"token\":5}}");
        apply(KvProcessor.PUT, "{\"value\":2,\"ifVersion\":999,\"fence\":{\"name\":\"lock\",\"token\":7}}");
        assertThat(last().code()).isEqualTo(KvOutcome.Code.CONFLICT);
        apply(KvProcessor.PUT, "{\"value\":3,\"fence\":{\"name\":\"lock\",\"token\":5}}");
        assertThat(last().code()).isEqualTo(KvOutcome.Code.STALE_TOKEN);
    }

    @Test
    void answersAreBoundedAndARetriedIdFindsItsFirstAnswer() {
        apply("kv/a", KvProcessor.PUT, "{\"value\":0}", "req-1");
        long first = kv().version();
        for (int i = 0; i < KvState.OUTCOMES_MAX - 1; i++) apply(KvProcessor.PUT, "{\"value\":" + i + "}");
        assertThat(kv().outcomes()).hasSize(KvState.OUTCOMES_MAX);
        assertThat(kv().outcomeOf("req-1").version()).isEqualTo(first);
        ApplyOutcome retry = apply("kv/a", KvProcessor.PUT, "{\"value\":0}", "req-1");
        assertThat(retry.kind()).isEqualTo(ApplyOutcome.Kind.DUPLICATE);
        apply(KvProcessor.PUT, "{\"value\":\"pushes the first answer out\"}");
        assertThat(kv().outcomes()).hasSize(KvState.OUTCOMES_MAX);
        assertThat(kv().outcomeOf("req-1")).isNull();
    }

    @Test
    void badRecordsAreRejectedNeverThrown() {
        assertThat(apply("kv/a", KvProcessor.PUT, "{}", null).deadLetter().reason()).contains("needs \"value\"");
        assertThat(apply("kv/a", KvProcessor.PUT, "{\"value\":1,\"ifVersion\":\"x\"}", null).deadLetter().reason()).contains("ifVersion");
        assertThat(apply("kv/a", KvProcessor.PUT, "{\"value\":1,\"ifVersion\":-1}", null).deadLetter().reason()).contains("ifVersion");
        assertThat(apply("kv/a", KvProcessor.PUT, "{\"value\":1,\"fence\":\"lock:1\"}", null).deadLetter().reason()).contains("fence");
        assertThat(apply("kv/a", KvProcessor.PUT, "not json", null).kind()).isEqualTo(ApplyOutcome.Kind.REJECTED);
        assertThat(apply("kv/a", "kv.frobnicate", "{}", null).deadLetter().reason()).contains("unknown kv type");
        assertThat(apply("other", KvProcessor.PUT, "{\"value\":1}", null).deadLetter().reason()).contains("kv/KEY");
    }

    @Test
    void theStoredFormRoundTripsThroughTheStore() {
        apply("kv/a", KvProcessor.PUT, "{\"value\":{\"deep\":[1,2,{\"x\":null}]},\"fence\":{\"name\":\"l\",\"token\":3}}", "i1");
        apply(KvProcessor.PUT, "{\"value\":1,\"ifVersion\":1}");
        StoredState stored = StoredState.fromBytes(StoredState.of(state).toBytes());
        VersionedState back = applier.decode(stored.version(), stored.processor(), stored.tombstone(), stored.value(), stored.ids());
        assertThat(back.value()).isEqualTo(kv());
        apply(KvProcessor.PUT, "{\"value\":null}");
        KvState withNull = KvCodec.INSTANCE.decode(KvCodec.INSTANCE.encode(kv()));
        assertThat(withNull.present()).isTrue();
        assertThat(withNull).isEqualTo(kv());
    }
}
