package io.ringwork.harness.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's topic: without a bootstrap on a broker started for the run (stopped by PID at close);
 * with one, on that cluster, created fresh with the run's partition count and deleted at close
 * (kept if asked), while the cluster's other topics stay. One broker start, about 15 s.
 */
class RunTopicTest {
    @TempDir Path work;

    @Test
    void ownBrokerIsStoppedAndATopicOnAUsersClusterIsDeletedOnlyIfCreatedAndNotKept() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        long brokerPid;
        try (RunTopic own = RunTopic.open(null, work, 4, "ringwork-test", false, out)) {
            brokerPid = own.broker().pid();
            assertThat(own.bootstrap()).startsWith("127.0.0.1:");
            assertThat(own.topic()).matches("ringwork-test-\\d{8}-\\d{6}-[0-9a-f]{4}");
            String users = own.bootstrap(); // the broker stands in for a user's cluster below
            own.broker().createTopic("theirs", 1);
            assertThat(partitions(users, own.topic())).isEqualTo(4);

            String deleted;
            try (RunTopic onTheirs = RunTopic.open(users, work, 6, "ringwork-demo", false, out)) {
                deleted = onTheirs.topic();
                assertThat(onTheirs.broker()).isNull();
                assertThat(deleted).isNotEqualTo(own.topic());
                assertThat(partitions(users, deleted)).isEqualTo(6);
            }
            String kept;
            try (RunTopic keptTopic = RunTopic.open(users, work, 2, "ringwork-demo", true, out)) {
                kept = keptTopic.topic();
            }
            try (Admin admin = admin(users)) {
                // A deletion reaches the broker's metadata a moment after the controller made it.
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS))
                        .contains("theirs", own.topic(), kept).doesNotContain(deleted));
            }
            String report = bytes.toString(StandardCharsets.UTF_8);
            assertThat(report).contains("topic " + deleted + " with 6 partitions created for this run at " + users + " (deleted at the end)",
                    "deleted topic " + deleted + " at " + users + " (this run created it)", "topic " + kept + " kept at " + users);
        }
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("stopped the broker (pid " + brokerPid);
        assertThat(ProcessHandle.of(brokerPid).filter(ProcessHandle::isAlive)).as("broker process after close").isEmpty();
    }

    private static int partitions(String bootstrap, String topic) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            return admin.describeTopics(Set.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic).partitions().size();
        }
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }
}
