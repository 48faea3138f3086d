package io.ringwork.runtime.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * One log event as one line of JSON, for log shippers: {@code time} (ISO-8601, UTC, milliseconds),
 * {@code level}, {@code logger}, {@code thread}, {@code message} (arguments filled in) and, when
 * the event carries one, {@code exception} (class, message and stack trace as one string, so the
 * event stays on one line). Jackson writes the strings, so quotes, newlines and control
 * characters in a message are escaped, never breaking the line.
 */
public final class JsonLogLayout extends LayoutBase<ILoggingEvent> {
    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public String doLayout(ILoggingEvent event) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
            json.writeStringField("level", event.getLevel().toString());
            json.writeStringField("logger", event.getLoggerName());
            json.writeStringField("thread", event.getThreadName());
            json.writeStringField("message", event.getFormattedMessage());
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) json.writeStringField("exception", ThrowableProxyUtil.asString(thrown));
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("a StringWriter does not fail", e);
        }
        return out.append('\n').toString();
    }

    @Override
    public String getContentType() {
        return "application/x-ndjson";
    }
}
