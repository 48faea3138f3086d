package io.ringwork.bench;

import io.ringwork.harness.process.NodeProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code ./ringwork bench hostile}: issue 18's attacks on a real node process, one after another,
 * each while a well-behaved client writes and reads at a steady rate. For each attack it prints
 * what the attacker's requests got, whether the node stayed up and serving, the node's resident
 * memory before and after, and the well-behaved client's success rate and p99 during the attack.
 * At the end every record the well-behaved client saw acknowledged must be readable (nothing
 * acknowledged lost). Attackers connect from 127.0.0.2 and up, the well-behaved client from
 * 127.0.0.1, so per-client limits tell them apart as they would tell hosts apart.
 *
 * <p>Options: {@code --seconds S} each attack's length (default 35: past the 30 s body timeout).
 */
public final class HostileBench {
    private final int seconds;
    private final NodeProcess node;
    private final int httpPort;
    private final int bindPort;
    private final List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private HostileBench(int seconds, NodeProcess node, int httpPort, int bindPort) {
        this.seconds = seconds;
        this.node = node;
        this.httpPort = httpPort;
        this.bindPort = bindPort;
    }

    record Row(String attack, String answer, boolean up, long rssBeforeMb, long rssAfterMb, long heapBeforeMb,
               long heapAfterMb, double successPercent, long p99Ms, int requests) {}

    /** An attack: runs until {@code stop} is set, then returns what its requests got. */
    @FunctionalInterface
    interface Attack {
        String run(AtomicBoolean stop) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int seconds = 35;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--seconds")) seconds = Integer.parseInt(args[++i]);
        }
        Path dir = Files.createTempDirectory("ringwork-hostile");
        try (NodeProcess node = NodeProcess.start("hostile-1", dir.resolve("node"), dir.resolve("log"), List.of("--partitions", "8"))) {
            String http = node.awaitReady(60_000);
            int httpPort = Integer.parseInt(http.substring(http.lastIndexOf(':') + 1));
            int bindPort = Integer.parseInt(node.bindAddress().substring(node.bindAddress().lastIndexOf(':') + 1));
            new HostileBench(seconds, node, httpPort, bindPort).runAll();
        }
    }

    private void runAll() throws Exception {
        Map<String, Attack> attacks = new LinkedHashMap<>();
        attacks.put("none (baseline)", stop -> { await(stop); return "-"; });
        attacks.put("32 bodies declaring 256 MB, 1 byte sent", stop -> bodyBombs(stop, 268_435_456));
        attacks.put("32 bodies declaring 16 MB (the limit), 1 byte", stop -> bodyBombs(stop, 16 << 20));
        attacks.put("64 slow /v1/events uploads, 1 byte/s", this::slowUploads);
        attacks.put("20,000 idle HTTP connections", this::idleFlood);
        attacks.put("80 change-feed streams from one client", this::feedHog);
        attacks.put("malformed requests, back to back", this::malformedFlood);
        attacks.put("poison pills (depth, copy bomb, long key), over and over", this::poisonPills);
        attacks.put("50 merges of 1 MB into one document", this::bigMerges);
        attacks.put("1,000 idle membership TCP connections", this::membershipIdle);
        attacks.put("membership frames declaring 8 MiB, no data", this::membershipHeaders);
        List<Row> rows = new ArrayList<>();
        for (var attack : attacks.entrySet()) {
            System.out.println("attack: " + attack.getKey() + " (" + seconds + " s)...");
            rows.add(measure(attack.getKey(), attack.getValue()));
        }
        System.out.println();
        System.out.println("| attack | what the attacker got | node up | RSS MB before / after | heap MB after full GC, before / after "
                + "| well-behaved client: ok % | p99 ms (requests) |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (Row row : rows) {
            System.out.printf("| %s | %s | %s | %d / %d | %d / %d | %.2f %% | %d (%d) |%n", row.attack(), row.answer(),
                    row.up() ? "yes" : "NO", row.rssBeforeMb(), row.rssAfterMb(), row.heapBeforeMb(), row.heapAfterMb(),
                    row.successPercent(), row.p99Ms(), row.requests());
        }
        int missing = 0;
        for (String key : acknowledged) {
            if (status(get("/v1/state/" + key)) != 200) missing++;
        }
        System.out.printf("%nacknowledged records %d, missing afterwards %d%n", acknowledged.size(), missing);
        if (missing > 0 || rows.stream().anyMatch(r -> !r.up())) System.exit(1);
    }

    private Row measure(String name, Attack attack) throws Exception {
        long before = rssMb();
        long heapBefore = heapAfterGcMb();
        AtomicBoolean stop = new AtomicBoolean();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger ok = new AtomicInteger(), total = new AtomicInteger();
        Thread wellBehaved = Thread.ofVirtual().start(() -> wellBehaved(stop, latencies, ok, total));
        Thread timer = Thread.ofVirtual().start(() -> {
            sleep(seconds * 1000L);
            stop.set(true);
        });
        String answer;
        try {
            answer = attack.run(stop);
        } catch (Exception e) {
            answer = "attack failed: " + e;
        }
        timer.join();
        wellBehaved.join();
        boolean up = node.isAlive() && status(get("/v1/cluster")) == 200;
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        long p99 = sorted.isEmpty() ? -1 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1));
        long heapAfter = heapAfterGcMb();
        return new Row(name, answer, up, before, rssMb(), heapBefore, heapAfter, total.get() == 0 ? 0 : 100.0 * ok.get() / total.get(), p99, total.get());
    }

    /** Twenty writes and twenty reads a second, each timed; a write counts once acknowledged. */
    private void wellBehaved(AtomicBoolean stop, List<Long> latencies, AtomicInteger ok, AtomicInteger total) {
        int n = 0;
        while (!stop.get()) {
            String key = "good/" + System.nanoTime() + "-" + n++;
            long start = System.nanoTime();
            int write = status(post("/v1/events", "{\"key\":\"" + key + "\",\"type\":\"resource.create\",\"data\":{\"n\":1}}"));
            latencies.add((System.nanoTime() - start) / 1_000_000);
            total.incrementAndGet();
            if (write == 200) {
                ok.incrementAndGet();
                acknowledged.add(key);
            }
            start = System.nanoTime();
            int read = status(get("/v1/cluster"));
            latencies.add((System.nanoTime() - start) / 1_000_000);
            total.incrementAndGet();
            if (read == 200) ok.incrementAndGet();
            sleep(50);
        }
    }

    private String bodyBombs(AtomicBoolean stop, int declaredBytes) throws Exception {
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            Socket socket = attacker(2, httpPort);
            write(socket, "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + declaredBytes + "\r\n\r\n{");
            sockets.add(socket);
        }
        return answers(sockets, stop);
    }

    private String slowUploads(AtomicBoolean stop) throws Exception {
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            Socket socket = attacker(3 + i / 32, httpPort);
            write(socket, "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n");
            sockets.add(socket);
        }
        Thread dribble = Thread.ofVirtual().start(() -> {
            while (!stop.get()) {
                for (Socket socket : sockets) {
                    try {
                        socket.getOutputStream().write(' ');
                    } catch (IOException ignored) {
                        // cut off by the node: what it answered is read below
                    }
                }
                sleep(1000);
            }
        });
        String answer = answers(sockets, stop);
        dribble.join();
        return answer;
    }

    private String idleFlood(AtomicBoolean stop) throws Exception {
        List<Socket> held = new ArrayList<>();
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < 20_000 && !stop.get(); i++) {
            try {
                Socket socket = attacker(10 + i / 1000, httpPort);
                socket.setSoTimeout(1);
                try {
                    int b = socket.getInputStream().read();
                    outcomes.merge(b < 0 ? "closed at once" : "refused with 503", 1, Integer::sum);
                    socket.close();
                } catch (java.net.SocketTimeoutException e) {
                    held.add(socket);
                }
            } catch (IOException e) {
                outcomes.merge("connect failed", 1, Integer::sum);
            }
        }
        outcomes.put("held open", held.size());
        await(stop);
        int closedByNode = 0;
        for (Socket socket : held) {
            try {
                socket.setSoTimeout(1);
                if (socket.getInputStream().read() < 0) closedByNode++;
            } catch (java.net.SocketTimeoutException e) {
                // still open
            } catch (IOException e) {
                closedByNode++;
            }
            socket.close();
        }
        outcomes.put("of those closed idle by the node", closedByNode);
        return outcomes.toString();
    }

    private String feedHog(AtomicBoolean stop) throws Exception {
        List<Socket> sockets = new ArrayList<>();
        Map<String, Integer> statuses = new TreeMap<>();
        for (int i = 0; i < 80; i++) {
            Socket socket = attacker(40, httpPort);
            write(socket, "GET /v1/changes?from=earliest HTTP/1.1\r\nHost: x\r\n\r\n");
            socket.setSoTimeout(5_000);
            byte[] head = socket.getInputStream().readNBytes(12);
            statuses.merge(head.length == 12 ? new String(head, 9, 3, StandardCharsets.US_ASCII) : "none", 1, Integer::sum);
            sockets.add(socket);
        }
        await(stop);
        for (Socket socket : sockets) socket.close();
        return "statuses " + statuses;
    }

    private String malformedFlood(AtomicBoolean stop) throws Exception {
        String[] requests = {
            "GET /v1/state/%ZZ HTTP/1.1\r\n\r\n", "GET /v1/state/%FF%FE HTTP/1.1\r\n\r\n", "GET /v1/eventsfoo HTTP/1.1\r\n\r\n",
            "GET /v1/changes HTTP/1.1\r\nLast-Event-ID: -5\r\n\r\n", "POST /v1/gluer/a/b?op=put HTTP/1.1\r\nContent-Length: 20001\r\n\r\n"
                    + "[".repeat(10_000) + "]".repeat(10_000) + " ",
            "GET /" + "x".repeat(9000) + " HTTP/1.1\r\n\r\n", "BREW / HTTP/1.1\r\n\r\n"};
        Map<String, Integer> statuses = new TreeMap<>();
        for (int i = 0; !stop.get(); i++) {
            try (Socket socket = attacker(41, httpPort)) {
                write(socket, requests[i % requests.length]);
                socket.setSoTimeout(5_000);
                byte[] head = socket.getInputStream().readNBytes(12);
                statuses.merge(head.length == 12 ? new String(head, 9, 3, StandardCharsets.US_ASCII) : "none", 1, Integer::sum);
            }
        }
        return "statuses " + statuses;
    }

    /**
     * Issue 18's pills in a loop, each on a fresh key: a 900-level put, a 90-level put and a patch
     * adding 90 more levels, a 22-copy bomb, a 10,000-level body, a 70,000-byte key. Answers are
     * counted by status; the dead letters they leave are counted at the end.
     */
    private String poisonPills(AtomicBoolean stop) throws Exception {
        Map<String, Integer> statuses = new TreeMap<>();
        String deep90 = nested(90);
        StringBuilder bomb = new StringBuilder("[");
        for (int i = 0; i < 22; i++) bomb.append(i == 0 ? "" : ",").append("{\"op\":\"copy\",\"from\":\"\",\"path\":\"/c").append(i).append("\"}");
        bomb.append(']');
        int round = 0;
        while (!stop.get()) {
            String key = "pill/" + round++;
            count(statuses, "put900", post("/v1/gluer/" + key + "a?op=put", "application/json", nested(900)));
            count(statuses, "put90", post("/v1/gluer/" + key + "b?op=put", "application/json", deep90));
            count(statuses, "patch+90", post("/v1/gluer/" + key + "b", "application/json-patch+json",
                    "[{\"op\":\"add\",\"path\":\"" + "/a".repeat(89) + "/x\",\"value\":" + deep90 + "}]"));
            count(statuses, "put", post("/v1/gluer/" + key + "c?op=put", "application/json", "{\"s\":\"" + "x".repeat(1000) + "\"}"));
            count(statuses, "bomb", post("/v1/gluer/" + key + "c", "application/json-patch+json", bomb.toString()));
            count(statuses, "body10000", post("/v1/gluer/" + key + "d?op=put", "application/json", "[".repeat(10_000) + "]".repeat(10_000)));
            count(statuses, "key70000", post("/v1/gluer/pill/" + "k".repeat(70_000) + "?op=put", "application/json", "{}"));
        }
        sleep(2000);
        var letters = get("/v1/dead-letters?prefix=pill/&limit=10000");
        int deadLetters = letters != null && letters.statusCode() == 200 ? countOf(letters.body()) : -1;
        return round + " rounds, " + statuses + ", dead letters " + deadLetters;
    }

    /** 50 merges of 1 MB each into one document: the document stays within its 1 MiB limit. */
    private String bigMerges(AtomicBoolean stop) throws Exception {
        Map<String, Integer> statuses = new TreeMap<>();
        for (int i = 0; i < 50 && !stop.get(); i++) {
            count(statuses, "merge", post("/v1/gluer/big/doc", "application/merge-patch+json",
                    "{\"f" + i + "\":\"" + "y".repeat(1_000_000) + "\"}"));
        }
        await(stop);
        var doc = get("/v1/gluer/big/doc");
        var dead = get("/v1/dead-letters?key=big/doc&limit=100");
        int letters = dead != null && dead.statusCode() == 200 ? countOf(dead.body()) : -1;
        return statuses + ", document " + (doc == null ? "?" : doc.body().length() / 1024) + " KiB, dead letters " + letters;
    }

    private static int countOf(String json) {
        var matcher = java.util.regex.Pattern.compile("\"count\":(\\d+)").matcher(json);
        return matcher.find() ? Integer.parseInt(matcher.group(1)) : -1;
    }

    private static void count(Map<String, Integer> statuses, String what, HttpResponse<String> response) {
        statuses.merge(what + " " + status(response), 1, Integer::sum);
    }

    private static String nested(int levels) {
        return "{\"a\":".repeat(levels - 1) + "{}" + "}".repeat(levels - 1);
    }

    private HttpResponse<String> post(String path, String contentType, String body) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private String membershipIdle(AtomicBoolean stop) throws Exception {
        List<Socket> sockets = new ArrayList<>();
        int refused = 0;
        for (int i = 0; i < 1000; i++) {
            try {
                sockets.add(attacker(50 + i / 100, bindPort));
            } catch (IOException e) {
                refused++;
            }
        }
        await(stop);
        return closedCount(sockets) + " of " + sockets.size() + " closed by the node" + (refused > 0 ? ", " + refused + " refused" : "");
    }

    private String membershipHeaders(AtomicBoolean stop) throws Exception {
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            try {
                Socket socket = attacker(70 + i / 100, bindPort);
                OutputStream out = socket.getOutputStream();
                int length = 8 << 20;
                out.write(new byte[] {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length});
                out.flush();
                sockets.add(socket);
            } catch (IOException e) {
                // refused: counted as closed below
            }
        }
        await(stop);
        return closedCount(sockets) + " of " + sockets.size() + " closed by the node";
    }

    private static int closedCount(List<Socket> sockets) throws IOException {
        int closed = 0;
        for (Socket socket : sockets) {
            try {
                socket.setSoTimeout(1);
                if (socket.getInputStream().read() < 0) closed++;
            } catch (java.net.SocketTimeoutException e) {
                // still open
            } catch (IOException e) {
                closed++;
            }
            socket.close();
        }
        return closed;
    }

    /** Waits for the attack's end, then reads what each socket was answered (its status, or how it ended). */
    private String answers(List<Socket> sockets, AtomicBoolean stop) throws Exception {
        Map<String, Integer> outcomes = new ConcurrentHashMap<>();
        List<Thread> readers = new ArrayList<>();
        for (Socket socket : sockets) {
            readers.add(Thread.ofVirtual().start(() -> outcomes.merge(outcome(socket), 1, Integer::sum)));
        }
        await(stop);
        for (Socket socket : sockets) socket.close();
        for (Thread reader : readers) reader.join();
        return new TreeMap<>(outcomes).toString();
    }

    private String outcome(Socket socket) {
        long start = System.nanoTime();
        try {
            socket.setSoTimeout(seconds * 1000 + 5000);
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            for (int b; head.size() < 12 && (b = in.read()) >= 0; ) head.write(b);
            long afterS = (System.nanoTime() - start) / 1_000_000_000;
            if (head.size() < 12) return "closed after " + afterS + " s";
            return head.toString(StandardCharsets.US_ASCII).substring(9, 12) + " after ~" + afterS + " s";
        } catch (IOException e) {
            return "still open at the end";
        }
    }

    private static Socket attacker(int lastOctet, int port) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0." + lastOctet), 0));
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
        return socket;
    }

    private static void write(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    private HttpResponse<String> post(String path, String body) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).timeout(Duration.ofSeconds(10)).build());
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static int status(HttpResponse<String> response) {
        return response == null ? -1 : response.statusCode();
    }

    private long rssMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + node.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
        return -1;
    }

    /** The node's live heap: a full GC through jcmd, then the heap's used size; -1 if jcmd is not there. */
    private long heapAfterGcMb() {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            run(jcmd.toString(), Long.toString(node.pid()), "GC.run");
            String info = run(jcmd.toString(), Long.toString(node.pid()), "GC.heap_info");
            var matcher = java.util.regex.Pattern.compile("used (\\d+)K").matcher(info);
            return matcher.find() ? Long.parseLong(matcher.group(1)) / 1024 : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private static String run(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor();
            return output;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static void await(AtomicBoolean stop) {
        while (!stop.get()) sleep(100);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
