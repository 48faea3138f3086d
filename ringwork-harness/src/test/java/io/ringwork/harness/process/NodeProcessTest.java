package io.ringwork.harness.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The nodes the harness starts run at the harness's own JIT level, configured by its flags alone. */
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
    void nodesDoNotInheritTheVariablesThatConfigureANode() {
        Map<String, String> env = new HashMap<>(Map.of("RINGWORK_HTTP", "10.0.0.1:80", "RINGWORK_API_TOKENS", "/etc/tokens",
                "RINGWORK_CONFIG", "/etc/ringwork/node.yaml", "RINGWORK_NODE_JAVA_OPTS", "-Xlog:gc", "RINGWORK_TOKEN", "t", "PATH", "/bin"));
        NodeProcess.withoutNodeSettings(env);
        assertEquals(Map.of("RINGWORK_NODE_JAVA_OPTS", "-Xlog:gc", "RINGWORK_TOKEN", "t", "PATH", "/bin"), env);
    }
}
