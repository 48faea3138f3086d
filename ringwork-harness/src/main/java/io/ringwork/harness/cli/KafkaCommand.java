package io.ringwork.harness.cli;

import io.ringwork.harness.kafka.KafkaBrokerProcess;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ringwork kafka}: a single-node KRaft broker from Kafka's own server jars
 * ({@link KafkaBrokerProcess}), for trying ringwork on Kafka on one machine. Prints one line with
 * the bootstrap address once the broker answers, then runs until Ctrl-C or SIGTERM, which stop the
 * broker by its PID. Its data stays in {@code --data}, so a restart keeps the topics. After Ctrl-C
 * or SIGTERM the exit code is the signal's (130, 143); 1 when the broker exited by itself; 2 for
 * bad options or a failed start.
 */
@Command(name = "kafka", mixinStandardHelpOptions = true,
        description = "Run a single-node Kafka broker (KRaft, Kafka's own server jars) until Ctrl-C; its data stays in --data.")
final class KafkaCommand implements Callable<Integer> {
    @Option(names = "--data", defaultValue = "kafka-data", description = "data directory, kept across restarts (default ${DEFAULT-VALUE})") Path data;
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on and advertise (default ${DEFAULT-VALUE})") String host;
    @Option(names = "--port", defaultValue = "9092", description = "client port; 0 picks a free one (default ${DEFAULT-VALUE})") int port;
    @Option(names = "--create-topic", paramLabel = "NAME", description = "create this topic if it does not exist") String topic;
    @Option(names = "--partitions", description = "partitions of --create-topic (default 16)") Integer partitions;

    @Override
    public Integer call() throws Exception {
        if (partitions != null && topic == null) throw new IllegalArgumentException("--partitions goes with --create-topic NAME");
        int count = partitions == null ? 16 : partitions;
        if (count < 1) throw new IllegalArgumentException("--partitions must be at least 1, got " + count);
        // Ctrl-C and SIGTERM end this JVM; the broker's own shutdown hook stops the broker by its PID.
        AtomicBoolean signalled = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> signalled.set(true), "kafka-command-signalled"));
        KafkaBrokerProcess broker = KafkaBrokerProcess.start(data, host, port);
        if (topic != null) {
            try {
                broker.createTopic(topic, count);
            } catch (Exception e) {
                broker.stop();
                throw e;
            }
        }
        System.out.printf("kafka ready bootstrap=%s pid=%d data=%s%s%n", broker.bootstrap(), broker.pid(), broker.dataDir(),
                topic == null ? "" : " topic=" + topic + " partitions=" + count);
        System.out.println("  (Ctrl-C stops it; the broker's log is " + broker.output() + ")");
        int code = broker.waitFor();
        // Ctrl-C reaches the broker too (one process group), and it can exit a moment before this
        // JVM's hooks start: the broker takes far longer than 200 ms to shut down, the hooks do not.
        // After a signal the JVM exits with the signal's code whatever is returned here; the check
        // only keeps the line below for a broker that died by itself.
        Thread.sleep(200);
        if (signalled.get()) return 0;
        System.err.println("ringwork kafka: the broker exited with code " + code + "; see " + broker.output());
        return 1;
    }
}
