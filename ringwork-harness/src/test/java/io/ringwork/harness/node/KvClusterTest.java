package io.ringwork.harness.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.core.id.Partitioner;
import io.ringwork.core.kv.KvProcessor;
import io.ringwork.harness.process.NodeProcess;
import io.ringwork.runtime.client.RingworkClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key-value store on three real node processes: clients on every node increment hot keys by
 * compare-and-set while the owner of one of them is SIGKILLed. No acknowledged increment is lost
 * and none is applied twice: each key ends between its acknowledged increments and those plus
 * the ones whose answer was indefinite, and the versions a client sees of a key only grow.
 */
class KvClusterTest {
    private static final int PARTITIONS = 8;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    @TempDir Path dir;

    record Tally(long acknowledged, long indefinite, long refused) {}

    @Test
    @Timeout(240)
    void compareAndSetIncrementsSurviveTheOwnersDeath() throws Exception {
        List<NodeProcess> nodes = new ArrayList<>();
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<String> base = List.of("--membership", "fast", "--partitions", Integer.toString(PARTITIONS));
            NodeProcess n1 = start(nodes, "n1", base);
            String url1 = n1.awaitReady(60_000);
            List<String> seeded = new ArrayList<>(base);
            seeded.addAll(List.of("--seeds", n1.bindAddress()));
            NodeProcess n2 = start(nodes, "n2", seeded);
            NodeProcess n3 = start(nodes, "n3", seeded);
            List<String> urls = List.of(url1, n2.awaitReady(60_000), n3.awaitReady(60_000));
            RingworkClient c1 = new RingworkClient(url1);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> settled(c1));

            List<String> keys = List.of("hot/a", "hot/b", "hot/c");
            for (String key : keys) assertThat(send("PUT", urls.get(0), key, "", "0").statusCode()).isEqualTo(200);
            // The victim owns hot/a's partition; two clients per node per key.
            int partition = new Partitioner(PARTITIONS).partitionOf(KvProcessor.KEY_PREFIX + "hot/a");
            String victim = c1.cluster().path("ownership").path("partitions").get(partition).path("owner").asText();
            int victimIndex = List.of("n1", "n2", "n3").indexOf(victim);

            AtomicBoolean stop = new AtomicBoolean();
            List<Future<Tally>> tallies = new ArrayList<>();
            List<String> clientKeys = new ArrayList<>();
            for (String key : keys) {
                for (int n = 0; n < 3; n++) {
                    for (int c = 0; c < 2; c++) {
                        String url = urls.get(n);
                        boolean onVictim = n == victimIndex;
                        clientKeys.add(key);
                        tallies.add(pool.submit(() -> increment(url, key, stop, onVictim)));
                    }
                }
            }
            Thread.sleep(3_000);
            nodes.get(victimIndex).kill();
            Thread.sleep(6_000);
            stop.set(true);

            long[] acknowledged = new long[keys.size()];
            long[] indefinite = new long[keys.size()];
            long refused = 0;
            for (int i = 0; i < tallies.size(); i++) {
                Tally t = tallies.get(i).get();
                int k = keys.indexOf(clientKeys.get(i));
                acknowledged[k] += t.acknowledged();
                indefinite[k] += t.indefinite();
                refused += t.refused();
            }
            List<String> survivors = new ArrayList<>(urls);
            survivors.remove(victimIndex);
            for (int k = 0; k < keys.size(); k++) {
                String key = keys.get(k);
                assertThat(acknowledged[k]).as("increments of %s", key).isPositive();
                // Every surviving node gives the same linearizable answer.
                List<Long> values = new ArrayList<>();
                for (String url : survivors) {
                    HttpResponse<String> read = send("GET", url, key, "", null);
                    assertThat(read.statusCode()).as("%s at %s: %s", key, url, read.body()).isEqualTo(200);
                    values.add(JSON.readTree(read.body()).path("value").asLong());
                }
                System.out.printf("kv cluster: %s = %d after killing %s: %d acknowledged, %d indefinite increments%n",
                        key, values.isEmpty() ? -1 : values.get(0), victim, acknowledged[k], indefinite[k]);
                assertThat(values).as("%s on every survivor", key).containsOnly(values.get(0));
                for (String url : survivors) {
                    HttpResponse<String> quorum = send("GET", url, key, "?consistency=quorum", null);
                    assertThat(quorum.statusCode()).as("quorum read of %s at %s: %s", key, url, quorum.body()).isEqualTo(200);
                    assertThat(JSON.readTree(quorum.body()).path("value").asLong()).as("quorum read of %s", key).isEqualTo(values.get(0));
                }
                assertThat(values.get(0)).as("%s: acknowledged %s, indefinite %s", key, acknowledged[k], indefinite[k])
                        .isBetween(acknowledged[k], acknowledged[k] + indefinite[k]);
            }
            System.out.printf("kv cluster: %d compare-and-sets lost a race%n", refused);
            // Keys never written, most in partitions no record reached: every read mode says 404 at once.
            for (int i = 0; i < 8; i++) {
                for (String consistency : List.of("", "?consistency=quorum")) {
                    HttpResponse<String> absent = send("GET", survivors.get(0), "never/" + i, consistency, null);
                    assertThat(absent.statusCode()).as("never/%s%s: %s", i, consistency, absent.body()).isEqualTo(404);
                }
            }
            // A listing on any survivor reaches every partition's owner: the three hot keys, in order.
            for (String url : survivors) {
                HttpResponse<String> listing = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/kv?prefix=hot/")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(listing.statusCode()).as("listing at %s: %s", url, listing.body()).isEqualTo(200);
                List<String> listed = new ArrayList<>();
                for (JsonNode key : JSON.readTree(listing.body()).path("keys")) listed.add(key.path("key").asText());
                assertThat(listed).as("listing at %s", url).containsExactlyElementsOf(keys);
            }
            assertThat(refused).as("the clients raced").isPositive();
        } finally {
            pool.shutdownNow();
            for (NodeProcess node : nodes) node.close();
        }
    }

    /**
     * Reads the key and writes value + 1 under ifVersion until told to stop. A 200 is an
     * acknowledged increment, a 409 a lost race, an indefinite error (or a dead node's broken
     * connection once the write was sent) one that may have taken effect. A client on the victim
     * stops at its first failure. The versions it reads must never go down.
     */
    private static Tally increment(String url, String key, AtomicBoolean stop, boolean onVictim) throws Exception {
        long acknowledged = 0, indefinite = 0, refused = 0, lastVersion = 0;
        while (!stop.get()) {
            HttpResponse<String> read;
            try {
                read = send("GET", url, key, "", null);
            } catch (java.io.IOException e) {
                if (onVictim) break;
                continue;
            }
            if (read.statusCode() != 200) {
                if (onVictim && read.statusCode() >= 500) break;
                continue;
            }
            JsonNode state = JSON.readTree(read.body());
            long version = state.path("version").asLong();
            assertThat(version).as("versions of %s a client reads only grow", key).isGreaterThanOrEqualTo(lastVersion);
            lastVersion = version;
            HttpResponse<String> write;
            try {
                write = send("PUT", url, key, "?ifVersion=" + version, Long.toString(state.path("value").asLong() + 1));
            } catch (java.io.IOException e) {
                indefinite++; // sent; the node died before it answered
                if (onVictim) break;
                continue;
            }
            JsonNode answer = write.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(write.body());
            if (write.statusCode() == 200) {
                acknowledged++;
                assertThat(answer.path("version").asLong()).isGreaterThan(version);
            } else if (write.statusCode() == 409) {
                refused++;
            } else if (answer.path("definite").asBoolean(false)) {
                continue; // nothing was written
            } else {
                indefinite++;
                if (onVictim) break;
            }
        }
        return new Tally(acknowledged, indefinite, refused);
    }

    private static HttpResponse<String> send(String method, String url, String key, String query, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/v1/kv/" + RingworkClient.encodeKey(key) + query))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private NodeProcess start(List<NodeProcess> nodes, String id, List<String> args) throws Exception {
        NodeProcess node = NodeProcess.start(id, dir.resolve(id), dir.resolve("log"), args);
        nodes.add(node);
        return node;
    }

    private static boolean settled(RingworkClient client) throws Exception {
        JsonNode partitions = client.cluster().path("ownership").path("partitions");
        for (JsonNode p : partitions) {
            if (p.path("ready").size() != 3 || !p.path("owner").asText().equals(p.path("target").asText())) return false;
        }
        return partitions.size() == PARTITIONS;
    }
}
