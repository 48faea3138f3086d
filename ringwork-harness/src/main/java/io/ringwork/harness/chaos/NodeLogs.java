package io.ringwork.harness.chaos;

import io.ringwork.harness.chaos.ChaosReport.GcPause;
import io.ringwork.harness.chaos.ChaosReport.RunnerChange;
import io.ringwork.runtime.cluster.ClusterService;
import io.ringwork.harness.process.NodeProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the chaos harness reads from its nodes' logs: each node's {@code node.out} in its own
 * directory of the run's work directory (every incarnation of a node appends to it). A line starts
 * with the node's local time of day, {@code HH:mm:ss.SSS} (logback.xml). Beside it, each of the
 * node's processes logs its collector's pauses to its own {@code gc-<pid>.log} ({@link NodeProcess}),
 * each line stamped with the date, time and offset.
 */
final class NodeLogs {
    private static final Pattern RUNNER = Pattern.compile(" - partition (\\d+) ("
            + Pattern.quote(ClusterService.STARTED_LOG_MARK) + "|" + Pattern.quote(ClusterService.RELEASED_LOG_MARK) + ") ");
    private static final long DAY_MS = 86_400_000L;
    /** {@code [2026-11-22T06:42:01.383+0000] GC(1) Pause Young (Normal) (G1 Evacuation Pause) 123M->11M(380M) 63.105ms} */
    private static final Pattern GC_PAUSE = Pattern.compile("^\\[([^\\]]+)\\] GC\\(\\d+\\) Pause .+? \\S+->\\S+ ([0-9.]+)ms$");
    private static final DateTimeFormatter GC_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ");

    private NodeLogs() {}

    /** Lines saying a digest differed, over every node's output, or -1 when a log cannot be read. */
    static long repairs(Path work) {
        long[] count = {0};
        return each(work, NodeProcess.OUTPUT_FILE::equals,
                (node, lines) -> count[0] += lines.filter(line -> line.contains(ClusterService.REPAIR_LOG_MARK)).count())
                ? count[0] : -1;
    }

    /**
     * Every partition start and release in the nodes' logs, timed in ms since {@code startEpochMs}
     * (the run's start on this machine's clock, which its nodes share), or null when a log cannot be read.
     */
    static List<RunnerChange> runnerChanges(Path work, long startEpochMs, ZoneId zone) {
        List<RunnerChange> changes = new ArrayList<>();
        LocalTime start = LocalTime.ofInstant(Instant.ofEpochMilli(startEpochMs), zone);
        boolean read = each(work, NodeProcess.OUTPUT_FILE::equals, (node, lines) -> lines.forEach(line -> {
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

    /**
     * Every collector pause in the nodes' GC logs, timed in ms since {@code startEpochMs}, or null
     * when a log cannot be read. A node started with another collector's log format has none.
     */
    static List<GcPause> gcPauses(Path work, long startEpochMs) {
        List<GcPause> pauses = new ArrayList<>();
        boolean read = each(work, name -> name.startsWith(NodeProcess.GC_LOG_PREFIX) && name.endsWith(".log"),
                (node, lines) -> lines.forEach(line -> {
                    GcPause pause = gcPause(node, line, startEpochMs);
                    if (pause != null) pauses.add(pause);
                }));
        return read ? pauses : null;
    }

    /** The pause in {@code line} of a GC log, or null. The line is written as the pause ends. */
    static GcPause gcPause(String node, String line, long startEpochMs) {
        Matcher m = GC_PAUSE.matcher(line);
        if (!m.find()) return null;
        try {
            long endEpochMs = OffsetDateTime.parse(m.group(1), GC_TIME).toInstant().toEpochMilli();
            return new GcPause(node, endEpochMs - startEpochMs, Double.parseDouble(m.group(2)));
        } catch (DateTimeParseException | NumberFormatException e) {
            return null;
        }
    }

    private interface LineReader {
        void read(String node, Stream<String> lines);
    }

    /**
     * Feeds {@code reader} every file, in each node's directory, whose name {@code named} accepts
     * (in name order, node by node); false when one cannot be read.
     */
    private static boolean each(Path work, Predicate<String> named, LineReader reader) {
        try (Stream<Path> dirs = Files.list(work)) {
            for (Path dir : dirs.sorted().toList()) {
                if (!Files.isDirectory(dir)) continue;
                List<Path> files;
                try (Stream<Path> listed = Files.list(dir)) {
                    files = listed.filter(f -> named.test(f.getFileName().toString()) && Files.isRegularFile(f)).sorted().toList();
                }
                for (Path file : files) {
                    try (Stream<String> lines = Files.lines(file, StandardCharsets.ISO_8859_1)) {
                        reader.read(dir.getFileName().toString(), lines);
                    }
                }
            }
            return true;
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }
}
