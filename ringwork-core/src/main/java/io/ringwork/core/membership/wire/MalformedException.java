package io.ringwork.core.membership.wire;

/** Bytes that do not decode. Internal to the codec: decode turns it into {@link DropReason#MALFORMED}. */
final class MalformedException extends RuntimeException {
    MalformedException(String message) {
        super(message, null, false, false);
    }
}
