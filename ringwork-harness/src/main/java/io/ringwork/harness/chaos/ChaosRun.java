package io.ringwork.harness.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.id.Partitioner;
import io.ringwork.core.processing.Limits;
import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.processing.SequentialFold;
import io.ringwork.harness.chaos.ChaosChecks.Anomalies;
import io.ringwork.harness.chaos.ChaosChecks.Expected;
import io.ringwork.harness.chaos.ChaosChecks.Read;
import io.ringwork.harness.chaos.ChaosCluster.Ownership;
import io.ringwork.harness.chaos.FaultSchedule.Fault;
import io.ringwork.harness.chaos.FaultSchedule.Plan;
import io.ringwork.runtime.client.RingworkClient;
import io.ringwork.harness.netns.NetworkNamespaces;
import io.ringwork.harness.process.GluerVerifier;
import io.ringwork.runtime.node.Processors;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One chaos run with real node processes (on loopback, or each on a host of its own: {@link
 * NodePlacement}): start the nodes, produce the seeded workload
 * while following every node's feed and injecting the planned faults, then heal, drain, check and
 * report. Bounded in time (duration + drain timeout + a minute for starts); every process it
 * started is stopped before {@link #run()} returns, whatever happens.
 */
public final class ChaosRun {
    /**
     * @param nodes          nodes at the start
     * @param durationMs     the producing phase; faults are planned in its [15 %, 75 %], and
     *                       production goes on past it until the last fault has settled
     * @param faults         the faults to plan (one entry per fault)
     * @param seed           seeds the workload and the fault plan
     * @param ratePerS       records per second
     * @param partitions     partitions of the shared log
     * @param drainTimeoutMs how long to wait after the faults for every node and feed to catch up
     */
    public record Config(int nodes, long durationMs, List<FaultSchedule.Kind> faults, long seed, long ratePerS,
                         int partitions, int tenants, int docs, double invalid, int resources, long drainTimeoutMs) {}

    /** A join's ownership has settled when no partition changed owner for this long. */
    static final long SETTLED_MS = 2_000;
    /** A join's window ends at the latest this long after the node is ready. */
    static final long JOIN_WINDOW_MAX_MS = 20_000;
    /** Before a join, the nodes count as recovered from the fault before with at most this many records to apply... */
    static final long RECOVERED_LAG = 500;
    /** ...or after this long. */
    static final long RECOVERY_MAX_MS = 15_000;
    /**
     * The fault after a join starts at least this long after the join's window ended, so that the
     * records appended in the window are applied before it can delay them (an undisturbed record
     * is applied within a few hundred ms). Without it, a pause of the joiner begun as the window
     * closed held its last records for over a second, and that counted as the join's stall.
     */
    static final long AFTER_JOIN_MS = 2_000;
    /** Production goes on past the duration for the faults at most this long (the fault thread's own wait). */
    static final long FAULTS_OVERRUN_MS = 120_000;

    /** What happened during one fault, for the figures. */
    private record Injected(Fault fault, long startMs, long readyMs, Ownership before, Ownership after, long afterMs) {}

    private final Config config;
    private final Plan plan;
    private final NodePlacement placement;
    private final Path work;
    private final PrintStream out;
    private final List<Injected> injected = new ArrayList<>();
    /** Per kill, ms until every survivor listed the killed node dead (kills some survivor never saw within the outage are left out and printed). */
    private final List<Long> detections = new ArrayList<>();
    private final Map<String, FeedFollower> followers = new ConcurrentHashMap<>();
    private final FeedHistory firstArrivals = new FeedHistory("any");
    private final Set<String> seenAnywhere = FeedFollower.newSeenSet();
    private final Map<Long, Long> appliedAt = new ConcurrentHashMap<>();
    private volatile Exception faultFailure;
    /** Production goes on past the planned duration until the fault thread is done. */
    private volatile boolean faultsDone;
    private long startNs;
    private long startEpochMs;
    /** The nodes' counters, scraped from their /metrics by {@link #poller}. */
    private final NodeScrapes scrapes;
    private MetricsPoller poller;
    /** The last run's figures, for tests; null before a run got to its checks. */
    private volatile ChaosFigures figures;
    /** The newcomer's lines ({@code ringwork demo} without --verbose); null for none. */
    private PrintStream brief;
    /** What the brief lines say the run is, for the summary (e.g. "sharing an embedded log"). */
    private String logDescription = "";
    /** After the checks, the cluster stays up until the process is told to stop (Ctrl-C). */
    private boolean keepRunning;
    /** Key-value clients during the faults (0: none) and their hot keys. */
    private int kvClients;
    private int kvKeys;
    /** The key-value check of the last run, for tests; null without key-value clients or before the checks. */
    private volatile KvChaosClients.Verdicts kvVerdicts;
    private KvChaosClients kvRunning;

    /** A run on loopback with the shared embedded log and the faults of {@code config} in a seeded order. */
    public ChaosRun(Config config, Path work, PrintStream out) {
        this(config, FaultSchedule.plan(config.seed(), config.nodes(), config.durationMs(), config.faults()),
                NodePlacement.loopback(work), work, out);
    }

    /**
     * A run of {@code plan} (e.g. {@link FaultSchedule#inOrder}) with nodes where {@code placement}
     * puts them; {@code config}'s nodes, duration, seed and faults must be the plan's.
     *
     * @throws IllegalArgumentException when the plan has partition faults and the placement cannot cut
     */
    public ChaosRun(Config config, Plan plan, NodePlacement placement, Path work, PrintStream out) {
        if (!placement.canCut() && plan.faults().stream().anyMatch(f -> f.kind().isPartition())) {
            throw new IllegalArgumentException("partition faults need a host per node: nodes on loopback cannot be cut off"
                    + " (SeparateHostsChaosTest runs them in network namespaces)");
        }
        this.config = config;
        this.plan = plan;
        this.placement = placement;
        this.work = work;
        this.out = out;
        this.scrapes = new NodeScrapes(config.partitions());
    }

    /**
     * Also tells a newcomer, on {@code brief}, what happens in a few plain lines while the run
     * goes (the console's address, each fault, progress) and a short summary at the end; the
     * technical report still goes to the stream given at construction. {@code logDescription}
     * says where the log is, e.g. "sharing an embedded log".
     */
    public ChaosRun withBrief(PrintStream brief, String logDescription) {
        this.brief = brief;
        this.logDescription = logDescription;
        return this;
    }

    /**
     * Also runs {@code clients} concurrent key-value clients on {@code keys} hot keys during the
     * faults ({@link KvChaosClients}); their history goes to the working directory as
     * {@code kv-history.jsonl}, is checked for linearizability, and every acknowledged write must
     * be on the change feeds. A history that is not linearizable or a lost acknowledged write fails
     * the run.
     */
    public ChaosRun withKvClients(int clients, int keys) {
        if (clients < 1 || keys < 1) throw new IllegalArgumentException("--kv-clients and --kv-keys must be positive");
        this.kvClients = clients;
        this.kvKeys = keys;
        return this;
    }

    /** Leaves the cluster running after the checks until this process is interrupted or told to stop (Ctrl-C). */
    public ChaosRun keepRunning() {
        this.keepRunning = true;
        return this;
    }

    private void brief(String format, Object... args) {
        if (brief != null) brief.printf(format + "%n", args);
    }

    /** Runs and reports; returns 0 only when drained with zero anomalies. */
    public int run() throws Exception {
        out.printf("ringwork chaos: %d nodes, %.0f s, %,d records/s, %d partitions, seed %d%n", config.nodes(),
                config.durationMs() / 1000.0, config.ratePerS(), config.partitions(), config.seed());
        out.println("  fault plan: " + (plan.faults().isEmpty() ? "none" : plan.faults()));
        plan.skipped().forEach(s -> out.println("  not planned: " + s));
        // The nodes run with the default limits (no --max-document-bytes), so the reference does too.
        SequentialFold fold = new SequentialFold(new RecordApplier(new ProcessorRegistry(Processors.load()), Limits.DEFAULT));
        ChaosWorkload workload = new ChaosWorkload(config.seed(), config.tenants(), config.docs(), config.invalid(),
                config.resources(), fold);
        try (ChaosCluster cluster = new ChaosCluster(work, config.partitions(), placement)) {
            for (String id : plan.initialNodes()) {
                cluster.start(id);
                out.printf("  %s up (pid %d) at %s%n", id, cluster.pid(id), cluster.urlIfUp(id));
            }
            brief("Started %d ringwork nodes on this machine, each a process of its own, %s.", plan.initialNodes().size(),
                    logDescription);
            brief("Console: %s/ (open it in a browser: the ring, the members, the partitions; any node serves it)",
                    cluster.urlIfUp(plan.initialNodes().get(0)));
            brief("Sending %,d events per second for %.0f s: pieces of %,d JSON documents (%d tenants x %,d), merged, patched,"
                            + " replaced and deleted, each document's pieces in order.", config.ratePerS(), config.durationMs() / 1000.0,
                    (long) config.tenants() * config.docs(), config.tenants(), config.docs());
            if (!plan.faults().isEmpty()) brief("Meanwhile: %s.", plainFaults());
            // t = 0 is the start of production, the plan's time base; feeds start from the earliest change.
            startNs = System.nanoTime();
            startEpochMs = System.currentTimeMillis();
            for (String id : plan.initialNodes()) follow(cluster, id);
            poller = new MetricsPoller(cluster, scrapes, config.partitions(), this::nowMs).start();
            ChaosProducer producer = new ChaosProducer(cluster, workload);
            KvChaosClients kv = kvClients == 0 ? null : new KvChaosClients(cluster, kvClients, kvKeys, config.seed());
            kvRunning = kv;
            if (kv != null) {
                kv.start();
                out.printf("  kv: %d clients on keys %s (reads, writes, compare-and-sets through random nodes up)%n", kvClients, kv.keys());
            }
            Thread faults = Thread.ofPlatform().name("chaos-faults").start(() -> injectAll(cluster, plan));
            long[] lastLine = {startNs};
            // Past the duration only while faults remain, and never more than FAULTS_OVERRUN_MS.
            producer.run(startNs, config.durationMs(), () -> !faultsDone && nowMs() < config.durationMs() + FAULTS_OVERRUN_MS,
                    config.ratePerS(), produced -> {
                long now = System.nanoTime();
                if (now - lastLine[0] < 5_000_000_000L) return;
                lastLine[0] = now;
                out.printf("  t=%4.0fs produced %,9d  retries %,d  up %s  changes seen %,d%n", (now - startNs) / 1e9,
                        produced, producer.retries(), cluster.upNodes(), firstArrivals.changes());
                brief("  %3.0f s: %,d events sent, %,d changes applied so far, nodes up: %s", (now - startNs) / 1e9, produced,
                        firstArrivals.changes(), String.join(" ", cluster.upNodes()));
            });
            faults.join(120_000);
            if (kv != null) kv.stop();
            if (faultFailure != null) throw faultFailure;
            long producedForMs = nowMs();
            if (producedForMs > config.durationMs() + 1_000) {
                out.printf("  the faults ran until t=%.1fs (each waits for the one before to settle): produced until then%n",
                        producedForMs / 1000.0);
            }
            out.printf("  produced %,d records (%,d retried requests); healing and draining%n", producer.produced(), producer.retries());
            brief("Sent %,d events. Waiting for every node to apply them, then checking every document...", producer.produced());
            heal(cluster);
            resolveRetried(producer);
            Set<String> continuous = continuous(plan);
            boolean drained = drain(cluster, producer, continuous);
            KvChaosClients.Verdicts kvResult = kv == null ? null : checkKv(kv);
            Map<String, Expected> expected = expected(producer, workload);
            Ownership ownership = cluster.ownership();
            Map<String, Read> owner = new ConcurrentHashMap<>();
            Map<String, List<Read>> replicas = new ConcurrentHashMap<>();
            readStates(cluster, ownership, expected.keySet(), owner, replicas);
            for (FeedFollower follower : followers.values()) follower.stop();
            List<FeedHistory> feeds = followers.values().stream().map(FeedFollower::history).toList();
            Anomalies anomalies = ChaosChecks.check(expected, feeds, continuous, owner, replicas);
            poller.scrapeNow(); // the nodes' last counts (repairs), every node up
            ChaosReport report = new ChaosReport(out, firstArrivals, appliedAt, feeds, config.partitions(), producer.appended(), scrapes);
            List<ChaosReport.FaultFigures> faultFigures = injected.stream().map(i -> new ChaosReport.FaultFigures(i.fault(),
                    i.startMs(), i.readyMs(), i.before(), i.after(), i.afterMs())).toList();
            ChaosFigures figures = report.figures(faultFigures, anomalies, drained);
            this.figures = figures;
            report.printFaults(figures, faultFigures);
            if (!detections.isEmpty()) {
                ChaosFigures.Spread detected = ChaosFigures.Spread.of(detections);
                out.printf("  detection over %d kills: every survivor listed the killed node dead after p50 %d ms, p99 %d ms, max %d ms"
                        + " (polled every %d ms)%n", detected.count(), detected.p50Ms(), detected.p99Ms(), detected.maxMs(), DeathWatch.POLL_MS);
            }
            report.timeline();
            out.printf("  keys checked %,d on %d nodes (%s); records %,d, dead letters expected %,d%n", expected.size(),
                    cluster.upNodes().size(), ownership == null ? "no ownership in /v1/cluster: every node checked as a replica"
                            : "replicas from /v1/cluster ownership", producer.produced(), fold.rejectedCount());
            out.println("  anomalies: " + figures.anomalyLine());
            anomalies.examples().forEach(e -> out.println("    " + e));
            out.printf("  feed catch-up jumps: %,d (nodes that caught up by snapshot: %s; continuously in the cluster: %s)%n",
                    anomalies.catchUpJumps(), anomalies.caughtUpNodes().isEmpty() ? "none" : String.join(", ", anomalies.caughtUpNodes()),
                    continuous.isEmpty() ? "none" : String.join(", ", continuous));
            if (!drained) out.println("  not drained within " + config.drainTimeoutMs() + " ms");
            if (!keepRunning) stopAll(cluster);
            long repairs = figures.repairs();
            out.println("  anti-entropy repairs: " + (repairs < 0 ? "unknown (no node answered a scrape)" : String.format("%,d", repairs))
                    + " (digests that differed on a replica, from every node's /metrics; a killed process's up to its last scrape)");
            if (scrapes.dropped() > 0) out.printf("  metrics scrapes dropped beyond %,d kept: %,d%n", NodeScrapes.MAX_SAMPLES, scrapes.dropped());
            boolean kvOk = kvResult == null || kvResult.ok();
            out.println(kvOk ? figures.resultLine() : (figures.ok() ? "RESULT: FAILED" : figures.resultLine()) + "; kv "
                    + kvResult.verdict() + ", " + kvResult.lostAcks() + " acknowledged writes lost");
            summary(figures, producer.produced(), producedForMs, expected.size());
            if (keepRunning) holdUntilStopped(cluster);
            return figures.ok() && kvOk ? 0 : 1;
        } finally {
            if (kvRunning != null) kvRunning.halt(); // a run that failed early leaves no client behind
            if (poller != null) poller.close();
            for (FeedFollower follower : followers.values()) follower.stop();
        }
    }

    /** The faults of the plan in a newcomer's words. */
    private String plainFaults() {
        List<String> parts = new ArrayList<>();
        for (Fault fault : plan.faults()) {
            parts.add(switch (fault.kind()) {
                case KILL -> "node " + fault.node() + " is killed with kill -9 (no goodbye) and restarted later";
                case PAUSE -> "node " + fault.node() + " is frozen (SIGSTOP) for a while";
                case JOIN -> "a new node " + fault.node() + " joins and takes its share";
                case LEAVE -> "node " + fault.node() + " leaves gracefully";
                case PARTITION, PARTITION_ONEWAY -> "node " + fault.node() + " is cut off from the others by the network";
                case RESTART -> "node " + fault.node() + " is stopped gracefully and started again";
            });
        }
        return String.join("; ", parts);
    }

    /** The newcomer's summary: what the run did, records, throughput, failover, anomalies by name, result. */
    private void summary(ChaosFigures figures, long produced, long producedForMs, int keys) {
        if (brief == null) return;
        brief("%nSummary");
        brief("  what it did   %d nodes %s; %,d events/s asked for %.0f s", plan.initialNodes().size(), logDescription,
                config.ratePerS(), producedForMs / 1000.0);
        for (Injected i : injected) {
            brief("                %s %s at %.1f s%s", i.fault().node(), switch (i.fault().kind()) {
                case KILL -> "killed (kill -9)";
                case PAUSE -> "frozen (SIGSTOP)";
                case JOIN -> "joined";
                case LEAVE -> "left";
                case PARTITION, PARTITION_ONEWAY -> "cut off";
                case RESTART -> "restarted";
            }, i.startMs() / 1000.0, i.fault().kind() == FaultSchedule.Kind.JOIN ? String.format(", ready %.1f s later",
                    (i.readyMs() - i.startMs()) / 1000.0) : String.format(", back at %.1f s", i.readyMs() / 1000.0));
        }
        brief("  records       %,d events sent; %,d documents checked on every node against a replay of the same events in order",
                produced, keys);
        brief("  throughput    %,.0f events/s sent while it ran%s", produced / Math.max(0.001, producedForMs / 1000.0),
                figures.drained() ? ", every one applied by the end" : "");
        ChaosFigures.Spread failover = figures.failoverPerPartition();
        if (failover != null) {
            brief("  failover      a killed node's partitions were processed again by the others within %.1f s"
                    + " (median %.1f s over %d partitions, from the kill)", failover.maxMs() / 1000.0, failover.p50Ms() / 1000.0,
                    failover.count());
        }
        ChaosFigures.Spread cut = figures.cutFailoverPerPartition();
        if (cut != null) {
            brief("  failover      a cut-off node's partitions were processed again within %.1f s (median %.1f s)",
                    cut.maxMs() / 1000.0, cut.p50Ms() / 1000.0);
        }
        brief("  anomalies     %s", figures.anomalyLine());
        brief("  result        %s", figures.ok() ? "OK: no event lost, none applied twice or out of order, every copy of every document the same"
                : "FAILED: " + figures.anomalyTotal() + " anomalies" + (figures.drained() ? "" : ", and not every node caught up"));
    }

    /** Keeps the cluster up for a person to look around until Ctrl-C, then stops its nodes gracefully. */
    private void holdUntilStopped(ChaosCluster cluster) throws Exception {
        List<String> lines = new ArrayList<>(List.of("The cluster keeps running for you to look around:"));
        for (String id : cluster.upNodes()) {
            lines.add(String.format("  %s  console %s/   cluster JSON %s/v1/cluster", id, cluster.urlIfUp(id), cluster.urlIfUp(id)));
        }
        io.ringwork.harness.process.HoldOpen.untilStopped(brief != null ? brief : out, lines, () -> stopAll(cluster));
    }

    /**
     * Reads every hot key's final state into the history, waits (at most 30 s) until the feeds
     * show each final version, then checks the history and prints the verdict, the unplaced
     * operations of a history that is not linearizable, and the lost acknowledged writes.
     */
    private KvChaosClients.Verdicts checkKv(KvChaosClients kv) throws Exception {
        Map<String, Long> finals = kv.finalReads();
        long deadline = nowMs() + 30_000;
        while (nowMs() < deadline && finals.entrySet().stream().anyMatch(e -> e.getValue() > 0
                && !feedVersions(io.ringwork.core.kv.KvProcessor.KEY_PREFIX + e.getKey()).contains(e.getValue() - 1))) {
            Thread.sleep(200);
        }
        KvChaosClients.Verdicts verdicts = kv.check(work.resolve("kv-history.jsonl"), this::feedVersions);
        out.println("  " + verdicts.line());
        out.println("  kv final versions: " + finals);
        if (verdicts.explanation() != null) verdicts.explanation().lines().forEach(l -> out.println("    " + l));
        verdicts.lost().forEach(l -> out.println("    lost: " + l));
        this.kvVerdicts = verdicts;
        return verdicts;
    }

    /** The versions of {@code key} on any node's change feed. */
    private Set<Long> feedVersions(String key) {
        Set<Long> versions = new java.util.HashSet<>();
        for (FeedFollower follower : followers.values()) {
            for (long v : follower.history().versions(key)) versions.add(v);
        }
        return versions;
    }

    /** The key-value check of the last run; null without key-value clients or before the checks. */
    KvChaosClients.Verdicts kvVerdicts() {
        return kvVerdicts;
    }

    /** The figures of the run, once {@link #run()} got to its checks; else null. */
    ChaosFigures figures() {
        return figures;
    }

    /** Starts (or restarts) {@code id}; its process counts from zero from then on. */
    private void start(ChaosCluster cluster, String id) throws Exception {
        long atMs = nowMs();
        cluster.start(id);
        scrapes.started(id, cluster.pid(id), atMs);
    }

    private void follow(ChaosCluster cluster, String id) {
        followers.computeIfAbsent(id, n -> new FeedFollower(new FeedHistory(n), firstArrivals, seenAnywhere, appliedAt,
                () -> cluster.urlIfUp(n), startNs, startEpochMs));
    }

    private long nowMs() {
        return (System.nanoTime() - startNs) / 1_000_000;
    }

    /**
     * The fault thread: each fault at its time, in order; faults never overlap (see FaultSchedule).
     * A fault starts when the one before it has settled, so it can start later than planned. A join
     * also waits until the nodes have caught up after the fault before it, and then
     * {@link ChaosReport#BASELINE_MS}, and
     * the next fault waits for the end of the join's window and {@link #AFTER_JOIN_MS} more: the
     * stall measured around a join (its baseline and its window) sees that join only.
     */
    private void injectAll(ChaosCluster cluster, Plan plan) {
        try {
            long lastEndMs = -ChaosReport.BASELINE_MS;
            FaultSchedule.Kind previous = null;
            for (Fault fault : plan.faults()) {
                if (fault.kind() == FaultSchedule.Kind.JOIN && lastEndMs >= 0) lastEndMs = recovered(cluster, lastEndMs);
                sleepUntil(earliestStartMs(fault, lastEndMs, previous));
                inject(cluster, fault);
                lastEndMs = nowMs();
                previous = fault.kind();
            }
        } catch (Exception e) {
            faultFailure = e;
        } finally {
            faultsDone = true;
        }
    }

    private void inject(ChaosCluster cluster, Fault fault) throws Exception {
        String id = fault.node();
        Ownership before = cluster.ownership();
        poller.scrapeNow(); // every node's counters at the window's start
        long startMs = nowMs();
        long readyMs = startMs;
        switch (fault.kind()) {
            case KILL -> {
                long pid = cluster.pid(id);
                List<String> survivors = cluster.upNodes().stream().filter(n -> !n.equals(id)).toList();
                long killedAtNs = System.nanoTime();
                cluster.kill(id);
                out.printf("  t=%4.1fs KILL %s (SIGKILL pid %d)%n", startMs / 1000.0, id, pid);
                // Detection, while the outage lasts: when every survivor's membership lists the node dead.
                DeathWatch.Seen seen = DeathWatch.await(cluster, id, survivors, killedAtNs, fault.outageMs());
                if (seen.complete()) detections.add(seen.everyMs());
                out.printf("  t=%4.1fs %s%n", nowMs() / 1000.0, seen.complete()
                        ? "every survivor lists " + id + " dead, after " + seen.everyMs() + " ms (each: " + seen.bySurvivor() + ")"
                        : "not every survivor listed " + id + " dead within the outage (" + seen.bySurvivor() + ")");
                long leftNs = killedAtNs + fault.outageMs() * 1_000_000 - System.nanoTime();
                if (leftNs > 0) Thread.sleep(leftNs / 1_000_000); // the planned outage, even when this fault started late
                start(cluster, id);
                readyMs = nowMs();
                out.printf("  t=%4.1fs restarted %s (pid %d), same data dir%n", readyMs / 1000.0, id, cluster.pid(id));
            }
            case PAUSE -> {
                cluster.pause(id);
                out.printf("  t=%4.1fs PAUSE %s (SIGSTOP pid %d)%n", startMs / 1000.0, id, cluster.pid(id));
                Thread.sleep(fault.outageMs()); // the planned outage, even when this fault started late
                cluster.resume(id);
                readyMs = nowMs();
                out.printf("  t=%4.1fs resumed %s (SIGCONT)%n", readyMs / 1000.0, id);
            }
            case JOIN -> {
                start(cluster, id);
                follow(cluster, id);
                readyMs = nowMs();
                out.printf("  t=%4.1fs JOIN %s (pid %d) ready after %d ms at %s%n", startMs / 1000.0, id, cluster.pid(id),
                        readyMs - startMs, cluster.urlIfUp(id));
            }
            case RESTART -> {
                int code = cluster.leave(id);
                out.printf("  t=%4.1fs RESTART %s: stopped (SIGTERM, exit %d after %d ms)%n", startMs / 1000.0, id, code,
                        nowMs() - startMs);
                Thread.sleep(fault.outageMs()); // e.g. installing the new version
                String release = placement.beforeRestart(id);
                start(cluster, id);
                readyMs = nowMs();
                out.printf("  t=%4.1fs started %s again (pid %d), same data dir%s%n", readyMs / 1000.0, id, cluster.pid(id),
                        release.isEmpty() ? "" : ", " + release);
            }
            case LEAVE -> {
                int code = cluster.leave(id);
                readyMs = nowMs();
                out.printf("  t=%4.1fs LEAVE %s (SIGTERM, exit %d after %d ms)%n", startMs / 1000.0, id, code, readyMs - startMs);
            }
            case PARTITION, PARTITION_ONEWAY -> {
                boolean both = fault.kind() == FaultSchedule.Kind.PARTITION;
                cluster.cut(id, both ? NetworkNamespaces.Direction.BOTH : NetworkNamespaces.Direction.OUTBOUND);
                // The fault starts once the drop rules are in place (nft takes tens of ms): a record
                // acknowledged before may still be the node's own, replicated as usual, and the
                // failover measured from the earlier time read 52 ms for a one-way cut.
                startMs = nowMs();
                out.printf("  t=%4.1fs PARTITION %s from the other nodes (%s)%n", startMs / 1000.0, id,
                        both ? "both ways" : "one way: what it sends is dropped");
                Thread.sleep(fault.outageMs()); // the planned outage, even when this fault started late
                cluster.heal(id);
                readyMs = nowMs();
                out.printf("  t=%4.1fs healed %s%n", readyMs / 1000.0, id);
            }
        }
        Ownership after;
        long afterMs;
        if (fault.kind() == FaultSchedule.Kind.JOIN) {
            // The new node owns partitions only once it has caught up, which can take seconds, and
            // partitions may change hands more than once. The join's window ends when the ownership
            // has settled: the new node owns partitions, every owner alone runs its partitions (the
            // handoffs are done, not just planned), and no owner changed for SETTLED_MS; at least
            // STALL_AFTER_MS after ready, at most JOIN_WINDOW_MAX_MS after it.
            Map<Integer, String> lastOwners = null;
            long lastChangeMs = nowMs();
            boolean ownershipShown = before != null;
            while (true) {
                ChaosCluster.View view = cluster.view();
                after = view == null ? null : view.ownership();
                afterMs = nowMs();
                ownershipShown |= after != null;
                Map<Integer, String> owners = after == null ? null : after.owners();
                if (view != null && !java.util.Objects.equals(owners, lastOwners)) {
                    lastOwners = owners;
                    lastChangeMs = afterMs;
                }
                boolean handedOver = view != null && view.handedOver();
                if (joinWindowOver(after, handedOver, ownershipShown, id, readyMs, lastChangeMs, afterMs)) break;
                Thread.sleep(200);
            }
        } else {
            Thread.sleep(3000); // let the assignment settle before the next fault
            after = cluster.ownership();
            afterMs = nowMs();
        }
        poller.scrapeNow(); // every node's counters at the window's end
        injected.add(new Injected(fault, startMs, readyMs, before, after, afterMs));
    }

    /**
     * Whether a join's window is over at {@code nowMs}: the ownership read then ({@code after}; null
     * when no node answered or the nodes show none) has {@code joiner} owning partitions, every
     * handoff done ({@code handedOver}) and no owner changed since {@code lastChangeMs} for
     * {@link #SETTLED_MS}, and it is at least ready + STALL_AFTER_MS; or it is ready +
     * JOIN_WINDOW_MAX_MS. Without ownership in any read so far ({@code ownershipShown} false) it
     * ends at ready + STALL_AFTER_MS; a failed read is never settled.
     */
    static boolean joinWindowOver(Ownership after, boolean handedOver, boolean ownershipShown, String joiner, long readyMs,
                                  long lastChangeMs, long nowMs) {
        if (nowMs >= readyMs + JOIN_WINDOW_MAX_MS) return true;
        boolean settled = ownershipShown
                ? after != null && handedOver && !after.ownedBy(joiner).isEmpty() && nowMs - lastChangeMs >= SETTLED_MS
                : after == null;
        return settled && nowMs >= readyMs + ChaosReport.STALL_AFTER_MS;
    }

    /**
     * Waits (at most RECOVERY_MAX_MS) until every node up has at most RECOVERED_LAG records left to
     * apply twice in a row, i.e. the fault before has worn off; returns when, for the next join's
     * baseline to start there.
     */
    private long recovered(ChaosCluster cluster, long sinceMs) throws InterruptedException {
        int quiet = 0;
        while (nowMs() < sinceMs + RECOVERY_MAX_MS) {
            long lag = cluster.maxLag();
            quiet = lag >= 0 && lag <= RECOVERED_LAG ? quiet + 1 : 0;
            if (quiet == 2) break;
            Thread.sleep(200);
        }
        return Math.max(sinceMs, nowMs());
    }

    /**
     * When a planned fault starts at the earliest: a join 5 s after the fault before it settled
     * (its baseline); a fault after a join ({@code previous}) {@link #AFTER_JOIN_MS} after the
     * join's window ended; any other at its planned time.
     */
    static long earliestStartMs(Fault fault, long lastEndMs, FaultSchedule.Kind previous) {
        if (fault.kind() == FaultSchedule.Kind.JOIN) return Math.max(fault.atMs(), lastEndMs + ChaosReport.BASELINE_MS);
        if (previous == FaultSchedule.Kind.JOIN) return Math.max(fault.atMs(), lastEndMs + AFTER_JOIN_MS);
        return fault.atMs();
    }

    private void sleepUntil(long atMs) throws InterruptedException {
        long waitMs = atMs - nowMs();
        if (waitMs > 0) Thread.sleep(waitMs);
    }

    /**
     * On Kafka, moves each record of a batch sent again after a failed attempt to its first copy in
     * the topic, the one the nodes applied ({@link ChaosProducer#resolveRetried}); the embedded log
     * keeps one copy, so there is nothing to do on it.
     */
    private void resolveRetried(ChaosProducer producer) {
        List<String> args = placement.nodeArgs(FaultSchedule.nodeId(1));
        int kafka = args.indexOf("--kafka");
        int topic = args.indexOf("--topic");
        if (kafka < 0 || topic < 0 || producer.retried().isEmpty()) return;
        try (io.ringwork.harness.kafka.FirstCopyFinder finder =
                     new io.ringwork.harness.kafka.FirstCopyFinder(args.get(kafka + 1), args.get(topic + 1))) {
            int moved = producer.resolveRetried(finder::firstCopy);
            out.printf("  retried records: %,d; %,d of them also appended by the failed attempt (Kafka keeps both copies,"
                    + " the nodes apply the first): checked at the first copy's offset%n", producer.retried().size(), moved);
        }
    }

    /** Heals every cut, resumes a paused node and restarts a killed one: the checks need every replica up. */
    private void heal(ChaosCluster cluster) throws Exception {
        cluster.healAll();
        for (String id : cluster.nodes()) {
            switch (cluster.state(id)) {
                case PAUSED -> cluster.resume(id);
                case DOWN -> start(cluster, id);
                default -> { }
            }
        }
    }

    /**
     * The nodes continuously in the cluster: started at the beginning and never killed, paused,
     * restarted or left. Only their feeds must deliver every applied version; the others may
     * catch up by snapshot.
     */
    static Set<String> continuous(Plan plan) {
        Set<String> continuous = new TreeSet<>(plan.initialNodes());
        for (Fault fault : plan.faults()) {
            if (fault.kind() != FaultSchedule.Kind.JOIN) continuous.remove(fault.node());
        }
        return continuous;
    }

    /**
     * Waits until every node up has applied every record and holds every partition's records as a
     * replica, and every key's last applied version is
     * on the union of the feeds and on the feed of every continuously present node. A node that
     * caught up by snapshot delivers a key again only if it changed after the snapshot, so its own
     * feed is not waited on.
     */
    private boolean drain(ChaosCluster cluster, ChaosProducer producer, Set<String> continuous) throws Exception {
        long deadlineMs = nowMs() + config.drainTimeoutMs();
        for (String id : cluster.upNodes()) {
            long leftMs = Math.max(1, deadlineMs - nowMs());
            if (!GluerVerifier.awaitApplied(cluster.client(id, Duration.ofSeconds(5)), producer.produced(), leftMs)) return false;
        }
        // Replicas too: every replica's state is checked, and a node restarted just before the
        // end can still be catching up others' partitions when its own are done.
        for (String id : cluster.upNodes()) {
            long leftMs = Math.max(1, deadlineMs - nowMs());
            if (!GluerVerifier.awaitHeld(cluster.client(id, Duration.ofSeconds(5)), leftMs)) {
                out.println("  drain: " + id + " does not hold every partition's records");
                return false;
            }
        }
        Map<String, Long> behind = new TreeMap<>();
        while (nowMs() < deadlineMs) {
            behind.clear();
            for (Map.Entry<String, ChaosProducer.KeyLog> key : producer.keys().entrySet()) {
                ChaosProducer.KeyLog log = key.getValue();
                if (log.applied.size == 0) continue;
                long last = log.applied.values[log.applied.size - 1];
                if (firstArrivals.maxVersion(key.getKey()) < last) behind.merge("all feeds", 1L, Long::sum);
                for (String id : continuous) {
                    if (followers.get(id).history().maxVersion(key.getKey()) < last) behind.merge(id, 1L, Long::sum);
                }
            }
            if (behind.isEmpty()) return true;
            Thread.sleep(200);
        }
        out.println("  drain: keys whose last version is missing, by feed: " + behind);
        return false;
    }

    private static Map<String, Expected> expected(ChaosProducer producer, ChaosWorkload workload) {
        Map<String, Expected> expected = new HashMap<>();
        producer.keys().forEach((key, log) -> expected.put(key,
                new Expected(workload.expectedValue(key), log.lastVersion, log.applied.toArray())));
        return expected;
    }

    /** Reads every key from its owner (forwarded) and from every replica's local store, 8 at a time. */
    private static void readStates(ChaosCluster cluster, Ownership ownership, Set<String> keys,
                                   Map<String, Read> owner, Map<String, List<Read>> replicas) throws Exception {
        List<String> up = cluster.upNodes();
        Map<String, RingworkClient> clients = new LinkedHashMap<>();
        for (String id : up) clients.put(id, cluster.client(id, Duration.ofSeconds(10)));
        Partitioner partitioner = new Partitioner(partitionCount(clients.values().iterator().next()));
        List<Future<?>> pending = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            int i = 0;
            for (String key : keys) {
                String via = up.get(i++ % up.size());
                List<String> holders = ownership == null ? up
                        : ownership.replicas().getOrDefault(partitioner.partitionOf(key), up).stream().filter(up::contains).toList();
                pending.add(pool.submit(() -> {
                    owner.put(key, read(via, clients.get(via), key, false));
                    List<Read> reads = new ArrayList<>();
                    for (String holder : holders) reads.add(read(holder, clients.get(holder), key, true));
                    replicas.put(key, reads);
                    return null;
                }));
            }
            for (Future<?> f : pending) f.get();
        }
    }

    private static int partitionCount(RingworkClient client) throws Exception {
        return client.cluster().path("partitionCount").asInt();
    }

    /**
     * One key's state from {@code node}. A 503 (an owner still moving after the drain: on an
     * overloaded machine a restarted node's handoff can finish after every checkpoint caught up)
     * is asked again, for up to {@link #READ_RETRY_MS}.
     */
    private static Read read(String node, RingworkClient client, String key, boolean local) throws Exception {
        long deadline = System.currentTimeMillis() + READ_RETRY_MS;
        while (true) {
            try {
                JsonNode state = client.get("/v1/state/" + RingworkClient.encodeKey(key) + (local ? "?local=true" : ""));
                JsonNode value = state.get("value");
                return new Read(node, state.path("version").asLong(-1), value == null || value.isNull() ? null : value);
            } catch (RingworkClient.ApiException e) {
                if (e.status() == 404) return new Read(node, -1, null);
                if (e.status() != 503 || System.currentTimeMillis() > deadline) throw e;
                Thread.sleep(100);
            }
        }
    }

    /** How long reading the final states asks again after a 503. */
    private static final long READ_RETRY_MS = 30_000;

    /** A clean stop (SIGTERM) of every node up; the cluster's close kills whatever remains. */
    private static void stopAll(ChaosCluster cluster) throws InterruptedException {
        for (String id : cluster.upNodes()) cluster.leave(id);
    }
}
