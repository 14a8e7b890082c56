package io.tickwire.engine.diagram;

import java.util.Objects;

/**
 * A call from one service to another.
 * <p>
 * {@link Mode#FORWARD}: after a successful visit the request moves on to {@code target} with {@code probability}
 * (Jackson-style routing; a service's forward calls sum to at most 1, the rest leaves the system).
 * {@link Mode#SYNC}: the caller keeps its server while the callee works, and completes only once the callee has
 * answered (or the call has failed after its retries); {@code probability} is the independent chance the call is
 * made at all.
 *
 * @param target      id of the called service.
 * @param to          its name.
 * @param probability chance this call is taken.
 * @param delayNs     network hop delay: before the request arrives at the target and, for a sync call, again before
 *                    the answer arrives back at the caller.
 * @param mode        forward or sync.
 * @param timeoutNs   sync calls: how long the caller waits for an answer after sending, {@link #NO_TIMEOUT} for ever.
 * @param retry       sync calls: what the caller does after an error or a timeout.
 * @param bulkhead    sync calls: at most so many attempts outstanding at once; null for none.
 * @param breaker     sync calls: the circuit breaker every attempt asks first; null for none.
 */
public record CallSpec(int target, String to, double probability, long delayNs, Mode mode, long timeoutNs,
                       RetrySpec retry, BulkheadSpec bulkhead, BreakerSpec breaker) {
    public static final long NO_TIMEOUT = 0;

    public CallSpec {
        Objects.requireNonNull(mode);
        Objects.requireNonNull(retry);
    }

    /** A call without bulkhead or breaker. */
    public CallSpec(final int target, final String to, final double probability, final long delayNs, final Mode mode,
                    final long timeoutNs, final RetrySpec retry) {
        this(target, to, probability, delayNs, mode, timeoutNs, retry, null, null);
    }

    /** A forward call. */
    public CallSpec(final int target, final String to, final double probability, final long delayNs) {
        this(target, to, probability, delayNs, Mode.FORWARD, NO_TIMEOUT, RetrySpec.NONE);
    }

    public boolean isSync() {
        return mode == Mode.SYNC;
    }

    public enum Mode {
        FORWARD, SYNC
    }
}
