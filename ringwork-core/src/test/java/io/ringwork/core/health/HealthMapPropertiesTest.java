package io.ringwork.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * The health map is a join-semilattice: its join is commutative, associative and idempotent, and
 * replicas that take the same deltas in any order, with repeats, converge. Small value domains make
 * results of one target collide often (same epoch, same time, same checker).
 */
class HealthMapPropertiesTest {

    @Provide
    Arbitrary<HealthResult> results() {
        Arbitrary<HealthResult.Stamp> stamps = Combinators.combine(Arbitraries.longs().between(0, 2),
                Arbitraries.longs().between(0, 3), Arbitraries.integers().between(0, 2), Arbitraries.of("n1", "n2", "n3"))
                .as((epoch, wall, logical, checker) -> new HealthResult.Stamp(epoch, new HybridClock.Time(wall, logical), checker));
        return Combinators.combine(Arbitraries.of(HealthResult.Status.class), Arbitraries.longs().between(0, 3),
                Arbitraries.longs().between(-1, 2), Arbitraries.of("", "timeout", "503"), stamps)
                .as(HealthResult::new);
    }

    @Provide
    Arbitrary<Map<String, HealthResult>> deltas() {
        return Arbitraries.maps(Arbitraries.of("t1", "t2", "t3", "t4"), results()).ofMaxSize(4);
    }

    @Property
    void joinIsCommutative(@ForAll("results") HealthResult a, @ForAll("results") HealthResult b) {
        assertThat(HealthResult.join(a, b)).isEqualTo(HealthResult.join(b, a));
    }

    @Property
    void joinIsAssociative(@ForAll("results") HealthResult a, @ForAll("results") HealthResult b, @ForAll("results") HealthResult c) {
        assertThat(HealthResult.join(HealthResult.join(a, b), c)).isEqualTo(HealthResult.join(a, HealthResult.join(b, c)));
    }

    @Property
    void joinIsIdempotent(@ForAll("results") HealthResult a, @ForAll("results") HealthResult b) {
        HealthResult ab = HealthResult.join(a, b);
        assertThat(HealthResult.join(a, a)).isEqualTo(a);
        assertThat(HealthResult.join(ab, b)).isEqualTo(ab);
    }

    /** Three replicas take the same deltas in three random orders, some twice: the same map. */
    @Property
    void replicasConvergeWhateverTheOrderAndRepeatsOfDeltas(@ForAll @Size(max = 12) List<@From("deltas") Map<String, HealthResult>> deltas,
                                                            @ForAll long seed) {
        Random random = new Random(seed);
        List<Map<String, HealthResult>> expectedOrder = new ArrayList<>(deltas);
        HealthMap reference = new HealthMap();
        expectedOrder.forEach(reference::merge);
        for (int replica = 0; replica < 3; replica++) {
            List<Map<String, HealthResult>> order = new ArrayList<>(deltas);
            for (int i = 0; i < deltas.size() / 2; i++) order.add(deltas.get(random.nextInt(deltas.size())));
            Collections.shuffle(order, random);
            HealthMap map = new HealthMap();
            order.forEach(map::merge);
            assertThat(map.view()).isEqualTo(reference.view());
        }
    }

    /**
     * Two nodes each produce results and gossip only their deltas since what the other last took,
     * with some gossip rounds lost: once a last round gets through both ways, they agree.
     */
    @Property
    void gossipingDeltasConvergesLikeMergingEverything(@ForAll @Size(max = 30) List<@From("results") HealthResult> produced,
                                                       @ForAll long seed) {
        Random random = new Random(seed);
        HealthMap a = new HealthMap();
        HealthMap b = new HealthMap();
        HealthMap everything = new HealthMap();
        long aSentUpTo = 0;
        long bSentUpTo = 0;
        for (HealthResult result : produced) {
            String target = "t" + random.nextInt(4);
            (random.nextBoolean() ? a : b).put(target, result);
            everything.put(target, result);
            if (random.nextInt(3) == 0) { // a gossip round a to b, which may be lost
                long upTo = a.seq();
                if (random.nextInt(4) != 0) {
                    b.merge(a.deltaSince(aSentUpTo));
                    aSentUpTo = upTo;
                }
            }
            if (random.nextInt(3) == 0) {
                long upTo = b.seq();
                if (random.nextInt(4) != 0) {
                    a.merge(b.deltaSince(bSentUpTo));
                    bSentUpTo = upTo;
                }
            }
        }
        b.merge(a.deltaSince(aSentUpTo));
        a.merge(b.deltaSince(bSentUpTo));
        assertThat(a.view()).isEqualTo(b.view()).isEqualTo(everything.view());
    }

    @Property
    void theClockNeverGoesBackAndPassesWhatItReceives(@ForAll @Size(max = 40) List<Long> physical, @ForAll long seed) {
        Random random = new Random(seed);
        HybridClock clock = new HybridClock();
        HybridClock.Time last = HybridClock.Time.ZERO;
        for (long now : physical) {
            now = Math.floorMod(now, 1_000);
            if (random.nextBoolean()) {
                HybridClock.Time remote = new HybridClock.Time(random.nextInt(1_200), random.nextInt(3));
                clock.receive(remote, now);
                HybridClock.Time next = clock.tick(now);
                assertThat(next).isGreaterThan(remote);
                assertThat(next).isGreaterThan(last);
                last = next;
            } else {
                HybridClock.Time next = clock.tick(now);
                assertThat(next).isGreaterThan(last);
                assertThat(next.wallMs()).isGreaterThanOrEqualTo(now);
                last = next;
            }
        }
    }

    @org.junit.jupiter.api.Test
    void aRemovedTargetStaysRemovedWhenAnOlderResultArrivesLate() {
        HealthMap map = new HealthMap();
        HealthResult.Stamp old = new HealthResult.Stamp(1, new HybridClock.Time(10, 0), "n1");
        HealthResult.Stamp removal = new HealthResult.Stamp(1, new HybridClock.Time(20, 0), "n2");
        map.put("t", new HealthResult(HealthResult.Status.REMOVED, 20, -1, "", removal));
        assertThat(map.merge(new TreeMap<>(Map.of("t", new HealthResult(HealthResult.Status.HEALTHY, 5, 3, "", old))))).isZero();
        assertThat(map.get("t").status()).isEqualTo(HealthResult.Status.REMOVED);
        // A checker of a later epoch outranks a skewed clock of an earlier one.
        HealthResult.Stamp takeover = new HealthResult.Stamp(2, new HybridClock.Time(1, 0), "n3");
        map.put("t", new HealthResult(HealthResult.Status.UNHEALTHY, 1, -1, "refused", takeover));
        assertThat(map.get("t").stamp().checker()).isEqualTo("n3");
    }
}
