package io.ringwork.harness.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.harness.process.NodeProcess;
import io.ringwork.runtime.client.RingworkClient;
import io.ringwork.runtime.health.HealthFarm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The health checker on three real node processes against a farm of 300 HTTP targets at a 1 s
 * interval (issue 22, item 6): every target is checked about once per interval, counted at the
 * farm, and never twice within half an interval; targets flipped unhealthy are listed as such by
 * every node; after kill -9 of a node that checks a share of them, the others take its targets
 * over, and the longest time any target went unchecked is measured at the farm and bounded.
 */
class HealthClusterTest {
    private static final int PARTITIONS = 16;
    private static final int TARGETS = 300;
    @TempDir Path dir;

    @Test
    @Timeout(300)
    void threeNodesCheckEveryTargetOncePerIntervalAndSurviveTheDeathOfAChecker() throws Exception {
        List<NodeProcess> nodes = new ArrayList<>();
        // The webhook's receiver counts the posts of each transition (by its Idempotency-Key).
        java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> posts = new java.util.concurrent.ConcurrentHashMap<>();
        com.sun.net.httpserver.HttpServer receiver = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 64);
        java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> errors = new java.util.concurrent.ConcurrentHashMap<>();
        receiver.createContext("/hook", exchange -> {
            JsonNode posted = new com.fasterxml.jackson.databind.ObjectMapper().readTree(exchange.getRequestBody().readAllBytes());
            String why = posted.path("status").asText() + " " + posted.path("error").asText().replaceAll("[0-9]+", "N");
            errors.computeIfAbsent(why, k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
            posts.computeIfAbsent(exchange.getRequestHeaders().getFirst("Idempotency-Key"), k -> new java.util.concurrent.atomic.AtomicInteger())
                    .incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        try (HealthFarm farm = new HealthFarm(TARGETS, 0, 0)) {
            List<String> base = List.of("--membership", "fast", "--partitions", Integer.toString(PARTITIONS),
                    "--health-webhook", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
            NodeProcess n1 = start(nodes, "n1", base);
            String url1 = n1.awaitReady(60_000);
            List<String> seeded = new ArrayList<>(base);
            seeded.addAll(List.of("--seeds", n1.bindAddress()));
            NodeProcess n2 = start(nodes, "n2", seeded);
            NodeProcess n3 = start(nodes, "n3", seeded);
            List<RingworkClient> clients = List.of(new RingworkClient(url1), new RingworkClient(n2.awaitReady(60_000)),
                    new RingworkClient(n3.awaitReady(60_000)));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> settled(clients.getFirst()));

            StringBuilder ndjson = new StringBuilder();
            for (int n = 0; n < TARGETS; n++) {
                ndjson.append("{\"id\":\"t-").append(n).append("\",\"http\":\"").append(farm.httpUrl()).append("/t/").append(n)
                        .append("\",\"intervalMs\":1000,\"timeoutMs\":900,\"failureThreshold\":2,\"successThreshold\":1}\n");
            }
            JsonNode registered = clients.get(1).post("/v1/health/targets", "application/x-ndjson",
                    ndjson.toString().getBytes(StandardCharsets.UTF_8));
            assertThat(registered.path("registered").asInt()).isEqualTo(TARGETS);
            try {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                        .until(() -> clients.stream().allMatch(c -> count(c, "healthy") == TARGETS));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                // What each node shows, for the report: on a machine too loaded to answer (the farm's targets time
                // out, or SWIM splits the cluster) the statuses say so.
                for (RingworkClient c : clients) {
                    JsonNode all = c.get("/v1/health");
                    System.out.println("HEALTH DEBUG " + all.path("node").asText() + " counts " + all.path("counts"));
                    int shown = 0;
                    for (JsonNode t : all.path("targets")) {
                        if (!t.path("status").asText().equals("healthy") && shown++ < 5) System.out.println("HEALTH DEBUG   " + t);
                    }
                    System.out.println("HEALTH DEBUG owners " + c.cluster().path("ownership").path("partitions"));
                }
                throw e;
            }

            // 1. Steady state: about one check per target per interval, none doubled.
            // Two checks of one target from two nodes within a quarter interval would be a double check; two from the
            // same node that close are one check delayed on its way (the scheduler starts them at least half an
            // interval apart), which a loaded machine does now and then. The double-check assertion holds outside
            // fail-over windows: when SWIM moved a partition during the window (a false suspicion under load), the
            // test says so instead.
            Map<Integer, String> termsBefore = ledTerms(clients);
            farm.reset();
            Thread.sleep(10_000);
            JsonNode steady = farm.stats(250);
            Map<Integer, String> termsAfter = ledTerms(clients);
            System.out.println("HEALTH steady 10 s: " + steady);
            assertThat(steady.path("unchecked").asLong()).isZero();
            assertThat(steady.path("minPerTarget").asLong()).isBetween(8L, 11L);
            assertThat(steady.path("maxPerTarget").asLong()).isBetween(9L, 12L);
            if (termsBefore.equals(termsAfter)) {
                assertThat(steady.path("duplicatedAcrossCheckers").asLong()).as("targets checked by two nodes within a quarter interval")
                        .isZero();
            } else {
                System.out.println("HEALTH steady window saw ownership move (terms " + termsBefore + " -> " + termsAfter
                        + "): double checks not asserted");
            }
            assertThat(steady.path("duplicated").asLong()).as("targets checked twice within a quarter interval by one node")
                    .isLessThanOrEqualTo(TARGETS / 100);

            // 2. A flip is seen by every node: the time from the flip until all three list the 20 targets.
            Set<String> flipped = new HashSet<>();
            for (int n = 100; n < 120; n++) flipped.add("t-" + n);
            long flipAtMs = System.currentTimeMillis();
            farm.flip(100, 119, false);
            long[] seenAfterMs = new long[3];
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
                for (int i = 0; i < 3; i++) {
                    if (seenAfterMs[i] == 0 && unhealthy(clients.get(i)).equals(flipped)) seenAfterMs[i] = System.currentTimeMillis() - flipAtMs;
                }
                return seenAfterMs[0] > 0 && seenAfterMs[1] > 0 && seenAfterMs[2] > 0;
            });
            long allSeeMs = Math.max(seenAfterMs[0], Math.max(seenAfterMs[1], seenAfterMs[2]));
            System.out.printf("HEALTH flip of 20 targets listed by every node after %d ms (per node %d/%d/%d; the "
                    + "failure threshold alone needs 2 checks, 1-2 s)%n", allSeeMs, seenAfterMs[0], seenAfterMs[1], seenAfterMs[2]);
            assertThat(allSeeMs).isLessThan(5_000);
            // From each checker's transition (the result's sinceMs) until the last node learned it (its learnedAtMs):
            // the propagation alone, pushed to every member at once. Bounded loosely here (a loaded machine delays the
            // membership thread); `bench health` reports p50/p99.
            List<Long> spreadMs = new ArrayList<>();
            for (String id : flipped) {
                long sinceMs = -1, learnedMs = -1;
                for (RingworkClient c : clients) {
                    JsonNode t = c.get("/v1/health/targets/" + id);
                    sinceMs = Math.max(sinceMs, t.path("sinceMs").asLong());
                    long learned = -1;
                    for (JsonNode tr : t.path("transitions")) {
                        if (tr.path("status").asText().equals("unhealthy") && tr.path("sinceMs").asLong() >= flipAtMs) learned = tr.path("learnedAtMs").asLong();
                    }
                    assertThat(learned).as("node %d learned the transition of %s", clients.indexOf(c) + 1, id).isPositive();
                    learnedMs = Math.max(learnedMs, learned);
                }
                spreadMs.add(learnedMs - sinceMs);
            }
            java.util.Collections.sort(spreadMs);
            System.out.printf("HEALTH flip: from the checker's transition until every node learned it: p50 %d ms, max %d ms%n",
                    spreadMs.get(spreadMs.size() / 2), spreadMs.getLast());
            assertThat(spreadMs.getLast()).as("longest propagation of a transition to every node").isLessThan(3_000);

            // 3. kill -9 the checker of t-0: its targets move, and the longest unchecked gap is bounded.
            String victim = clients.getFirst().get("/v1/health/targets/t-0").path("checker").asText();
            int victimIndex = List.of("n1", "n2", "n3").indexOf(victim);
            List<RingworkClient> survivors = new ArrayList<>(clients);
            survivors.remove(victimIndex);
            long caughtUpBefore = 0;
            for (RingworkClient c : survivors) caughtUpBefore += ScaleOutTest.metric(c, "ringwork_health_checks_caught_up_total");
            farm.reset();
            Thread.sleep(2_000);
            nodes.get(victimIndex).kill();
            long killedAtMs = System.currentTimeMillis();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
                    survivors.stream().allMatch(c -> count(c, "healthy") == TARGETS - 20 && count(c, "unhealthy") == 20)
                            && checkersOf(survivors.getFirst()).stream().noneMatch(victim::equals));
            long takenOverMs = System.currentTimeMillis() - killedAtMs;
            Thread.sleep(3_000);
            JsonNode afterKill = farm.stats(250);
            System.out.printf("HEALTH kill -9 of %s: every target checked by a survivor after %d ms; longest unchecked gap "
                    + "%d ms; farm %s%n", victim, takenOverMs, afterKill.path("longestGapMs").asLong(), afterKill);
            assertThat(afterKill.path("unchecked").asLong()).isZero();
            assertThat(afterKill.path("longestGapMs").asLong()).as("longest time a target went unchecked").isLessThan(15_000);
            // At a 1 s interval every target's last check time falls between the victim's death and the takeover:
            // the survivors check them at once rather than at their next grid point.
            long caughtUp = -caughtUpBefore;
            for (RingworkClient c : survivors) caughtUp += ScaleOutTest.metric(c, "ringwork_health_checks_caught_up_total");
            System.out.printf("HEALTH kill -9: the survivors checked %d targets at once, missed since the victim stopped%n", caughtUp);
            assertThat(caughtUp).as("targets the takeover checked at once").isPositive();
            farm.reset();
            Thread.sleep(5_000);
            JsonNode settledAgain = farm.stats(250);
            System.out.println("HEALTH after takeover 5 s: " + settledAgain);
            assertThat(settledAgain.path("maxPerTarget").asLong()).isLessThanOrEqualTo(7);
            assertThat(settledAgain.path("duplicatedAcrossCheckers").asLong()).as("targets checked by two nodes after the takeover")
                    .isZero();
            assertThat(settledAgain.path("duplicated").asLong()).isLessThanOrEqualTo(TARGETS / 100);

            // 4. Alerts: at least the 300 transitions to healthy and 20 to unhealthy reach the webhook across the
            // kill. More come on a loaded machine: checks that time out twice in a row are real transitions to
            // unhealthy and back (the receiver prints them by error), so the count is not asserted exactly.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> posts.size() >= TARGETS + 20);
            Thread.sleep(2_000);
            long twice = posts.values().stream().filter(n -> n.get() > 1).count();
            System.out.printf("HEALTH webhook: %d transitions posted, %d of them more than once; by status and error: %s%n",
                    posts.size(), twice, errors);
            assertThat(posts.size()).isGreaterThanOrEqualTo(TARGETS + 20);
            // A transition is posted twice only if its owner died between the receiver's 2xx and its notified record
            // (the kill above hits at most the few transitions in flight then); a failed notified append no longer
            // re-posts, and a new owner waits out its takeover grace before posting what it finds pending.
            assertThat(twice).as("transitions posted more than once").isLessThanOrEqualTo(1);
        } finally {
            receiver.stop(0);
            for (NodeProcess node : nodes) node.close();
        }
    }

    private NodeProcess start(List<NodeProcess> nodes, String id, List<String> args) throws Exception {
        NodeProcess node = NodeProcess.start(id, dir.resolve(id), dir.resolve("log"), args);
        nodes.add(node);
        return node;
    }

    private static long count(RingworkClient client, String status) {
        try {
            return client.get("/v1/health").path("counts").path(status).asLong();
        } catch (Exception e) {
            return -1;
        }
    }

    private static Set<String> unhealthy(RingworkClient client) throws Exception {
        Set<String> ids = new HashSet<>();
        for (JsonNode t : client.get("/v1/health?status=unhealthy").path("targets")) ids.add(t.path("id").asText());
        return ids;
    }

    private static Set<String> checkersOf(RingworkClient client) throws Exception {
        Set<String> checkers = new HashSet<>();
        for (JsonNode t : client.get("/v1/health").path("targets")) checkers.add(t.path("checker").asText());
        return checkers;
    }

    /** The term of every partition, as the nodes leading it report it (two leaders show as both). */
    private static Map<Integer, String> ledTerms(List<RingworkClient> clients) throws Exception {
        Map<Integer, String> terms = new java.util.TreeMap<>();
        for (RingworkClient c : clients) {
            for (JsonNode p : c.cluster().path("partitions")) {
                if (!p.path("term").isNull() && !p.path("term").isMissingNode()) {
                    terms.merge(p.path("partition").asInt(), p.path("term").asText(), (a, b) -> a + " and " + b); // two leaders show
                }
            }
        }
        return terms;
    }

    private static boolean settled(RingworkClient client) throws Exception {
        JsonNode partitions = client.cluster().path("ownership").path("partitions");
        for (JsonNode p : partitions) {
            if (p.path("ready").size() != 3 || !p.path("owner").asText().equals(p.path("target").asText())) return false;
        }
        return partitions.size() == PARTITIONS;
    }
}
