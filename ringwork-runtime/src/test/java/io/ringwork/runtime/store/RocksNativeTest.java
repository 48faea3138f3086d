package io.ringwork.runtime.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.util.Environment;

class RocksNativeTest {
    private static final String LIBRARY = Environment.getJniLibraryFileName("rocksdb");

    @Test
    void extractsTheLibraryOnceAndReusesIt(@TempDir Path root) throws IOException {
        Path dir = RocksNative.extract(root);
        Path file = dir.resolve(LIBRARY);
        assertThat(dir.getParent()).isEqualTo(root);
        assertThat(dir.getFileName().toString()).matches("rocksdbjni-[0-9a-f]{8}-\\d+");
        assertThat(Files.size(file)).isEqualTo(Long.parseLong(dir.getFileName().toString().replaceAll(".*-", "")));
        FileTime written = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(file, written);

        assertThat(RocksNative.extract(root)).isEqualTo(dir);
        assertThat(Files.getLastModifiedTime(file)).as("the second start copied it again").isEqualTo(written);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as("no temporary copy left").noneMatch(n -> n.endsWith(".part"))
                    .contains(Environment.getJniLibraryFileName("rocksdbjni"));
        }
    }

    @Test
    void aTruncatedCopyIsReplaced(@TempDir Path root) throws IOException {
        Path file = RocksNative.extract(root).resolve(LIBRARY);
        long size = Files.size(file);
        Files.write(file, new byte[100]); // the hard link shares the damaged bytes
        Path dir = RocksNative.extract(root);
        assertThat(Files.size(file)).isEqualTo(size);
        assertThat(Files.isSameFile(dir.resolve(Environment.getJniLibraryFileName("rocksdbjni")), file))
                .as("the name RocksDB asks for is the repaired copy").isTrue();
    }

    /** The leak this class exists for, shown with RocksDB's own loader as the control. */
    @Test
    void aKilledNodeLeavesNoCopyInTheTemporaryDirectory(@TempDir Path tmp, @TempDir Path cache) throws Exception {
        Path ownTmp = Files.createDirectory(tmp.resolve("rocksdb"));
        killAfterLoading("rocksdb", ownTmp, cache);
        assertThat(librariesIn(ownTmp)).as("RocksDB's own loader leaves its copy when killed").hasSize(1);

        Path ringworkTmp = Files.createDirectory(tmp.resolve("ringwork"));
        killAfterLoading("ringwork", ringworkTmp, cache);
        killAfterLoading("ringwork", ringworkTmp, cache);
        assertThat(librariesIn(ringworkTmp)).isEmpty();
        try (Stream<Path> dirs = Files.list(cache)) {
            List<Path> all = dirs.toList();
            assertThat(all).hasSize(1);
            assertThat(all.getFirst().resolve(LIBRARY)).isRegularFile();
        }
    }

    private static void killAfterLoading(String loader, Path tmp, Path cache) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-Djava.io.tmpdir=" + tmp, "-D" + RocksNative.DIR_PROPERTY + "=" + cache,
                "-cp", System.getProperty("java.class.path"), RocksNativeChild.class.getName(), loader)
                .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            StringBuilder seen = new StringBuilder();
            String line;
            while ((line = out.readLine()) != null && !line.equals("loaded")) seen.append(line).append('\n');
            assertThat(line).as("the child loaded the library; it said:\n" + seen).isEqualTo("loaded");
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static List<Path> librariesIn(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("librocksdbjni")).toList();
        }
    }
}
