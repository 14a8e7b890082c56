package io.tickwire.engine;

import io.tickwire.engine.ring.PipelineFailedException;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The barrier the workers pass at the end of every window of conservative synchronisation: none starts window
 * {@code w + 1} (and drains the messages of window {@code w}) before all have finished window {@code w}. One shared
 * counter that only grows, so there is nothing to reset: barrier number {@code k} (0-based, counted by each worker)
 * is passed once the counter reaches {@code parties × (k + 1)}. The counter's volatile increment and read order each
 * worker's mailbox writes before the other workers' drains.
 * <p>
 * Waiting spins briefly (windows are short and balanced), then yields, then parks: the machine may have fewer cores
 * than threads, and a spinning waiter would steal the core of the worker it waits for. A single worker has no
 * barrier at all. <b>Shared by the worker threads</b>; each keeps its own count of barriers passed.
 */
final class WindowBarrier {
    private static final int SPINS = 200;
    private static final int YIELDS = 50;
    private static final long PARK_NS = 20_000;

    private final int parties;
    private final BooleanSupplier failed;
    // Padded on both sides: every worker writes it once per window.
    @SuppressWarnings("unused")
    private long p01, p02, p03, p04, p05, p06, p07;
    private final AtomicLong arrived = new AtomicLong();
    @SuppressWarnings("unused")
    private long p11, p12, p13, p14, p15, p16, p17;

    WindowBarrier(final int parties, final BooleanSupplier failed) {
        this.parties = parties;
        this.failed = failed;
    }

    /**
     * Arrive at barrier number {@code passed} (how many this worker has passed before) and wait for every party.
     *
     * @throws PipelineFailedException when the pipeline has failed or is closing: the others may never come.
     */
    void await(final long passed) {
        final long target = (passed + 1) * parties;
        if (arrived.incrementAndGet() >= target) {
            return;
        }
        for (int i = 0; i < SPINS; i++) {
            if (arrived.get() >= target) {
                return;
            }
            Thread.onSpinWait();
        }
        for (int i = 0; i < YIELDS; i++) {
            if (arrived.get() >= target) {
                return;
            }
            Thread.yield();
        }
        while (arrived.get() < target) {
            if (failed.getAsBoolean()) {
                throw PipelineFailedException.INSTANCE;
            }
            LockSupport.parkNanos(PARK_NS);
        }
    }
}
