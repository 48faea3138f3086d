package io.ringwork.harness.cli;

import io.ringwork.harness.chaos.ChaosRun;
import io.ringwork.harness.chaos.FaultSchedule;
import io.ringwork.harness.chaos.NodePlacement;
import io.ringwork.harness.kafka.RunTopic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ringwork chaos}: real node processes on loopback, a seeded workload, seeded faults (kill,
 * pause, join, leave), then drain and check every replica against the sequential fold. See
 * docs/CHAOS.md. Exit code 0 only with zero anomalies.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = "Run N node processes, produce a seeded workload, inject seeded faults, check every replica.")
final class ChaosCommand implements Callable<Integer> {
    @Option(names = "--nodes", defaultValue = "3", description = "nodes at the start (default ${DEFAULT-VALUE})") int nodes;
    @Option(names = "--duration", defaultValue = "30s", description = "producing phase, e.g. 30s or 2m (default ${DEFAULT-VALUE})") String duration;
    @Option(names = "--faults", defaultValue = "kill,pause,join,leave",
            description = "faults to inject, one entry per fault, repeats allowed; 'none' for none (default ${DEFAULT-VALUE})") String faults;
    @Option(names = "--seed", defaultValue = "42", description = "seed of the workload and the fault plan (default ${DEFAULT-VALUE})") long seed;
    @Option(names = "--rate", defaultValue = "2000", description = "records per second (default ${DEFAULT-VALUE})") long rate;
    @Option(names = "--partitions", defaultValue = "16", description = "partitions of the shared log (default ${DEFAULT-VALUE})") int partitions;
    @Option(names = "--tenants", defaultValue = "10", description = "gluer tenants (default ${DEFAULT-VALUE})") int tenants;
    @Option(names = "--docs", defaultValue = "200", description = "documents per tenant (default ${DEFAULT-VALUE})") int docs;
    @Option(names = "--resources", defaultValue = "500", description = "resource keys res/rN (default ${DEFAULT-VALUE})") int resources;
    @Option(names = "--invalid", defaultValue = "0.005", description = "share of invalid gluer pieces (default ${DEFAULT-VALUE})") double invalid;
    @Option(names = "--drain-timeout", defaultValue = "60s", description = "wait this long for every node and feed to catch up (default ${DEFAULT-VALUE})") String drainTimeout;
    @Option(names = "--dir", description = "working directory (default: a new temporary one, deleted afterwards)") Path dir;
    @Option(names = "--keep", description = "keep the working directory (node outputs are in DIR/nID/node.out)") boolean keep;
    @Option(names = "--kv-clients", defaultValue = "0",
            description = "concurrent key-value clients during the faults, their history checked for linearizability (default ${DEFAULT-VALUE}: none)")
    int kvClients;
    @Option(names = "--kv-keys", defaultValue = "3", description = "hot keys the key-value clients share (default ${DEFAULT-VALUE})") int kvKeys;
    @Option(names = "--kafka", arity = "0..1", paramLabel = "BOOTSTRAP", description = KAFKA_HELP) String kafka;

    /** The help of {@code --kafka}, the same for demo and chaos. */
    static final String KAFKA_HELP = "the log is a fresh Kafka topic (unique name, --partitions partitions) on the cluster at BOOTSTRAP;"
            + " without BOOTSTRAP, on a single-node broker started for the run and stopped at its end."
            + " A topic created on your cluster is deleted at the end unless --keep";

    @Override
    public Integer call() throws Exception {
        if (nodes < 1 || rate < 1 || partitions < 1) throw new IllegalArgumentException("--nodes, --rate and --partitions must be positive");
        ChaosRun.Config config = new ChaosRun.Config(nodes, durationMs(duration), FaultSchedule.parseFaults(faults), seed, rate,
                partitions, tenants, docs, invalid, resources, durationMs(drainTimeout));
        if (kvClients < 0 || kvKeys < 1) throw new IllegalArgumentException("--kv-clients must be at least 0 and --kv-keys at least 1");
        if (kvClients == 0) return run(config, dir, keep, kafka, "ringwork-chaos");
        return run(config, dir, keep, kafka, "ringwork-chaos", System.out, (run, logDescription) -> run.withKvClients(kvClients, kvKeys));
    }

    /**
     * Runs {@code config} in {@code dir} (or a temporary directory, deleted afterwards unless kept),
     * on the shared embedded log, or on Kafka when {@code kafka} is not null ({@link RunTopic}: an
     * empty one starts a broker, a topic named after {@code topicPrefix}).
     */
    static int run(ChaosRun.Config config, Path dir, boolean keep, String kafka, String topicPrefix) throws Exception {
        return run(config, dir, keep, kafka, topicPrefix, System.out, (run, logDescription) -> run);
    }

    /**
     * As {@link #run(ChaosRun.Config, Path, boolean, String, String)}, with the technical report on
     * {@code report} and {@code setup} given the run and a newcomer's words for where its log is
     * (the demo adds its brief lines and --keep's hold).
     */
    static int run(ChaosRun.Config config, Path dir, boolean keep, String kafka, String topicPrefix, java.io.PrintStream report,
                   java.util.function.BiFunction<ChaosRun, String, ChaosRun> setup) throws Exception {
        Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("ringwork-chaos-");
        try {
            if (kafka == null) return setup.apply(new ChaosRun(config, work, report), "sharing an embedded log on this disk").run();
            // The broker (or the topic on the user's cluster) is closed before the directory with its data is deleted.
            try (RunTopic log = RunTopic.open(kafka, work, config.partitions(), topicPrefix, keep, System.out)) {
                NodePlacement placement = NodePlacement.loopback(List.of("--kafka", log.bootstrap(), "--topic", log.topic()));
                FaultSchedule.Plan plan = FaultSchedule.plan(config.seed(), config.nodes(), config.durationMs(), config.faults());
                return setup.apply(new ChaosRun(config, plan, placement, work, report),
                        "with their log on Kafka (topic " + log.topic() + ")").run();
            }
        } finally {
            if (dir == null && !keep) DemoCommand.deleteTree(work);
            else System.out.println("  working directory kept: " + work);
        }
    }

    /** "30s", "2m", "1500ms" or plain seconds. */
    static long durationMs(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (t.endsWith("ms")) return Long.parseLong(t.substring(0, t.length() - 2));
            if (t.endsWith("s")) return Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000);
            if (t.endsWith("m")) return Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 60_000);
            return Math.round(Double.parseDouble(t) * 1000);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (e.g. 30s, 2m, 1500ms)");
        }
    }
}
