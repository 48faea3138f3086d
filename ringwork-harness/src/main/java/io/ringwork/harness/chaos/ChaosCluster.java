package io.ringwork.harness.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.runtime.client.RingworkClient;
import io.ringwork.harness.netns.NetworkNamespaces;
import io.ringwork.harness.process.NodeProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node processes of a chaos run, placed by a {@link NodePlacement} (by default on loopback
 * with one shared embedded-log directory), a data directory per node. Every process it ever started is remembered and, in {@link #close()} or the
 * JVM's shutdown hook, killed by its own handle (never by name). A restarted node gets its old
 * ports back. Node operations are called from one thread at a time; the queries are thread-safe.
 */
final class ChaosCluster implements AutoCloseable {
    enum State { UP, PAUSED, DOWN, LEFT }

    private static final long READY_TIMEOUT_MS = 60_000;

    private final Path work;
    private final int partitions;
    private final NodePlacement placement;
    /** Nodes cut off now, healed before the checks and on close. */
    private final Set<String> cut = ConcurrentHashMap.newKeySet();
    private final Map<String, NodeProcess> processes = new ConcurrentHashMap<>();
    private final Map<String, State> states = new ConcurrentHashMap<>();
    private final Map<String, String> urls = new ConcurrentHashMap<>();
    private final Map<String, RingworkClient> clients = new ConcurrentHashMap<>();
    private final Map<String, String> binds = new ConcurrentHashMap<>();
    private final List<NodeProcess> everStarted = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::killAll, "chaos-cleanup");

    ChaosCluster(Path work, int partitions) {
        this(work, partitions, NodePlacement.loopback(work));
    }

    ChaosCluster(Path work, int partitions, NodePlacement placement) {
        this.work = work;
        this.partitions = partitions;
        this.placement = placement;
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts (or restarts, on its old ports) node {@code id}, joining through the nodes up now. */
    void start(String id) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--partitions", Integer.toString(partitions))); // default membership: lan
        List<String> seeds = new ArrayList<>();
        for (Map.Entry<String, String> bind : binds.entrySet()) {
            if (!bind.getKey().equals(id) && states.get(bind.getKey()) == State.UP) seeds.add(bind.getValue());
        }
        if (!seeds.isEmpty()) args.addAll(List.of("--seeds", String.join(",", seeds)));
        args.addAll(placement.nodeArgs(id));
        String anyPort = placement.host(id) + ":0";
        String http = urls.containsKey(id) ? urls.get(id).substring("http://".length()) : anyPort;
        String bind = binds.getOrDefault(id, anyPort);
        NodeProcess node;
        String url;
        for (int attempt = 1; ; attempt++) {
            node = NodeProcess.start(id, work.resolve(id), placement.commandPrefix(id), http, bind, args, placement.classpath(id));
            synchronized (everStarted) {
                everStarted.add(node);
            }
            try {
                url = node.awaitReady(READY_TIMEOUT_MS);
                break;
            } catch (IOException e) {
                // A restart on its old ports can find one taken meanwhile (an ephemeral port of some
                // other connection): try again, and after that on new ports.
                if (!String.valueOf(e.getMessage()).contains("Address already in use") || attempt == 4) throw e;
                System.out.printf("  %s: a port was taken (%s, %s); retrying%s%n", id, http, bind,
                        attempt >= 2 ? " on new ports" : "");
                if (attempt >= 2) {
                    http = anyPort;
                    bind = anyPort;
                }
                Thread.sleep(1000);
            }
        }
        processes.put(id, node);
        urls.put(id, url);
        binds.put(id, node.bindAddress());
        states.put(id, State.UP);
    }

    /** SIGKILL. */
    void kill(String id) throws InterruptedException {
        states.put(id, State.DOWN);
        processes.get(id).kill();
    }

    /** SIGSTOP. */
    void pause(String id) throws IOException, InterruptedException {
        states.put(id, State.PAUSED);
        processes.get(id).pause();
    }

    /** SIGCONT. */
    void resume(String id) throws IOException, InterruptedException {
        processes.get(id).resume();
        states.put(id, State.UP);
    }

    /** SIGTERM: a graceful leave. Returns the exit code. */
    int leave(String id) throws InterruptedException {
        states.put(id, State.LEFT);
        return processes.get(id).stop();
    }

    /** Cuts {@code id} off from the other nodes (it stays up, and reachable from here). */
    void cut(String id, NetworkNamespaces.Direction direction) throws IOException {
        cut.add(id);
        placement.cut(id, direction);
    }

    /** Undoes {@link #cut}. */
    void heal(String id) throws IOException {
        placement.heal(id);
        cut.remove(id);
    }

    /** Heals every node cut off now. */
    void healAll() throws IOException {
        for (String id : List.copyOf(cut)) heal(id);
    }

    boolean canCut() {
        return placement.canCut();
    }

    State state(String id) {
        return states.get(id);
    }

    /** Node ids in the order first started. */
    List<String> nodes() {
        return new ArrayList<>(new LinkedHashMap<>(states).keySet()).stream().sorted(ChaosCluster::byNumber).toList();
    }

    List<String> upNodes() {
        return nodes().stream().filter(id -> states.get(id) == State.UP).toList();
    }

    long pid(String id) {
        return processes.get(id).pid();
    }

    /** The node's base URL while it is up, else null. */
    String urlIfUp(String id) {
        return states.get(id) == State.UP ? urls.get(id) : null;
    }

    /**
     * A client of the node, one per URL and timeout for the whole run: each client holds its own
     * keep-alive connections, and a client per request (the producer sends 40 batches a second)
     * left idle connections open until the garbage collector found them, past the node's limit of
     * connections per address (a 503 that failed a demo).
     */
    RingworkClient client(String id, Duration timeout) {
        String url = urls.get(id);
        return clients.computeIfAbsent(url + " " + timeout.toMillis(), k -> new RingworkClient(url, timeout));
    }

    /**
     * The partition ownership as {@code /v1/cluster} of the first up node reports it, or null when
     * no node answers or the field is absent (nodes before ownership existed).
     */
    Ownership ownership() {
        for (String id : upNodes()) {
            try {
                JsonNode cluster = client(id, Duration.ofSeconds(2)).cluster();
                return Ownership.parse(cluster.path("ownership"));
            } catch (Exception e) {
                // try the next node
            }
        }
        return null;
    }

    /**
     * The ownership as one node sees it, and whether every handoff in it is done: each partition's
     * owner says (in its gossiped {@code owned}) that it runs it, and no other live member does.
     * Null when no node answered.
     */
    View view() {
        for (String id : upNodes()) {
            try {
                JsonNode cluster = client(id, Duration.ofSeconds(2)).cluster();
                Ownership ownership = Ownership.parse(cluster.path("ownership"));
                return new View(ownership, ownership != null && handedOver(ownership, cluster.path("members")));
            } catch (Exception e) {
                // try the next node
            }
        }
        return null;
    }

    /**
     * The most records any node up still has to apply to its own partitions ({@code totals.lag} of
     * its /v1/cluster), or -1 if a node did not answer.
     */
    long maxLag() {
        long max = 0;
        for (String id : upNodes()) {
            try {
                max = Math.max(max, client(id, Duration.ofSeconds(2)).cluster().path("totals").path("lag").asLong(0));
            } catch (Exception e) {
                return -1;
            }
        }
        return max;
    }

    /** One node's answer: the ownership (null without one) and whether every owner alone runs its partitions. */
    record View(Ownership ownership, boolean handedOver) {}

    static boolean handedOver(Ownership ownership, JsonNode members) {
        Map<String, java.util.BitSet> running = new HashMap<>();
        for (JsonNode member : members) {
            String state = member.path("state").asText();
            if (!state.equals("alive") && !state.equals("suspect")) continue;
            String owned = member.path("metadata").path("owned").asText("");
            try {
                running.put(member.path("id").asText(), java.util.BitSet.valueOf(java.util.HexFormat.of().parseHex(owned)));
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        for (var entry : ownership.owners().entrySet()) {
            int p = entry.getKey();
            for (var member : running.entrySet()) {
                if (member.getValue().get(p) != member.getKey().equals(entry.getValue())) return false;
            }
        }
        return true;
    }

    private static int byNumber(String a, String b) {
        return Integer.compare(number(a), number(b));
    }

    private static int number(String id) {
        try {
            return Integer.parseInt(id.substring(1));
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }

    /** Kills every process this run started and that still runs, by its own handle, and heals every cut. */
    private void killAll() {
        try {
            healAll();
        } catch (IOException e) {
            // the placement's own cleanup (deleting the namespaces) removes the rules too
        }
        List<NodeProcess> started;
        synchronized (everStarted) {
            started = new ArrayList<>(everStarted);
        }
        for (NodeProcess node : started) {
            try {
                node.close();
            } catch (Exception e) {
                // best effort on the way out
            }
        }
    }

    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook is running
        }
    }

    /** Partition -> owner and replicas as one node saw them. */
    record Ownership(Map<Integer, String> owners, Map<Integer, List<String>> replicas) {
        static Ownership parse(JsonNode ownership) {
            if (ownership == null || !ownership.isObject() || !ownership.path("partitions").isArray()) return null;
            Map<Integer, String> owners = new LinkedHashMap<>();
            Map<Integer, List<String>> replicas = new LinkedHashMap<>();
            for (JsonNode p : ownership.path("partitions")) {
                int partition = p.path("partition").asInt();
                if (p.hasNonNull("owner")) owners.put(partition, p.get("owner").asText());
                List<String> list = new ArrayList<>();
                for (JsonNode r : p.path("replicas")) list.add(r.asText());
                replicas.put(partition, list);
            }
            return new Ownership(owners, replicas);
        }

        Set<Integer> ownedBy(String node) {
            Set<Integer> owned = new java.util.TreeSet<>();
            owners.forEach((p, owner) -> {
                if (owner.equals(node)) owned.add(p);
            });
            return owned;
        }
    }
}
