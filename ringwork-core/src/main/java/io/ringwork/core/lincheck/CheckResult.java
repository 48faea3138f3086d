package io.ringwork.core.lincheck;

import java.util.List;

/**
 * What a check found. Immutable.
 *
 * @param verdict     the answer
 * @param steps       the search's moves over all parts (a measure of the work done)
 * @param parts       how many independent parts (keys, {@link Model#key}) the history has
 * @param operations  operations in the history
 * @param explanation why it is not linearizable; null unless {@code verdict} is NOT_LINEARIZABLE
 * @param unknownWhy  which limit ran out; null unless {@code verdict} is UNKNOWN
 */
public record CheckResult<I, O>(Verdict verdict, long steps, int parts, int operations,
                                Explanation<I, O> explanation, String unknownWhy) {

    /**
     * Why a part of a history is not linearizable, as far as the search got: the order of its
     * operations the model accepted that reached furthest in time (every operation that returned
     * before the point where it stopped is in it), and the operations none of which could come
     * next. The first of {@code unplaced} is the one whose return stopped the search: it had to
     * take effect before that return, and no order let it.
     *
     * @param part          which part: "key K", or "the history" for a model without keys
     * @param partSize      operations in that part
     * @param longestPrefix the partial linearization that got furthest, in order
     * @param stateAfter    the model's state after it, described by the model
     * @param unplaced      the operation that had to be placed next (first) and the other pending
     *                      ones that were tried there, in call order; at most 20
     */
    public record Explanation<I, O>(String part, int partSize, List<Operation<I, O>> longestPrefix, String stateAfter,
                                    List<Operation<I, O>> unplaced) {
        public Explanation {
            longestPrefix = List.copyOf(longestPrefix);
            unplaced = List.copyOf(unplaced);
        }

        /** A few lines for a person: the end of the longest prefix, the state, and what could not follow. */
        public String describe(int lastOfPrefix) {
            StringBuilder out = new StringBuilder();
            out.append(part).append(" (").append(partSize).append(" operations): longest linearizable prefix has ")
                    .append(longestPrefix.size()).append(" operations");
            int from = Math.max(0, longestPrefix.size() - lastOfPrefix);
            if (from > 0) out.append("; the last ").append(longestPrefix.size() - from);
            out.append(":\n");
            for (int i = from; i < longestPrefix.size(); i++) out.append("    ").append(longestPrefix.get(i)).append('\n');
            out.append("  state after it: ").append(stateAfter).append('\n');
            out.append("  could not be placed next:\n");
            for (Operation<I, O> op : unplaced) out.append("    ").append(op).append('\n');
            return out.toString();
        }
    }

    public boolean linearizable() {
        return verdict == Verdict.LINEARIZABLE;
    }

    /** One line with the verdict, then the explanation if there is one. */
    public String describe() {
        String head = verdict + " (" + operations + " operations, " + parts + (parts == 1 ? " part, " : " parts, ") + steps + " steps)";
        if (verdict == Verdict.UNKNOWN) return head + ": " + unknownWhy;
        if (explanation == null) return head;
        return head + "\n" + explanation.describe(10);
    }
}
