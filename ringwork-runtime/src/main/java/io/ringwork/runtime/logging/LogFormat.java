package io.ringwork.runtime.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * The node's log format, chosen by {@code ringwork node --log-format}: {@code text} (the pattern
 * in logback.xml, for people) or {@code json} (one JSON object per line, {@link JsonLogLayout},
 * for log shippers). logback.xml stays the one place that says where logs go; {@code json} only
 * swaps the encoder of the console appenders it configured, so levels and targets stay as set.
 */
public final class LogFormat {
    public static final List<String> NAMES = List.of("text", "json");

    private LogFormat() {}

    /** Checks {@code name} and applies it; an unknown name is an IllegalArgumentException naming the valid ones. */
    public static void apply(String name) {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("log-format must be one of " + String.join(", ", NAMES) + ", got '" + name + "'");
        }
        if (name.equals("text")) return;
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            throw new IllegalStateException("log-format json needs logback as the logging backend, found "
                    + LoggerFactory.getILoggerFactory().getClass().getName());
        }
        List<OutputStreamAppender<ILoggingEvent>> consoles = new ArrayList<>();
        for (Logger logger : context.getLoggerList()) {
            for (Iterator<Appender<ILoggingEvent>> it = logger.iteratorForAppenders(); it.hasNext(); ) {
                if (it.next() instanceof OutputStreamAppender<ILoggingEvent> stream && !consoles.contains(stream)) consoles.add(stream);
            }
        }
        for (OutputStreamAppender<ILoggingEvent> appender : consoles) {
            JsonLogLayout layout = new JsonLogLayout();
            layout.setContext(context);
            layout.start();
            LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
            encoder.setContext(context);
            encoder.setLayout(layout);
            encoder.start();
            // Swapped while stopped, the way logback's configurator sets an appender up: stop, set, start.
            appender.stop();
            appender.setEncoder(encoder);
            appender.start();
        }
    }
}
