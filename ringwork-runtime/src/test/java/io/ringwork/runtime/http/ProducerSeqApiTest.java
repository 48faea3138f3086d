package io.ringwork.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.runtime.node.NodeConfig;
import io.ringwork.runtime.node.RingworkNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/events} with {@code producerId} and {@code seq} (issue 21, item 6): a retried
 * sequence number is acknowledged without a second append, also after the node restarts; a gap is
 * reported; bad combinations are a 400 that appends nothing.
 */
class ProducerSeqApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    @TempDir Path dir;

    private RingworkNode start() {
        return RingworkNode.start(NodeConfig.defaults().withNodeId("producer-test").withHttp("127.0.0.1:0").withBind("127.0.0.1:0")
                .withDataDir(dir.resolve("data")).withLogDir(dir.resolve("log")).withPartitions(4));
    }

    private static JsonNode post(RingworkNode node, int status, String ndjson) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.http().address().getPort() + "/v1/events"))
                .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(ndjson)).build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return JSON.readTree(response.body());
    }

    /** Envelopes of producer {@code p}, one per seq, each appending its seq to the list of document t/c{seq % 3}. */
    private static String envelopes(String p, long... seqs) {
        StringBuilder body = new StringBuilder();
        for (long seq : seqs) {
            body.append("{\"key\":\"t/c").append(seq % 3).append("\",\"type\":\"gluer.patch\",\"producerId\":\"").append(p)
                    .append("\",\"seq\":").append(seq).append(",\"data\":[{\"op\":\"add\",\"path\":\"/seen/-\",\"value\":")
                    .append(seq).append("}]}\n");
        }
        return body.toString();
    }

    private static long logRecords(RingworkNode node) {
        long total = 0;
        for (int p = 0; p < node.log().partitionCount(); p++) total += node.log().endOffset(p);
        return total;
    }

    @Test
    void aRetriedSeqIsAcknowledgedWithoutASecondAppendAlsoAfterARestartAndAGapIsReported() throws Exception {
        RingworkNode node = start();
        List<JsonNode> first = new ArrayList<>();
        try {
            // Each document starts with an empty list to append to.
            post(node, 200, "{\"key\":\"t/c0\",\"type\":\"gluer.put\",\"data\":{\"seen\":[]}}\n"
                    + "{\"key\":\"t/c1\",\"type\":\"gluer.put\",\"data\":{\"seen\":[]}}\n{\"key\":\"t/c2\",\"type\":\"gluer.put\",\"data\":{\"seen\":[]}}\n");
            JsonNode answer = post(node, 200, envelopes("p1", 0, 1, 2, 3, 4));
            assertThat(answer.path("appended").asInt()).isEqualTo(5);
            assertThat(answer.path("producer").path("seq").asLong()).isEqualTo(4);
            assertThat(answer.path("producer").has("gaps")).isFalse();
            answer.path("results").forEach(first::add);
            long before = logRecords(node);

            // A retry of 3 and 4 with two new ones: 3 and 4 answered from their first append, 5 and 6 appended.
            JsonNode retry = post(node, 200, envelopes("p1", 3, 4, 5, 6));
            assertThat(retry.path("appended").asInt()).isEqualTo(2);
            assertThat(retry.path("duplicates").asInt()).isEqualTo(2);
            assertThat(retry.path("results").get(0).path("duplicate").asBoolean()).isTrue();
            assertThat(retry.path("results").get(0).path("offset").asLong()).isEqualTo(first.get(3).path("offset").asLong());
            assertThat(retry.path("results").get(1).path("partition").asLong()).isEqualTo(first.get(4).path("partition").asLong());
            assertThat(retry.path("results").get(2).has("duplicate")).isFalse();
            assertThat(logRecords(node) - before).as("5 and 6, and their ack").isEqualTo(3);
        } finally {
            node.close();
        }

        node = start();
        try {
            long before = logRecords(node);
            // After the restart: a retry of everything sent appends nothing.
            JsonNode again = post(node, 200, envelopes("p1", 0, 1, 2, 3, 4, 5, 6));
            assertThat(again.path("appended").asInt()).isZero();
            assertThat(again.path("duplicates").asInt()).isEqualTo(7);
            assertThat(logRecords(node)).as("nothing appended").isEqualTo(before);

            // A gap: 7 and 8 never sent; 9 is appended and the gap reported.
            JsonNode gap = post(node, 200, envelopes("p1", 9));
            assertThat(gap.path("appended").asInt()).isEqualTo(1);
            assertThat(gap.path("producer").path("gaps").get(0).path("expected").asLong()).isEqualTo(7);
            assertThat(gap.path("producer").path("gaps").get(0).path("got").asLong()).isEqualTo(9);
            assertThat(gap.path("producer").path("seq").asLong()).isEqualTo(9);

            // Every seq took effect once: the documents' lists hold each of 0..6 and 9 exactly once.
            List<Long> seen = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                JsonNode doc = awaitDocument(node, "t/c" + c);
                doc.path("value").path("seen").forEach(v -> seen.add(v.asLong()));
            }
            assertThat(seen).containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L, 5L, 6L, 9L);
        } finally {
            node.close();
        }
    }

    private static JsonNode awaitDocument(RingworkNode node, String key) throws Exception {
        long deadline = System.currentTimeMillis() + 20_000;
        String url = "http://127.0.0.1:" + node.http().address().getPort() + "/v1/state/" + key;
        while (true) {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                JsonNode state = JSON.readTree(response.body());
                int count = state.path("value").path("seen").size();
                int expected = switch (key) { case "t/c0" -> 4; default -> 2; }; // 0,3,6,9 / 1,4 / 2,5
                if (count >= expected) return state;
            }
            if (System.currentTimeMillis() > deadline) throw new AssertionError("document " + key + " not complete: " + response.body());
            Thread.sleep(50);
        }
    }

    @Test
    void badProducerEnvelopesAreA400ThatAppendsNothing() throws Exception {
        RingworkNode node = start();
        try {
            long before = logRecords(node);
            String one = "{\"key\":\"t/c0\",\"type\":\"gluer.put\",\"data\":{}";
            assertThat(post(node, 400, one + ",\"producerId\":\"p\"}\n").path("detail").asText()).contains("go together");
            assertThat(post(node, 400, one + ",\"seq\":3}\n").path("detail").asText()).contains("go together");
            assertThat(post(node, 400, one + ",\"producerId\":\"p\",\"seq\":-1}\n").path("detail").asText()).contains("whole number");
            assertThat(post(node, 400, one + ",\"producerId\":\"p\",\"seq\":\"7\"}\n").path("detail").asText()).contains("whole number");
            assertThat(post(node, 400, one + ",\"producerId\":\"p\",\"seq\":2}\n" + one + ",\"producerId\":\"q\",\"seq\":3}\n")
                    .path("detail").asText()).contains("same \"producerId\"");
            assertThat(post(node, 400, one + ",\"producerId\":\"p\",\"seq\":2}\n" + one + ",\"producerId\":\"p\",\"seq\":2}\n")
                    .path("detail").asText()).contains("not above");
            assertThat(post(node, 400, one + ",\"producerId\":\"p\",\"seq\":1}\n" + one + "}\n").path("detail").asText())
                    .contains("same \"producerId\"");
            StringBuilder many = new StringBuilder();
            for (int seq = 0; seq <= 1024; seq++) many.append(one).append(",\"producerId\":\"p\",\"seq\":").append(seq).append("}\n");
            assertThat(post(node, 400, many.toString()).path("detail").asText()).contains("at most 1024 envelopes");
            assertThat(logRecords(node)).as("nothing appended").isEqualTo(before);
            assertThat(post(node, 200, one + "}\n").path("appended").asInt()).as("without a producer: as before").isEqualTo(1);
        } finally {
            node.close();
        }
    }
}
