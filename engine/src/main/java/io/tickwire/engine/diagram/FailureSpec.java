package io.tickwire.engine.diagram;

import java.util.Locale;
import java.util.Objects;

/**
 * A service's crash model: each replica runs, from the moment it is ready, for a time drawn from the distribution,
 * then crashes.
 *
 * @param mtbfNs       the mean of that time (the mean time between failures of a replica that is up), > 0.
 * @param distribution exponential (memoryless: a constant hazard) or weibull.
 * @param shape        the Weibull shape k > 0 (k < 1: infant mortality; 1: exponential; k > 1: wear-out); 1 for
 *                     the exponential.
 */
public record FailureSpec(long mtbfNs, Distribution distribution, double shape) {
    public FailureSpec {
        Objects.requireNonNull(distribution);
        if (mtbfNs <= 0 || !(shape > 0) || Double.isInfinite(shape)
            || distribution == Distribution.EXPONENTIAL && shape != 1) {
            throw new IllegalArgumentException("bad failure model: mtbf " + mtbfNs + " ns, " + distribution
                + " shape " + shape);
        }
    }

    public static FailureSpec exponential(final long mtbfNs) {
        return new FailureSpec(mtbfNs, Distribution.EXPONENTIAL, 1);
    }

    public static FailureSpec weibull(final long mtbfNs, final double shape) {
        return new FailureSpec(mtbfNs, Distribution.WEIBULL, shape);
    }

    public enum Distribution {
        EXPONENTIAL, WEIBULL;

        public String yamlName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
