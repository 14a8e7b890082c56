package io.tickwire.engine.diagram;

import java.util.Set;

import static io.tickwire.engine.diagram.DiagramLoader.DEFAULT_BACKOFF_NS;
import static io.tickwire.engine.diagram.DiagramLoader.DEFAULT_MAX_BACKOFF_NS;

/** Reads {@code services[i].calls[j].retry}: what a sync call's caller does after an error or a timeout. */
final class RetryReader {
    private static final Set<String> FIELDS = Set.of("attempts", "backoff", "maxBackoff", "jitter");

    private RetryReader() {
    }

    /** @return the retry policy; {@link RetrySpec#NONE} when absent or refused. */
    static RetrySpec read(final DiagramNode node) {
        if (!node.isMappingOf(FIELDS, "such as {attempts: 2, backoff: 10ms}")) {
            return RetrySpec.NONE;
        }
        final int mark = node.problems().mark();
        final int attempts = node.requireInt("attempts", 0, 100,
            "is required: how many times to retry after the first try");
        final long backoff = node.optionalNonNegativeDuration("backoff", DEFAULT_BACKOFF_NS);
        final long maxBackoff = node.optionalDuration("maxBackoff", Math.max(DEFAULT_MAX_BACKOFF_NS, backoff));
        if (maxBackoff < backoff) {
            node.problem("maxBackoff", "must be >= backoff, " + Units.formatNs(backoff) + " (got "
                + Units.formatNs(maxBackoff) + ")");
        }
        final boolean fullJitter = "full".equals(node.optionalChoice("jitter", "full", "full", "none"));
        return node.problems().noneSince(mark) ? new RetrySpec(attempts, backoff, maxBackoff, fullJitter)
            : RetrySpec.NONE;
    }
}
