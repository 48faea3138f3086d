package io.ringwork.runtime.health;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ringwork.core.processing.JsonStateCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Many virtual targets for tests and benchmarks of the health checker, on loopback only: HTTP
 * target {@code n} is {@code GET /t/n} on one port, TCP target {@code k} is a listening port of
 * its own (a few). Each target's health can be flipped at run time (an unhealthy HTTP target
 * answers 503; an unhealthy TCP target stops listening, so connects are refused), and the farm
 * counts the checks each HTTP target receives and the shortest and longest gap between two of
 * them, so a test measures duplicate and missed checks at the targets themselves.
 *
 * <p>Control: {@code POST /farm/flip?from=A&to=B&healthy=false} (HTTP targets A to B inclusive),
 * {@code GET /farm/stats} (totals, the gap extremes, how many targets got two checks closer than
 * {@code ?dupMs=}, and how many of them from two different nodes, named by the checks'
 * {@code Ringwork-Checker} header), {@code POST /farm/reset} (counts and gaps to zero). Thread-safe.
 */
public final class HealthFarm implements AutoCloseable {
    private final int targets;
    private final HttpServer http;
    private final AtomicLongArray checks, lastAtMs, minGapMs, maxGapMs;
    /** Per target, the node that sent the last check, and the shortest gap between two checks from different nodes. */
    private final java.util.concurrent.atomic.AtomicReferenceArray<String> lastBy;
    private final AtomicLongArray minCrossGapMs;
    /** Per target, when its longest gap ended and which checkers it lay between ("n3 -> n7"); written with maxGapMs under this farm's monitor. */
    private final AtomicLongArray maxGapEndMs;
    private final java.util.concurrent.atomic.AtomicReferenceArray<String> maxGapBetween;
    private final java.util.concurrent.atomic.AtomicIntegerArray unhealthy;
    private final List<ServerSocket> tcp = new ArrayList<>();
    private final List<Thread> acceptors = new ArrayList<>();
    private final AtomicLongArray tcpChecks;
    private volatile boolean closed;

    public HealthFarm(int targets, int httpPort, int tcpTargets) throws IOException {
        if (targets < 1 || targets > 1_000_000) throw new IllegalArgumentException("--targets is 1 to 1,000,000, got " + targets);
        if (tcpTargets < 0 || tcpTargets > 64) throw new IllegalArgumentException("--tcp is 0 to 64, got " + tcpTargets);
        this.targets = targets;
        this.checks = new AtomicLongArray(targets);
        this.lastAtMs = new AtomicLongArray(targets);
        this.minGapMs = new AtomicLongArray(targets);
        this.maxGapMs = new AtomicLongArray(targets);
        this.lastBy = new java.util.concurrent.atomic.AtomicReferenceArray<>(targets);
        this.minCrossGapMs = new AtomicLongArray(targets);
        this.maxGapEndMs = new AtomicLongArray(targets);
        this.maxGapBetween = new java.util.concurrent.atomic.AtomicReferenceArray<>(targets);
        this.unhealthy = new java.util.concurrent.atomic.AtomicIntegerArray(targets);
        this.tcpChecks = new AtomicLongArray(tcpTargets);
        reset();
        // A takeover's burst of checks from three nodes' 512 slots each overflowed an accept queue of 1,024 (the kernel
        // then drops the connection, and the check arrives a second later or not at all). The kernel caps it at somaxconn.
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), httpPort), 8_192);
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.createContext("/t/", this::target);
        http.createContext("/farm/", this::control);
        http.start();
        for (int k = 0; k < tcpTargets; k++) openTcp(k, 0);
    }

    private void openTcp(int k, int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 512);
        while (tcp.size() <= k) tcp.add(null);
        tcp.set(k, socket);
        Thread acceptor = Thread.ofVirtual().name("farm-tcp-" + k).start(() -> {
            while (!socket.isClosed()) {
                try (Socket accepted = socket.accept()) {
                    tcpChecks.incrementAndGet(k);
                } catch (IOException e) {
                    return; // closed: flipped unhealthy, or the farm stopped
                }
            }
        });
        acceptors.add(acceptor);
    }

    /** The base URL of the HTTP targets: target n is {@code httpUrl() + "/t/" + n}. */
    public String httpUrl() {
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    /** {@code host:port} of TCP target k. */
    public synchronized String tcpAddress(int k) {
        return "127.0.0.1:" + tcp.get(k).getLocalPort();
    }

    public int targets() {
        return targets;
    }

    /** Flips HTTP targets {@code from} to {@code to} (inclusive). */
    public void flip(int from, int to, boolean healthy) {
        for (int n = Math.max(0, from); n <= Math.min(targets - 1, to); n++) unhealthy.set(n, healthy ? 0 : 1);
    }

    /** Flips TCP target k: unhealthy closes its port, healthy listens on the same port again. */
    public synchronized void flipTcp(int k, boolean healthy) throws IOException {
        ServerSocket socket = tcp.get(k);
        if (!healthy && !socket.isClosed()) socket.close();
        if (healthy && socket.isClosed()) openTcp(k, socket.getLocalPort());
    }

    /** Counts and gaps back to zero (e.g. after the cluster settled). */
    public void reset() {
        for (int n = 0; n < targets; n++) {
            checks.set(n, 0);
            lastAtMs.set(n, 0);
            minGapMs.set(n, Long.MAX_VALUE);
            maxGapMs.set(n, 0);
            lastBy.set(n, null);
            minCrossGapMs.set(n, Long.MAX_VALUE);
            maxGapEndMs.set(n, 0);
            maxGapBetween.set(n, null);
        }
    }

    /** The node named by the last check of target n since the reset ({@code Ringwork-Checker}; "" without one), or null before its first. */
    public String lastChecker(int n) {
        return lastBy.get(n);
    }

    /** When target n was last checked since the reset (epoch ms), 0 before its first check. */
    public long lastCheckedAtMs(int n) {
        return lastAtMs.get(n);
    }

    public long checks(int n) {
        return checks.get(n);
    }

    public long tcpChecks(int k) {
        return tcpChecks.get(k);
    }

    /** The longest gap between two checks of target n since the reset (0 before its second). */
    public long maxGapMs(int n) {
        return maxGapMs.get(n);
    }

    /** The shortest gap between two checks of target n since the reset ({@code Long.MAX_VALUE} before its second). */
    public long minGapMs(int n) {
        return minGapMs.get(n);
    }

    /**
     * The longest time any target went unchecked, up to {@code nowMs} for its last check too (so a
     * target that stopped being checked counts until now), over targets checked at least once.
     */
    public long longestGapMs(long nowMs) {
        Gap longest = longestGap(nowMs, n -> true);
        return longest == null ? 0 : longest.gapMs();
    }

    /** Target n's longest time unchecked up to {@code nowMs} (its last check counts until then); 0 before its first. */
    private long gapUntilMs(int n, long nowMs) {
        long last = lastAtMs.get(n);
        return last == 0 ? 0 : Math.max(maxGapMs.get(n), nowMs - last);
    }

    /**
     * A target's longest time unchecked: from {@code endMs - gapMs} until {@code endMs}, between
     * the checks of {@code between} ("n3 -> n7"; "n3 -> (none yet)" for a gap still open at the time asked).
     */
    public record Gap(int target, long gapMs, long endMs, String between) {}

    /**
     * The longest gap of the targets {@code which} accepts, up to {@code nowMs} (as
     * {@link #longestGapMs}), with where it lay; null when none of them was checked.
     */
    public Gap longestGap(long nowMs, java.util.function.IntPredicate which) {
        int worst = -1;
        long worstMs = -1;
        for (int n = 0; n < targets; n++) {
            if (lastAtMs.get(n) == 0 || !which.test(n)) continue;
            long gapMs = gapUntilMs(n, nowMs);
            if (gapMs > worstMs) {
                worst = n;
                worstMs = gapMs;
            }
        }
        if (worst < 0) return null;
        long last = lastAtMs.get(worst);
        return nowMs - last > maxGapMs.get(worst)
                ? new Gap(worst, nowMs - last, nowMs, lastBy.get(worst) + " -> (none yet)")
                : new Gap(worst, maxGapMs.get(worst), maxGapEndMs.get(worst), maxGapBetween.get(worst));
    }

    /** How many of the targets {@code which} accepts went unchecked longer than {@code thresholdMs}, up to {@code nowMs}. */
    public int gapsLongerThan(long thresholdMs, long nowMs, java.util.function.IntPredicate which) {
        int count = 0;
        for (int n = 0; n < targets; n++) {
            if (lastAtMs.get(n) != 0 && which.test(n) && gapUntilMs(n, nowMs) > thresholdMs) count++;
        }
        return count;
    }

    private void target(HttpExchange exchange) throws IOException {
        int n;
        try {
            n = Integer.parseInt(exchange.getRequestURI().getPath().substring(3));
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 0 || n >= targets) {
            answer(exchange, 404, "no such target");
            return;
        }
        long nowMs = System.currentTimeMillis();
        String checker = exchange.getRequestHeaders().getFirst(HealthProbe.CHECKER_HEADER);
        checks.incrementAndGet(n);
        long last;
        String lastChecker;
        synchronized (this) { // the time and the checker of the previous check, as one pair
            last = lastAtMs.getAndSet(n, nowMs);
            lastChecker = lastBy.getAndSet(n, checker == null ? "" : checker);
            if (last != 0 && nowMs - last > maxGapMs.get(n)) { // the longest gap, its end and its checkers, as one
                maxGapMs.set(n, nowMs - last);
                maxGapEndMs.set(n, nowMs);
                maxGapBetween.set(n, lastChecker + " -> " + (checker == null ? "" : checker));
            }
        }
        if (last != 0) {
            long gap = nowMs - last;
            minGapMs.accumulateAndGet(n, gap, Math::min);
            if (!java.util.Objects.equals(lastChecker, checker == null ? "" : checker)) minCrossGapMs.accumulateAndGet(n, gap, Math::min);
        }
        if (unhealthy.get(n) == 1) answer(exchange, 503, "down " + n);
        else answer(exchange, 200, "ok " + n);
    }

    private void control(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        java.util.Map<String, String> query = new java.util.HashMap<>();
        String raw = exchange.getRequestURI().getQuery();
        if (raw != null) for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) query.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        try {
            switch (path) {
                case "/farm/flip" -> {
                    flip(Integer.parseInt(query.getOrDefault("from", "0")), Integer.parseInt(query.getOrDefault("to", query.getOrDefault("from", "0"))),
                            Boolean.parseBoolean(query.getOrDefault("healthy", "true")));
                    answer(exchange, 200, "flipped");
                }
                case "/farm/reset" -> {
                    reset();
                    answer(exchange, 200, "reset");
                }
                case "/farm/stats" -> answer(exchange, 200, stats(Long.parseLong(query.getOrDefault("dupMs", "500"))).toString());
                default -> answer(exchange, 404, "no such control: /farm/flip, /farm/stats, /farm/reset");
            }
        } catch (NumberFormatException e) {
            answer(exchange, 400, "bad number: " + e.getMessage());
        }
    }

    /** Totals over the HTTP targets: checks, the fewest and most per target, the longest gap, and duplicates (gaps under {@code dupMs}). */
    public ObjectNode stats(long dupMs) {
        long total = 0, min = Long.MAX_VALUE, max = 0, duplicated = 0, duplicatedAcross = 0, unchecked = 0;
        for (int n = 0; n < targets; n++) {
            long c = checks.get(n);
            total += c;
            min = Math.min(min, c);
            max = Math.max(max, c);
            if (c == 0) unchecked++;
            if (minGapMs.get(n) < dupMs) duplicated++;
            if (minCrossGapMs.get(n) < dupMs) duplicatedAcross++;
        }
        ObjectNode json = JsonStateCodec.mapper().createObjectNode().put("targets", targets).put("checks", total)
                .put("minPerTarget", min).put("maxPerTarget", max).put("unchecked", unchecked)
                .put("longestGapMs", longestGapMs(System.currentTimeMillis())).put("duplicated", duplicated)
                .put("duplicatedAcrossCheckers", duplicatedAcross);
        var tcpJson = json.putArray("tcpChecks");
        for (int k = 0; k < tcpChecks.length(); k++) tcpJson.add(tcpChecks.get(k));
        return json;
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public synchronized void close() {
        closed = true;
        http.stop(0);
        for (ServerSocket socket : tcp) {
            try {
                socket.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public boolean closed() {
        return closed;
    }
}
