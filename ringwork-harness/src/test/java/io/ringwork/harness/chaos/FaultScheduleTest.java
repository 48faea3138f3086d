package io.ringwork.harness.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringwork.harness.chaos.FaultSchedule.Fault;
import io.ringwork.harness.chaos.FaultSchedule.Kind;
import io.ringwork.harness.chaos.FaultSchedule.Plan;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FaultScheduleTest {
    private static final List<Kind> ALL = FaultSchedule.parseFaults("kill,pause,join,leave,kill,pause,partition,partition-oneway");

    @Test
    void theSameSeedGivesTheSamePlanAndAnotherSeedUsuallyNot() {
        Plan a = FaultSchedule.plan(7, 3, 60_000, ALL);
        Plan b = FaultSchedule.plan(7, 3, 60_000, ALL);
        assertEquals(a, b);
        Set<List<Fault>> distinct = new HashSet<>();
        for (long seed = 0; seed < 20; seed++) distinct.add(FaultSchedule.plan(seed, 3, 60_000, ALL).faults());
        assertTrue(distinct.size() > 10, "20 seeds gave only " + distinct.size() + " distinct plans");
    }

    @Test
    void neverMoreThanOneNodeOutAndNeverFewerThanThreeMembersDuringAnOutage() {
        for (long seed = 0; seed < 500; seed++) {
            for (int nodes = 1; nodes <= 5; nodes++) {
                Plan plan = FaultSchedule.plan(seed, nodes, 40_000, ALL);
                List<String> members = new ArrayList<>(plan.initialNodes());
                long previousEndMs = -1;
                for (Fault fault : plan.faults()) {
                    String where = "seed " + seed + ", " + nodes + " nodes, " + fault;
                    assertTrue(fault.atMs() > previousEndMs, "overlaps the previous fault: " + where);
                    assertTrue(fault.atMs() >= 40_000 * 15 / 100 && fault.endMs() <= 40_000 * 75 / 100, "outside the window: " + where);
                    switch (fault.kind()) {
                        case JOIN -> {
                            assertTrue(!members.contains(fault.node()), "joins an existing id: " + where);
                            members.add(fault.node());
                        }
                        case LEAVE -> {
                            assertTrue(members.remove(fault.node()), "leave of a non-member: " + where);
                            assertTrue(members.size() >= FaultSchedule.MIN_NODES_FOR_OUTAGE, "leave below the minimum: " + where);
                        }
                        default -> {
                            assertTrue(members.contains(fault.node()), "outage of a non-member: " + where);
                            assertTrue(members.size() >= FaultSchedule.MIN_NODES_FOR_OUTAGE, "outage with too few members: " + where);
                            assertTrue(fault.outageMs() > 0, where);
                        }
                    }
                    previousEndMs = fault.endMs();
                }
            }
        }
    }

    @Test
    void aFaultTheBoundForbidsIsSkippedWithItsReason() {
        Plan plan = FaultSchedule.plan(1, 3, 30_000, List.of(Kind.LEAVE));
        assertEquals(List.of(), plan.faults());
        assertEquals(1, plan.skipped().size());
        Plan withJoin = FaultSchedule.plan(1, 3, 30_000, List.of(Kind.LEAVE, Kind.JOIN));
        assertEquals(List.of(Kind.JOIN, Kind.LEAVE), withJoin.faults().stream().map(Fault::kind).toList(),
                "the join makes the leave possible");
        assertNotEquals(0, FaultSchedule.plan(1, 2, 30_000, List.of(Kind.KILL)).skipped().size());
    }

    @Test
    void inOrderKeepsTheScenarioOrderAndPartitionsLastLongerThanDetection() {
        List<Kind> scenario = FaultSchedule.parseFaults("kill,pause,join,partition,partition-oneway");
        Plan plan = FaultSchedule.inOrder(3, 3, 150_000, scenario);
        assertEquals(scenario, plan.faults().stream().map(Fault::kind).toList());
        assertEquals(plan, FaultSchedule.inOrder(3, 3, 150_000, scenario));
        for (Fault fault : plan.faults()) {
            if (fault.kind().isPartition()) assertTrue(fault.outageMs() >= 4000, fault.toString());
        }
        assertEquals("partition-oneway", Kind.PARTITION_ONEWAY.label());
        assertEquals(Kind.PARTITION_ONEWAY, Kind.parse(" Partition-Oneway "));
    }

    @Test
    void partitionFaultsAreRefusedForNodesOnLoopback(@org.junit.jupiter.api.io.TempDir java.nio.file.Path work) {
        ChaosRun.Config config = new ChaosRun.Config(3, 30_000, List.of(Kind.PARTITION), 1, 100, 4, 2, 10, 0, 10, 10_000);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new ChaosRun(config, work, System.out));
        assertTrue(e.getMessage().contains("partition faults need a host per node"), e.getMessage());
    }
}
