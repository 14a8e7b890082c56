package io.tickwire.engine.control;

import io.tickwire.engine.diagram.AutoscaleSpec;
import io.tickwire.engine.diagram.AutoscaleSpec.Metric;
import io.tickwire.engine.diagram.AutoscaleSpec.MetricTarget;
import io.tickwire.engine.diagram.AutoscaleSpec.PolicyType;
import io.tickwire.engine.diagram.AutoscaleSpec.ScalingPolicy;
import io.tickwire.engine.diagram.AutoscaleSpec.ScalingRules;
import io.tickwire.engine.diagram.AutoscaleSpec.SelectPolicy;
import io.tickwire.engine.diagram.AutoscaleSpec.TargetType;
import io.tickwire.sbe.ScaleLimit;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.tickwire.engine.diagram.AutoscaleSpec.SECOND_NS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HPA against Kubernetes' documented behaviour: the cases of the HPA documentation (kubernetes.io, "Horizontal
 * Pod Autoscaling": the algorithm, tolerance, stabilisation, policies, selectPolicy, the default behaviour) and of
 * kubernetes/kubernetes' own tests ({@code replica_calculator_test.go}: TestReplicaCalcScaleUp, ScaleDown,
 * ScaleUpUnreadyLessScale, ScaleUpUnreadyNoScale, Tolerance; {@code horizontal_test.go}: TestScalingWithRules,
 * TestNormalizeDesiredReplicasWithBehaviors, TestStabilizeRecommendationWithBehaviors), with the figures they use.
 */
class HpaAutoscalerTest {
    private static final long T0 = 3_600 * SECOND_NS; // an hour into the run: every window fits before "now"
    private static final ScalingRules NO_DOWN_STABILIZATION =
        new ScalingRules(0, SelectPolicy.MAX, ScalingRules.DEFAULT_SCALE_DOWN.policies());

    // ---------------------------------------------------------------- ReplicaCalculator

    /** Pods metric (averageValue): desired = ceil(current × value / target). Docs: 200m of 100m doubles. */
    @Test
    void shouldDoubleWhenTheValueIsTwiceTheTarget() {
        final HpaAutoscaler hpa = hpa(1, 100, rps(0.1), ScalingRules.DEFAULT_SCALE_UP, NO_DOWN_STABILIZATION);
        // 4 replicas, 0.2/s each: 0.8/s in all.
        assertThat(hpa.decide(T0, 4, traffic(0.8, 4))).isEqualTo(8);
        assertThat(hpa.ratio(0)).isEqualTo(2.0);
    }

    /** Docs: 50m of 100m halves. */
    @Test
    void shouldHalveWhenTheValueIsHalfTheTarget() {
        final HpaAutoscaler hpa = hpa(1, 100, rps(0.1), ScalingRules.DEFAULT_SCALE_UP, NO_DOWN_STABILIZATION);
        assertThat(hpa.decide(T0, 4, traffic(0.2, 4))).isEqualTo(2);
    }

    /** Docs: within the tolerance (0.1) of the target, nothing changes. */
    @Test
    void shouldNotScaleWithinTheTolerance() {
        final HpaAutoscaler hpa = hpa(1, 100, rps(100), ScalingRules.DEFAULT_SCALE_UP, NO_DOWN_STABILIZATION);
        assertThat(hpa.decide(T0, 5, traffic(5 * 109, 5))).isEqualTo(5); // ratio 1.09
        assertThat(hpa.decide(T0 + 15 * SECOND_NS, 5, traffic(5 * 91, 5))).isEqualTo(5); // ratio 0.91
        assertThat(hpa.decide(T0 + 30 * SECOND_NS, 5, traffic(5 * 120, 5))).isEqualTo(6); // ceil(1.2 × 5)
    }

    /** TestReplicaCalcTolerance: usage 1010m, 1030m, 1020m of 1000m requests, target 100%: 102% is within. */
    @Test
    void shouldApplyTheToleranceToUtilization() {
        final HpaAutoscaler hpa = hpa(1, 100, utilization(100), ScalingRules.DEFAULT_SCALE_UP,
            NO_DOWN_STABILIZATION);
        assertThat(hpa.decide(T0, 3, cpu(3060, 3000, 1000, 3, 3))).isEqualTo(3);
    }

    /** TestReplicaCalcScaleUp: usage 300m, 500m, 700m of 1000m each, target 30%: 50% → 5 replicas. */
    @Test
    void shouldScaleUpByUtilization() {
        final HpaAutoscaler hpa = hpa(1, 100, utilization(30), ScalingRules.DEFAULT_SCALE_UP,
            NO_DOWN_STABILIZATION);
        assertThat(hpa.decide(T0, 3, cpu(1500, 3000, 1000, 3, 3))).isEqualTo(5);
        assertThat(hpa.proposal(0)).isEqualTo(5);
    }

    /** TestReplicaCalcScaleDown: usage 100, 300, 500, 250, 250 of 1000 each, target 50%: 28% → 3. */
    @Test
    void shouldScaleDownByUtilization() {
        final HpaAutoscaler hpa = hpa(1, 100, utilization(50), ScalingRules.DEFAULT_SCALE_UP,
            NO_DOWN_STABILIZATION);
        assertThat(hpa.decide(T0, 5, cpu(1400, 5000, 1000, 5, 5))).isEqualTo(3);
    }

    /**
     * Utilisation is an integer percent, as GetResourceUtilizationRatio truncates it: 69.99% of a 70% target is
     * 69%, a ratio of 69/70.
     */
    @Test
    void shouldTruncateUtilizationToAnIntegerPercent() {
        final HpaAutoscaler hpa = hpa(1, 100, utilization(70), ScalingRules.DEFAULT_SCALE_UP,
            NO_DOWN_STABILIZATION);
        hpa.decide(T0, 4, cpu(6999, 10_000, 2500, 4, 4));
        assertThat(hpa.ratio(0)).isEqualTo(69.0 / 70);
    }

    /**
     * TestReplicaCalcScaleUpUnreadyLessScale: usage 300m (not ready), 500m, 700m, target 30%: the ready pods are
     * at 60%; counting the one not ready at 0 gives 40%, ratio 1.33 over 3 pods → 4 (not 4 from 60% × 2 = ...).
     */
    @Test
    void shouldCountReplicasNotYetReadyAsIdleOnAScaleUp() {
        final HpaAutoscaler hpa = hpa(1, 100, utilization(30), ScalingRules.DEFAULT_SCALE_UP,
            NO_DOWN_STABILIZATION);
        assertThat(hpa.decide(T0, 3, cpu(1200, 2000, 1000, 2, 3))).isEqualTo(4);
        assertThat(hpa.ratio(0)).isEqualTo(2.0); // 60% / 30%, of the ready pods: what the status reports
    }

    /**
     * TestReplicaCalcScaleUpUnreadyNoScale: usage 400m (ready), 500m and 700m (not ready), target 30%: 40% alone
     * would scale up, but counted at 0 the two not ready bring it to 13%: the direction flips, so no change.
     */
    @Test
    void shouldNotScaleWhenReplicasNotYetReadyWouldFlipTheDirection() {
        final HpaAutoscaler hpa = hpa(1, 100, utilization(30), ScalingRules.DEFAULT_SCALE_UP,
            NO_DOWN_STABILIZATION);
        assertThat(hpa.decide(T0, 3, cpu(400, 1000, 1000, 1, 3))).isEqualTo(3);
    }

    /** Object metrics (value): ratio = value / target, replicas = ceil(ratio × ready). */
    @Test
    void shouldScaleByAServiceWideValue() {
        final HpaAutoscaler hpa = hpa(1, 100, List.of(new MetricTarget(Metric.P95, TargetType.VALUE, 200e6)),
            ScalingRules.DEFAULT_SCALE_UP, NO_DOWN_STABILIZATION);
        final WindowMetrics m = traffic(100, 4);
        m.completed = 1000;
        m.p95Ns = 500_000_000; // 2.5 × the target
        assertThat(hpa.decide(T0, 4, m)).isEqualTo(8); // ceil(2.5 × 4) = 10, limited to 4 + max(4, 100%) = 8
        assertThat(hpa.proposal(0)).isEqualTo(10);
        assertThat(hpa.limit()).isEqualTo(ScaleLimit.SCALE_UP_POLICY);
    }

    /** computeReplicasForMetrics: the largest proposal wins, and the metric that made it is named. */
    @Test
    void shouldTakeTheLargestProposalOfTheMetrics() {
        final HpaAutoscaler hpa = hpa(1, 100, List.of(
            new MetricTarget(Metric.RPS, TargetType.AVERAGE_VALUE, 100),
            new MetricTarget(Metric.QUEUE_DEPTH, TargetType.VALUE, 10)), ScalingRules.DEFAULT_SCALE_UP,
            NO_DOWN_STABILIZATION);
        final WindowMetrics m = traffic(4 * 150, 4); // rps ratio 1.5: 6
        m.queueNs = 35L * m.spanNs; // mean queue 35 of 10: 14
        assertThat(hpa.decide(T0, 4, m)).isEqualTo(8);
        assertThat(hpa.proposal(0)).isEqualTo(6);
        assertThat(hpa.proposal(1)).isEqualTo(14);
        assertThat(hpa.decidingMetric()).isEqualTo(1);
    }

    /** No ready replica reports: no metric, no change (FailedComputeMetricsReplicas). */
    @Test
    void shouldNotScaleWithoutMetrics() {
        final HpaAutoscaler hpa = hpa(1, 100, utilization(50), ScalingRules.DEFAULT_SCALE_UP,
            NO_DOWN_STABILIZATION);
        assertThat(hpa.decide(T0, 3, cpu(0, 0, 1000, 0, 3))).isEqualTo(3);
        assertThat(hpa.proposal(0)).isEqualTo(-1);
    }

    // ---------------------------------------------------------------- Bounds

    /** TestConvertDesiredReplicasWithRules: above max → max (TooManyReplicas). */
    @Test
    void shouldStopAtMaxReplicas() {
        final HpaAutoscaler hpa = hpa(3, 10, rps(100), ScalingRules.DEFAULT_SCALE_UP, NO_DOWN_STABILIZATION);
        assertThat(hpa.decide(T0, 8, traffic(8 * 150, 8))).isEqualTo(10); // ceil(1.5 × 8) = 12
        assertThat(hpa.limit()).isEqualTo(ScaleLimit.MAX_REPLICAS);
    }

    /** Below min → min (TooFewReplicas). */
    @Test
    void shouldStopAtMinReplicas() {
        final HpaAutoscaler hpa = hpa(3, 10, rps(100), ScalingRules.DEFAULT_SCALE_UP, NO_DOWN_STABILIZATION);
        assertThat(hpa.decide(T0, 5, traffic(5 * 20, 5))).isEqualTo(3); // ceil(0.2 × 5) = 1
        assertThat(hpa.limit()).isEqualTo(ScaleLimit.MIN_REPLICAS);
    }

    /** reconcileAutoscaler: replicas above maxReplicas go to it whatever the metrics say. */
    @Test
    void shouldBringReplicasOutsideTheBoundsToThem() {
        final HpaAutoscaler hpa = hpa(2, 10, rps(100), ScalingRules.DEFAULT_SCALE_UP,
            ScalingRules.DEFAULT_SCALE_DOWN);
        assertThat(hpa.decide(T0, 14, traffic(14 * 500, 14))).isEqualTo(10);
        assertThat(hpa.decide(T0 + 15 * SECOND_NS, 1, traffic(1, 1))).isEqualTo(2);
    }

    // ---------------------------------------------------------------- Stabilization

    /**
     * TestStabilizeRecommendationWithBehaviors "Scale up stabilized": recommendations 8 (2 min ago) and 7 (4 min
     * ago), scale-up window 5 min, scale-down window 10 min; 10 desired of 5: the lowest of the up window, 7.
     */
    @Test
    void shouldTakeTheLowestRecommendationOfTheScaleUpWindow() {
        final HpaAutoscaler hpa = hpa(1, 100, rps(1), rules(300, SelectPolicy.MAX, pods(1000, 15)),
            rules(600, SelectPolicy.MAX, percent(100, 15)));
        hpa.recordRecommendation(T0 - 120 * SECOND_NS, 8);
        hpa.recordRecommendation(T0 - 240 * SECOND_NS, 7);
        assertThat(hpa.decide(T0, 5, traffic(10, 5))).isEqualTo(7); // 2/s per replica: 10
        assertThat(hpa.recommended()).isEqualTo(10);
        assertThat(hpa.stabilized()).isEqualTo(7);
    }

    /**
     * "Scale down stabilized": recommendations 5 (5 min ago: not within a 5-min window, strictly) and 4 (8 min),
     * scale-up window 5 min, scale-down 10 min; 3 desired of 8: the highest of the down window, 5.
     */
    @Test
    void shouldTakeTheHighestRecommendationOfTheScaleDownWindow() {
        final HpaAutoscaler hpa = hpa(1, 100, rps(1), rules(300, SelectPolicy.MAX, pods(1000, 15)),
            rules(600, SelectPolicy.MAX, percent(100, 15)));
        hpa.recordRecommendation(T0 - 300 * SECOND_NS, 5);
        hpa.recordRecommendation(T0 - 480 * SECOND_NS, 4);
        assertThat(hpa.decide(T0, 8, traffic(3, 8))).isEqualTo(5);
    }

    /**
     * The default scale-down window (300 s): a drop in load scales in only once no recommendation of the last
     * 5 minutes (the first sync's current replicas included) is higher.
     */
    @Test
    void shouldWaitFiveMinutesBeforeScalingDownByDefault() {
        final HpaAutoscaler hpa = hpa(1, 100, rps(100), ScalingRules.DEFAULT_SCALE_UP,
            ScalingRules.DEFAULT_SCALE_DOWN);
        int replicas = 10;
        long now = 15 * SECOND_NS;
        replicas = hpa.decide(now, replicas, traffic(10 * 100, 10)); // at target: records 10 (and 10 initially)
        assertThat(replicas).isEqualTo(10);
        for (int sync = 2; sync <= 21; sync++) { // 15 s .. 315 s: the load drops to 40% of the target
            now = sync * 15 * SECOND_NS;
            replicas = hpa.decide(now, replicas, traffic(400, replicas));
            if (now <= 315 * SECOND_NS - SECOND_NS) {
                assertThat(replicas).as("at %d s", now / SECOND_NS).isEqualTo(10);
            }
        }
        // At 315 s the recommendations of 15 s (10) left the window (strictly older than 300 s): 4 it is.
        assertThat(replicas).isEqualTo(4);
    }

    // ---------------------------------------------------------------- Policies

    /** TestScalingWithRules "scaleUp with default behavior": 10 → 50 desired, 100% per 15 s: 20. */
    @Test
    void shouldDoubleAtMostPerFifteenSecondsByDefault() {
        final HpaAutoscaler hpa = hpa(1, 1000, rps(1), ScalingRules.DEFAULT_SCALE_UP, NO_DOWN_STABILIZATION);
        assertThat(hpa.decide(T0, 10, traffic(50, 10))).isEqualTo(20);
        assertThat(hpa.limit()).isEqualTo(ScaleLimit.SCALE_UP_POLICY);
    }

    /** The default's other policy: 4 pods per 15 s, larger than 100% of 1. */
    @Test
    void shouldAddFourPodsAtLeastByDefault() {
        final HpaAutoscaler hpa = hpa(1, 1000, rps(1), ScalingRules.DEFAULT_SCALE_UP, NO_DOWN_STABILIZATION);
        assertThat(hpa.decide(T0, 1, traffic(50, 1))).isEqualTo(5);
    }

    /** "scaleUp with pods policy larger than percent policy": Pods 100/60s, Percent 100/60s: 10 → 110. */
    @Test
    void shouldTakeThePolicyAllowingTheLargestChange() {
        final HpaAutoscaler hpa = hpa(1, 1000, rps(1), rules(0, SelectPolicy.MAX, pods(100, 60), percent(100, 60)),
            NO_DOWN_STABILIZATION);
        assertThat(hpa.decide(T0, 10, traffic(500, 10))).isEqualTo(110);
    }

    /** "scaleUp with percent policy larger than pods policy": Pods 2/60s, Percent 100/60s: 10 → 20. */
    @Test
    void shouldTakeThePercentPolicyWhenItAllowsMore() {
        final HpaAutoscaler hpa = hpa(1, 1000, rps(1), rules(0, SelectPolicy.MAX, pods(2, 60), percent(100, 60)),
            NO_DOWN_STABILIZATION);
        assertThat(hpa.decide(T0, 10, traffic(500, 10))).isEqualTo(20);
    }

    /** selectPolicy Min: the smallest change, 10 → 12. */
    @Test
    void shouldTakeThePolicyAllowingTheSmallestChangeWithSelectPolicyMin() {
        final HpaAutoscaler hpa = hpa(1, 1000, rps(1), rules(0, SelectPolicy.MIN, pods(2, 60), percent(100, 60)),
            NO_DOWN_STABILIZATION);
        assertThat(hpa.decide(T0, 10, traffic(500, 10))).isEqualTo(12);
    }

    /** selectPolicy Disabled: no scaling in that direction. */
    @Test
    void shouldNotScaleUpWhenDisabled() {
        final HpaAutoscaler hpa = hpa(1, 1000, rps(1), rules(0, SelectPolicy.DISABLED, pods(4, 15)),
            NO_DOWN_STABILIZATION);
        assertThat(hpa.decide(T0, 10, traffic(500, 10))).isEqualTo(10);
    }

    /** "scaleUp with spec MaxReplicas limitation with large pod policy": Pods 100/60s, max 200: 100 → 200. */
    @Test
    void shouldReportMaxReplicasWhenItIsTheTighterLimit() {
        final HpaAutoscaler hpa = hpa(1, 200, rps(1), rules(0, SelectPolicy.MAX, pods(100, 60)),
            NO_DOWN_STABILIZATION);
        assertThat(hpa.decide(T0, 100, traffic(500, 100))).isEqualTo(200);
        assertThat(hpa.limit()).isEqualTo(ScaleLimit.MAX_REPLICAS);
    }

    /** "scaleDown with pods policy larger than percent policy": Pods 20/60s, Percent 1/60s: 100 → 80. */
    @Test
    void shouldRemoveAtMostThePolicysPods() {
        final HpaAutoscaler hpa = hpa(1, 1000, rps(1), ScalingRules.DEFAULT_SCALE_UP,
            rules(0, SelectPolicy.MAX, pods(20, 60), percent(1, 60)));
        assertThat(hpa.decide(T0, 100, traffic(2, 100))).isEqualTo(80);
        assertThat(hpa.limit()).isEqualTo(ScaleLimit.SCALE_DOWN_POLICY);
    }

    /** selectPolicy Min on a scale-down: the smallest change, 100 → 99. */
    @Test
    void shouldRemoveTheLeastWithSelectPolicyMin() {
        final HpaAutoscaler hpa = hpa(1, 1000, rps(1), ScalingRules.DEFAULT_SCALE_UP,
            rules(0, SelectPolicy.MIN, pods(20, 60), percent(1, 60)));
        assertThat(hpa.decide(T0, 100, traffic(2, 100))).isEqualTo(99);
    }

    /**
     * The documentation's example: {@code scaleDown: policies: [Pods 4/60s, Percent 10/60s]}: "if there are 80
     * replicas and the target has to be scaled down to 10 replicas then during the first step 8 replicas will be
     * reduced. In the next iteration when the number of replicas is 72, 10% of the pods is 7.2 but the number is
     * rounded up to 8."
     */
    @Test
    void shouldScaleDownAsTheDocumentationsExample() {
        final HpaAutoscaler hpa = hpa(1, 1000, rps(1), ScalingRules.DEFAULT_SCALE_UP,
            rules(0, SelectPolicy.MAX, pods(4, 60), percent(10, 60)));
        assertThat(hpa.decide(T0, 80, traffic(10, 80))).isEqualTo(72);
        // Within the minute, the 8 removed count: nothing more.
        assertThat(hpa.decide(T0 + 30 * SECOND_NS, 72, traffic(10, 72))).isEqualTo(72);
        assertThat(hpa.decide(T0 + 61 * SECOND_NS, 72, traffic(10, 72))).isEqualTo(64);
    }

    /**
     * A period's start counts the changes of both directions made within it: after +4 and +2 in the last two
     * minutes, 10 replicas started the period at 4, and Percent 300/120s allows ceil(4 × 4) = 16.
     */
    @Test
    void shouldCountTheChangesWithinThePeriod() {
        final HpaAutoscaler hpa = hpa(1, 1000, rps(1), rules(0, SelectPolicy.MAX, percent(300, 120)),
            NO_DOWN_STABILIZATION);
        hpa.recordScaleEvent(T0 - 10 * SECOND_NS, 4);
        hpa.recordScaleEvent(T0 - 50 * SECOND_NS, 2);
        hpa.recordScaleEvent(T0 - 130 * SECOND_NS, 5); // older than the period
        assertThat(hpa.decide(T0, 10, traffic(500, 10))).isEqualTo(16);
    }

    /** Scale-down events raise the start of a scale-up period: 40 now, 10 removed within it: 50 × 50% = 25. */
    @Test
    void shouldCountRemovedReplicasInTheScaleDownLimit() {
        final HpaAutoscaler hpa = hpa(1, 1000, rps(1), ScalingRules.DEFAULT_SCALE_UP,
            rules(0, SelectPolicy.MAX, percent(50, 60)));
        hpa.recordScaleEvent(T0 - 30 * SECOND_NS, -10);
        assertThat(hpa.decide(T0, 40, traffic(1, 40))).isEqualTo(25);
    }

    /** Percent rounds a scale-up up and truncates a scale-down: 5 × 1.1 → 6, 5 × 0.9 → 4. */
    @Test
    void shouldRoundPercentPoliciesAsKubernetes() {
        final HpaAutoscaler up = hpa(1, 1000, rps(1), rules(0, SelectPolicy.MAX, percent(10, 60)),
            NO_DOWN_STABILIZATION);
        assertThat(up.decide(T0, 5, traffic(50, 5))).isEqualTo(6);
        final HpaAutoscaler down = hpa(1, 1000, rps(1), ScalingRules.DEFAULT_SCALE_UP,
            rules(0, SelectPolicy.MAX, percent(10, 60)));
        assertThat(down.decide(T0, 5, traffic(1, 5))).isEqualTo(4);
    }

    // ---------------------------------------------------------------- fixtures

    private static HpaAutoscaler hpa(final int min, final int max, final List<MetricTarget> metrics,
                                     final ScalingRules up, final ScalingRules down) {
        return new HpaAutoscaler(new AutoscaleSpec(0, "api", AutoscaleSpec.Algorithm.HPA, min, max,
            15 * SECOND_NS, 15 * SECOND_NS, metrics, AutoscaleSpec.DEFAULT_TOLERANCE, up, down, null));
    }

    private static List<MetricTarget> rps(final double perReplica) {
        return List.of(new MetricTarget(Metric.RPS, TargetType.AVERAGE_VALUE, perReplica));
    }

    private static List<MetricTarget> utilization(final int percent) {
        return List.of(new MetricTarget(Metric.UTILIZATION, TargetType.UTILIZATION, percent / 100.0));
    }

    private static ScalingRules rules(final int windowSeconds, final SelectPolicy select,
                                      final ScalingPolicy... policies) {
        return new ScalingRules(windowSeconds * SECOND_NS, select, List.of(policies));
    }

    private static ScalingPolicy pods(final int value, final int periodSeconds) {
        return new ScalingPolicy(PolicyType.PODS, value, periodSeconds * SECOND_NS);
    }

    private static ScalingPolicy percent(final int value, final int periodSeconds) {
        return new ScalingPolicy(PolicyType.PERCENT, value, periodSeconds * SECOND_NS);
    }

    /** {@code rps} requests per second in all over a 15 s window, {@code ready} replicas all ready. */
    private static WindowMetrics traffic(final double rps, final int ready) {
        final long span = 15 * SECOND_NS;
        return new WindowMetrics().set(span, Math.round(rps * 15), 0, 0, 0, 0, ready * span, span, ready, ready, 0,
            0);
    }

    /**
     * Kubernetes' CPU figures: {@code usage} of {@code requests} (sums over the ready pods), {@code perPod} request
     * of a pod, {@code ready} of {@code replicas} pods ready.
     */
    private static WindowMetrics cpu(final long usage, final long requests, final long perPod, final int ready,
                                     final int replicas) {
        return new WindowMetrics().set(15 * SECOND_NS, 0, 0, 0, usage, 0, requests, perPod, ready, replicas, 0, 0);
    }
}
