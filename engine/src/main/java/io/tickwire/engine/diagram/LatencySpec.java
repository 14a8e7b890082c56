package io.tickwire.engine.diagram;

/**
 * A service-time distribution.
 *
 * @param kind   the family.
 * @param meanNs mean in nanoseconds (the value itself for {@link Kind#CONSTANT}).
 * @param sdNs   standard deviation in nanoseconds ({@link Kind#LOGNORMAL} only, else 0).
 */
public record LatencySpec(Kind kind, long meanNs, long sdNs) {
    public enum Kind {
        CONSTANT, EXPONENTIAL, LOGNORMAL
    }
}
