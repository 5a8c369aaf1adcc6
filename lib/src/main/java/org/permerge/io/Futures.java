package org.permerge.io;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The house's way to run work on a few background threads: daemon pools (an abandoned run never keeps the JVM
 * alive) and waiting for a task so that its own failure reaches the caller unwrapped.
 */
public final class Futures {
    private Futures() {}

    /** A pool of {@code threads} daemon threads named {@code name}. */
    public static ExecutorService daemonPool(int threads, String name) {
        return Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Waits for a task; its RuntimeException or Error is rethrown as it was thrown, anything else wrapped naming
     * {@code what} (e.g. "the forward passes").
     */
    public static void await(Future<?> f, String what) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what, e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new IllegalStateException(what + " failed: " + c, c);
        }
    }
}
