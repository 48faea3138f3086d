package io.ringwork.harness.membership;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Real processes on loopback: five {@link MemberMain} JVMs converge, then one is killed with
 * SIGKILL and another stopped with SIGSTOP for 3 s and continued. Prints detection times (from
 * the parent's clock, as it reads the children's event lines) and false positives: FAILED events
 * about members that were neither killed nor stopped. Usage: {@code LoopbackReport [periodMs...]}
 * (default 200 and 1000).
 */
public final class LoopbackReport {
    private static final int NODES = 5;
    private static final long STOP_MS = 3_000;

    private LoopbackReport() {}

    public static void main(String[] args) throws Exception {
        List<Integer> periods = new ArrayList<>();
        for (String arg : args) periods.add(Integer.parseInt(arg));
        if (periods.isEmpty()) periods = List.of(200, 1000);
        System.out.println("# ringwork membership on loopback: " + NODES + " JVMs, kill -9 p4, SIGSTOP p3 for " + STOP_MS + " ms");
        for (int periodMs : periods) run(periodMs);
    }

    private static void run(int periodMs) throws Exception {
        List<MemberProcess> processes = new ArrayList<>();
        try {
            int seedPort = MemberProcess.freePort();
            processes.add(MemberProcess.start("p0", seedPort, "-", periodMs));
            for (int i = 1; i < NODES; i++) {
                processes.add(MemberProcess.start("p" + i, MemberProcess.freePort(), "127.0.0.1:" + seedPort, periodMs));
            }
            for (MemberProcess process : processes) {
                if (process.await(LoopbackReport::showsAllAlive, Duration.ofSeconds(60)) == null) {
                    throw new IllegalStateException(process.id() + " did not converge: " + process.lines());
                }
            }
            List<MemberProcess> survivors = processes.subList(0, 3);
            System.out.printf(Locale.ROOT, "%n## period %d ms (fast-profile ratios: probe timeout %d ms, suspicion min 4*log10(N)*period)%n",
                    periodMs, periodMs / 2);

            long killedAtMs = MemberProcess.nowMs();
            processes.get(4).kill();
            Thread.sleep(Math.max(10_000, 40L * periodMs));
            printDetection("kill -9 p4", "p4", survivors, killedAtMs);

            long stoppedAtMs = MemberProcess.nowMs();
            processes.get(3).signalStop(true);
            Thread.sleep(STOP_MS);
            processes.get(3).signalStop(false);
            long continuedAtMs = MemberProcess.nowMs();
            Thread.sleep(Math.max(10_000, 20L * periodMs));
            printDetection("SIGSTOP p3", "p3", survivors, stoppedAtMs);
            printRecovery(survivors, continuedAtMs);
            printFalsePositives(processes);
        } finally {
            processes.forEach(MemberProcess::kill);
        }
    }

    private static boolean showsAllAlive(String line) {
        if (!line.startsWith("VIEW")) return false;
        for (int i = 0; i < NODES; i++) if (!line.contains("p" + i + "=ALIVE")) return false;
        return true;
    }

    private static void printDetection(String fault, String victim, List<MemberProcess> survivors, long sinceMs) {
        long firstSuspect = Long.MAX_VALUE, firstDead = Long.MAX_VALUE, lastDead = -1;
        int declaredDead = 0;
        for (MemberProcess survivor : survivors) {
            MemberProcess.Line suspect = survivor.firstEvent("SUSPECT", victim, sinceMs);
            MemberProcess.Line failed = survivor.firstEvent("FAILED", victim, sinceMs);
            if (suspect != null) firstSuspect = Math.min(firstSuspect, suspect.atMs() - sinceMs);
            if (failed != null) {
                declaredDead++;
                firstDead = Math.min(firstDead, failed.atMs() - sinceMs);
                lastDead = Math.max(lastDead, failed.atMs() - sinceMs);
            }
        }
        System.out.printf(Locale.ROOT, "%-11s first suspect %s, first dead %s, declared dead by %d of %d%s%n", fault,
                ms(firstSuspect), ms(firstDead), declaredDead, survivors.size(),
                declaredDead == survivors.size() ? ", all by " + ms(lastDead) : "");
    }

    /** When each survivor saw the stopped node alive again (JOINED or UPDATED after SIGCONT). */
    private static void printRecovery(List<MemberProcess> survivors, long continuedAtMs) {
        long last = -1;
        int recovered = 0;
        for (MemberProcess survivor : survivors) {
            MemberProcess.Line joined = survivor.firstEvent("JOINED", "p3", continuedAtMs);
            MemberProcess.Line updated = survivor.firstEvent("UPDATED", "p3", continuedAtMs);
            MemberProcess.Line back = joined == null ? updated : updated == null ? joined
                    : joined.atMs() <= updated.atMs() ? joined : updated;
            if (back != null) {
                recovered++;
                last = Math.max(last, back.atMs() - continuedAtMs);
            }
        }
        System.out.printf(Locale.ROOT, "%-11s seen alive again by %d of %d, the last %s after SIGCONT%n", "",
                recovered, survivors.size(), last < 0 ? "-" : ms(last));
    }

    private static void printFalsePositives(List<MemberProcess> processes) {
        int falsePositives = 0;
        for (MemberProcess observer : processes) {
            for (MemberProcess.Line line : observer.lines()) {
                String[] parts = line.text().split(" ");
                boolean failedEvent = parts.length >= 4 && parts[0].equals("EVENT") && parts[2].equals("FAILED");
                if (failedEvent && !parts[3].equals("p3") && !parts[3].equals("p4")) falsePositives++;
            }
        }
        System.out.printf(Locale.ROOT, "%-11s FAILED events about p0..p2 (never faulted): %d%n", "false pos.", falsePositives);
    }

    private static String ms(long value) {
        return value == Long.MAX_VALUE || value < 0 ? "-" : value + " ms";
    }
}
