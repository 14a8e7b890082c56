package io.tickwire.engine.diagram;

/**
 * A bulkhead on a sync call ({@code bulkhead:}), resilience4j's semaphore bulkhead: at most {@code maxConcurrent}
 * attempts of this call from the caller service are outstanding at once (sent, not yet answered or timed out). An
 * attempt that finds it full waits, first come first served, for up to {@code maxWaitNs} (0: refused at once); one
 * still waiting then is refused. A refused attempt fails at once, as an error answer (the call's retries apply), and is
 * counted as {@code bulkheadRefused} at the caller. One bulkhead per call of a service, shared by its replicas.
 *
 * @param maxConcurrent attempts outstanding at once (>= 1).
 * @param maxWaitNs     how long an attempt may wait for room (>= 0).
 */
public record BulkheadSpec(int maxConcurrent, long maxWaitNs) {
    public BulkheadSpec {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("maxConcurrent must be >= 1, got " + maxConcurrent);
        }
        if (maxWaitNs < 0) {
            throw new IllegalArgumentException("maxWait must be >= 0, got " + maxWaitNs);
        }
    }
}
