package io.tickwire.transport;

import java.util.concurrent.TimeUnit;

/**
 * REST answers a route promised to give later ({@link HttpExchange#LATER}, e.g. a stop answered once the run has
 * ended) and has not written yet. {@link FeedServer#close()} waits for them before it closes the connections, so
 * that a client whose stop ends the process still reads its answer. Any thread.
 */
final class InFlightAnswers {
    private int pending; // guarded by this

    synchronized void begin() {
        pending++;
    }

    /** The answer is written (or its connection has gone). */
    synchronized void end() {
        pending--;
        notifyAll();
    }

    /** Wait until no answer is pending, at most {@code timeoutMs}; true if none is. */
    synchronized boolean awaitNone(final long timeoutMs) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (pending > 0) {
            final long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
        return true;
    }
}
