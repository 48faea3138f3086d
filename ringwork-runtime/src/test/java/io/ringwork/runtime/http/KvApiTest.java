package io.ringwork.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.core.kv.KvProcessor;
import io.ringwork.runtime.node.NodeConfig;
import io.ringwork.runtime.node.RingworkNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key-value API on one in-process node: writes, compare-and-set, fences, reads and every kind of bad input. */
class KvApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    @TempDir static Path dir;
    static RingworkNode node;
    static String base;

    @BeforeAll
    static void start() {
        node = RingworkNode.start(NodeConfig.defaults().withNodeId("kv-test").withHttp("127.0.0.1:0").withBind("127.0.0.1:0")
                .withDataDir(dir.resolve("data")).withLogDir(dir.resolve("log")).withPartitions(8)
                .withMaxRequestBytes(4 << 20));
        base = "http://127.0.0.1:" + node.http().address().getPort();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    record Answer(int status, JsonNode body) {}

    static Answer send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body().isEmpty() ? null : JSON.readTree(response.body()));
    }

    static String kv(String key) {
        return "/v1/kv/" + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Test
    void aPutIsReadBackWithItsVersionAndAnotherPutRaisesIt() throws Exception {
        Answer put = send("PUT", kv("config/a b"), "{\"replicas\":3}");
        assertThat(put.status()).isEqualTo(200);
        assertThat(put.body().path("key").asText()).isEqualTo("config/a b");
        long v1 = put.body().path("version").asLong();
        assertThat(v1).isPositive();
        Answer get = send("GET", kv("config/a b"), null);
        assertThat(get.status()).isEqualTo(200);
        assertThat(get.body().path("value")).isEqualTo(JSON.readTree("{\"replicas\":3}"));
        assertThat(get.body().path("version").asLong()).isEqualTo(v1);
        assertThat(get.body().path("consistency").asText()).isEqualTo("linearizable");
        long v2 = send("PUT", kv("config/a b"), "[1,2]").body().path("version").asLong();
        assertThat(v2).isGreaterThan(v1);
        Answer quorum = send("GET", kv("config/a b") + "?consistency=quorum", null);
        assertThat(quorum.status()).isEqualTo(200);
        assertThat(quorum.body().path("value")).isEqualTo(JSON.readTree("[1,2]"));
        assertThat(quorum.body().path("version").asLong()).isEqualTo(v2);
        Answer local = send("GET", kv("config/a b") + "?consistency=local", null);
        assertThat(local.body().path("value")).isEqualTo(JSON.readTree("[1,2]"));
        assertThat(local.body().path("mayBeStale").asBoolean()).isTrue();
    }

    @Test
    void compareAndSetSucceedsOnlyOnTheCurrentVersion() throws Exception {
        assertThat(send("PUT", kv("cas") + "?ifVersion=0", "1").status()).isEqualTo(200);
        Answer again = send("PUT", kv("cas") + "?ifVersion=0", "2");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.body().path("error").asText()).isEqualTo("conflict");
        assertThat(again.body().path("definite").asBoolean()).isTrue();
        long current = again.body().path("version").asLong();
        assertThat(send("GET", kv("cas"), null).body().path("version").asLong()).isEqualTo(current);
        Answer stale = send("PUT", kv("cas") + "?ifVersion=" + (current - 1), "3");
        assertThat(stale.status()).isEqualTo(409);
        assertThat(send("PUT", kv("cas") + "?ifVersion=" + current, "4").status()).isEqualTo(200);
        assertThat(send("GET", kv("cas"), null).body().path("value").asInt()).isEqualTo(4);
    }

    @Test
    void concurrentIncrementsByCompareAndSetLoseNothing() throws Exception {
        send("PUT", kv("counter"), "0");
        int clients = 8, each = 10;
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        List<Future<Integer>> conflicts = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            conflicts.add(pool.submit((Callable<Integer>) () -> {
                int refused = 0;
                for (int done = 0; done < each; ) {
                    Answer read = send("GET", kv("counter"), null);
                    long version = read.body().path("version").asLong();
                    int value = read.body().path("value").asInt();
                    Answer cas = send("PUT", kv("counter") + "?ifVersion=" + version, Integer.toString(value + 1));
                    if (cas.status() == 200) done++;
                    else if (cas.status() == 409) refused++;
                    else throw new AssertionError("unexpected " + cas);
                }
                return refused;
            }));
        }
        int refused = 0;
        for (Future<Integer> f : conflicts) refused += f.get();
        pool.close();
        assertThat(send("GET", kv("counter"), null).body().path("value").asInt()).isEqualTo(clients * each);
        assertThat(refused).isPositive(); // the clients did race
    }

    @Test
    void deleteMakesTheKeyAbsentAndADeleteOfAnAbsentKeyIsA404() throws Exception {
        long put = send("PUT", kv("gone"), "\"x\"").body().path("version").asLong();
        Answer wrongDelete = send("DELETE", kv("gone") + "?ifVersion=" + (put + 100), null);
        assertThat(wrongDelete.status()).isEqualTo(409);
        Answer delete = send("DELETE", kv("gone") + "?ifVersion=" + put, null);
        assertThat(delete.status()).isEqualTo(200);
        assertThat(delete.body().path("version").asLong()).isGreaterThan(put);
        assertThat(send("GET", kv("gone"), null).status()).isEqualTo(404);
        Answer again = send("DELETE", kv("gone"), null);
        assertThat(again.status()).isEqualTo(404);
        assertThat(again.body().path("definite").asBoolean()).isTrue();
        assertThat(send("PUT", kv("gone") + "?ifVersion=0", "\"back\"").status()).isEqualTo(200);
    }

    @Test
    void aFencedWriteUnderALowerTokenIsRefusedAfterAHigherOne() throws Exception {
        String first = send("POST", "/v1/sessions", "{\"ttlMs\":60000}").body().path("session").asText();
        String second = send("POST", "/v1/sessions", "{\"ttlMs\":60000}").body().path("session").asText();
        long old = send("POST", "/v1/elections/lock/campaign", "{\"candidate\":\"a\",\"session\":\"" + first + "\"}")
                .body().path("token").asLong();
        send("POST", "/v1/elections/lock/campaign", "{\"candidate\":\"b\",\"session\":\"" + second + "\"}");
        assertThat(send("PUT", kv("leader-data") + "?fence=lock:" + old, "\"old leader\"").status()).isEqualTo(200);
        long newer = send("DELETE", "/v1/elections/lock/leader?token=" + old, null).body().path("token").asLong();
        assertThat(newer).isGreaterThan(old);
        assertThat(send("PUT", kv("leader-data") + "?fence=lock:" + newer, "\"new leader\"").status()).isEqualTo(200);
        Answer stale = send("PUT", kv("leader-data") + "?fence=lock:" + old, "\"paused old leader\"");
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.body().path("error").asText()).isEqualTo("stale_token");
        assertThat(stale.body().path("token").asLong()).isEqualTo(newer);
        assertThat(send("GET", kv("leader-data"), null).body().path("value").asText()).isEqualTo("new leader");
    }

    @Test
    void aRetriedIdIsAppliedOnceAndAnsweredLikeTheFirst() throws Exception {
        Answer first = send("PUT", kv("once") + "?ifVersion=0&id=req-7", "1");
        Answer retry = send("PUT", kv("once") + "?ifVersion=0&id=req-7", "1");
        assertThat(first.status()).isEqualTo(200);
        assertThat(retry.status()).isEqualTo(200);
        assertThat(retry.body().path("version").asLong()).isEqualTo(first.body().path("version").asLong());
    }

    @Test
    void badInputIsAClear4xxAndChangesNothing() throws Exception {
        send("PUT", kv("guarded"), "\"kept\"");
        long version = send("GET", kv("guarded"), null).body().path("version").asLong();
        List<Answer> bad = List.of(
                send("PUT", kv("guarded"), "{not json"),
                send("PUT", kv("guarded"), null),
                send("PUT", kv("guarded") + "?ifVersion=abc", "1"),
                send("PUT", kv("guarded") + "?ifVersion=-1", "1"),
                send("PUT", kv("guarded") + "?fence=nocolon", "1"),
                send("PUT", kv("guarded") + "?fence=lock:x", "1"),
                send("PUT", kv("guarded"), "\"" + "v".repeat(KvProcessor.VALUE_MAX_BYTES) + "\""),
                send("PUT", kv("k".repeat(KvProcessor.KEY_MAX_BYTES + 1)), "1"),
                send("GET", kv("guarded") + "?consistency=eventual", null),
                send("POST", kv("guarded"), "1"));
        for (Answer answer : bad) {
            assertThat(answer.status()).as("%s", answer.body()).isBetween(400, 499);
            assertThat(answer.body().path("definite").asBoolean()).as("%s", answer.body()).isTrue();
            assertThat(answer.body().path("detail").asText()).isNotBlank();
        }
        // A value as deep as a request body may be is one level too deep inside the key's state: refused before the log.
        Answer deep = send("PUT", kv("guarded"), "[".repeat(100) + "]".repeat(100));
        assertThat(deep.status()).as("%s", deep.body()).isEqualTo(400);
        assertThat(deep.body().path("detail").asText()).contains("nests deeper");
        assertThat(send("PUT", kv("deep-ok"), "[".repeat(99) + "]".repeat(99)).status()).isEqualTo(200);
        Answer after = send("GET", kv("guarded"), null);
        assertThat(after.body().path("version").asLong()).isEqualTo(version);
        assertThat(after.body().path("value").asText()).isEqualTo("kept");
        assertThat(send("GET", kv("never-written"), null).status()).isEqualTo(404);
        // A partition no record reached yet is an answer too: a quorum read of a key there is a 404, not a missing quorum.
        for (int i = 0; i < 16; i++) {
            Answer absent = send("GET", kv("never-" + i) + "?consistency=quorum", null);
            assertThat(absent.status()).as("%s", absent.body()).isEqualTo(404);
        }
    }

    @Test
    void aWriteToARecordKeyHoldingAnotherProcessorsStateIsRefusedDefinitely() throws Exception {
        Answer piece = send("POST", "/v1/gluer/kv/taken?op=put", "{\"doc\":1}");
        assertThat(piece.status()).isEqualTo(200);
        Answer put = send("PUT", kv("taken"), "1");
        assertThat(put.status()).as("%s", put.body()).isEqualTo(409);
        assertThat(put.body().path("error").asText()).isEqualTo("refused");
        assertThat(put.body().path("definite").asBoolean()).isTrue();
        assertThat(send("GET", kv("taken"), null).status()).isEqualTo(404);
    }

    @Test
    void keysAreListedByPrefixInOrderAndPageByPage() throws Exception {
        List<String> written = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            String key = String.format("list/%02d", i);
            written.add(key);
            assertThat(send("PUT", kv(key), Integer.toString(i)).status()).isEqualTo(200);
        }
        send("PUT", kv("listing-not-this"), "1");
        send("DELETE", kv("list/07"), null);
        written.remove("list/07");
        List<String> listed = new ArrayList<>();
        String after = null;
        for (int pages = 0; pages < 10; pages++) {
            Answer page = send("GET", "/v1/kv?prefix=list/&limit=10" + (after == null ? "" : "&after=" + after), null);
            assertThat(page.status()).isEqualTo(200);
            for (JsonNode key : page.body().path("keys")) {
                listed.add(key.path("key").asText());
                assertThat(key.path("version").asLong()).isPositive();
            }
            if (page.body().path("next").isNull()) break;
            after = page.body().path("next").asText();
        }
        assertThat(listed).as("every live key with the prefix, in order, once").containsExactlyElementsOf(written);
        assertThat(send("GET", "/v1/kv?prefix=list/&limit=0", null).status()).isEqualTo(400);
        assertThat(send("GET", "/v1/kv?prefix=list/&limit=x", null).status()).isEqualTo(400);
        assertThat(send("GET", "/v1/kv?prefix=nothing-here/", null).body().path("keys")).isEmpty();
    }

    @Test
    void aKeyOfTheStoreTakesAValueOfTheFullSize() throws Exception {
        String big = "\"" + "b".repeat(KvProcessor.VALUE_MAX_BYTES - 2) + "\"";
        assertThat(send("PUT", kv("big"), big).status()).isEqualTo(200);
        assertThat(send("GET", kv("big"), null).body().path("value").asText()).hasSize(KvProcessor.VALUE_MAX_BYTES - 2);
    }
}
