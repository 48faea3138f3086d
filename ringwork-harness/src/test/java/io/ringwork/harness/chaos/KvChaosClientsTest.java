package io.ringwork.harness.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.ringwork.core.lincheck.JsonLinesHistory;
import io.ringwork.core.lincheck.Operation;
import io.ringwork.core.lincheck.Verdict;
import io.ringwork.core.lincheck.VersionedKvModel;
import io.ringwork.core.lincheck.VersionedKvModel.Cas;
import io.ringwork.core.lincheck.VersionedKvModel.Conflict;
import io.ringwork.core.lincheck.VersionedKvModel.Found;
import io.ringwork.core.lincheck.VersionedKvModel.Input;
import io.ringwork.core.lincheck.VersionedKvModel.NotFound;
import io.ringwork.core.lincheck.VersionedKvModel.Output;
import io.ringwork.core.lincheck.VersionedKvModel.Read;
import io.ringwork.core.lincheck.VersionedKvModel.Write;
import io.ringwork.core.lincheck.VersionedKvModel.Written;
import io.ringwork.harness.chaos.KvChaosClients.Outcome;
import io.ringwork.runtime.client.RingworkClient;
import java.io.IOException;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the chaos run's key-value clients record what the nodes answered, and what the check makes of it. */
class KvChaosClientsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Write WRITE = new Write("k", "\"a\"");
    private static final Read READ = new Read("k");

    private static JsonNode json(String text) throws IOException {
        return JSON.readTree(text);
    }

    @Test
    void aWriteAnsweredTwoHundredOrAConflictReturnedItsVersion() throws Exception {
        assertThat(KvChaosClients.classify(WRITE, 200, json("{\"key\":\"k\",\"version\":7}")))
                .isEqualTo(new Outcome.Returned(new Written(7)));
        assertThat(KvChaosClients.classify(new Cas("k", 3, "1"), 409,
                json("{\"error\":\"conflict\",\"definite\":true,\"version\":7}"))).isEqualTo(new Outcome.Returned(new Conflict(7)));
    }

    @Test
    void aDefiniteErrorDidNotHappenAndAnIndefiniteOneMayHave() throws Exception {
        assertThat(KvChaosClients.classify(WRITE, 503, json("{\"error\":\"busy\",\"definite\":true}"))).isInstanceOf(Outcome.Failed.class);
        assertThat(KvChaosClients.classify(WRITE, 504, json("{\"error\":\"timeout\",\"definite\":false}"))).isInstanceOf(Outcome.Unknown.class);
        // No definite flag (a proxy's page, an older node): the safe reading is unknown.
        assertThat(KvChaosClients.classify(WRITE, 502, json("\"bad gateway\""))).isInstanceOf(Outcome.Unknown.class);
        assertThat(KvChaosClients.classify(WRITE, 200, json("{}"))).isInstanceOf(Outcome.Unknown.class);
        assertThat(KvChaosClients.classify(WRITE, new java.net.http.HttpTimeoutException("late"))).isInstanceOf(Outcome.Unknown.class);
        assertThat(KvChaosClients.classify(WRITE, new IOException("connection reset"))).isInstanceOf(Outcome.Unknown.class);
        assertThat(KvChaosClients.classify(WRITE, new java.net.ConnectException("refused"))).isInstanceOf(Outcome.Failed.class);
    }

    @Test
    void aReadFoundOrNotFoundReturnedAndEveryOtherReadIsLeftOut() throws Exception {
        assertThat(KvChaosClients.classify(READ, 200, json("{\"key\":\"k\",\"version\":4,\"value\":{\"b\":1,\"a\":2}}")))
                .isEqualTo(new Outcome.Returned(new Found("{\"a\":2,\"b\":1}", 4)));
        assertThat(KvChaosClients.classify(READ, 404, json("{\"error\":\"not_found\",\"definite\":true}")))
                .isEqualTo(new Outcome.Returned(new NotFound()));
        assertThat(KvChaosClients.classify(READ, 504, json("{\"error\":\"timeout\",\"definite\":false}"))).isInstanceOf(Outcome.Failed.class);
        assertThat(KvChaosClients.classify(READ, new java.net.http.HttpTimeoutException("late"))).isInstanceOf(Outcome.Failed.class);
    }

    /**
     * Through real HTTP: a node that answers each request from a script. The history keeps the
     * acknowledged write and the conflict with their times, the timed-out write as unknown, and
     * leaves out the definite failure and the refused connection.
     */
    @Test
    void performRecordsEachAnswerAsTheCheckerExpects(@TempDir Path dir) throws Exception {
        Deque<String[]> script = new ArrayDeque<>(List.of(
                new String[] {"200", "{\"key\":\"k\",\"version\":5}"},
                new String[] {"200", "{\"key\":\"k\",\"version\":5,\"value\":\"a\"}"},
                new String[] {"503", "{\"error\":\"busy\",\"definite\":true}"},
                new String[] {"409", "{\"error\":\"conflict\",\"definite\":true,\"version\":5}"},
                new String[] {"sleep", ""}));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/kv/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            String[] next = script.poll();
            if (next[0].equals("sleep")) {
                try {
                    Thread.sleep(2_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                next = new String[] {"200", "{\"key\":\"k\",\"version\":9}"};
            }
            byte[] body = next[1].getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(Integer.parseInt(next[0]), body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newSingleThreadExecutor());
        server.start();
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            RingworkClient node = new RingworkClient(url, Duration.ofSeconds(20));
            KvChaosClients clients = new KvChaosClients(null, 2, 1, 1);
            assertThat(clients.perform(0, node, WRITE)).isEqualTo(new Written(5));
            assertThat(clients.perform(1, node, READ)).isEqualTo(new Found("\"a\"", 5));
            assertThat(clients.perform(0, node, new Cas("k", 5, "\"b\""))).isNull(); // 503 definite: left out
            assertThat(clients.perform(0, node, new Cas("k", 4, "\"c\""))).isEqualTo(new Conflict(5));
            RingworkClient impatient = new RingworkClient(url, Duration.ofMillis(300));
            assertThat(clients.perform(1, impatient, new Write("k", "\"d\""))).isNull(); // timed out: unknown
            RingworkClient refused = new RingworkClient("http://127.0.0.1:" + closedPort, Duration.ofMillis(500));
            assertThat(clients.perform(0, refused, new Write("k", "\"e\""))).isNull(); // never sent: left out

            List<Operation<Input, Output>> ops = clients.operations();
            assertThat(ops).extracting(Operation::input).containsExactly(WRITE, READ, new Cas("k", 4, "\"c\""), new Write("k", "\"d\""));
            assertThat(ops).extracting(Operation::indeterminate).containsExactly(false, false, false, true);
            assertThat(ops.get(0).returnNs()).isLessThanOrEqualTo(ops.get(1).callNs());

            Path file = dir.resolve("kv-history.jsonl");
            KvChaosClients.Verdicts verdicts = clients.check(file, key -> Set.of(4L));
            assertThat(verdicts.verdict()).isEqualTo(Verdict.LINEARIZABLE);
            assertThat(verdicts).extracting(KvChaosClients.Verdicts::operations, KvChaosClients.Verdicts::unknown,
                    KvChaosClients.Verdicts::failed, KvChaosClients.Verdicts::acknowledged, KvChaosClients.Verdicts::lostAcks)
                    .containsExactly(4, 1L, 2L, 1L, 0L);
            assertThat(verdicts.ok()).isTrue();
            // The file is the same history, as JSON lines the check command reads.
            assertThat(JsonLinesHistory.parse(new StringReader(Files.readString(file)))).isEqualTo(ops);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aReadOfAnOlderVersionAfterAnAcknowledgedWriteIsNotLinearizableAndFailsTheRun(@TempDir Path dir) throws Exception {
        Deque<String> answers = new ArrayDeque<>(List.of("{\"key\":\"k\",\"version\":5}", "{\"key\":\"k\",\"version\":9}",
                "{\"key\":\"k\",\"version\":5,\"value\":\"a\"}"));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/kv/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = answers.poll().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            RingworkClient node = new RingworkClient("http://127.0.0.1:" + server.getAddress().getPort(), Duration.ofSeconds(5));
            KvChaosClients clients = new KvChaosClients(null, 1, 1, 1);
            clients.perform(0, node, WRITE);
            clients.perform(0, node, new Write("k", "\"b\""));
            clients.perform(0, node, READ); // the first write again: the second is lost
            KvChaosClients.Verdicts verdicts = clients.check(dir.resolve("h.jsonl"), key -> Set.of(4L));
            assertThat(verdicts.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
            assertThat(verdicts.explanation()).contains("could not be placed next");
            // Version 9 (offset 8) is on no feed either.
            assertThat(verdicts.lostAcks()).isEqualTo(1);
            assertThat(verdicts.lost().get(0)).contains("version 9 on no feed");
            assertThat(verdicts.ok()).isFalse();
        } finally {
            server.stop(0);
        }
    }

    @Test
    void anAcknowledgedWriteIsLostWhenItsOffsetIsOnNoFeed() {
        List<Operation<Input, Output>> ops = List.of(
                Operation.completed(0, new Write("k", "1"), new Written(10), 0, 5),
                Operation.completed(1, new Cas("k", 10, "2"), new Written(12), 6, 9),
                Operation.completed(1, new Cas("k", 10, "3"), new Conflict(12), 10, 11),
                Operation.indeterminate(2, new Write("k", "4"), 12));
        assertThat(KvChaosClients.lostAcks(ops, key -> key.equals("kv/k") ? Set.of(9L, 11L) : Set.of())).isEmpty();
        assertThat(KvChaosClients.lostAcks(ops, key -> Set.of(9L))).hasSize(1).first().asString().contains("version 12");
    }

    @Test
    void theRunRefusesNoClientsOrNoKeys() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new KvChaosClients(null, 0, 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--kv-clients");
    }
}
