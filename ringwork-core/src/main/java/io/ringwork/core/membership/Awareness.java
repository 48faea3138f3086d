package io.ringwork.core.membership;

/**
 * Lifeguard's local health: a score in {@code [0, max - 1]} that rises when this node seems to
 * be the slow one (missed nacks, having to refute a suspicion) and falls with each successful
 * probe. Probe interval and timeout are multiplied by {@code score + 1}, so a struggling node
 * probes less eagerly and accuses others less. At the bounds the score saturates.
 */
final class Awareness {
    private final int max;
    private int score;

    Awareness(int max) {
        this.max = max;
    }

    void applyDelta(int delta) {
        score = Math.max(0, Math.min(max - 1, score + delta));
    }

    int score() {
        return score;
    }

    long scaleMs(long durationMs) {
        return durationMs * (score + 1);
    }
}
