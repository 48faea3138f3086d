package io.ringwork.core.lincheck;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers for the two history formats of Porcupine's test data (the labelled histories in the
 * test resources): Jepsen's etcd log ({@code INFO  jepsen.util - 3	:ok	:cas	[1 4]}) and an EDN
 * key-value log ({@code {:process 0, :type :ok, :f :get, :key "5", :value ""}}). An event's time is
 * its line number. An {@code :invoke} is paired with the same process's next completion:
 * {@code :ok} returned, {@code :info} (or no completion at all) is indeterminate, and {@code :fail}
 * is a compare-and-set that found another value, or for any other operation one that did not
 * happen (dropped). Bad lines are an {@link IllegalArgumentException} naming the line.
 */
public final class PorcupineHistories {
    private static final Pattern JEPSEN = Pattern.compile("^INFO\\s+jepsen\\.util\\s+-\\s+(\\d+)\\s+:(\\w+)\\s+:(\\w+)\\s+(.*?)\\s*$");
    private static final Pattern KV = Pattern.compile(
            "^\\{:process (\\d+), :type :(\\w+), :f :(\\w+), :key \"([^\"]*)\", :value (nil|\"[^\"]*\")}\\s*$");
    private static final Pattern CAS_ARGS = Pattern.compile("^\\[(-?\\d+|nil) (-?\\d+|nil)]$");

    private PorcupineHistories() {}

    /** Reads a Jepsen etcd log: read, write and cas of one register (see {@link CasRegisterModel}). */
    public static List<Operation<CasRegisterModel.Input, CasRegisterModel.Output>> jepsenEtcd(Reader in) throws IOException {
        HistoryBuilder<CasRegisterModel.Input, CasRegisterModel.Output> history = new HistoryBuilder<>();
        List<String> lines = lines(in);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            try {
                jepsenLine(history, i, line);
            } catch (IllegalArgumentException e) {
                throw atLine(i, e, line);
            }
        }
        return history.operations();
    }

    private static void jepsenLine(HistoryBuilder<CasRegisterModel.Input, CasRegisterModel.Output> history, int i, String line) {
        Matcher m = JEPSEN.matcher(line);
        if (!m.matches()) throw bad(i, "not a Jepsen log line", line);
        int process = Integer.parseInt(m.group(1));
        String type = m.group(2);
        String f = m.group(3);
        String value = m.group(4);
        if (type.equals("invoke")) {
            CasRegisterModel.Input input = switch (f) {
                case "read" -> new CasRegisterModel.Read();
                case "write" -> new CasRegisterModel.Write(integer(i, value));
                case "cas" -> casInput(i, value);
                default -> throw bad(i, "unknown operation :" + f, line);
            };
            history.call(process, input, i);
        } else {
            CasRegisterModel.Output output = switch (type) {
                case "ok" -> f.equals("read") ? CasRegisterModel.Output.read(integer(i, value)) : CasRegisterModel.Output.ok(true);
                case "fail" -> f.equals("cas") ? CasRegisterModel.Output.ok(false) : null;
                case "info" -> null;
                default -> throw bad(i, "unknown type :" + type, line);
            };
            complete(history, i, process, type, output);
        }
    }

    /** Reads an EDN key-value log: get, put and append on string keys (see {@link KvModel}). */
    public static List<Operation<KvModel.Input, String>> kv(Reader in) throws IOException {
        HistoryBuilder<KvModel.Input, String> history = new HistoryBuilder<>();
        List<String> lines = lines(in);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            try {
                kvLine(history, i, line);
            } catch (IllegalArgumentException e) {
                throw atLine(i, e, line);
            }
        }
        return history.operations();
    }

    private static void kvLine(HistoryBuilder<KvModel.Input, String> history, int i, String line) {
        Matcher m = KV.matcher(line);
        if (!m.matches()) throw bad(i, "not a key-value EDN line", line);
        int process = Integer.parseInt(m.group(1));
        String type = m.group(2);
        String key = m.group(4);
        String value = m.group(5).equals("nil") ? null : m.group(5).substring(1, m.group(5).length() - 1);
        if (type.equals("invoke")) {
            KvModel.Kind kind = switch (m.group(3)) {
                case "get" -> KvModel.Kind.GET;
                case "put" -> KvModel.Kind.PUT;
                case "append" -> KvModel.Kind.APPEND;
                default -> throw bad(i, "unknown operation :" + m.group(3), line);
            };
            if (kind != KvModel.Kind.GET && value == null) throw bad(i, kind + " without a value", line);
            history.call(process, new KvModel.Input(kind, key, kind == KvModel.Kind.GET ? null : value), i);
        } else {
            if (!type.equals("ok") && !type.equals("fail") && !type.equals("info")) throw bad(i, "unknown type :" + type, line);
            // A get's output is the value read (nil reads as the empty string, the initial value);
            // a put or append returns nothing, and its :ok line's value is the input again.
            boolean get = m.group(3).equals("get");
            complete(history, i, process, type, !type.equals("ok") || !get ? null : value == null ? "" : value);
        }
    }

    private static CasRegisterModel.Cas casInput(int line, String value) {
        Matcher m = CAS_ARGS.matcher(value);
        if (!m.matches()) throw bad(line, "a cas needs [expected new]", value);
        return new CasRegisterModel.Cas(integer(line, m.group(1)), integer(line, m.group(2)));
    }

    private static Integer integer(int line, String value) {
        if (value.equals("nil")) return null;
        try {
            return Integer.valueOf(value);
        } catch (NumberFormatException e) {
            throw bad(line, "not an integer or nil", value);
        }
    }

    private static List<String> lines(Reader in) throws IOException {
        BufferedReader reader = in instanceof BufferedReader b ? b : new BufferedReader(in);
        return reader.lines().toList();
    }

    static IllegalArgumentException bad(int line, String what, String text) {
        String shown = text.length() > 120 ? text.substring(0, 120) + "..." : text;
        return new IllegalArgumentException("line " + (line + 1) + ": " + what + ": " + shown);
    }

    /** Feeds one completion to {@code history}: ok returned, info is indeterminate, fail returned {@code output} or, if null, did not happen. */
    private static <I, O> void complete(HistoryBuilder<I, O> history, int line, int process, String type, O output) {
        switch (type) {
            case "ok" -> history.returned(process, output, line);
            case "info" -> history.timedOut(process);
            default -> {
                if (output != null) history.returned(process, output, line);
                else history.failed(process);
            }
        }
    }

    /** The builder's complaint (a process that calls twice, or completes nothing) with its line. */
    private static IllegalArgumentException atLine(int line, IllegalArgumentException e, String text) {
        return e.getMessage().startsWith("line ") ? e : bad(line, e.getMessage(), text);
    }
}
