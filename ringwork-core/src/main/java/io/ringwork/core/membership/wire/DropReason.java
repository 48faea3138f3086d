package io.ringwork.core.membership.wire;

/** Why an incoming packet was dropped. Drivers count drops per reason. */
public enum DropReason {
    /** Larger than the lane's limit. */
    OVERSIZED,
    /** Not our magic/version, truncated, garbage, or a message missing a required field. */
    MALFORMED,
    /** Cluster name differs from ours. */
    WRONG_CLUSTER,
    /** Missing, unexpected or wrong HMAC. */
    BAD_AUTH
}
