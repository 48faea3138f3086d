package io.ringwork.runtime.http;

/**
 * An error answered as {@code {"error": code, "detail": detail}} with an HTTP status. {@code definite}
 * says whether the request certainly had no effect (a 4xx) or may have (a timeout or an I/O failure
 * after the write started): a client may retry a definite failure freely and must use an
 * idempotency id to retry an indefinite one safely.
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String code;
    private final boolean definite;
    /** Fields the body carries beside error, detail and definite (a conflict's current version). */
    private final java.util.Map<String, Long> fields = new java.util.LinkedHashMap<>();

    public ApiError(int status, String code, String detail, boolean definite) {
        super(detail, null, false, false);
        this.status = status;
        this.code = code;
        this.definite = definite;
    }

    public static ApiError badRequest(String detail) {
        return new ApiError(400, "bad_request", detail, true);
    }

    public static ApiError notFound(String detail) {
        return new ApiError(404, "not_found", detail, true);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public boolean definite() {
        return definite;
    }

    /** This error with {@code name: value} in its body too. */
    public ApiError with(String name, long value) {
        fields.put(name, value);
        return this;
    }

    /** Text fields the body carries beside the rest (a busy node's suggestion of another). */
    private final java.util.Map<String, String> texts = new java.util.LinkedHashMap<>();

    /** This error with {@code name: value} (text) in its body too. */
    public ApiError withText(String name, String value) {
        texts.put(name, value);
        return this;
    }

    /** The extra text fields, in the order added. */
    public java.util.Map<String, String> texts() {
        return java.util.Collections.unmodifiableMap(texts);
    }

    /** The extra body fields, in the order added. */
    public java.util.Map<String, Long> fields() {
        return java.util.Collections.unmodifiableMap(fields);
    }
}
