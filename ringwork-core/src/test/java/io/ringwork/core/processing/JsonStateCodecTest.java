package io.ringwork.core.processing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The capped encoding gives the same bytes whatever the size hint, and null over the cap. */
class JsonStateCodecTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theSizeHintChangesNothingButTheFirstBuffer() throws Exception {
        JsonNode doc = JSON.readTree("{\"a\":[1,2,{\"b\":\"x\"}],\"c\":\"\\u00e9t\\u00e9\",\"d\":null}");
        byte[] plain = JsonStateCodec.INSTANCE.encode(doc);
        for (long hint : new long[] {0, 1, plain.length - 17, plain.length - 16, plain.length, 10_000}) {
            byte[] capped = JsonStateCodec.INSTANCE.encode(doc, 1 << 20, hint);
            assertThat(capped).as("hint %s", hint).isEqualTo(plain);
        }
        assertThat(new String(plain, StandardCharsets.UTF_8)).contains("été");
    }

    @Test
    void overTheCapIsNullWhateverTheHint() throws Exception {
        JsonNode doc = JSON.readTree("{\"k\":\"" + "v".repeat(500) + "\"}");
        byte[] plain = JsonStateCodec.INSTANCE.encode(doc);
        assertThat(JsonStateCodec.INSTANCE.encode(doc, plain.length, plain.length)).isEqualTo(plain);
        assertThat(JsonStateCodec.INSTANCE.encode(doc, plain.length - 1, plain.length)).isNull();
        assertThat(JsonStateCodec.INSTANCE.encode(doc, plain.length - 1, 10)).isNull();
    }
}
