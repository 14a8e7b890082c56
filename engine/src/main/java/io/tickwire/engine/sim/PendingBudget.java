package io.tickwire.engine.sim;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bound on what the partitions of one run keep pending at once — requests in flight, sync calls outstanding,
 * events scheduled — shared by every partition of the run, whichever worker runs it. Each pending-state structure
 * reserves room here when it grows (by doubling, so rarely: the steady state never touches this); a growth that would
 * pass the bound fails with {@link PendingLimitException} and the run ends as overloaded instead of exhausting the
 * heap. <b>Thread-safe</b>: partitions on several workers reserve from one budget.
 */
final class PendingBudget {
    static final PendingBudget UNBOUNDED = new PendingBudget(Long.MAX_VALUE);

    private final long limit;
    private final AtomicLong reserved = new AtomicLong();

    PendingBudget(final long limit) {
        this.limit = limit;
    }

    long limit() {
        return limit;
    }

    /** @throws PendingLimitException if {@code slots} more would pass the bound (nothing is reserved then). */
    void reserve(final long slots) {
        if (this == UNBOUNDED) {
            return; // shared by every unbounded run: keep it uncontended
        }
        long current;
        do {
            current = reserved.get();
            if (current + slots > limit) {
                throw PendingLimitException.INSTANCE;
            }
        } while (!reserved.compareAndSet(current, current + slots));
    }
}
