package io.ringwork.runtime.log;

import io.ringwork.core.log.LogException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An exclusive lock on a lock file that serialises its holders across threads, log instances
 * and processes: first a JVM-wide {@link ReentrantLock} for the file, then an OS file lock
 * ({@code fcntl}) on it.
 *
 * <p>One channel per lock file is shared by every {@code ProcessLock} of this JVM on that file,
 * for two reasons: the JDK refuses overlapping {@link FileLock}s from one JVM, and POSIX drops
 * all of a process's locks on a file when any descriptor of it is closed, so a second log
 * instance closing its own channel would silently unlock the first. The OS releases the lock
 * when the process dies, so a crashed holder never blocks the others. Thread-safe.
 */
final class ProcessLock implements AutoCloseable {
    private static final Map<Path, Shared> SHARED = new HashMap<>();

    private static final class Shared {
        final ReentrantLock jvmLock = new ReentrantLock();
        final Path path;
        FileChannel channel;
        int users;

        Shared(Path path) {
            this.path = path;
        }
    }

    private final Shared shared;
    private FileLock fileLock;
    private boolean closed;

    private ProcessLock(Shared shared) {
        this.shared = shared;
    }

    /** Opens (creating if needed) the lock file at {@code path}. */
    static ProcessLock open(Path path) {
        Path key = path.toAbsolutePath().normalize();
        synchronized (SHARED) {
            Shared s = SHARED.computeIfAbsent(key, Shared::new);
            s.users++;
            return new ProcessLock(s);
        }
    }

    /** Blocks until this thread holds the lock in this JVM and the file lock of the OS. */
    void lock() {
        shared.jvmLock.lock();
        try {
            fileLock = channel().lock();
        } catch (IOException | RuntimeException e) {
            shared.jvmLock.unlock();
            throw new LogException("cannot lock " + shared.path + ": " + e.getMessage(), e);
        }
    }

    void unlock() {
        try {
            if (fileLock != null && fileLock.isValid()) fileLock.release();
        } catch (IOException e) {
            throw new LogException("cannot unlock " + shared.path + ": " + e.getMessage(), e);
        } finally {
            fileLock = null;
            shared.jvmLock.unlock();
        }
    }

    /** Drops this user of the lock file; the shared channel closes with its last user. */
    @Override
    public void close() {
        synchronized (SHARED) {
            if (closed) return;
            closed = true;
            if (--shared.users > 0) return;
            SHARED.remove(shared.path);
            closeChannel(shared);
        }
    }

    /**
     * The shared channel, reopened if an interrupt closed it. Called with the JVM lock held, which
     * guards the field; {@link #close()} only closes it once no user is left.
     */
    private FileChannel channel() throws IOException {
        if (shared.channel == null || !shared.channel.isOpen()) {
            shared.channel = FileChannel.open(shared.path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        }
        return shared.channel;
    }

    private static void closeChannel(Shared s) {
        if (s.channel == null) return;
        try {
            s.channel.close();
        } catch (IOException ignored) {
            // Closing releases the OS lock, which is all that matters here.
        }
        s.channel = null;
    }
}
