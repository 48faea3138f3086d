package io.ringwork.harness.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.lincheck.JsonLinesHistory;
import io.ringwork.core.lincheck.Verdict;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short chaos run with key-value clients: 3 node processes, 20 s, a kill -9 and a SIGSTOP while
 * 4 clients read, write and compare-and-set 2 hot keys; the history is linearizable and no
 * acknowledged write is lost. About a minute.
 */
@Tag("slow")
class KvChaosRunTest {
    @Test
    void kvHistoryUnderAKillAndAPauseIsLinearizableWithNoLostAcknowledgedWrite(@TempDir Path work) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        ChaosRun.Config config = new ChaosRun.Config(3, 20_000, FaultSchedule.parseFaults("kill,pause"), 3, 500,
                8, 4, 100, 0.005, 100, 60_000);
        ChaosRun run = new ChaosRun(config, work, out).withKvClients(4, 2);
        int code = run.run();
        String report = bytes.toString(StandardCharsets.UTF_8);
        System.out.println(report);
        KvChaosClients.Verdicts kv = run.kvVerdicts();
        assertThat(kv).as(report).isNotNull();
        assertThat(kv.verdict()).as(report).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(kv.lostAcks()).as(report).isZero();
        // Enough happened to mean something: acknowledged writes, and the history on disk as the check command reads it.
        assertThat(kv.acknowledged()).as(report).isGreaterThan(20);
        assertThat(JsonLinesHistory.parse(Files.newBufferedReader(work.resolve("kv-history.jsonl")))).hasSize(kv.operations());
        assertThat(report).contains("KILL n", "PAUSE n", "kv: LINEARIZABLE", "RESULT: OK");
        assertThat(code).as(report).isZero();
        assertThat(ProcessHandle.current().children().noneMatch(ProcessHandle::isAlive)).as("a node process outlived the run").isTrue();
    }
}
