package io.ringwork.runtime.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ringwork} command line of the node: {@code node}, {@code produce}, {@code get},
 * {@code status}. The {@code ./ringwork} launcher runs the harness's command line, which is this
 * one with the commands that drive node processes added ({@code demo}, {@code chaos}, ...), so
 * users see one {@code ringwork}.
 */
@Command(name = "ringwork", mixinStandardHelpOptions = true, versionProvider = RingworkCli.Version.class,
        description = "Peer-to-peer keyed, ordered event processing.",
        subcommands = {NodeCommand.class, ProduceCommand.class, GetCommand.class, StatusCommand.class, TokenCommand.class,
                HealthCommand.class})
public final class RingworkCli {
    /** {@code ringwork --version}: the version and git commit the build embedded. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {io.ringwork.runtime.BuildInfo.current().toString()};
        }
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code; bad arguments print usage, never a stack trace. */
    public static int run(String... args) {
        return run(commandLine(), args);
    }

    /**
     * The node's command line with {@code more} subcommands (picocli {@code @Command} objects, e.g.
     * the harness's) after the node's own, then {@code help}; run it with {@link #run(CommandLine, String...)}.
     */
    public static CommandLine commandLine(Object... more) {
        CommandLine cli = new CommandLine(new RingworkCli());
        for (Object command : more) cli.addSubcommand(command);
        cli.addSubcommand(new CommandLine.HelpCommand());
        // Every command's --version says what the top one says (picocli gives them none of their own).
        for (CommandLine sub : cli.getSubcommands().values()) sub.getCommandSpec().versionProvider(new Version());
        return cli;
    }

    /** Runs {@code args} on {@code cli}: bad arguments and I/O errors print one line and exit 2, never a stack trace. */
    public static int run(CommandLine cli, String... args) {
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof IllegalArgumentException || e instanceof IllegalStateException
                    || e instanceof java.io.IOException) {
                String hint = e instanceof javax.net.ssl.SSLHandshakeException
                        ? " (the node's certificate is not trusted here: give --cacert with the CA that signed it)" : "";
                commandLine.getErr().println("ringwork " + commandLine.getCommandName() + ": " + e.getMessage() + hint);
                return 2;
            }
            throw e;
        });
        return cli.execute(args);
    }
}
