package io.ringwork.core.membership;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class SuspicionTest {

    @ParameterizedTest(name = "n={0} k={1} elapsed={2} min={3} max={4} -> {5} ms left")
    @CsvSource({
            // n, k, elapsedMs, minMs, maxMs, remainingMs
            "0, 3,     0, 2000, 30000, 30000",  // nobody confirmed yet: the full max
            "1, 3,  2000, 2000, 30000, 14000",  // the example: timeout 16 s, 2 s gone
            "2, 3,     0, 2000, 30000, 7810",   // 30 - 28 * log 3 / log 4 = 7.8105.. s, floored to ms
            "3, 3,     0, 2000, 30000, 2000",   // all k confirmations: down to min
            "4, 3,     0, 2000, 30000, 2000",   // more than k changes nothing
            "3, 3,  3000, 2000, 30000, -1000",  // overdue: negative remaining
            "0, 0,     0, 2000, 30000, 2000",   // k = 0 (small cluster): min at once
            "1, 1,   500, 1000, 6000,   500",   // one expected confirmation received
    })
    void remainingSuspicionTimeFollowsTheLifeguardFormula(int n, int k, long elapsedMs, long minMs, long maxMs,
                                                          long remainingMs) {
        assertThat(Suspicion.remainingMs(n, k, elapsedMs, minMs, maxMs)).isEqualTo(remainingMs);
    }

    @ParameterizedTest
    @CsvSource({"a, 28000", "b, 16000"})
    void confirmationsFromDistinctMembersShortenTheDeadline(String confirmer, long expectedDeadlineMs) {
        Suspicion suspicion = new Suspicion("a", 0, 3, 2000, 30000);
        assertThat(suspicion.deadlineMs()).isEqualTo(30000);

        boolean counted = suspicion.confirm(confirmer);

        // "a" already suspected: repeating itself is not independent evidence.
        assertThat(counted).isEqualTo(!confirmer.equals("a"));
        assertThat(suspicion.deadlineMs()).isEqualTo(confirmer.equals("a") ? 30000 : expectedDeadlineMs);
    }

    @org.junit.jupiter.api.Test
    void aSecondHandSuspicionCountsItsFirstNamedAccuserAsTheFirstSuspecter() {
        Suspicion suspicion = new Suspicion(null, 0, 3, 2000, 30000);
        assertThat(suspicion.deadlineMs()).isEqualTo(30000);

        assertThat(suspicion.confirm("a")).isTrue(); // news to spread, but not a confirmation
        assertThat(suspicion.confirmations()).isZero();
        assertThat(suspicion.deadlineMs()).isEqualTo(30000);

        assertThat(suspicion.confirm("b")).isTrue();
        assertThat(suspicion.confirmations()).isEqualTo(1);
        assertThat(suspicion.deadlineMs()).isEqualTo(16000);
    }

    @org.junit.jupiter.api.Test
    void confirmationsStopCountingAtK() {
        Suspicion suspicion = new Suspicion("a", 1000, 2, 1000, 6000);
        assertThat(suspicion.confirm("b")).isTrue();
        assertThat(suspicion.confirm("c")).isTrue();
        assertThat(suspicion.confirm("d")).isFalse();
        assertThat(suspicion.confirmations()).isEqualTo(2);
        assertThat(suspicion.deadlineMs()).isEqualTo(1000 + 1000);
    }
}
