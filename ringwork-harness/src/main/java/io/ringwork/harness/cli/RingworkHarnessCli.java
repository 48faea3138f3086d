package io.ringwork.harness.cli;

import io.ringwork.runtime.cli.RingworkCli;
import picocli.CommandLine;

/**
 * The {@code ringwork} command line the launcher runs: the node's ({@link RingworkCli}: node,
 * produce, get, status) plus the commands that start and drive node processes (demo, chaos,
 * chaos-ranks) and a Kafka broker process (kafka). The node's module cannot depend on this one, so the commands are added here.
 */
public final class RingworkHarnessCli {
    private RingworkHarnessCli() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code; bad arguments print usage, never a stack trace. */
    public static int run(String... args) {
        return RingworkCli.run(commandLine(), args);
    }

    static CommandLine commandLine() {
        return RingworkCli.commandLine(new DemoCommand(), new ChaosCommand(), new ChaosRanksCommand(), new KafkaCommand());
    }
}
