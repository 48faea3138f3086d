package io.ringwork.harness.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ringwork.harness.chaos.FaultSchedule.Kind;
import io.ringwork.harness.chaos.FaultSchedule.Plan;
import io.ringwork.harness.kafka.KafkaBrokerProcess;
import io.ringwork.harness.netns.NetworkNamespaces;
import io.ringwork.harness.netns.NetworkNamespaces.Host;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes on separate hosts (issue 20, item 6): 3 node processes, each in a network namespace of its
 * own with its own address and data directory, joined by {@code --bind}/{@code --seeds} on those
 * addresses over a bridge; the chaos harness produces its seeded workload through their APIs and
 * injects, in this order, a kill -9 and restart, a SIGSTOP/SIGCONT, the join of a 4th node on a
 * 4th host, a network partition of one node both ways and then one way (nft drop rules in that
 * node's namespace), and heals. Then every replica and feed is checked against the sequential fold
 * ({@link ChaosChecks}), and the cut-off node's partitions must have been processed again on the
 * majority side.
 *
 * <p>The log: a real Kafka broker ({@link KafkaBrokerProcess}) runs on a 5th host and the nodes read
 * its topic with {@code --kafka BOOTSTRAP --topic NAME}, sharing nothing but the network. With
 * {@code -Dringwork.hosts.log=embedded} they use the embedded log in one directory that every
 * namespace sees instead (namespaces share the file system), the one shared path.
 *
 * <p>Needs root, {@code ip} and {@code nft} ({@code ./ringwork tools install nft}); skipped otherwise.
 * About 3 minutes, so it runs with {@code ./ringwork test -Pslow}.
 */
@Tag("slow")
class SeparateHostsChaosTest {
    private static final long SEED = 20;
    private static final long DURATION_MS = 80_000;
    /**
     * The cut-off node's partitions must be processed again on the majority side within this. The
     * target for a killed owner is p99 2 s (DESIGN.md section 8); this bound leaves room for a
     * loaded machine (at a load average of 30 on 2 cores a cut's p99 was 3.3 s, on a quieter one
     * 0.65 s): it fails a failover that stalls, and the report prints the figure against the target.
     */
    private static final long FAILOVER_BOUND_MS = 5_000;
    private static final int PARTITIONS = 16;
    /** The nodes' log: the shared embedded log's directory, or "kafka" (see the class comment). */
    private static final boolean ON_KAFKA = "kafka".equals(System.getProperty("ringwork.hosts.log", "kafka"));
    private static final String TOPIC = "ringwork-hosts";

    @BeforeAll
    static void namespacesCanBeMade() {
        var reason = NetworkNamespaces.unavailable();
        assumeTrue(reason.isEmpty(), () -> "skipped: " + reason.orElse(""));
    }

    @Test
    @Timeout(900)
    void threeNodesOnHostsOfTheirOwnSurviveKillPauseJoinAndPartitions(@TempDir Path work) throws Exception {
        List<Kind> scenario = FaultSchedule.parseFaults("kill,pause,join,partition,partition-oneway");
        ChaosRun.Config config = new ChaosRun.Config(3, DURATION_MS, scenario, SEED, 1000, PARTITIONS, 10, 200, 0.005, 500, 120_000);
        Plan plan = FaultSchedule.inOrder(SEED, 3, DURATION_MS, scenario);
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        Path secretFile = Files.write(work.resolve("cluster.secret"), secret);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(new Tee(bytes, System.out), true, StandardCharsets.UTF_8);
        ChaosRun run;
        int code;
        List<Host> hosts;
        try (NetworkNamespaces nets = NetworkNamespaces.create(ON_KAFKA ? 5 : 4);
             KafkaBrokerProcess broker = ON_KAFKA ? broker(nets.host(5), work) : null) {
            hosts = nets.hosts().subList(0, 4); // a partition cuts a node off from these only: the broker stays reachable
            out.println("hosts: " + nets.hosts() + " on " + nets.subnet() + ", the test at " + nets.rootAddress()
                    + (broker == null ? "; log: the embedded log in " + work.resolve("log") : "; log: Kafka at " + broker.bootstrap()));
            List<String> logArgs = broker == null ? List.of("--log-dir", work.resolve("log").toString())
                    : List.of("--kafka", broker.bootstrap(), "--topic", TOPIC);
            // Off loopback a node's peer port needs the cluster's secret, and its API tokens or
            // --insecure-api: open here, since only this test's own namespaces reach the API.
            NodePlacement placement = new NamespacePlacement(nets, hosts, logArgs,
                    List.of("--secret-file", secretFile.toString(), "--insecure-api"));
            run = new ChaosRun(config, plan, placement, work, out);
            code = run.run();
        }
        String report = bytes.toString(StandardCharsets.UTF_8);
        ChaosFigures figures = run.figures();

        for (int i = 0; i < 4; i++) {
            assertThat(report).as("n%d on its own host", i + 1).containsPattern("n" + (i + 1) + " (up \\(pid \\d+\\)|\\(pid \\d+\\) ready after \\d+ ms)"
                    + " at http://" + hosts.get(i).address().replace(".", "\\.") + ":");
        }
        assertThat(report).contains("KILL n", "PAUSE n", "JOIN n4", "from the other nodes (both ways)", "from the other nodes (one way");
        assertThat(figures).as("the run got to its checks").isNotNull();
        assertThat(figures.anomalyLine()).isEqualTo("lost 0, duplicated 0, reordered 0, divergent 0");
        assertThat(figures.drained()).isTrue();
        assertThat(code).as(report).isZero();

        assertThat(figures.cuts()).hasSize(2);
        for (ChaosFigures.Kill cut : figures.cuts()) {
            assertThat(cut.failover()).as("ownership before the cut of %s", cut.node()).isNotNull();
            assertThat(cut.failover().never()).as("partitions of %s never processed again on the majority side", cut.node()).isEmpty();
            assertThat(cut.failover().gaps()).as("partitions of %s processed again", cut.node()).isNotEmpty();
        }
        assertThat(figures.cutFailoverPerPartition().maxMs()).as("failover across a partition, max").isLessThanOrEqualTo(FAILOVER_BOUND_MS);

        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).toList()).as("processes left").isEmpty();
        assertThat(NetworkNamespaces.existing()).noneMatch(n -> n.startsWith(NetworkNamespaces.PREFIX + "-" + ProcessHandle.current().pid() + "-"));
    }

    /** A broker on {@code host}, bound to its address, with the run's topic. */
    private static KafkaBrokerProcess broker(Host host, Path work) throws Exception {
        KafkaBrokerProcess broker = KafkaBrokerProcess.start(work.resolve("kafka"), host.address(), 9092, host.exec());
        try {
            broker.createTopic(TOPIC, PARTITIONS);
        } catch (Exception e) {
            broker.close();
            throw e;
        }
        return broker;
    }

    /** Writes to both: the report is kept for the assertions and shown as the run goes. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }
    }
}
