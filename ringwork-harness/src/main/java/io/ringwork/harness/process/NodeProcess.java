package io.ringwork.harness.process;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.ringwork.runtime.config.NodeSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real node in its own JVM on loopback, for the demo, the chaos harness and tests. Its output
 * goes to {@code <dataDir>/node.out}. It is ended only through its own {@link Process} handle:
 * {@link #kill()} is SIGKILL, {@link #stop()} is SIGTERM (a clean shutdown).
 */
public final class NodeProcess implements AutoCloseable {
    private static final String READY = " ready http=";
    private static final String READY_TLS = " ready https=";
    /**
     * A node's heap, fixed: {@code -Xms} as large as {@code -Xmx}. With the JVM's default initial
     * heap, the first concurrent cycle (started by the code cache, some 10 s in) shrank every node's
     * heap from about 380 MB to 50 MB, and G1 then paused each node about once a second, instead of
     * once every five, until the heap had grown again about 9 s later: just when a chaos run's join
     * falls, so the join's window measured that phase of the collector (docs/TESTING.md).
     */
    static final String HEAP = "768m";
    /**
     * A node's code cache, the size a JVM with C2 gets by default. At C1 only (the chaos runs', see
     * {@link #jitLevel}) the default is 48 MB, and each time the compiled code grows by 15 % of it
     * (7 MB, {@code SweeperThreshold}) since code was last unloaded, G1 starts a concurrent cycle
     * to unload code ({@code CodeCache GC Threshold} in a node's GC log). That came once per node,
     * some 10–15 s after its start, which in a 60 s chaos run is just when the join falls, and two of
     * its pauses (35–55 ms, then a Remark of 10–35 ms) were among a node's longest. With 240 MB the
     * threshold is 36 MB, which no node's C1 code reached in a run.
     */
    static final String CODE_CACHE = "240m";
    /** A node's output, every incarnation appending: {@code <dataDir>/node.out}. */
    public static final String OUTPUT_FILE = "node.out";
    /** Each node process logs its collector's pauses to {@code <dataDir>/gc-<pid>.log}, for people reading a run (the harness counts collections from /metrics). */
    public static final String GC_LOG_PREFIX = "gc-";

    private final String nodeId;
    private final Process process;
    private final CompletableFuture<String> ready = new CompletableFuture<>();
    private volatile String bindAddress;
    private volatile String peerAddress;
    private final Path output;
    private final java.util.ArrayDeque<String> lastLines = new java.util.ArrayDeque<>();

    private NodeProcess(String nodeId, Process process, Path output) {
        this.nodeId = nodeId;
        this.process = process;
        this.output = output;
    }

    /**
     * Starts {@code ringwork node} with an HTTP port chosen by the node.
     *
     * @param extraArgs further {@code ringwork node} flags
     */
    public static NodeProcess start(String nodeId, Path dataDir, Path logDir, List<String> extraArgs) throws IOException {
        return start(nodeId, dataDir, logDir, "127.0.0.1:0", "127.0.0.1:0", extraArgs);
    }

    /**
     * Starts {@code ringwork node} on the given HTTP and cluster addresses (port 0: the node picks
     * one). A node restarted after a kill passes its old addresses, as a supervisor would.
     */
    public static NodeProcess start(String nodeId, Path dataDir, Path logDir, String http, String bind,
                                    List<String> extraArgs) throws IOException {
        List<String> args = new ArrayList<>(List.of("--log-dir", logDir.toString()));
        args.addAll(extraArgs);
        return start(nodeId, dataDir, List.of(), http, bind, args);
    }

    /**
     * Starts {@code ringwork node} through {@code commandPrefix} (e.g. {@code ip netns exec NAME}
     * for a node on a host of its own; empty to run it here), with {@code args} naming its log
     * ({@code --log-dir DIR}, or a Kafka topic) and anything else. The prefix must exec the java
     * command, so that this process's PID is the node's and kill, pause and stop reach the node.
     */
    public static NodeProcess start(String nodeId, Path dataDir, List<String> commandPrefix, String http, String bind,
                                    List<String> args) throws IOException {
        return start(nodeId, dataDir, commandPrefix, http, bind, args, null);
    }

    /** As above, on {@code classpath} (e.g. another release's {@code lib/*}); null: this JVM's. */
    public static NodeProcess start(String nodeId, Path dataDir, List<String> commandPrefix, String http, String bind,
                                    List<String> args, String classpath) throws IOException {
        Files.createDirectories(dataDir);
        List<String> command = new ArrayList<>(commandPrefix);
        command.addAll(List.of(javaBinary(), "--enable-native-access=ALL-UNNAMED",
                "-XX:+IgnoreUnrecognizedVMOptions", "--sun-misc-unsafe-memory-access=allow", "-Xms" + HEAP, "-Xmx" + HEAP,
                "-XX:ReservedCodeCacheSize=" + CODE_CACHE,
                "-Xlog:gc:file=\"" + dataDir.resolve(GC_LOG_PREFIX + "%p.log") + "\":time", jitLevel(),
                "-cp", classpath != null ? classpath : System.getProperty("java.class.path")));
        // Extra JVM options for every node started here, after the ones above so they win, e.g. GC
        // logging: RINGWORK_NODE_JAVA_OPTS="-Xlog:gc".
        String extraJvm = System.getenv("RINGWORK_NODE_JAVA_OPTS");
        if (extraJvm != null && !extraJvm.isBlank()) command.addAll(List.of(extraJvm.trim().split("\\s+")));
        command.addAll(List.of("io.ringwork.runtime.cli.RingworkCli",
                "node", "--node-id", nodeId, "--http", http, "--bind", bind, "--data-dir", dataDir.toString()));
        command.addAll(args);
        Path output = dataDir.resolve(OUTPUT_FILE);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        withoutNodeSettings(builder.environment());
        Process process = builder.start();
        NodeProcess node = new NodeProcess(nodeId, process, output);
        Thread.ofVirtual().name("node-output-" + nodeId).start(node::pumpOutput);
        return node;
    }

    /**
     * Drops the variables that configure a node ({@code RINGWORK_HTTP}, {@code RINGWORK_CONFIG}, ...)
     * from a child's environment: the harness configures its nodes with flags alone, so a variable
     * meant for the user's own node cannot change every node of a demo, a chaos run or a test (an
     * inherited {@code RINGWORK_API_TOKENS} would make every harness request a 401). Other variables,
     * {@code RINGWORK_NODE_JAVA_OPTS} among them, pass through.
     */
    static void withoutNodeSettings(Map<String, String> environment) {
        environment.keySet().removeIf(name -> name.equals(NodeSettings.CONFIG_ENV) || NodeSettings.byEnvName(name).isPresent());
    }

    /**
     * The JIT level of this JVM, for the nodes it starts. The {@code ringwork} script runs a chaos
     * run or demo of several nodes with C1 only: they all share the machine's cores, and on 2 cores
     * C2 took 38 % of a run's CPU (docs/CHAOS.md). A test JVM keeps C2, and so do its nodes.
     */
    static String jitLevel() {
        String level = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption("TieredStopAtLevel").getValue();
        return "-XX:TieredStopAtLevel=" + level;
    }

    /** The java binary for child JVMs: the launcher's ({@code RINGWORK_JAVA}), else this JVM's own. */
    public static String javaBinary() {
        String fromLauncher = System.getenv("RINGWORK_JAVA");
        if (fromLauncher != null && !fromLauncher.isBlank()) return fromLauncher;
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private void pumpOutput() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter log = new PrintWriter(Files.newBufferedWriter(output, StandardCharsets.UTF_8,
                     StandardOpenOption.CREATE, StandardOpenOption.APPEND), true)) {
            String line;
            while ((line = reader.readLine()) != null) {
                log.println(line);
                synchronized (lastLines) {
                    if (lastLines.size() == 20) lastLines.removeFirst();
                    lastLines.addLast(line);
                }
                int at = line.indexOf(READY);
                boolean secure = at < 0 && (at = line.indexOf(READY_TLS)) >= 0;
                if (at >= 0) {
                    // "ringwork node ID ready http=HOST:PORT bind=HOST:PORT peer=HOST:PORT" (https= with TLS)
                    String[] words = line.substring(at + (secure ? READY_TLS : READY).length()).trim().split(" ");
                    for (String word : words) {
                        if (word.startsWith("bind=")) bindAddress = word.substring(5);
                        if (word.startsWith("peer=")) peerAddress = word.substring(5);
                    }
                    ready.complete((secure ? "https://" : "http://") + words[0]);
                }
            }
        } catch (IOException e) {
            // The process is gone; whoever waits for readiness learns it below.
        } finally {
            String tail;
            synchronized (lastLines) {
                tail = String.join("\n  ", lastLines);
            }
            ready.completeExceptionally(new IOException("node " + nodeId + " exited before it was ready; its last output ("
                    + output + "):\n  " + tail));
        }
    }

    /** Waits until the node serves HTTP and returns its base URL. */
    public String awaitReady(long timeoutMs) throws IOException, InterruptedException {
        try {
            return ready.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException("node " + nodeId + " not ready after " + timeoutMs + " ms; see " + output);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        }
    }

    /** The node's cluster address (host:port) once it is ready. */
    public String bindAddress() {
        return bindAddress;
    }

    /** The node's peer port (host:port) once it is ready. */
    public String peerAddress() {
        return peerAddress;
    }

    public long pid() {
        return process.pid();
    }

    public String nodeId() {
        return nodeId;
    }

    public Path output() {
        return output;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGSTOP: the process freezes, sockets open, until {@link #resume()}. Only this process's own PID is signalled. */
    public void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        if (!process.isAlive()) return;
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed (node " + nodeId + ")");
        }
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed by the JVM. Waits until it is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /**
     * SIGTERM: a graceful leave with final checkpoints; SIGKILL if it takes longer than 30 s.
     * Returns the exit code (0 after a graceful leave). Signalled through the process handle:
     * Process.destroy() would also close this end of the node's pipes, and what the node logs
     * while leaving would not reach its output file.
     */
    public int stop() throws InterruptedException {
        process.toHandle().destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) kill();
    }
}
