package io.ringwork.core.lincheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringwork.core.lincheck.VersionedKvModel.Cas;
import io.ringwork.core.lincheck.VersionedKvModel.Found;
import io.ringwork.core.lincheck.VersionedKvModel.Input;
import io.ringwork.core.lincheck.VersionedKvModel.Output;
import io.ringwork.core.lincheck.VersionedKvModel.Read;
import io.ringwork.core.lincheck.VersionedKvModel.Write;
import io.ringwork.core.lincheck.VersionedKvModel.Written;
import org.junit.jupiter.api.Test;

class HistoryBuilderTest {
    @Test
    void eventsBecomeOperations() {
        HistoryBuilder<Input, Output> history = new HistoryBuilder<Input, Output>()
                .call(1, new Write("k", "a"), 0)
                .call(2, new Cas("k", 1, "b"), 5)
                .returned(1, new Written(1), 10)
                .timedOut(2)
                .call(2, new Write("k", "c"), 12)
                .failed(2)
                .call(3, new Read("k"), 20)
                .returned(3, new Found("b", 2), 30)
                .call(4, new Read("k"), 40);

        assertThat(history.operations()).containsExactly(
                Operation.completed(1, new Write("k", "a"), new Written(1), 0, 10),
                Operation.indeterminate(2, new Cas("k", 1, "b"), 5),
                Operation.completed(3, new Read("k"), new Found("b", 2), 20, 30),
                Operation.indeterminate(4, new Read("k"), 40));
        assertThat(LinearizabilityChecker.check(VersionedKvModel.INSTANCE, history.operations()).verdict())
                .isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void eventsOutOfTurnAreClearErrors() {
        HistoryBuilder<Input, Output> history = new HistoryBuilder<Input, Output>().call(1, new Read("k"), 0);
        assertThatThrownBy(() -> history.call(1, new Read("k"), 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("client 1 called again at 1 before its call");
        assertThatThrownBy(() -> history.returned(2, new Written(1), 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("client 2 returned without an open call");
        assertThatThrownBy(() -> history.returned(1, new Written(1), -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("returned at -1 before its call at 0");
        history.returned(1, new Written(1), 3);
        assertThat(history.operations()).containsExactly(Operation.completed(1, new Read("k"), new Written(1), 0, 3));
    }
}
