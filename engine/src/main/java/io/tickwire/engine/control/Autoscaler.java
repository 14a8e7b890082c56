package io.tickwire.engine.control;

import io.tickwire.engine.diagram.AutoscaleSpec;
import io.tickwire.sbe.ScaleLimit;

/**
 * An autoscaler of one service: at each sync, from the service's metrics over its window of closed ticks and the
 * desired replicas in force, the desired replicas from the next tick on. What it read and why it decided are kept
 * until the next sync, for the {@code ScaleDecision} event. <b>Single-threaded</b>: the control plane's.
 */
public abstract class Autoscaler {
    /** {@link #decidingMetric()} when a bound, not a metric, decided. */
    public static final int NO_METRIC = -1;

    protected AutoscaleSpec spec;
    protected final double[] values;
    protected final double[] targets;
    protected final double[] ratios;
    protected final int[] proposals;
    protected int recommended;
    protected int stabilized;
    protected ScaleLimit limit = ScaleLimit.NONE;
    protected int decidingMetric = NO_METRIC;
    protected int readyReplicas;

    protected Autoscaler(final AutoscaleSpec spec) {
        this.spec = spec;
        final int n = spec.metrics().size();
        values = new double[n];
        targets = new double[n];
        ratios = new double[n];
        proposals = new int[n];
    }

    /** A new autoscaler for {@code spec}. */
    public static Autoscaler of(final AutoscaleSpec spec) {
        return spec.algorithm() == AutoscaleSpec.Algorithm.HPA ? new HpaAutoscaler(spec) : new ThresholdAutoscaler(spec);
    }

    public AutoscaleSpec spec() {
        return spec;
    }

    /**
     * One sync at simulated time {@code nowNs}.
     *
     * @param current the desired replicas in force (Kubernetes' {@code scale.spec.replicas}).
     * @param metrics the service over the window.
     * @return the desired replicas from now on ({@code current} for no change).
     */
    public abstract int decide(long nowNs, int current, WindowMetrics metrics);

    /**
     * Take a new spec of the same algorithm and metrics count (a live edit of its bounds or rules), keeping what it
     * remembers (recommendations, scale events, cooldowns).
     *
     * @return false if it cannot (another algorithm, other metrics): replace it.
     */
    public boolean reconfigure(final AutoscaleSpec next) {
        if (next.algorithm() != spec.algorithm() || next.metrics().size() != spec.metrics().size()) {
            return false;
        }
        spec = next;
        return true;
    }

    /** The reason of the last decision, in words (built only when asked: on a change). */
    public abstract String reason(int from, int to);

    public int recommended() {
        return recommended;
    }

    public int stabilized() {
        return stabilized;
    }

    public ScaleLimit limit() {
        return limit;
    }

    public int decidingMetric() {
        return decidingMetric;
    }

    public int readyReplicas() {
        return readyReplicas;
    }

    public int metricCount() {
        return values.length;
    }

    /** The metric's value as read (its unit: fraction, per second, requests, ns). */
    public double value(final int metric) {
        return values[metric];
    }

    public double target(final int metric) {
        return targets[metric];
    }

    public double ratio(final int metric) {
        return ratios[metric];
    }

    /** hpa: the replicas the metric proposed (-1: it had no value); threshold: -1. */
    public int proposal(final int metric) {
        return proposals[metric];
    }

    protected static String describe(final AutoscaleSpec.MetricTarget m, final double value) {
        return switch (m.metric()) {
            case UTILIZATION -> "utilization " + percent(value) + " (target " + percent(m.target()) + ")";
            case RPS -> "rps " + number(value) + "/s" + (m.type() == AutoscaleSpec.TargetType.AVERAGE_VALUE
                ? " per replica" : "") + " (target " + number(m.target()) + "/s)";
            case P95, P99 -> m.metric().name().toLowerCase(java.util.Locale.ROOT) + " "
                + io.tickwire.engine.diagram.Units.formatNs(Math.round(value)) + " (target "
                + io.tickwire.engine.diagram.Units.formatNs(Math.round(m.target())) + ")";
            case ERROR_RATE -> "errorRate " + percent(value) + " (target " + percent(m.target()) + ")";
            case IN_FLIGHT -> "inFlight " + number(value) + (m.type() == AutoscaleSpec.TargetType.AVERAGE_VALUE
                ? " per replica" : "") + " (target " + number(m.target()) + ")";
            case QUEUE_DEPTH -> "queueDepth " + number(value) + (m.type() == AutoscaleSpec.TargetType.AVERAGE_VALUE
                ? " per replica" : "") + " (target " + number(m.target()) + ")";
        };
    }

    private static String percent(final double fraction) {
        return Double.isNaN(fraction) ? "n/a" : number(fraction * 100) + "%";
    }

    private static String number(final double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        final double rounded = Math.round(v * 100) / 100.0;
        return rounded == Math.rint(rounded) ? Long.toString((long)rounded) : Double.toString(rounded);
    }
}
