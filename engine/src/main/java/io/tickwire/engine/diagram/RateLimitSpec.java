package io.tickwire.engine.diagram;

/**
 * A token bucket in front of a service or at a load source's entry ({@code rateLimit:}): it holds up to {@code burst}
 * tokens, full at time 0, and gains {@code ratePerSec} tokens per second of simulated time (continuously, never above
 * {@code burst}). A request that finds a token takes it and goes on; one that finds none is refused at once: counted as
 * {@code rateLimited} at the service, never as an error or a rejection (an HTTP 429). Deterministic: no draw.
 *
 * @param ratePerSec tokens added per second (> 0): the long-run rate it lets through.
 * @param burst      the bucket's size (>= 1): how many requests may pass at once after a quiet spell.
 */
public record RateLimitSpec(double ratePerSec, int burst) {
    public RateLimitSpec {
        if (!(ratePerSec > 0) || Double.isInfinite(ratePerSec)) {
            throw new IllegalArgumentException("rate must be > 0, got " + ratePerSec);
        }
        if (burst < 1) {
            throw new IllegalArgumentException("burst must be >= 1, got " + burst);
        }
    }
}
