package io.ringwork.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ringwork demo} as a newcomer sees it (issue 23, item 9): the console's address and plain
 * lines while it runs, then a short summary (what it did, records, throughput, failover,
 * anomalies by name, result); the technical report goes to a file named at the end. A short run:
 * 3 real nodes, 8 s of events, one kill.
 */
class DemoSummaryTest {
    @Test
    @Timeout(300)
    void theDemoTellsANewcomerWhatHappenedAndKeepsTheTechnicalReportInAFile(@TempDir Path work) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream was = System.out;
        int code;
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            code = RingworkHarnessCli.run("demo", "--duration", "8s", "--rate", "500", "--faults", "kill", "--dir", work.toString());
        } finally {
            System.setOut(was);
        }
        String shown = bytes.toString(StandardCharsets.UTF_8);
        System.out.println(shown);

        assertThat(code).as(shown).isZero();
        assertThat(shown).containsPattern("Console: http://127\\.0\\.0\\.1:\\d+/ ");
        assertThat(shown).contains("Started 3 ringwork nodes", "killed with kill -9", "\nSummary\n",
                "  what it did   3 nodes sharing an embedded log", "killed (kill -9) at", "  records       ",
                "  throughput    ", "  failover      a killed node's partitions were processed again",
                "  anomalies     lost 0, duplicated 0, reordered 0, divergent 0", "  result        OK", "RESULT: OK, 0 anomalies");
        // The technical lines are not on the terminal, but in the report file it names.
        assertThat(shown).doesNotContain("fault plan:", "SIGKILL pid");
        Matcher file = Pattern.compile("The full technical report of this run: (\\S+)").matcher(shown);
        assertThat(file.find()).as(shown).isTrue();
        Path report = Path.of(file.group(1));
        try {
            assertThat(Files.readString(report)).contains("fault plan:", "KILL n", "anomalies: lost 0", "RESULT: OK, 0 anomalies");
        } finally {
            Files.deleteIfExists(report);
        }
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).toList()).as("processes left").isEmpty();
    }
}
