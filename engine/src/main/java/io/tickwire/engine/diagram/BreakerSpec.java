package io.tickwire.engine.diagram;

import java.util.Objects;

/**
 * A circuit breaker on a sync call ({@code breaker:}), with resilience4j's {@code CircuitBreaker} semantics and
 * defaults. Each attempt of the call asks the breaker first; the outcome of a permitted attempt (an answer, an error
 * answer or a timeout: failures; an answer later than {@code slowCallDurationNs}: slow) is recorded when it comes back
 * to the caller. One breaker per call of a service, shared by its replicas. See {@code docs/diagram.md}.
 *
 * @param window                 COUNT_BASED: the last {@code windowSize} calls; TIME_BASED: the calls of the last
 *                               {@code windowSize} whole seconds of simulated time.
 * @param windowSize             calls or seconds (>= 1).
 * @param minimumCalls           calls the window must hold before its rates are evaluated (count-based: at most the
 *                               window's size).
 * @param failureRateThreshold   percent (0, 100]: at or above it, the breaker opens.
 * @param slowCallRateThreshold  percent (0, 100]: at or above it, the breaker opens.
 * @param slowCallDurationNs     a call that takes longer is slow.
 * @param waitInOpenNs           how long it stays OPEN; the first attempt strictly after that makes it HALF_OPEN.
 * @param permittedInHalfOpen    attempts let through in HALF_OPEN; their outcomes decide CLOSED or OPEN again.
 * @param fallbackNs             what a refused attempt does: {@link #FAIL_FAST} fails at once (an error answer);
 *                               >= 0 answers OK after that latency (a fallback, served by the caller).
 */
public record BreakerSpec(Window window, int windowSize, int minimumCalls, float failureRateThreshold,
                          float slowCallRateThreshold, long slowCallDurationNs, long waitInOpenNs,
                          int permittedInHalfOpen, long fallbackNs) {
    public static final long FAIL_FAST = -1;
    // resilience4j's CircuitBreakerConfig defaults.
    public static final int DEFAULT_WINDOW_SIZE = 100;
    public static final int DEFAULT_MINIMUM_CALLS = 100;
    public static final float DEFAULT_FAILURE_RATE_THRESHOLD = 50;
    public static final float DEFAULT_SLOW_CALL_RATE_THRESHOLD = 100;
    public static final long DEFAULT_SLOW_CALL_DURATION_NS = 60_000_000_000L;
    public static final long DEFAULT_WAIT_IN_OPEN_NS = 60_000_000_000L;
    public static final int DEFAULT_PERMITTED_IN_HALF_OPEN = 10;

    public BreakerSpec {
        Objects.requireNonNull(window);
        if (windowSize < 1 || minimumCalls < 1 || permittedInHalfOpen < 1) {
            throw new IllegalArgumentException("window size, minimum calls and permitted calls must be >= 1");
        }
        if (!(failureRateThreshold > 0 && failureRateThreshold <= 100)
            || !(slowCallRateThreshold > 0 && slowCallRateThreshold <= 100)) {
            throw new IllegalArgumentException("thresholds must be in (0, 100]");
        }
        if (slowCallDurationNs < 1 || waitInOpenNs < 1 || fallbackNs < FAIL_FAST) {
            throw new IllegalArgumentException("bad durations");
        }
    }

    public enum Window {
        COUNT_BASED, TIME_BASED
    }
}
