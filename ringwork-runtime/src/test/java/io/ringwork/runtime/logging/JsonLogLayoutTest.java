package io.ringwork.runtime.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** {@code --log-format json}: one JSON object per line, with the fields log shippers look for. */
class JsonLogLayoutTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final LoggerContext context = new LoggerContext();
    private final Logger logger = context.getLogger("io.ringwork.runtime.Example");

    private String layout(LoggingEvent event) {
        JsonLogLayout layout = new JsonLogLayout();
        layout.setContext(context);
        layout.start();
        return layout.doLayout(event);
    }

    @Test
    void anEventIsOneLineWithTimeLevelLoggerThreadAndTheFilledInMessage() throws Exception {
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.WARN,
                "partition {} said \"{}\"\nand went on", null, new Object[] {7, "tab\there"});
        event.setThreadName("ringwork-cluster");
        event.setTimeStamp(Instant.parse("2026-12-06T19:30:00.123Z").toEpochMilli());

        String line = layout(event);

        assertThat(line).endsWith("\n");
        assertThat(line.substring(0, line.length() - 1)).doesNotContain("\n");
        JsonNode json = JSON.readTree(line);
        assertThat(json.path("time").asText()).isEqualTo("2026-12-06T19:30:00.123Z");
        assertThat(json.path("level").asText()).isEqualTo("WARN");
        assertThat(json.path("logger").asText()).isEqualTo("io.ringwork.runtime.Example");
        assertThat(json.path("thread").asText()).isEqualTo("ringwork-cluster");
        assertThat(json.path("message").asText()).isEqualTo("partition 7 said \"tab\there\"\nand went on");
        assertThat(json.has("exception")).isFalse();
    }

    @Test
    void anExceptionTravelsWithItsCauseInTheSameLine() throws Exception {
        Exception thrown = new IllegalStateException("store closed", new java.io.IOException("disk gone"));
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.ERROR, "commit failed", thrown, null);

        String line = layout(event);

        assertThat(line.substring(0, line.length() - 1)).doesNotContain("\n");
        JsonNode json = JSON.readTree(line);
        assertThat(json.path("message").asText()).isEqualTo("commit failed");
        assertThat(json.path("exception").asText()).contains("java.lang.IllegalStateException: store closed")
                .contains("Caused by: java.io.IOException: disk gone").contains("at io.ringwork.runtime.logging.JsonLogLayoutTest");
    }

    @Test
    void anUnknownFormatIsAnErrorNamingTheValidOnes() {
        assertThatThrownBy(() -> LogFormat.apply("yaml")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("log-format must be one of text, json, got 'yaml'");

        // From the command line (a node setting, as from a config file or RINGWORK_LOG_FORMAT): one
        // line naming where it came from, and exit code 2, before the node starts.
        picocli.CommandLine cli = io.ringwork.runtime.cli.RingworkCli.commandLine();
        java.io.StringWriter err = new java.io.StringWriter();
        cli.setErr(new java.io.PrintWriter(err, true));
        assertThat(io.ringwork.runtime.cli.RingworkCli.run(cli, "node", "--log-format", "yaml")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("ringwork node: --log-format: log-format must be text or json, got 'yaml'" + System.lineSeparator());
    }
}
