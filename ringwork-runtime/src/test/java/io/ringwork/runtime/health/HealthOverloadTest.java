package io.ringwork.runtime.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.runtime.node.NodeConfig;
import io.ringwork.runtime.node.RingworkNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node with more due checks than check slots checks every target late, none never: due checks
 * start earliest first. The targets point at a server that reads each request's line and never
 * answers, so every check holds its slot for its whole timeout.
 */
class HealthOverloadTest {
    /** More targets than {@link HealthService#CONCURRENCY_MAX}, each checked every second with a 1 s timeout. */
    private static final int TARGETS = HealthService.CONCURRENCY_MAX + 150;

    @TempDir Path dir;

    @Test
    void withMoreDueChecksThanSlotsEveryTargetIsStillChecked() throws Exception {
        Set<String> asked = ConcurrentHashMap.newKeySet();
        try (ServerSocket silent = new ServerSocket(0, 4_096, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                while (!silent.isClosed()) {
                    try {
                        Socket socket = silent.accept();
                        Thread.ofVirtual().start(() -> {
                            try (socket) {
                                String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
                                if (line != null) asked.add(line.split(" ")[1]);
                                while (socket.getInputStream().read() >= 0) {
                                    // never answers: the check times out and closes the connection
                                }
                            } catch (Exception ignored) {
                                // the checker hung up
                            }
                        });
                    } catch (Exception closed) {
                        return;
                    }
                }
            });
            RingworkNode node = RingworkNode.start(NodeConfig.defaults().withNodeId("overload").withHttp("127.0.0.1:0")
                    .withBind("127.0.0.1:0").withDataDir(dir.resolve("data")).withLogDir(dir.resolve("log")).withPartitions(4));
            try {
                StringBuilder ndjson = new StringBuilder();
                for (int i = 0; i < TARGETS; i++) {
                    ndjson.append("{\"id\":\"slow-").append(i).append("\",\"http\":\"http://127.0.0.1:").append(silent.getLocalPort())
                            .append("/t/").append(i).append("\",\"intervalMs\":1000,\"timeoutMs\":1000}\n");
                }
                HttpResponse<String> registered = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + node.http().address().getPort() + "/v1/health/targets"))
                        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(ndjson.toString())).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
                // Demand is TARGETS checks a second, capacity CONCURRENCY_MAX: every target comes up within a
                // few seconds when served in due order. Served in a fixed order, the same CONCURRENCY_MAX took
                // every slot as it freed and the other 150 were never checked.
                long deadline = System.currentTimeMillis() + 20_000;
                while (asked.size() < TARGETS && System.currentTimeMillis() < deadline) Thread.sleep(100);
                assertThat(asked).as("targets checked at least once").hasSize(TARGETS);
                assertThat(node.health().checksLate()).as("rounds in which a due check waited for a slot").isPositive();
            } finally {
                node.close();
            }
        }
    }
}
