package io.tickwire.engine.sim;

/**
 * A partition would pass its run's {@link PendingBudget}: thrown where a pending-state structure grows, caught by
 * the partition's {@link PartitionKernel#advance} (or {@link PartitionKernel#deliver}), which then reports the run
 * overloaded. Stackless singleton: it is control flow, once per run.
 */
final class PendingLimitException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final PendingLimitException INSTANCE = new PendingLimitException();

    private PendingLimitException() {
        super("more requests and events pending than the run's bound", null, false, false);
    }
}
