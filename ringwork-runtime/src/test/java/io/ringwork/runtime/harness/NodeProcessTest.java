package io.ringwork.runtime.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The nodes the harness starts run at the harness's own JIT level and on its collector if that is ZGC. */
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

    @Test
    void nodesRunZgcOnlyWhenThisJvmDoes() throws Exception {
        assertEquals("-XX:+UseZGC", collectorOfAJvmWith("-XX:+UseZGC"));
        assertEquals("", collectorOfAJvmWith("-XX:+UseG1GC"));
    }

    /** What {@link NodeProcess#collector()} says in a JVM started with {@code gc}. */
    private static String collectorOfAJvmWith(String gc) throws Exception {
        String binary = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(binary, gc, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                NodeProcessCollectorChild.class.getName()).redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, child.waitFor(), out);
        return out;
    }
}
