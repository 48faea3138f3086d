package io.ringwork.core.processing;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.gluer.GluerProcessor;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.RecentIds;
import io.ringwork.core.record.Record;
import io.ringwork.core.record.VersionedState;
import io.ringwork.core.resource.ResourceProcessor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A producer that retries an envelope whose answer it lost appends it again on a log that does not
 * deduplicate (Kafka, or the embedded log past its window): the key's recent ids make the retry
 * a no-op, so the envelope is applied once in effect.
 */
class RetriedIdsTest {
    private final RecordApplier applier = new RecordApplier(new ProcessorRegistry(List.of(
            new GluerProcessor(), new ResourceProcessor())));

    private static Record record(long offset, String key, String type, String id, String json) {
        return new Record(0, offset, key, type, id, 1000 + offset, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aRetriedIdOfTheSameKeyIsADuplicateThatOnlyAdvancesTheVersion() {
        VersionedState first = applier.apply(VersionedState.ABSENT, record(1, "t/a", "gluer.merge", "e1", "{\"n\":1}")).state();
        VersionedState second = applier.apply(first, record(2, "t/a", "gluer.merge", "e2", "{\"m\":1}")).state();
        ApplyOutcome retry = applier.apply(second, record(3, "t/a", "gluer.merge", "e1", "{\"n\":1}"));
        assertThat(retry.kind()).isEqualTo(ApplyOutcome.Kind.DUPLICATE);
        assertThat(retry.change()).isNull();
        assertThat(retry.deadLetter()).isNull();
        assertThat(retry.state().version()).isEqualTo(3);
        assertThat(retry.state().value()).isSameAs(second.value());
        assertThat(retry.state().ids().asList()).containsExactly("e1", "e2");
    }

    @Test
    void theSameIdOnAnotherKeyIsAnotherEnvelope() {
        VersionedState a = applier.apply(VersionedState.ABSENT, record(1, "t/a", "gluer.merge", "e1", "{\"n\":1}")).state();
        assertThat(a.ids().contains("e1")).isTrue();
        ApplyOutcome b = applier.apply(VersionedState.ABSENT, record(2, "t/b", "gluer.merge", "e1", "{\"n\":1}"));
        assertThat(b.kind()).isEqualTo(ApplyOutcome.Kind.APPLIED);
    }

    @Test
    void aRetryIsRecognisedWithinTheWindowAndAppliedAgainPastIt() {
        SequentialFold fold = new SequentialFold(applier);
        fold.apply(new NewRecord("t/a", "gluer.put", "first", "{\"n\":0}".getBytes(StandardCharsets.UTF_8)));
        for (int i = 1; i < RecentIds.LIMIT; i++) {
            fold.apply(new NewRecord("t/a", "gluer.merge", "e" + i, ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
        }
        // LIMIT - 1 other ids came between: still in the window.
        assertThat(fold.apply(new NewRecord("t/a", "gluer.put", "first", "{\"n\":0}".getBytes(StandardCharsets.UTF_8))).kind())
                .isEqualTo(ApplyOutcome.Kind.DUPLICATE);
        fold.apply(new NewRecord("t/a", "gluer.merge", "one-more", "{\"n\":99}".getBytes(StandardCharsets.UTF_8)));
        // LIMIT others now: the window forgot it, and the record is a new envelope.
        assertThat(fold.apply(new NewRecord("t/a", "gluer.put", "first", "{\"n\":0}".getBytes(StandardCharsets.UTF_8))).kind())
                .isEqualTo(ApplyOutcome.Kind.APPLIED);
        assertThat(fold.appliedCount("t/a")).isEqualTo(RecentIds.LIMIT + 2);
    }

    @Test
    void aRetriedRejectionMakesNoSecondDeadLetter() {
        ApplyOutcome rejected = applier.apply(VersionedState.ABSENT, record(1, "t/a", "gluer.patch", "bad", "not json"));
        assertThat(rejected.kind()).isEqualTo(ApplyOutcome.Kind.REJECTED);
        ApplyOutcome retry = applier.apply(rejected.state(), record(2, "t/a", "gluer.patch", "bad", "not json"));
        assertThat(retry.kind()).isEqualTo(ApplyOutcome.Kind.DUPLICATE);
        assertThat(retry.deadLetter()).isNull();
    }

    @Test
    void anIdOverTheLimitIsRejectedEveryTimeAndNeverRemembered() {
        String tooLong = "x".repeat(Limits.MAX_ID_BYTES + 1);
        ApplyOutcome rejected = applier.apply(VersionedState.ABSENT, record(1, "t/a", "gluer.merge", tooLong, "{}"));
        assertThat(rejected.kind()).isEqualTo(ApplyOutcome.Kind.REJECTED);
        assertThat(rejected.state().ids().isEmpty()).isTrue();
        assertThat(applier.apply(rejected.state(), record(2, "t/a", "gluer.merge", tooLong, "{}")).kind())
                .isEqualTo(ApplyOutcome.Kind.REJECTED);
    }

    @Test
    void recordsWithoutIdsAreNeverDuplicates() {
        VersionedState state = VersionedState.ABSENT;
        for (int i = 1; i <= 3; i++) {
            ApplyOutcome outcome = applier.apply(state, record(i, "t/a", "gluer.merge", null, "{\"n\":1}"));
            assertThat(outcome.kind()).isEqualTo(ApplyOutcome.Kind.APPLIED);
            state = outcome.state();
        }
        assertThat(state.ids().isEmpty()).isTrue();
    }

    @Test
    void aDeleteRemembersItsIdSoARetriedDeleteDoesNotEraseALaterPut() {
        VersionedState put = applier.apply(VersionedState.ABSENT, record(1, "t/a", "gluer.put", "p1", "{\"n\":1}")).state();
        VersionedState deleted = applier.apply(put, record(2, "t/a", "gluer.delete", "d1", "{}")).state();
        VersionedState again = applier.apply(deleted, record(3, "t/a", "gluer.put", "p2", "{\"n\":2}")).state();
        ApplyOutcome retriedDelete = applier.apply(again, record(4, "t/a", "gluer.delete", "d1", "{}"));
        assertThat(retriedDelete.kind()).isEqualTo(ApplyOutcome.Kind.DUPLICATE);
        assertThat(retriedDelete.state().exists()).isTrue();
    }
}
