package io.ringwork.runtime.chaos;

import io.ringwork.runtime.chaos.ChaosReport.RunnerChange;
import io.ringwork.runtime.cluster.ClusterService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the chaos harness reads from its nodes' logs: each node's {@code node.out} in its own
 * directory of the run's work directory (every incarnation of a node appends to it). A line starts
 * with the node's local time of day, {@code HH:mm:ss.SSS} (logback.xml).
 */
final class NodeLogs {
    private static final Pattern RUNNER = Pattern.compile(" - partition (\\d+) ("
            + Pattern.quote(ClusterService.STARTED_LOG_MARK) + "|" + Pattern.quote(ClusterService.RELEASED_LOG_MARK) + ") ");
    private static final long DAY_MS = 86_400_000L;

    private NodeLogs() {}

    /** Lines saying a digest differed, over every node's output, or -1 when a log cannot be read. */
    static long repairs(Path work) {
        long[] count = {0};
        return each(work, (node, lines) -> count[0] += lines.filter(line -> line.contains(ClusterService.REPAIR_LOG_MARK)).count())
                ? count[0] : -1;
    }

    /**
     * Every partition start and release in the nodes' logs, timed in ms since {@code startEpochMs}
     * (the run's start on this machine's clock, which its nodes share), or null when a log cannot be read.
     */
    static List<RunnerChange> runnerChanges(Path work, long startEpochMs, ZoneId zone) {
        List<RunnerChange> changes = new ArrayList<>();
        LocalTime start = LocalTime.ofInstant(Instant.ofEpochMilli(startEpochMs), zone);
        boolean read = each(work, (node, lines) -> lines.forEach(line -> {
            RunnerChange change = runnerChange(node, line, start);
            if (change != null) changes.add(change);
        }));
        return read ? changes : null;
    }

    /**
     * The start or release in {@code line}, or null. Its time of day is taken as the one nearest
     * {@code start} (within half a day either way), so a run across midnight still reads in order.
     */
    static RunnerChange runnerChange(String node, String line, LocalTime start) {
        Matcher m = RUNNER.matcher(line);
        if (line.length() < 12 || !m.find()) return null;
        LocalTime at;
        try {
            at = LocalTime.parse(line.substring(0, 12));
        } catch (DateTimeParseException e) {
            return null;
        }
        long ms = Math.floorMod(at.toNanoOfDay() / 1_000_000 - start.toNanoOfDay() / 1_000_000, DAY_MS);
        if (ms > DAY_MS / 2) ms -= DAY_MS;
        return new RunnerChange(node, ms, Integer.parseInt(m.group(1)), m.group(2).equals(ClusterService.STARTED_LOG_MARK));
    }

    private interface LineReader {
        void read(String node, Stream<String> lines);
    }

    /** Feeds each node's log to {@code reader}; false when one cannot be read. */
    private static boolean each(Path work, LineReader reader) {
        try (Stream<Path> dirs = Files.list(work)) {
            for (Path dir : dirs.sorted().toList()) {
                Path output = dir.resolve("node.out");
                if (!Files.isRegularFile(output)) continue;
                try (Stream<String> lines = Files.lines(output, StandardCharsets.ISO_8859_1)) {
                    reader.read(dir.getFileName().toString(), lines);
                }
            }
            return true;
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }
}
