package io.ringwork.bench;

import io.ringwork.harness.membership.LoopbackReport;
import io.ringwork.sim.membership.MembershipReport;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Entry point of {@code ./ringwork bench NAME [ARGS]}: runs the named benchmark and prints its
 * table. To add one, put a line in {@link #BENCHMARKS}.
 */
public final class BenchMain {
    /** What a benchmark name runs; gets the arguments after the name. */
    @FunctionalInterface
    interface BenchCommand {
        void run(String[] args) throws Exception;
    }

    private record Entry(String description, BenchCommand command) {}

    private static final Map<String, Entry> BENCHMARKS = new LinkedHashMap<>();

    static {
        BENCHMARKS.put("log", new Entry(
                "embedded log: append (100 x 200 B batches, interval fsync) and sequential read, JMH; "
                        + "optional arg: a regex of benchmark methods, e.g. 'append|read'",
                args -> JmhTable.run(LogBenchmark.class, args.length > 0 ? args[0] : ".*",
                        LogBenchmark.PAYLOAD_BYTES)));
        BENCHMARKS.put("gluer", new Entry(
                "gluer pieces/s on one node with durable state vs the in-memory fold, and latency at half "
                        + "the peak rate; options: --pieces N --runs R --latency-seconds S",
                GluerBench::main));
        BENCHMARKS.put("ring", new Entry(
                "ring balance (max/mean partitions per node) and owner movement on join/leave vs the ideal, "
                        + "consistent hashing vs bounded loads; optional arg: seeds (default 20)",
                RingReport::main));
        BENCHMARKS.put("membership", new Entry(
                "SWIM/Lifeguard in the simulator: detection, false positives under loss, gossip bytes, "
                        + "convergence; --quick | --acceptance | --full (default), --nodes 10,100 / --sections fp run a part",
                MembershipReport::main));
        BENCHMARKS.put("membership-loopback", new Entry(
                "membership with 5 real JVMs on loopback: kill -9 one, SIGSTOP another for 3 s; "
                        + "args: protocol periods in ms (default 200 1000)",
                LoopbackReport::main));
        BENCHMARKS.put("hostile", new Entry(
                "issue 18's attacks on a real node, each while a well-behaved client writes and reads: what the attacker "
                        + "got, node up, RSS before/after, the client's success rate and p99; option: --seconds S per attack (35)",
                HostileBench::main));
        BENCHMARKS.put("scale-out", new Entry(
                "one workload at one rate on 3, 5 and 7 real nodes with 3 replicas: partitions, keys and changes per node, "
                        + "CPU s of all nodes per 100,000 records, nodes holding each sampled key; --nodes 3,5,7 --records N --rate R",
                ScaleOutBench::main));
        BENCHMARKS.put("kv", new Entry(
                "the key-value store on 1 and 3 real nodes: put, compare-and-set, linearizable and quorum get with 1 and 64 "
                        + "closed-loop clients, ops/s with p50/p99; --nodes 1,3 --clients 1,64 --seconds S (5)",
                KvBench::main));
        BENCHMARKS.put("messaging", new Entry(
                "messaging on 1 and 3 real nodes: publish-to-subscriber latency p50/p99 over 3 subscribers, and how anycasts "
                        + "spread over 3 subscribers; --nodes 1,3 --messages M (600) --rate R (200/s)",
                MessagingBench::main));
        BENCHMARKS.put("latency", new Entry(
                "end-to-end latency on real nodes (embedded log) from a load generator in its own process: the peak, then "
                        + "runs at half of it, split into append, engine and feed; --nodes 1,3 --runs 3 --seconds 20 --fraction 0.5",
                LatencyBench::main));
        BENCHMARKS.put("peers", new Entry(
                "ringwork on Kafka (1 and 3 nodes) and on its embedded log (1 and 3) against Kafka Streams (at_least_once, "
                        + "exactly_once_v2) on one broker: pieces/s applying a filled input, p50/p99 at half of each one's peak, "
                        + "failover after a SIGKILL, documents against the fold; --runs R (3) --records N (200000) --systems A,B "
                        + "--failover A,B|none --latency-seconds S (10)",
                io.ringwork.bench.peers.PeersBench::main));
        BENCHMARKS.put("health", new Entry(
                "issue 22's health checker on real nodes against a target farm: CPU and memory per node, checks per target per "
                        + "interval at the farm, flip-to-every-node p50/p99, unchecked time and webhook alerts twice/lost across kill, "
                        + "leave and join; --nodes 3 --targets 100000 --interval 30s --flips 50 --faults kill,leave,join --runs 10",
                HealthBench::main));
        BENCHMARKS.put("cluster-sim", new Entry(
                "the processing cluster in the simulator: seeded crashes, pauses, partitions, joins and leaves, "
                        + "invariants after every step; args: seeds (default 1000), first seed (default 1)",
                args -> io.ringwork.sim.cluster.ClusterSimMain.main(args.length == 0 ? new String[] {"1000", "1"} : args)));
        BENCHMARKS.put("join-sim", new Entry(
                "one join and no other fault in the simulator: the longest wait of moved and unmoved partitions "
                        + "before and during it, in simulated time; args: seeds (default 100), first seed (default 1), --each",
                io.ringwork.sim.cluster.JoinStallMain::main));
    }

    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        Entry entry = args.length == 0 ? null : BENCHMARKS.get(args[0]);
        if (entry == null) {
            System.err.println("usage: ringwork bench NAME [ARGS]\nbenchmarks:");
            BENCHMARKS.forEach((name, e) -> System.err.printf("  %-19s %s%n", name, e.description()));
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        if (rest.length > 0 && (rest[0].equals("--help") || rest[0].equals("-h"))) {
            System.out.printf("ringwork bench %s: %s%n", args[0], entry.description());
            return;
        }
        try {
            entry.command().run(rest);
        } catch (IllegalArgumentException e) {
            // A bad option or value (NumberFormatException is one): one line and the usage, not a stack trace.
            System.err.printf("ringwork bench %s: %s%n  %s%n", args[0], e.getMessage(), entry.description());
            System.exit(2);
        }
    }
}
