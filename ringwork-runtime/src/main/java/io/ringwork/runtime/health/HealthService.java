package io.ringwork.runtime.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringwork.core.cluster.OwnershipPlan;
import io.ringwork.core.cluster.Term;
import io.ringwork.core.health.CheckStreak;
import io.ringwork.core.health.HealthGossip;
import io.ringwork.core.health.HealthProcessor;
import io.ringwork.core.health.HealthResult;
import io.ringwork.core.health.HealthResult.Status;
import io.ringwork.core.health.HealthTarget;
import io.ringwork.core.health.TakeoverGap;
import io.ringwork.core.id.Partitioner;
import io.ringwork.core.membership.Member;
import io.ringwork.core.membership.MemberState;
import io.ringwork.core.processing.JsonStateCodec;
import io.ringwork.core.store.StateStore;
import io.ringwork.core.store.WriteSet;
import io.ringwork.runtime.cluster.ClusterService;
import io.ringwork.runtime.membership.MembershipService;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's health checker (issue 22) and its share of the cluster's knowledge.
 *
 * <p><b>Who checks what.</b> A target {@code ID} is the state of record key {@code health/ID}; the
 * node that leads that key's partition (its fenced owner, the first live node of the partition's
 * preference list) checks it, under the partition's term epoch. Failover of the partition moves the
 * checking with it; a node that stops leading a partition stops checking its targets at its next
 * round (every {@link #ROUND_MS}), and a result of a check begun under an ended term is dropped.
 *
 * <p><b>Checks</b> run on virtual threads, at most {@link #CONCURRENCY_MAX} at once per node (a due
 * target waits for a slot, counted as late); every target is checked on a grid of its interval
 * whose phase is a hash of its id ({@link #nextOnGrid}), so a node's checks do not bunch and a new
 * owner keeps the old one's rhythm. A new owner resumes the status last gossiped for the target.
 *
 * <p><b>Results</b> go into this node's {@link HealthGossip}: a change of status is pushed to every
 * member at once (queued ahead of other results, and the membership asked to send a packet to each
 * member now, {@code broadcastNow}), then gossiped; other news (error, checker, definition) goes
 * with the membership's next gossip rounds; a check that changed only its latency is kept for the
 * push-pull pages. Every node merges what it hears, so any node answers from memory.
 *
 * <p>Thread-safety: the gossip state is guarded by its own monitor (taken by the membership thread
 * through the delegate, by checks as they finish, and by readers).
 */
public final class HealthService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthService.class);
    /** How often the scheduler looks for due checks. */
    static final long ROUND_MS = 50;
    /**
     * How often an owned partition may be read again from the store: when the webhook's takeover
     * grace ended, when changes of it were lost to a full {@link #applied} queue, and
     * {@link #FULL_RESCAN_MS} after the last read regardless. Between reads, this node learns of its
     * partitions' changes (a target added, redefined or deleted, a transition or a notified record)
     * from the commits themselves ({@link #committed}). Reading every target of every owned partition
     * every second cost a node a third of its CPU with 30,000 targets; reading a partition again
     * whenever its digest moved (every transition) kept the scheduler busy reading 6,000 targets at a
     * time through the registration of 100,000.
     */
    static final long RESCAN_MS = 1_000;
    static final long FULL_RESCAN_MS = 30_000;
    /** The longest a takeover spreads the checks the previous owner missed ({@link #owedCheckAtMs}). */
    static final long OWED_SPREAD_MAX_MS = 2_000;
    /** Changes waiting in {@link #applied} at most; past it, a change is dropped and its partition read again. */
    static final int APPLIED_MAX = 100_000;
    /** Checks in flight at once on this node. */
    public static final int CONCURRENCY_MAX = 512;
    /** Transitions kept per target for {@code GET /v1/health/targets/{id}}. */
    public static final int HISTORY_MAX = 32;
    private static final int SCAN_PAGE = 1_000;
    /**
     * How long a node that starts leading a partition waits before it posts the transitions it finds
     * pending there. The previous owner may still have a post in flight, or have posted one whose
     * notified record is on its way (a handoff, or a false suspicion that deposed a live owner):
     * waiting out the longest post and 2 s more for its record lets that record land, so the new
     * owner does not post it a second time (with a 2 s grace alone, a slow receiver's post outlasted
     * it and the bench saw repeats after partition moves); 14 s in all. Alerts of a partition that changed owner
     * come this much later.
     */
    static final long WEBHOOK_TAKEOVER_GRACE_MS = HealthWebhook.POST_MAX_MS + 2_000;

    /**
     * A status change as this node saw it; {@code learnedAtMs} is when this node learned it (made it,
     * or merged it from gossip), so {@code learnedAtMs - sinceMs} is how long the news took to get here.
     */
    public record Transition(Status status, long sinceMs, String checker, String error, long learnedAtMs) {}

    /** A target this node checks, as long as it leads the target's partition under {@code epoch}. */
    private static final class Checked {
        volatile HealthTarget target;
        final int partition;
        final long epoch;
        CheckStreak streak; // guarded by the gossip's monitor
        long nextDueMs; // the scheduler's
        volatile boolean running; // set by the scheduler, cleared by the check's thread

        Checked(HealthTarget target, int partition, long epoch, CheckStreak streak, long nextDueMs) {
            this.target = target;
            this.partition = partition;
            this.epoch = epoch;
            this.streak = streak;
            this.nextDueMs = nextDueMs;
        }
    }

    private final String self;
    private final StateStore store;
    private final ClusterService cluster;
    private final Partitioner partitioner;
    private final Supplier<MembershipService> membership;
    private final HealthGossip gossip;
    private final HealthProbe probe;
    private final ExecutorService checks = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore slots = new Semaphore(CONCURRENCY_MAX);
    /** Targets this node checks now, by id; only the scheduler thread changes the key set. */
    private final Map<String, Checked> checked = new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * Every target of {@link #checked} once, earliest next check first, and entries of targets no
     * longer checked (skipped when they come up); the scheduler's. Checks start in the order they
     * fell due: walking {@code checked} in its hash order and stopping when the slots ran out served
     * the same targets first every round, and under load (the registration of 100,000 targets) a
     * fixed quarter of them went unchecked for many minutes while others were checked every interval.
     */
    private final java.util.PriorityQueue<Checked> due = new java.util.PriorityQueue<>(java.util.Comparator.comparingLong(c -> c.nextDueMs));
    /** The partitions led, with their epochs, as the last round found them; the scheduler's. */
    private Map<Integer, Long> lastLeadEpochs = Map.of();
    /** Per owned partition, the ids its last scan found, and when it was scanned. */
    private final Map<Integer, Set<String>> scanned = new HashMap<>();
    private final Map<Integer, Long> scannedAtMs = new HashMap<>();
    private final Map<Integer, Long> scannedEpoch = new HashMap<>();
    /** Per owned partition, whether its last scan was past the takeover grace. */
    private final Set<Integer> scannedPastGrace = new HashSet<>();
    /**
     * Changes of {@code health/} keys this node's engine committed, in commit order, for the
     * scheduler ({@link #committed}); at most {@link #APPLIED_MAX}. A partition whose change found the
     * queue full is read again ({@link #appliedLost}).
     */
    private final java.util.concurrent.ConcurrentLinkedQueue<io.ringwork.core.record.Change> applied =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger appliedSize = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.ConcurrentHashMap.KeySetView<Integer, Boolean> appliedLost = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Per led partition that the plan gives to another node, since when (see {@link #round}). */
    private final Map<Integer, Long> handingOverSinceMs = new HashMap<>();
    static final long HANDOVER_PAUSE_MAX_MS = 10_000;
    /** Per led partition, when this node began leading it under its current term. */
    private final Map<Integer, Long> ledSinceMs = new HashMap<>();
    /** Per partition, when this node last stopped leading it, or the first check it then owed if earlier. */
    private final Map<Integer, Long> ledUntilMs = new HashMap<>();
    /**
     * What a takeover needs to know of the previous owner ({@link TakeoverGap}): per partition, the
     * owner this node's plan names, the one it named before, and since when it names this one; per
     * member, its state and when this node last saw it alive. Kept by the scheduler thread.
     */
    private final io.ringwork.core.health.OwnerHistory owners = new io.ringwork.core.health.OwnerHistory();
    private final Map<String, Long> aliveSeenMs = new HashMap<>();
    private final Map<String, MemberState> memberStates = new HashMap<>();
    /** Targets a takeover found unchecked since the previous owner stopped, checked at once; a counter. */
    private final LongAdder checksCaughtUp = new LongAdder();
    /** Transitions per target as this node learned them, newest last; guarded by {@link #gossip}. */
    private final Map<String, ArrayDeque<Transition>> history = new HashMap<>();
    private final LongAdder checksRun = new LongAdder(), checksLate = new LongAdder(), checksDropped = new LongAdder();
    /** Checks that got no answer (refused, reset, unreachable, timed out): a target's failure, or a lost check. */
    private final LongAdder checksUnanswered = new LongAdder();
    private final LongAdder transitionsMade = new LongAdder();
    private final Thread scheduler;
    private final io.ringwork.core.log.RecordLog log;
    /** Posts transitions to {@code --health-webhook}; null without one. */
    private volatile HealthWebhook webhook;
    private final LongAdder transitionAppendFailures = new LongAdder(), transitionsSuppressed = new LongAdder();
    private volatile boolean running = true;
    /**
     * Transitions waiting to go on the log, appended in batches by {@link #appender}. A check used
     * to append its transition itself and hold its check slot through a replicated append; the
     * first results of a registration of 30,000 targets (each a transition) then held the slots,
     * and checks ran late for minutes. Past {@link #APPEND_QUEUE_MAX} a check appends its own
     * (back pressure, nothing dropped).
     */
    private final java.util.concurrent.LinkedBlockingQueue<io.ringwork.core.record.NewRecord> transitionsToAppend =
            new java.util.concurrent.LinkedBlockingQueue<>(APPEND_QUEUE_MAX);
    static final int APPEND_QUEUE_MAX = 50_000, APPEND_BATCH_MAX = 256;
    private final Thread appender = Thread.ofVirtual().name("ringwork-health-appender").unstarted(this::appendLoop);

    public HealthService(String self, StateStore store, io.ringwork.core.log.RecordLog log, ClusterService cluster, int partitions,
                         Supplier<MembershipService> membership) {
        this.self = self;
        this.probe = new HealthProbe(self);
        this.store = store;
        this.log = log;
        this.cluster = cluster;
        this.partitioner = new Partitioner(partitions);
        this.membership = membership;
        this.gossip = new HealthGossip(System::currentTimeMillis, this::retransmits, this::record);
        this.scheduler = Thread.ofPlatform().daemon().name("ringwork-health-" + self).unstarted(this::run);
    }

    /**
     * Posts every transition of the targets this node checks to {@code url} ({@code --health-webhook};
     * see {@link HealthWebhook}). Call once, before or after {@link #start}; what is pending is found
     * at the next scan.
     */
    public void webhook(java.net.URI url) {
        String scheme = url.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
            throw new IllegalArgumentException("--health-webhook must be an http or https URL, got '" + url + "'");
        }
        webhook = new HealthWebhook(url, log, this::checksNow);
    }

    /** True when this node checks {@code id} now, under the term it still leads. */
    private boolean checksNow(String id) {
        Checked c = checked.get(id);
        if (c == null) return false;
        Term term = cluster.leading(c.partition);
        return term != null && term.epoch() == c.epoch;
    }

    /** Starts checking and rides on the membership's gossip; call once the membership runs. */
    public void start() {
        membership.get().delegate(new LockedDelegate());
        appender.start();
        scheduler.start();
    }

    // ---------------------------------------------------------------- scheduling

    private void run() {
        while (running) {
            try {
                round(System.currentTimeMillis());
                Thread.sleep(ROUND_MS);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // A store read failing during shutdown, or a bug: log and keep the other targets checked.
                if (running) LOG.warn("health round failed", e);
            }
        }
    }

    /**
     * One round: (1) forget partitions no longer led, (2) rescan led ones that are due, (3) start due
     * checks. Due checks also start between the pages of a rescan: at 100,000 targets a node that had
     * just joined spent whole seconds per round rescanning its new partitions (6,000 targets each,
     * on a cold JIT) and started checks only between rounds, at most one slot pool per round: it
     * checked 200 targets a second of the 1,000 it owned.
     */
    void round(long nowMs) {
        Map<Integer, Long> leadEpochs = new HashMap<>();
        for (int p = 0; p < partitioner.partitionCount(); p++) {
            Term term = cluster.leading(p);
            if (term != null) leadEpochs.put(p, term.epoch());
        }
        // Checks that fell due here and never started (every slot busy) are owed by the partition's next owner; when
        // that is this node again, its takeover window reaches back to the first of them. A node deposed seconds
        // into a takeover of thousands of targets had started few, and took the partition back at once.
        Map<Integer, Long> owedSinceMs = new HashMap<>();
        // Only when what this node leads changed: walking every target each round cost the scheduler a
        // share of its time at 100,000 targets. What it leaves behind in `due` is skipped there.
        if (!leadEpochs.equals(lastLeadEpochs)) {
            for (Iterator<Checked> it = checked.values().iterator(); it.hasNext(); ) {
                Checked c = it.next();
                if (Long.valueOf(c.epoch).equals(leadEpochs.get(c.partition))) continue;
                if (!c.running && c.nextDueMs <= nowMs) owedSinceMs.merge(c.partition, c.nextDueMs, Math::min);
                it.remove();
            }
            lastLeadEpochs = leadEpochs;
        }
        scanned.keySet().removeIf(p -> !leadEpochs.containsKey(p));
        scannedPastGrace.removeIf(p -> !leadEpochs.containsKey(p));
        for (Integer p : ledSinceMs.keySet()) {
            if (!leadEpochs.containsKey(p)) ledUntilMs.put(p, Math.min(nowMs, owedSinceMs.getOrDefault(p, nowMs)));
        }
        ledSinceMs.keySet().removeIf(p -> !leadEpochs.containsKey(p));
        OwnershipPlan plan = cluster.plan();
        observe(plan, nowMs);
        // A partition this node still leads but that its plan gives to another (it is leaving, or a joiner caught
        // up and the handoff is under way) starts no checks: the next owner starts once it leads, and checks at
        // once what fell due meanwhile (TakeoverGap). A handoff that takes longer than HANDOVER_PAUSE_MAX_MS gets
        // its checks back: two checkers are better than none.
        java.util.BitSet pausing = new java.util.BitSet();
        for (int p : leadEpochs.keySet()) {
            if (plan != null && p < plan.partitionCount() && !self.equals(plan.owner(p))) {
                long since = handingOverSinceMs.computeIfAbsent(p, k -> {
                    LOG.info("partition {} goes to {}: its health checks stop here for at most {} ms", k, plan.owner(k),
                            HANDOVER_PAUSE_MAX_MS);
                    return nowMs;
                });
                if (nowMs - since < HANDOVER_PAUSE_MAX_MS) pausing.set(p);
            } else {
                handingOverSinceMs.remove(p);
            }
        }
        handingOverSinceMs.keySet().removeIf(p -> !leadEpochs.containsKey(p));
        handingOver = pausing;
        takeApplied(leadEpochs, nowMs);
        // Every partition under a new term is scanned now (a takeover); of the others due, only the one
        // scanned longest ago, so that rescans of partitions whose digest keeps moving do not fill the round.
        int oldestDue = -1;
        for (Map.Entry<Integer, Long> lead : leadEpochs.entrySet()) {
            int p = lead.getKey();
            if (!lead.getValue().equals(scannedEpoch.get(p))) {
                rescan(p, lead.getValue(), nowMs, takeoverGap(p, nowMs));
                continue;
            }
            long sinceScanMs = nowMs - scannedAtMs.getOrDefault(p, 0L);
            boolean due = sinceScanMs >= FULL_RESCAN_MS || (sinceScanMs >= RESCAN_MS
                    && (appliedLost.contains(p) || graceEndedSinceScan(p, nowMs)));
            if (due && (oldestDue < 0 || scannedAtMs.getOrDefault(p, 0L) < scannedAtMs.getOrDefault(oldestDue, 0L))) oldestDue = p;
        }
        if (oldestDue >= 0) rescan(oldestDue, leadEpochs.get(oldestDue), nowMs, TakeoverGap.NONE);
        startDueChecks(System.currentTimeMillis());
    }

    /** The partitions whose checks wait for a handoff, as the last round found them; the scheduler's. */
    private java.util.BitSet handingOver = new java.util.BitSet();
    /** When {@link #startDueChecks} last ran; the scheduler's. */
    private long dueChecksStartedMs;

    /** Starts the checks that are due, as slots allow (a due check without a slot waits for the next call). */
    private void startDueChecks(long nowMs) {
        dueChecksStartedMs = nowMs;
        // Entries of targets no longer checked pile up in `due` when partitions move often and intervals are long.
        if (due.size() > 2 * checked.size() + 1_024) {
            due.clear();
            due.addAll(checked.values());
        }
        List<Checked> waiting = new ArrayList<>();
        while (!due.isEmpty() && due.peek().nextDueMs <= nowMs) {
            Checked c = due.peek();
            if (checked.get(c.target.id()) != c) { // no longer checked, or under another term
                due.poll();
                continue;
            }
            if (c.running || handingOver.get(c.partition)) { // due again next round
                waiting.add(due.poll());
                continue;
            }
            if (!slots.tryAcquire()) {
                checksLate.increment();
                break;
            }
            due.poll();
            c.running = true;
            // The next grid point after this one was due (a slow check keeps the rate), and at least half an
            // interval away (a round that ran late does not check twice in a row).
            c.nextDueMs = nextOnGrid(c.target, Math.max(c.nextDueMs + 1, nowMs + c.target.intervalMs() / 2));
            due.add(c);
            HealthTarget target = c.target;
            checks.execute(() -> {
                try {
                    HealthProbe.Outcome outcome = probe.check(target);
                    finish(c, target, outcome);
                } finally {
                    slots.release();
                }
            });
        }
        due.addAll(waiting);
    }

    /** Notes changes of the partitions' owners in the plan, and which members this node sees alive. */
    private void observe(OwnershipPlan plan, long nowMs) {
        MembershipService m = membership.get();
        if (m != null) {
            // Members reaped from the list drop out of both maps (a failed owner's last sighting is kept for an hour).
            memberStates.clear();
            aliveSeenMs.values().removeIf(seenMs -> nowMs - seenMs > 3_600_000);
            for (Member member : m.members()) {
                memberStates.put(member.id(), member.state());
                if (member.state() == MemberState.ALIVE) aliveSeenMs.put(member.id(), nowMs);
            }
        }
        if (plan == null) return;
        for (int p = 0; p < plan.partitionCount(); p++) {
            String owner = plan.owner(p);
            // When the plan changed, not when this round saw it: a round that rescanned partitions taken over
            // can come seconds after the plan, and the old owner paused at the plan.
            long hostNamedMs = cluster.ownerNamedMs(p);
            owners.observe(p, owner, hostNamedMs == Long.MIN_VALUE ? nowMs : Math.min(nowMs, hostNamedMs));
        }
    }

    /**
     * The window in which the previous owner of {@code p}, which this node now leads under a new
     * term, left its targets unchecked: {@link TakeoverGap#NONE} when this node led p until now or
     * its plan does not name it.
     */
    private TakeoverGap takeoverGap(int p, long nowMs) {
        if (ledSinceMs.containsKey(p) || !self.equals(owners.owner(p))) return TakeoverGap.NONE;
        String previous = owners.previousOwner(p);
        Long lastAliveMs = previous == null || previous.equals(self) || memberStates.get(previous) == MemberState.ALIVE
                ? null : aliveSeenMs.get(previous);
        MembershipService m = membership.get();
        long failureMarginMs = m == null ? 0 : FAILURE_MARGIN_PERIODS * m.config().probeIntervalMs();
        long startedMs = cluster.startedAtMs(p);
        return TakeoverGap.of(nowMs, owners.ownerNamedMs(p, nowMs), cluster.readyPublishedMs(p), startedMs == Long.MIN_VALUE ? nowMs : startedMs,
                owners.previousOwnerMovedMs(p), lastAliveMs,
                new TakeoverGap.Bounds(failureMarginMs, HANDOFF_MARGIN_MS, HANDOVER_PAUSE_MAX_MS, FRESH_OWNER_MS), ledUntilMs.get(p));
    }

    /**
     * How many protocol periods before a failed owner was last seen alive it may have died: a
     * survivor probes each of the others within a round of periods, and a failed probe makes it
     * suspect by the end of its period (3 on a cluster of 3).
     */
    static final int FAILURE_MARGIN_PERIODS = 3;
    /**
     * How much earlier than this node's plan changed a handoff's old owner may have stopped checking:
     * the plan changes on each node as gossip arrives. (A joiner's own plan can lag by more; its
     * published readiness bounds that case, {@link TakeoverGap}.) At 250 ms a joiner at 100,000
     * targets on 2 cores opened its windows 130 to 516 ms after the old owners had paused, and 142
     * targets due in between waited two intervals. A target checked in the extra time is checked
     * twice, about 200 per partition handed off at that load.
     */
    static final long HANDOFF_MARGIN_MS = 1_000;
    /**
     * How long after this node's plan named a partition's owner that owner counts as fresh: one
     * that fails or hands the partition on within it may not have made the checks its own takeover
     * found due (on a saturated host a new owner took seconds over its first thousand, and a joiner
     * was deposed 19.5 s after the plan named it, 14 s after it started), so its successor checks
     * everything due since it could have started ({@link TakeoverGap}).
     */
    static final long FRESH_OWNER_MS = 30_000;

    /** Whether a scan before the webhook's takeover grace ended left pending transitions unposted that one now would post. */
    private boolean graceEndedSinceScan(int partition, long nowMs) {
        return webhook != null && !scannedPastGrace.contains(partition)
                && nowMs - ledSinceMs.getOrDefault(partition, nowMs) >= WEBHOOK_TAKEOVER_GRACE_MS;
    }

    /**
     * Told of every commit of this node's engine (on its commit thread, holding no lock): keeps the
     * changes of health targets for the scheduler, which applies them to what it checks and hands
     * their pending transitions to the webhook ({@link #takeApplied}). Quick, never blocks.
     */
    public void committed(List<io.ringwork.core.record.FeedEntry> changes) {
        for (io.ringwork.core.record.FeedEntry entry : changes) {
            io.ringwork.core.record.Change change = entry.change();
            if (!change.key().startsWith(HealthTarget.KEY_PREFIX)) continue;
            if (appliedSize.incrementAndGet() > APPLIED_MAX) {
                appliedSize.decrementAndGet();
                appliedLost.add(change.partition());
                continue;
            }
            applied.add(change);
        }
    }

    /**
     * Applies the committed changes of the partitions this node has scanned under the term it leads
     * them: a target added or redefined is checked (from its next grid point), one deleted gets a
     * REMOVED result, and a transition pending in the new state goes to the webhook once the
     * takeover grace is over. Changes of a partition not yet scanned under its term are passed over:
     * its scan reads them from the store. The queue is in commit order, so a key's last change wins.
     */
    private void takeApplied(Map<Integer, Long> leadEpochs, long nowMs) {
        HealthWebhook hook = webhook;
        io.ringwork.core.record.Change change;
        while ((change = applied.poll()) != null) {
            appliedSize.decrementAndGet();
            int partition = change.partition();
            Long epoch = leadEpochs.get(partition);
            if (epoch == null || !epoch.equals(scannedEpoch.get(partition))) continue;
            String id = change.key().substring(HealthTarget.KEY_PREFIX.length());
            Set<String> ids = scanned.computeIfAbsent(partition, k -> new HashSet<>());
            if (change.tombstone() || change.valueJson() == null) {
                Checked c = checked.remove(id);
                ids.remove(id);
                if (c != null && c.epoch == epoch) announceRemoved(List.of(id), epoch, nowMs);
                continue;
            }
            if (!change.type().startsWith(HealthProcessor.NAME + ".")) continue; // not the health processor's: the next full scan judges it
            JsonNode json = JsonStateCodec.INSTANCE.decode(change.valueJson());
            HealthTarget target;
            try {
                target = HealthTarget.parse(null, json.path("target"));
            } catch (HealthTarget.Invalid e) {
                LOG.warn("stored target {} is not valid, not checked: {}", change.key(), e.getMessage());
                continue;
            }
            Checked c = checked.get(id);
            if (c != null && c.epoch == epoch) {
                c.target = target; // a redefinition takes effect at the next check
            } else {
                startChecking(target, partition, epoch, nowMs, nextOnGrid(target, nowMs));
                ids.add(id);
            }
            // Also when nothing is pending: the webhook then forgets its marks of the target's posted transitions.
            if (hook != null && nowMs - ledSinceMs.getOrDefault(partition, nowMs) >= WEBHOOK_TAKEOVER_GRACE_MS) {
                hook.pending(target, json.path("pending"));
            }
        }
    }

    /** Reads the partition's targets from the store and reconciles what this node checks with them. */
    private void rescan(int partition, long epoch, long nowMs, TakeoverGap gap) {
        // Before the read: a change that is lost from now on is lost after it, and reads the partition again.
        appliedLost.remove(partition);
        Map<String, HealthTarget> found = new HashMap<>();
        Map<HealthTarget, JsonNode> pendingFound = new HashMap<>();
        if (!Long.valueOf(epoch).equals(scannedEpoch.get(partition))) ledSinceMs.put(partition, nowMs);
        boolean postPending = nowMs - ledSinceMs.getOrDefault(partition, nowMs) >= WEBHOOK_TAKEOVER_GRACE_MS;
        String after = null;
        scan:
        while (true) {
            List<WriteSet.StateWrite> page = store.scanPrefix(partition, HealthTarget.KEY_PREFIX, after, SCAN_PAGE);
            for (WriteSet.StateWrite write : page) {
                if (!write.key().startsWith(HealthTarget.KEY_PREFIX)) break scan;
                after = write.key();
                if (write.state().tombstone() || !HealthProcessor.NAME.equals(write.state().processor())) continue;
                JsonNode json = JsonStateCodec.INSTANCE.decode(write.state().value());
                try {
                    HealthTarget target = HealthTarget.parse(null, json.path("target"));
                    HealthWebhook hook = webhook;
                    if (hook != null && postPending && json.path("pending").size() > 0) pendingFound.put(target, json.path("pending"));
                    found.put(target.id(), target);
                } catch (HealthTarget.Invalid e) {
                    LOG.warn("stored target {} is not valid, not checked: {}", write.key(), e.getMessage());
                }
            }
            if (page.size() < SCAN_PAGE) break;
            long now = System.currentTimeMillis();
            if (now - dueChecksStartedMs >= ROUND_MS) startDueChecks(now);
        }
        int caughtUp = 0;
        for (HealthTarget target : found.values()) {
            Checked c = checked.get(target.id());
            if (c != null && c.epoch == epoch) {
                c.target = target; // a redefinition takes effect at the next check
                continue;
            }
            // A new owner checks at the old one's rhythm, but a grid point the old one missed (it died, or
            // stopped for a handoff) is checked now: waiting for the next one left targets unchecked for two intervals.
            long nextDueMs = nextOnGrid(target, nowMs);
            if (nextDueMs > nowMs && gap.missed(nextDueMs - target.intervalMs())) {
                nextDueMs = owedCheckAtMs(target, nowMs);
                caughtUp++;
            }
            startChecking(target, partition, epoch, nowMs, nextDueMs);
        }
        if (gap != TakeoverGap.NONE) {
            checksCaughtUp.add(caughtUp);
            LOG.info("took over the health checks of partition {} (previous owner {}): {} of {} targets missed a check "
                    + "in the {} ms before the takeover, checked now", partition, owners.previousOwner(partition), caughtUp,
                    found.size(), gap.untilMs() - gap.fromMs());
        }
        removeGone(partition, epoch, found.keySet(), nowMs);
        HealthWebhook hook = webhook;
        // After the reconcile above, so that the webhook's ownership check sees these targets as checked here.
        if (hook != null) pendingFound.forEach(hook::pending);
        scanned.put(partition, new HashSet<>(found.keySet()));
        scannedAtMs.put(partition, nowMs);
        scannedEpoch.put(partition, epoch);
        if (postPending) scannedPastGrace.add(partition);
        else scannedPastGrace.remove(partition);
    }

    /**
     * The first check time at or after {@code afterMs} on the target's grid: every checker checks a
     * target at the times congruent to a phase given by a hash of its id, modulo its interval. The
     * phases spread a node's checks over the interval, and since every checker uses the same grid,
     * a new owner (after a handoff or a failover) checks at the old owner's rhythm: no check twice
     * in a row from both, and the first one at most one interval after the takeover.
     */
    static long nextOnGrid(HealthTarget target, long afterMs) {
        long interval = target.intervalMs();
        long phase = Math.floorMod(target.id().hashCode() * 0x9E3779B97F4A7C15L, interval);
        return afterMs + Math.floorMod(phase - afterMs, interval);
    }

    /**
     * When a takeover checks a target whose grid point the previous owner missed: within the next
     * {@link #OWED_SPREAD_MAX_MS} (a tenth of the interval if that is less), at an offset given by
     * the target's id. All at once, a kill's successors queued 1,500 owed checks per partition ahead
     * of every regular check and opened as many connections to the targets' hosts in one round;
     * spread, the regular checks that fall due meanwhile take their turn among them.
     */
    static long owedCheckAtMs(HealthTarget target, long nowMs) {
        long spread = Math.max(1, Math.min(OWED_SPREAD_MAX_MS, target.intervalMs() / 10));
        return nowMs + Math.floorMod(target.id().hashCode() * 0xC2B2AE3D27D4EB4FL, spread);
    }

    /**
     * Targets this node checked in the partition under this very term and no longer finds were
     * deleted: a REMOVED result says so. Only those: a target this owner never checked may be
     * missing from its store for a moment after a takeover (a replica still catching up), and
     * declaring it removed would show it gone on every node and restart it as a new target.
     */
    private void removeGone(int partition, long epoch, Set<String> present, long nowMs) {
        // Every target checked for the partition was found by its previous scan: only those can be gone.
        List<String> gone = new ArrayList<>();
        for (String id : scanned.getOrDefault(partition, Set.of())) {
            if (present.contains(id)) continue;
            Checked c = checked.get(id);
            if (c == null || c.partition != partition) continue;
            checked.remove(id);
            if (c.epoch == epoch) gone.add(id);
        }
        announceRemoved(gone, epoch, nowMs);
    }

    /** Gossips that the targets, which this node checked under {@code epoch}, were deleted. */
    private void announceRemoved(List<String> ids, long epoch, long nowMs) {
        synchronized (gossip) {
            for (String id : ids) {
                gossip.local(id, new HealthResult(Status.REMOVED, nowMs, -1, "", new HealthResult.Stamp(epoch, gossip.tick(), self)));
            }
        }
    }

    /** Starts checking a target under {@code epoch} from {@code nextDueMs}, resuming the status last gossiped for it. */
    private void startChecking(HealthTarget target, int partition, long epoch, long nowMs, long nextDueMs) {
        HealthResult last;
        synchronized (gossip) {
            last = gossip.map().get(target.id());
        }
        Checked added = new Checked(target, partition, epoch, CheckStreak.resume(last, nowMs), nextDueMs);
        checked.put(target.id(), added);
        due.add(added);
    }

    /** A check ended: moves the streak and publishes the result, unless the term it ran under ended meanwhile. */
    private void finish(Checked c, HealthTarget target, HealthProbe.Outcome outcome) {
        long nowMs = System.currentTimeMillis();
        checksRun.increment();
        if (outcome.latencyMs() < 0) checksUnanswered.increment();
        Term term = cluster.leading(c.partition);
        if (term == null || term.epoch() != c.epoch) {
            checksDropped.increment();
            c.running = false;
            return;
        }
        String transition;
        boolean statusChanged;
        synchronized (gossip) {
            CheckStreak before = c.streak;
            CheckStreak after = before.after(outcome.passed(), target, nowMs);
            c.streak = after;
            HealthResult previous = gossip.map().get(target.id());
            HealthResult result = new HealthResult(after.status(), after.sinceMs(), outcome.latencyMs(), outcome.error(),
                    new HealthResult.Stamp(c.epoch, gossip.tick(), self), target.intervalMs(), target.labels(), after.flapping());
            // News goes out at once: a change of status or error, of definition, or of checker (a takeover, so
            // every node learns who vouches for the target now); the rest waits for the push-pull pages.
            boolean news = previous == null || previous.status() != result.status() || !previous.error().equals(result.error())
                    || !previous.stamp().checker().equals(self) || previous.stamp().epoch() != c.epoch
                    || previous.intervalMs() != result.intervalMs() || !previous.labels().equals(result.labels())
                    || previous.flapping() != result.flapping();
            // A known target's change of status is urgent; a new target's first result is ordinary news (a registration
            // of 100,000 would otherwise fill the urgent queue ahead of real changes).
            statusChanged = previous != null && (previous.status() != result.status() || previous.flapping() != result.flapping());
            if (statusChanged) gossip.urgent(target.id(), result);
            else if (news) gossip.local(target.id(), result);
            else gossip.quiet(target.id(), result);
            // Flap damping: while a target flaps its status changes are shown but raise no transition (no
            // alert); starting to flap is one transition ("flapping"), and stopping one to the status it settled on.
            if (before.flapping() != after.flapping()) {
                transition = after.flapping() ? "flapping" : after.status().name().toLowerCase(java.util.Locale.ROOT);
            } else if (before.changedTo(after) && !after.flapping()) {
                transition = after.status().name().toLowerCase(java.util.Locale.ROOT);
            } else {
                if (before.changedTo(after)) transitionsSuppressed.increment();
                transition = null;
            }
        }
        c.running = false;
        // A change of status goes to every member at once, not only to the next gossip round's sample:
        // "which targets are unhealthy" is then the same on every node within a round trip (issue 22).
        if (statusChanged) {
            MembershipService m = membership.get();
            if (m != null) m.broadcastNow();
        }
        if (transition != null) appendTransition(target, c.epoch, transition, nowMs, outcome.error());
    }

    /**
     * Puts a transition on the log ({@code health.transition}), from which the target's state, the
     * change feed and the webhook take it: queued for {@link #appendLoop}, which keeps the order in
     * which checks ended (a target's next transition is at least half an interval later anyway).
     */
    private void appendTransition(HealthTarget target, long epoch, String status, long atMs, String error) {
        transitionsMade.increment();
        ObjectNode data = JsonStateCodec.mapper().createObjectNode().put("id", epoch + "-" + atMs)
                .put("status", status).put("sinceMs", atMs).put("checker", self).put("epoch", epoch).put("error", error);
        byte[] bytes = data.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        io.ringwork.core.record.NewRecord record = new io.ringwork.core.record.NewRecord(HealthTarget.key(target.id()), HealthProcessor.TRANSITION, null, bytes);
        if (!transitionsToAppend.offer(record)) appendAll(List.of(record));
    }

    /** Appends queued transitions in batches until closed; what is queued at the close is appended first. */
    private void appendLoop() {
        List<io.ringwork.core.record.NewRecord> batch = new ArrayList<>();
        while (running || !transitionsToAppend.isEmpty()) {
            try {
                io.ringwork.core.record.NewRecord first = transitionsToAppend.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                transitionsToAppend.drainTo(batch, APPEND_BATCH_MAX - 1);
                appendAll(batch);
                batch.clear();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Appends the records, trying twice more when the append fails; one that may have happened and
     * is tried again is harmless (the processor takes a transition once).
     */
    private void appendAll(List<io.ringwork.core.record.NewRecord> records) {
        for (int attempt = 1; attempt <= 3; attempt++) {
            try {
                log.append(records);
                return;
            } catch (RuntimeException e) {
                if (attempt == 3) {
                    transitionAppendFailures.add(records.size());
                    LOG.warn("could not put {} transitions (the first of {}) on the log: {}", records.size(), records.getFirst().key(), e.toString());
                }
            }
        }
    }

    /** The gossip listener: keeps each target's transitions as this node learns them. Called under the gossip monitor. */
    private void record(String target, HealthResult before, HealthResult after) {
        if (before != null && before.status() == after.status() && before.sinceMs() == after.sinceMs()) return;
        ArrayDeque<Transition> kept = history.computeIfAbsent(target, t -> new ArrayDeque<>());
        kept.addLast(new Transition(after.status(), after.sinceMs(), after.stamp().checker(), after.error(), System.currentTimeMillis()));
        while (kept.size() > HISTORY_MAX) kept.removeFirst();
    }

    private int retransmits() {
        MembershipService m = membership.get();
        int active = m == null ? 1 : (int) m.members().stream().filter(member -> member.state().isActive()).count();
        // One send to each other member for the direct push of a change of status (broadcastNow), then the
        // epidemic's O(log N) as gossip for those that missed it.
        return active - 1 + 4 * (int) Math.ceil(Math.log10(active + 1.0));
    }

    // ---------------------------------------------------------------- reading

    /** One target as this node knows it. */
    public record View(String id, Status status, HealthResult result, List<Transition> history) {}

    /**
     * The status to show for a result: its own, unless nothing vouches for it any more. A result is
     * vouched for while its checker is a live member that owns the target's partition by this
     * node's plan (it keeps checking, and gossips every change), or while it is younger than two
     * intervals. Otherwise {@code UNKNOWN}: a target is never shown healthy because its checker died.
     */
    public Status shown(String id, HealthResult result, long nowMs) {
        if (result.status() == Status.REMOVED || result.status() == Status.UNKNOWN) return result.status();
        if (result.intervalMs() > 0 && nowMs - result.checkedAtMs() <= 2 * result.intervalMs()) return result.status();
        OwnershipPlan plan = cluster.plan();
        String owner = plan == null ? self : plan.owner(partitioner.partitionOf(HealthTarget.key(id)));
        return result.stamp().checker().equals(owner) && live(owner) ? result.status() : Status.UNKNOWN;
    }

    private boolean live(String member) {
        if (member.equals(self)) return true;
        MembershipService m = membership.get();
        if (m == null) return false;
        for (Member each : m.members()) if (each.id().equals(member)) return each.state().isActive();
        return false;
    }

    /** Every target not removed, in id order. */
    public List<View> list(long nowMs) {
        // Only the copy is made under the gossip's monitor (checks and gossip wait on it); what is shown is worked out after.
        List<String> ids = new ArrayList<>();
        List<HealthResult> results = new ArrayList<>();
        synchronized (gossip) {
            gossip.map().forEach((id, result) -> {
                if (result.status() == Status.REMOVED) return;
                ids.add(id);
                results.add(result);
            });
        }
        List<View> views = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) views.add(new View(ids.get(i), shown(ids.get(i), results.get(i), nowMs), results.get(i), List.of()));
        return views;
    }

    /** One target with its transitions, or null when this node knows nothing of it (or it was removed). */
    public View get(String id, long nowMs) {
        synchronized (gossip) {
            HealthResult result = gossip.map().get(id);
            if (result == null || result.status() == Status.REMOVED) return null;
            ArrayDeque<Transition> kept = history.get(id);
            return new View(id, shown(id, result, nowMs), result, kept == null ? List.of() : List.copyOf(kept));
        }
    }

    /**
     * The share of {@code windowMs} before {@code nowMs} in which the target was healthy, among the
     * time its status was known (healthy or unhealthy) by the transitions this node saw; -1 when
     * none of the window is known.
     */
    public static double uptime(List<Transition> history, long nowMs, long windowMs) {
        long from = nowMs - windowMs;
        long healthy = 0, known = 0;
        for (int i = 0; i < history.size(); i++) {
            Transition t = history.get(i);
            long start = Math.max(from, t.sinceMs());
            long end = i + 1 < history.size() ? history.get(i + 1).sinceMs() : nowMs;
            if (end <= start || t.status() == Status.UNKNOWN || t.status() == Status.REMOVED) continue;
            known += end - start;
            if (t.status() == Status.HEALTHY) healthy += end - start;
        }
        return known == 0 ? -1 : (double) healthy / known;
    }

    public long checksRun() {
        return checksRun.sum();
    }

    public long checksLate() {
        return checksLate.sum();
    }

    /** Checks that got no answer at all: a connection refused, reset or unreachable, or the target's timeout. */
    public long checksUnanswered() {
        return checksUnanswered.sum();
    }

    /** Targets a takeover checked at once because the previous owner missed their last grid point. */
    public long checksCaughtUp() {
        return checksCaughtUp.sum();
    }

    public long checksDropped() {
        return checksDropped.sum();
    }

    public long transitions() {
        return transitionsMade.sum();
    }

    /** Status changes of flapping targets, shown but raised as no transition. */
    public long transitionsSuppressed() {
        return transitionsSuppressed.sum();
    }

    /** Transitions posted to the webhook and taken (2xx); 0 without one. */
    public long webhookPosted() {
        HealthWebhook hook = webhook;
        return hook == null ? 0 : hook.posted();
    }

    /** Webhook posts that failed (each retried). */
    public long webhookFailures() {
        HealthWebhook hook = webhook;
        return hook == null ? 0 : hook.failures();
    }

    /** Targets this node checks now. */
    public int checking() {
        return checked.size();
    }

    public int known() {
        synchronized (gossip) {
            return gossip.map().size();
        }
    }

    public long gossipMerged() {
        synchronized (gossip) {
            return gossip.merged();
        }
    }

    @Override
    public void close() {
        running = false;
        scheduler.interrupt();
        try {
            appender.join(2_000); // what was queued goes on the log before the node leaves
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            scheduler.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        checks.shutdownNow();
        probe.close();
        HealthWebhook hook = webhook;
        if (hook != null) hook.close();
    }

    /** The gossip as the membership's delegate, each call under the gossip's monitor. */
    private final class LockedDelegate implements io.ringwork.core.membership.Membership.Delegate {
        @Override
        public boolean hasBroadcasts() {
            synchronized (gossip) {
                return gossip.hasBroadcasts();
            }
        }

        @Override
        public byte[] broadcast(int budgetBytes) {
            synchronized (gossip) {
                return gossip.broadcast(budgetBytes);
            }
        }

        @Override
        public void notifyMsg(byte[] payload) {
            synchronized (gossip) {
                gossip.notifyMsg(payload);
            }
        }

        @Override
        public byte[] localState(int budgetBytes) {
            synchronized (gossip) {
                return gossip.localState(Math.min(budgetBytes, 512 << 10));
            }
        }

        @Override
        public void mergeRemoteState(byte[] state) {
            synchronized (gossip) {
                gossip.mergeRemoteState(state);
            }
        }
    }
}
