package io.ringwork.runtime.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.zip.ZipEntry;
import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads RocksDB's native library from a cache directory it is extracted to once per library build.
 *
 * <p>RocksDB's own loader copies the library (17 MB on linux64) out of its jar into a new file in
 * {@code java.io.tmpdir} at every start and deletes it only when the JVM exits normally. A node
 * that is killed leaves its copy behind: a day of chaos runs, which kill nodes on purpose, left
 * 901 of them (15 GB) in {@code /tmp}. Here the copy goes to
 * {@code <dir>/rocksdbjni-<crc>-<size>/}, where {@code <dir>} is the system property
 * {@value #DIR_PROPERTY}, else {@code $XDG_CACHE_HOME/ringwork/native}, else
 * {@code ~/.cache/ringwork/native}; the CRC and size are those of the library's entry in the jar,
 * so another RocksDB build gets a directory of its own. Processes that start together each write a
 * private temporary file and move it into place atomically, so none can load a half-written copy.
 *
 * <p>When the library is not in a jar or the directory cannot be written, it falls back to
 * RocksDB's own loader and says so once.
 */
final class RocksNative {
    static final String DIR_PROPERTY = "ringwork.native.dir";
    private static final Logger LOG = LoggerFactory.getLogger(RocksNative.class);
    private static final long STALE_PART_MS = 10 * 60_000;

    private static boolean loaded;

    private RocksNative() {}

    /** Loads the library once per JVM; later calls return at once. */
    static synchronized void load() {
        if (loaded) return;
        Path dir = null;
        try {
            dir = extract(cacheRoot());
        } catch (IOException | RuntimeException e) {
            LOG.warn("RocksDB's native library: cannot use a cache directory ({}); RocksDB extracts it to {} instead,"
                    + " where a killed process leaves its copy", e.getMessage(), System.getProperty("java.io.tmpdir"));
        }
        if (dir != null) {
            try {
                RocksDB.loadLibrary(List.of(dir.toString()));
            } catch (UnsatisfiedLinkError e) {
                LOG.warn("RocksDB's native library: loading it from {} failed ({}); RocksDB extracts it to {} instead",
                        dir, e.getMessage(), System.getProperty("java.io.tmpdir"));
                dir = null;
            }
        }
        if (dir == null) RocksDB.loadLibrary();
        loaded = true;
    }

    static Path cacheRoot() {
        String configured = System.getProperty(DIR_PROPERTY);
        if (configured != null && !configured.isBlank()) return Path.of(configured);
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("ringwork").resolve("native");
    }

    /**
     * Makes sure {@code root} holds this jar's library, extracting it if needed, and returns the
     * directory to load it from.
     *
     * @throws IOException when the library is not in a jar or cannot be written there
     */
    static Path extract(Path root) throws IOException {
        String name = Environment.getJniLibraryFileName("rocksdb");
        URL url = RocksDB.class.getClassLoader().getResource(name);
        if (url == null) throw new IOException(name + " is not on the class path");
        URLConnection connection = url.openConnection();
        if (!(connection instanceof JarURLConnection jar)) throw new IOException(name + " is not in a jar (" + url + ")");
        connection.setUseCaches(false); // a JarFile of its own, closed below
        Path dir;
        Path file;
        try {
            ZipEntry entry = jar.getJarEntry();
            if (entry.getSize() < 0 || entry.getCrc() < 0) throw new IOException("the jar does not record " + name + "'s size and CRC");
            dir = root.resolve(String.format("rocksdbjni-%08x-%d", entry.getCrc(), entry.getSize()));
            file = dir.resolve(name);
            if (!Files.isRegularFile(file) || Files.size(file) != entry.getSize()) {
                Files.createDirectories(dir);
                removeStaleParts(dir);
                Path part = Files.createTempFile(dir, name, ".part");
                try (InputStream in = connection.getInputStream()) {
                    long copied = Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
                    if (copied != entry.getSize()) throw new IOException("copied " + copied + " of " + entry.getSize() + " bytes of " + name);
                    Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } finally {
                    Files.deleteIfExists(part);
                }
            }
        } finally {
            jar.getJarFile().close();
        }
        // RocksDB.loadLibrary(paths) looks in each path for Environment.getJniLibraryFileName("rocksdbjni"),
        // which is not the name the library has in the jar ("librocksdbjnijni-linux64.so" against
        // "librocksdbjni-linux64.so" in 11.8.1). A hard link under that name costs no space; it is
        // made anew (and moved into place) whenever it is not the copy above, e.g. after a repair.
        Path asked = dir.resolve(Environment.getJniLibraryFileName("rocksdbjni"));
        if (!asked.equals(file) && !(Files.exists(asked) && Files.isSameFile(asked, file))) {
            Path link = dir.resolve(asked.getFileName() + "." + ProcessHandle.current().pid() + ".link");
            Files.deleteIfExists(link);
            Files.createLink(link, file);
            Files.move(link, asked, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        return dir;
    }

    /** Deletes the temporary copies of processes killed while extracting (older than 10 minutes). */
    private static void removeStaleParts(Path dir) throws IOException {
        long before = System.currentTimeMillis() - STALE_PART_MS;
        try (var parts = Files.newDirectoryStream(dir, "*.part")) {
            for (Path part : parts) {
                try {
                    if (Files.getLastModifiedTime(part).toMillis() < before) Files.deleteIfExists(part);
                } catch (IOException gone) {
                    // another process removed or replaced it meanwhile
                }
            }
        }
    }
}
