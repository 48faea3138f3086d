package io.ringwork.harness.membership;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Real JVMs on loopback: they converge, and a SIGKILLed one is declared dead by the others. */
class MemberProcessTest {

    @Test
    void threeProcessesConvergeAndDetectAKill() throws Exception {
        List<MemberProcess> processes = new ArrayList<>();
        try {
            int seedPort = MemberProcess.freePort();
            processes.add(MemberProcess.start("p0", seedPort, "-", 200));
            for (int i = 1; i < 3; i++) {
                processes.add(MemberProcess.start("p" + i, MemberProcess.freePort(), "127.0.0.1:" + seedPort, 200));
            }
            for (MemberProcess process : processes) {
                MemberProcess.Line view = process.await(line -> line.startsWith("VIEW")
                        && line.contains("p0=ALIVE") && line.contains("p1=ALIVE") && line.contains("p2=ALIVE"), Duration.ofSeconds(30));
                assertThat(view).as("%s converged; output %s", process.id(), process.lines()).isNotNull();
            }

            MemberProcess victim = processes.get(2);
            long killedAtMs = MemberProcess.nowMs();
            victim.kill();

            for (MemberProcess survivor : processes.subList(0, 2)) {
                MemberProcess.Line failed = survivor.await(line -> line.startsWith("EVENT") && line.contains(" FAILED p2 "),
                        Duration.ofSeconds(20));
                assertThat(failed).as("%s declared p2 dead; output %s", survivor.id(), survivor.lines()).isNotNull();
                assertThat(failed.atMs() - killedAtMs).isLessThan(20_000);
                assertThat(survivor.isAlive()).isTrue();
            }
        } finally {
            processes.forEach(MemberProcess::kill);
        }
    }
}
