package io.tickwire.engine.diagram;

import java.util.Locale;
import java.util.Set;

/**
 * Reads the resilience sections: {@code rateLimit} (a service's or a load source's), and a sync call's
 * {@code bulkhead} and {@code breaker}.
 */
final class ResilienceReader {
    private static final Set<String> RATE_LIMIT_FIELDS = Set.of("rate", "burst");
    private static final Set<String> BULKHEAD_FIELDS = Set.of("maxConcurrent", "maxWait");
    private static final Set<String> BREAKER_FIELDS = Set.of("slidingWindowType", "slidingWindowSize",
        "minimumNumberOfCalls", "failureRateThreshold", "slowCallRateThreshold", "slowCallDurationThreshold",
        "waitDurationInOpenState", "permittedNumberOfCallsInHalfOpenState", "fallback");
    static final int MAX_COUNT = 1_000_000;

    private ResilienceReader() {
    }

    /** @return the token bucket; null when absent or refused. */
    static RateLimitSpec rateLimit(final DiagramNode node) {
        if (!node.isMappingOf(RATE_LIMIT_FIELDS, "such as {rate: 100/s, burst: 20}")) {
            return null;
        }
        final int mark = node.problems().mark();
        final double rate = node.requireRate("rate", "is required: the tokens added per second (say 100/s)");
        final int burst = node.optionalInt("burst", 1, MAX_COUNT, 1);
        return node.problems().noneSince(mark) ? new RateLimitSpec(rate, burst) : null;
    }

    /** @return the bulkhead; null when absent or refused. */
    static BulkheadSpec bulkhead(final DiagramNode node) {
        if (!node.isMappingOf(BULKHEAD_FIELDS, "such as {maxConcurrent: 10, maxWait: 5ms}")) {
            return null;
        }
        final int mark = node.problems().mark();
        final int max = node.requireInt("maxConcurrent", 1, MAX_COUNT,
            "is required: the call's attempts outstanding at once");
        final long wait = node.optionalNonNegativeDuration("maxWait", 0);
        return node.problems().noneSince(mark) ? new BulkheadSpec(max, wait) : null;
    }

    /** @return the circuit breaker, resilience4j's defaults for what it does not say; null when absent or refused. */
    static BreakerSpec breaker(final DiagramNode node) {
        if (!node.isMappingOf(BREAKER_FIELDS, "such as {failureRateThreshold: 50, slidingWindowSize: 20}")) {
            return null;
        }
        final int mark = node.problems().mark();
        final BreakerSpec.Window window = BreakerSpec.Window.valueOf(node.optionalChoice("slidingWindowType",
            "count-based", "count-based", "time-based").toUpperCase(Locale.ROOT).replace('-', '_'));
        final int size = node.optionalInt("slidingWindowSize", 1, MAX_COUNT, BreakerSpec.DEFAULT_WINDOW_SIZE);
        final int minimum = node.optionalInt("minimumNumberOfCalls", 1, MAX_COUNT,
            BreakerSpec.DEFAULT_MINIMUM_CALLS);
        final float failure = percent(node, "failureRateThreshold", BreakerSpec.DEFAULT_FAILURE_RATE_THRESHOLD);
        final float slow = percent(node, "slowCallRateThreshold", BreakerSpec.DEFAULT_SLOW_CALL_RATE_THRESHOLD);
        final long slowNs = node.optionalPositiveDuration("slowCallDurationThreshold",
            BreakerSpec.DEFAULT_SLOW_CALL_DURATION_NS);
        final long waitNs = node.optionalPositiveDuration("waitDurationInOpenState",
            BreakerSpec.DEFAULT_WAIT_IN_OPEN_NS);
        final int permitted = node.optionalInt("permittedNumberOfCallsInHalfOpenState", 1, MAX_COUNT,
            BreakerSpec.DEFAULT_PERMITTED_IN_HALF_OPEN);
        final long fallback = node.has("fallback") ? node.optionalNonNegativeDuration("fallback", 0)
            : BreakerSpec.FAIL_FAST;
        if (!node.problems().noneSince(mark)) {
            return null;
        }
        return new BreakerSpec(window, size, minimum, failure, slow, slowNs, waitNs, permitted, fallback);
    }

    /** A percentage in (0, 100]: a number ({@code 50}) or a text with a sign ({@code "50%"}). */
    private static float percent(final DiagramNode node, final String field, final float dflt) {
        if (!node.has(field)) {
            return dflt;
        }
        final var raw = node.raw(field);
        double value = Double.NaN;
        if (raw.isNumber()) {
            value = raw.asDouble();
        } else if (raw.isTextual() && raw.asText().endsWith("%")) {
            try {
                value = Double.parseDouble(raw.asText().substring(0, raw.asText().length() - 1).trim());
            } catch (final NumberFormatException ignored) {
                // reported below
            }
        }
        if (!(value > 0 && value <= 100)) {
            node.problem(field, "must be a percentage in (0, 100], such as 50 or \"50%\" (got " + raw + ")");
            return dflt;
        }
        return (float)value;
    }
}
