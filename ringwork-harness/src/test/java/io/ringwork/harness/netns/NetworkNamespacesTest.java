package io.ringwork.harness.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ringwork.harness.netns.NetworkNamespaces.Direction;
import io.ringwork.harness.netns.NetworkNamespaces.Host;
import io.ringwork.harness.process.NodeProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The separate-hosts fixture: hosts reach each other and are reached from the root namespace, a
 * cut drops what it says and a heal undoes it, and nothing is left afterwards. A small HTTP server
 * ({@code java -m jdk.httpserver}) listens in every host; connections are tried with bash's
 * {@code /dev/tcp} from inside a host.
 */
class NetworkNamespacesTest {
    private static final int PORT = 8000;
    @TempDir Path dir;

    @BeforeAll
    static void namespacesCanBeMade() {
        var reason = NetworkNamespaces.unavailable();
        assumeTrue(reason.isEmpty(), () -> "skipped: " + reason.orElse(""));
    }

    @Test
    void hostsTalkACutDropsWhatItSaysAndNothingIsLeft() throws Exception {
        // A leftover of a crashed run (its PID runs no more) is swept by the next create.
        long deadPid = deadPid();
        String leftover = NetworkNamespaces.PREFIX + "-" + deadPid + "-h1";
        NetworkNamespaces.run(List.of(NetworkNamespaces.ip(), "netns", "add", leftover));
        List<Process> servers = new ArrayList<>();
        String rootLink;
        try (NetworkNamespaces nets = NetworkNamespaces.create(3)) {
            assertThat(NetworkNamespaces.existing()).doesNotContain(leftover).filteredOn(n -> n.startsWith(ours())).hasSize(4);
            Host h1 = nets.host(1);
            Host h2 = nets.host(2);
            Host h3 = nets.host(3);
            assertThat(nets.subnet()).matches("10\\.77\\.\\d+\\.0/24");
            for (Host host : nets.hosts()) {
                servers.add(nets.start(host, List.of(NodeProcess.javaBinary(), "-Xmx32m", "-m", "jdk.httpserver",
                        "-b", host.address(), "-p", Integer.toString(PORT), "-d", dir.toString()), dir.resolve(host.namespace() + ".out")));
            }
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
                for (Host host : nets.hosts()) {
                    HttpRequest get = HttpRequest.newBuilder(URI.create("http://" + host.address() + ":" + PORT + "/")).build();
                    if (http.send(get, HttpResponse.BodyHandlers.discarding()).statusCode() != 200) return false;
                }
                return true; // the root namespace reaches every host
            });
            assertThat(connects(h1, h2)).as("h1 -> h2 before any cut").isTrue();
            assertThat(connects(h2, h1)).as("h2 -> h1 before any cut").isTrue();

            nets.cut(h1, Direction.BOTH, nets.hosts());
            assertThat(nets.rules(h1)).contains("chain input", "chain output", h2.address(), h3.address()).doesNotContain(h1.address());
            assertThat(connects(h1, h2)).as("h1 -> h2 cut both ways").isFalse();
            assertThat(connects(h3, h1)).as("h3 -> h1 cut both ways").isFalse();
            assertThat(connects(h2, h3)).as("h2 -> h3, not cut").isTrue();
            assertThat(http.send(HttpRequest.newBuilder(URI.create("http://" + h1.address() + ":" + PORT + "/")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).as("root -> h1 through a cut").isEqualTo(200);

            nets.cut(h1, Direction.OUTBOUND, List.of(h2)); // replaces the cut before
            assertThat(nets.rules(h1)).contains("chain output", h2.address()).doesNotContain("chain input", h3.address());
            assertThat(connects(h1, h2)).as("h1 -> h2 cut outbound").isFalse();
            assertThat(connects(h1, h3)).as("h1 -> h3, only h2 cut").isTrue();

            nets.heal(h1);
            nets.heal(h1); // twice: nothing to remove is fine
            assertThat(nets.rules(h1)).isEmpty();
            assertThat(connects(h1, h2)).as("h1 -> h2 healed").isTrue();
            assertThat(connects(h3, h1)).as("h3 -> h1 healed").isTrue();
            rootLink = NetworkNamespaces.PREFIX + ProcessHandle.current().pid();
            assertThat(NetworkNamespaces.run(List.of(NetworkNamespaces.ip(), "-o", "link", "show"))).contains(rootLink);
        }
        for (Process server : servers) assertThat(server.waitFor(10, TimeUnit.SECONDS)).as("server ended by close").isTrue();
        assertThat(NetworkNamespaces.existing()).noneMatch(n -> n.startsWith(ours()));
        assertThat(NetworkNamespaces.run(List.of(NetworkNamespaces.ip(), "-o", "link", "show"))).doesNotContain(rootLink);
    }

    /** Whether {@code from} opens a TCP connection to {@code to}'s server within 2 s (bash's /dev/tcp, run inside {@code from}). */
    private static boolean connects(Host from, Host to) throws Exception {
        List<String> command = new ArrayList<>(from.exec());
        command.addAll(List.of("timeout", "2", "bash", "-c", "exec 3<>/dev/tcp/" + to.address() + "/" + PORT));
        Process probe = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(probe.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return probe.exitValue() == 0;
    }

    private static String ours() {
        return NetworkNamespaces.PREFIX + "-" + ProcessHandle.current().pid() + "-";
    }

    /** A PID that runs nothing now. */
    private static long deadPid() {
        for (long pid = 4_000_000; pid > 3_000_000; pid--) {
            if (ProcessHandle.of(pid).isEmpty()) return pid;
        }
        throw new IllegalStateException("no free pid found");
    }
}
