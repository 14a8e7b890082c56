package io.tickwire.engine.sim;

import io.tickwire.engine.diagram.RateLimitSpec;

/**
 * A token bucket on simulated time: {@code burst} tokens at time 0, {@code rate} more per second, continuously, never
 * above {@code burst}; a request takes one or is refused. No draw: deterministic. <b>Single-threaded.</b>
 */
final class TokenBucket {
    private final double tokensPerNs;
    private final double burst;
    private double tokens;
    private long filledToNs;

    TokenBucket(final RateLimitSpec spec) {
        tokensPerNs = spec.ratePerSec() / 1e9;
        burst = spec.burst();
        tokens = burst;
    }

    /** @return true if a request arriving at {@code nowNs} (not before the last one) takes a token. */
    boolean tryTake(final long nowNs) {
        double t = tokens + (nowNs - filledToNs) * tokensPerNs;
        if (t > burst) {
            t = burst;
        }
        filledToNs = nowNs;
        if (t >= 1.0) {
            tokens = t - 1.0;
            return true;
        }
        tokens = t;
        return false;
    }
}
