package io.ringwork.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.runtime.BuildInfo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code ringwork --version} prints the version and the git commit the build embedded. */
class VersionTest {
    @Test
    void versionNamesTheBuildsVersionAndCommit() throws Exception {
        CommandLine cli = RingworkCli.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        assertThat(RingworkCli.run(cli, "--version")).isZero();

        BuildInfo build = BuildInfo.current();
        assertThat(out.toString().trim()).isEqualTo("ringwork " + build.version() + " (commit " + build.commit() + ")");
        assertThat(build.version()).as("the pom's version, filled in at build time").matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
        assertThat(build.commit()).matches("[0-9a-f]{40}(-dirty)?|unknown");
        StringWriter nodeOut = new StringWriter();
        CommandLine again = RingworkCli.commandLine();
        again.setOut(new PrintWriter(nodeOut));
        assertThat(RingworkCli.run(again, "node", "--version")).isZero();
        assertThat(nodeOut.toString().trim()).as("a command's own --version").isEqualTo(build.toString());
        String head = gitHead();
        if (head != null) assertThat(build.commit()).as("built from this checkout").startsWith(head);
    }

    /** The checkout's HEAD, or null where git is not there to ask. */
    private static String gitHead() throws Exception {
        try {
            Process git = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return git.waitFor(10, TimeUnit.SECONDS) && git.exitValue() == 0 ? out : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
