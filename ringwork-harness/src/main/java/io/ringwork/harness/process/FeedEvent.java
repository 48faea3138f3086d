package io.ringwork.harness.process;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * What a feed consumer needs from one {@code /v1/changes} event: key, version, partition, feed
 * position and, for a live event, when the node put it on its feed ({@code fedAtMs}, epoch ms; -1
 * for a replayed one), read by streaming past the document itself.
 */
public record FeedEvent(String key, long version, int partition, long position, long fedAtMs) {
    private static final JsonFactory JSON_FACTORY = new JsonFactory();

    /**
     * The event in {@code json}, or null when it is not a change (no key: an overflow notice).
     *
     * @throws IOException when {@code json} is not a JSON object
     */
    public static FeedEvent parse(String json) throws IOException {
        String key = null;
        long version = -1;
        long position = -1;
        int partition = -1;
        long fedAtMs = -1;
        try (JsonParser parser = JSON_FACTORY.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) return null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                switch (field) {
                    case "key" -> key = parser.getText();
                    case "version" -> version = parser.getLongValue();
                    case "position" -> position = parser.getLongValue();
                    case "partition" -> partition = parser.getIntValue();
                    case "fedAtMs" -> fedAtMs = parser.getLongValue();
                    default -> parser.skipChildren();
                }
            }
        }
        return key == null ? null : new FeedEvent(key, version, partition, position, fedAtMs);
    }
}
