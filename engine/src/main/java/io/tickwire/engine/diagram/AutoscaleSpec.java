package io.tickwire.engine.diagram;

import java.util.List;
import java.util.Objects;

/**
 * An autoscaler of one service ({@code autoscale[i]}): which algorithm, its bounds, how often it decides, the metrics
 * it reads over a window of closed ticks and its rules. Kubernetes' {@code HorizontalPodAutoscaler}
 * (autoscaling/v2) for {@link Algorithm#HPA}, field for field where it has one; a multi-metric threshold rule for
 * {@link Algorithm#THRESHOLD}.
 *
 * @param service      id of the service it scales.
 * @param serviceName  its name.
 * @param algorithm    hpa or threshold.
 * @param minReplicas  lower bound, &gt;= 1.
 * @param maxReplicas  upper bound, &gt;= minReplicas.
 * @param syncPeriodNs how often it decides: at the first tick boundary at or after every multiple of it.
 * @param windowNs     the span of closed ticks (ending at the tick before the decision) its metrics are read over.
 * @param metrics      at least one; hpa takes the largest recommendation, threshold the largest factor.
 * @param tolerance    hpa: a usage ratio within 1 ± tolerance changes nothing.
 * @param scaleUp      hpa: {@code behavior.scaleUp}, defaults filled in; null for threshold.
 * @param scaleDown    hpa: {@code behavior.scaleDown}, defaults filled in; null for threshold.
 * @param threshold    threshold: its rule; null for hpa.
 */
public record AutoscaleSpec(int service, String serviceName, Algorithm algorithm, int minReplicas, int maxReplicas,
                            long syncPeriodNs, long windowNs, List<MetricTarget> metrics, double tolerance,
                            ScalingRules scaleUp, ScalingRules scaleDown, ThresholdRule threshold) {
    public static final long DEFAULT_SYNC_PERIOD_NS = 15_000_000_000L;
    public static final double DEFAULT_TOLERANCE = 0.1;
    public static final long SECOND_NS = 1_000_000_000L;

    public AutoscaleSpec {
        Objects.requireNonNull(algorithm);
        metrics = List.copyOf(metrics);
    }

    public enum Algorithm {
        HPA, THRESHOLD
    }

    /** What is measured; the order is the schema's {@code ScaleMetric}. */
    public enum Metric {
        /** Busy-time integral / (ready servers × span), a fraction. */
        UTILIZATION,
        /** Arrivals per second. */
        RPS,
        /** Requests in the service (queued + in service), time-averaged. */
        IN_FLIGHT,
        /** Requests waiting, time-averaged. */
        QUEUE_DEPTH,
        /** 95th percentile of the latency, ns, from the window's merged histograms. */
        P95,
        /** 99th percentile, likewise. */
        P99,
        /** Errors / completed requests. */
        ERROR_RATE
    }

    /** As Kubernetes' {@code MetricTarget.type}; the order is the schema's {@code TargetType}. */
    public enum TargetType {
        /** The average utilisation of the ready replicas (a Resource metric's {@code averageUtilization}). */
        UTILIZATION,
        /** The value divided by the ready replicas (a Pods metric's {@code averageValue}). */
        AVERAGE_VALUE,
        /** The value of the whole service (an Object metric's {@code value}). */
        VALUE
    }

    /**
     * One metric and its target.
     *
     * @param target in the value's unit: a fraction for utilisation (0.6 for {@code averageUtilization: 60}),
     *               per second for rates, ns for latencies, requests for depths.
     */
    public record MetricTarget(Metric metric, TargetType type, double target) {
        public MetricTarget {
            Objects.requireNonNull(metric);
            Objects.requireNonNull(type);
        }
    }

    public enum SelectPolicy {
        /** The policy allowing the largest change (Kubernetes' default). */
        MAX,
        /** The policy allowing the smallest change. */
        MIN,
        /** No scaling in this direction. */
        DISABLED
    }

    public enum PolicyType {
        PODS, PERCENT
    }

    /** {@code HPAScalingPolicy}: at most {@code value} pods (or percent) of change per {@code periodNs}. */
    public record ScalingPolicy(PolicyType type, int value, long periodNs) {
        public ScalingPolicy {
            Objects.requireNonNull(type);
        }
    }

    /** {@code HPAScalingRules} of one direction, with Kubernetes' defaults filled in. */
    public record ScalingRules(long stabilizationWindowNs, SelectPolicy selectPolicy, List<ScalingPolicy> policies) {
        /** Kubernetes' default scale-up: no stabilisation; max(4 pods, 100 %) per 15 s. */
        public static final ScalingRules DEFAULT_SCALE_UP = new ScalingRules(0, SelectPolicy.MAX, List.of(
            new ScalingPolicy(PolicyType.PODS, 4, 15 * SECOND_NS),
            new ScalingPolicy(PolicyType.PERCENT, 100, 15 * SECOND_NS)));
        /** Kubernetes' default scale-down: 300 s stabilisation; 100 % per 15 s. */
        public static final ScalingRules DEFAULT_SCALE_DOWN = new ScalingRules(300 * SECOND_NS, SelectPolicy.MAX,
            List.of(new ScalingPolicy(PolicyType.PERCENT, 100, 15 * SECOND_NS)));

        public ScalingRules {
            Objects.requireNonNull(selectPolicy);
            policies = List.copyOf(policies);
        }

        /** The longest policy period: scale events older than it no longer count. */
        public long longestPeriodNs() {
            long longest = 0;
            for (final ScalingPolicy p : policies) {
                longest = Math.max(longest, p.periodNs());
            }
            return longest;
        }
    }

    /**
     * The threshold rule: a factor per metric (value / target); out by {@code scaleOutStep} when the largest factor
     * is above {@code scaleOutAbove}, in by {@code scaleInStep} when every factor is below {@code scaleInBelow}.
     *
     * @param scaleOutCooldownNs no scale-out sooner than this after the last scale-out.
     * @param scaleInCooldownNs  no scale-in sooner than this after the last scaling of either direction.
     */
    public record ThresholdRule(double scaleOutAbove, double scaleInBelow, int scaleOutStep, int scaleInStep,
                                long scaleOutCooldownNs, long scaleInCooldownNs) {
    }
}
