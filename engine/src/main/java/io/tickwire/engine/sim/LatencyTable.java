package io.tickwire.engine.sim;

import java.util.Arrays;

/**
 * The run's table of service-time distributions that {@link KernelAction#SET_LATENCY} names by index: append-only,
 * so that a live edit's distribution is built (and allocated) by the control plane, never by a worker.
 * <p>
 * <b>One writer</b> (the orchestrator's thread) adds an entry before it publishes the command that names it; the
 * command ring's publication orders the write before the workers' reads. The array reference is volatile, so a
 * reader that learns an index some other way still sees the entry.
 */
public final class LatencyTable {
    private volatile LatencyDistribution[] entries = new LatencyDistribution[0];

    /** @return the index of {@code distribution}, to put in a SET_LATENCY action. Writer thread only. */
    public int add(final LatencyDistribution distribution) {
        final LatencyDistribution[] current = entries;
        final LatencyDistribution[] grown = Arrays.copyOf(current, current.length + 1);
        grown[current.length] = distribution;
        entries = grown;
        return current.length;
    }

    public LatencyDistribution get(final int index) {
        final LatencyDistribution[] current = entries;
        if (index < 0 || index >= current.length) {
            throw new IllegalArgumentException("no latency " + index + " in the table (" + current.length + ")");
        }
        return current[index];
    }

    public int size() {
        return entries.length;
    }
}
