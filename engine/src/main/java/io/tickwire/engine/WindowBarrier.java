package io.tickwire.engine;

import io.tickwire.engine.ring.PipelineFailedException;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Padding before the counter: the JVM lays a superclass's fields out before its subclass's. */
abstract class WindowBarrierLhsPadding {
    @SuppressWarnings("unused")
    protected long p01, p02, p03, p04, p05, p06, p07, p08;
}

/** The counter itself, alone on its cache line (as Disruptor's {@code Sequence}: LhsPadding, Value, RhsPadding). */
abstract class WindowBarrierValue extends WindowBarrierLhsPadding {
    protected volatile long arrived;
}

/** Padding after the counter, before the barrier's own (read-only) fields. */
abstract class WindowBarrierRhsPadding extends WindowBarrierValue {
    @SuppressWarnings("unused")
    protected long p11, p12, p13, p14, p15, p16, p17, p18;
}

/**
 * The barrier the workers pass at the end of every window of conservative synchronisation: none starts window
 * {@code w + 1} (and drains the messages of window {@code w}) before all have finished window {@code w}. One shared
 * counter that only grows, so there is nothing to reset: barrier number {@code k} (0-based, counted by each worker)
 * is passed once the counter reaches {@code parties × (k + 1)}. The counter's volatile increment and read order each
 * worker's mailbox writes before the other workers' drains. Every worker writes the counter once per window, so the
 * counter itself (not a reference to it) is padded on both sides, by the class hierarchy above.
 * <p>
 * Waiting spins briefly (windows are short and balanced), then yields, then parks: the machine may have fewer cores
 * than threads, and a spinning waiter would steal the core of the worker it waits for. A single worker has no
 * barrier at all. <b>Shared by the worker threads</b>; each keeps its own count of barriers passed.
 */
final class WindowBarrier extends WindowBarrierRhsPadding {
    private static final int SPINS = 200;
    private static final int YIELDS = 50;
    private static final long PARK_NS = 20_000;

    private static final VarHandle ARRIVED;

    static {
        try {
            ARRIVED = MethodHandles.lookup().findVarHandle(WindowBarrierValue.class, "arrived", long.class);
        } catch (final ReflectiveOperationException ex) {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final int parties;
    private final BooleanSupplier failed;

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
        if ((long)ARRIVED.getAndAdd(this, 1L) + 1 >= target) {
            return;
        }
        for (int i = 0; i < SPINS; i++) {
            if (arrived >= target) {
                return;
            }
            Thread.onSpinWait();
        }
        for (int i = 0; i < YIELDS; i++) {
            if (arrived >= target) {
                return;
            }
            Thread.yield();
        }
        while (arrived < target) {
            if (failed.getAsBoolean()) {
                throw PipelineFailedException.INSTANCE;
            }
            LockSupport.parkNanos(PARK_NS);
        }
    }
}
