package io.ringwork.harness.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.ringwork.harness.chaos.ChaosChecks.Anomalies;
import io.ringwork.harness.chaos.ChaosChecks.Expected;
import io.ringwork.harness.chaos.ChaosChecks.Read;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChaosChecksTest {
    private static final JsonNode A = JsonNodeFactory.instance.objectNode().put("f", 1);
    private static final JsonNode B = JsonNodeFactory.instance.objectNode().put("f", 2);

    private final Map<String, Expected> expected = new HashMap<>();
    private final FeedHistory n1 = new FeedHistory("n1");
    private final FeedHistory n2 = new FeedHistory("n2");
    private final Map<String, Read> owner = new HashMap<>();
    private final Map<String, List<Read>> replicas = new HashMap<>();
    /** The nodes continuously in the cluster; by default both. */
    private Set<String> continuous = Set.of("n1", "n2");

    /** A key with applied versions 10, 20, 30 that both feeds deliver once and every node holds. */
    private void cleanKey(String key) {
        expected.put(key, new Expected(A, 30, new long[] {10, 20, 30}));
        for (FeedHistory feed : List.of(n1, n2)) for (long v : new long[] {10, 20, 30}) feed.record(-1, key, v, 0, v);
        owner.put(key, new Read("n1", 30, A));
        replicas.put(key, List.of(new Read("n1", 30, A), new Read("n2", 30, A)));
    }

    private Anomalies check() {
        return ChaosChecks.check(expected, List.of(n1, n2), continuous, owner, replicas);
    }

    @Test
    void aCleanHistoryHasNoAnomaly() {
        cleanKey("k");
        assertEquals(new Anomalies(0, 0, 0, 0, List.of(), 0, List.of()), check());
    }

    @Test
    void eachAnomalyIsCountedUnderItsName() {
        // lost: k-lost's v20 is on no feed.
        expected.put("k-lost", new Expected(A, 30, new long[] {10, 20, 30}));
        for (FeedHistory feed : List.of(n1, n2)) for (long v : new long[] {10, 30}) feed.record(-1, "k-lost", v, 1, v);
        // duplicated: n1 delivers k-dup's v20 twice.
        expected.put("k-dup", new Expected(A, 20, new long[] {10, 20}));
        for (long v : new long[] {10, 20, 20}) n1.record(-1, "k-dup", v, 2, v);
        for (long v : new long[] {10, 20}) n2.record(-1, "k-dup", v, 2, v);
        // reordered: n2 delivers k-order's v10 after v20.
        expected.put("k-order", new Expected(A, 20, new long[] {10, 20}));
        for (long v : new long[] {10, 20}) n1.record(-1, "k-order", v, 3, v);
        for (long v : new long[] {20, 10}) n2.record(-1, "k-order", v, 3, v);
        // divergent: n2's replica of k-div holds another value.
        expected.put("k-div", new Expected(A, 10, new long[] {10}));
        n1.record(-1, "k-div", 10, 4, 10);
        n2.record(-1, "k-div", 10, 4, 10);
        replicas.put("k-div", List.of(new Read("n1", 10, A), new Read("n2", 10, B)));
        cleanKey("k-clean");

        Anomalies anomalies = check();
        assertEquals(1, anomalies.lost(), anomalies.examples().toString());
        assertEquals(1, anomalies.duplicated(), anomalies.examples().toString());
        assertEquals(1, anomalies.reordered(), anomalies.examples().toString());
        assertEquals(1, anomalies.divergent(), anomalies.examples().toString());
        assertEquals(4, anomalies.total());
    }

    /** n1 delivers v10..v50 of k; n2 delivers v10, then jumps to v40 (v20 and v30 skipped), then v50. */
    private void jumpOnN2() {
        expected.put("k", new Expected(A, 50, new long[] {10, 20, 30, 40, 50}));
        for (long v : new long[] {10, 20, 30, 40, 50}) n1.record(-1, "k", v, 0, v);
        for (long v : new long[] {10, 40, 50}) n2.record(-1, "k", v, 0, v);
        owner.put("k", new Read("n1", 50, A));
    }

    @Test
    void aCatchUpJumpOnARestartedNodeIsNotAnAnomaly() {
        jumpOnN2();
        continuous = Set.of("n1"); // n2 was killed and restarted: it caught up by snapshot
        Anomalies anomalies = check();
        assertEquals(0, anomalies.total(), anomalies.examples().toString());
        assertEquals(1, anomalies.catchUpJumps());
        assertEquals(List.of("n2"), anomalies.caughtUpNodes());
    }

    @Test
    void theSameJumpOnAContinuousNodeIsLostEvenWhenAnotherFeedHasTheChanges() {
        jumpOnN2(); // n2 continuously in the cluster
        Anomalies anomalies = check();
        assertEquals(2, anomalies.lost(), anomalies.examples().toString());
        assertEquals(2, anomalies.total());
        assertEquals(0, anomalies.catchUpJumps());
    }

    @Test
    void aVersionMissingFromAllFeedsIsLostWhateverTheNodes() {
        expected.put("k", new Expected(A, 30, new long[] {10, 20, 30}));
        for (FeedHistory feed : List.of(n1, n2)) for (long v : new long[] {10, 30}) feed.record(-1, "k", v, 0, v);
        continuous = Set.of(); // both restarted: their jumps alone are not anomalies, but v20 is on no feed
        Anomalies anomalies = check();
        assertEquals(1, anomalies.lost(), anomalies.examples().toString());
        assertEquals(2, anomalies.catchUpJumps());
    }

    @Test
    void aFeedThatStartsLateIsNotAGapAndAnOwnerBehindIsLost() {
        expected.put("k", new Expected(A, 40, new long[] {10, 20, 30}));
        for (long v : new long[] {10, 20, 30}) n1.record(-1, "k", v, 0, v);
        for (long v : new long[] {20, 30}) n2.record(-1, "k", v, 0, v); // n2 joined after v10
        owner.put("k", new Read("n1", 30, A)); // v40 (a rejected record) never reached the owner
        Anomalies anomalies = check();
        assertEquals(1, anomalies.lost(), anomalies.examples().toString());
        assertEquals(0, anomalies.divergent());
    }

    @Test
    void aFeedThatEndsEarlyBecauseItsNodeLeftIsNotAGap() {
        cleanKey("k");
        FeedHistory left = new FeedHistory("n3");
        left.record(-1, "k", 10, 0, 10); // n3 left after v10
        assertEquals(0, ChaosChecks.check(expected, List.of(n1, n2, left), continuous, owner, replicas).total());
    }
}
