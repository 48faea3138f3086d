package io.ringwork.core.log;

/** An I/O or corruption failure of a log implementation. Unchecked: callers cannot repair it. */
public class LogException extends RuntimeException {
    public LogException(String message) {
        super(message);
    }

    public LogException(String message, Throwable cause) {
        super(message, cause);
    }
}
