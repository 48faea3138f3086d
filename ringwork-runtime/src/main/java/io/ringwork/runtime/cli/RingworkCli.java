package io.ringwork.runtime.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ringwork} command line. Run through the {@code ./ringwork} launcher. */
@Command(name = "ringwork", mixinStandardHelpOptions = true, version = "ringwork 0.1.0",
        description = "Peer-to-peer keyed, ordered event processing.",
        subcommands = {NodeCommand.class, ProduceCommand.class, GetCommand.class, StatusCommand.class, TokenCommand.class,
                DemoCommand.class, ChaosCommand.class, ChaosRanksCommand.class, CommandLine.HelpCommand.class})
public final class RingworkCli {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code; bad arguments print usage, never a stack trace. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new RingworkCli());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof IllegalArgumentException || e instanceof IllegalStateException
                    || e instanceof java.io.IOException) {
                commandLine.getErr().println("ringwork " + commandLine.getCommandName() + ": " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cli.execute(args);
    }
}
