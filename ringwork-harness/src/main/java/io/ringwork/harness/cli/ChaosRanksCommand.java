package io.ringwork.harness.cli;

import io.ringwork.harness.chaos.JoinRanks;
import io.ringwork.harness.chaos.JoinRanks.Ranked;
import io.ringwork.harness.chaos.JoinRanks.Summary;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code ringwork chaos-ranks}: sums up the joins of several saved chaos reports, ranked among
 * their runs' quiet stretches (docs/CHAOS.md), into one test of whether a join delays the
 * partitions it does not move (docs/TESTING.md).
 */
@Command(name = "chaos-ranks", mixinStandardHelpOptions = true,
        description = "Sum up the joins of saved chaos reports, each ranked among its run's quiet stretches.")
final class ChaosRanksCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "REPORT", description = "the output of 'ringwork chaos' runs, one file each")
    List<Path> reports;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        List<Ranked> feedReaders = new ArrayList<>();
        List<Ranked> nodesClock = new ArrayList<>();
        for (Path report : reports) {
            if (!Files.isRegularFile(report)) throw new IllegalArgumentException("no such file: " + report);
            String text = Files.readString(report, StandardCharsets.UTF_8);
            List<Ranked> byFeeds = JoinRanks.parse(text, false);
            List<Ranked> byNodes = JoinRanks.parse(text, true);
            if (byFeeds.isEmpty()) {
                out.printf("  %s: no join ranked among quiet stretches%n", report);
                continue;
            }
            feedReaders.addAll(byFeeds);
            nodesClock.addAll(byNodes);
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < byFeeds.size(); i++) {
                Ranked f = byFeeds.get(i);
                line.append(i == 0 ? "" : "; ").append(String.format("feed readers %d of %d (%+.1f ms)", f.rank(), f.of(), f.overMedianMs()));
                if (i < byNodes.size()) {
                    Ranked n = byNodes.get(i);
                    line.append(String.format(", nodes' clock %d of %d (%+.1f ms)", n.rank(), n.of(), n.overMedianMs()));
                }
            }
            out.printf("  %s: %s%n", report, line);
        }
        print(out, "nodes' clock", JoinRanks.summarize(nodesClock));
        print(out, "feed readers", JoinRanks.summarize(feedReaders));
        return 0;
    }

    private static void print(PrintStream out, String clock, Summary s) {
        if (s == null) {
            out.printf("%s: no ranked join%n", clock);
            return;
        }
        out.printf("%s: over %d joins the join's window held its run's longest unmoved delay in %d (%.1f expected if joins"
                        + " added nothing); rank sum %d (%.1f expected), z = %.2f; its longest delay lay %+.1f to %+.1f ms above"
                        + " the quiet stretches' median, median %+.1f ms%n", clock, s.joins(), s.longest(), s.expectedLongest(),
                s.rankSum(), s.expectedRankSum(), s.z(), s.minOverMs(), s.maxOverMs(), s.medianOverMs());
    }
}
