package io.ringwork.harness.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ringwork.harness.chaos.FaultSchedule.Fault;
import io.ringwork.harness.chaos.FaultSchedule.Kind;
import io.ringwork.harness.chaos.FaultSchedule.Plan;
import io.ringwork.harness.netns.NetworkNamespaces.Direction;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling upgrade (issue 23, item 8): builds the previous release from this repository's
 * history, runs 3 nodes of it under load, then replaces them one at a time (a graceful stop, the
 * new release started on the same data directory and ports, the next only once the cluster
 * settled) and checks the run as every chaos run is checked: nothing lost, duplicated,
 * reordered or divergent, every document equal to the sequential fold.
 *
 * <p>The previous release is the commit in {@code -Dringwork.upgrade.from} (default
 * {@link #PREVIOUS_RELEASE}), exported with {@code git archive} and built with its own launcher.
 * Several minutes (a build and a 40 s run), so it runs with {@code -Pslow}; without git or the
 * repository's history it is skipped with the reason.
 */
@Tag("slow")
class RollingUpgradeTest {
    /** The release before this one: the last commit of 2026-12-06. */
    static final String PREVIOUS_RELEASE = "9f148cc194718c4dcc792865a5ea1dfeff5b5f39";

    @Test
    @Timeout(2400)
    void threeNodesReplacedOneAtATimeUnderLoadLoseNothing(@TempDir Path work) throws Exception {
        String from = System.getProperty("ringwork.upgrade.from", PREVIOUS_RELEASE);
        Path repo = repositoryRoot();
        assumeTrue(repo != null, "the rolling-upgrade test needs this project's git checkout (with its history)");
        assumeTrue(run(repo, 60, "git", "cat-file", "-e", from + "^{commit}") == 0,
                "commit " + from + " is not in this checkout (a shallow clone?); fetch the history or set -Dringwork.upgrade.from");

        Path old = work.resolve("previous-release");
        Files.createDirectories(old);
        assertThat(run(repo, 120, "sh", "-c", "git archive --format=tar " + from + " | tar -xf - -C '" + old + "'"))
                .as("git archive of %s", from).isZero();
        System.out.println("building the previous release " + from + " in " + old + " ...");
        assertThat(run(old, 1800, "./ringwork", "mvn", "-q", "-B", "-DskipTests", "-pl", "ringwork-runtime", "-am", "package"))
                .as("the previous release's build (see its output above)").isZero();
        String oldClasspath = old.resolve("ringwork-runtime/target/ringwork-runtime.jar") + File.pathSeparator
                + old.resolve("ringwork-runtime/target/lib") + File.separator + "*";

        Path runDir = work.resolve("run");
        Files.createDirectories(runDir);
        UpgradePlacement placement = new UpgradePlacement(NodePlacement.loopback(runDir), oldClasspath);
        // One node at a time; each restart waits for the cluster to settle after the one before.
        Plan plan = new Plan(List.of(new Fault(8_000, Kind.RESTART, "n1", 1_000), new Fault(16_000, Kind.RESTART, "n2", 1_000),
                new Fault(24_000, Kind.RESTART, "n3", 1_000)), List.of(), List.of("n1", "n2", "n3"));
        ChaosRun.Config config = new ChaosRun.Config(3, 36_000, List.of(Kind.RESTART, Kind.RESTART, Kind.RESTART), 23, 1_000,
                16, 10, 200, 0.005, 500, 180_000);
        ChaosRun chaos = new ChaosRun(config, plan, placement, runDir, System.out);
        int code = chaos.run();

        ChaosFigures figures = chaos.figures();
        assertThat(figures).as("the run got to its checks").isNotNull();
        assertThat(figures.anomalies()).as("anomalies by name").containsOnly(Map.entry("lost", 0L), Map.entry("duplicated", 0L),
                Map.entry("reordered", 0L), Map.entry("divergent", 0L));
        assertThat(figures.drained()).as("every node caught up").isTrue();
        assertThat(code).isZero();
        assertThat(placement.startedOld).as("the first start of each node ran the previous release")
                .containsExactlyInAnyOrder("n1", "n2", "n3");
        assertThat(placement.upgraded).as("every node was restarted on this release").containsExactlyInAnyOrder("n1", "n2", "n3");
    }

    /** Loopback placement whose nodes run the previous release until their restart. */
    private static final class UpgradePlacement implements NodePlacement {
        private final NodePlacement loopback;
        private final String oldClasspath;
        final Set<String> upgraded = ConcurrentHashMap.newKeySet();
        final Set<String> startedOld = ConcurrentHashMap.newKeySet();

        UpgradePlacement(NodePlacement loopback, String oldClasspath) {
            this.loopback = loopback;
            this.oldClasspath = oldClasspath;
        }

        @Override
        public String classpath(String id) {
            if (upgraded.contains(id)) return null;
            startedOld.add(id);
            return oldClasspath;
        }

        @Override
        public String beforeRestart(String id) {
            upgraded.add(id);
            return "on this release (upgraded)";
        }

        @Override
        public String host(String id) {
            return loopback.host(id);
        }

        @Override
        public List<String> commandPrefix(String id) {
            return loopback.commandPrefix(id);
        }

        @Override
        public List<String> nodeArgs(String id) {
            return loopback.nodeArgs(id);
        }

        @Override
        public boolean canCut() {
            return false;
        }

        @Override
        public void cut(String id, Direction direction) {
            throw new UnsupportedOperationException("no cuts in an upgrade");
        }

        @Override
        public void heal(String id) {
            // nothing is cut
        }
    }

    /** The checkout this test runs in: the first directory up from the working directory with a .git. */
    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(".git"))) return dir;
        }
        return null;
    }

    /** Runs a command in {@code dir} with its output on this process's; its exit code (-1 on timeout, killed). */
    private static int run(Path dir, long timeoutS, String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of(command));
        Process process = new ProcessBuilder(line).directory(dir.toFile()).inheritIO().start();
        if (!process.waitFor(timeoutS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }
}
