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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The key-value API's compare-and-set register, with timed-out operations that may or may not have happened. */
class VersionedKvModelTest {
    private final List<Operation<Input, Output>> history = new ArrayList<>();

    private VersionedKvModelTest op(int client, Input input, Output output, long call, long ret) {
        history.add(Operation.completed(client, input, output, call, ret));
        return this;
    }

    private VersionedKvModelTest timeout(int client, Input input, long call) {
        history.add(Operation.indeterminate(client, input, call));
        return this;
    }

    private CheckResult<Input, Output> check() {
        return LinearizabilityChecker.check(VersionedKvModel.INSTANCE, history);
    }

    @Test
    void aReadOfACasValueIsLinearizableOnlyBecauseTheTimedOutCasTookEffect() {
        op(1, new Write("k", "a"), new Written(1), 0, 10);
        timeout(2, new Cas("k", 1, "b"), 20);
        op(3, new Read("k"), new Found("b", 2), 30, 40);
        assertThat(check().verdict()).isEqualTo(Verdict.LINEARIZABLE);

        // The control: without the timed-out compare-and-set nobody wrote "b".
        history.remove(1);
        assertThat(check().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aTimedOutCasCannotTakeEffectBeforeItWasCalled() {
        op(1, new Write("k", "a"), new Written(1), 0, 10);
        op(3, new Read("k"), new Found("b", 2), 30, 40);
        timeout(2, new Cas("k", 1, "b"), 50);
        assertThat(check().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aTimedOutCasWhoseVersionDidNotMatchCannotExplainAnything() {
        op(1, new Write("k", "a"), new Written(1), 0, 10);
        op(1, new Write("k", "a2"), new Written(2), 11, 12);
        timeout(2, new Cas("k", 1, "b"), 20);
        op(3, new Read("k"), new Found("b", 3), 30, 40);
        assertThat(check().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void notLinearizableWhateverTheTimedOutOperationsDid() {
        // Two timed-out compare-and-sets race on version 1; a reader sees "b" at version 2 and then
        // another reader, called later, sees the old "a" at version 1 again. No choice of which
        // timed-out operations happened, or when, brings back version 1.
        op(1, new Write("k", "a"), new Written(1), 0, 10);
        timeout(2, new Cas("k", 1, "b"), 20);
        timeout(4, new Cas("k", 1, "c"), 21);
        timeout(5, new Write("k", "d"), 22);
        op(3, new Read("k"), new Found("b", 2), 30, 40);
        op(6, new Read("k"), new Found("a", 1), 50, 60);

        CheckResult<Input, Output> result = check();

        assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(result.explanation().unplaced()).extracting(Operation::client).contains(6);
        assertThat(result.explanation().longestPrefix()).extracting(Operation::client).contains(1, 2, 3);
        assertThat(result.describe()).contains("read(k)", "could not be placed");
    }

    @Test
    void aCasResultCannotClaimAVersionTheWriteCouldNotHaveMade() {
        op(1, new Write("k", "a"), new Written(1), 0, 10);
        timeout(2, new Cas("k", 1, "b"), 20);
        op(3, new Read("k"), new Found("b", 1), 30, 40);
        assertThat(check().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void versionsNeedNotGoUpByOneButAReadFixesAnUnknownOne() {
        op(1, new Write("k", "a"), new Written(1), 0, 10);
        timeout(2, new Write("k", "b"), 20);
        op(3, new Read("k"), new Found("b", 7), 30, 40);
        op(3, new Cas("k", 7, "c"), new Written(9), 50, 60);
        assertThat(check().verdict()).isEqualTo(Verdict.LINEARIZABLE);

        // Once the read saw version 7, a conflict reporting 5 before the next write is a lie.
        op(4, new Cas("k", 1, "x"), new Conflict(5), 42, 45);
        assertThat(check().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void versionsStrictlyIncrease() {
        op(1, new Write("k", "a"), new Written(5), 0, 10);
        op(1, new Write("k", "b"), new Written(5), 20, 30);
        assertThat(check().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aConflictReportsTheCurrentVersionOrZeroWhenAbsent() {
        op(1, new Cas("k", 3, "a"), new Conflict(0), 0, 10);
        op(1, new Cas("k", 0, "a"), new Written(4), 20, 30);
        op(2, new Cas("k", 0, "b"), new Conflict(4), 40, 50);
        op(2, new Cas("k", 4, "b"), new Written(6), 60, 70);
        assertThat(check().verdict()).isEqualTo(Verdict.LINEARIZABLE);

        op(2, new Cas("k", 4, "c"), new Conflict(4), 80, 90);
        assertThat(check().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void twoConcurrentCasOnOneVersionCannotBothSucceed() {
        op(1, new Write("k", "a"), new Written(1), 0, 10);
        op(2, new Cas("k", 1, "b"), new Written(2), 20, 40);
        op(3, new Cas("k", 1, "c"), new Written(3), 21, 41);
        assertThat(check().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aDeleteLeavesTheKeyAbsentAndLaterVersionsStillIncrease() {
        op(1, new Write("k", "a"), new Written(3), 0, 10);
        op(1, new Delete("k", 3), new Deleted(), 20, 30);
        op(2, new Read("k"), new NotFound(), 40, 50);
        op(2, new Delete("k", VersionedKvModel.ANY_VERSION), new NotFound(), 51, 52);
        op(2, new Cas("k", 0, "b"), new Written(4), 60, 70);
        assertThat(check().verdict()).isEqualTo(Verdict.LINEARIZABLE);

        op(3, new Write("k", "c"), new Written(2), 80, 90);
        assertThat(check().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aTimedOutDeleteMayExplainAMissingKey() {
        op(1, new Write("k", "a"), new Written(1), 0, 10);
        timeout(2, new Delete("k", 1), 20);
        op(3, new Read("k"), new NotFound(), 30, 40);
        op(3, new Read("k"), new Found("a", 1), 50, 60);
        assertThat(check().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        history.remove(3);
        assertThat(check().verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void keysAreCheckedApartAndTheFailingOneIsNamed() {
        op(1, new Write("a", "x"), new Written(1), 0, 10);
        op(2, new Write("b", "y"), new Written(1), 0, 10);
        op(2, new Read("b"), new Found("x", 1), 20, 30);

        CheckResult<Input, Output> result = check();

        assertThat(result.parts()).isEqualTo(2);
        assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(result.explanation().part()).isEqualTo("key b");
        assertThat(result.describe()).contains("key b (2 operations)");
        assertThat(result.explanation().unplaced().getFirst().input()).isEqualTo(new Read("b"));
    }
}
