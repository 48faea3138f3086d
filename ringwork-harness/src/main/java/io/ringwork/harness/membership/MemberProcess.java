package io.ringwork.harness.membership;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A {@link MemberMain} child JVM on loopback, for process tests and the loopback report. Lines
 * it prints are kept with the parent's monotonic receive time, so times of different children
 * compare. The caller must {@link #kill()} every process it starts (in a finally block).
 */
public final class MemberProcess {
    /** A line printed by the child, stamped with the parent's {@code System.nanoTime()} in ms. */
    public record Line(long atMs, String text) {}

    private final String id;
    private final int port;
    private final Process process;
    private final List<Line> lines = new CopyOnWriteArrayList<>();

    private MemberProcess(String id, int port, Process process) {
        this.id = id;
        this.port = port;
        this.process = process;
        Thread reader = new Thread(this::readLines, "member-process-" + id);
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code MemberMain id port seeds periodMs} with this JVM's java binary and class path. */
    public static MemberProcess start(String id, int port, String seeds, int periodMs) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx64m", "-Xss512k", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                MemberMain.class.getName(), id, Integer.toString(port), seeds, Integer.toString(periodMs)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new MemberProcess(id, port, process);
    }

    /** A port free on 127.0.0.1 for both UDP and TCP at the time of the call. */
    public static int freePort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                 ServerSocket tcp = new ServerSocket(udp.getLocalPort(), 1, InetAddress.getLoopbackAddress())) {
                return tcp.getLocalPort();
            } catch (IOException e) {
                // the UDP port was taken for TCP: try another
            }
        }
        throw new IOException("no free port for UDP and TCP");
    }

    public static long nowMs() {
        return System.nanoTime() / 1_000_000;
    }

    public String id() {
        return id;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public List<Line> lines() {
        return lines;
    }

    /** Waits until a line matches; returns it, or null after {@code timeout}. */
    public Line await(Predicate<String> matches, Duration timeout) throws InterruptedException {
        long deadlineMs = nowMs() + timeout.toMillis();
        int checked = 0;
        while (nowMs() < deadlineMs) {
            for (; checked < lines.size(); checked++) {
                if (matches.test(lines.get(checked).text())) return lines.get(checked);
            }
            if (!process.isAlive() && checked == lines.size()) return null;
            Thread.sleep(10); // polling a child's stdout: there is no event to wait on
        }
        return null;
    }

    /** The first event line {@code EVENT ... <kind> <memberId> ...} received at or after {@code sinceMs}. */
    public Line firstEvent(String kind, String memberId, long sinceMs) {
        for (Line line : lines) {
            String[] parts = line.text().split(" ");
            if (line.atMs() >= sinceMs && parts.length >= 4 && parts[0].equals("EVENT") && parts[2].equals(kind)
                    && parts[3].equals(memberId)) {
                return line;
            }
        }
        return null;
    }

    /** SIGKILL. */
    public void kill() {
        process.destroyForcibly();
    }

    /** SIGSTOP (true) or SIGCONT (false) through the {@code kill} command. */
    public void signalStop(boolean stop) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", stop ? "-STOP" : "-CONT", Long.toString(process.pid())).start();
        kill.waitFor();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    private void readLines() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String text = reader.readLine(); text != null; text = reader.readLine()) lines.add(new Line(nowMs(), text));
        } catch (IOException e) {
            // the child died; its lines so far are kept
        }
    }
}
