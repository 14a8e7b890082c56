package io.tickwire.engine.diagram;

/**
 * Retries of a sync call after an error answer or a timeout. Retry k (1-based) is sent
 * {@code min(backoff × 2^(k-1), maxBackoff)} after the failure, or a uniform fraction of that with full jitter; each
 * retry is a new arrival at the callee.
 *
 * @param attempts     retries after the first try (0: none).
 * @param backoffNs    the first retry's backoff.
 * @param maxBackoffNs the cap on any backoff.
 * @param fullJitter   draw the backoff uniformly in [0, backoff) from the caller's stream, else wait it exactly.
 */
public record RetrySpec(int attempts, long backoffNs, long maxBackoffNs, boolean fullJitter) {
    public static final RetrySpec NONE = new RetrySpec(0, 0, 0, false);

    /** The backoff before retry {@code k} (1-based), before jitter. */
    public long backoffNs(final int k) {
        final int shift = Math.min(k - 1, 62);
        final long doubled = backoffNs > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : backoffNs << shift;
        return Math.min(doubled, maxBackoffNs);
    }
}
