package io.tickwire.engine.control;

import io.tickwire.engine.diagram.AutoscaleSpec;
import io.tickwire.engine.diagram.AutoscaleSpec.MetricTarget;
import io.tickwire.engine.diagram.AutoscaleSpec.ThresholdRule;
import io.tickwire.sbe.ScaleLimit;

/**
 * The multi-metric threshold rule: a factor per metric, value / target (utilisation / target utilisation, rps per
 * replica / target, p95 / max latency, queue depth / target, in-flight per replica / target); scale out by
 * {@code scaleOutStep} when the largest factor is above {@code scaleOutAbove} and no scale-out happened within
 * {@code scaleOutCooldown}; scale in by {@code scaleInStep} when every factor is below {@code scaleInBelow} and no
 * scaling of either direction happened within {@code scaleInCooldown}; always within [minReplicas, maxReplicas]
 * (replicas outside are brought to the bound at once). A metric without a value (no ready replica to average over,
 * no completed request for a percentile) is left out; with none left, nothing changes.
 */
public final class ThresholdAutoscaler extends Autoscaler {
    private static final long NEVER = Long.MIN_VALUE;
    private long lastScaleOutNs = NEVER;
    private long lastScaleNs = NEVER;

    ThresholdAutoscaler(final AutoscaleSpec spec) {
        super(spec);
    }

    @Override
    public int decide(final long nowNs, final int current, final WindowMetrics metrics) {
        final ThresholdRule rule = spec.threshold();
        limit = ScaleLimit.NONE;
        decidingMetric = NO_METRIC;
        readyReplicas = metrics.readyReplicas();
        double largest = Double.NEGATIVE_INFINITY;
        boolean allBelow = true;
        boolean any = false;
        for (int i = 0; i < values.length; i++) {
            final MetricTarget t = spec.metrics().get(i);
            double value = metrics.value(t.metric());
            if (t.type() == AutoscaleSpec.TargetType.AVERAGE_VALUE) {
                value = metrics.readyReplicas() > 0 ? value / metrics.readyReplicas() : Double.NaN;
            }
            values[i] = value;
            targets[i] = t.target();
            ratios[i] = value / t.target();
            proposals[i] = -1;
            if (Double.isNaN(value)) {
                continue;
            }
            any = true;
            if (ratios[i] > largest) {
                largest = ratios[i];
                decidingMetric = i;
            }
            allBelow &= ratios[i] < rule.scaleInBelow();
        }
        int desired = current;
        if (current > spec.maxReplicas()) {
            desired = spec.maxReplicas();
            limit = ScaleLimit.MAX_REPLICAS;
            decidingMetric = NO_METRIC;
        } else if (current < spec.minReplicas()) {
            desired = spec.minReplicas();
            limit = ScaleLimit.MIN_REPLICAS;
            decidingMetric = NO_METRIC;
        } else if (any && largest > rule.scaleOutAbove()
            && (lastScaleOutNs == NEVER || nowNs - lastScaleOutNs >= rule.scaleOutCooldownNs())) {
            desired = current + rule.scaleOutStep();
        } else if (any && allBelow && (lastScaleNs == NEVER || nowNs - lastScaleNs >= rule.scaleInCooldownNs())) {
            desired = current - rule.scaleInStep();
        }
        recommended = desired;
        stabilized = desired;
        if (desired > spec.maxReplicas()) {
            desired = spec.maxReplicas();
            limit = ScaleLimit.MAX_REPLICAS;
        } else if (desired < spec.minReplicas()) {
            desired = spec.minReplicas();
            limit = ScaleLimit.MIN_REPLICAS;
        } else if (desired != current && limit == ScaleLimit.NONE) {
            limit = ScaleLimit.STEP;
        }
        if (desired != current) {
            if (desired > current) {
                lastScaleOutNs = nowNs;
            }
            lastScaleNs = nowNs;
        }
        return desired;
    }

    @Override
    public String reason(final int from, final int to) {
        if (limit == ScaleLimit.MAX_REPLICAS && recommended == to && from > to) {
            return "current replicas " + from + " above maxReplicas " + spec.maxReplicas();
        }
        if (limit == ScaleLimit.MIN_REPLICAS && recommended == to && from < to) {
            return "current replicas " + from + " below minReplicas " + spec.minReplicas();
        }
        final ThresholdRule rule = spec.threshold();
        final StringBuilder b = new StringBuilder();
        if (to > from) {
            b.append("largest factor ").append(round(ratios[decidingMetric])).append(" > scaleOutAbove ")
                .append(rule.scaleOutAbove()).append(": ").append(describe(spec.metrics().get(decidingMetric),
                    values[decidingMetric])).append("; scaleOutStep ").append(rule.scaleOutStep());
        } else {
            b.append("every factor < scaleInBelow ").append(rule.scaleInBelow());
            if (decidingMetric >= 0) {
                b.append(" (largest ").append(round(ratios[decidingMetric])).append(": ")
                    .append(describe(spec.metrics().get(decidingMetric), values[decidingMetric])).append(')');
            }
            b.append("; scaleInStep ").append(rule.scaleInStep());
        }
        if (limit == ScaleLimit.MAX_REPLICAS) {
            b.append("; bounded by maxReplicas ").append(spec.maxReplicas());
        } else if (limit == ScaleLimit.MIN_REPLICAS) {
            b.append("; bounded by minReplicas ").append(spec.minReplicas());
        }
        return b.toString();
    }

    private static double round(final double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
