package io.ringwork.bench.peers;

import io.ringwork.harness.process.NodeProcess;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;

/**
 * A child JVM of the bench (a Kafka Streams instance), its output in {@code <dir>/out.log}. Ended
 * only through its own handle, by its PID: {@link #kill()} is SIGKILL. A shutdown hook kills it if
 * the bench exits first (Ctrl-C).
 */
final class PeerProcess {
    private final String name;
    private final Process process;
    private final Path output;
    private final Thread hook;

    private PeerProcess(String name, Process process, Path output) {
        this.name = name;
        this.process = process;
        this.output = output;
        this.hook = new Thread(process::destroyForcibly, "peer-kill-" + process.pid());
        Runtime.getRuntime().addShutdownHook(hook);
    }

    static PeerProcess start(String name, Path dir, List<String> jvmOptions, String mainClass, List<String> args, String classPath)
            throws IOException {
        Files.createDirectories(dir);
        List<String> command = new ArrayList<>(List.of(NodeProcess.javaBinary(), "--enable-native-access=ALL-UNNAMED",
                "-XX:+IgnoreUnrecognizedVMOptions", "--sun-misc-unsafe-memory-access=allow"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classPath, mainClass));
        command.addAll(args);
        Path output = dir.resolve("out.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile())).start();
        return new PeerProcess(name, process, output);
    }

    /**
     * This JVM's class path with Kafka Streams' own RocksDB in place of ringwork's: the root pom
     * pins rocksdbjni to ringwork's version, and Kafka Streams is built against an older one, whose
     * jar the bench module copies to {@code target/kafka-streams-lib}.
     */
    static String kafkaStreamsClassPath() throws IOException {
        Path lib = kafkaStreamsLib();
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.endsWith("*")) { // a wildcard the launcher left as it is
                try (Stream<Path> jars = Files.list(Path.of(entry.substring(0, entry.length() - 1)))) {
                    jars.filter(j -> j.toString().endsWith(".jar")).forEach(j -> entries.add(j.toString()));
                }
            } else {
                entries.add(entry);
            }
        }
        entries.removeIf(entry -> Path.of(entry).getFileName().toString().startsWith("rocksdbjni-"));
        try (Stream<Path> jars = Files.list(lib)) {
            jars.filter(j -> j.getFileName().toString().startsWith("rocksdbjni-")).forEach(j -> entries.add(j.toString()));
        }
        return String.join(File.pathSeparator, entries);
    }

    private static Path kafkaStreamsLib() throws IOException {
        try {
            Path at = Path.of(PeerProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // target/classes or target/ringwork-bench.jar: the jar is in target/kafka-streams-lib
            Path lib = at.getParent().resolve("kafka-streams-lib");
            if (Files.isDirectory(lib)) return lib;
        } catch (java.net.URISyntaxException | RuntimeException e) {
            // not a file location: the message below
        }
        throw new IOException("Kafka Streams' RocksDB jar is not in ringwork-bench/target/kafka-streams-lib:"
                + " build the module (./ringwork bench does)");
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    /** Waits for a line of the child's output matching {@code match}; returns it (the last such). */
    String awaitLine(Predicate<String> match, long timeoutMs, String what) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            String found = lastLine(match);
            if (found != null) return found;
            checkNotFailed();
            Thread.sleep(100);
        }
        throw new IOException("timed out after " + timeoutMs + " ms waiting for " + what + "; see " + output);
    }

    private String lastLine(Predicate<String> match) throws IOException {
        if (!Files.exists(output)) return null;
        List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (match.test(lines.get(i))) return lines.get(i);
        }
        return null;
    }

    /** Throws if the process exited on its own (it runs until killed). */
    void checkNotFailed() {
        if (!process.isAlive() && !killed) {
            throw new IllegalStateException(name + " (pid " + process.pid() + ") exited with " + process.exitValue() + "; see " + output);
        }
    }

    private volatile boolean killed;

    /** SIGSTOP or SIGCONT ({@code name}) to this process's own PID. */
    void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed (" + this.name + ")");
        }
    }

    /** SIGKILL by PID; waits until it is gone. */
    void kill() throws InterruptedException {
        killed = true;
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down and the hook runs anyway
        }
    }

    /** Deletes the broker's topics whose names match; a failure is printed, not thrown (cleanup). */
    static void deleteTopics(String bootstrap, Predicate<String> match) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            List<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream().filter(match).toList();
            if (!names.isEmpty()) admin.deleteTopics(names).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.out.println("  (could not delete topics: " + e.getMessage() + ")");
        }
    }
}
