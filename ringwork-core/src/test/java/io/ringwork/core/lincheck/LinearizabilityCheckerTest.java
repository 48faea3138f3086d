package io.ringwork.core.lincheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringwork.core.lincheck.CasRegisterModel.Cas;
import io.ringwork.core.lincheck.CasRegisterModel.Input;
import io.ringwork.core.lincheck.CasRegisterModel.Output;
import io.ringwork.core.lincheck.CasRegisterModel.Read;
import io.ringwork.core.lincheck.CasRegisterModel.Write;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The search itself, on a register compared by value: ordering, concurrency, explanations and the budget. */
class LinearizabilityCheckerTest {
    private final List<Operation<Input, Output>> history = new ArrayList<>();

    private void op(int client, Input input, Output output, long call, long ret) {
        history.add(Operation.completed(client, input, output, call, ret));
    }

    private Verdict check() {
        return LinearizabilityChecker.check(CasRegisterModel.INSTANCE, history).verdict();
    }

    @Test
    void anEmptyHistoryIsLinearizable() {
        assertThat(check()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void concurrentOperationsMayTakeEffectInEitherOrderButSequentialOnesMayNot() {
        op(1, new Write(1), Output.ok(true), 0, 100);
        op(2, new Write(2), Output.ok(true), 10, 90);
        op(3, new Read(), Output.read(1), 95, 96);
        assertThat(check()).as("the write of 1 overlaps the write of 2 and may come last").isEqualTo(Verdict.LINEARIZABLE);

        history.set(0, Operation.completed(1, new Write(1), Output.ok(true), 0, 5));
        assertThat(check()).as("the write of 1 returned before the write of 2 was called").isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void touchingIntervalsCountAsConcurrent() {
        op(1, new Write(1), Output.ok(true), 0, 10);
        op(2, new Write(2), Output.ok(true), 10, 20);
        op(3, new Read(), Output.read(1), 30, 40);
        assertThat(check()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void aFailedCasObservedAnotherValue() {
        op(1, new Write(1), Output.ok(true), 0, 10);
        op(2, new Cas(1, 2), Output.ok(false), 20, 30);
        assertThat(check()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void anIndeterminateOperationMayNeverHaveHappened() {
        op(1, new Write(1), Output.ok(true), 0, 10);
        history.add(Operation.indeterminate(2, new Write(2), 20));
        op(3, new Read(), Output.read(1), 30, 40);
        op(3, new Read(), Output.read(2), 50, 60);
        assertThat(check()).isEqualTo(Verdict.LINEARIZABLE);
        op(3, new Read(), Output.read(1), 70, 80);
        assertThat(check()).as("it happened once, not twice").isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void theExplanationGivesTheLongestPrefixAndTheOperationThatCouldNotFollow() {
        op(1, new Write(1), Output.ok(true), 0, 10);
        op(2, new Read(), Output.read(1), 20, 30);
        op(1, new Write(3), Output.ok(true), 40, 50);
        op(2, new Read(), Output.read(1), 60, 70);

        CheckResult<Input, Output> result = LinearizabilityChecker.check(CasRegisterModel.INSTANCE, history);

        assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(result.explanation().longestPrefix()).containsExactly(history.get(0), history.get(1), history.get(2));
        assertThat(result.explanation().stateAfter()).isEqualTo("3");
        assertThat(result.explanation().unplaced()).containsExactly(history.get(3));
        assertThat(result.describe()).contains("the history (4 operations): longest linearizable prefix has 3 operations", "state after it: 3",
                "client 2: read @60 -> 1 @70");
    }

    @Test
    void aSpentStepBudgetIsUnknownNotAVerdict() throws IOException {
        List<Operation<Input, Output>> etcd;
        try (Reader in = PorcupineLabelsTest.reader("jepsen/etcd_002.log")) {
            etcd = PorcupineHistories.jepsenEtcd(in);
        }
        CheckResult<Input, Output> full = LinearizabilityChecker.check(CasRegisterModel.INSTANCE, etcd);
        assertThat(full.verdict()).isEqualTo(Verdict.LINEARIZABLE);

        CheckResult<Input, Output> cut = LinearizabilityChecker.check(CasRegisterModel.INSTANCE, etcd, Budget.steps(full.steps() / 2, 1_000_000));
        assertThat(cut.verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(cut.unknownWhy()).contains("step budget of " + full.steps() / 2);
        assertThat(cut.steps()).isLessThanOrEqualTo(full.steps() / 2 + 1);

        CheckResult<Input, Output> small = LinearizabilityChecker.check(CasRegisterModel.INSTANCE, etcd, Budget.steps(full.steps(), 10));
        assertThat(small.verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(small.unknownWhy()).contains("memo limit of 10");
    }

    @Test
    void aPassedDeadlineIsUnknown() throws IOException {
        List<Operation<KvModel.Input, String>> kv;
        try (Reader in = PorcupineLabelsTest.reader("kv/c50-ok.txt")) {
            kv = PorcupineHistories.kv(in);
        }
        long[] now = {0};
        // A clock that moves one millisecond each time the checker looks: the second look is past the deadline.
        Budget budget = Budget.DEFAULT.until(() -> now[0]++, 1);

        CheckResult<KvModel.Input, String> result = LinearizabilityChecker.check(KvModel.INSTANCE, kv, budget);

        assertThat(result.verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(result.unknownWhy()).contains("deadline passed");
        assertThat(now[0]).isEqualTo(2);
        assertThat(result.steps()).isEqualTo(4097);
    }

    @Test
    void badOperationsAndBudgetsAreRefusedClearly() {
        assertThatThrownBy(() -> Operation.completed(1, new Read(), Output.read(1), 10, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("returned at 5 before its call at 10");
        assertThatThrownBy(() -> Budget.steps(0, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxSteps");
        assertThatThrownBy(() -> new Operation<>(1, new Read(), Output.read(1), 0, 5, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("indeterminate");
    }
}
