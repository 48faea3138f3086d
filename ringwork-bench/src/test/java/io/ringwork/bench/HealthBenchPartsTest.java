package io.ringwork.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringwork.bench.HealthBench.Alerts;
import io.ringwork.bench.HealthBench.Options;
import io.ringwork.bench.HealthBench.Post;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The health bench's parsing and aggregation, without processes. */
class HealthBenchPartsTest {
    @Test
    void optionsDefaultToTheAcceptanceRunAndTakeTheQuickOne() {
        Options full = Options.parse(new String[0]);
        assertThat(full.nodes()).isEqualTo(3);
        assertThat(full.targets()).isEqualTo(100_000);
        assertThat(full.intervalMs()).isEqualTo(30_000);
        assertThat(full.timeoutMs()).isEqualTo(5_000);
        assertThat(full.faults()).isEmpty();

        Options quick = Options.parse(new String[] {"--targets", "3000", "--interval", "5s", "--runs", "2", "--faults", "kill,leave,join"});
        assertThat(quick.targets()).isEqualTo(3_000);
        assertThat(quick.intervalMs()).isEqualTo(5_000);
        assertThat(quick.timeoutMs()).isEqualTo(2_500);
        assertThat(quick.runs()).isEqualTo(2);
        assertThat(quick.faults()).containsExactly("kill", "leave", "join");
        assertThat(Options.parse(new String[] {"--interval", "1500ms", "--max", "2m"}).maxMs()).isEqualTo(120_000);
    }

    @Test
    void listenOverflowsAreReadFromTheKernelsTcpExtCounters() {
        List<String> netstat = List.of(
                "TcpExt: SyncookiesSent ListenOverflows ListenDrops",
                "TcpExt: 3 744918 744920",
                "IpExt: InNoRoutes ListenOverflows",
                "IpExt: 0 7");
        assertThat(HealthBench.listenOverflows(netstat)).isEqualTo(744_918);
        assertThat(HealthBench.listenOverflows(List.of("IpExt: ListenOverflows", "IpExt: 7"))).isEqualTo(-1);
        assertThat(HealthBench.listenOverflows(List.of())).isEqualTo(-1);
    }

    @Test
    void badOptionsNameTheOption() {
        assertThatThrownBy(() -> Options.parse(new String[] {"--interval", "500ms"})).hasMessageContaining("--interval");
        assertThatThrownBy(() -> Options.parse(new String[] {"--interval", "fast"})).hasMessageContaining("--interval").hasMessageContaining("duration");
        assertThatThrownBy(() -> Options.parse(new String[] {"--faults", "kill,pause"})).hasMessageContaining("pause");
        assertThatThrownBy(() -> Options.parse(new String[] {"--targets", "0"})).hasMessageContaining("--targets");
        assertThatThrownBy(() -> Options.parse(new String[] {"--targets"})).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> Options.parse(new String[] {"--bogus", "1"})).hasMessageContaining("unknown option --bogus");
        assertThatThrownBy(() -> Options.parse(new String[] {"--targets", "10", "--flips", "11"})).hasMessageContaining("--flips");
    }

    @Test
    void alertsCountRepeatsOfAKeyTheSameChangeUnderTwoKeysAndLostChanges() {
        List<Post> posts = List.of(
                new Post("a/1-10", "a", "healthy", 10), new Post("a/1-20", "a", "unhealthy", 20),
                new Post("a/1-20", "a", "unhealthy", 20), // the same transition posted twice
                new Post("a/1-30", "a", "healthy", 30),
                new Post("b/1-10", "b", "healthy", 10), new Post("b/2-25", "b", "healthy", 25), // one change under two keys
                new Post("c/1-10", "c", "healthy", 10)); // c's change to unhealthy never posted
        Map<String, List<String>> expected = Map.of(
                "a", List.of("healthy", "unhealthy", "healthy"),
                "b", List.of("healthy"),
                "c", List.of("healthy", "unhealthy", "unhealthy")); // a new checker's resumed status is no change

        Alerts alerts = Alerts.account(posts, expected);

        assertThat(alerts.posts()).isEqualTo(7);
        assertThat(alerts.keys()).isEqualTo(6);
        assertThat(alerts.postedTwice()).isEqualTo(1);
        assertThat(alerts.sameChangeTwice()).isEqualTo(1);
        assertThat(alerts.expected()).isEqualTo(3 + 1 + 2);
        assertThat(alerts.lost()).isEqualTo(1);
    }

    @Test
    void percentilesAndProcFiguresParse() {
        List<Long> values = List.of(5L, 1L, 4L, 2L, 3L, 10L, 9L, 8L, 7L, 6L);
        assertThat(HealthBench.percentile(values, 50)).isEqualTo(5);
        assertThat(HealthBench.percentile(values, 99)).isEqualTo(10);
        assertThat(HealthBench.percentile(values, 100)).isEqualTo(10);
        assertThat(HealthBench.percentile(List.of(), 99)).isZero();
        String stat = "4242 (java main) S 1 4242 4242 0 -1 4194560 1000 0 0 0 150 25 0 0 20 0 40 0 100 1000000 5000";
        assertThat(HealthBench.cpuTicks(stat)).isEqualTo(175);
        assertThat(HealthBench.rssBytes("Name:\tjava\nVmRSS:\t  524288 kB\nThreads: 40\n")).isEqualTo(512L << 20);
        assertThat(HealthBench.metric("# HELP x\nringwork_jvm_heap_used_bytes 1.5E8\n", "ringwork_jvm_heap_used")).isEqualTo(150_000_000L);
        assertThat(HealthBench.metric("other 1\n", "ringwork_jvm_heap_used")).isEqualTo(-1);
    }
}
