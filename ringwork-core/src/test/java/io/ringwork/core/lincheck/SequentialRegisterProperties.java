package io.ringwork.core.lincheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.lincheck.VersionedKvModel.Cas;
import io.ringwork.core.lincheck.VersionedKvModel.Conflict;
import io.ringwork.core.lincheck.VersionedKvModel.Delete;
import io.ringwork.core.lincheck.VersionedKvModel.Deleted;
import io.ringwork.core.lincheck.VersionedKvModel.Found;
import io.ringwork.core.lincheck.VersionedKvModel.Input;
import io.ringwork.core.lincheck.VersionedKvModel.NotFound;
import io.ringwork.core.lincheck.VersionedKvModel.Output;
import io.ringwork.core.lincheck.VersionedKvModel.Read;
import io.ringwork.core.lincheck.VersionedKvModel.Write;
import io.ringwork.core.lincheck.VersionedKvModel.Written;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Histories made by running a real sequential key-value register (a map with versions) and giving
 * each operation a call and a return time around the moment it ran: with no spread the operations
 * do not overlap, with a wide one many are concurrent. Some operations time out, having run or
 * not. Such histories are linearizable by construction, so the checker must say so; a read that
 * returns a value nobody wrote must make them not linearizable.
 */
class SequentialRegisterProperties {
    private static final Budget BUDGET = Budget.steps(20_000_000, 2_000_000);

    @Property(tries = 300)
    void historiesOfARealRegisterAreLinearizable(@ForAll long seed, @ForAll @IntRange(min = 1, max = 60) int operations,
                                                 @ForAll @IntRange(min = 0, max = 60) int spread) throws IOException {
        List<Operation<Input, Output>> history = run(new Random(seed), operations, spread);

        CheckResult<Input, Output> result = LinearizabilityChecker.check(VersionedKvModel.INSTANCE, history, BUDGET);

        assertThat(result.verdict()).as(result.describe()).isEqualTo(Verdict.LINEARIZABLE);
        // The JSON lines format carries the same history.
        StringBuilder lines = new StringBuilder();
        for (Operation<Input, Output> op : history) lines.append(JsonLinesHistory.line(op)).append('\n');
        assertThat(JsonLinesHistory.parse(new StringReader(lines.toString()))).isEqualTo(history);
    }

    @Property(tries = 300)
    void aReadOfANeverWrittenValueIsNotLinearizable(@ForAll long seed, @ForAll @IntRange(min = 1, max = 60) int operations,
                                                    @ForAll @IntRange(min = 0, max = 60) int spread) {
        Random random = new Random(seed);
        List<Operation<Input, Output>> history = run(random, operations, spread);
        List<Integer> reads = new ArrayList<>();
        for (int i = 0; i < history.size(); i++) {
            if (history.get(i).input() instanceof Read && !history.get(i).indeterminate()) reads.add(i);
        }
        int victim = reads.get(random.nextInt(reads.size()));
        Operation<Input, Output> read = history.get(victim);
        long version = read.output() instanceof Found f ? f.version() : 1;
        history.set(victim, Operation.completed(read.client(), read.input(), new Found("\"never written\"", version),
                read.callNs(), read.returnNs()));

        CheckResult<Input, Output> result = LinearizabilityChecker.check(VersionedKvModel.INSTANCE, history, BUDGET);

        assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(result.explanation().unplaced()).contains(history.get(victim));
    }

    /**
     * Runs {@code operations} random operations on a register, one every 10 time units, each
     * called up to {@code spread} before and returning up to {@code spread} after the moment it
     * ran. Ends with one read of every key, so every history has a determinate read.
     */
    private static List<Operation<Input, Output>> run(Random random, int operations, int spread) {
        Register register = new Register(random);
        List<String> keys = List.of("a", "b", "c").subList(0, 1 + random.nextInt(3));
        List<Operation<Input, Output>> history = new ArrayList<>();
        for (int i = 0; i < operations + keys.size(); i++) {
            long at = 1_000 + 10L * i;
            long call = at - (spread == 0 ? 0 : random.nextInt(spread + 1));
            long ret = at + (spread == 0 ? 0 : random.nextInt(spread + 1));
            boolean last = i >= operations;
            String key = last ? keys.get(i - operations) : keys.get(random.nextInt(keys.size()));
            Input input = last ? new Read(key) : register.randomInput(key, i);
            int client = i % 7;
            if (!last && random.nextInt(8) == 0) {
                // A timeout: the operation ran or not, and nobody learnt its output.
                if (random.nextBoolean()) register.apply(input);
                history.add(Operation.indeterminate(client, input, call));
            } else {
                history.add(Operation.completed(client, input, register.apply(input), call, ret));
            }
        }
        return history;
    }

    /** The real thing: a map from key to (value, version), versions from one counter that jumps by 1 to 3. */
    private static final class Register {
        private record Entry(String value, long version) {}

        private final Random random;
        private final Map<String, Entry> entries = new HashMap<>();
        private long counter;

        Register(Random random) {
            this.random = random;
        }

        Input randomInput(String key, int i) {
            String value = "{\"by\":" + i + "}";
            long current = entries.containsKey(key) ? entries.get(key).version() : 0;
            long stale = random.nextBoolean() ? current : Math.max(0, current - 1 - random.nextInt(3));
            return switch (random.nextInt(10)) {
                case 0, 1, 2, 3 -> new Read(key);
                case 4, 5 -> new Write(key, value);
                case 6, 7, 8 -> new Cas(key, stale, value);
                default -> new Delete(key, random.nextBoolean() ? VersionedKvModel.ANY_VERSION : stale);
            };
        }

        Output apply(Input input) {
            Entry entry = entries.get(input.key());
            long current = entry == null ? 0 : entry.version();
            return switch (input) {
                case Read r -> entry == null ? new NotFound() : new Found(entry.value(), entry.version());
                case Write w -> put(w.key(), w.value());
                case Cas c -> c.ifVersion() == current ? put(c.key(), c.value()) : new Conflict(current);
                case Delete d -> {
                    if (d.ifVersion() != VersionedKvModel.ANY_VERSION && d.ifVersion() != current) yield new Conflict(current);
                    if (entry == null) yield new NotFound();
                    entries.remove(d.key());
                    yield new Deleted();
                }
            };
        }

        private Output put(String key, String value) {
            counter += 1 + random.nextInt(3);
            entries.put(key, new Entry(value, counter));
            return new Written(counter);
        }
    }
}
