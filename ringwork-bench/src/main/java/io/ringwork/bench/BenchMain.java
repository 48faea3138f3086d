package io.ringwork.bench;

import java.util.Arrays;

/** {@code ./ringwork bench NAME [options]}: runs one benchmark and prints its table. */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        String name = args.length == 0 ? "" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        switch (name) {
            case "gluer" -> GluerBench.main(rest);
            default -> {
                System.err.println("usage: ./ringwork bench gluer [--pieces N] [--runs R] [--latency-seconds S]");
                System.exit(2);
            }
        }
    }
}
