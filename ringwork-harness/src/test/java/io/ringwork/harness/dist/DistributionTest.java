package io.ringwork.harness.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.runtime.BuildInfo;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution ({@code ./ringwork dist}): the tarball that {@code scripts/make-dist} packs
 * from the built node, unpacked into a temporary directory and run the way a machine with only a
 * Java runtime would: {@code JAVA_HOME} set to this test's JDK, a PATH holding nothing but
 * {@code ls} (no Maven, no java), no other environment. {@code bin/ringwork --version}; two nodes
 * in one cluster, one logging JSON ({@code --log-format json}); {@code status} against them; SIGTERM
 * is a graceful leave that exits 0. A too-old or missing Java is a clear message. Needs
 * ringwork-runtime packaged ({@code mvn verify}, as {@code ./ringwork test} runs it).
 */
class DistributionTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String READY = " ready http=";
    @TempDir Path dir;

    @Test
    @Timeout(120)
    void theUnpackedTarballRunsTwoNodesAndStatusWithNothingButJavaAndSigtermLeaves() throws Exception {
        Path jar = ROOT.resolve("ringwork-runtime/target/ringwork-runtime.jar");
        assumeTrue(Files.isRegularFile(jar) && Files.isDirectory(ROOT.resolve("ringwork-runtime/target/lib")),
                "ringwork-runtime is not packaged (" + jar + "): run this test through mvn verify (./ringwork test), not mvn test");
        String javaHome = System.getProperty("java.home");

        Path home = unpack(javaHome);
        Path bin = home.resolve("bin/ringwork");
        assertThat(Files.isExecutable(bin)).isTrue();
        assertThat(home.resolve("lib").toFile().list((d, name) -> name.endsWith(".jar"))).contains("ringwork-runtime.jar");
        Path path = Files.createDirectories(dir.resolve("path"));
        Files.createSymbolicLink(path.resolve("ls"), Path.of(Files.isExecutable(Path.of("/bin/ls")) ? "/bin/ls" : "/usr/bin/ls"));
        Map<String, String> onlyJava = Map.of("JAVA_HOME", javaHome, "PATH", path.toString(),
                "XDG_CACHE_HOME", dir.resolve("cache").toString());

        Run version = run(bin, onlyJava, "--version");
        assertThat(version.exit()).as(version.output()).isZero();
        assertThat(version.output().trim()).isEqualTo(BuildInfo.current().toString());

        // Two nodes from the tarball, one cluster: dist-2 joins through dist-1 and logs JSON.
        Node first = Node.start(start(bin, onlyJava, "node", "--node-id", "dist-1", "--http", "127.0.0.1:0", "--bind", "127.0.0.1:0",
                "--data-dir", dir.resolve("data-1").toString(), "--log-dir", dir.resolve("log").toString(), "--partitions", "4",
                "--membership", "fast"));
        Node second = null;
        try {
            String http = first.ready.get(60, TimeUnit.SECONDS);
            HttpClient client = HttpClient.newHttpClient();
            await().atMost(Duration.ofSeconds(20)).until(() -> client.send(HttpRequest.newBuilder(URI.create("http://" + http + "/healthz")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
            String bind = first.line(" ready http=").replaceAll(".* bind=(\\S+).*", "$1");
            second = Node.start(start(bin, onlyJava, "node", "--node-id", "dist-2", "--http", "127.0.0.1:0", "--bind", "127.0.0.1:0",
                    "--data-dir", dir.resolve("data-2").toString(), "--log-dir", dir.resolve("log").toString(),
                    "--membership", "fast", "--seeds", bind, "--log-format", "json"));
            second.ready.get(60, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(20)).until(() -> state(client, http, "dist-2").equals("alive"));

            Run status = run(bin, onlyJava, "status", "--node", "http://" + http);
            assertThat(status.exit()).as(status.output()).isZero();
            assertThat(status.output()).contains("node dist-1, 4 partitions").containsPattern("dist-1\\s+alive\\s+.*\\(this node\\)")
                    .containsPattern("dist-2\\s+alive\\s");

            // SIGTERM: a graceful leave, seen by the other as "left" (not dead), and exit code 0.
            assertThat(second.terminate()).as("dist-2's exit code after SIGTERM; output:%n%s", second.output()).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> state(client, http, "dist-2").equals("left"));
            assertThat(first.terminate()).as("dist-1's exit code after SIGTERM; output:%n%s", first.output()).isZero();
        } finally {
            first.process.destroyForcibly();
            if (second != null) second.process.destroyForcibly();
        }
        assertThat(first.output()).contains("node dist-1 leaving the cluster (SIGTERM)").contains("node dist-1 stopped");
        // --log-format json: every line it logged is one JSON object with the fields; the ready line is stdout.
        List<JsonNode> events = new ArrayList<>();
        for (String line : second.output().split("\n")) {
            if (line.startsWith("ringwork node dist-2 ready http=")) continue;
            JsonNode event = new ObjectMapper().readTree(line);
            for (String field : List.of("time", "level", "logger", "thread", "message")) assertThat(event.hasNonNull(field)).as(field + " in " + line).isTrue();
            events.add(event);
        }
        assertThat(events).extracting(e -> e.path("message").asText())
                .contains("node dist-2 leaving the cluster (SIGTERM)", "node dist-2 stopped");
        assertThat(events.getLast().path("message").asText()).isEqualTo("node dist-2 stopped");
    }

    private static String state(HttpClient client, String http, String id) throws Exception {
        String body = client.send(HttpRequest.newBuilder(URI.create("http://" + http + "/v1/cluster")).build(), HttpResponse.BodyHandlers.ofString()).body();
        for (JsonNode m : new ObjectMapper().readTree(body).path("members")) if (m.path("id").asText().equals(id)) return m.path("state").asText();
        return "unknown";
    }

    /** A node process started from the tarball, its merged output read line by line. */
    private static final class Node {
        final Process process;
        final List<String> lines = new ArrayList<>();
        final CompletableFuture<String> ready = new CompletableFuture<>();
        final CountDownLatch ended = new CountDownLatch(1);

        private Node(Process process) {
            this.process = process;
        }

        static Node start(Process process) {
            Node node = new Node(process);
            Thread.ofVirtual().start(node::pump);
            return node;
        }

        /**
         * SIGTERM through the process handle: bin/ringwork execs java, so the pid is the node's.
         * Process.destroy() would also close this end of the node's pipes, losing what it logs while leaving.
         */
        int terminate() throws Exception {
            process.toHandle().destroy();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s").isTrue();
            assertThat(ended.await(5, TimeUnit.SECONDS)).as("output read to its end").isTrue();
            return process.exitValue();
        }

        String line(String containing) {
            return snapshot().stream().filter(l -> l.contains(containing)).findFirst().orElseThrow();
        }

        String output() {
            return String.join("\n", snapshot());
        }

        private List<String> snapshot() {
            synchronized (lines) {
                return List.copyOf(lines);
            }
        }

        private void pump() {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                    }
                    int at = line.indexOf(READY);
                    if (at >= 0) ready.complete(line.substring(at + READY.length()).split(" ")[0]);
                }
            } catch (IOException e) {
                // The process is gone; the wait for readiness reports it.
            } finally {
                ready.completeExceptionally(new IOException("the node exited before it was ready: " + output()));
                ended.countDown();
            }
        }
    }

    @Test
    @Timeout(60)
    void aJavaOlderThan21OrNoJavaIsAClearMessage() throws Exception {
        Path jar = ROOT.resolve("ringwork-runtime/target/ringwork-runtime.jar");
        assumeTrue(Files.isRegularFile(jar), "ringwork-runtime is not packaged: run this test through mvn verify (./ringwork test)");
        Path home = dir.resolve("unpacked");
        // The script alone decides this before any jar is needed: test it where it lives.
        Path bin = Files.createDirectories(home.resolve("bin")).resolve("ringwork");
        Files.copy(ROOT.resolve("ringwork-runtime/src/dist/bin/ringwork"), bin);
        bin.toFile().setExecutable(true);
        Path empty = Files.createDirectories(dir.resolve("empty-path"));

        Run none = run(bin, Map.of("PATH", empty.toString()), "--version");
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.output()).contains("needs a Java 21+ runtime, and found none: set JAVA_HOME or put java on PATH");

        Run wrongHome = run(bin, Map.of("PATH", empty.toString(), "JAVA_HOME", dir.toString()), "--version");
        assertThat(wrongHome.exit()).isEqualTo(1);
        assertThat(wrongHome.output()).contains("JAVA_HOME is " + dir).contains("is not an executable");

        Path old = oldJava();
        assumeTrue(old != null, "no Java older than 21 under /usr/lib/jvm to check the version message with");
        Run tooOld = run(bin, Map.of("PATH", empty.toString(), "JAVA_HOME", old.toString()), "--version");
        assertThat(tooOld.exit()).isEqualTo(1);
        assertThat(tooOld.output()).contains("needs Java 21 or newer, but " + old + "/bin/java is Java 1");
    }

    /** Packs the distribution with scripts/make-dist and unpacks it; returns its top directory. */
    private Path unpack(String javaHome) throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        ProcessBuilder pack = new ProcessBuilder("bash", ROOT.resolve("scripts/make-dist").toString(), out.toString());
        pack.environment().put("JAVA_HOME", javaHome);
        Run packed = finish(pack.redirectErrorStream(true).start(), 60);
        assertThat(packed.exit()).as(packed.output()).isZero();
        String tarball = packed.output().trim().lines().reduce((a, b) -> b).orElseThrow();
        assertThat(Path.of(tarball).getFileName().toString()).isEqualTo("ringwork-" + BuildInfo.current().version() + ".tar.gz");
        Path unpacked = Files.createDirectories(dir.resolve("unpacked"));
        Run untar = finish(new ProcessBuilder("tar", "-xzf", tarball, "-C", unpacked.toString()).redirectErrorStream(true).start(), 60);
        assertThat(untar.exit()).as(untar.output()).isZero();
        return unpacked.resolve("ringwork-" + BuildInfo.current().version());
    }

    /** A Java runtime older than 21 under /usr/lib/jvm, or null. */
    private static Path oldJava() throws IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) return null;
        try (var dirs = Files.list(jvms)) {
            return dirs.filter(d -> Files.isExecutable(d.resolve("bin/java")) && !Files.isSymbolicLink(d))
                    .filter(d -> d.getFileName().toString().matches(".*-(1[0-9]|[89])(-|\\.|$).*|.*-1\\.[0-9.]+-.*"))
                    .sorted().findFirst().orElse(null);
        }
    }

    record Run(int exit, String output) {}

    private Process start(Path bin, Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(bin.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(env);
        return builder.start();
    }

    private Run run(Path bin, Map<String, String> env, String... args) throws Exception {
        return finish(start(bin, env, args), 30);
    }

    private static Run finish(Process process, int seconds) throws Exception {
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(output lost: " + e + ")";
            }
        });
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("still running after " + seconds + " s: " + process.info().commandLine().orElse("?"));
        }
        return new Run(process.exitValue(), output.get(10, TimeUnit.SECONDS));
    }
}
