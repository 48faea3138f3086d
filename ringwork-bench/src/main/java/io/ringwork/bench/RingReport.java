package io.ringwork.bench;

import io.ringwork.core.ring.Assigner;
import io.ringwork.core.ring.Assignment;
import io.ringwork.core.ring.RingNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Ring balance and movement, plain consistent hashing against bounded loads (c = 1.25), both
 * with 64 virtual nodes per weight. For each partition count P and node count N, over
 * {@code seeds} random sets of node ids:
 * <ul>
 *   <li>balance: the most partitions any node owns over the mean P/N (1.00 is perfect);
 *   <li>join: the share of partitions whose owner changes when one node joins N, over the ideal
 *       1/(N+1) (1.00 moves only what the new node must take);
 *   <li>leave: the same when one of N nodes leaves, over the ideal 1/N.
 * </ul>
 * Medians over seeds, with the worst seed in brackets. {@code ./ringwork bench ring [seeds]}.
 */
public final class RingReport {
    private RingReport() {}

    public static void main(String[] args) {
        int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        System.out.printf("ring balance and movement: 64 virtual nodes per weight, medians over %d seeds [worst]%n%n", seeds);
        System.out.printf("%6s %4s | %-22s %-22s %-22s | %-22s %-22s %-22s%n", "P", "N",
                "CH balance", "CH join", "CH leave", "bounded balance", "bounded join", "bounded leave");
        for (int partitions : new int[] {64, 256, 1024}) {
            for (int n : new int[] {3, 5, 10, 20, 50}) {
                StringBuilder row = new StringBuilder(String.format("%6d %4d |", partitions, n));
                for (double loadFactor : new double[] {0, 1.25}) {
                    double[][] figures = measure(partitions, n, seeds, new Assigner.Config(64, 3, loadFactor));
                    for (double[] f : figures) row.append(String.format(" %-22s", String.format("%.2f [%.2f]", median(f), max(f))));
                    if (loadFactor == 0) row.append(" |");
                }
                System.out.println(row);
            }
        }
    }

    /** {balance, join, leave} per seed. */
    private static double[][] measure(int partitions, int n, int seeds, Assigner.Config config) {
        double[][] figures = new double[3][seeds];
        for (int s = 0; s < seeds; s++) {
            SplittableRandom random = new SplittableRandom(s * 7919L + n * 31L + partitions);
            List<RingNode> view = new ArrayList<>();
            for (int i = 0; i <= n; i++) view.add(new RingNode("node-" + Long.toHexString(random.nextLong()), 1));
            Assignment base = Assigner.assign(view.subList(0, n), partitions, config);
            Assignment joined = Assigner.assign(view, partitions, config);
            List<RingNode> left = new ArrayList<>(view.subList(0, n));
            left.remove(random.nextInt(n));
            Assignment afterLeave = Assigner.assign(left, partitions, config);
            int maxOwned = base.ownedCounts().values().stream().mapToInt(Integer::intValue).max().orElse(0);
            figures[0][s] = maxOwned / ((double) partitions / n);
            figures[1][s] = base.ownerMovement(joined) / (1.0 / (n + 1));
            figures[2][s] = base.ownerMovement(afterLeave) / (1.0 / n);
        }
        return figures;
    }

    private static double median(double[] values) {
        return GluerBench.median(values);
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElse(Double.NaN);
    }
}
