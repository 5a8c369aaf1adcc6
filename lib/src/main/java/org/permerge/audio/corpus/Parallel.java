package org.permerge.audio.corpus;

import java.util.List;
import java.util.concurrent.ExecutorService;
import org.permerge.io.Futures;
import java.util.concurrent.Future;
import java.util.ArrayList;

/** Runs independent work items on a few threads and rethrows the first failure. */
final class Parallel {
    interface Item<T> {
        void run(int index, T item) throws Exception;
    }

    private Parallel() {}

    static <T> void forEach(List<T> items, int threads, Item<T> work) {
        ExecutorService pool = Futures.daemonPool(Math.min(threads, items.size()), "corpus-worker");
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                int k = i;
                futures.add(pool.submit(() -> {
                    work.run(k, items.get(k));
                    return null;
                }));
            }
            for (Future<?> f : futures) Futures.await(f, "the corpus workers");
        } finally {
            pool.shutdownNow();
        }
    }
}
