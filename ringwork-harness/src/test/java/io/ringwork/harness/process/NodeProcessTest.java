package io.ringwork.harness.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** The nodes the harness starts run at the harness's own JIT level. */
class NodeProcessTest {
    @Test
    void nodesGetTheJitLevelThisJvmRunsAt() {
        // This JVM's level as its command line set it (the last -XX:TieredStopAtLevel wins), else the default 4.
        String level = "4";
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-XX:TieredStopAtLevel=")) level = arg.substring("-XX:TieredStopAtLevel=".length());
        }
        assertEquals("-XX:TieredStopAtLevel=" + level, NodeProcess.jitLevel());
    }
}
