package io.ringwork.runtime.log;

import io.ringwork.core.log.LogException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The files of one partition: {@code p-NNN/} holding {@code <base offset, 20 digits>.log} and
 * {@code .index} per segment, and {@code partition.lock}. The segments on disk are the truth:
 * nothing here caches the listing, because other processes roll and trim segments too (only the
 * last segment path built is kept, a name, not a fact about the disk). Thread-safe.
 */
final class PartitionFiles {
    static final String LOG_SUFFIX = ".log";
    static final String INDEX_SUFFIX = ".index";
    private static final int NAME_DIGITS = 20;

    private final int partition;
    private final Path dir;
    /**
     * The last {@link #logPath} made. A reader at the end of its segment asks whether the next
     * one exists on every poll, and so does the tail's refresh, every few milliseconds per owned
     * partition: building the same name each time was a good part of an idle node's allocation.
     * Immutable, so a racing reader sees a whole pair or the previous one.
     */
    private volatile SegmentPath lastLogPath;

    private record SegmentPath(long base, Path path) {}

    PartitionFiles(Path logDir, int partition) {
        this.partition = partition;
        this.dir = logDir.resolve(String.format("p-%03d", partition));
    }

    int partition() {
        return partition;
    }

    Path dir() {
        return dir;
    }

    Path lockPath() {
        return dir.resolve("partition.lock");
    }

    Path logPath(long base) {
        SegmentPath last = lastLogPath;
        if (last != null && last.base() == base) return last.path();
        Path path = dir.resolve(name(base) + LOG_SUFFIX);
        lastLogPath = new SegmentPath(base, path);
        return path;
    }

    Path indexPath(long base) {
        return dir.resolve(name(base) + INDEX_SUFFIX);
    }

    boolean segmentExists(long base) {
        return Files.exists(logPath(base));
    }

    /** Base offsets of the segments on disk, ascending. */
    long[] listBases() {
        String[] names = dir.toFile().list();
        if (names == null) throw new LogException("cannot list partition directory " + dir);
        long[] bases = new long[names.length];
        int n = 0;
        for (String name : names) {
            if (name.length() == NAME_DIGITS + LOG_SUFFIX.length() && name.endsWith(LOG_SUFFIX)) {
                bases[n++] = parseBase(name);
            }
        }
        long[] sorted = Arrays.copyOf(bases, n);
        Arrays.sort(sorted);
        return sorted;
    }

    /** The lowest offset on disk: the first segment's base, or 0 when there is none yet. */
    long startOffset() {
        long[] bases = listBases();
        return bases.length == 0 ? 0 : bases[0];
    }

    /** Forces the directory, so that a created segment file survives power loss. */
    void syncDirectory() {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            throw new LogException("cannot fsync directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Opens a segment file for reading; null when it no longer exists (trimmed meanwhile). */
    FileChannel openForRead(Path path) {
        try {
            return FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new LogException("cannot open " + path + ": " + e.getMessage(), e);
        }
    }

    private long parseBase(String name) {
        try {
            return Long.parseLong(name, 0, NAME_DIGITS, 10);
        } catch (NumberFormatException e) {
            throw new LogException("unexpected segment file name " + dir.resolve(name));
        }
    }

    /** The base offset zero-padded to 20 digits (without String.format: this is on the append path). */
    static String name(long base) {
        String digits = Long.toString(base);
        return "0".repeat(NAME_DIGITS - digits.length()) + digits;
    }
}
