package io.ringwork.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ringwork kafka}'s bad options: one line and exit code 2, before any broker starts. */
class KafkaCommandTest {
    @TempDir Path dir;

    @Test
    void badOptionsAreOneLineAndExitCode2() {
        assertThat(run("kafka", "--data", dir.resolve("a").toString(), "--partitions", "4"))
                .isEqualTo(new Outcome(2, "ringwork kafka: --partitions goes with --create-topic NAME"));
        assertThat(run("kafka", "--data", dir.resolve("b").toString(), "--create-topic", "t", "--partitions", "0"))
                .isEqualTo(new Outcome(2, "ringwork kafka: --partitions must be at least 1, got 0"));
        assertThat(run("kafka", "--data", dir.resolve("c").toString(), "--host", "0.0.0.0"))
                .isEqualTo(new Outcome(2, "ringwork kafka: the broker advertises its host to clients: give a concrete address, not 0.0.0.0"));
        assertThat(run("kafka", "--data", dir.resolve("d").toString(), "--port", "70000"))
                .isEqualTo(new Outcome(2, "ringwork kafka: port must be 0 to 65535, got 70000"));
        assertThat(Files.exists(dir.resolve("b"))).as("nothing written for refused options").isFalse();
    }

    private record Outcome(int code, String err) {}

    private static Outcome run(String... args) {
        PrintStream was = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            code = RingworkHarnessCli.run(args);
        } finally {
            System.setErr(was);
        }
        return new Outcome(code, bytes.toString(StandardCharsets.UTF_8).strip());
    }
}
