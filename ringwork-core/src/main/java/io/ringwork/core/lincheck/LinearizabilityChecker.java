package io.ringwork.core.lincheck;

import io.ringwork.core.util.Invariants;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Decides whether a concurrent history is linearizable with respect to a sequential {@link Model}.
 *
 * <p>The search is Wing and Gong's, as refined by Lowe (2017): walk the history's call and return
 * events in time order; at a call, try to make that operation take effect now (the model must
 * accept it in the current state), remove it from the history and start again from the first
 * event; at a return of an operation not yet placed, the order built so far cannot be extended,
 * so undo the last placed operation and try the next candidate after it. Each (set of placed
 * operations, state) pair is remembered and never explored twice, which is what makes real
 * histories tractable (Lowe's memoization, also used by Porcupine). Operations on different keys
 * ({@link Model#key}) are searched separately, one key after another.
 *
 * <p>An indeterminate operation has a call but no return event, so nothing ever forces it to be
 * placed: the search may place it anywhere after its call (taking effect) or never (not taking
 * effect). A history is accepted once every determinate operation is placed. Placing an
 * indeterminate operation that leaves the state unchanged is skipped: it is the same as never
 * placing it.
 *
 * <p>Events at equal times: calls sort before returns, so two operations whose intervals touch
 * count as concurrent. That can only accept more histories, never reject a correct one whose
 * clock was coarse.
 *
 * <p>Stateless; each call to {@link #check} is independent and single-threaded. Work is bounded
 * by the {@link Budget}: past it the answer is {@link Verdict#UNKNOWN}.
 */
public final class LinearizabilityChecker {
    private static final int MAX_UNPLACED_SHOWN = 20;
    /** The key of every operation of a model that has none. */
    private static final Object NO_KEY = new Object();

    private LinearizabilityChecker() {}

    /** Checks {@code history} against {@code model} within {@code budget}. */
    public static <S, I, O> CheckResult<I, O> check(Model<S, I, O> model, List<Operation<I, O>> history, Budget budget) {
        Invariants.require(model != null && history != null && budget != null, "model, history and budget are required");
        Map<Object, List<Operation<I, O>>> byKey = new LinkedHashMap<>();
        for (Operation<I, O> op : history) byKey.computeIfAbsent(Objects.requireNonNullElse(model.key(op.input()), NO_KEY), k -> new ArrayList<>()).add(op);
        List<Object> keys = new ArrayList<>(byKey.keySet());
        List<List<Operation<I, O>>> parts = new ArrayList<>(byKey.values());
        long steps = 0;
        String unknownWhy = null;
        for (int p = 0; p < parts.size(); p++) {
            Search<S, I, O> search = new Search<>(model, parts.get(p), budget, steps);
            Verdict verdict = search.run();
            steps = search.steps;
            if (verdict == Verdict.NOT_LINEARIZABLE) {
                return new CheckResult<>(verdict, steps, parts.size(), history.size(), search.explain(describeKey(keys.get(p))), null);
            }
            if (verdict == Verdict.UNKNOWN) {
                if (unknownWhy == null) {
                    unknownWhy = describeKey(keys.get(p)) + " (" + parts.get(p).size() + " operations): " + search.unknownWhy;
                }
                // A part over the memo limit leaves the steps for the others, which may still prove the history wrong.
                if (!search.memoFull) break;
            }
        }
        Verdict verdict = unknownWhy == null ? Verdict.LINEARIZABLE : Verdict.UNKNOWN;
        return new CheckResult<>(verdict, steps, parts.size(), history.size(), null, unknownWhy);
    }

    private static String describeKey(Object key) {
        return key == NO_KEY ? "the history" : "key " + key;
    }

    /** Checks with {@link Budget#DEFAULT}. */
    public static <S, I, O> CheckResult<I, O> check(Model<S, I, O> model, List<Operation<I, O>> history) {
        return check(model, history, Budget.DEFAULT);
    }

    /**
     * The search over one part. Events live in a doubly linked list over int arrays (node
     * {@code 2i} is the call of operation i, {@code 2i+1} its return, {@code HEAD} the sentinel);
     * placing an operation unlinks its nodes and undoing it relinks them in reverse order, so the
     * list is restored exactly (Knuth's dancing links).
     */
    private static final class Search<S, I, O> {
        private static final int HEAD = -1;
        private static final int NIL = -2;
        private static final long DEADLINE_CHECK_EVERY = 4096;

        private final Model<S, I, O> model;
        private final List<Operation<I, O>> ops;
        private final Budget budget;
        private final int n;
        private final int[] next;
        private final int[] prev;
        private final int[] rank;
        private int headNext;
        private final long[] placed;
        private long placedHash;
        private final Set<MemoKey> memo = new HashSet<>();
        private final int[] stackOps;
        private final Object[] stackStates;
        private int depth;
        long steps;
        String unknownWhy;
        boolean memoFull;

        // The furthest point the search reached (the latest return it stopped at, then the most
        // operations placed), for the explanation.
        private int bestRank = -1;
        private int bestDepth = -1;
        private int[] bestPrefix = new int[0];
        private S bestState;
        private int[] bestUnplaced = new int[0];

        Search(Model<S, I, O> model, List<Operation<I, O>> ops, Budget budget, long stepsSoFar) {
            this.model = model;
            this.ops = ops;
            this.budget = budget;
            this.n = ops.size();
            this.steps = stepsSoFar;
            this.next = new int[2 * n];
            this.prev = new int[2 * n];
            this.rank = new int[2 * n];
            this.placed = new long[(n + 63) / 64];
            this.stackOps = new int[n];
            this.stackStates = new Object[n];
            link(sortedEvents());
        }

        /** The events in time order: calls before returns at equal times, then by operation. */
        private int[] sortedEvents() {
            int count = 0;
            for (Operation<I, O> op : ops) count += op.indeterminate() ? 1 : 2;
            long[][] keyed = new long[count][];
            int k = 0;
            for (int i = 0; i < n; i++) {
                Operation<I, O> op = ops.get(i);
                keyed[k++] = new long[] {op.callNs(), 0, 2L * i};
                if (!op.indeterminate()) keyed[k++] = new long[] {op.returnNs(), 1, 2L * i + 1};
            }
            Arrays.sort(keyed, (a, b) -> {
                int c = Long.compare(a[0], b[0]);
                if (c != 0) return c;
                c = Long.compare(a[1], b[1]);
                return c != 0 ? c : Long.compare(a[2], b[2]);
            });
            int[] order = new int[count];
            for (int j = 0; j < count; j++) order[j] = (int) keyed[j][2];
            return order;
        }

        private void link(int[] order) {
            Arrays.fill(next, NIL);
            Arrays.fill(prev, NIL);
            int last = HEAD;
            for (int i = 0; i < order.length; i++) rank[order[i]] = i;
            for (int node : order) {
                setNext(last, node);
                prev[node] = last;
                last = node;
            }
            setNext(last, NIL);
        }

        private int nextOf(int node) {
            return node == HEAD ? headNext : next[node];
        }

        private void setNext(int node, int value) {
            if (node == HEAD) headNext = value;
            else next[node] = value;
        }

        private void unlink(int node) {
            int p = prev[node];
            int q = next[node];
            setNext(p, q);
            if (q != NIL) prev[q] = p;
        }

        private void relink(int node) {
            setNext(prev[node], node);
            if (next[node] != NIL) prev[next[node]] = node;
        }

        private void lift(int op) {
            unlink(2 * op);
            if (!ops.get(op).indeterminate()) unlink(2 * op + 1);
        }

        private void unlift(int op) {
            if (!ops.get(op).indeterminate()) relink(2 * op + 1);
            relink(2 * op);
        }

        @SuppressWarnings("unchecked")
        Verdict run() {
            int remaining = 0;
            for (Operation<I, O> op : ops) if (!op.indeterminate()) remaining++;
            S state = model.init();
            Invariants.require(state != null, "model %s has a null initial state", model);
            int cur = headNext;
            while (remaining > 0) {
                if (!withinBudget()) return Verdict.UNKNOWN;
                Invariants.check(cur != NIL, "ran off the events with %s determinate operations unplaced", remaining);
                int op = cur >> 1;
                if ((cur & 1) == 0) {
                    // 1. A call: try to make this operation take effect now.
                    Operation<I, O> operation = ops.get(op);
                    Model.Step<S> step = operation.indeterminate()
                            ? model.stepIndeterminate(state, operation.input())
                            : model.step(state, operation.input(), operation.output());
                    boolean useful = step.ok() && !(operation.indeterminate() && step.state().equals(state));
                    if (useful && remember(op, step.state())) {
                        stackOps[depth] = op;
                        stackStates[depth] = state;
                        depth++;
                        state = step.state();
                        lift(op);
                        if (!operation.indeterminate()) remaining--;
                        cur = headNext;
                    } else {
                        cur = next[cur];
                    }
                } else {
                    // 2. A return of an operation not placed: this order is a dead end; undo the last placement.
                    noteDeadEnd(cur, state);
                    if (depth == 0) return Verdict.NOT_LINEARIZABLE;
                    depth--;
                    int undone = stackOps[depth];
                    state = (S) stackStates[depth];
                    stackStates[depth] = null;
                    flip(undone);
                    unlift(undone);
                    if (!ops.get(undone).indeterminate()) remaining++;
                    cur = next[2 * undone];
                }
            }
            return Verdict.LINEARIZABLE;
        }

        private boolean withinBudget() {
            steps++;
            if (steps > budget.maxSteps()) {
                unknownWhy = "step budget of " + budget.maxSteps() + " spent";
                return false;
            }
            if (memo.size() > budget.maxMemoEntries()) {
                unknownWhy = "memo limit of " + budget.maxMemoEntries() + " entries reached";
                memoFull = true;
                return false;
            }
            // The clock is read on the first step and every DEADLINE_CHECK_EVERY after: a clock read costs more than a step.
            if (steps % DEADLINE_CHECK_EVERY == 1 && budget.pastDeadline()) {
                unknownWhy = "deadline passed after " + steps + " steps";
                return false;
            }
            return true;
        }

        /** Marks {@code op} placed and records the pair; false (and unmarked) if it was explored before. */
        private boolean remember(int op, S state) {
            flip(op);
            if (memo.add(new MemoKey(placed.clone(), placedHash, state))) return true;
            flip(op);
            return false;
        }

        private void flip(int op) {
            placed[op >> 6] ^= 1L << (op & 63);
            placedHash ^= mix(op);
        }

        /**
         * Remembers the furthest dead end: the order so far and the operations pending before
         * {@code returnNode}. Furthest in time first, because every operation that returned
         * before it is placed there; an operation that can never be placed is always at the
         * furthest one, while depth alone can favour a wrong order padded with indeterminate ones.
         */
        private void noteDeadEnd(int returnNode, S state) {
            int at = rank[returnNode];
            if (at < bestRank || (at == bestRank && depth <= bestDepth)) return;
            bestRank = at;
            bestDepth = depth;
            bestPrefix = Arrays.copyOf(stackOps, depth);
            bestState = state;
            int blocked = returnNode >> 1;
            List<Integer> unplaced = new ArrayList<>();
            unplaced.add(blocked);
            for (int node = headNext; node != returnNode && node != NIL && unplaced.size() < MAX_UNPLACED_SHOWN; node = next[node]) {
                if ((node & 1) == 0 && node >> 1 != blocked) unplaced.add(node >> 1);
            }
            bestUnplaced = unplaced.stream().mapToInt(Integer::intValue).toArray();
        }

        CheckResult.Explanation<I, O> explain(String part) {
            List<Operation<I, O>> prefix = new ArrayList<>();
            for (int op : bestPrefix) prefix.add(ops.get(op));
            List<Operation<I, O>> unplaced = new ArrayList<>();
            for (int op : bestUnplaced) unplaced.add(ops.get(op));
            String state = bestState == null ? model.describe(model.init()) : model.describe(bestState);
            return new CheckResult.Explanation<>(part, n, prefix, state, unplaced);
        }

        /** A well-spread 64-bit value per operation, so the set's hash is a running XOR (splitmix64's finalizer). */
        private static long mix(int op) {
            long z = (op + 1) * 0x9E3779B97F4A7C15L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }
    }

    /** A remembered (placed set, state) pair. The set's hash is kept alongside so hashing is O(1). */
    private record MemoKey(long[] placed, long placedHash, Object state) {
        @Override
        public boolean equals(Object o) {
            return o instanceof MemoKey other && placedHash == other.placedHash && state.equals(other.state)
                    && Arrays.equals(placed, other.placed);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(placedHash) * 31 + state.hashCode();
        }
    }
}
