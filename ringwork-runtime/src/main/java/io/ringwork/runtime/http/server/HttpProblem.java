package io.ringwork.runtime.http.server;

import java.io.IOException;

/**
 * A request the server refuses before or while reading it (malformed head, oversized headers, a
 * body that is too slow or too large), with the status and JSON error code it answers. It is an
 * {@link IOException} because it surfaces from the request body's streams; the connection is
 * closed after the answer, since the rest of the request can no longer be framed.
 */
public final class HttpProblem extends IOException {
    private final int status;
    private final String code;

    public HttpProblem(int status, String code, String detail) {
        super(detail, null);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
