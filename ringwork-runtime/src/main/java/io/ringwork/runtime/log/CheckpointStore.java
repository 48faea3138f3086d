package io.ringwork.runtime.log;

import io.ringwork.core.log.LogException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Consumer groups' checkpoints, one file per group: {@code checkpoints/<group>.ckpt}, a small
 * text file ({@code ringwork-checkpoints 1}, {@code partitions N}, then {@code partition
 * checkpoint} per line; -1 = none). A commit writes a temporary file, fsyncs it, renames it over
 * the old one and fsyncs the directory, so a reader sees the old or the new file, never a mix.
 * Thread-safe, and safe across processes (temporary names are unique per process and call).
 */
final class CheckpointStore {
    static final String SUFFIX = ".ckpt";
    private static final String MAGIC = "ringwork-checkpoints 1";
    private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final AtomicLong TEMP_COUNTER = new AtomicLong();

    private final Path dir;
    private final int partitionCount;

    CheckpointStore(Path logDir, int partitionCount) {
        this.dir = logDir.resolve("checkpoints");
        this.partitionCount = partitionCount;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new LogException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Replaces {@code group}'s checkpoints atomically. Bad arguments throw IllegalArgumentException. */
    void commit(String group, long[] checkpointByPartition) {
        checkGroup(group);
        if (checkpointByPartition == null || checkpointByPartition.length != partitionCount) {
            throw new IllegalArgumentException(String.format("checkpoints of group %s: need one per partition (%d), got %s",
                    group, partitionCount, checkpointByPartition == null ? "null" : checkpointByPartition.length));
        }
        StringBuilder text = new StringBuilder(MAGIC).append('\n').append("partitions ").append(partitionCount).append('\n');
        for (int p = 0; p < partitionCount; p++) {
            long c = checkpointByPartition[p];
            if (c < -1) throw new IllegalArgumentException("checkpoint of group " + group + " partition " + p + " is " + c + "; must be >= -1");
            text.append(p).append(' ').append(c).append('\n');
        }
        Path target = dir.resolve(group + SUFFIX);
        Path temp = dir.resolve(group + SUFFIX + "." + ProcessHandle.current().pid() + "-" + TEMP_COUNTER.incrementAndGet() + ".tmp");
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                out.write(StandardCharsets.UTF_8.encode(text.toString()));
                out.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
        } catch (IOException e) {
            throw new LogException("cannot write checkpoints " + target + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // Only a leftover temporary file; readers ignore it.
            }
        }
    }

    /** {@code group}'s checkpoints; all -1 when it has committed none. */
    long[] read(String group) {
        checkGroup(group);
        long[] c = readFile(dir.resolve(group + SUFFIX));
        if (c != null) return c;
        long[] none = new long[partitionCount];
        Arrays.fill(none, -1);
        return none;
    }

    /**
     * Per partition, the lowest checkpoint over all groups: -1 where any group has none, and
     * everywhere when there is no group at all.
     */
    long[] lowest() {
        long[] lowest = null;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path f : files) {
                long[] c = readFile(f);
                if (c == null) continue;
                if (lowest == null) {
                    lowest = c;
                } else {
                    for (int p = 0; p < partitionCount; p++) lowest[p] = Math.min(lowest[p], c[p]);
                }
            }
        } catch (IOException e) {
            throw new LogException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        if (lowest == null) {
            lowest = new long[partitionCount];
            Arrays.fill(lowest, -1);
        }
        return lowest;
    }

    /** The checkpoints in {@code file}, or null if it vanished (a concurrent replace). */
    private long[] readFile(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new LogException("cannot read checkpoints " + file + ": " + e.getMessage(), e);
        }
        if (lines.size() != partitionCount + 2 || !lines.get(0).equals(MAGIC)
                || !lines.get(1).equals("partitions " + partitionCount)) {
            throw new LogException("checkpoint file " + file + " is not a " + partitionCount + "-partition checkpoint file");
        }
        long[] c = new long[partitionCount];
        for (int p = 0; p < partitionCount; p++) {
            String line = lines.get(p + 2);
            String prefix = p + " ";
            try {
                if (!line.startsWith(prefix)) throw new NumberFormatException("partition " + p + " expected");
                c[p] = Long.parseLong(line.substring(prefix.length()));
            } catch (NumberFormatException e) {
                throw new LogException("checkpoint file " + file + " line " + (p + 3) + " is malformed: " + line);
            }
        }
        return c;
    }

    private static void checkGroup(String group) {
        if (group == null || !GROUP.matcher(group).matches()) {
            throw new IllegalArgumentException("checkpoint group name must match " + GROUP.pattern() + ", got " + group);
        }
    }
}
