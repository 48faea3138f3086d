package io.ringwork.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ringwork demo --kafka} end to end, as a user runs it but with a 12 s producing phase: a
 * broker started by the demo itself, 3 node processes reading a fresh topic with each only its own
 * data directory, the demo's kill and join, every document verified; RESULT OK, the broker stopped
 * by its PID and no process left. About 2 minutes on 2 cores, so it runs with {@code -Pslow}.
 */
@Tag("slow")
class DemoOnKafkaTest {
    @Test
    @Timeout(600)
    void theDemoOnKafkaStartsItsBrokerSurvivesItsKillAndJoinAndVerifiesEveryDocument(@TempDir Path work) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream was = System.out;
        int code;
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            code = RingworkHarnessCli.run("demo", "--verbose", "--kafka", "--duration", "12s", "--dir", work.toString());
        } finally {
            System.setOut(was);
        }
        String report = bytes.toString(StandardCharsets.UTF_8);
        System.out.println(report);

        Matcher broker = Pattern.compile("kafka: broker up \\(pid (\\d+)\\) at 127\\.0\\.0\\.1:\\d+; topic (ringwork-demo-\\S+) with 16 partitions")
                .matcher(report);
        assertThat(broker.find()).as("the broker's line\n%s", report).isTrue();
        long brokerPid = Long.parseLong(broker.group(1));
        assertThat(report).contains("3 node processes, the log on Kafka", "KILL n", "JOIN n4",
                "anomalies: lost 0, duplicated 0, reordered 0, divergent 0", "RESULT: OK, 0 anomalies",
                "kafka: stopped the broker (pid " + brokerPid);
        assertThat(code).as(report).isZero();
        for (String node : new String[] {"n1", "n2", "n3", "n4"}) {
            assertThat(work.resolve(node)).as("%s's own data directory", node).isDirectory();
        }
        assertThat(work.resolve("log")).as("no embedded log: the nodes share only Kafka").doesNotExist();
        assertThat(Files.readString(work.resolve("n1").resolve("node.out"))).contains(broker.group(2));
        assertThat(ProcessHandle.of(brokerPid).filter(ProcessHandle::isAlive)).as("the broker after the demo").isEmpty();
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).toList()).as("processes left").isEmpty();
    }
}
