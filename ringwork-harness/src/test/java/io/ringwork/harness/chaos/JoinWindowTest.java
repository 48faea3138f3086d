package io.ringwork.harness.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringwork.harness.chaos.ChaosCluster.Ownership;
import io.ringwork.harness.chaos.FaultSchedule.Fault;
import io.ringwork.harness.chaos.FaultSchedule.Kind;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When a join's measuring window ends, and when a join may start: no other fault in either window. */
class JoinWindowTest {
    private static final Ownership N4_OWNS_ONE = new Ownership(Map.of(0, "n4", 1, "n1"), Map.of());
    private static final Ownership N4_OWNS_NONE = new Ownership(Map.of(0, "n1", 1, "n1"), Map.of());

    @Test
    void theWindowEndsOnceTheJoinerOwnsPartitionsEveryHandoffIsDoneAndOwnershipHeldStillForTwoSeconds() {
        long ready = 10_000;
        // Settled 2 s before, but not yet ready + 5 s.
        assertFalse(ChaosRun.joinWindowOver(N4_OWNS_ONE, true, true, "n4", ready, 12_000, 14_999));
        assertTrue(ChaosRun.joinWindowOver(N4_OWNS_ONE, true, true, "n4", ready, 12_000, 15_000));
        // Planned, but the old owner still runs a partition: not settled.
        assertFalse(ChaosRun.joinWindowOver(N4_OWNS_ONE, false, true, "n4", ready, 12_000, 17_000));
        // An owner changed 1 s ago: not settled.
        assertFalse(ChaosRun.joinWindowOver(N4_OWNS_ONE, true, true, "n4", ready, 16_000, 17_000));
        // The joiner owns nothing yet, however still the ownership: not settled.
        assertFalse(ChaosRun.joinWindowOver(N4_OWNS_NONE, true, true, "n4", ready, 10_000, 19_000));
        // A failed read is not settled; without ownership in any read, ready + 5 s; never past ready + 20 s.
        assertFalse(ChaosRun.joinWindowOver(null, false, true, "n4", ready, 10_000, 19_000));
        assertTrue(ChaosRun.joinWindowOver(null, false, false, "n4", ready, 14_000, 15_000));
        assertTrue(ChaosRun.joinWindowOver(N4_OWNS_NONE, false, true, "n4", ready, 29_000, 30_000));
    }

    @Test
    void aHandoffIsDoneWhenEachOwnerAloneSaysItRunsItsPartition() throws Exception {
        ObjectMapper json = new ObjectMapper();
        // Partition 0 -> n4 (owned bit 0 = byte 01), partition 1 -> n1 (bit 1 = byte 02).
        JsonNode done = json.readTree("""
                [{"id":"n1","state":"alive","metadata":{"owned":"02"}},
                 {"id":"n4","state":"alive","metadata":{"owned":"01"}},
                 {"id":"n2","state":"dead","metadata":{"owned":"03"}}]""");
        assertTrue(ChaosCluster.handedOver(N4_OWNS_ONE, done), "a dead member's stale gossip does not count");
        JsonNode oldOwnerStillRuns = json.readTree("""
                [{"id":"n1","state":"alive","metadata":{"owned":"03"}},
                 {"id":"n4","state":"alive","metadata":{"owned":"01"}}]""");
        assertFalse(ChaosCluster.handedOver(N4_OWNS_ONE, oldOwnerStillRuns));
        JsonNode newOwnerNotYet = json.readTree("""
                [{"id":"n1","state":"alive","metadata":{"owned":"02"}},
                 {"id":"n4","state":"alive","metadata":{"owned":""}}]""");
        assertFalse(ChaosCluster.handedOver(N4_OWNS_ONE, newOwnerNotYet));
    }

    @Test
    void aJoinStartsNoSoonerThanFiveSecondsAfterTheFaultBeforeItSettled() {
        Fault join = new Fault(9_000, Kind.JOIN, "n4", 0);
        Fault kill = new Fault(9_000, Kind.KILL, "n2", 3_000);
        assertEquals(9_000, ChaosRun.earliestStartMs(join, 2_000, Kind.KILL));
        assertEquals(12_000, ChaosRun.earliestStartMs(join, 7_000, Kind.PAUSE));
        assertEquals(9_000, ChaosRun.earliestStartMs(kill, 7_000, Kind.LEAVE), "other faults keep their planned time");
        assertEquals(9_000, ChaosRun.earliestStartMs(kill, 7_000, null));
    }

    @Test
    void theFaultAfterAJoinWaitsUntilTheRecordsOfTheJoinsWindowAreApplied() {
        Fault pause = new Fault(9_000, Kind.PAUSE, "n4", 3_000);
        // The window ended at 23 s, after the pause's planned time: the pause waits 2 s more.
        assertEquals(23_000 + ChaosRun.AFTER_JOIN_MS, ChaosRun.earliestStartMs(pause, 23_000, Kind.JOIN));
        // Planned well after the window's end: at its planned time.
        assertEquals(9_000, ChaosRun.earliestStartMs(pause, 5_000, Kind.JOIN));
    }
}
