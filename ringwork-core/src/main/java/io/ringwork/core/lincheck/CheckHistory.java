package io.ringwork.core.lincheck;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Checks recorded histories from the command line:
 * {@code CheckHistory [--max-steps N] FILE...} prints one verdict per file (and, for a history
 * that is not linearizable, the longest linearizable prefix and what could not follow it).
 *
 * <p>Formats, recognised by the first non-blank line: {@link JsonLinesHistory} (key-value
 * operations, {@link VersionedKvModel}), a Jepsen etcd log and Porcupine's key-value EDN
 * ({@link PorcupineHistories}). The budget is in steps only, so a file gets the same verdict on
 * any machine.
 *
 * <p>Exit code: 0 when every file is linearizable; 1 when any is not; otherwise 2 when a file
 * could not be read or parsed (or the arguments are wrong), 3 when any check ran out of budget.
 *
 * <p>This is the one class of core that opens files (LayeringTest makes an exception for it by
 * name): it is a command-line edge, and the checker itself stays file-free.
 */
public final class CheckHistory {
    static final int LINEARIZABLE = 0;
    static final int NOT_LINEARIZABLE = 1;
    static final int BAD_INPUT = 2;
    static final int UNKNOWN = 3;

    private CheckHistory() {}

    public static void main(String[] args) {
        int code = run(List.of(args), CheckHistory::open, System.out, System.err);
        System.exit(code);
    }

    /** Runs the command with files opened by {@code open}; returns the exit code. */
    static int run(List<String> args, Function<String, Reader> open, PrintStream out, PrintStream err) {
        long maxSteps = Budget.DEFAULT.maxSteps();
        List<String> files = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--max-steps") && i + 1 < args.size()) {
                try {
                    maxSteps = Long.parseLong(args.get(++i));
                } catch (NumberFormatException e) {
                    maxSteps = 0;
                }
                if (maxSteps < 1) {
                    err.println("check-history: --max-steps must be a positive integer, not " + args.get(i));
                    return BAD_INPUT;
                }
            } else if (arg.startsWith("-")) {
                err.println("check-history: unknown option " + arg + "; usage: CheckHistory [--max-steps N] FILE...");
                return BAD_INPUT;
            } else {
                files.add(arg);
            }
        }
        if (files.isEmpty()) {
            err.println("usage: CheckHistory [--max-steps N] FILE...  (JSON lines, Jepsen etcd log or Porcupine kv EDN)");
            return BAD_INPUT;
        }
        Budget budget = Budget.steps(maxSteps, Budget.DEFAULT.maxMemoEntries());
        boolean notLinearizable = false, bad = false, unknown = false;
        for (String file : files) {
            try (Reader in = open.apply(file)) {
                CheckResult<?, ?> result = check(in, budget);
                out.println(file + ": " + result.describe());
                notLinearizable |= result.verdict() == Verdict.NOT_LINEARIZABLE;
                unknown |= result.verdict() == Verdict.UNKNOWN;
            } catch (UncheckedIOException e) {
                err.println(file + ": cannot read: " + reason(e.getCause()));
                bad = true;
            } catch (IOException e) {
                err.println(file + ": cannot read: " + reason(e));
                bad = true;
            } catch (IllegalArgumentException e) {
                err.println(file + ": " + e.getMessage());
                bad = true;
            }
        }
        if (notLinearizable) return NOT_LINEARIZABLE;
        if (bad) return BAD_INPUT;
        return unknown ? UNKNOWN : LINEARIZABLE;
    }

    /** Reads a history in whichever format its first non-blank line shows, and checks it. */
    static CheckResult<?, ?> check(Reader in, Budget budget) throws IOException {
        BufferedReader reader = new BufferedReader(in);
        reader.mark(1 << 20);
        String first;
        do {
            first = reader.readLine();
        } while (first != null && (first.isBlank() || first.startsWith("#")));
        reader.reset();
        if (first == null) return LinearizabilityChecker.check(VersionedKvModel.INSTANCE, List.of(), budget);
        if (first.startsWith("INFO")) return LinearizabilityChecker.check(CasRegisterModel.INSTANCE, PorcupineHistories.jepsenEtcd(reader), budget);
        if (first.startsWith("{:")) return LinearizabilityChecker.check(KvModel.INSTANCE, PorcupineHistories.kv(reader), budget);
        return LinearizabilityChecker.check(VersionedKvModel.INSTANCE, JsonLinesHistory.parse(reader), budget);
    }

    private static String reason(IOException e) {
        return switch (e) {
            case NoSuchFileException missing -> "no such file";
            case AccessDeniedException denied -> "permission denied";
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
    }

    static Reader open(String file) {
        try {
            return Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
