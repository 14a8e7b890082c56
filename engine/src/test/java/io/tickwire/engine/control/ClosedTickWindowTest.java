package io.tickwire.engine.control;

import io.tickwire.codec.TickHistogram;
import io.tickwire.engine.diagram.AutoscaleSpec.Metric;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The window's figures are sums of its ticks' and its percentiles those of the merged histograms. */
class ClosedTickWindowTest {
    private static final long TICK = 50_000_000;

    @Test
    void shouldSumTheTicksOfTheWindowAndMergeTheirHistograms() {
        final ClosedTickWindow window = new ClosedTickWindow(2, new int[] {0, 10});
        assertThat(window.tracks(0)).isFalse();
        assertThat(window.windowTicks(1)).isEqualTo(16);
        final Histogram reference = new Histogram(3);
        final TickHistogram h = new TickHistogram();
        for (long t = 0; t < 40; t++) {
            for (int i = 1; i <= 100; i++) {
                final long latency = (t + 1) * 1_000 * i; // later ticks are slower
                h.record(latency);
                if (t >= 30) {
                    reference.recordValue(latency);
                }
            }
            window.record(1, t, 100, 100, t % 2, TICK, TICK / 2, 2 * TICK, 1, 2, 2, (t + 1) * 100_000, h);
            h.reset();
        }
        final WindowMetrics m = new WindowMetrics();
        window.read(1, 30, 39, TICK, m);
        assertThat(m.spanNs()).isEqualTo(10 * TICK);
        assertThat(m.value(Metric.RPS)).isEqualTo(1000 / 0.5);
        assertThat(m.value(Metric.UTILIZATION)).isEqualTo(0.5);
        assertThat(m.value(Metric.QUEUE_DEPTH)).isEqualTo(0.5);
        assertThat(m.value(Metric.IN_FLIGHT)).isEqualTo(1.5);
        assertThat(m.value(Metric.ERROR_RATE)).isEqualTo(5 / 1000.0);
        assertThat(m.readyReplicas()).isEqualTo(2);
        assertThat(m.value(Metric.P95)).isEqualTo((double)Math.min(reference.getValueAtPercentile(95), 4_000_000));
        assertThat(m.value(Metric.P99)).isEqualTo((double)Math.min(reference.getValueAtPercentile(99), 4_000_000));
        // A window reaching before tick 0 holds what there is.
        final ClosedTickWindow early = new ClosedTickWindow(1, new int[] {10});
        for (long t = 0; t < 3; t++) {
            early.record(0, t, 1, 1, 0, TICK, 0, TICK, 1, 1, 1, 1, null);
        }
        early.read(0, -5, 2, TICK, m);
        assertThat(m.spanNs()).isEqualTo(3 * TICK);
    }
}
