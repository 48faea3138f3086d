package io.ringwork.runtime.cli;

import java.io.PrintStream;

/** A one-line progress bar on stderr, redrawn at most every 200 ms. Not thread-safe. */
public final class Progress {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final String what;
    private final long total;
    private final long startNs = System.nanoTime();
    private long lastDrawNs;

    public Progress(PrintStream out, String what, long total) {
        this.out = out;
        this.what = what;
        this.total = total;
    }

    public void update(long done) {
        long now = System.nanoTime();
        if (now - lastDrawNs < 200_000_000L && done < total) return;
        lastDrawNs = now;
        double seconds = Math.max(1e-9, (now - startNs) / 1e9);
        int filled = total <= 0 ? WIDTH : (int) Math.min(WIDTH, WIDTH * done / total);
        out.printf("\r[%s%s] %3d%% %,d/%,d %s %,.0f/s ", "=".repeat(filled), " ".repeat(WIDTH - filled),
                total <= 0 ? 100 : 100 * done / total, done, total, what, done / seconds);
        out.flush();
    }

    public void finish(long done) {
        update(done);
        out.println();
    }

    double elapsedSeconds() {
        return (System.nanoTime() - startNs) / 1e9;
    }
}
