package io.tickwire.engine.ring;

/**
 * Slot of the command ring: the orchestrator tells every worker to simulate one tick window. Mutable, preallocated,
 * reused; written only by the orchestrator before publication.
 */
public final class TickCommand {
    public static final int TICK = 1;
    public static final int END = 2;

    public int kind;
    public long tick;
    /** Exclusive end of the tick window, simulated ns. */
    public long endNs;

    public void set(final int kind, final long tick, final long endNs) {
        this.kind = kind;
        this.tick = tick;
        this.endNs = endNs;
    }
}
