package io.ringwork.runtime.http.server;

import com.sun.net.httpserver.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;

/**
 * A request's line and headers, read with bounds: a request line of at most
 * {@link #REQUEST_LINE_BYTES_MAX} bytes (else 414), a header block of at most
 * {@code headerBytesMax} bytes and {@link #HEADERS_MAX} fields (else 431). The target must be an
 * origin-form path with an optional query, every character allowed by RFC 3986 and every
 * percent-escape well formed (else 400). The body's framing is decided here too: a
 * {@code Content-Length} that is not one non-negative number, or one sent together with
 * {@code Transfer-Encoding}, is refused (400), as request smuggling hides in those.
 */
record RequestHead(String method, URI uri, String rawTarget, boolean http11, Headers headers, long contentLength,
                   boolean chunked) {
    static final int REQUEST_LINE_BYTES_MAX = 8 * 1024;
    static final int HEADERS_MAX = 100;
    /** No body at all (no Content-Length, no Transfer-Encoding). */
    static final long NO_BODY = -1;

    /** True when the client asked to close after this request, or speaks HTTP/1.0 without keep-alive. */
    boolean wantsClose() {
        String connection = headers.getFirst("Connection");
        boolean close = connection != null && connection.toLowerCase().contains("close");
        boolean keepAlive = connection != null && connection.toLowerCase().contains("keep-alive");
        return close || (!http11 && !keepAlive);
    }

    boolean expectsContinue() {
        String expect = headers.getFirst("Expect");
        return http11 && expect != null && expect.equalsIgnoreCase("100-continue");
    }

    /**
     * Reads a head whose first byte, {@code first}, was already read.
     *
     * @throws HttpProblem for a malformed or oversized head (answered, then the connection closes)
     * @throws IOException when the connection fails or ends mid-head
     */
    static RequestHead read(int first, InputStream in, int headerBytesMax) throws IOException {
        byte[] buffer = new byte[Math.max(REQUEST_LINE_BYTES_MAX, 1024)];
        int firstByte = first;
        // RFC 9112 section 2.2: a server should ignore at least one empty line before the request line.
        String line;
        do {
            line = readLine(firstByte, in, buffer, REQUEST_LINE_BYTES_MAX, 414, "uri_too_long",
                    "the request line is longer than " + REQUEST_LINE_BYTES_MAX + " bytes");
            firstByte = -2;
        } while (line.isEmpty());
        int space1 = line.indexOf(' ');
        int space2 = line.lastIndexOf(' ');
        if (space1 <= 0 || space2 == space1) throw bad("malformed request line");
        String method = line.substring(0, space1);
        String target = line.substring(space1 + 1, space2);
        String version = line.substring(space2 + 1);
        if (!isToken(method)) throw bad("malformed method");
        boolean http11;
        if (version.equals("HTTP/1.1")) http11 = true;
        else if (version.equals("HTTP/1.0")) http11 = false;
        else throw new HttpProblem(505, "http_version_not_supported", "this server speaks HTTP/1.1 and HTTP/1.0");
        URI uri = parseTarget(target);

        Headers headers = new Headers();
        int headerBytes = 0;
        int count = 0;
        while (true) {
            String field = readLine(-2, in, buffer, Math.min(buffer.length, headerBytesMax), 431,
                    "request_header_fields_too_large", "a header line is longer than " + buffer.length + " bytes");
            if (field.isEmpty()) break;
            headerBytes += field.length() + 2;
            if (++count > HEADERS_MAX || headerBytes > headerBytesMax) {
                throw new HttpProblem(431, "request_header_fields_too_large",
                        "more than " + HEADERS_MAX + " header fields or " + headerBytesMax + " header bytes");
            }
            if (field.charAt(0) == ' ' || field.charAt(0) == '\t') throw bad("folded header lines are not accepted");
            int colon = field.indexOf(':');
            if (colon <= 0 || !isToken(field.substring(0, colon))) throw bad("malformed header line");
            headers.add(field.substring(0, colon), field.substring(colon + 1).strip());
        }
        return framed(method, uri, target, http11, headers);
    }

    private static RequestHead framed(String method, URI uri, String target, boolean http11, Headers headers)
            throws HttpProblem {
        var lengths = headers.get("Content-Length");
        var encodings = headers.get("Transfer-Encoding");
        if (encodings != null) {
            if (lengths != null) throw bad("Content-Length and Transfer-Encoding together are not accepted");
            String last = encodings.get(encodings.size() - 1).toLowerCase();
            if (encodings.size() > 1 || !last.strip().equals("chunked")) {
                throw new HttpProblem(501, "not_implemented", "the only transfer coding accepted is chunked, got '"
                        + String.join(", ", encodings) + "'");
            }
            if (!http11) throw bad("chunked bodies need HTTP/1.1");
            return new RequestHead(method, uri, target, http11, headers, NO_BODY, true);
        }
        if (lengths == null) return new RequestHead(method, uri, target, http11, headers, NO_BODY, false);
        long length = -1;
        for (String value : lengths) {
            long parsed = parseLength(value.strip());
            if (length >= 0 && parsed != length) throw bad("conflicting Content-Length values");
            length = parsed;
        }
        return new RequestHead(method, uri, target, http11, headers, length, false);
    }

    private static long parseLength(String value) throws HttpProblem {
        if (value.isEmpty() || value.length() > 18) throw bad("Content-Length must be a number of at most 18 digits");
        long length = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') throw bad("Content-Length is not a number: '" + value + "'");
            length = length * 10 + (c - '0');
        }
        return length;
    }

    /**
     * Checks the target against RFC 3986 (origin-form: a path starting with '/', then an optional
     * query) before the URI parser sees it, so that every malformed target gets the same answer.
     */
    static URI parseTarget(String target) throws HttpProblem {
        if (target.isEmpty() || target.charAt(0) != '/') {
            throw bad("the request target must be a path starting with '/', got '" + printable(target) + "'");
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c == '%') {
                if (i + 2 >= target.length() || hex(target.charAt(i + 1)) < 0 || hex(target.charAt(i + 2)) < 0) {
                    throw bad("malformed percent-escape at position " + i + " of the request target");
                }
                i += 2;
            } else if (!allowedInTarget(c)) {
                throw bad("character 0x" + Integer.toHexString(c) + " at position " + i
                        + " of the request target must be percent-encoded");
            }
        }
        try {
            return new URI(target);
        } catch (URISyntaxException e) {
            throw bad("malformed request target: " + e.getReason());
        }
    }

    /** RFC 3986 unreserved, sub-delims, ':', '@', '/', '?'. A '#' never appears in a request target. */
    private static boolean allowedInTarget(char c) {
        if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') return true;
        return "-._~!$&'()*+,;=:@/?".indexOf(c) >= 0;
    }

    static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    private static boolean isToken(String text) {
        if (text.isEmpty()) return false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) return false;
        }
        return true;
    }

    /**
     * One line up to CRLF (or a bare LF), as ISO-8859-1 (header bytes are octets); {@code first}
     * is a byte already read, or -2 for none. Control characters other than tab are refused.
     */
    private static String readLine(int first, InputStream in, byte[] buffer, int max, int status, String code,
                                   String tooLong) throws IOException {
        int length = 0;
        int b = first == -2 ? in.read() : first;
        while (true) {
            if (b < 0) throw new java.io.EOFException("connection closed in the middle of the request head");
            if (b == '\n') break;
            if (length == max) throw new HttpProblem(status, code, tooLong);
            buffer[length++] = (byte) b;
            b = in.read();
        }
        if (length > 0 && buffer[length - 1] == '\r') length--;
        for (int i = 0; i < length; i++) {
            int c = buffer[i] & 0xff;
            if ((c < 0x20 && c != '\t') || c == 0x7f) throw bad("control character 0x" + Integer.toHexString(c) + " in the request head");
        }
        return new String(buffer, 0, length, StandardCharsets.ISO_8859_1);
    }

    private static String printable(String text) {
        String cut = text.length() > 64 ? text.substring(0, 64) + "..." : text;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private static HttpProblem bad(String detail) {
        return new HttpProblem(400, "bad_request", detail);
    }
}
