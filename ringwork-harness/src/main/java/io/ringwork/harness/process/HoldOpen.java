package io.ringwork.harness.process;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Keeps what a command started running for a person to look around ({@code ringwork demo
 * --keep}), until Ctrl-C or an interrupt, then stops it. A shutdown hook holds the JVM's exit
 * until the stop is done, so no node outlives the command.
 */
public final class HoldOpen {
    private HoldOpen() {}

    /** A way to stop what is held; may throw. */
    @FunctionalInterface
    public interface Stop {
        void run() throws Exception;
    }

    /** Prints {@code lines} and "Press Ctrl-C to stop it", waits for Ctrl-C, then runs {@code stop}. */
    public static void untilStopped(PrintStream out, List<String> lines, Stop stop) throws Exception {
        CountDownLatch stopAsked = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stopAsked.countDown();
            try {
                stopped.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "ringwork-hold-open-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println();
        lines.forEach(out::println);
        out.println("Press Ctrl-C to stop it.");
        out.flush();
        try {
            stopAsked.await();
        } finally {
            out.println("Stopping...");
            try {
                stop.run();
            } finally {
                stopped.countDown();
            }
        }
    }
}
