package io.ringwork.core.processing;

import static io.ringwork.core.processing.RecordApplierTest.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.gluer.GluerProcessor;
import io.ringwork.core.gluer.json.JsonSize;
import io.ringwork.core.record.Record;
import io.ringwork.core.record.VersionedState;
import io.ringwork.core.resource.ResourceProcessor;
import io.ringwork.core.util.Invariants;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The records that used to stop a node for good, one per limit: each must now be a dead letter. */
class RecordApplierLimitsTest {
    private final RecordApplier applier = new RecordApplier(new ProcessorRegistry(List.of(
            new GluerProcessor(), new ResourceProcessor(), new OverflowingProcessor(), new BrokenProcessor())));

    static String nested(int levels, String inner) {
        return "{\"a\":".repeat(levels) + inner + "}".repeat(levels);
    }

    static String chainPath(int tokens) {
        return "/a".repeat(tokens);
    }

    private static void assertRejectedUnchanged(ApplyOutcome outcome, VersionedState before, long offset) {
        assertThat(outcome.kind()).isEqualTo(ApplyOutcome.Kind.REJECTED);
        assertThat(outcome.state().version()).isEqualTo(offset);
        assertThat(outcome.state().encoded()).isEqualTo(before.encoded());
        assertThat(outcome.deadLetter().offset()).isEqualTo(offset);
    }

    /** Pill (a) as it reached a node: a 900-level state an older version stored, then a patch adding 900 more. */
    @Test
    void aPatchNestingAStoredDeepDocumentFurtherIsADeadLetter() {
        byte[] stored = nested(900, "{}").getBytes(StandardCharsets.UTF_8);
        VersionedState deep = applier.decode(1, GluerProcessor.NAME, false, stored, io.ringwork.core.record.RecentIds.NONE); // decoding stays tolerant
        String patch = "[{\"op\":\"add\",\"path\":\"" + chainPath(900) + "/b\",\"value\":" + nested(900, "1") + "}]";
        ApplyOutcome outcome = applier.apply(deep, record(2, "t/deep", "gluer.patch", patch));
        assertRejectedUnchanged(outcome, deep, 2);
        assertThat(outcome.deadLetter().reason()).contains("limit of 100 levels");
    }

    /** Pill (a) under today's limits: the put is refused by the parser, and so is a patch that would pass the depth. */
    @Test
    void putThenPatchPastTheDepthLimitIsADeadLetterAndTheDocumentStays() {
        ApplyOutcome tooDeepPut = applier.apply(VersionedState.ABSENT, record(1, "t/d", "gluer.put", nested(900, "1")));
        assertThat(tooDeepPut.kind()).isEqualTo(ApplyOutcome.Kind.REJECTED);
        assertThat(tooDeepPut.deadLetter().reason()).contains("deeper than the limit of 100 levels");

        ApplyOutcome put = applier.apply(tooDeepPut.state(), record(2, "t/d", "gluer.put", nested(90, "{}")));
        assertThat(put.kind()).isEqualTo(ApplyOutcome.Kind.APPLIED);
        String patch = "[{\"op\":\"add\",\"path\":\"" + chainPath(90) + "/b\",\"value\":" + nested(90, "1") + "}]";
        ApplyOutcome deeper = applier.apply(put.state(), record(3, "t/d", "gluer.patch", patch));
        assertRejectedUnchanged(deeper, put.state(), 3);
        assertThat(deeper.deadLetter().reason()).contains("deeper than the limit of 100 levels");

    }

    /** Pill (c): 22 copies of the root double a 1 KB document to 4 GB; the budget stops them at 1 MiB. */
    @Test
    @Timeout(10)
    void aCopyBombStopsAtTheDocumentLimit() {
        VersionedState start = applier.apply(VersionedState.ABSENT,
                record(1, "t/bomb", "gluer.put", "{\"s\":\"" + "x".repeat(1000) + "\"}")).state();
        StringBuilder patch = new StringBuilder("[");
        for (int i = 0; i < 22; i++) patch.append(i == 0 ? "" : ",").append("{\"op\":\"copy\",\"from\":\"\",\"path\":\"/c" + i + "\"}");
        patch.append(']');
        assertThat(patch.length()).isLessThan(2048);
        ApplyOutcome outcome = applier.apply(start, record(2, "t/bomb", "gluer.patch", patch.toString()));
        assertRejectedUnchanged(outcome, start, 2);
        assertThat(outcome.deadLetter().reason()).contains("operation 10 (copy)").contains("limit of 1048576 bytes");
    }

    /** A thousand moves back and forth create nothing: they apply, and cost what a thousand moves cost. */
    @Test
    @Timeout(10)
    void aMoveBombAppliesWithoutGrowth() {
        VersionedState start = applier.apply(VersionedState.ABSENT,
                record(1, "t/move", "gluer.put", "{\"x\":\"" + "y".repeat(100_000) + "\"}")).state();
        StringBuilder patch = new StringBuilder("[");
        for (int i = 0; i < 1000; i++) {
            String from = i % 2 == 0 ? "/x" : "/z";
            String to = i % 2 == 0 ? "/z" : "/x";
            patch.append(i == 0 ? "" : ",").append("{\"op\":\"move\",\"from\":\"").append(from).append("\",\"path\":\"").append(to).append("\"}");
        }
        ApplyOutcome outcome = applier.apply(start, record(2, "t/move", "gluer.patch", patch.append(']').toString()));
        assertThat(outcome.kind()).isEqualTo(ApplyOutcome.Kind.APPLIED);
        assertThat(outcome.state().encoded().length).isEqualTo(start.encoded().length);
    }

    /** Pill (d): 30 KB merges add up; the one that would pass 1 MiB, and every one after it, is a dead letter. */
    @Test
    void mergesStopAtTheDocumentLimit() {
        VersionedState state = VersionedState.ABSENT;
        String piece = "z".repeat(30_000);
        int applied = 0;
        ApplyOutcome firstRejected = null;
        for (int i = 0; i < 50; i++) {
            ApplyOutcome outcome = applier.apply(state, record(i + 1, "t/big", "gluer.merge",
                    "{\"m" + i + "\":\"" + piece + "\"}"));
            if (outcome.kind() == ApplyOutcome.Kind.APPLIED) {
                assertThat(firstRejected).as("nothing applies after the limit was reached").isNull();
                applied++;
            } else {
                assertRejectedUnchanged(outcome, state, i + 1);
                if (firstRejected == null) firstRejected = outcome;
            }
            state = outcome.state();
        }
        // 34 pieces of about 30,008 bytes fit in 1,048,576; with the 35th the document is 1,050,306.
        assertThat(applied).isEqualTo(34);
        assertThat(state.encoded().length).isLessThanOrEqualTo(1 << 20);
        assertThat(firstRejected.deadLetter().reason())
                .isEqualTo("the document would be 1050306 bytes (estimated), over the limit of 1048576 bytes;"
                        + " the document is unchanged");
    }

    @Test
    void aSmallerNodeLimitIsHeldToo() {
        RecordApplier small = new RecordApplier(new ProcessorRegistry(List.of(new GluerProcessor())),
                Limits.DEFAULT.withMaxDocumentBytes(4096));
        ApplyOutcome outcome = small.apply(VersionedState.ABSENT, record(1, "t/s", "gluer.put",
                "{\"s\":\"" + "q".repeat(5000) + "\"}"));
        assertThat(outcome.kind()).isEqualTo(ApplyOutcome.Kind.REJECTED);
        assertThat(outcome.deadLetter().reason()).contains("limit of 4096 bytes");
    }

    /** Pill (b): a key of 70,000 bytes is rejected before any processor sees it. */
    @Test
    void aKeyOverTheLimitIsADeadLetter() {
        String key = "t/" + "k".repeat(69_998);
        ApplyOutcome outcome = applier.apply(VersionedState.ABSENT, record(1, key, "gluer.put", "{}"));
        assertThat(outcome.kind()).isEqualTo(ApplyOutcome.Kind.REJECTED);
        assertThat(outcome.deadLetter().reason()).isEqualTo("the key is 70000 bytes, over the limit of 1024 bytes");
        String justFits = "t/" + "é".repeat(511); // 2 + 1022 bytes
        assertThat(applier.apply(VersionedState.ABSENT, record(1, justFits, "gluer.put", "{}")).kind())
                .isEqualTo(ApplyOutcome.Kind.APPLIED);
        assertThat(applier.apply(VersionedState.ABSENT, record(1, justFits + "x", "gluer.put", "{}")).kind())
                .isEqualTo(ApplyOutcome.Kind.REJECTED);
    }

    @Test
    void aTypeOrIdOverTheLimitIsADeadLetter() {
        ApplyOutcome type = applier.apply(VersionedState.ABSENT, record(1, "t/x", "gluer." + "p".repeat(300), "{}"));
        assertThat(type.deadLetter().reason()).isEqualTo("the type is 306 bytes, over the limit of 256 bytes");
        Record longId = new Record(0, 1, "t/x", "gluer.put", "i".repeat(257), 0, "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(applier.apply(VersionedState.ABSENT, longId).deadLetter().reason()).contains("the id is 257 bytes");
    }

    @Test
    void aPatchOfMoreThanAThousandOperationsIsADeadLetter() {
        VersionedState start = applier.apply(VersionedState.ABSENT, record(1, "t/p", "gluer.put", "{\"a\":1}")).state();
        String test = "{\"op\":\"test\",\"path\":\"/a\",\"value\":1}";
        ApplyOutcome thousand = applier.apply(start, record(2, "t/p", "gluer.patch", "[" + String.join(",", java.util.Collections.nCopies(1000, test)) + "]"));
        assertThat(thousand.kind()).isEqualTo(ApplyOutcome.Kind.APPLIED);
        ApplyOutcome over = applier.apply(thousand.state(), record(3, "t/p", "gluer.patch", "[" + String.join(",", java.util.Collections.nCopies(1001, test)) + "]"));
        assertRejectedUnchanged(over, thousand.state(), 3);
        assertThat(over.deadLetter().reason()).contains("1001 operations, more than the limit of 1000");
    }

    @Test
    void payloadsArePatrolledByTheParser() {
        String atLimit = "[".repeat(100) + "]".repeat(100);
        assertThat(applier.apply(VersionedState.ABSENT, record(1, "t/q", "gluer.put", atLimit)).kind())
                .isEqualTo(ApplyOutcome.Kind.APPLIED);
        // A million brackets: refused at level 101, never built, never recursed into.
        ApplyOutcome brackets = applier.apply(VersionedState.ABSENT, record(1, "t/q", "gluer.put", "[".repeat(1_000_000)));
        assertThat(brackets.deadLetter().reason()).isEqualTo("JSON payload nests deeper than the limit of 100 levels");
        Record invalidUtf8 = new Record(0, 1, "t/q", "gluer.put", null, 0,
                new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xff, (byte) 0xfe, '"', '}'});
        assertThat(applier.apply(VersionedState.ABSENT, invalidUtf8).deadLetter().reason()).startsWith("malformed JSON payload");
        // A lone surrogate is valid JSON text; the encoder must take it (it escapes it).
        ApplyOutcome surrogate = applier.apply(VersionedState.ABSENT, record(1, "t/q", "gluer.put", "{\"s\":\"\\ud800\"}"));
        assertThat(surrogate.kind()).isEqualTo(ApplyOutcome.Kind.APPLIED);
    }

    @Test
    void aStackOverflowInAProcessorIsADeadLetterButABrokenInvariantStops() {
        ApplyOutcome overflow = applier.apply(VersionedState.ABSENT, record(1, "x/1", "overflowing.x", "{}"));
        assertThat(overflow.kind()).isEqualTo(ApplyOutcome.Kind.REJECTED);
        assertThat(overflow.deadLetter().reason()).contains("StackOverflowError");
        assertThatThrownBy(() -> applier.apply(VersionedState.ABSENT, record(1, "x/1", "broken.x", "{}")))
                .isInstanceOf(Invariants.InvariantViolation.class);
    }

    /** Decoding what an older version stored stays tolerant: 1,500 levels decode (and only a new record is held to 100). */
    @Test
    void storedStatesDeeperThanTheLimitStillDecode() {
        byte[] stored = ("[".repeat(1500) + "]".repeat(1500)).getBytes(StandardCharsets.UTF_8);
        VersionedState decoded = applier.decode(3, GluerProcessor.NAME, false, stored, io.ringwork.core.record.RecentIds.NONE);
        assertThat(JsonSize.depth((JsonNode) decoded.value(), 2000)).isEqualTo(1500);
        ApplyOutcome replaced = applier.apply(decoded, record(4, "t/old", "gluer.put", "{\"fresh\":true}"));
        assertThat(replaced.kind()).isEqualTo(ApplyOutcome.Kind.APPLIED);
    }

    /** Stands for a user processor that recurses without end on some input. */
    static final class OverflowingProcessor implements Processor<JsonNode> {
        @Override public String name() { return "overflowing"; }
        @Override public StateCodec<JsonNode> codec() { return JsonStateCodec.INSTANCE; }
        @Override public Result<JsonNode> apply(JsonNode state, Record record) { return recurse(0); }
        private static Result<JsonNode> recurse(int n) { return n < 0 ? null : recurse(n + 1); }
    }

    /** Stands for a bug in ringwork reached through a processor: that must still stop the engine. */
    static final class BrokenProcessor implements Processor<JsonNode> {
        @Override public String name() { return "broken"; }
        @Override public StateCodec<JsonNode> codec() { return JsonStateCodec.INSTANCE; }
        @Override public Result<JsonNode> apply(JsonNode state, Record record) {
            Invariants.check(false, "broken on purpose");
            return null;
        }
    }
}
