package io.ringwork.sim.cluster;

import io.ringwork.core.util.Invariants;

/**
 * Which faults the fault phase picks, how often and for how long (simulated ms). Each gap between
 * faults is uniform in [{@code gapMsMin}, {@code gapMsMax}); the kind is drawn by weight, and a
 * kind of weight 0 never happens (swarm testing switches kinds off per seed, so that a fault that
 * hides another does not always run beside it).
 *
 * @param crash           a node crashes and restarts after a down time
 * @param pause           a node pauses and resumes after a down time
 * @param partition       a random minority is cut off, both ways, for a cut time; views follow
 * @param dropInFlight    what one link carries now is lost, both ways
 * @param join            a new node joins (up to {@code maxNodes})
 * @param leave           a node leaves gracefully (while more than half the initial nodes stay)
 * @param oneWayCut       one direction of one link is cut for a cut time; views do not change
 * @param oneWayIsolation everything into, or everything out of, one node is cut for a cut time;
 *                        views follow as for a partition of that node
 * @param lossyLink       one direction of one link loses each message with a rate up to
 *                        {@code lossyLinkRateMax}, for a cut time
 * @param maxDown         nodes crashed or paused at once, at most
 * @param baseLoss        every message of every direction is lost with this probability during
 *                        the fault phase (0 = none)
 */
public record FaultMix(int crash, int pause, int partition, int dropInFlight, int join, int leave,
                       int oneWayCut, int oneWayIsolation, int lossyLink,
                       int gapMsMin, int gapMsMax, int downMsMin, int downMsMax, int cutMsMin, int cutMsMax,
                       int maxDown, double baseLoss, double lossyLinkRateMax) {
    /** The fault kinds, in the order their weights are drawn. */
    public enum Kind { CRASH, PAUSE, PARTITION, DROP_IN_FLIGHT, JOIN, LEAVE, ONE_WAY_CUT, ONE_WAY_ISOLATION, LOSSY_LINK }

    public FaultMix {
        for (int w : new int[] {crash, pause, partition, dropInFlight, join, leave, oneWayCut, oneWayIsolation, lossyLink}) {
            Invariants.require(w >= 0, "weights must be >= 0");
        }
        Invariants.require(totalWeight(crash, pause, partition, dropInFlight, join, leave, oneWayCut, oneWayIsolation, lossyLink) > 0,
                "at least one fault kind needs a weight");
        Invariants.require(0 < gapMsMin && gapMsMin < gapMsMax, "need 0 < gap min < max");
        Invariants.require(0 < downMsMin && downMsMin < downMsMax, "need 0 < down min < max");
        Invariants.require(0 < cutMsMin && cutMsMin < cutMsMax, "need 0 < cut min < max");
        Invariants.require(baseLoss >= 0 && baseLoss < 1 && lossyLinkRateMax >= 0 && lossyLinkRateMax <= 1, "loss rates in [0, 1]");
    }

    /**
     * The fixed plan the seed tests were written against: crash (weight 2), pause, partition, loss
     * of a link's in-flight messages, join, leave (1 each), every 300-2000 ms; down 300-4000 ms,
     * partitions 500-4000 ms, at most two nodes down, no one-way cuts, no message loss.
     */
    public static FaultMix classic() {
        return new FaultMix(2, 1, 1, 1, 1, 1, 0, 0, 0, 300, 2_000, 300, 4_000, 500, 4_000, 2, 0, 0);
    }

    public int weight(Kind kind) {
        return switch (kind) {
            case CRASH -> crash;
            case PAUSE -> pause;
            case PARTITION -> partition;
            case DROP_IN_FLIGHT -> dropInFlight;
            case JOIN -> join;
            case LEAVE -> leave;
            case ONE_WAY_CUT -> oneWayCut;
            case ONE_WAY_ISOLATION -> oneWayIsolation;
            case LOSSY_LINK -> lossyLink;
        };
    }

    public int totalWeight() {
        return totalWeight(crash, pause, partition, dropInFlight, join, leave, oneWayCut, oneWayIsolation, lossyLink);
    }

    private static int totalWeight(int... weights) {
        int sum = 0;
        for (int w : weights) sum += w;
        return sum;
    }

    /** The kind for a draw in [0, {@link #totalWeight}): kinds take consecutive ranges in {@link Kind} order. */
    public Kind pick(int draw) {
        for (Kind kind : Kind.values()) {
            draw -= weight(kind);
            if (draw < 0) return kind;
        }
        throw new IllegalArgumentException("draw beyond the total weight");
    }

    /** One line: {@code faults[crash=2 pause=1 ...] gaps=300-2000ms down=... loss=0.0%}. */
    public String describe() {
        StringBuilder line = new StringBuilder("faults[");
        for (Kind kind : Kind.values()) {
            if (kind.ordinal() > 0) line.append(' ');
            line.append(kind.name().toLowerCase().replace('_', '-')).append('=').append(weight(kind));
        }
        line.append(String.format("] oneWay=%s gaps=%d-%dms down=%d-%dms cuts=%d-%dms maxDown=%d loss=%.1f%%",
                oneWayCut + oneWayIsolation > 0 ? "on" : "off", gapMsMin, gapMsMax, downMsMin, downMsMax, cutMsMin, cutMsMax,
                maxDown, baseLoss * 100));
        if (lossyLink > 0) line.append(String.format(" lossyLinkMax=%.0f%%", lossyLinkRateMax * 100));
        return line.toString();
    }
}
