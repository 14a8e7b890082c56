package io.tickwire.engine;

import org.agrona.DirectBuffer;

/**
 * The port through which closed ticks leave the engine (the journal and the broadcaster implement it).
 * <p>
 * Each listener runs on <b>its own thread</b>, as a consumer of the engine's output ring: calls to one listener
 * come from one thread, in order, and a slow listener delays no other (until the output ring is full, when it
 * back-pressures the aggregator). The buffers are ring slots, valid only during the call: copy what you keep.
 * Every buffer holds one complete SBE message, header included.
 */
public interface TickListener {
    /** First call, once: the simulation's {@code Catalog} message. */
    void onCatalog(DirectBuffer buffer, int offset, int length);

    /**
     * One closed tick: a {@code TickSummary} message. Ticks arrive in order with consecutive numbers from 0.
     *
     * @param endOfBatch true when no further tick is immediately available: the time to flush.
     */
    void onTick(DirectBuffer buffer, int offset, int length, long tick, boolean endOfBatch);

    /**
     * An event of tick {@code tick} (one SBE message of the event family, e.g. {@code ReplicaEvent}), after that
     * tick's {@link #onTick} and before the next tick's, in the order the engine emits them. Ignored by default.
     */
    default void onEvent(final DirectBuffer buffer, final int offset, final int length, final long tick) {
    }

    /**
     * An observed run's new rows (a {@code CatalogUpdate} message): called before the first tick that holds them, so
     * that each row of a tick is known by then. Never called for a simulation. The default ignores it.
     */
    default void onCatalogUpdate(final DirectBuffer buffer, final int offset, final int length) {
    }

    /**
     * Last call, once: the simulation ended. Normally on the listener's thread; if the pipeline failed and this
     * listener's thread stopped before the end reached it, {@link Simulation#close()} calls it from the closing
     * thread once the listener's thread has terminated (so nothing else runs on the listener concurrently).
     *
     * @param lastTick the last tick delivered, or -1 if none was.
     * @param reason   why it ended.
     */
    void onEnd(long lastTick, EndReason reason);

    enum EndReason {
        /** The configured number of ticks or duration was reached. */
        COMPLETED,
        /** {@link Simulation#stop()} was called. */
        STOPPED,
        /** A thread of the pipeline failed; see {@link Simulation#failure()}. */
        FAILED,
        /** The journal's filesystem ran low on space: the run stopped at the last tick the journal holds. */
        DISK_FULL,
        /**
         * More requests and events were pending at once than the run's bound
         * ({@link Simulation.Context#maxPendingEvents}): the system is overloaded without bound.
         */
        OVERLOADED;

        /** As the schema's {@code EndReason} spells it (the same names). */
        public io.tickwire.sbe.EndReason code() {
            return io.tickwire.sbe.EndReason.valueOf(name());
        }

        /** A reason as journaled or received; FAILED when there is none (the end was never written). */
        public static EndReason of(final io.tickwire.sbe.EndReason code) {
            if (code == null || code == io.tickwire.sbe.EndReason.NULL_VAL) {
                return FAILED;
            }
            return valueOf(code.name());
        }
    }
}
