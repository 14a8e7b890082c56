package io.tickwire.engine.sim;

import com.sun.management.ThreadMXBean;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.DiagramLoader;
import io.tickwire.sbe.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/**
 * Scheduled load against its rate function: the arrivals in each window match ∫λ(t)dt over it, where λ is written
 * out independently here (the reference) rather than taken from {@link ScheduledArrivals}. Poisson counts must lie
 * within 4 standard deviations (sqrt of the mean) per window and over the run, with a chi-square check of the whole
 * shape; constant arrivals, which have no randomness, within one arrival per window.
 */
class LoadScheduleTest {
    private static final long TICK_NS = 50_000_000L;
    private static final int TICKS = 200;
    /** 250 ms windows: fine enough to see a spike's edges, wide enough for a few thousand arrivals. */
    private static final int TICKS_PER_WINDOW = 5;

    static Stream<Arguments> schedules() {
        return Stream.of(
            Arguments.of("step", "rate: 8000/s, schedule: [{at: 3s, step: 24000/s}, {at: 7s, step: 2000/s}]",
                (DoubleUnaryOperator)t -> t < 3 ? 8000 : t < 7 ? 24000 : 2000),
            Arguments.of("ramp", "rate: 4000/s, schedule: [{at: 2s, ramp: 32000/s, over: 5s}, "
                    + "{at: 8s, ramp: 8000/s, over: 1s}]",
                (DoubleUnaryOperator)t -> t < 2 ? 4000 : t < 7 ? 4000 + 28000 * (t - 2) / 5 : t < 8 ? 32000
                    : t < 9 ? 32000 - 24000 * (t - 8) : 8000),
            // Back to the level before each spike (the step's, not the base rate); a spike may also be a dip.
            Arguments.of("spike", "rate: 4000/s, schedule: [{at: 1s, step: 8000/s}, {at: 4s, spike: 36000/s, "
                    + "for: 500ms}, {at: 6s, spike: 1200/s, for: 1s}]",
                (DoubleUnaryOperator)t -> t < 1 ? 4000 : t < 4 ? 8000 : t < 4.5 ? 36000 : t < 6 ? 8000
                    : t < 7 ? 1200 : 8000),
            Arguments.of("diurnal", "rate: 12000/s, diurnal: {period: 4s, amplitude: 0.6, peak: 1s}",
                (DoubleUnaryOperator)t -> 12000 * (1 + 0.6 * Math.cos(2 * Math.PI * (t - 1) / 4))),
            Arguments.of("ramp under a diurnal cycle", "rate: 6000/s, schedule: [{at: 2s, ramp: 24000/s, over: 4s}], "
                    + "diurnal: {period: 3s, amplitude: 0.9, peak: 500ms}",
                (DoubleUnaryOperator)t -> (t < 2 ? 6000 : t < 6 ? 6000 + 18000 * (t - 2) / 4 : 24000)
                    * (1 + 0.9 * Math.cos(2 * Math.PI * (t - 0.5) / 3))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schedules")
    void shouldMatchTheRateIntegralWithPoissonArrivals(final String name, final String load,
                                                       final DoubleUnaryOperator lambda) throws Exception {
        final long[] perTick = arrivals(diagram(load + ", arrivals: poisson", 21));
        double chiSquare = 0;
        double expectedTotal = 0;
        long total = 0;
        final int windows = TICKS / TICKS_PER_WINDOW;
        for (int w = 0; w < windows; w++) {
            final double expected = integral(lambda, w, w + 1);
            final long count = window(perTick, w);
            assertThat((double)count).as("%s: window %d", name, w)
                .isCloseTo(expected, offset(4 * Math.sqrt(expected)));
            chiSquare += (count - expected) * (count - expected) / expected;
            expectedTotal += expected;
            total += count;
        }
        assertThat((double)total).as("%s: whole run", name).isCloseTo(expectedTotal,
            offset(4 * Math.sqrt(expectedTotal)));
        // Chi-square with one degree of freedom per window: mean 40, sd sqrt(80).
        assertThat(chiSquare).as("%s: chi-square over %d windows", name, windows)
            .isLessThan(windows + 4 * Math.sqrt(2.0 * windows));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schedules")
    void shouldPlaceConstantArrivalsAtEachUnitOfTheRateIntegral(final String name, final String load,
                                                               final DoubleUnaryOperator lambda) throws Exception {
        final long[] perTick = arrivals(diagram(load + ", arrivals: constant", 22));
        for (int t = 0; t < TICKS; t++) {
            // Exactly floor-of-integral: within one arrival in every tick, not just on average.
            final double expected = integral(lambda, t / (double)TICKS_PER_WINDOW, (t + 1) / (double)TICKS_PER_WINDOW);
            assertThat((double)perTick[t]).as("%s: tick %d", name, t).isCloseTo(expected, offset(1.0 + 1e-6));
        }
    }

    @Test
    void shouldApplyAChangeToConstantArrivalsAtOnceEvenInsideALongGap() throws Exception {
        // At 1/s, half a gap has elapsed by the step at 500 ms; the other half at 1000/s takes 0.5 ms. A gap fixed
        // at the previous arrival would wait until 1 s, and would miss a spike shorter than the base gap entirely.
        final List<Long> stepped = departures(diagram("rate: 1/s, arrivals: constant, "
            + "schedule: [{at: 500ms, step: 1000/s}]", 26));
        assertThat(stepped.get(0)).isEqualTo(500_500_000L + 1_000L);
        assertThat(stepped.get(1)).isEqualTo(501_500_000L + 1_000L);
        final long[] spiked = arrivals(diagram("rate: 1/s, arrivals: constant, "
            + "schedule: [{at: 300ms, spike: 2000/s, for: 100ms}]", 27));
        // Ticks 6 and 7 are the spike's 100 ms; by then the base rate had accrued 0.3 of an arrival.
        assertThat(spiked[6] + spiked[7]).isEqualTo(200);
        assertThat(spiked[0] + spiked[1] + spiked[2] + spiked[3] + spiked[4] + spiked[5]).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schedules")
    void shouldCompileTheScheduleIntoTheReferenceRate(final String name, final String load,
                                                      final DoubleUnaryOperator lambda) throws Exception {
        final ScheduledArrivals schedule = new ScheduledArrivals(diagram(load, 1).load().get(0));
        assertThat(schedule.varies()).isTrue();
        for (long ms = 0; ms < 12_000; ms += 7) {
            assertThat(schedule.rateAt(ms * 1_000_000L)).as("%s at %d ms", name, ms)
                .isCloseTo(lambda.applyAsDouble(ms / 1e3), offset(1e-6));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"poisson", "constant"})
    void shouldDrawExactlyAsWithoutAScheduleWhenTheScheduleNeverChangesTheRate(final String arrivals)
        throws Exception {
        final String base = "rate: 5000/s, arrivals: " + arrivals;
        final List<Long> unscheduled = departures(diagram(base, 23));
        assertThat(unscheduled).hasSizeGreaterThan(40_000);
        for (final String same : List.of(", schedule: []", ", schedule: [{at: 3s, step: 5000/s}]",
            ", schedule: [{at: 2s, spike: 5000/s, for: 1s}, {at: 4s, ramp: 5000/s, over: 2s}]",
            ", diurnal: {amplitude: 0}")) {
            assertThat(departures(diagram(base + same, 23))).as(same).isEqualTo(unscheduled);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"poisson", "constant"})
    void shouldGiveIdenticalArrivalsForTheSameSeed(final String arrivals) throws Exception {
        final String load = "rate: 6000/s, arrivals: " + arrivals + ", schedule: [{at: 1s, step: 9000/s}, "
            + "{at: 2s, ramp: 20000/s, over: 3s}, {at: 6s, spike: 40000/s, for: 250ms}], "
            + "diurnal: {period: 2s, amplitude: 0.5, peak: 300ms}";
        final List<Long> first = departures(diagram(load, 24));
        assertThat(departures(diagram(load, 24))).isEqualTo(first);
        if ("poisson".equals(arrivals)) {
            assertThat(departures(diagram(load, 25))).isNotEqualTo(first);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"poisson", "constant"})
    void shouldNotAllocatePerArrival(final String arrivals) throws Exception {
        final ScheduledArrivals schedule = new ScheduledArrivals(diagram("rate: 6000/s, arrivals: " + arrivals
            + ", schedule: [{at: 1s, step: 9000/s}, {at: 2s, ramp: 20000/s, over: 1h}], "
            + "diurnal: {period: 2s, amplitude: 0.5, peak: 300ms}", 28).load().get(0));
        final SplittableRandom random = new SplittableRandom(28);
        final ThreadMXBean threads = (ThreadMXBean)ManagementFactory.getThreadMXBean();
        long now = 0;
        for (int i = 0; i < 200_000; i++) {
            now = schedule.nextArrivalNs(now, random);
        }
        final long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 1_000_000; i++) {
            now = schedule.nextArrivalNs(now, random);
        }
        final long bytes = threads.getCurrentThreadAllocatedBytes() - before;
        // A few hundred bytes of noise from the counter itself, against 16 MB for one long per arrival.
        assertThat(bytes).as("bytes allocated over 1 M arrivals").isLessThan(10_000);
    }

    private static Diagram diagram(final String load, final long seed) throws Exception {
        return DiagramLoader.parse("""
            name: scheduled
            seed: %d
            tick: 50ms
            services:
              - name: s
                replicas: 4
                latency: { distribution: constant, mean: 1us }
            load:
              - { target: s, %s }
            """.formatted(seed, load));
    }

    /** Arrivals at the only service per tick: it has no calls, so every arrival comes from the load. */
    private static long[] arrivals(final Diagram diagram) {
        final long[] perTick = new long[TICKS];
        run(diagram, new Sink() {
            @Override
            public void gauge(final int serviceId, final long tick, final long arrivals, final int queueDepth,
                              final int busyServers, final int servers, final long busyTimeNs,
                              final long queueTimeNs, final int retries) {
                perTick[(int)tick] += arrivals;
            }
        });
        return perTick;
    }

    /** Every departure's time: with a constant service time, the arrival times shifted by 1 us. */
    private static List<Long> departures(final Diagram diagram) {
        final List<Long> times = new ArrayList<>();
        run(diagram, new Sink() {
            @Override
            public void sample(final int serviceId, final long tick, final long simTimeNs, final long latencyNs,
                               final Outcome outcome) {
                times.add(simTimeNs);
            }
        });
        return times;
    }

    private static void run(final Diagram diagram, final SampleSink sink) {
        final PartitionKernel kernel = new PartitionKernel(diagram, new int[] {0}, diagram.seed());
        for (int tick = 0; tick < TICKS; tick++) {
            kernel.advanceTick(tick, (tick + 1) * TICK_NS, sink);
        }
    }

    private static long window(final long[] perTick, final int w) {
        long sum = 0;
        for (int t = w * TICKS_PER_WINDOW; t < (w + 1) * TICKS_PER_WINDOW; t++) {
            sum += perTick[t];
        }
        return sum;
    }

    /** ∫λ over windows [from, to) (in window units), by Simpson's rule on a fine grid. */
    private static double integral(final DoubleUnaryOperator lambda, final double from, final double to) {
        final double windowSec = TICKS_PER_WINDOW * TICK_NS / 1e9;
        final double a = from * windowSec;
        final double b = to * windowSec;
        final int n = 2000;
        final double h = (b - a) / n;
        double sum = lambda.applyAsDouble(a) + lambda.applyAsDouble(b);
        for (int k = 1; k < n; k++) {
            sum += (k % 2 == 0 ? 2 : 4) * lambda.applyAsDouble(a + k * h);
        }
        return sum * h / 3;
    }

    /** Ignores what a test does not look at. */
    private abstract static class Sink implements SampleSink {
        @Override
        public void sample(final int serviceId, final long tick, final long simTimeNs, final long latencyNs,
                           final Outcome outcome) {
        }

        @Override
        public void endToEnd(final int sourceId, final long tick, final long simTimeNs, final long latencyNs,
                             final Outcome outcome) {
        }

        @Override
        public void gauge(final int serviceId, final long tick, final long arrivals, final int queueDepth,
                          final int busyServers, final int servers, final long busyTimeNs, final long queueTimeNs,
                          final int retries) {
        }
    }
}
