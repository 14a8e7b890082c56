package io.tickwire.engine.control;

import io.tickwire.engine.diagram.AutoscaleSpec;
import io.tickwire.engine.diagram.AutoscaleSpec.MetricTarget;
import io.tickwire.engine.diagram.AutoscaleSpec.PolicyType;
import io.tickwire.engine.diagram.AutoscaleSpec.ScalingPolicy;
import io.tickwire.engine.diagram.AutoscaleSpec.ScalingRules;
import io.tickwire.engine.diagram.AutoscaleSpec.SelectPolicy;
import io.tickwire.sbe.ScaleLimit;

import java.util.Arrays;

/**
 * Kubernetes' horizontal pod autoscaler (autoscaling/v2), on simulated time: the same arithmetic, the same order of
 * steps, the same defaults. References are to kubernetes/kubernetes {@code pkg/controller/podautoscaler}:
 * <ol>
 *   <li>{@code horizontal.go reconcileAutoscaler}: replicas outside [min, max] are brought to the bound; else every
 *       metric proposes a replica count ({@code replica_calculator.go}, below), the largest wins
 *       ({@code computeReplicasForMetrics}), and it is normalised with the behaviours;</li>
 *   <li>{@code stabilizeRecommendationWithBehaviors}: the recommendation is bounded by the lowest recommendation of
 *       the scale-up window and the highest of the scale-down window (the windows' recommendations include this
 *       one), starting from the current replicas; this recommendation is then recorded;</li>
 *   <li>{@code convertDesiredReplicasWithBehaviorRate}: a scale-up is limited by
 *       {@code calculateScaleUpLimitWithScalingRules} (per policy, the replicas at the start of its period plus
 *       {@code value} pods, or × (1 + value %) rounded up; {@code selectPolicy} Max takes the largest, Min the
 *       smallest, Disabled none) and by maxReplicas; a scale-down by {@code calculateScaleDownLimitWithBehaviors}
 *       (minus {@code value} pods, or × (1 − value %) truncated) and by minReplicas;</li>
 *   <li>{@code storeScaleEvent}: a change is remembered for the policies' periods ({@code getReplicasChangePerPeriod}
 *       sums the changes strictly within a period; the start of a period's replicas counts both directions).</li>
 * </ol>
 * {@code replica_calculator.go}, per metric, with the service's ready replicas as the pods that report and its
 * starting replicas as the pods not yet ready:
 * <ul>
 *   <li>utilisation ({@code GetResourceReplicas}): the usage ratio is the <i>integer</i> percent
 *       {@code busy × 100 / capacity} (as {@code GetResourceUtilizationRatio} truncates) over the target percent;
 *       average values ({@code GetMetricReplicas}, {@code GetMetricUsageRatio}): the milli-unit total divided by the
 *       ready replicas (integer division) over the target in milli-units;</li>
 *   <li>within 1 ± tolerance: no change; else {@code ceil(ratio × ready)};</li>
 *   <li>on a scale-up with replicas not ready, those count as using 0 ({@code scaleUpWithUnready}): the ratio is
 *       recomputed over ready + not ready, and no change is made if it falls within the tolerance or changes the
 *       direction; else {@code ceil(newRatio × (ready + notReady))}, unless that count goes the other way;</li>
 *   <li>values of the whole service ({@code GetObjectMetricReplicas}, {@code getUsageRatioReplicaCount}):
 *       {@code ratio = value / target}; within the tolerance no change, else {@code ceil(ratio × ready)}.</li>
 * </ul>
 * Kubernetes applies the not-ready rule to CPU only (other metrics count what pods report); a starting replica in
 * Tickwire receives no traffic, so every per-replica metric takes the CPU rule (documented in docs/diagram.md).
 * Timestamps compare strictly ({@code time.After}, {@code time.Before}); a sync is at a tick boundary.
 */
public final class HpaAutoscaler extends Autoscaler {
    // Recommendations (unstabilised), as horizontal.go's a.recommendations[key]: reused slots.
    private long[] recommendationAt = new long[16];
    private int[] recommendation = new int[16];
    private int recommendations;
    private final ScaleEvents scaleUpEvents = new ScaleEvents();
    private final ScaleEvents scaleDownEvents = new ScaleEvents();
    private boolean metricsValid;

    HpaAutoscaler(final AutoscaleSpec spec) {
        super(spec);
    }

    @Override
    public int decide(final long nowNs, final int current, final WindowMetrics metrics) {
        final AutoscaleSpec s = spec;
        if (recommendations == 0) {
            record(nowNs, current); // recordInitialRecommendation
        }
        limit = ScaleLimit.NONE;
        decidingMetric = NO_METRIC;
        readyReplicas = metrics.readyReplicas();
        recommended = current;
        stabilized = current;
        int desired;
        // Read every metric whatever happens, so that the event reports what the autoscaler saw.
        final int metricDesired = computeReplicasForMetrics(current, metrics);
        if (current > s.maxReplicas()) {
            desired = s.maxReplicas(); // "Current number of replicas above Spec.MaxReplicas"
            limit = ScaleLimit.MAX_REPLICAS;
            decidingMetric = NO_METRIC;
        } else if (current < s.minReplicas()) {
            desired = s.minReplicas(); // "Current number of replicas below Spec.MinReplicas"
            limit = ScaleLimit.MIN_REPLICAS;
            decidingMetric = NO_METRIC;
        } else {
            if (!metricsValid) {
                return current; // FailedComputeMetricsReplicas: no scale, nothing recorded
            }
            recommended = Math.max(0, metricDesired);
            desired = normalizeDesiredReplicasWithBehaviors(nowNs, current, recommended);
        }
        if (desired != current) {
            storeScaleEvent(nowNs, current, desired);
        }
        return desired;
    }

    /** The largest proposal of the metrics that have a value; sets {@link #metricsValid}. */
    private int computeReplicasForMetrics(final int current, final WindowMetrics m) {
        int replicas = 0;
        metricsValid = false;
        for (int i = 0; i < values.length; i++) {
            final int proposal = replicasForMetric(i, current, m);
            proposals[i] = proposal;
            if (proposal >= 0 && (replicas == 0 || proposal > replicas)) {
                replicas = proposal;
                decidingMetric = i;
            }
            metricsValid |= proposal >= 0;
        }
        return replicas;
    }

    /** replica_calculator.go for metric {@code i}: its proposal, or -1 when it has no value. */
    private int replicasForMetric(final int i, final int current, final WindowMetrics m) {
        final MetricTarget t = spec.metrics().get(i);
        final double value = m.value(t.metric());
        values[i] = value;
        targets[i] = t.target();
        ratios[i] = Double.NaN;
        final int ready = m.readyReplicas();
        final int notReady = Math.max(0, Math.min(m.replicas(), current) - ready);
        switch (t.type()) {
            case UTILIZATION -> {
                if (ready == 0 || m.readyServerNs() <= 0) {
                    return -1; // "did not receive metrics for targeted pods (pods might be unready)"
                }
                final long targetPercent = Math.round(t.target() * 100);
                final long utilization = m.busyNs() * 100 / m.readyServerNs();
                final double ratio = (double)utilization / targetPercent;
                final long withNotReady = m.readyServerNs() + notReady * m.replicaServerNs();
                final double newRatio = withNotReady > 0 ? (double)(m.busyNs() * 100 / withNotReady) / targetPercent
                    : ratio;
                ratios[i] = ratio;
                return podsReplicas(ratio, newRatio, ready, notReady, current);
            }
            case AVERAGE_VALUE -> {
                if (ready == 0 || Double.isNaN(value)) {
                    return -1;
                }
                final long totalMilli = (long)Math.floor(value * 1000);
                final long targetMilli = (long)Math.ceil(t.target() * 1000);
                final double ratio = (double)(totalMilli / ready) / targetMilli;
                final double newRatio = (double)(totalMilli / (ready + notReady)) / targetMilli;
                values[i] = value / ready;
                ratios[i] = ratio;
                return podsReplicas(ratio, newRatio, ready, notReady, current);
            }
            default -> {
                if (Double.isNaN(value)) {
                    return -1;
                }
                final double ratio = value / t.target();
                ratios[i] = ratio;
                if (Math.abs(1.0 - ratio) <= spec.tolerance()) {
                    return current;
                }
                return (int)Math.ceil(ratio * ready);
            }
        }
    }

    /** GetResourceReplicas / calcPlainMetricReplicas after the usage ratio (no pod misses its metrics here). */
    private int podsReplicas(final double ratio, final double newRatio, final int ready, final int notReady,
                             final int current) {
        final double tolerance = spec.tolerance();
        final boolean scaleUpWithUnready = notReady > 0 && ratio > 1.0;
        if (!scaleUpWithUnready) {
            if (Math.abs(1.0 - ratio) <= tolerance) {
                return current;
            }
            return (int)Math.ceil(ratio * ready);
        }
        // Treat the replicas not yet ready as using 0 and check the direction again.
        if (Math.abs(1.0 - newRatio) <= tolerance || (ratio < 1.0 && newRatio > 1.0)
            || (ratio > 1.0 && newRatio < 1.0)) {
            return current;
        }
        final int newReplicas = (int)Math.ceil(newRatio * (ready + notReady));
        if ((newRatio < 1.0 && newReplicas > current) || (newRatio > 1.0 && newReplicas < current)) {
            return current;
        }
        return newReplicas;
    }

    /** normalizeDesiredReplicasWithBehaviors: stabilise, then limit by the policies' rates and the bounds. */
    private int normalizeDesiredReplicasWithBehaviors(final long nowNs, final int current, final int prenormalized) {
        stabilized = stabilizeRecommendationWithBehaviors(nowNs, current, prenormalized);
        return convertDesiredReplicasWithBehaviorRate(nowNs, current, stabilized);
    }

    private int stabilizeRecommendationWithBehaviors(final long nowNs, final int current, final int desired) {
        final long upCutoff = nowNs - spec.scaleUp().stabilizationWindowNs();
        final long downCutoff = nowNs - spec.scaleDown().stabilizationWindowNs();
        int upRecommendation = desired;
        int downRecommendation = desired;
        int oldSample = -1;
        for (int i = 0; i < recommendations; i++) {
            final long at = recommendationAt[i];
            if (at > upCutoff) {
                upRecommendation = Math.min(recommendation[i], upRecommendation);
            }
            if (at > downCutoff) {
                downRecommendation = Math.max(recommendation[i], downRecommendation);
            }
            if (at < upCutoff && at < downCutoff) {
                oldSample = i;
            }
        }
        int result = current;
        if (result < upRecommendation) {
            result = upRecommendation;
        }
        if (result > downRecommendation) {
            result = downRecommendation;
        }
        if (oldSample >= 0) {
            recommendationAt[oldSample] = nowNs;
            recommendation[oldSample] = desired;
        } else {
            record(nowNs, desired);
        }
        return result;
    }

    private int convertDesiredReplicasWithBehaviorRate(final long nowNs, final int current, final int desired) {
        if (desired > current) {
            int scaleUpLimit = calculateScaleUpLimitWithScalingRules(nowNs, current, spec.scaleUp());
            if (scaleUpLimit < current) {
                scaleUpLimit = current; // no further scale-up until the scale-up events age out
            }
            int maximumAllowed = spec.maxReplicas();
            ScaleLimit reason = ScaleLimit.MAX_REPLICAS; // TooManyReplicas
            if (maximumAllowed > scaleUpLimit) {
                maximumAllowed = scaleUpLimit;
                reason = ScaleLimit.SCALE_UP_POLICY; // ScaleUpLimit
            }
            if (desired > maximumAllowed) {
                limit = reason;
                return maximumAllowed;
            }
        } else if (desired < current) {
            int scaleDownLimit = calculateScaleDownLimitWithBehaviors(nowNs, current, spec.scaleDown());
            if (scaleDownLimit > current) {
                scaleDownLimit = current;
            }
            int minimumAllowed = spec.minReplicas();
            ScaleLimit reason = ScaleLimit.MIN_REPLICAS; // TooFewReplicas
            if (minimumAllowed < scaleDownLimit) {
                minimumAllowed = scaleDownLimit;
                reason = ScaleLimit.SCALE_DOWN_POLICY; // ScaleDownLimit
            }
            if (desired < minimumAllowed) {
                limit = reason;
                return minimumAllowed;
            }
        }
        return desired; // DesiredWithinRange
    }

    /** The most replicas the scale-up policies allow now. */
    int calculateScaleUpLimitWithScalingRules(final long nowNs, final int current, final ScalingRules rules) {
        if (rules.selectPolicy() == SelectPolicy.DISABLED) {
            return current;
        }
        final boolean min = rules.selectPolicy() == SelectPolicy.MIN;
        int result = min ? Integer.MAX_VALUE : Integer.MIN_VALUE;
        for (final ScalingPolicy policy : rules.policies()) {
            final int added = scaleUpEvents.changeInPeriod(nowNs, policy.periodNs());
            final int deleted = scaleDownEvents.changeInPeriod(nowNs, policy.periodNs());
            final int periodStart = current - added + deleted;
            final int proposed = policy.type() == PolicyType.PODS ? periodStart + policy.value()
                : (int)Math.ceil(periodStart * (1 + policy.value() / 100.0));
            result = min ? Math.min(result, proposed) : Math.max(result, proposed);
        }
        return result;
    }

    /** The fewest replicas the scale-down policies allow now. */
    int calculateScaleDownLimitWithBehaviors(final long nowNs, final int current, final ScalingRules rules) {
        if (rules.selectPolicy() == SelectPolicy.DISABLED) {
            return current;
        }
        final boolean min = rules.selectPolicy() == SelectPolicy.MIN;
        int result = min ? Integer.MIN_VALUE : Integer.MAX_VALUE;
        for (final ScalingPolicy policy : rules.policies()) {
            final int added = scaleUpEvents.changeInPeriod(nowNs, policy.periodNs());
            final int deleted = scaleDownEvents.changeInPeriod(nowNs, policy.periodNs());
            final int periodStart = current - added + deleted;
            final int proposed = policy.type() == PolicyType.PODS ? periodStart - policy.value()
                : (int)(periodStart * (1 - policy.value() / 100.0));
            result = min ? Math.max(result, proposed) : Math.min(result, proposed);
        }
        return result;
    }

    private void storeScaleEvent(final long nowNs, final int previous, final int next) {
        if (next > previous) {
            scaleUpEvents.store(nowNs, next - previous, spec.scaleUp().longestPeriodNs());
        } else {
            scaleDownEvents.store(nowNs, previous - next, spec.scaleDown().longestPeriodNs());
        }
    }

    private void record(final long nowNs, final int replicas) {
        if (recommendations == recommendation.length) {
            recommendationAt = Arrays.copyOf(recommendationAt, recommendations << 1);
            recommendation = Arrays.copyOf(recommendation, recommendations << 1);
        }
        recommendationAt[recommendations] = nowNs;
        recommendation[recommendations++] = replicas;
    }

    /** For tests: a recommendation made at {@code atNs}, as if by an earlier sync. */
    void recordRecommendation(final long atNs, final int replicas) {
        record(atNs, replicas);
    }

    /** For tests: a scale event at {@code atNs} (positive: up). */
    void recordScaleEvent(final long atNs, final int change) {
        if (change > 0) {
            scaleUpEvents.store(atNs, change, Long.MAX_VALUE);
        } else {
            scaleDownEvents.store(atNs, -change, Long.MAX_VALUE);
        }
    }

    @Override
    public String reason(final int from, final int to) {
        final StringBuilder b = new StringBuilder();
        if (limit == ScaleLimit.MAX_REPLICAS && recommended == from) {
            return "current replicas " + from + " above maxReplicas " + spec.maxReplicas();
        }
        if (limit == ScaleLimit.MIN_REPLICAS && recommended == from && from < spec.minReplicas()) {
            return "current replicas " + from + " below minReplicas " + spec.minReplicas();
        }
        if (decidingMetric >= 0) {
            b.append(describe(spec.metrics().get(decidingMetric), values[decidingMetric]))
                .append(to > from ? " above target" : " below target");
            if (to < from) {
                b.setLength(0);
                b.append("all metrics below target");
            }
            b.append("; recommends ").append(recommended);
        }
        if (stabilized != recommended) {
            b.append(stabilized > recommended ? "; ScaleDownStabilized: the highest recommendation of the last "
                : "; ScaleUpStabilized: the lowest recommendation of the last ")
                .append((stabilized > recommended ? spec.scaleDown() : spec.scaleUp()).stabilizationWindowNs()
                    / AutoscaleSpec.SECOND_NS).append("s is ").append(stabilized);
        }
        switch (limit) {
            case SCALE_UP_POLICY -> b.append("; ScaleUpLimit: ").append(policies(spec.scaleUp())).append(" allow ")
                .append(to);
            case SCALE_DOWN_POLICY -> b.append("; ScaleDownLimit: ").append(policies(spec.scaleDown()))
                .append(" allow ").append(to);
            case MAX_REPLICAS -> b.append("; TooManyReplicas: maxReplicas ").append(spec.maxReplicas());
            case MIN_REPLICAS -> b.append("; TooFewReplicas: minReplicas ").append(spec.minReplicas());
            default -> {
            }
        }
        return b.toString();
    }

    private static String policies(final ScalingRules rules) {
        final StringBuilder b = new StringBuilder();
        for (final ScalingPolicy p : rules.policies()) {
            b.append(b.length() == 0 ? "" : ", ").append(p.type() == PolicyType.PODS ? "Pods " : "Percent ")
                .append(p.value()).append(" per ").append(p.periodNs() / AutoscaleSpec.SECOND_NS).append("s");
        }
        return b.append(" (selectPolicy ").append(rules.selectPolicy() == SelectPolicy.MAX ? "Max"
            : rules.selectPolicy() == SelectPolicy.MIN ? "Min" : "Disabled").append(')').toString();
    }

    /** horizontal.go's timestampedScaleEvent list of one direction: reused slots. */
    private static final class ScaleEvents {
        private long[] at = new long[16];
        private int[] change = new int[16];
        private boolean[] outdated = new boolean[16];
        private int count;

        /** getReplicasChangePerPeriod: the changes strictly within the last {@code periodNs}. */
        int changeInPeriod(final long nowNs, final long periodNs) {
            final long cutoff = nowNs - periodNs;
            int replicas = 0;
            for (int i = 0; i < count; i++) {
                if (at[i] > cutoff) {
                    replicas += change[i];
                }
            }
            return replicas;
        }

        /** storeScaleEvent: mark the events older than the longest period outdated, reuse the last of them. */
        void store(final long nowNs, final int replicaChange, final long longestPeriodNs) {
            final long cutoff = nowNs - longestPeriodNs;
            int reuse = -1;
            for (int i = 0; i < count; i++) {
                if (at[i] < cutoff) {
                    outdated[i] = true;
                }
                if (outdated[i]) {
                    reuse = i;
                }
            }
            if (reuse < 0) {
                if (count == at.length) {
                    at = Arrays.copyOf(at, count << 1);
                    change = Arrays.copyOf(change, count << 1);
                    outdated = Arrays.copyOf(outdated, count << 1);
                }
                reuse = count++;
            }
            at[reuse] = nowNs;
            change[reuse] = replicaChange;
            outdated[reuse] = false;
        }
    }
}
