package io.ringwork.runtime.config;

import java.util.Collection;
import java.util.Optional;

/** "Did you mean ...?" for mistyped keys and values: the nearest candidate by edit distance. */
public final class Suggestions {
    private Suggestions() {}

    /**
     * The candidate nearest to {@code typed} (Levenshtein distance, case-insensitive), if it is near
     * enough to be a plausible typo: at most 3 edits, or half the typed length for long names
     * ({@code replication_factr} is 2 edits from {@code replication-factor}). Ties go to the first
     * candidate in iteration order.
     */
    public static Optional<String> nearest(String typed, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = distance(typed.toLowerCase(java.util.Locale.ROOT), candidate.toLowerCase(java.util.Locale.ROOT));
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(3, typed.length() / 2) ? Optional.of(best) : Optional.empty();
    }

    /** {@code " (did you mean 'X'?)"}, or {@code ""} when nothing is near. */
    public static String didYouMean(String typed, Collection<String> candidates) {
        return nearest(typed, candidates).map(s -> " (did you mean '" + s + "'?)").orElse("");
    }

    /** Levenshtein distance: insertions, deletions and substitutions, each costing 1. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) previous[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
