package io.tickwire.engine.control;

import io.tickwire.engine.diagram.AutoscaleSpec;
import io.tickwire.engine.diagram.AutoscaleSpec.Metric;
import io.tickwire.engine.diagram.AutoscaleSpec.MetricTarget;
import io.tickwire.engine.diagram.AutoscaleSpec.TargetType;
import io.tickwire.sbe.ScaleLimit;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.tickwire.engine.diagram.AutoscaleSpec.SECOND_NS;
import static org.assertj.core.api.Assertions.assertThat;

/** The threshold rule: the largest factor scales out, every factor low scales in, steps, cooldowns, bounds. */
class ThresholdAutoscalerTest {
    private static final long SPAN = 10 * SECOND_NS;

    @Test
    void shouldScaleOutByTheStepWhenTheLargestFactorIsAboveTheThreshold() {
        final ThresholdAutoscaler t = threshold(1, 10, 2, 1, 30, 60);
        // utilisation 90% of a 60% target (1.5) and p95 at half its target (0.5): the largest is 1.5 > 1.2.
        assertThat(t.decide(100 * SECOND_NS, 3, metrics(0.9, 3, 25_000_000))).isEqualTo(5);
        assertThat(t.decidingMetric()).isEqualTo(0);
        assertThat(t.ratio(0)).isCloseTo(1.5, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(t.limit()).isEqualTo(ScaleLimit.STEP);
        assertThat(t.reason(3, 5)).startsWith("largest factor 1.5 > scaleOutAbove 1.2: utilization 90%");
    }

    @Test
    void shouldWaitForTheScaleOutCooldown() {
        final ThresholdAutoscaler t = threshold(1, 10, 1, 1, 30, 60);
        assertThat(t.decide(100 * SECOND_NS, 3, metrics(0.9, 3, 0))).isEqualTo(4);
        assertThat(t.decide(120 * SECOND_NS, 4, metrics(0.9, 4, 0))).isEqualTo(4); // 20 s < 30 s
        assertThat(t.decide(130 * SECOND_NS, 4, metrics(0.9, 4, 0))).isEqualTo(5); // 30 s: allowed
    }

    @Test
    void shouldScaleInOnlyWhenEveryFactorIsLowAndAfterTheScaleInCooldown() {
        final ThresholdAutoscaler t = threshold(1, 10, 1, 2, 30, 60);
        assertThat(t.decide(100 * SECOND_NS, 6, metrics(0.9, 6, 0))).isEqualTo(7);
        // Utilisation low but p95 at 0.8 of its target: not every factor is below 0.5.
        assertThat(t.decide(200 * SECOND_NS, 7, metrics(0.1, 7, 40_000_000))).isEqualTo(7);
        // Both low, but 50 s after the last scaling: the scale-in cooldown (60 s) counts from any direction.
        assertThat(t.decide(150 * SECOND_NS, 7, metrics(0.1, 7, 1_000_000))).isEqualTo(7);
        assertThat(t.decide(160 * SECOND_NS, 7, metrics(0.1, 7, 1_000_000))).isEqualTo(5);
    }

    @Test
    void shouldStayWithinTheBounds() {
        final ThresholdAutoscaler t = threshold(2, 4, 3, 3, 0, 0);
        assertThat(t.decide(10 * SECOND_NS, 3, metrics(0.95, 3, 0))).isEqualTo(4);
        assertThat(t.limit()).isEqualTo(ScaleLimit.MAX_REPLICAS);
        assertThat(t.decide(20 * SECOND_NS, 4, metrics(0.01, 4, 0))).isEqualTo(2);
        assertThat(t.limit()).isEqualTo(ScaleLimit.MIN_REPLICAS);
        assertThat(t.decide(30 * SECOND_NS, 9, metrics(0.5, 9, 0))).isEqualTo(4); // outside the bounds
    }

    @Test
    void shouldLeaveOutAMetricWithoutAValue() {
        final ThresholdAutoscaler t = threshold(1, 10, 1, 1, 0, 0);
        // No completed request: no p95; no ready replica: no utilisation. Nothing to decide on.
        assertThat(t.decide(10 * SECOND_NS, 3, new WindowMetrics().set(SPAN, 0, 0, 0, 0, 0, 0, SPAN, 0, 3, 0, 0)))
            .isEqualTo(3);
    }

    private static ThresholdAutoscaler threshold(final int min, final int max, final int outStep, final int inStep,
                                                 final int outCooldownSeconds, final int inCooldownSeconds) {
        return new ThresholdAutoscaler(new AutoscaleSpec(0, "api", AutoscaleSpec.Algorithm.THRESHOLD, min, max,
            10 * SECOND_NS, SPAN, List.of(
                new MetricTarget(Metric.UTILIZATION, TargetType.UTILIZATION, 0.6),
                new MetricTarget(Metric.P95, TargetType.VALUE, 50_000_000)),
            0.1, null, null, new AutoscaleSpec.ThresholdRule(1.2, 0.5, outStep, inStep,
            outCooldownSeconds * SECOND_NS, inCooldownSeconds * SECOND_NS)));
    }

    /** {@code utilization} of {@code ready} replicas of one server each; p95 {@code p95Ns} (0: no request). */
    private static WindowMetrics metrics(final double utilization, final int ready, final long p95Ns) {
        final long capacity = ready * SPAN;
        return new WindowMetrics().set(SPAN, 100, p95Ns > 0 ? 100 : 0, 0, Math.round(utilization * capacity), 0,
            capacity, SPAN, ready, ready, p95Ns, p95Ns);
    }
}
