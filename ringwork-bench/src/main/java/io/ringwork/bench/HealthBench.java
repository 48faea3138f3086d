package io.ringwork.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.ringwork.harness.process.NodeProcess;
import io.ringwork.runtime.client.RingworkClient;
import io.ringwork.runtime.health.HealthFarm;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ./ringwork bench health}: issue 22's acceptance figures for the health checker. A farm of
 * virtual HTTP targets ({@link HealthFarm}) and a webhook receiver run in this JVM; N real node
 * processes check the targets. Phases, each bounded in time and printing progress:
 *
 * <ol>
 *   <li><b>register</b> T targets through {@code POST /v1/health/targets} (NDJSON, in requests of
 *       {@value #BATCH}), then wait until every node lists all of them healthy;</li>
 *   <li><b>steady</b>: over {@code --windows} intervals, each counted alone at the farm, the checks
 *       per target per interval (fewest, most), the targets checked twice within half an interval
 *       (the scheduler never starts two checks of one target that close) and how many of them by two
 *       different nodes (the {@code Ringwork-Checker} header); per node the CPU time over wall time
 *       ({@code /proc/PID/stat}), RSS ({@code /proc/PID/status}) and heap in use ({@code /metrics});</li>
 *   <li><b>flip</b> K targets unhealthy at the farm: per target, the time from its checker's
 *       transition (the result's {@code sinceMs}: the flip plus the failure threshold's checks) until
 *       the last node learned it (each node's {@code learnedAtMs} of that transition), p50 and p99; and
 *       the time from the flip until every node lists it; then they are flipped back;</li>
 *   <li><b>faults</b> ({@code --faults kill,leave,join --runs R}): per fault, the longest time any
 *       target of the victim (for a join: any target) went unchecked, measured at the farm, where
 *       that gap lay (target, start and end after the fault, the checkers on either side), how many
 *       of those targets went unchecked longer than 1.5 intervals, and the
 *       targets checked by two nodes within half an interval around it. A killed node is restarted
 *       afterwards; before a kill or leave a missing node is replaced by a fresh one, so the cluster
 *       stays at N or N-1 nodes;</li>
 *   <li><b>alerts</b>: the receiver counts posts by {@code Idempotency-Key}: keys posted more than
 *       once, the same change posted under two keys (two posts of one status in a row for a target),
 *       and changes lost: for the flipped targets, the victims' (a sample) and a random sample, the
 *       status changes in node n1's history (the node never faulted) that no post matches in order.</li>
 * </ol>
 *
 * Every node process started here is stopped by its PID at the end, also on failure.
 */
public final class HealthBench {
    static final int BATCH = 5_000;
    private static final int SAMPLE = 200;
    private static final long CLOCK_TICKS_PER_S = 100; // USER_HZ on Linux
    private static final ObjectMapper JSON = new ObjectMapper();

    private HealthBench() {}

    /** The options, with the defaults of issue 22's acceptance. */
    public record Options(int nodes, int targets, long intervalMs, int flips, List<String> faults, int runs, int windows,
                          int partitions, int failureThreshold, long timeoutMs, long maxMs, String membership) {
        static final List<String> FAULTS = List.of("kill", "leave", "join");

        public static Options parse(String[] args) {
            int nodes = 3, targets = 100_000, flips = 50, runs = 1, windows = 2, partitions = 16, failureThreshold = 2;
            long intervalMs = 30_000, maxMs = 4 * 3_600_000L;
            Long timeoutMs = null;
            List<String> faults = List.of();
            String membership = "lan";
            for (int i = 0; i < args.length; i += 2) {
                String name = args[i];
                if (i + 1 >= args.length) throw new IllegalArgumentException(name + " needs a value");
                String value = args[i + 1];
                switch (name) {
                    case "--nodes" -> nodes = integer(name, value, 1, 9);
                    case "--targets" -> targets = integer(name, value, 1, 1_000_000);
                    case "--interval" -> intervalMs = duration(name, value, 1_000, 86_400_000L);
                    case "--flips" -> flips = integer(name, value, 0, 10_000);
                    case "--runs" -> runs = integer(name, value, 1, 1_000);
                    case "--windows" -> windows = integer(name, value, 1, 100);
                    case "--partitions" -> partitions = integer(name, value, 1, 1_024);
                    case "--failure-threshold" -> failureThreshold = integer(name, value, 1, 100);
                    case "--timeout" -> timeoutMs = duration(name, value, 100, 86_400_000L);
                    case "--max" -> maxMs = duration(name, value, 10_000, 7 * 86_400_000L);
                    case "--membership" -> {
                        if (!List.of("lan", "wan").contains(value)) throw new IllegalArgumentException("--membership: lan or wan, got '" + value + "'");
                        membership = value;
                    }
                    case "--faults" -> {
                        faults = value.equals("none") ? List.of() : List.of(value.split(","));
                        for (String f : faults) {
                            if (!FAULTS.contains(f)) throw new IllegalArgumentException("--faults: unknown fault '" + f + "' (kill, leave, join, or none)");
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown option " + name + " (--nodes --targets --interval --flips "
                            + "--faults --runs --windows --partitions --failure-threshold --timeout --max --membership)");
                }
            }
            long timeout = timeoutMs != null ? timeoutMs : Math.min(5_000, intervalMs / 2);
            if (timeout > intervalMs) throw new IllegalArgumentException("--timeout must not exceed --interval");
            if (flips > targets) throw new IllegalArgumentException("--flips must not exceed --targets");
            if (!faults.isEmpty() && nodes < 2) throw new IllegalArgumentException("--faults needs --nodes 2 or more");
            return new Options(nodes, targets, intervalMs, flips, faults, runs, windows, partitions, failureThreshold, timeout, maxMs, membership);
        }

        private static int integer(String name, String value, int min, int max) {
            int n;
            try {
                n = Integer.parseInt(value.replace("_", "").replace(",", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + ": not a number: '" + value + "'");
            }
            if (n < min || n > max) throw new IllegalArgumentException(name + " is " + min + " to " + max + ", got " + n);
            return n;
        }
    }

    /** "30s", "500ms", "2m", "1h", or plain milliseconds. */
    static long duration(String name, String value, long minMs, long maxMs) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        long factor = 1;
        String digits = v;
        if (v.endsWith("ms")) digits = v.substring(0, v.length() - 2);
        else if (v.endsWith("s")) {
            digits = v.substring(0, v.length() - 1);
            factor = 1_000;
        } else if (v.endsWith("m")) {
            digits = v.substring(0, v.length() - 1);
            factor = 60_000;
        } else if (v.endsWith("h")) {
            digits = v.substring(0, v.length() - 1);
            factor = 3_600_000;
        }
        long ms;
        try {
            ms = Long.parseLong(digits) * factor;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": not a duration (like 30s, 500ms, 2m): '" + value + "'");
        }
        if (ms < minMs || ms > maxMs) throw new IllegalArgumentException(name + " is " + minMs + " ms to " + maxMs + " ms, got " + ms + " ms");
        return ms;
    }

    public record NodeUsage(String node, double cpuShare, long rssBytes, long heapBytes) {}

    /** Over the steady windows: checks per target per interval, and targets checked twice within half an interval. */
    public record Steady(int windows, long minPerInterval, long maxPerInterval, long unchecked, long twice, long twiceAcrossNodes) {}

    /**
     * One fault: {@code longestGap} says where the longest gap lay (its target, its start and end in
     * ms after the fault, the checkers before and after it); {@code overOneAndHalf} counts the
     * targets unchecked longer than one and a half intervals; {@code listenOverflows} counts the
     * connections this host's listening sockets dropped meanwhile (the kernel's TcpExt
     * ListenOverflows, -1 where unreadable): a check whose connection the farm dropped reaches it
     * late or not at all, which the farm cannot tell from a check never sent; {@code unanswered}
     * counts the checks the nodes up at the end ran and got no answer to (refused, reset, timed out:
     * no target was flipped meanwhile, so each is a check the farm never counted).
     */
    public record FaultRun(String fault, int run, String victim, int victimTargets, long takenOverMs, long longestGapMs,
                           long twiceAcrossNodes, int overOneAndHalf, String longestGap, long listenOverflows, long unanswered) {}

    /** One post the webhook receiver got. */
    public record Post(String key, String target, String status, long sinceMs) {}

    /** The receiver's count against the changes the nodes saw. */
    public record Alerts(long posts, long keys, long postedTwice, long sameChangeTwice, long sampledTargets, long expected, long lost) {
        /**
         * {@code expected}: per sampled target, the statuses it changed to, in order, as a node saw them.
         * A post is lost when the order of posted statuses (repeats of one key and "flapping" left out)
         * lacks it: the expected count less the longest common subsequence.
         */
        public static Alerts account(List<Post> posts, Map<String, List<String>> expected) {
            Map<String, Integer> byKey = new HashMap<>();
            Map<String, Post> firstByKey = new LinkedHashMap<>();
            for (Post p : posts) {
                byKey.merge(p.key(), 1, Integer::sum);
                firstByKey.putIfAbsent(p.key(), p);
            }
            long twice = byKey.values().stream().filter(n -> n > 1).count();
            Map<String, List<Post>> byTarget = new HashMap<>();
            for (Post p : firstByKey.values()) byTarget.computeIfAbsent(p.target(), t -> new ArrayList<>()).add(p);
            long sameTwice = 0;
            Map<String, List<String>> postedOrder = new HashMap<>();
            for (Map.Entry<String, List<Post>> e : byTarget.entrySet()) {
                List<Post> sorted = new ArrayList<>(e.getValue());
                sorted.sort(java.util.Comparator.comparingLong(Post::sinceMs));
                List<String> order = new ArrayList<>();
                for (Post p : sorted) {
                    if (p.status().equals("flapping")) continue;
                    if (!order.isEmpty() && order.getLast().equals(p.status())) sameTwice++;
                    else order.add(p.status());
                }
                postedOrder.put(e.getKey(), order);
            }
            long expectedCount = 0, lost = 0;
            for (Map.Entry<String, List<String>> e : expected.entrySet()) {
                List<String> want = collapse(e.getValue());
                expectedCount += want.size();
                lost += want.size() - lcs(want, postedOrder.getOrDefault(e.getKey(), List.of()));
            }
            return new Alerts(posts.size(), byKey.size(), twice, sameTwice, expected.size(), expectedCount, lost);
        }

        /** Statuses in order without repeats in a row (a new checker's resumed status is no change). */
        static List<String> collapse(List<String> statuses) {
            List<String> out = new ArrayList<>();
            for (String s : statuses) if (out.isEmpty() || !out.getLast().equals(s)) out.add(s);
            return out;
        }

        static int lcs(List<String> a, List<String> b) {
            int[][] t = new int[a.size() + 1][b.size() + 1];
            for (int i = 1; i <= a.size(); i++) {
                for (int j = 1; j <= b.size(); j++) {
                    t[i][j] = a.get(i - 1).equals(b.get(j - 1)) ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
                }
            }
            return t[a.size()][b.size()];
        }
    }

    public record Result(Options options, double loadBefore, double loadAfter, long registerMs, long allHealthyMs,
                         List<NodeUsage> usage, Steady steady, List<Long> spreadMs, List<Long> flipSeenMs,
                         List<FaultRun> faults, Alerts alerts) {
        public void print() {
            Options o = options;
            System.out.printf("%n== bench health: %d nodes, %,d targets at %s, failure threshold %d; load average %.2f before, %.2f after%n",
                    o.nodes(), o.targets(), human(o.intervalMs()), o.failureThreshold(), loadBefore, loadAfter);
            System.out.printf("registered in %.1f s; every node listed all healthy %.1f s after the registration began%n",
                    registerMs / 1e3, allHealthyMs / 1e3);
            System.out.println("| node | CPU (process CPU / wall) | RSS MB | heap in use MB |");
            System.out.println("|---|---|---|---|");
            for (NodeUsage u : usage) {
                System.out.printf("| %s | %.0f %% | %d | %d |%n", u.node(), u.cpuShare() * 100, u.rssBytes() >> 20, u.heapBytes() >> 20);
            }
            System.out.printf("checks per target per interval over %d intervals: %d..%d, unchecked %d; checked twice within half an interval: "
                    + "%d targets, by two different nodes: %d%n", steady.windows(), steady.minPerInterval(), steady.maxPerInterval(),
                    steady.unchecked(), steady.twice(), steady.twiceAcrossNodes());
            if (!spreadMs.isEmpty()) {
                System.out.printf("flip of %d targets: from the checker's transition until every node has it p50 %d ms, p99 %d ms, max %d ms; "
                        + "from the flip until every node lists it p50 %d ms, p99 %d ms (includes the %d failing checks)%n", spreadMs.size(),
                        percentile(spreadMs, 50), percentile(spreadMs, 99), percentile(spreadMs, 100), percentile(flipSeenMs, 50),
                        percentile(flipSeenMs, 99), o.failureThreshold());
            }
            if (!faults.isEmpty()) {
                System.out.println("| run | fault | victim | its targets | all checked by others after ms | longest unchecked ms (interval "
                        + o.intervalMs() + ") | unchecked longer than 1.5 intervals | checked by two nodes within half an interval | the longest gap "
                        + "| connections dropped by full listen queues | checks without an answer |");
                System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
                for (FaultRun f : faults) {
                    System.out.printf("| %d | %s | %s | %d | %d | %d | %d | %d | %s | %d | %d |%n", f.run(), f.fault(), f.victim(), f.victimTargets(),
                            f.takenOverMs(), f.longestGapMs(), f.overOneAndHalf(), f.twiceAcrossNodes(), f.longestGap(), f.listenOverflows(), f.unanswered());
                }
                for (String fault : o.faults()) {
                    List<Long> gaps = faults.stream().filter(f -> f.fault().equals(fault)).map(FaultRun::longestGapMs).toList();
                    if (!gaps.isEmpty()) System.out.printf("%s: longest unchecked over %d runs (-1: the fault did not settle in its bound): max %d ms, p50 %d ms%n", fault, gaps.size(),
                            percentile(gaps, 100), percentile(gaps, 50));
                }
            }
            System.out.printf("webhook: %d posts of %d transitions; posted more than once (same key): %d; the same change under two keys: %d; "
                    + "lost: %d of %d changes the nodes saw on %d sampled targets%n", alerts.posts(), alerts.keys(), alerts.postedTwice(),
                    alerts.sameChangeTwice(), alerts.lost(), alerts.expected(), alerts.sampledTargets());
        }
    }

    static String human(long ms) {
        return ms % 1_000 == 0 ? (ms / 1_000) + " s" : ms + " ms";
    }

    /** The p-th percentile (nearest rank) of the values; 100 is the maximum; 0 for none. */
    static long percentile(List<Long> values, double p) {
        if (values.isEmpty()) return 0;
        List<Long> sorted = values.stream().sorted().toList();
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    /** Utime + stime in clock ticks from a {@code /proc/PID/stat} line (fields 14 and 15; the name may hold spaces). */
    static long cpuTicks(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** VmRSS in bytes from a {@code /proc/PID/status} text; -1 without one. */
    static long rssBytes(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
        return -1;
    }

    /** The sum of a metric's samples in a Prometheus text, by name prefix; -1 without one. */
    static long metric(String metrics, String name) {
        long sum = -1;
        for (String line : metrics.split("\n")) {
            if (!line.startsWith(name)) continue;
            sum = Math.max(0, sum) + (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        return sum;
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench health: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            run(options).print();
        } catch (TimedOut e) {
            // A wait that ran out (the cluster did not get there in its bound): say which, without a stack trace.
            System.err.println("bench health: " + e.getMessage() + " (the nodes' logs are kept in " + e.dir + ")");
            System.exit(1);
        } catch (IOException e) {
            // A node that would not start or answer: its message names the node and its output file.
            System.err.println("bench health: " + e.getMessage());
            System.exit(1);
        }
    }

    /** A wait of {@link Run#waitFor} that ran out; {@code dir} holds the nodes' data and logs. */
    static final class TimedOut extends IllegalStateException {
        final Path dir;

        TimedOut(String message, Path dir) {
            super(message);
            this.dir = dir;
        }
    }

    // ---------------------------------------------------------------- the run

    private static final class Node {
        final String id;
        final Path dir;
        NodeProcess process;
        String url, http, bind;
        RingworkClient client;
        boolean up;

        Node(String id, Path dir) {
            this.id = id;
            this.dir = dir;
        }
    }

    private static final class Run implements AutoCloseable {
        final Options o;
        final long deadlineMs;
        final Path dir;
        final List<Node> nodes = new ArrayList<>();
        final List<NodeProcess> started = new java.util.concurrent.CopyOnWriteArrayList<>();
        final ConcurrentLinkedQueue<Post> posts = new ConcurrentLinkedQueue<>();
        final AtomicLong postsOverLimit = new AtomicLong();
        final HttpServer receiver;
        final HealthFarm farm;
        int nextNode = 1;

        Run(Options o) throws IOException {
            this.o = o;
            this.deadlineMs = System.currentTimeMillis() + o.maxMs();
            this.dir = Files.createTempDirectory("ringwork-bench-health-");
            this.farm = new HealthFarm(o.targets(), 0, 0);
            this.receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
            receiver.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
            receiver.createContext("/hook", exchange -> {
                try {
                    JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
                    if (posts.size() < 5_000_000) {
                        posts.add(new Post(String.valueOf(exchange.getRequestHeaders().getFirst("Idempotency-Key")), body.path("target").asText(),
                                body.path("status").asText(), body.path("sinceMs").asLong()));
                    } else {
                        postsOverLimit.incrementAndGet();
                    }
                    exchange.sendResponseHeaders(204, -1);
                } catch (IOException e) {
                    exchange.sendResponseHeaders(400, -1);
                } finally {
                    exchange.close();
                }
            });
            receiver.start();
        }

        List<String> baseArgs() {
            return List.of("--membership", o.membership(), "--partitions", Integer.toString(o.partitions()),
                    "--health-webhook", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
        }

        Node startFresh() throws Exception {
            String id = "n" + nextNode++;
            Node withDir = new Node(id, dir.resolve(id));
            List<String> args = new ArrayList<>(baseArgs());
            Node seed = nodes.stream().filter(n -> n.up).findFirst().orElse(null);
            if (seed != null) args.addAll(List.of("--seeds", seed.bind));
            withDir.process = NodeProcess.start(withDir.id, withDir.dir, dir.resolve("log"), args);
            started.add(withDir.process);
            ready(withDir);
            nodes.add(withDir);
            return withDir;
        }

        void restart(Node node) throws Exception {
            List<String> args = new ArrayList<>(List.of("--log-dir", dir.resolve("log").toString()));
            args.addAll(baseArgs());
            Node seed = nodes.stream().filter(n -> n.up && n != node).findFirst().orElseThrow();
            args.addAll(List.of("--seeds", seed.bind));
            node.process = NodeProcess.start(node.id, node.dir, List.of(), node.http, node.bind, args);
            started.add(node.process);
            try {
                ready(node);
            } catch (IOException e) {
                if (!String.valueOf(e.getMessage()).contains("Address already in use")) throw e;
                // The node's first ports were the system's pick, and one went to another socket while it was down (a
                // series stopped at its seventh run on that): it comes back on fresh ones, which its Alive announces.
                progress("%s: its old ports were taken while it was down; restarting it on fresh ones", node.id);
                node.process = NodeProcess.start(node.id, node.dir, List.of(), "127.0.0.1:0", "127.0.0.1:0", args);
                started.add(node.process);
                ready(node);
            }
        }

        private void ready(Node node) throws Exception {
            node.url = node.process.awaitReady(120_000);
            node.http = node.url.replaceFirst("^https?://", "");
            node.bind = node.process.bindAddress();
            node.client = new RingworkClient(node.url);
            node.up = true;
        }

        List<Node> up() {
            return nodes.stream().filter(n -> n.up).toList();
        }

        void waitFor(String what, long timeoutMs, Check check) throws Exception {
            waitFor(what, timeoutMs, 250, check);
        }

        void waitFor(String what, long timeoutMs, long pollMs, Check check) throws Exception {
            long until = Math.min(deadlineMs, System.currentTimeMillis() + timeoutMs);
            while (true) {
                try {
                    if (check.ok()) return;
                } catch (IOException e) {
                    // A node busy or restarting: ask again.
                }
                if (System.currentTimeMillis() > until) {
                    throw new TimedOut("timed out after " + timeoutMs / 1000 + " s waiting for " + what
                            + (System.currentTimeMillis() > deadlineMs ? " (--max reached)" : ""), dir);
                }
                Thread.sleep(pollMs);
            }
        }

        boolean settled() throws Exception {
            JsonNode parts = up().getFirst().client.cluster().path("ownership").path("partitions");
            if (parts.size() != o.partitions()) return false;
            Set<String> upIds = new HashSet<>();
            for (Node n : up()) upIds.add(n.id);
            for (JsonNode p : parts) {
                if (!p.path("owner").asText().equals(p.path("target").asText()) || !upIds.contains(p.path("owner").asText())) return false;
                for (JsonNode replica : p.path("replicas")) {
                    boolean ready = false;
                    for (JsonNode r : p.path("ready")) ready |= r.asText().equals(replica.asText());
                    if (!ready) return false;
                }
            }
            return true;
        }

        /**
         * Whether every up node checks its share: over 5 s, each node's checks reached 90 % of its
         * targets divided by the interval, and the nodes' targets add up to all of them. A node that
         * has just joined or restarted does not, at 100,000 targets on 2 cores, for a minute or more;
         * a fault measured before then measures that node, not the takeover.
         */
        boolean checkingItsShare() throws Exception {
            List<Node> nodes = up();
            long[] before = new long[nodes.size()];
            for (int i = 0; i < nodes.size(); i++) before[i] = metric(nodes.get(i).client.get("/metrics").asText(), "ringwork_health_checks_total");
            long startedNs = System.nanoTime();
            Thread.sleep(5_000);
            double seconds = (System.nanoTime() - startedNs) / 1e9;
            long owned = 0;
            for (int i = 0; i < nodes.size(); i++) {
                String metrics = nodes.get(i).client.get("/metrics").asText();
                long checking = metric(metrics, "ringwork_health_targets_checking");
                owned += Math.max(0, checking);
                double rate = (metric(metrics, "ringwork_health_checks_total") - before[i]) / seconds;
                if (rate < 0.9 * checking * 1000.0 / o.intervalMs()) return false;
            }
            return owned >= o.targets();
        }

        long counted(Node node, String status) throws Exception {
            return node.client.get("/v1/health?status=unhealthy").path("counts").path(status).asLong();
        }

        Set<String> unhealthy(Node node) throws Exception {
            Set<String> ids = new HashSet<>();
            for (JsonNode t : node.client.get("/v1/health?status=unhealthy").path("targets")) ids.add(t.path("id").asText());
            return ids;
        }

        @Override
        public void close() {
            for (NodeProcess p : started) {
                try {
                    p.close(); // SIGKILL by its PID if still alive
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            receiver.stop(0);
            farm.close();
        }
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static void progress(String format, Object... args) {
        System.out.printf("[%tT] " + format + "%n", prepend(new java.util.Date(), args));
    }

    private static Object[] prepend(Object first, Object[] rest) {
        Object[] all = new Object[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    public static Result run(Options o) throws Exception {
        double loadBefore = loadAverage();
        progress("bench health: %s; load average %.2f", o, loadBefore);
        try (Run run = new Run(o)) {
            // Ctrl-C or a SIGTERM of the bench must not leave its node processes running.
            Thread stopNodes = new Thread(() -> {
                for (NodeProcess p : run.started) {
                    try {
                        if (p.isAlive()) p.kill(); // its own Process handle: never a reused PID
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            Runtime.getRuntime().addShutdownHook(stopNodes);
            // 1. Nodes, then the targets.
            for (int i = 0; i < o.nodes(); i++) run.startFresh();
            run.waitFor("the cluster to settle", 180_000, run::settled);
            progress("%d nodes up and settled", o.nodes());
            long registerStart = System.currentTimeMillis();
            register(run);
            long registerMs = System.currentTimeMillis() - registerStart;
            // 100,000 targets: the registration wave of first transitions and posts. With the WAN profile a node that missed
            // first results in the wave's gossip gets them from the push-pull pages, 5 times rarer (one run: 99,552 of 100,000 after 14 min).
            long healthyWaitMs = 120_000 + 4 * o.intervalMs() + o.targets() * (o.membership().equals("wan") ? 18L : 6L);
            // Every 2 s: each poll lists 100,000 results on every node, and the nodes are busy with the registration's wave.
            run.waitFor("every node to list all targets healthy", healthyWaitMs, 2_000, () -> {
                long least = Long.MAX_VALUE;
                StringBuilder each = new StringBuilder();
                for (Node n : run.up()) {
                    JsonNode counts = n.client.get("/v1/health?status=unhealthy").path("counts");
                    least = Math.min(least, counts.path("healthy").asLong());
                    each.append(String.format(" %s %d/%d/%d", n.id, counts.path("healthy").asLong(), counts.path("unhealthy").asLong(),
                            counts.path("unknown").asLong()));
                }
                progress("  healthy on every node: %,d of %,d (healthy/unhealthy/unknown:%s; load average %.1f)", least, o.targets(), each,
                        loadAverage());
                return least == o.targets();
            });
            long allHealthyMs = System.currentTimeMillis() - registerStart;

            // 2. Steady state: each window one interval, counted alone.
            Map<String, long[]> cpuStart = new LinkedHashMap<>();
            long steadyStartNs = System.nanoTime();
            for (Node n : run.up()) cpuStart.put(n.id, new long[] {cpuTicks(Files.readString(Path.of("/proc/" + n.process.pid() + "/stat")))});
            long min = Long.MAX_VALUE, max = 0, unchecked = 0, twice = 0, across = 0;
            for (int w = 1; w <= o.windows(); w++) {
                run.farm.reset();
                Thread.sleep(o.intervalMs());
                JsonNode stats = run.farm.stats(o.intervalMs() / 2);
                progress("  steady interval %d of %d: %s", w, o.windows(), stats);
                min = Math.min(min, stats.path("minPerTarget").asLong());
                max = Math.max(max, stats.path("maxPerTarget").asLong());
                unchecked += stats.path("unchecked").asLong();
                twice += stats.path("duplicated").asLong();
                across += stats.path("duplicatedAcrossCheckers").asLong();
            }
            double wallS = (System.nanoTime() - steadyStartNs) / 1e9;
            List<NodeUsage> usage = new ArrayList<>();
            for (Node n : run.up()) {
                long ticks = cpuTicks(Files.readString(Path.of("/proc/" + n.process.pid() + "/stat"))) - cpuStart.get(n.id)[0];
                long rss = rssBytes(Files.readString(Path.of("/proc/" + n.process.pid() + "/status")));
                long heap = metric(n.client.get("/metrics").asText(), "ringwork_jvm_heap_used");
                usage.add(new NodeUsage(n.id, ticks / (double) CLOCK_TICKS_PER_S / wallS, rss, heap));
            }
            Steady steady = new Steady(o.windows(), min, max, unchecked, twice, across);

            // 3. Flips.
            List<Long> spread = new ArrayList<>(), seen = new ArrayList<>();
            Set<String> sampled = new TreeSet<>();
            if (o.flips() > 0) flip(run, spread, seen, sampled);

            // 4. Faults.
            List<FaultRun> faults = new ArrayList<>();
            for (int r = 1; r <= o.runs() && !o.faults().isEmpty(); r++) {
                for (String fault : o.faults()) {
                    try {
                        faults.add(fault(run, fault, r, sampled));
                    } catch (TimedOut timedOut) {
                        // One fault that did not settle in its bound (a machine too loaded): reported as such, the rest still run.
                        progress("run %d: %s: %s", r, fault, timedOut.getMessage());
                        faults.add(new FaultRun(fault, r, "?", -1, -1, -1, -1, -1, "", -1, -1));
                        if (System.currentTimeMillis() > run.deadlineMs) throw timedOut;
                    }
                }
            }

            // 5. Alerts: wait for the posts to settle (a takeover's grace and retries), then account.
            java.util.Random random = new java.util.Random(42);
            for (int i = 0; i < SAMPLE; i++) sampled.add("t-" + random.nextInt(o.targets()));
            Node observer = run.nodes.getFirst();
            // Quiet for 20 s (longer than a new owner's 14 s grace before it posts what is pending), or at most a
            // minute and two intervals: on a loaded machine real transitions (checks that time out) keep coming,
            // and the accounting below only needs the sampled targets' posts.
            long settleUntil = System.currentTimeMillis() + 60_000 + 2 * o.intervalMs();
            for (long last = -1; System.currentTimeMillis() < settleUntil; ) {
                long now = run.posts.size();
                if (now == last) break;
                last = now;
                Thread.sleep(20_000);
            }
            Map<String, List<String>> expected = new HashMap<>();
            for (String id : sampled) {
                List<String> statuses = new ArrayList<>();
                try {
                    for (JsonNode t : observer.client.get("/v1/health/targets/" + id).path("transitions")) {
                        String status = t.path("status").asText();
                        if (status.equals("healthy") || status.equals("unhealthy")) statuses.add(status);
                    }
                } catch (RingworkClient.ApiException e) {
                    continue; // not known on n1 (cannot happen once registered): not sampled
                }
                expected.put(id, statuses);
            }
            Alerts alerts = Alerts.account(new ArrayList<>(run.posts), expected);
            Map<String, Integer> byKey = new HashMap<>();
            for (Post p : run.posts) byKey.merge(p.key(), 1, Integer::sum);
            List<String> repeated = byKey.entrySet().stream().filter(e -> e.getValue() > 1).map(e -> e.getKey() + " x" + e.getValue()).sorted()
                    .limit(20).toList();
            if (!repeated.isEmpty()) progress("keys posted more than once (the first 20): %s", repeated);
            if (run.postsOverLimit.get() > 0) progress("webhook posts past the receiver's limit, not counted: %d", run.postsOverLimit.get());
            return new Result(o, loadBefore, loadAverage(), registerMs, allHealthyMs, usage, steady, spread, seen, faults, alerts);
        }
    }

    private static void register(Run run) throws Exception {
        Options o = run.o;
        int done = 0;
        long startMs = System.currentTimeMillis();
        List<Node> up = run.up();
        while (done < o.targets()) {
            int to = Math.min(o.targets(), done + BATCH);
            StringBuilder ndjson = new StringBuilder();
            for (int n = done; n < to; n++) {
                ndjson.append("{\"id\":\"t-").append(n).append("\",\"http\":\"").append(run.farm.httpUrl()).append("/t/").append(n)
                        .append("\",\"intervalMs\":").append(o.intervalMs()).append(",\"timeoutMs\":").append(o.timeoutMs())
                        .append(",\"failureThreshold\":").append(o.failureThreshold()).append(",\"successThreshold\":1}\n");
            }
            JsonNode answer = up.get(done / BATCH % up.size()).client.post("/v1/health/targets", "application/x-ndjson",
                    ndjson.toString().getBytes(StandardCharsets.UTF_8));
            if (answer.path("registered").asInt() != to - done) throw new IllegalStateException("registration answered " + answer);
            done = to;
            double s = (System.currentTimeMillis() - startMs) / 1e3;
            progress("  registered %,d of %,d (%.0f targets/s)", done, o.targets(), done / Math.max(s, 0.001));
        }
    }

    /** Flips K targets spread over the ids unhealthy, measures how the news spread, and flips them back. */
    private static void flip(Run run, List<Long> spread, List<Long> seen, Set<String> sampled) throws Exception {
        Options o = run.o;
        List<Integer> flipped = new ArrayList<>();
        for (int k = 0; k < o.flips(); k++) flipped.add((int) ((long) k * o.targets() / o.flips()));
        Set<String> ids = new HashSet<>();
        for (int n : flipped) ids.add("t-" + n);
        sampled.addAll(ids);
        long flipAtMs = System.currentTimeMillis();
        for (int n : flipped) run.farm.flip(n, n, false);
        progress("flipped %d targets unhealthy", flipped.size());
        Map<String, Long> seenAt = new HashMap<>();
        run.waitFor("every node to list the flipped targets unhealthy", (o.failureThreshold() + 2) * o.intervalMs() + 60_000, () -> {
            Set<String> everywhere = new HashSet<>(ids);
            for (Node n : run.up()) everywhere.retainAll(run.unhealthy(n));
            long now = System.currentTimeMillis();
            for (String id : everywhere) seenAt.putIfAbsent(id, now - flipAtMs);
            return everywhere.size() == ids.size();
        });
        for (String id : ids) {
            long sinceMs = -1, lastLearnedMs = -1;
            for (Node n : run.up()) {
                JsonNode target = n.client.get("/v1/health/targets/" + id);
                if (sinceMs < 0) sinceMs = target.path("sinceMs").asLong();
                long learned = -1;
                for (JsonNode t : target.path("transitions")) {
                    if (t.path("status").asText().equals("unhealthy") && t.path("sinceMs").asLong() >= flipAtMs) learned = t.path("learnedAtMs").asLong();
                }
                lastLearnedMs = Math.max(lastLearnedMs, learned);
            }
            if (sinceMs > 0 && lastLearnedMs > 0) spread.add(Math.max(0, lastLearnedMs - sinceMs));
            seen.add(seenAt.get(id));
        }
        progress("flip: from the transition to every node p50 %d ms p99 %d ms; from the flip until listed everywhere p50 %d ms p99 %d ms",
                percentile(spread, 50), percentile(spread, 99), percentile(seen, 50), percentile(seen, 99));
        for (int n : flipped) run.farm.flip(n, n, true);
        try {
            run.waitFor("every node to list the flipped targets healthy again", 2 * o.intervalMs() + 60_000, () -> {
                for (Node n : run.up()) for (String id : run.unhealthy(n)) if (ids.contains(id)) return false;
                return true;
            });
            progress("flipped back: no node lists a flipped target unhealthy");
        } catch (TimedOut timedOut) {
            progress("flip back: %s; going on", timedOut.getMessage());
        }
    }

    /**
     * Connections dropped so far because a listening socket's accept queue was full, on this host's
     * network namespace (TcpExt ListenOverflows in /proc/net/netstat); -1 where that is unreadable.
     */
    static long listenOverflows() {
        try {
            return listenOverflows(Files.readAllLines(Path.of("/proc/net/netstat")));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The ListenOverflows counter of /proc/net/netstat's lines (a header line and a value line per group), or -1. */
    static long listenOverflows(List<String> netstat) {
        for (int i = 0; i + 1 < netstat.size(); i++) {
            String[] names = netstat.get(i).trim().split("\\s+"), values = netstat.get(i + 1).trim().split("\\s+");
            if (!names[0].equals("TcpExt:") || !values[0].equals("TcpExt:") || names.length != values.length) continue;
            for (int k = 1; k < names.length; k++) if (names[k].equals("ListenOverflows")) return Long.parseLong(values[k]);
        }
        return -1;
    }

    private static final String UNANSWERED = "ringwork_health_checks_unanswered_total";

    /**
     * Checks without an answer since {@code atStart}, summed over the nodes up now (a joiner's
     * from its start: its counter began at 0); -1 if a node did not say.
     */
    private static long unanswered(Run run, Map<String, Long> atStart) {
        long sum = 0;
        for (Node n : run.up()) {
            long before = atStart.getOrDefault(n.id, 0L);
            long now = metricOf(n, UNANSWERED);
            if (before < 0 || now < 0) return -1;
            sum += now - before;
        }
        return sum;
    }

    /** A metric of a node's {@code /metrics}, or -1 when it has none or did not answer (a figure, not worth failing the run). */
    private static long metricOf(Node n, String name) {
        try {
            return metric(n.client.get("/metrics").asText(), name);
        } catch (Exception e) {
            return -1;
        }
    }

    /** One fault and what it cost; afterwards the cluster is back to settled. */
    private static FaultRun fault(Run run, String fault, int r, Set<String> sampled) throws Exception {
        Options o = run.o;
        if (!fault.equals("join")) {
            while (run.up().size() < o.nodes()) {
                Node fresh = run.startFresh();
                progress("run %d: %s started to bring the cluster back to %d nodes", r, fresh.id, o.nodes());
            }
        }
        run.waitFor("the cluster to settle before the " + fault, 180_000, run::settled);
        long shareFromMs = System.currentTimeMillis();
        run.waitFor("every node to check its share before the " + fault, 300_000, run::checkingItsShare);
        progress("run %d: every node checks its share (waited %.1f s)", r, (System.currentTimeMillis() - shareFromMs) / 1000.0);
        run.farm.reset();
        Thread.sleep(o.intervalMs() + 1_000); // every target checked once since the reset
        Node victim = null;
        List<Integer> victimTargets = new ArrayList<>();
        if (!fault.equals("join")) {
            List<Node> candidates = run.up().stream().filter(n -> n != run.nodes.getFirst()).toList();
            victim = candidates.get((r - 1) % candidates.size());
            for (int n = 0; n < o.targets(); n++) if (victim.id.equals(run.farm.lastChecker(n))) victimTargets.add(n);
            for (int i = 0; i < Math.min(SAMPLE, victimTargets.size()); i++) sampled.add("t-" + victimTargets.get(i * victimTargets.size() / Math.min(SAMPLE, victimTargets.size())));
        }
        long overflowsAtStart = listenOverflows();
        Map<String, Long> unansweredAtStart = new HashMap<>();
        for (Node n : run.up()) unansweredAtStart.put(n.id, metricOf(n, UNANSWERED));
        long atMs = System.currentTimeMillis();
        String victimId;
        switch (fault) {
            case "kill" -> {
                victim.process.kill();
                victim.up = false;
                victimId = victim.id;
            }
            case "leave" -> {
                int code = victim.process.stop();
                victim.up = false;
                victimId = victim.id;
                if (code != 0) progress("run %d: %s left with exit code %d", r, victim.id, code);
            }
            default -> {
                Node joiner = run.startFresh();
                victimId = joiner.id;
            }
        }
        progress("run %d: %s of %s", r, fault, victimId);
        final Node gone = victim;
        long takenOverMs;
        if (gone != null) {
            run.waitFor("the targets of " + gone.id + " to be checked by another node", 180_000 + 3 * o.intervalMs(), () -> {
                for (int n : victimTargets) {
                    if (run.farm.lastCheckedAtMs(n) <= atMs || gone.id.equals(run.farm.lastChecker(n))) return false;
                }
                return true;
            });
            takenOverMs = System.currentTimeMillis() - atMs;
        } else {
            run.waitFor("the cluster to settle after the join", 180_000, run::settled);
            takenOverMs = System.currentTimeMillis() - atMs;
        }
        Thread.sleep(o.intervalMs() + 1_000); // the next regular checks, so a late one counts in the gaps
        long now = System.currentTimeMillis();
        java.util.BitSet victims = new java.util.BitSet();
        for (int n : victimTargets) victims.set(n);
        java.util.function.IntPredicate counted = gone != null ? victims::get : n -> true;
        HealthFarm.Gap gap = run.farm.longestGap(now, counted);
        long longest = gap == null ? 0 : gap.gapMs();
        String where = gap == null ? "" : String.format("t-%d, +%.1f s to +%.1f s, %s", gap.target(), (gap.endMs() - gap.gapMs() - atMs) / 1000.0,
                (gap.endMs() - atMs) / 1000.0, gap.between());
        int overOneAndHalf = run.farm.gapsLongerThan(o.intervalMs() * 3 / 2, now, counted);
        long across = run.farm.stats(o.intervalMs() / 2).path("duplicatedAcrossCheckers").asLong();
        FaultRun result = new FaultRun(fault, r, victimId, gone == null ? o.targets() : victimTargets.size(), takenOverMs, longest, across,
                overOneAndHalf, where, overflowsAtStart < 0 ? -1 : listenOverflows() - overflowsAtStart, unanswered(run, unansweredAtStart));
        progress("run %d: %s", r, result);
        if (fault.equals("kill")) {
            run.restart(gone);
            progress("run %d: %s restarted", r, gone.id);
        }
        return result;
    }
}
