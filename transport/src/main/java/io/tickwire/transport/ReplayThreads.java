package io.tickwire.transport;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that read journals for subscriptions resuming from before the in-memory tail: never an event loop.
 * Each {@link JournalReplay} is pinned to one of them (round robin), because a Chronicle tailer must stay on the
 * thread that first used it.
 */
final class ReplayThreads implements AutoCloseable {
    private final ExecutorService[] threads;
    private final AtomicInteger next = new AtomicInteger();

    ReplayThreads(final int count) {
        threads = new ExecutorService[count];
        for (int i = 0; i < count; i++) {
            final String name = "tw-replay-" + (i + 1);
            threads[i] = Executors.newSingleThreadExecutor(r -> {
                final Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            });
        }
    }

    /** The thread for a new replay. */
    ExecutorService next() {
        return threads[Math.floorMod(next.getAndIncrement(), threads.length)];
    }

    @Override
    public void close() {
        for (final ExecutorService t : threads) {
            t.shutdownNow();
        }
        for (final ExecutorService t : threads) {
            try {
                t.awaitTermination(2, TimeUnit.SECONDS);
            } catch (final InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
