package io.ringwork.core.lincheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The checker against every labelled history of Porcupine's test data
 * ({@code src/test/resources/porcupine}, MIT licence): its verdict must equal LABELS.txt for all
 * of them, within the default budget.
 */
class PorcupineLabelsTest {
    private static final String ROOT = "/porcupine/";

    @Test
    void everyLabelledHistoryGetsItsLabel() throws IOException {
        List<String> labels = resourceLines("LABELS.txt");
        assertThat(labels).hasSize(108);
        List<String> wrong = new ArrayList<>();
        long started = System.nanoTime();
        List<String> timings = new ArrayList<>();
        for (String entry : labels) {
            String[] parts = entry.trim().split("\\s+");
            Verdict expected = switch (parts[1]) {
                case "linearizable" -> Verdict.LINEARIZABLE;
                case "not-linearizable" -> Verdict.NOT_LINEARIZABLE;
                default -> throw new IllegalStateException("unknown label " + entry);
            };
            long t0 = System.nanoTime();
            CheckResult<?, ?> result = check(parts[0]);
            long tookNs = System.nanoTime() - t0;
            timings.add(String.format("%06d ms %s (%d operations, %d steps)", tookNs / 1_000_000, parts[0], result.operations(), result.steps()));
            if (result.verdict() != expected) wrong.add(parts[0] + ": expected " + expected + ", got " + result.describe());
            if (expected == Verdict.NOT_LINEARIZABLE) {
                assertThat(result.explanation()).as(parts[0]).isNotNull();
                assertThat(result.explanation().unplaced()).as(parts[0]).isNotEmpty();
            }
        }
        timings.sort(java.util.Comparator.reverseOrder());
        System.out.printf("porcupine: %d/%d agree with their labels in %d ms; slowest: %s%n",
                labels.size() - wrong.size(), labels.size(), (System.nanoTime() - started) / 1_000_000,
                String.join("; ", timings.subList(0, 4)).replaceAll("(^|; )0+(\\d)", "$1$2"));
        assertThat(wrong).isEmpty();
    }

    private static CheckResult<?, ?> check(String name) throws IOException {
        try (Reader in = reader(name)) {
            if (name.startsWith("jepsen/")) {
                return LinearizabilityChecker.check(CasRegisterModel.INSTANCE, PorcupineHistories.jepsenEtcd(in));
            }
            return LinearizabilityChecker.check(KvModel.INSTANCE, PorcupineHistories.kv(in));
        }
    }

    static Reader reader(String name) {
        InputStream in = PorcupineLabelsTest.class.getResourceAsStream(ROOT + name);
        assertThat(in).as("resource " + name).isNotNull();
        return new InputStreamReader(in, StandardCharsets.UTF_8);
    }

    private static List<String> resourceLines(String name) throws IOException {
        try (Reader in = reader(name)) {
            return new java.io.BufferedReader(in).lines().filter(l -> !l.isBlank()).toList();
        }
    }
}
