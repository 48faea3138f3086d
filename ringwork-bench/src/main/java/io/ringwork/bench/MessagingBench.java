package io.ringwork.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.harness.process.SseSubscriber;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ./ringwork bench messaging}: publish-to-subscriber latency and the anycast spread on 1
 * and 3 real node processes (issue 21's messaging figures).
 *
 * <ul>
 *   <li><b>publish</b>: three subscribers of one topic (one per node on 3 nodes, all on the one
 *       node otherwise); {@code --messages} publishes paced at {@code --rate} per second, sent to
 *       the nodes in turn (one sender per node, each in order). Latency is from the moment the bench begins the POST to the moment a subscriber's
 *       stream delivers it, both on this JVM's monotonic clock; every subscriber must get every
 *       message, and those of one origin node in the order sent.</li>
 *   <li><b>anycast</b>: three subscribers of another topic placed the same way; as many anycasts,
 *       paced the same way; how many each subscriber got, and whether every job arrived exactly
 *       once.</li>
 * </ul>
 *
 * Bounded: each phase ends once everything arrived or 30 s after its last send.
 */
public final class MessagingBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SUBSCRIBERS = 3;

    private MessagingBench() {}

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = List.of(1, 3);
        int messages = 600, rate = 200;
        try {
            for (int i = 0; i < args.length; i += 2) {
                if (i + 1 >= args.length) throw new IllegalArgumentException(args[i] + " needs a value");
                switch (args[i]) {
                    case "--nodes" -> sizes = Arrays.stream(args[i + 1].split(",")).map(Integer::parseInt).toList();
                    case "--messages" -> messages = Integer.parseInt(args[i + 1]);
                    case "--rate" -> rate = Integer.parseInt(args[i + 1]);
                    default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--nodes --messages --rate)");
                }
            }
            if (messages < 1 || messages > 1_000_000 || rate < 1 || rate > 100_000) {
                throw new IllegalArgumentException("--messages is 1 to 1,000,000 and --rate 1 to 100,000");
            }
            for (int n : sizes) if (n < 1 || n > 9) throw new IllegalArgumentException("--nodes are 1 to 9 each");
        } catch (NumberFormatException e) {
            System.err.println("bench messaging: not a number: " + e.getMessage());
            System.exit(2);
            return;
        } catch (IllegalArgumentException e) {
            System.err.println("bench messaging: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.out.printf("messaging: %d messages per phase at %d/s, sent to the nodes in turn, %d subscribers%n%n", messages, rate, SUBSCRIBERS);
        List<String> rows = new ArrayList<>();
        for (int n : sizes) rows.add(run(n, messages, rate));
        System.out.println("| nodes | publishes | deliveries | missing | out of order | p50 ms | p99 ms | max ms | anycasts | per subscriber | each once |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
    }

    private static String run(int n, int messages, int rate) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        try (BenchNodes cluster = BenchNodes.start(n, "ringwork-messaging-bench-")) {
            List<String> urls = cluster.urls;
            // Publish.
            List<SseSubscriber> news = new ArrayList<>();
            for (int s = 0; s < SUBSCRIBERS; s++) news.add(SseSubscriber.open(http, urls.get(s % n) + "/v1/topics/bench-news/subscribe"));
            AtomicLong failed = new AtomicLong();
            send(http, urls, "/v1/topics/bench-news/publish", messages, rate, failed, SUBSCRIBERS);
            awaitAll(news, messages);
            List<Long> latencies = new ArrayList<>();
            long missing = 0, outOfOrder = 0;
            for (SseSubscriber s : news) {
                missing += messages - s.messages.size();
                long[] last = new long[n];
                Arrays.fill(last, -1);
                for (SseSubscriber.Received r : s.messages) {
                    JsonNode m = r.event().path("message");
                    int origin = m.path("origin").asInt();
                    if (m.path("seq").asLong() < last[origin]) outOfOrder++;
                    last[origin] = m.path("seq").asLong();
                    latencies.add(r.atNs() - m.path("sentNs").asLong());
                }
            }
            news.forEach(SseSubscriber::close);
            // Anycast.
            List<SseSubscriber> workers = new ArrayList<>();
            for (int s = 0; s < SUBSCRIBERS; s++) workers.add(SseSubscriber.open(http, urls.get(s % n) + "/v1/topics/bench-work/subscribe"));
            AtomicLong anycastFailed = new AtomicLong();
            send(http, urls, "/v1/topics/bench-work/anycast", messages, rate, anycastFailed, 1);
            long deadline = System.currentTimeMillis() + 30_000;
            while (workers.stream().mapToInt(w -> w.messages.size()).sum() < messages && System.currentTimeMillis() < deadline) Thread.sleep(50);
            Set<Long> jobs = new HashSet<>();
            long repeats = 0;
            List<String> spread = new ArrayList<>();
            for (SseSubscriber w : workers) {
                spread.add(Integer.toString(w.messages.size()));
                for (SseSubscriber.Received r : w.messages) if (!jobs.add(r.event().path("message").path("seq").asLong())) repeats++;
            }
            workers.forEach(SseSubscriber::close);
            boolean once = repeats == 0 && jobs.size() == messages;
            if (failed.get() + anycastFailed.get() > 0) {
                System.out.printf("%d nodes: %d publishes and %d anycasts were not answered 200%n", n, failed.get(), anycastFailed.get());
            }
            return String.format("| %d | %d | %d | %d | %d | %.1f | %.1f | %.1f | %d | %s | %s |", n, messages, latencies.size(), missing,
                    outOfOrder, ms(HealthBench.percentile(latencies, 50)), ms(HealthBench.percentile(latencies, 99)), ms(HealthBench.percentile(latencies, 100)), messages,
                    String.join(" / ", spread), once ? "yes" : "no: " + jobs.size() + " distinct, " + repeats + " repeats");
        }
    }

    /**
     * Paced sends to the nodes in turn: one sender per node, each waiting for an answer before its
     * next send (so one origin's messages are sent in order), falling behind its schedule only when
     * answers are slower than the period. A send answered other than 200 with {@code delivered} as
     * expected counts as failed.
     */
    private static void send(HttpClient http, List<String> urls, String path, int messages, int rate, AtomicLong failed, int delivered)
            throws InterruptedException {
        long startNs = System.nanoTime(), periodNs = 1_000_000_000L / rate;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int o = 0; o < urls.size(); o++) {
                int origin = o;
                pool.submit(() -> {
                    for (int i = origin; i < messages; i += urls.size()) {
                        long waitNs = startNs + i * periodNs - System.nanoTime();
                        if (waitNs > 0) TimeUnit.NANOSECONDS.sleep(waitNs);
                        try {
                            long sentNs = System.nanoTime();
                            String body = "{\"origin\":" + origin + ",\"seq\":" + i + ",\"sentNs\":" + sentNs + "}";
                            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(urls.get(origin) + path))
                                    .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                            if (answer.statusCode() != 200 || JSON.readTree(answer.body()).path("delivered").asInt() != delivered) {
                                failed.incrementAndGet();
                            }
                        } catch (java.io.IOException e) {
                            failed.incrementAndGet();
                        }
                    }
                    return null;
                });
            }
        }
    }

    private static void awaitAll(List<SseSubscriber> streams, int messages) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline && !streams.stream().allMatch(s -> s.messages.size() >= messages)) Thread.sleep(50);
    }

    private static double ms(long ns) {
        return ns / 1e6;
    }
}
