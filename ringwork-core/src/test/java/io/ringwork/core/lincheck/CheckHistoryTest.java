package io.ringwork.core.lincheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckHistoryTest {
    private static final String GOOD = """
            {"client":1,"op":"write","input":{"key":"k","value":"a"},"output":{"version":1},"call":0,"return":10}
            {"client":2,"op":"cas","input":{"key":"k","ifVersion":1,"value":"b"},"output":"timeout","call":20}
            {"client":3,"op":"read","input":{"key":"k"},"output":{"version":2,"value":"b"},"call":30,"return":40}
            """;
    private static final String BAD = GOOD + """
            {"client":3,"op":"read","input":{"key":"k"},"output":{"version":1,"value":"a"},"call":50,"return":60}
            """;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Map<String, String> files, String... args) {
        Function<String, Reader> open = name -> {
            if (name.startsWith("porcupine/")) return PorcupineLabelsTest.reader(name.substring("porcupine/".length()));
            if (!files.containsKey(name)) throw new UncheckedIOException(new NoSuchFileException(name));
            return new StringReader(files.get(name));
        };
        return CheckHistory.run(List.of(args), open, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void linearizableFilesExitZero() {
        int code = run(Map.of("good.jsonl", GOOD), "good.jsonl", "porcupine/jepsen/etcd_002.log", "porcupine/kv/c10-ok.txt");

        assertThat(code).isZero();
        assertThat(out()).contains("good.jsonl: LINEARIZABLE (3 operations, 1 part, ", "etcd_002.log: LINEARIZABLE", "c10-ok.txt: LINEARIZABLE");
    }

    @Test
    void anyNonLinearizableFileExitsOneWithItsExplanation() {
        int code = run(Map.of("good.jsonl", GOOD, "bad.jsonl", BAD), "good.jsonl", "bad.jsonl", "porcupine/kv/c01-bad.txt");

        assertThat(code).isEqualTo(CheckHistory.NOT_LINEARIZABLE);
        assertThat(out()).contains("good.jsonl: LINEARIZABLE", "bad.jsonl: NOT_LINEARIZABLE (4 operations",
                "could not be placed next:", "client 3: read(k) @50", "c01-bad.txt: NOT_LINEARIZABLE");
    }

    @Test
    void unreadableOrMalformedFilesAreOneLineEachAndExitTwo() {
        int code = run(Map.of("broken.jsonl", "{\"client\":1,"), "missing.jsonl", "broken.jsonl");

        assertThat(code).isEqualTo(CheckHistory.BAD_INPUT);
        assertThat(err()).contains("missing.jsonl: cannot read: no such file", "broken.jsonl: line 1: not JSON");
        assertThat(err().lines()).hasSize(2);
    }

    @Test
    void aSpentBudgetExitsThree() {
        int code = run(Map.of(), "--max-steps", "100", "porcupine/kv/c50-ok.txt");

        assertThat(code).isEqualTo(CheckHistory.UNKNOWN);
        assertThat(out()).contains("c50-ok.txt: UNKNOWN", "step budget of 100 spent");
    }

    @Test
    void badArgumentsExitTwoWithUsage() {
        assertThat(run(Map.of())).isEqualTo(CheckHistory.BAD_INPUT);
        assertThat(err()).contains("usage: CheckHistory");
        assertThat(run(Map.of(), "--max-steps", "lots", "x")).isEqualTo(CheckHistory.BAD_INPUT);
        assertThat(err()).contains("--max-steps must be a positive integer, not lots");
        assertThat(run(Map.of(), "--verbose", "x")).isEqualTo(CheckHistory.BAD_INPUT);
        assertThat(err()).contains("unknown option --verbose");
    }

    @Test
    void realFilesAreOpened(@TempDir Path dir) throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.jsonl"), BAD);
        Function<String, Reader> open = CheckHistory::open;
        int code = CheckHistory.run(List.of(bad.toString(), dir.resolve("absent").toString()), open,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(code).isEqualTo(CheckHistory.NOT_LINEARIZABLE);
        assertThat(out()).contains("bad.jsonl: NOT_LINEARIZABLE");
        assertThat(err()).contains("absent: cannot read: no such file");
    }
}
