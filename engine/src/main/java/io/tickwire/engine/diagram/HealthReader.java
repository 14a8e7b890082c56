package io.tickwire.engine.diagram;

import java.util.Set;

/** Reads {@code services[i].health}: the health checks that detect a crashed replica. */
final class HealthReader {
    private static final Set<String> FIELDS = Set.of("interval", "timeout", "unhealthyThreshold");
    static final int MAX_THRESHOLD = 1000;

    private HealthReader() {
    }

    /** @return the health checks; {@link HealthSpec#DEFAULT} when absent or refused. */
    static HealthSpec read(final DiagramNode node) {
        if (!node.isMappingOf(FIELDS, "such as {interval: 5s, timeout: 1s, unhealthyThreshold: 3}")) {
            return HealthSpec.DEFAULT;
        }
        final int mark = node.problems().mark();
        final long interval = node.optionalPositiveDuration("interval", HealthSpec.DEFAULT.intervalNs());
        final long timeout = node.optionalPositiveDuration("timeout", HealthSpec.DEFAULT.timeoutNs());
        final int threshold = node.optionalInt("unhealthyThreshold", 1, MAX_THRESHOLD,
            HealthSpec.DEFAULT.unhealthyThreshold());
        if (interval != DiagramNode.INVALID && timeout != DiagramNode.INVALID && timeout > interval) {
            node.problem("timeout", "must be <= interval, " + Units.formatNs(interval) + ": a probe ends before the "
                + "next is sent (got " + Units.formatNs(timeout) + ")");
        }
        return node.problems().noneSince(mark) ? new HealthSpec(interval, timeout, threshold) : HealthSpec.DEFAULT;
    }
}
