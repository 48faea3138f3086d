package io.ringwork.runtime.http.server;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One request and its response on an {@link ApiServer} connection, behind the JDK's
 * {@link HttpExchange} interface so handlers read as they would on the JDK server. The framing of
 * the response follows {@link #sendResponseHeaders}: length &gt; 0 fixed, 0 chunked (or until
 * close for HTTP/1.0), -1 no body. HEAD requests get the headers of the GET and no body. Used by
 * one handler thread at a time; {@link #closeConnectionAfter} may be called from that thread only.
 */
public final class ApiExchange extends HttpExchange {
    /** Body bytes read and dropped after the handler so the connection can be reused; more closes it. */
    private static final long DRAIN_BYTES_MAX = 64 * 1024;

    private final RequestHead head;
    private final ApiServer.Connection connection;
    private final OutputStream out;
    private final BodyStream body;
    private final ByteBudget budget;
    private final Headers responseHeaders = new Headers();
    private final Map<String, Object> attributes = new HashMap<>();
    private ResponseStream response;
    private int responseCode = -1;
    private boolean closeAfter;

    ApiExchange(RequestHead head, ApiServer.Connection connection, InputStream in, OutputStream out, ByteBudget budget) {
        this.head = head;
        this.connection = connection;
        this.out = out;
        this.budget = budget;
        this.body = new BodyStream(in, connection, budget, head);
        this.closeAfter = head.wantsClose();
    }

    /** The raw request target as sent (path and query, still percent-encoded). */
    public String rawTarget() {
        return head.rawTarget();
    }

    /** True once the response headers went out; an error can then no longer be answered. */
    public boolean responseStarted() {
        return response != null;
    }

    /** The connection closes after this exchange, e.g. because its request could not be read whole. */
    public void closeConnectionAfter() {
        closeAfter = true;
    }

    @Override
    public Headers getRequestHeaders() {
        return head.headers();
    }

    @Override
    public Headers getResponseHeaders() {
        return responseHeaders;
    }

    @Override
    public URI getRequestURI() {
        return head.uri();
    }

    @Override
    public String getRequestMethod() {
        return head.method();
    }

    @Override
    public HttpContext getHttpContext() {
        throw new UnsupportedOperationException("ringwork's API server has no contexts; it routes by path");
    }

    @Override
    public InputStream getRequestBody() {
        return body;
    }

    @Override
    public OutputStream getResponseBody() {
        if (response == null) throw new IllegalStateException("sendResponseHeaders first");
        return response;
    }

    @Override
    public void sendResponseHeaders(int code, long length) throws IOException {
        if (response != null) throw new IOException("headers already sent");
        responseCode = code;
        boolean head = "HEAD".equals(this.head.method());
        boolean noBody = length < 0 || code == 204 || code == 304 || (code >= 100 && code < 200);
        ResponseStream.Framing framing;
        if (noBody) {
            framing = ResponseStream.Framing.FIXED;
            responseHeaders.remove("Transfer-Encoding");
            if (code != 204 && code != 304) responseHeaders.set("Content-Length", "0");
        } else if (length > 0) {
            framing = ResponseStream.Framing.FIXED;
            responseHeaders.set("Content-Length", Long.toString(length));
        } else if (this.head.http11()) {
            framing = ResponseStream.Framing.CHUNKED;
            responseHeaders.set("Transfer-Encoding", "chunked");
        } else {
            framing = ResponseStream.Framing.UNTIL_CLOSE;
            closeAfter = true;
        }
        if (closeAfter) responseHeaders.set("Connection", "close");
        StringBuilder text = new StringBuilder(256).append(this.head.http11() ? "HTTP/1.1 " : "HTTP/1.0 ")
                .append(code).append(' ').append(Reasons.of(code)).append("\r\n");
        for (Map.Entry<String, List<String>> header : responseHeaders.entrySet()) {
            for (String value : header.getValue()) {
                text.append(header.getKey()).append(": ").append(value.replaceAll("[\\r\\n]", " ")).append("\r\n");
            }
        }
        text.append("\r\n");
        out.write(text.toString().getBytes(StandardCharsets.ISO_8859_1));
        response = new ResponseStream(out, framing, noBody ? 0 : Math.max(0, length), head);
    }

    /**
     * Ends the exchange: completes the response and flushes it. The connection stays open for the
     * next request (see {@link #finish}).
     */
    @Override
    public void close() {
        try {
            if (response == null) sendResponseHeaders(500, -1);
            response.close();
        } catch (IOException e) {
            closeAfter = true;
        }
    }

    /**
     * After the handler: closes the exchange, drops what is left of a small request body, releases
     * the body's budget; true when the connection may carry another request.
     */
    boolean finish() {
        close();
        boolean bodyRead = body.complete() || (!closeAfter && body.drain(DRAIN_BYTES_MAX));
        budget.release(body.reserved());
        return !closeAfter && bodyRead && response != null && response.complete();
    }

    /** After {@link #finish}: whether the request's body was left partly unread on the connection. */
    boolean bodyLeftUnread() {
        return !body.complete();
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return connection.remoteAddress();
    }

    @Override
    public int getResponseCode() {
        return responseCode;
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return connection.localAddress();
    }

    @Override
    public String getProtocol() {
        return head.http11() ? "HTTP/1.1" : "HTTP/1.0";
    }

    @Override
    public Object getAttribute(String name) {
        return attributes.get(name);
    }

    @Override
    public void setAttribute(String name, Object value) {
        if (value == null) attributes.remove(name);
        else attributes.put(name, value);
    }

    @Override
    public void setStreams(InputStream i, OutputStream o) {
        throw new UnsupportedOperationException("filters are not supported");
    }

    @Override
    public HttpPrincipal getPrincipal() {
        return null;
    }
}
