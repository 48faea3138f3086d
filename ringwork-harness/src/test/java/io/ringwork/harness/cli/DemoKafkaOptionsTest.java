package io.ringwork.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code demo --kafka} and {@code chaos --kafka} refused before any node starts: options that do
 * not go together, a bootstrap the Kafka client cannot use, one nobody answers at, and a broker
 * that cannot start. Each is one line on stderr, exit code 2, and no process left running.
 */
class DemoKafkaOptionsTest {
    @TempDir Path dir;

    @Test
    void kafkaGoesWithTheClusterOnly() {
        String line = "ringwork demo: --kafka runs the demo's cluster (2 nodes or more); the single-node flow uses the embedded log";
        assertThat(run("demo", "--kafka", "--single")).isEqualTo(new Outcome(2, line));
        assertThat(run("demo", "--nodes", "1", "--kafka", "127.0.0.1:9092")).isEqualTo(new Outcome(2, line));
    }

    @Test
    void aBootstrapTheClientCannotUseIsOneLine() {
        assertThat(run("demo", "--kafka", "nohost", "--dir", dir.resolve("a").toString()))
                .isEqualTo(new Outcome(2, "ringwork demo: cannot use Kafka bootstrap 'nohost': Invalid url in bootstrap.servers: nohost"));
        assertThat(Files.exists(dir.resolve("a/n1"))).as("no node started").isFalse();
    }

    @Test
    void anUnreachableBootstrapIsOneLineAfterAShortWait() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort(); // free now, and closed: nothing answers there
        }
        long startNs = System.nanoTime();
        Outcome outcome = run("chaos", "--kafka", "127.0.0.1:" + port, "--dir", dir.resolve("b").toString());
        long tookMs = (System.nanoTime() - startNs) / 1_000_000;
        assertThat(outcome).isEqualTo(new Outcome(2, "ringwork chaos: no Kafka broker answered at 127.0.0.1:" + port
                + " within 5 s; is it running and reachable? (without an address, --kafka starts a broker itself)"));
        assertThat(tookMs).as("gives up after its 5 s").isBetween(4_000L, 20_000L);
        assertThat(Files.exists(dir.resolve("b/n1"))).as("no node started").isFalse();
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).toList()).as("processes left").isEmpty();
    }

    @Test
    void aBrokerThatCannotStartIsOneLineAndLeavesNothingRunning() throws Exception {
        // The broker's data directory is taken by a file: its start fails before any process runs.
        Path work = Files.createDirectories(dir.resolve("c"));
        Files.writeString(work.resolve("kafka"), "not a directory");
        Outcome outcome = run("demo", "--kafka", "--dir", work.toString());
        assertThat(outcome.code()).isEqualTo(2);
        assertThat(outcome.err()).startsWith("ringwork demo: the Kafka broker did not start: cannot use its data directory "
                + work.resolve("kafka")).doesNotContain("\n");
        assertThat(Files.exists(work.resolve("n1"))).as("no node started").isFalse();
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).toList()).as("processes left").isEmpty();
    }

    private record Outcome(int code, String err) {}

    private static Outcome run(String... args) {
        PrintStream wasErr = System.err;
        PrintStream wasOut = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            code = RingworkHarnessCli.run(args);
        } finally {
            System.setErr(wasErr);
            System.setOut(wasOut);
        }
        return new Outcome(code, bytes.toString(StandardCharsets.UTF_8).strip());
    }
}
