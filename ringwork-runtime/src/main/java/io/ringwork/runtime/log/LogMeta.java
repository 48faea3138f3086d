package io.ringwork.runtime.log;

import io.ringwork.core.log.LogException;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Properties;

/**
 * {@code log.meta}: what is fixed when a log is created (format version and partition count).
 * Created once, under {@code log.lock} so that processes opening a new log together agree, and
 * written atomically (temporary file, fsync, rename).
 */
final class LogMeta {
    static final String FILE = "log.meta";
    private static final String FORMAT = "1";

    private LogMeta() {}

    /**
     * Creates the log's metadata, or checks it against {@code partitionCount}: a different
     * count throws IllegalArgumentException, an unreadable file LogException.
     */
    static void createOrCheck(Path dir, int partitionCount) {
        try (ProcessLock lock = ProcessLock.open(dir.resolve("log.lock"))) {
            lock.lock();
            try {
                Path meta = dir.resolve(FILE);
                if (Files.exists(meta)) {
                    check(meta, partitionCount);
                } else {
                    create(dir, meta, partitionCount);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** The partition count of an existing log in {@code dir}, or -1 when there is none yet. */
    static int existingPartitionCount(Path dir) {
        Path meta = dir.resolve(FILE);
        if (!Files.exists(meta)) return -1;
        return partitionCountOf(meta);
    }

    private static void check(Path meta, int partitionCount) {
        int stored = partitionCountOf(meta);
        if (stored != partitionCount) {
            throw new IllegalArgumentException(String.format(
                    "the log in %s was created with %d partitions, but the config asks for %d; "
                            + "the partition count is fixed when a log is created", meta.getParent(), stored, partitionCount));
        }
    }

    private static int partitionCountOf(Path meta) {
        Properties p = new Properties();
        try (Reader in = new StringReader(Files.readString(meta, StandardCharsets.UTF_8))) {
            p.load(in);
        } catch (IOException e) {
            throw new LogException("cannot read " + meta + ": " + e.getMessage(), e);
        }
        if (!FORMAT.equals(p.getProperty("format"))) {
            throw new LogException(meta + ": unknown log format " + p.getProperty("format") + " (this build reads format " + FORMAT + ")");
        }
        try {
            return Integer.parseInt(p.getProperty("partitionCount", ""));
        } catch (NumberFormatException e) {
            throw new LogException(meta + ": partitionCount is missing or not a number");
        }
    }

    private static void create(Path dir, Path meta, int partitionCount) {
        Path temp = dir.resolve(FILE + ".tmp");
        String text = "# ringwork embedded log; fixed at creation\nformat=" + FORMAT + "\npartitionCount=" + partitionCount + "\n";
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                out.write(StandardCharsets.UTF_8.encode(text));
                out.force(true);
            }
            Files.move(temp, meta, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new LogException("cannot create " + meta + ": " + e.getMessage(), e);
        }
    }
}
