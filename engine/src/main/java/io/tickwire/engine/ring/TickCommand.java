package io.tickwire.engine.ring;

import io.tickwire.engine.sim.KernelActions;

/**
 * Slot of the command ring: the orchestrator tells every worker to simulate one tick window, and what the control
 * plane changes at its start. Mutable, preallocated, reused; written only by the orchestrator before publication.
 */
public final class TickCommand {
    public static final int TICK = 1;
    public static final int END = 2;

    public int kind;
    public long tick;
    /** Exclusive end of the tick window, simulated ns. */
    public long endNs;
    /** Applied by every worker to its partitions at the tick's start, in order; empty for most ticks. */
    public final KernelActions actions = new KernelActions();

    /** Set the command and clear its actions (add the tick's actions after this, before publishing). */
    public void set(final int kind, final long tick, final long endNs) {
        this.kind = kind;
        this.tick = tick;
        this.endNs = endNs;
        actions.clear();
    }
}
