package io.tickwire.engine.diagram;

import java.util.Locale;
import java.util.Set;

/** Reads {@code services[i].failures}: how often a replica crashes by itself. */
final class FailuresReader {
    private static final Set<String> FIELDS = Set.of("mtbf", "distribution", "shape");
    static final double MAX_SHAPE = 100;

    private FailuresReader() {
    }

    /** @return the crash model; null when absent or refused. */
    static FailureSpec read(final DiagramNode node) {
        if (!node.isMappingOf(FIELDS, "such as {mtbf: 2h, distribution: exponential}")) {
            return null;
        }
        final int mark = node.problems().mark();
        final long mtbf = node.requirePositiveDuration("mtbf",
            "is required: the mean time a replica runs before it crashes, e.g. 2h");
        final FailureSpec.Distribution distribution = FailureSpec.Distribution.valueOf(node.optionalChoice(
            "distribution", "exponential", "exponential", "weibull").toUpperCase(Locale.ROOT));
        double shape = 1;
        if (distribution == FailureSpec.Distribution.WEIBULL) {
            shape = node.requireNumber("shape", "is required for a weibull distribution: k (1 is the exponential; "
                + "below 1 early failures, above 1 wear-out)");
            if (!Double.isNaN(shape) && !(shape > 0 && shape <= MAX_SHAPE)) {
                node.problem("shape", "must be > 0 and <= " + (int)MAX_SHAPE + " (got " + node.raw("shape") + ")");
            }
        } else if (node.has("shape")) {
            node.problem("shape", "only a weibull distribution takes shape");
        }
        return node.problems().noneSince(mark) ? new FailureSpec(mtbf, distribution, shape) : null;
    }
}
