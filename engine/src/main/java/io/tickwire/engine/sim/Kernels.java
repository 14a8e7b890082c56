package io.tickwire.engine.sim;

import io.tickwire.engine.diagram.Diagram;

/**
 * Every partition of a diagram, its kernels and the mailboxes between them, with the window arithmetic they share.
 * {@link #advanceTick} runs a whole tick on the calling thread — all partitions, window by window — which is exactly
 * what several workers do between their barriers, so it gives the same events (tests, benchmarks and tools use it).
 */
public final class Kernels {
    private final Partitioner.Plan plan;
    private final PartitionKernel[] kernels;
    private final long tickLengthNs;
    private final int windowsPerTick;
    private final LatencyTable latencyTable = new LatencyTable();

    public Kernels(final Diagram diagram, final long seed) {
        this(diagram, seed, Long.MAX_VALUE);
    }

    /**
     * @param maxPendingEvents the bound on the requests, calls and events all partitions keep pending at once (see
     *                         {@link PartitionKernel#overloaded()}).
     * @throws IllegalArgumentException if the diagram needs more than that to start.
     */
    public Kernels(final Diagram diagram, final long seed, final long maxPendingEvents) {
        plan = Partitioner.plan(diagram);
        final Mailboxes mailboxes = plan.newMailboxes();
        kernels = new PartitionKernel[plan.count()];
        final PendingBudget budget = maxPendingEvents == Long.MAX_VALUE ? PendingBudget.UNBOUNDED
            : new PendingBudget(maxPendingEvents);
        for (int p = 0; p < kernels.length; p++) {
            kernels[p] = new PartitionKernel(diagram, plan, p, mailboxes, seed, latencyTable);
            kernels[p].pendingBudget(budget);
        }
        tickLengthNs = diagram.tickLengthNs();
        windowsPerTick = plan.windowsPerTick(tickLengthNs);
    }

    public Partitioner.Plan plan() {
        return plan;
    }

    public int count() {
        return kernels.length;
    }

    public PartitionKernel kernel(final int partition) {
        return kernels[partition];
    }

    /** The run's distributions that {@link KernelAction#SET_LATENCY} names (shared by every partition). */
    public LatencyTable latencyTable() {
        return latencyTable;
    }

    public int windowsPerTick() {
        return windowsPerTick;
    }

    /** Start of window {@code k} of tick {@code tick}. */
    public long windowStartNs(final long tick, final int k) {
        return k == 0 ? tick * tickLengthNs : plan.windowEndNs(tick * tickLengthNs, tickLengthNs, k - 1);
    }

    /** Exclusive end of window {@code k} of tick {@code tick}. */
    public long windowEndNs(final long tick, final int k) {
        return plan.windowEndNs(tick * tickLengthNs, tickLengthNs, k);
    }

    /** Run-wide number of window {@code k} of tick {@code tick}. */
    public long window(final long tick, final int k) {
        return tick * windowsPerTick + k;
    }

    /** Simulate tick {@code tick} of every partition on this thread, then report every partition's gauges. */
    public void advanceTick(final long tick, final SampleSink sink) {
        advanceTick(tick, null, sink);
    }

    /**
     * As {@link #advanceTick(long, SampleSink)}, with {@code actions} (null for none) applied at the tick's start,
     * as the workers apply a tick command's: to each partition after the delivery of the first window's messages.
     */
    public void advanceTick(final long tick, final KernelActions actions, final SampleSink sink) {
        for (int k = 0; k < windowsPerTick; k++) {
            final long window = window(tick, k);
            final long start = windowStartNs(tick, k);
            final long end = windowEndNs(tick, k);
            for (final PartitionKernel kernel : kernels) {
                kernel.deliver(window, start);
                if (k == 0 && actions != null) {
                    kernel.apply(actions, tick, start, sink);
                }
                kernel.advance(tick, end, sink);
            }
        }
        final long endNs = (tick + 1) * tickLengthNs;
        for (final PartitionKernel kernel : kernels) {
            kernel.endTick(tick, endNs, sink);
        }
    }

    /** Service visits simulated so far, over all partitions. */
    public long visits() {
        long visits = 0;
        for (final PartitionKernel kernel : kernels) {
            visits += kernel.visits();
        }
        return visits;
    }
}
