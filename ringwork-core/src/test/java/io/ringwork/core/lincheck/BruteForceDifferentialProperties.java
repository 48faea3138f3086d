package io.ringwork.core.lincheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.lincheck.VersionedKvModel.Cas;
import io.ringwork.core.lincheck.VersionedKvModel.Conflict;
import io.ringwork.core.lincheck.VersionedKvModel.Delete;
import io.ringwork.core.lincheck.VersionedKvModel.Deleted;
import io.ringwork.core.lincheck.VersionedKvModel.Found;
import io.ringwork.core.lincheck.VersionedKvModel.Input;
import io.ringwork.core.lincheck.VersionedKvModel.KeyState;
import io.ringwork.core.lincheck.VersionedKvModel.NotFound;
import io.ringwork.core.lincheck.VersionedKvModel.Output;
import io.ringwork.core.lincheck.VersionedKvModel.Read;
import io.ringwork.core.lincheck.VersionedKvModel.Write;
import io.ringwork.core.lincheck.VersionedKvModel.Written;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;

/**
 * The checker against the definition: on small random histories (two keys, overlapping times,
 * timeouts, outputs from a small domain so both verdicts come up) its verdict equals that of an
 * exhaustive search over every order of every subset of the indeterminate operations, with no
 * memo, no keys taken apart and no skipped steps.
 */
class BruteForceDifferentialProperties {
    @Property(tries = 1000)
    void theCheckerAgreesWithExhaustiveSearch(@ForAll long seed, @ForAll @IntRange(min = 1, max = 7) int size) {
        List<Operation<Input, Output>> history = randomHistory(new Random(seed), size);

        Verdict expected = bruteForce(history) ? Verdict.LINEARIZABLE : Verdict.NOT_LINEARIZABLE;
        Verdict actual = LinearizabilityChecker.check(VersionedKvModel.INSTANCE, history).verdict();

        assertThat(actual).as(history.toString()).isEqualTo(expected);
        // Both verdicts must come up often, or the agreement says little.
        Statistics.collect(expected);
        Statistics.coverage(coverage -> {
            coverage.check(Verdict.LINEARIZABLE).percentage(p -> p > 10);
            coverage.check(Verdict.NOT_LINEARIZABLE).percentage(p -> p > 20);
        });
    }

    private static List<Operation<Input, Output>> randomHistory(Random random, int size) {
        List<Operation<Input, Output>> ops = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            String key = random.nextInt(3) == 0 ? "b" : "a";
            String value = "\"" + "xyz".charAt(random.nextInt(3)) + "\"";
            long version = random.nextInt(4);
            Input input = switch (random.nextInt(5)) {
                case 0, 1 -> new Read(key);
                case 2 -> new Write(key, value);
                case 3 -> new Cas(key, random.nextInt(3), value);
                default -> new Delete(key, random.nextBoolean() ? VersionedKvModel.ANY_VERSION : random.nextInt(3));
            };
            long call = random.nextInt(20);
            if (random.nextInt(6) == 0) {
                ops.add(Operation.indeterminate(i, input, call));
                continue;
            }
            Output output = switch (input) {
                case Read r -> random.nextInt(3) == 0 ? new NotFound() : new Found(value, version);
                case Write w -> new Written(version + 1);
                case Cas c -> random.nextBoolean() ? new Written(version + 1) : new Conflict(version);
                case Delete d -> random.nextBoolean() ? new Deleted() : random.nextBoolean() ? new NotFound() : new Conflict(version);
            };
            ops.add(Operation.completed(i, input, output, call, call + random.nextInt(10)));
        }
        return ops;
    }

    /** Whether some order of all determinate operations and some of the indeterminate ones is legal and respects real time. */
    static boolean bruteForce(List<Operation<Input, Output>> history) {
        return search(history, new boolean[history.size()], new HashMap<>());
    }

    private static boolean search(List<Operation<Input, Output>> ops, boolean[] placed, Map<String, KeyState> states) {
        boolean allDeterminatePlaced = true;
        for (int i = 0; i < ops.size(); i++) allDeterminatePlaced &= placed[i] || ops.get(i).indeterminate();
        if (allDeterminatePlaced) return true;
        for (int i = 0; i < ops.size(); i++) {
            if (placed[i] || !mayGoNext(ops, placed, i)) continue;
            Operation<Input, Output> op = ops.get(i);
            String key = op.input().key();
            KeyState state = states.getOrDefault(key, VersionedKvModel.INSTANCE.init());
            Model.Step<KeyState> step = op.indeterminate()
                    ? VersionedKvModel.INSTANCE.stepIndeterminate(state, op.input())
                    : VersionedKvModel.INSTANCE.step(state, op.input(), op.output());
            if (!step.ok()) continue;
            placed[i] = true;
            Map<String, KeyState> next = new HashMap<>(states);
            next.put(key, step.state());
            boolean found = search(ops, placed, next);
            placed[i] = false;
            if (found) return true;
        }
        return false;
    }

    /** Whether operation i may take effect next: no unplaced operation returned before it was called. */
    private static boolean mayGoNext(List<Operation<Input, Output>> ops, boolean[] placed, int i) {
        for (int j = 0; j < ops.size(); j++) {
            if (!placed[j] && j != i && ops.get(j).returnNs() < ops.get(i).callNs()) return false;
        }
        return true;
    }
}
