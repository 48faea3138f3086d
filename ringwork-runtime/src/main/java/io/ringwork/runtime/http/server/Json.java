package io.ringwork.runtime.http.server;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.charset.StandardCharsets;

/** The JSON error body the server writes itself, before any handler runs. */
final class Json {
    private Json() {}

    static byte[] error(String code, String detail, boolean definite) {
        String text = "{\"error\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(code))
                + "\",\"detail\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(detail))
                + "\",\"definite\":" + definite + "}";
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
