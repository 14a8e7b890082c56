package io.tickwire.engine.sim;

/**
 * What the orchestrator asks, before it issues each tick, for the {@link KernelAction}s that take effect at that
 * tick's start. Called on the orchestrator's thread only, for ticks 0, 1, 2, ... in order; must not block for long
 * (it holds the tick back) and should not allocate in the steady state.
 */
@FunctionalInterface
public interface KernelActionSource {
    /** Add tick {@code tick}'s actions to {@code into} (empty on entry). */
    void actionsFor(long tick, KernelActions into);
}
