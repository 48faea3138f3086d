package io.ringwork.core.processing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.gluer.GluerProcessor;
import io.ringwork.core.gluer.json.JsonSize;
import io.ringwork.core.record.Record;
import io.ringwork.core.record.VersionedState;
import io.ringwork.core.resource.ResourceProcessor;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * The applier against random and hostile records, a sequence per key: deep nesting in one
 * payload and built up over several records, huge keys and types, copy and move bombs, giant
 * strings, invalid UTF-8, malformed JSON, every processor type and unknown ones, a stored state
 * deeper than today's limit. Whatever comes, it must not throw; every outcome is APPLIED, REJECTED
 * or SKIPPED; a rejection leaves the value as it was; every applied state encodes within
 * maxDocumentBytes and nests within maxDepth.
 *
 * <p>The document limit is 64 KiB here rather than 1 MiB so that the giant strings and bombs
 * reach it quickly; 500 tries of up to 12 records run in a few seconds.
 */
class HostileRecordsPropertyTest {
    private static final Limits LIMITS = Limits.DEFAULT.withMaxDocumentBytes(64 << 10);
    private static final RecordApplier APPLIER = new RecordApplier(new ProcessorRegistry(List.of(
            new GluerProcessor(), new ResourceProcessor())), LIMITS);
    /** A state stored by an older version, 300 levels deep: it decodes, and nothing may deepen or keep it by merging. */
    private static final String LEGACY_KEY = "t/legacy";
    private static final byte[] LEGACY_STATE = ("{\"a\":".repeat(300) + "{}" + "}".repeat(300)).getBytes(StandardCharsets.UTF_8);

    private record Step(String key, String type, byte[] data, boolean redeliver) {
        @Override
        public String toString() {
            String text = new String(data, StandardCharsets.UTF_8);
            return (redeliver ? "again " : "") + (key.length() > 40 ? key.substring(0, 40) + "...(" + key.length() + ")" : key)
                    + " " + (type.length() > 40 ? type.substring(0, 40) + "..." : type) + " "
                    + (text.length() > 120 ? text.substring(0, 120) + "...(" + data.length + " bytes)" : text);
        }
    }

    @Property(tries = 500)
    void theApplierNeverFailsOnARecord(@ForAll("sequences") List<Step> steps) {
        Map<String, VersionedState> states = new HashMap<>();
        states.put(LEGACY_KEY, APPLIER.decode(0, GluerProcessor.NAME, false, LEGACY_STATE, io.ringwork.core.record.RecentIds.NONE));
        long offset = 1;
        for (Step step : steps) {
            VersionedState before = states.getOrDefault(step.key(), VersionedState.ABSENT);
            long at = step.redeliver() && before.version() >= 0 ? before.version() : offset++;
            Record record = new Record(0, at, step.key(), step.type(), "id-" + at, at, step.data());
            ApplyOutcome outcome = APPLIER.apply(before, record);
            assertThat(outcome).isNotNull();
            assertThat(outcome.kind()).isIn(ApplyOutcome.Kind.APPLIED, ApplyOutcome.Kind.REJECTED, ApplyOutcome.Kind.SKIPPED);
            Statistics.collect(outcome.kind());
            switch (outcome.kind()) {
                case SKIPPED -> assertThat(outcome.state()).isSameAs(before);
                case REJECTED -> {
                    assertThat(outcome.state().version()).isEqualTo(at);
                    assertThat(outcome.state().encoded()).isEqualTo(before.encoded());
                    assertThat(outcome.state().tombstone()).isEqualTo(before.tombstone());
                    assertThat(outcome.state().processor()).isEqualTo(before.processor());
                    assertThat(outcome.deadLetter().reason()).isNotBlank();
                    assertThat(outcome.deadLetter().offset()).isEqualTo(at);
                }
                case APPLIED -> {
                    assertThat(outcome.state().version()).isEqualTo(at);
                    if (!outcome.state().tombstone()) {
                        byte[] encoded = outcome.state().encoded();
                        assertThat(encoded.length).isLessThanOrEqualTo(LIMITS.maxDocumentBytes());
                        assertThat(Arrays.equals(encoded, outcome.change().valueJson())).isTrue();
                        JsonNode decoded = JsonStateCodec.INSTANCE.decode(encoded);
                        assertThat(JsonSize.depth(decoded, 1000)).isLessThanOrEqualTo(LIMITS.maxDepth());
                    }
                }
            }
            states.put(step.key(), outcome.state());
        }
    }

    @Provide
    Arbitrary<List<Step>> sequences() {
        Arbitrary<String> keys = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.of("t/a", "t/b", "r/x")),
                Tuple.of(2, Arbitraries.just(LEGACY_KEY)),
                Tuple.of(1, Arbitraries.of("no-slash", "t/", "/x", "t/é✓/more")),
                Tuple.of(1, Arbitraries.of(1025, 70_000).map(n -> "t/" + "k".repeat(n - 2))));
        Arbitrary<String> types = Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.of(GluerProcessor.MERGE, GluerProcessor.PATCH, GluerProcessor.PUT)),
                Tuple.of(2, Arbitraries.of(GluerProcessor.DELETE, "resource.create", "resource.update",
                        "resource.patch", "resource.delete")),
                Tuple.of(1, Arbitraries.of("gluer.nope", "unknown.x", "nodot", ".x", "gluer." + "p".repeat(300))));
        Arbitrary<Step> steps = Combinators.combine(keys, types, payloads(), Arbitraries.integers().between(0, 19))
                .as((key, type, data, roll) -> new Step(key, type, data, roll == 0));
        return steps.list().ofMinSize(1).ofMaxSize(12);
    }

    private static Arbitrary<byte[]> payloads() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, smallDocuments()),
                Tuple.of(3, deepPayloads()),
                Tuple.of(3, patches()),
                Tuple.of(2, giantStrings()),
                Tuple.of(2, Arbitraries.of("{bad", "[1,", "", "nul", "\"\\ud800\"", "{\"s\":\"\\udfff\\u0000\"}",
                        "1" + "0".repeat(2000), "[" + "1,".repeat(100) + "]").map(HostileRecordsPropertyTest::utf8)),
                Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(40)),
                Tuple.of(1, Arbitraries.of(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xc3, '"', '}'},
                        new byte[] {'"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"'}, new byte[] {(byte) 0xff})));
    }

    private static Arbitrary<byte[]> smallDocuments() {
        return Arbitraries.of("{}", "{\"a\":1}", "{\"a\":{\"b\":[1,2,{\"c\":null}]}}", "{\"a\":null}", "[1,2,3]",
                "\"text\"", "42", "null", "{\"x\":\"y\",\"z\":[]}", "{\"a\":{\"a\":{\"a\":{}}}}").map(HostileRecordsPropertyTest::utf8);
    }

    /** Chains of objects or arrays around the depth limit and far past it (the parser must stop them). */
    private static Arbitrary<byte[]> deepPayloads() {
        Arbitrary<Integer> levels = Arbitraries.oneOf(Arbitraries.integers().between(40, 110),
                Arbitraries.of(500, 1001, 100_000));
        return Combinators.combine(levels, Arbitraries.of(true, false)).as((n, objects) -> utf8(objects
                ? "{\"a\":".repeat(n) + "{}" + "}".repeat(n)
                : "[".repeat(n) + "]".repeat(n)));
    }

    private static Arbitrary<byte[]> giantStrings() {
        return Combinators.combine(Arbitraries.of(1_000, 20_000, 40_000, 70_000), Arbitraries.strings().withCharRange('a', 'c').ofLength(3))
                .as((n, name) -> utf8("{\"" + name + "\":\"" + "é".repeat(n / 2) + "\"}"));
    }

    /** JSON Patches: copy bombs, move bombs, deep adds along the "a" chains, over-long patches. */
    private static Arbitrary<byte[]> patches() {
        Arbitrary<String> copyBomb = Arbitraries.integers().between(1, 30).map(n -> ops(n,
                i -> "{\"op\":\"copy\",\"from\":\"\",\"path\":\"/c" + i + "\"}"));
        Arbitrary<String> arrayCopyBomb = Arbitraries.integers().between(1, 30).map(n ->
                "[{\"op\":\"add\",\"path\":\"/l\",\"value\":[\"" + "w".repeat(100) + "\"]}," + ops(n,
                        i -> "{\"op\":\"copy\",\"from\":\"/l\",\"path\":\"/l/-\"}").substring(1));
        Arbitrary<String> moveBomb = Arbitraries.integers().between(1, 1200).map(n ->
                "[{\"op\":\"add\",\"path\":\"/m\",\"value\":1}," + ops(n,
                        i -> i % 2 == 0 ? "{\"op\":\"move\",\"from\":\"/m\",\"path\":\"/n\"}"
                                : "{\"op\":\"move\",\"from\":\"/n\",\"path\":\"/m\"}").substring(1));
        Arbitrary<String> deepAdd = Combinators.combine(Arbitraries.integers().between(0, 110),
                Arbitraries.integers().between(0, 95)).as((pathLength, valueDepth) ->
                "[{\"op\":\"add\",\"path\":\"" + "/a".repeat(pathLength) + "/b\",\"value\":"
                        + "{\"a\":".repeat(valueDepth) + "{}" + "}".repeat(valueDepth) + "}]");
        Arbitrary<String> deepCopy = Arbitraries.integers().between(0, 110).map(pathLength ->
                "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"" + "/a".repeat(pathLength) + "/b\"}]");
        Arbitrary<String> tooMany = Arbitraries.of(999, 1000, 1001, 5000).map(n ->
                ops(n, i -> "{\"op\":\"test\",\"path\":\"\",\"value\":0}"));
        Arbitrary<String> ordinary = Arbitraries.of(
                "[{\"op\":\"add\",\"path\":\"/a\",\"value\":{\"b\":1}}]",
                "[{\"op\":\"remove\",\"path\":\"/a\"}]",
                "[{\"op\":\"replace\",\"path\":\"\",\"value\":[]}]",
                "[{\"op\":\"test\",\"path\":\"/a\",\"value\":1}]",
                "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/b\"}]",
                "{\"op\":\"add\"}");
        return Arbitraries.oneOf(copyBomb, arrayCopyBomb, moveBomb, deepAdd, deepCopy, tooMany, ordinary)
                .map(HostileRecordsPropertyTest::utf8);
    }

    private static String ops(int count, java.util.function.IntFunction<String> op) {
        StringBuilder patch = new StringBuilder("[");
        for (int i = 0; i < count; i++) patch.append(i == 0 ? "" : ",").append(op.apply(i));
        return patch.append(']').toString();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
