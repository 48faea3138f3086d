package io.ringwork.harness.kafka;

import io.ringwork.harness.process.NodeProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.internals.Topic;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one process) run from Kafka's
 * own server jars in a child JVM, for {@code ringwork kafka}, the tests and the demo.
 *
 * <p>{@link #start} writes {@code server.properties} into the data directory, formats the storage
 * the way {@code kafka-storage.sh format --standalone} does (only the first time: a restart on the
 * same directory keeps its cluster id, its topics and its ports), runs {@code kafka.Kafka} and
 * returns once an Admin client got an answer from it. The child's output goes to
 * {@code <dataDir>/broker.out}. The process is ended only through its own handle, by its PID:
 * {@link #stop()} is SIGTERM (Kafka's clean shutdown), SIGKILL after 30 s; a shutdown hook stops it
 * if this JVM exits first.
 *
 * <p>The jars come from {@code ringwork-kafka-broker/target/lib} (the module that resolves
 * {@code kafka_2.13}), found from this class's location, or from {@code RINGWORK_KAFKA_LIB}.
 * Not thread-safe; one owner per broker.
 */
public final class KafkaBrokerProcess implements AutoCloseable {
    /** The broker's output, every start appending. */
    public static final String OUTPUT_FILE = "broker.out";
    /** The broker's configuration, written on every start (the ports of the first one kept). */
    public static final String PROPERTIES_FILE = "server.properties";
    /** Overrides where Kafka's server jars are. */
    public static final String LIB_ENV = "RINGWORK_KAFKA_LIB";
    /** A modest, fixed heap: enough for a test's or a newcomer's topics, small beside the nodes'. */
    static final String HEAP = "512m";
    static final long READY_TIMEOUT_MS = 90_000;
    static final long STOP_TIMEOUT_MS = 30_000;
    private static final String LOG_DIR = "kraft-logs";
    private static final String LOG_CONFIG = "log4j2.properties";

    private final Process process;
    private final String bootstrap;
    private final Path dataDir;
    private final Thread shutdownHook;

    private KafkaBrokerProcess(Process process, String bootstrap, Path dataDir) {
        this.process = process;
        this.bootstrap = bootstrap;
        this.dataDir = dataDir;
        this.shutdownHook = new Thread(this::stopQuietly, "kafka-broker-stop-" + process.pid());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** {@link #start(Path, String, int, List)} in this process's own network. */
    public static KafkaBrokerProcess start(Path dataDir, String host, int port) throws IOException, InterruptedException {
        return start(dataDir, host, port, List.of());
    }

    /**
     * Starts a broker whose clients connect to {@code host:port} and waits until it answers.
     *
     * @param dataDir       its data (created if absent); a directory of an earlier broker is reused as it is
     * @param host          the address it listens on and advertises; a concrete address, not 0.0.0.0
     * @param port          its client port; 0 picks a free one (the one of the last start on this
     *                      directory if there was one), in this process's network only
     * @param commandPrefix put before the child's {@code java} command, e.g. {@code ip netns exec NAME}
     *                      to run it in a network namespace (then give a port: 0 cannot be checked from here);
     *                      must exec the command, so that the child's PID is the broker's
     * @return the running broker; its {@link #bootstrap()} answers Admin requests
     * @throws IOException when the jars are missing, the storage cannot be formatted, or the broker
     *                     exits or does not answer within 90 s (with the tail of its output)
     */
    public static KafkaBrokerProcess start(Path dataDir, String host, int port, List<String> commandPrefix)
            throws IOException, InterruptedException {
        if (port < 0 || port > 65_535) throw new IllegalArgumentException("port must be 0 to 65535, got " + port);
        if (port == 0 && !commandPrefix.isEmpty()) {
            throw new IllegalArgumentException("give a port for a broker started through a command prefix: port 0 is checked for being free only here");
        }
        checkHost(host);
        Path lib = libDirectory();
        Files.createDirectories(dataDir);
        Path dir = dataDir.toAbsolutePath();
        Properties previous = readPrevious(dir.resolve(PROPERTIES_FILE));
        // The controller's port is in the formatted quorum's voter set: a restart keeps it.
        int controllerPort = intOr(previous, "ringwork.controller.port", 0);
        int brokerPort = port != 0 ? port : intOr(previous, "ringwork.broker.port", 0);
        if (brokerPort == 0) brokerPort = freePort(host, -1);
        if (controllerPort == 0 || controllerPort == brokerPort) {
            controllerPort = commandPrefix.isEmpty() ? freePort(host, brokerPort) : brokerPort + 1;
        }
        Path properties = dir.resolve(PROPERTIES_FILE);
        Files.writeString(properties, serverProperties(dir, host, brokerPort, controllerPort), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(LOG_CONFIG), LOG4J2, StandardCharsets.UTF_8);
        Path output = dir.resolve(OUTPUT_FILE);
        if (!Files.exists(dir.resolve(LOG_DIR).resolve("meta.properties"))) format(lib, dir, properties, output);
        List<String> command = new ArrayList<>(commandPrefix);
        command.addAll(javaCommand(lib, dir));
        command.addAll(List.of("kafka.Kafka", properties.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile())).start();
        KafkaBrokerProcess broker = new KafkaBrokerProcess(process, host + ":" + brokerPort, dir);
        try {
            broker.awaitAnswer(READY_TIMEOUT_MS);
        } catch (IOException | RuntimeException | InterruptedException e) {
            broker.close();
            throw e;
        }
        return broker;
    }

    /** Clients connect here: {@code host:port}. */
    public String bootstrap() {
        return bootstrap;
    }

    public long pid() {
        return process.pid();
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path output() {
        return dataDir.resolve(OUTPUT_FILE);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits until the broker process exits (for {@code ringwork kafka}) and returns its exit code. */
    public int waitFor() throws InterruptedException {
        return process.waitFor();
    }

    /**
     * Creates {@code name} with {@code partitions} partitions (replication factor 1), or accepts it
     * as it is if it exists with that many. Retries what Kafka says is transient (a broker just
     * started) for at most 30 s.
     *
     * @throws IllegalArgumentException for a name Kafka refuses or a count below 1
     * @throws IllegalStateException    when the topic exists with another partition count
     */
    public void createTopic(String name, int partitions) throws IOException, InterruptedException {
        if (partitions < 1) throw new IllegalArgumentException("a topic needs at least 1 partition, got " + partitions);
        try {
            Topic.validate(name);
        } catch (InvalidTopicException e) {
            throw new IllegalArgumentException("not a Kafka topic name: " + e.getMessage());
        }
        long deadlineNs = System.nanoTime() + 30_000_000_000L;
        try (Admin admin = admin(bootstrap)) {
            while (true) {
                try {
                    admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(10, TimeUnit.SECONDS);
                    return;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TopicExistsException) {
                        int existing = partitionCount(admin, name);
                        if (existing == partitions) return;
                        throw new IllegalStateException("topic " + name + " exists with " + existing + " partitions, not " + partitions);
                    }
                    if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadlineNs) {
                        throw new IOException("creating topic " + name + " on " + bootstrap + " failed: " + e.getCause().getMessage(), e.getCause());
                    }
                } catch (TimeoutException e) {
                    if (System.nanoTime() > deadlineNs) throw new IOException("creating topic " + name + " on " + bootstrap + " timed out");
                }
                Thread.sleep(250);
            }
        }
    }

    /**
     * SIGTERM to the broker's PID: Kafka shuts down cleanly and its data stays; SIGKILL if that
     * takes longer than 30 s. Returns the exit code (143 after SIGTERM, as Kafka's JVM exits on it).
     */
    public int stop() throws InterruptedException {
        if (process.isAlive()) {
            process.toHandle().destroy();
            if (!process.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
        removeHook();
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** SIGKILL by PID, as a crash would; the data stays (a restart recovers it). */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        removeHook();
    }

    /** {@link #stop()} if it still runs. */
    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private void stopQuietly() {
        try {
            if (process.isAlive()) process.toHandle().destroy();
            if (!process.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
        }
    }

    private void removeHook() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook is running or ran
        }
    }

    /** Polls with an Admin client until the broker describes its cluster; fails at once if the process exits. */
    private void awaitAnswer(long timeoutMs) throws IOException, InterruptedException {
        long deadlineNs = System.nanoTime() + timeoutMs * 1_000_000;
        try (Admin admin = admin(bootstrap)) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IOException("the Kafka broker exited with code " + process.exitValue() + " before it answered; "
                            + tail(output()));
                }
                try {
                    if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) return;
                } catch (ExecutionException | TimeoutException e) {
                    // not up yet
                }
                if (System.nanoTime() > deadlineNs) {
                    throw new IOException("the Kafka broker did not answer on " + bootstrap + " within " + timeoutMs + " ms; " + tail(output()));
                }
                Thread.sleep(250);
            }
        }
    }

    private static Admin admin(String bootstrap) {
        quietClientLogs();
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500));
    }

    /**
     * The Admin client warns at every refused connection while the broker starts, which is expected
     * here: with logback (the launcher's and the tests'), only its errors are shown.
     */
    static void quietClientLogs() {
        if (org.slf4j.LoggerFactory.getLogger("org.apache.kafka.clients") instanceof ch.qos.logback.classic.Logger logger
                && logger.getLevel() == null) {
            logger.setLevel(ch.qos.logback.classic.Level.ERROR);
        }
    }

    private static int partitionCount(Admin admin, String name) throws IOException, InterruptedException {
        try {
            Map<String, TopicDescription> topics = admin.describeTopics(Set.of(name)).allTopicNames().get(10, TimeUnit.SECONDS);
            return topics.get(name).partitions().size();
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("describing topic " + name + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * {@code kafka-storage.sh format --config server.properties --cluster-id ID --standalone}: the
     * same class with the same arguments, in a child JVM. A fresh cluster id each time a directory
     * is formatted; the quorum is this one controller.
     */
    private static void format(Path lib, Path dir, Path properties, Path output) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(javaCommand(lib, dir));
        command.addAll(List.of("kafka.tools.StorageTool", "format", "--config", properties.toString(),
                "--cluster-id", Uuid.randomUuid().toString(), "--standalone"));
        Process format = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile())).start();
        if (!format.waitFor(120, TimeUnit.SECONDS)) {
            format.destroyForcibly();
            throw new IOException("formatting the Kafka storage in " + dir + " took over 120 s; " + tail(output));
        }
        if (format.exitValue() != 0) {
            throw new IOException("formatting the Kafka storage in " + dir + " failed (exit " + format.exitValue() + "); " + tail(output));
        }
    }

    private static List<String> javaCommand(Path lib, Path dir) {
        return List.of(NodeProcess.javaBinary(), "-Xms" + HEAP, "-Xmx" + HEAP, "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
                "-XX:+IgnoreUnrecognizedVMOptions", "--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED",
                "-Djava.awt.headless=true", "-Dlog4j2.configurationFile=" + dir.resolve(LOG_CONFIG),
                "-cp", lib.resolve("*").toString());
    }

    /**
     * A single node that is broker and controller. The two {@code ringwork.*} keys are ours: Kafka
     * ignores keys it does not know, and a restart reads its ports from them.
     */
    static String serverProperties(Path dir, String host, int brokerPort, int controllerPort) {
        return String.join("\n",
                "# Written by ringwork (KafkaBrokerProcess) on every start; edits are overwritten.",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.bootstrap.servers=" + host + ":" + controllerPort,
                "listeners=PLAINTEXT://" + host + ":" + brokerPort + ",CONTROLLER://" + host + ":" + controllerPort,
                "advertised.listeners=PLAINTEXT://" + host + ":" + brokerPort + ",CONTROLLER://" + host + ":" + controllerPort,
                "inter.broker.listener.name=PLAINTEXT",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "log.dirs=" + dir.resolve(LOG_DIR),
                "num.partitions=1",
                // One broker: every internal topic has one replica, and an in-sync set of one is enough.
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "ringwork.broker.port=" + brokerPort,
                "ringwork.controller.port=" + controllerPort,
                "");
    }

    /** The broker logs warnings, and its start and stop, to its output file. */
    private static final String LOG4J2 = String.join("\n",
            "status = warn",
            "shutdownHook = disable",
            "appender.out.type = Console",
            "appender.out.name = OUT",
            "appender.out.layout.type = PatternLayout",
            "appender.out.layout.pattern = [%d] %p %m (%c)%n",
            "rootLogger.level = warn",
            "rootLogger.appenderRef.out.ref = OUT",
            "logger.server.name = kafka.server.KafkaRaftServer",
            "logger.server.level = info",
            "");

    private static void checkHost(String host) {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("give the broker's host, e.g. 127.0.0.1");
        try {
            if (InetAddress.getByName(host).isAnyLocalAddress()) {
                throw new IllegalArgumentException("the broker advertises its host to clients: give a concrete address, not " + host);
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host: " + host);
        }
    }

    /** A port free on {@code host} now, other than {@code not}. */
    private static int freePort(String host, int not) throws IOException {
        for (int attempt = 0; attempt < 10; attempt++) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(host, 0));
                if (socket.getLocalPort() != not) return socket.getLocalPort();
            }
        }
        throw new IOException("found no free port on " + host);
    }

    private static Properties readPrevious(Path file) throws IOException {
        Properties properties = new Properties();
        if (Files.exists(file)) {
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            }
        }
        return properties;
    }

    private static int intOr(Properties properties, String key, int otherwise) {
        try {
            return Integer.parseInt(properties.getProperty(key, Integer.toString(otherwise)).trim());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    /**
     * Where Kafka's server jars are: {@code RINGWORK_KAFKA_LIB}, else {@code ringwork-kafka-broker/target/lib}
     * in the checkout this class runs from (its jar or classes are under {@code ringwork-harness/target}
     * or another module's {@code target/lib}).
     */
    static Path libDirectory() throws IOException {
        String fromEnv = System.getenv(LIB_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            Path lib = Path.of(fromEnv);
            if (!hasJars(lib)) throw new IOException(LIB_ENV + "=" + fromEnv + " holds no Kafka server jars");
            return lib;
        }
        CodeSource source = KafkaBrokerProcess.class.getProtectionDomain().getCodeSource();
        if (source != null) {
            try {
                Path at = Path.of(source.getLocation().toURI()).toAbsolutePath();
                for (int up = 0; up < 5 && at != null; up++, at = at.getParent()) {
                    Path lib = at.resolve("ringwork-kafka-broker").resolve("target").resolve("lib");
                    if (hasJars(lib)) return lib;
                }
            } catch (java.net.URISyntaxException | IllegalArgumentException e) {
                // not a file location: fall through to the message below
            }
        }
        throw new IOException("Kafka's server jars are not built: run './ringwork mvn -q -B -pl ringwork-kafka-broker package'"
                + " (or set " + LIB_ENV + " to a directory of them)");
    }

    private static boolean hasJars(Path lib) {
        if (!Files.isDirectory(lib)) return false;
        try (var files = Files.list(lib)) {
            return files.anyMatch(f -> f.getFileName().toString().startsWith("kafka_2.13-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The last lines of the broker's output, for an error message. */
    static String tail(Path output) {
        try (InputStream in = Files.newInputStream(output)) {
            List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            return "its last output (" + output + "):\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "no output in " + output;
        }
    }
}
