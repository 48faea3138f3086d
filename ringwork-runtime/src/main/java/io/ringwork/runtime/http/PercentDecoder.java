package io.ringwork.runtime.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict percent-decoding of paths and query parts into UTF-8 text: a malformed escape, bytes
 * that are not UTF-8 (such as {@code %FF%FE}) and control characters (such as {@code %00}) are
 * refused with a 400 rather than replaced or passed on to keys. Stateless.
 */
final class PercentDecoder {
    private PercentDecoder() {}

    /**
     * @param plusIsSpace true for form-encoded query parts, false for paths (where '+' is a plus)
     * @param what        what is decoded, for the error message
     */
    static String decode(String raw, boolean plusIsSpace, String what) {
        if (raw.indexOf('%') < 0 && (!plusIsSpace || raw.indexOf('+') < 0)) return checked(raw, what);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int high = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int low = high >= 0 ? Character.digit(raw.charAt(i + 2), 16) : -1;
                if (low < 0) throw ApiError.badRequest("malformed percent-escape in the " + what + " at position " + i);
                bytes.write(high * 16 + low);
                i += 2;
            } else if (c == '+' && plusIsSpace) {
                bytes.write(' ');
            } else if (c < 0x80) {
                bytes.write(c);
            } else {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw ApiError.badRequest("the " + what + " is not valid UTF-8 once percent-decoded");
        }
        return checked(text, what);
    }

    private static String checked(String text, String what) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw ApiError.badRequest("the " + what + " holds control character 0x" + Integer.toHexString(c)
                        + " at position " + i + "; keys and parameters may not");
            }
        }
        return text;
    }
}
