package io.tickwire.engine;

import java.util.concurrent.TimeUnit;

/**
 * A run that closes ticks and hands them to its {@link TickListener}s: a {@link Simulation} (ticks of simulated
 * time, from a diagram) or an {@link io.tickwire.engine.observe.Observation} (ticks of wall-clock time, from real
 * metric sources). Transport's {@code RunLauncher} attaches the same listeners (journal, feed, ...) to either, and the
 * registry, REST and CLI control them through this.
 * <p>
 * Lifecycle: {@link #addListener} (before start), {@link #start}, then the run ends (its budget, or {@link #stop});
 * {@link #awaitTermination}; {@link #close} releases its threads.
 */
public interface TickSource extends AutoCloseable {
    /** The run's id: the feed's simulationId. */
    long id();

    /** The run's name: the diagram's, or the observe configuration's. */
    String name();

    /** Length of a tick, ns. */
    long tickLengthNs();

    /** Add a consumer of closed ticks; only before {@link #start()}. */
    TickSource addListener(TickListener listener);

    void start();

    /** Ask the run to end; every tick already closed (or due) is still delivered. */
    void stop();

    /** @return true once every listener has seen the end (or the run failed). */
    boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException;

    /** Stop, drain (bounded) and stop every thread. Idempotent. */
    @Override
    void close();

    Simulation.State state();

    /** Why the run ended, once it has; null before. */
    TickListener.EndReason endReason();

    /** What made the run fail, or null. */
    Throwable failure();

    /** Ticks closed so far. */
    long ticksClosed();

    /** The run's {@code Catalog} message, header included (a copy): as it was at creation. */
    byte[] catalog();
}
