package io.ringwork.sim.cluster;

import io.ringwork.core.time.RandomSource;

/**
 * Swarm testing (as TigerBeetle's simulator does it): each seed draws its own cluster shape and
 * fault mix from the seed, so that over many seeds small and large clusters, quiet and lossy
 * networks, and runs with a fault kind switched off entirely all occur; a fault that usually
 * masks another is then sometimes absent. The draw uses its own stream (the seed mixed with a
 * constant), so the run itself still starts from the seed alone: {@code SEED=n} replays the
 * configuration and the run exactly.
 *
 * <p>Ranges (uniform unless said): initial nodes 3-7, up to 2 more by joins; partitions 1-16;
 * replication factor 1 to min(5, initial nodes) (the node accepts 1-7); records 100-1,200;
 * latency min 0-3 ms, max min+1 to min+30 ms; failure notice 50-1,000 ms; view delay min
 * 50-199 ms, max min+200 to min+2,499 ms; join push-pull on in 3 of 4 seeds. Each of the nine
 * fault kinds is off in 1 of 4 seeds, else weight 1-3 (all off: crash gets 1). Gaps between faults
 * min 100-499 ms, max min+300 to min+2,299 ms; down times (crash, pause) min 100-499 ms, max
 * min+200 to min+6,199 ms; cuts min 200-799 ms, max min+300 to min+5,299 ms; at most 1-2 nodes
 * down at once; every message lost with 0 % (half the seeds) or 0.1-5 %; a lossy link's rate
 * up to 10-60 %.
 */
public final class Swarm {
    private static final long STREAM = 0x5EED_5A12_0B7AL;

    private Swarm() {}

    /** The configuration seed {@code seed} runs with: {@code base}'s timings, limits and hooks, with a drawn shape and faults. */
    public static ClusterConfig draw(long seed, ClusterConfig base) {
        RandomSource r = RandomSource.seeded(seed ^ STREAM);
        int initial = 3 + r.nextInt(5);
        int max = initial + r.nextInt(3);
        int partitions = 1 + r.nextInt(16);
        int replicas = 1 + r.nextInt(Math.min(5, initial));
        int records = 100 + r.nextInt(1_101);
        int latencyMin = r.nextInt(4);
        int latencyMax = latencyMin + 1 + r.nextInt(30);
        int noticeMs = 50 + r.nextInt(951);
        int viewMin = 50 + r.nextInt(150);
        int viewMax = viewMin + 200 + r.nextInt(2_300);
        boolean pushPull = r.nextInt(4) != 0;
        int[] weights = new int[FaultMix.Kind.values().length];
        int total = 0;
        for (int i = 0; i < weights.length; i++) {
            weights[i] = r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(3);
            total += weights[i];
        }
        if (total == 0) weights[FaultMix.Kind.CRASH.ordinal()] = 1;
        int gapMin = 100 + r.nextInt(400);
        int gapMax = gapMin + 300 + r.nextInt(2_000);
        int downMin = 100 + r.nextInt(400);
        int downMax = downMin + 200 + r.nextInt(6_000);
        int cutMin = 200 + r.nextInt(600);
        int cutMax = cutMin + 300 + r.nextInt(5_000);
        int maxDown = 1 + r.nextInt(2);
        double baseLoss = r.nextInt(2) == 0 ? 0 : 0.001 + r.nextDouble() * 0.049;
        double lossyMax = 0.1 + r.nextDouble() * 0.5;
        FaultMix mix = new FaultMix(weights[0], weights[1], weights[2], weights[3], weights[4], weights[5], weights[6],
                weights[7], weights[8], gapMin, gapMax, downMin, downMax, cutMin, cutMax, maxDown, baseLoss, lossyMax);
        return base.withShape(initial, max, partitions, replicas, records, latencyMin, latencyMax, noticeMs, viewMin, viewMax,
                pushPull).withFaults(mix);
    }

    public static ClusterConfig draw(long seed) {
        return draw(seed, ClusterConfig.defaults());
    }
}
