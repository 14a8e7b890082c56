package io.tickwire.engine.sim;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;
import static org.assertj.core.data.Percentage.withPercentage;

/**
 * Steady-state availability against MTBF / (MTBF + MTTR), over a long simulated run.
 * <p>
 * <b>Available</b> means READY: the availability of a service is the time average of its READY replicas over its
 * desired replicas (here the diagram's, never changed), Σ readyTimeNs / (replicas × run length) — exactly what the
 * ticks' {@code readyTimeNs} measure. A crashed replica is unavailable from its crash until its replacement is ready.
 * By renewal-reward, each replica slot alternates up times (mean MTBF: the failure model's mean, counted from READY)
 * and down times (MTTR = detection + start-up), so A = MTBF / (MTBF + MTTR).
 * <p>
 * <b>Detection</b>: probes go out every interval I from the moment a replica is ready; the crash at age T is found by
 * the first probe at or after it, at age ⌈T / I⌉ I, then n − 1 more probes and the last one's timeout:
 * detection = ⌈T / I⌉ I − T + (n − 1) I + timeout. So E[detection] = I E⌈T / I⌉ − MTBF + (n − 1) I + timeout, with
 * E⌈T / I⌉ = Σ_{j >= 0} P(T > j I): 1 / (1 − e^(−I / MTBF)) for the exponential, Σ e^(−(j I / scale)^k) for a Weibull.
 */
class AvailabilityTest {
    private static final double INTERVAL_S = 5;
    private static final double TIMEOUT_S = 1;
    private static final int THRESHOLD = 3;
    private static final double STARTUP_S = 10;
    private static final double MTBF_S = 60;
    private static final int REPLICAS = 20;
    private static final int TICKS = 100_000; // 1 s ticks: ~24,000 crashes

    @Test
    void shouldMatchMtbfOverMtbfPlusMttrWithExponentialFailures() throws Exception {
        final double ceilMean = 1 / (1 - Math.exp(-INTERVAL_S / MTBF_S));
        check("distribution: exponential", ceilMean, 41);
    }

    @Test
    void shouldMatchMtbfOverMtbfPlusMttrWithWeibullFailures() throws Exception {
        // Shape 2 (wear-out): scale = MTBF / Γ(1.5).
        final double scale = MTBF_S / Gamma.gamma(1.5);
        double ceilMean = 0;
        for (int j = 0; j < 10_000; j++) {
            ceilMean += Math.exp(-Math.pow(j * INTERVAL_S / scale, 2));
        }
        check("distribution: weibull, shape: 2", ceilMean, 42);
    }

    @Test
    void shouldComputeTheGammaFunction() {
        assertThat(Gamma.gamma(1)).isCloseTo(1, offset(1e-13));
        assertThat(Gamma.gamma(1.5)).isCloseTo(Math.sqrt(Math.PI) / 2, offset(1e-13));
        assertThat(Gamma.gamma(5)).isCloseTo(24, offset(24e-13));
        assertThat(Gamma.gamma(0.5)).isCloseTo(Math.sqrt(Math.PI), offset(1e-13));
        assertThat(Gamma.gamma(1 + 1 / 0.3)).isCloseTo(Gamma.gamma(1 / 0.3) / 0.3, withPercentage(1e-11));
    }

    private static void check(final String distribution, final double ceilMean, final long seed) throws Exception {
        final double detection = INTERVAL_S * ceilMean - MTBF_S + (THRESHOLD - 1) * INTERVAL_S + TIMEOUT_S;
        final double mttr = detection + STARTUP_S;
        final double expected = MTBF_S / (MTBF_S + mttr);
        final Diagram diagram = DiagramLoader.parse("""
            name: availability
            tick: 1s
            seed: %d
            services:
              - name: s
                replicas: %d
                startup: 10s
                failures: { mtbf: 60s, %s }
                health: { interval: 5s, timeout: 1s, unhealthyThreshold: 3 }
                latency: { mean: 1ms }
            load:
              - { target: s, rate: 1/s }
            """.formatted(seed, REPLICAS, distribution));
        final Kernels kernels = new Kernels(diagram, diagram.seed());
        final RecordingSink sink = new RecordingSink(1, 1);
        for (int t = 0; t < TICKS; t++) {
            kernels.advanceTick(t, sink);
        }
        assertThat(sink.violation).isNull();
        final double available = sink.sum(0, RecordingSink.Tick::readyTimeNs) / (REPLICAS * TICKS * 1e9);
        assertThat(available).as("availability (expected %.4f, MTTR %.3f s)", expected, mttr)
            .isCloseTo(expected, offset(0.01));
        // The detection delay itself, crash by crash: UNHEALTHY minus CRASHED, by replica.
        final Map<Integer, Long> crashedAt = new HashMap<>();
        double detectionSum = 0;
        int detected = 0;
        for (final RecordingSink.Event e : sink.events) {
            if (e.kind() == ReplicaEvents.CRASHED) {
                crashedAt.put(e.replica(), e.timeNs());
            } else if (e.kind() == ReplicaEvents.UNHEALTHY) {
                detectionSum += (e.timeNs() - crashedAt.remove(e.replica())) / 1e9;
                detected++;
            }
        }
        assertThat(detected).isGreaterThan(20_000);
        assertThat(detectionSum / detected).isCloseTo(detection, withPercentage(2));
        // Provisioned replicas never drop: a crashed one counts until its replacement is started.
        assertThat(sink.ticks.get(0)).allSatisfy(t -> assertThat(t.replicas()).isEqualTo(REPLICAS));
    }
}
