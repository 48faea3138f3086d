package io.ringwork.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.runtime.client.RingworkClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code ./ringwork bench kv}: the key-value store on 1 and on 3 real node processes. For each
 * operation (put, compare-and-set, linearizable get, quorum get) and each number of clients (1
 * and 64), the clients run closed loops for a fixed time against all nodes in turn and the bench
 * prints completed operations per second and the p50 and p99 of their latency. Each client has
 * its own key (compare-and-sets read the version first and count only the write); with 64
 * clients the keys spread over the partitions. Bounded: every cell runs {@code --seconds} (5).
 *
 * <p>Options: {@code --nodes 1,3 --clients 1,64 --seconds S}.
 */
public final class KvBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> OPERATIONS = List.of("put", "cas", "get", "get-quorum");

    private KvBench() {}

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = List.of(1, 3);
        List<Integer> clientCounts = List.of(1, 64);
        int seconds = 5;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--nodes" -> sizes = Arrays.stream(args[i + 1].split(",")).map(Integer::parseInt).toList();
                case "--clients" -> clientCounts = Arrays.stream(args[i + 1].split(",")).map(Integer::parseInt).toList();
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--nodes --clients --seconds)");
            }
        }
        System.out.printf("kv: closed-loop clients for %d s per cell, each on its own key, requests spread over the nodes%n%n", seconds);
        System.out.println("| nodes | operation | clients | ops/s | p50 ms | p99 ms | errors |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (int n : sizes) run(n, clientCounts, seconds);
    }

    private static void run(int n, List<Integer> clientCounts, int seconds) throws Exception {
        try (BenchNodes cluster = BenchNodes.start(n, "ringwork-kv-bench-")) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            for (String operation : OPERATIONS) {
                for (int clients : clientCounts) {
                    System.out.println(cell(http, cluster.urls, n, operation, clients, seconds));
                }
            }
        }
    }

    private static String cell(HttpClient http, List<String> urls, int n, String operation, int clients, int seconds) throws Exception {
        long endNs = System.nanoTime() + seconds * 1_000_000_000L;
        List<Future<long[]>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                String url = urls.get(c % urls.size());
                String key = "bench/" + operation + "/" + c;
                results.add(pool.submit(() -> loop(http, url, key, operation, endNs)));
            }
        }
        List<Long> latencies = new ArrayList<>();
        long errors = 0;
        for (Future<long[]> result : results) {
            long[] r = result.get();
            errors += r[0];
            for (int i = 1; i < r.length; i++) latencies.add(r[i]);
        }
        latencies.sort(null);
        double p50 = latencies.isEmpty() ? 0 : latencies.get(latencies.size() / 2) / 1e6;
        double p99 = latencies.isEmpty() ? 0 : latencies.get((int) Math.min(latencies.size() - 1, latencies.size() * 0.99)) / 1e6;
        return String.format("| %d | %s | %d | %,.0f | %.1f | %.1f | %d |", n, operation, clients,
                latencies.size() / (double) seconds, p50, p99, errors);
    }

    /** One client's closed loop; returns [errors, latency ns of each completed operation...]. */
    private static long[] loop(HttpClient http, String url, String key, String operation, long endNs) throws Exception {
        List<Long> latencies = new ArrayList<>();
        long errors = 0;
        long value = 0;
        send(http, "PUT", url, key, "", "0"); // the key exists before the clock starts
        while (System.nanoTime() < endNs) {
            long version = 0;
            if (operation.equals("cas")) {
                HttpResponse<String> read = send(http, "GET", url, key, "", null);
                if (read.statusCode() != 200) {
                    errors++;
                    continue;
                }
                JsonNode state = JSON.readTree(read.body());
                version = state.path("version").asLong();
                value = state.path("value").asLong();
            }
            long start = System.nanoTime();
            HttpResponse<String> answer = switch (operation) {
                case "put" -> send(http, "PUT", url, key, "", Long.toString(++value));
                case "cas" -> send(http, "PUT", url, key, "?ifVersion=" + version, Long.toString(value + 1));
                case "get" -> send(http, "GET", url, key, "", null);
                default -> send(http, "GET", url, key, "?consistency=quorum", null);
            };
            long took = System.nanoTime() - start;
            if (answer.statusCode() == 200) latencies.add(took);
            else errors++;
        }
        long[] out = new long[latencies.size() + 1];
        out[0] = errors;
        for (int i = 0; i < latencies.size(); i++) out[i + 1] = latencies.get(i);
        return out;
    }

    private static HttpResponse<String> send(HttpClient http, String method, String url, String key, String query, String body)
            throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/v1/kv/" + RingworkClient.encodeKey(key) + query))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
