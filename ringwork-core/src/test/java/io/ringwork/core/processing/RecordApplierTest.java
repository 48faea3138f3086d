package io.ringwork.core.processing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.gluer.GluerProcessor;
import io.ringwork.core.record.Record;
import io.ringwork.core.record.VersionedState;
import io.ringwork.core.resource.ResourceProcessor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordApplierTest {
    private final RecordApplier applier = new RecordApplier(new ProcessorRegistry(List.of(
            new GluerProcessor(), new ResourceProcessor(), new ThrowingProcessor())));

    static Record record(long offset, String key, String type, String json) {
        return new Record(0, offset, key, type, "id-" + offset, 1000 + offset, json.getBytes(StandardCharsets.UTF_8));
    }

    static String json(VersionedState state) {
        return state.value() == null ? null : state.value().toString();
    }

    @Test
    void appliesAndVersionsByOffset() {
        ApplyOutcome first = applier.apply(VersionedState.ABSENT, record(5, "acme/c1", "gluer.merge", "{\"a\":1}"));
        assertThat(first.kind()).isEqualTo(ApplyOutcome.Kind.APPLIED);
        assertThat(first.state().version()).isEqualTo(5);
        assertThat(json(first.state())).isEqualTo("{\"a\":1}");
        assertThat(first.change().version()).isEqualTo(5);
        assertThat(new String(first.change().valueJson(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
    }

    @Test
    void aCompactedOutcomeKeepsEverythingButTheDecodedValueAndDecodesToTheSameState() {
        VersionedState before = applier.apply(VersionedState.ABSENT, record(1, "acme/c1", "gluer.merge", "{\"a\":1}")).state();
        ApplyOutcome outcome = applier.apply(before, record(2, "acme/c1", "gluer.merge", "{\"b\":[1,2]}"));
        ApplyOutcome compact = outcome.compact();
        assertThat(compact.state().value()).isNull();
        assertThat(compact.kind()).isEqualTo(outcome.kind());
        assertThat(compact.change()).isSameAs(outcome.change());
        assertThat(compact.state().version()).isEqualTo(2);
        assertThat(compact.state().encoded()).isSameAs(outcome.state().encoded());
        assertThat(compact.state().ids()).isEqualTo(outcome.state().ids());
        assertThat(compact.compact()).isSameAs(compact);
        // Applying the next record to the compacted state gives what the decoded one gives.
        Record next = record(3, "acme/c1", "gluer.merge", "{\"a\":null}");
        assertThat(json(applier.apply(compact.state(), next).state())).isEqualTo(json(applier.apply(outcome.state(), next).state()))
                .isEqualTo("{\"b\":[1,2]}");
    }

    @Test
    void aRecordAtOrBelowTheVersionIsSkipped() {
        VersionedState state = applier.apply(VersionedState.ABSENT, record(5, "acme/c1", "gluer.merge", "{\"a\":1}")).state();
        ApplyOutcome again = applier.apply(state, record(5, "acme/c1", "gluer.merge", "{\"a\":2}"));
        ApplyOutcome older = applier.apply(state, record(3, "acme/c1", "gluer.merge", "{\"a\":3}"));
        assertThat(again.kind()).isEqualTo(ApplyOutcome.Kind.SKIPPED);
        assertThat(older.kind()).isEqualTo(ApplyOutcome.Kind.SKIPPED);
        assertThat(again.state()).isSameAs(state);
    }

    @Test
    void rejectionsAdvanceTheVersionAndKeepTheValue() {
        VersionedState state = applier.apply(VersionedState.ABSENT, record(1, "acme/c1", "gluer.put", "{\"a\":1}")).state();
        ApplyOutcome failedTest = applier.apply(state, record(2, "acme/c1", "gluer.patch",
                "[{\"op\":\"test\",\"path\":\"/a\",\"value\":2}]"));
        assertThat(failedTest.kind()).isEqualTo(ApplyOutcome.Kind.REJECTED);
        assertThat(failedTest.state().version()).isEqualTo(2);
        assertThat(json(failedTest.state())).isEqualTo("{\"a\":1}");
        assertThat(failedTest.deadLetter().reason()).contains("JSON Patch failed");
        assertThat(failedTest.deadLetter().offset()).isEqualTo(2);
    }

    @Test
    void unknownTypesMalformedPayloadsAndThrowingProcessorsAreRejectedNeverThrown() {
        assertThat(applier.apply(VersionedState.ABSENT, record(1, "k/1", "nope.x", "{}")).deadLetter().reason())
                .contains("unknown type 'nope.x'");
        assertThat(applier.apply(VersionedState.ABSENT, record(1, "k/1", "gluer.merge", "{bad")).deadLetter().reason())
                .contains("malformed JSON");
        assertThat(applier.apply(VersionedState.ABSENT, record(1, "k/1", "throwing.x", "{}")).deadLetter().reason())
                .contains("processor throwing failed");
        assertThat(applier.apply(VersionedState.ABSENT, record(1, "no-slash", "gluer.merge", "{}")).deadLetter().reason())
                .contains("tenant/contentId");
    }

    @Test
    void aKeyBelongsToOneProcessor() {
        VersionedState glued = applier.apply(VersionedState.ABSENT, record(1, "x/1", "gluer.put", "{\"a\":1}")).state();
        ApplyOutcome other = applier.apply(glued, record(2, "x/1", "resource.update", "{\"b\":1}"));
        assertThat(other.kind()).isEqualTo(ApplyOutcome.Kind.REJECTED);
        assertThat(other.deadLetter().reason()).contains("holds gluer state");
    }

    @Test
    void deleteLeavesAVersionedTombstoneAndMergeRecreatesFromEmpty() {
        VersionedState state = applier.apply(VersionedState.ABSENT, record(1, "a/b", "gluer.put", "{\"a\":1}")).state();
        ApplyOutcome deleted = applier.apply(state, record(2, "a/b", "gluer.delete", "null"));
        assertThat(deleted.state().tombstone()).isTrue();
        assertThat(deleted.state().exists()).isFalse();
        assertThat(deleted.change().tombstone()).isTrue();
        ApplyOutcome merged = applier.apply(deleted.state(), record(3, "a/b", "gluer.merge", "{\"z\":true}"));
        assertThat(json(merged.state())).isEqualTo("{\"z\":true}");
    }

    @Test
    void decodeRoundTripsAStoredState() {
        VersionedState state = applier.apply(VersionedState.ABSENT, record(7, "r/1", "resource.create", "{\"n\":[1,2]}")).state();
        VersionedState decoded = applier.decode(state.version(), state.processor(), false, state.encoded(), io.ringwork.core.record.RecentIds.NONE);
        assertThat(decoded.value()).isEqualTo(state.value());
        assertThat(applier.toJson(decoded)).isEqualTo((JsonNode) state.value());
    }

    /** A processor that always throws: stands for a buggy user processor. */
    static final class ThrowingProcessor implements Processor<JsonNode> {
        @Override public String name() { return "throwing"; }
        @Override public StateCodec<JsonNode> codec() { return JsonStateCodec.INSTANCE; }
        @Override public Result<JsonNode> apply(JsonNode state, Record record) { throw new IllegalStateException("boom"); }
    }
}
