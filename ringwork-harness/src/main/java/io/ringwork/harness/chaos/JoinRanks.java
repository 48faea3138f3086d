package io.ringwork.harness.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A set of chaos reports' joins, ranked among their runs' quiet stretches (the report's
 * {@code quiet stretches as long as the window} lines), summed up as a test: were the joins to add
 * nothing to the unmoved partitions' longest delay, each rank would be uniform over 1..n, and the
 * ranks' sum would have mean Σ(nᵢ+1)/2 and variance Σ(nᵢ²−1)/12. {@code z} is how many standard
 * deviations the observed sum lies under that mean.
 */
public final class JoinRanks {
    /** One join on one clock: its rank among {@code of} windows (1 = longest), and its excess over the stretches' median. */
    public record Ranked(int rank, int of, double overMedianMs) {}

    /** The joins of a set on one clock. */
    public record Summary(int joins, int longest, double expectedLongest, long rankSum, double expectedRankSum, double z,
                          double minOverMs, double medianOverMs, double maxOverMs) {}

    private static final String LINE = "quiet stretches as long as the window (";
    private static final String NODES_CLOCK = "; on the nodes' clock ";
    private static final Pattern JOIN = Pattern.compile("the join's \\d+ ms ranks (\\d+) of (\\d+), ([-+][\\d.]+) ms over their median");

    private JoinRanks() {}

    /** The ranked joins in a report's text, by the feed readers ({@code nodesClock} false) or on the nodes' clock. */
    public static List<Ranked> parse(String report, boolean nodesClock) {
        List<Ranked> ranked = new ArrayList<>();
        for (String line : report.split("\n")) {
            int at = line.indexOf(LINE);
            if (at < 0) continue;
            int split = line.indexOf(NODES_CLOCK, at);
            String part = nodesClock ? (split < 0 ? "" : line.substring(split)) : (split < 0 ? line.substring(at) : line.substring(at, split));
            Matcher m = JOIN.matcher(part);
            if (m.find()) ranked.add(new Ranked(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Double.parseDouble(m.group(3))));
        }
        return ranked;
    }

    /** The set's figures; null for no join. */
    public static Summary summarize(List<Ranked> joins) {
        if (joins.isEmpty()) return null;
        int longest = 0;
        long sum = 0;
        double expectedLongest = 0;
        double expectedSum = 0;
        double variance = 0;
        List<Double> over = new ArrayList<>();
        for (Ranked r : joins) {
            if (r.rank() == 1) longest++;
            sum += r.rank();
            expectedLongest += 1.0 / r.of();
            expectedSum += (r.of() + 1) / 2.0;
            variance += ((double) r.of() * r.of() - 1) / 12.0;
            over.add(r.overMedianMs());
        }
        over.sort(null);
        int n = over.size();
        double z = variance == 0 ? 0 : (expectedSum - sum) / Math.sqrt(variance);
        return new Summary(n, longest, expectedLongest, sum, expectedSum, z, over.get(0), ChaosReport.median(over), over.get(n - 1));
    }
}
