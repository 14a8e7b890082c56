package io.tickwire.engine.sim;

import io.tickwire.engine.diagram.LatencySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.data.Percentage.withPercentage;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Every family against its closed form, with fixed seeds so that the tests are deterministic. A million samples
 * put the standard error of the mean and sd well inside the tolerances (at worst ~0.4% for the sd of the
 * hyperexponential with cv 2); quantile checks that sit on a steep part of the inverse CDF take more samples and
 * count rather than sort, see {@link #assertQuantilesWithin}.
 */
class LatencyDistributionTest {
    private static final int SAMPLES = 1_000_000;
    private static final long MS = 1_000_000L;

    static Stream<Arguments> families() {
        return Stream.of(
            arguments("constant", LatencySpec.constant(5 * MS)),
            arguments("exponential", LatencySpec.exponential(5 * MS)),
            arguments("erlang k=1", LatencySpec.erlang(5 * MS, 1)),
            arguments("erlang k=4", LatencySpec.erlang(5 * MS, 4)),
            arguments("hyperexponential cv=2", LatencySpec.hyperexponential(5 * MS, 2.0)),
            arguments("uniform", LatencySpec.uniform(MS, 9 * MS)),
            arguments("uniform from 0", LatencySpec.uniform(0, 250_000L)),
            arguments("lognormal mean/sd", LatencySpec.lognormal(20 * MS, 25 * MS)),
            arguments("lognormal p50/p99", LatencySpec.lognormalByPercentiles(2 * MS, 8 * MS)),
            arguments("pareto scale, shape 5", LatencySpec.pareto(4 * MS, 5.0)),
            arguments("pareto mean, shape 6", LatencySpec.paretoByMean(10 * MS, 6.0)),
            arguments("empirical", empirical()));
    }

    /** Families whose stream use is a fixed count of nextLong(): nextDouble() takes exactly one. */
    static Stream<Arguments> draws() {
        return Stream.of(
            arguments(LatencySpec.constant(5 * MS), 0),
            arguments(LatencySpec.exponential(5 * MS), 1),
            arguments(LatencySpec.erlang(5 * MS, 7), 7),
            arguments(LatencySpec.hyperexponential(5 * MS, 3.0), 2),
            arguments(LatencySpec.uniform(MS, 9 * MS), 1),
            arguments(LatencySpec.pareto(MS, 2.5), 1),
            arguments(empirical(), 1));
    }

    // ---------------------------------------------------------------- moments

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void shouldSampleTheTheoreticalMeanAndSd(final String name, final LatencySpec spec) {
        final LatencyDistribution d = new LatencyDistribution(spec);
        final SplittableRandom random = new SplittableRandom(42);
        double sum = 0;
        double sumSquares = 0;
        for (int i = 0; i < SAMPLES; i++) {
            final double x = d.sampleNs(random);
            sum += x;
            sumSquares += x * x;
        }
        final double mean = sum / SAMPLES;
        final double sd = Math.sqrt(sumSquares / SAMPLES - mean * mean);

        assertThat(mean).as("mean").isCloseTo(spec.mean(), withPercentage(1));
        if (spec.variance() == 0) {
            assertThat(sd).as("sd").isZero();
        } else {
            assertThat(sd).as("sd").isCloseTo(Math.sqrt(spec.variance()), withPercentage(2));
        }
    }

    @Test
    void shouldSampleTheParetoMeanWithShapeThree() {
        // alpha = 3: finite variance, so the sample mean converges, but an infinite fourth moment, so the sample
        // sd doesn't settle within a million samples; only the mean is checked.
        final LatencySpec spec = LatencySpec.pareto(2 * MS, 3.0);
        final LatencyDistribution d = new LatencyDistribution(spec);
        final SplittableRandom random = new SplittableRandom(7);
        double sum = 0;
        for (int i = 0; i < SAMPLES; i++) {
            sum += d.sampleNs(random);
        }

        assertThat(spec.mean()).isCloseTo(3.0 * MS, within(1e-6));
        assertThat(sum / SAMPLES).isCloseTo(spec.mean(), withPercentage(2));
    }

    @Test
    void shouldComputeTheClosedFormMoments() {
        assertThat(LatencySpec.erlang(6 * MS, 3).variance()).isCloseTo(12.0 * MS * MS, within(1.0));
        assertThat(LatencySpec.hyperexponential(5 * MS, 2.0).variance()).isCloseTo(100.0 * MS * MS, within(1.0));
        assertThat(LatencySpec.uniform(MS, 7 * MS).mean()).isEqualTo(4.0 * MS);
        assertThat(LatencySpec.uniform(MS, 7 * MS).variance()).isCloseTo(3.0 * MS * MS, within(1.0));
        assertThat(LatencySpec.pareto(MS, 2.0).variance()).isInfinite();
        assertThat(LatencySpec.pareto(MS, 2.0).sdNs()).isEqualTo(Long.MAX_VALUE);
        assertThat(LatencySpec.paretoByMean(10 * MS, 4.0).param(0)).isCloseTo(7.5 * MS, within(1e-6));
        // Two uniform halves, [0, 2ms] and [2ms, 4ms]: mean 2ms; variance 1/3 within each plus 1 between.
        final LatencySpec halves = LatencySpec.empirical(new double[] {0, 50, 100}, new long[] {0, 2 * MS, 4 * MS});
        assertThat(halves.mean()).isCloseTo(2.0 * MS, within(1e-6));
        assertThat(halves.variance()).isCloseTo(4.0 / 3.0 * MS * MS, within(1.0));
        // The three-field form keeps its meaning, and sdNs gives back the lognormal's sd exactly.
        assertThat(new LatencySpec(LatencySpec.Kind.LOGNORMAL, 12 * MS, 10 * MS))
            .isEqualTo(LatencySpec.lognormal(12 * MS, 10 * MS));
        assertThat(LatencySpec.lognormal(12 * MS, 10 * MS).sdNs()).isEqualTo(10 * MS);
        assertThat(LatencySpec.exponential(5 * MS).meanNs()).isEqualTo(5 * MS);
    }

    // ---------------------------------------------------------------- quantiles

    @Test
    void shouldSampleTheEmpiricalPointsAsQuantiles() {
        final LatencyDistribution d = new LatencyDistribution(empirical());
        final double[] p = {0.25, 0.50, 0.90, 0.99};
        final double[] expected = {1.0 * MS, 2.0 * MS, 5.0 * MS, 20.0 * MS};
        // Above p99 the inverse CDF rises 40ms over 1%: the sampled p99's standard error is 0.1% x 4000ms/unit
        // / sqrt(n) relative to 20ms, so a 1% bound at 3 sigma takes ~36M samples (counted, not stored).
        assertQuantilesWithin(d, 40_000_000, p, expected, 1.0);

        final SplittableRandom random = new SplittableRandom(3);
        long max = 0;
        for (int i = 0; i < SAMPLES; i++) {
            max = Math.max(max, d.sampleNs(random));
        }
        assertThat((double)max).as("max").isLessThanOrEqualTo(60.0 * MS).isCloseTo(60.0 * MS, withPercentage(1));
    }

    @Test
    void shouldSampleTheLognormalsGivenP50AndP99() {
        final LatencyDistribution d = new LatencyDistribution(LatencySpec.lognormalByPercentiles(2 * MS, 20 * MS));

        // sigma = ln 10 / z_0.99 ~ 0.99: the sampled p99's standard error is ~0.37% at 1M samples, 0.12% at 10M.
        assertQuantilesWithin(d, 10_000_000, new double[] {0.50, 0.99}, new double[] {2.0 * MS, 20.0 * MS}, 1.0);
    }

    // ---------------------------------------------------------------- determinism

    @Test
    void shouldSampleExactlyLikeTheOriginalKernel() {
        // The formulas PartitionKernel used before LatencyDistribution, copied verbatim: existing diagrams and
        // seeds must keep sampling the same values.
        final LatencySpec[] specs = {
            new LatencySpec(LatencySpec.Kind.CONSTANT, 2 * MS, 0),
            new LatencySpec(LatencySpec.Kind.EXPONENTIAL, 1 * MS, 0),
            new LatencySpec(LatencySpec.Kind.LOGNORMAL, 12 * MS, 10 * MS),
            new LatencySpec(LatencySpec.Kind.LOGNORMAL, 300 * MS, 150 * MS),
        };
        for (final LatencySpec spec : specs) {
            final LatencyDistribution d = new LatencyDistribution(spec);
            final SplittableRandom actual = new SplittableRandom(99);
            final SplittableRandom expected = new SplittableRandom(99);
            for (int i = 0; i < 100_000; i++) {
                assertThat(d.sampleNs(actual)).as("%s sample %d", spec, i).isEqualTo(originalKernel(spec, expected));
            }
            assertThat(actual.nextLong()).as("stream position after %s", spec).isEqualTo(expected.nextLong());
        }
    }

    @ParameterizedTest(name = "{0}: {1} draws")
    @MethodSource("draws")
    void shouldTakeTheDocumentedNumberOfDrawsPerSample(final LatencySpec spec, final int draws) {
        final LatencyDistribution d = new LatencyDistribution(spec);
        final SplittableRandom actual = new SplittableRandom(5);
        final SplittableRandom expected = new SplittableRandom(5);
        for (int i = 0; i < 1000; i++) {
            d.sampleNs(actual);
            for (int j = 0; j < draws; j++) {
                expected.nextLong();
            }
        }

        assertThat(actual.nextLong()).isEqualTo(expected.nextLong());
    }

    @Test
    void shouldTakeOneGaussianPerLognormalSample() {
        final LatencyDistribution d = new LatencyDistribution(LatencySpec.lognormalByPercentiles(MS, 30 * MS));
        final SplittableRandom actual = new SplittableRandom(5);
        final SplittableRandom expected = new SplittableRandom(5);
        for (int i = 0; i < 100_000; i++) {
            d.sampleNs(actual);
            expected.nextGaussian();
        }

        assertThat(actual.nextLong()).isEqualTo(expected.nextLong());
    }

    @Test
    void shouldBeRepeatableForASeed() {
        final LatencyDistribution d = new LatencyDistribution(empirical());
        final SplittableRandom a = new SplittableRandom(17);
        final SplittableRandom b = new SplittableRandom(17);
        for (int i = 0; i < 10_000; i++) {
            assertThat(d.sampleNs(a)).isEqualTo(d.sampleNs(b));
        }
    }

    // ---------------------------------------------------------------- bounds and allocation

    @Test
    void shouldClampAHeavyTailSoThatTimeCannotOverflow() {
        // x_m = 2^59 ns with alpha 1.01: about half the draws land above 2^60 ns and must be clamped there.
        final LatencyDistribution d = new LatencyDistribution(LatencySpec.pareto(Math.scalb(1.0, 59), 1.01));
        final SplittableRandom random = new SplittableRandom(1);
        int clamped = 0;
        for (int i = 0; i < 10_000; i++) {
            final long ns = d.sampleNs(random);
            assertThat(ns).isBetween(1L << 59, LatencyDistribution.MAX_SAMPLE_NS);
            clamped += ns == LatencyDistribution.MAX_SAMPLE_NS ? 1 : 0;
        }

        assertThat(clamped).isBetween(4_500, 5_500);
    }

    @Test
    void shouldNotAllocateWhileSampling() {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final LatencyDistribution[] all = families()
            .map(a -> new LatencyDistribution((LatencySpec)a.get()[1])).toArray(LatencyDistribution[]::new);
        final SplittableRandom random = new SplittableRandom(11);
        long sink = sampleAll(all, random, 20_000);

        final long before = threads.getCurrentThreadAllocatedBytes();
        sink += sampleAll(all, random, 100_000);
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertThat(sink).isPositive();
        assertThat(allocated).isZero();
    }

    @Test
    void shouldRefuseParametersThatDontFitTheFamily() {
        assertThatThrownBy(() -> LatencySpec.pareto(MS, 1.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LatencySpec.hyperexponential(MS, 1.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LatencySpec.erlang(MS, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LatencySpec.uniform(2 * MS, 2 * MS)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LatencySpec.lognormalByPercentiles(2 * MS, 2 * MS))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LatencySpec.empirical(new double[] {0, 50}, new long[] {0, MS}))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LatencySpec(LatencySpec.Kind.EXPONENTIAL, MS, MS))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldKeepTheSpecImmutable() {
        final double[] params = {5.0 * MS};
        final LatencySpec spec = new LatencySpec(LatencySpec.Kind.EXPONENTIAL, params);
        params[0] = 1;
        spec.params()[0] = 1;

        assertThat(spec.param(0)).isEqualTo(5.0 * MS);
        assertThat(spec).isEqualTo(LatencySpec.exponential(5 * MS)).hasSameHashCodeAs(LatencySpec.exponential(5 * MS));
    }

    // ---------------------------------------------------------------- helpers

    /** The example of docs/diagram.md: {p50: 2ms, p90: 5ms, p99: 20ms, p100: 60ms}, p0 = 0 by default. */
    private static LatencySpec empirical() {
        return LatencySpec.empirical(new double[] {0, 50, 90, 99, 100},
            new long[] {0, 2 * MS, 5 * MS, 20 * MS, 60 * MS});
    }

    private static long originalKernel(final LatencySpec spec, final SplittableRandom random) {
        final double mean = spec.meanNs();
        final double ns = switch (spec.kind()) {
            case CONSTANT -> mean;
            case EXPONENTIAL -> -mean * Math.log(1.0 - random.nextDouble());
            case LOGNORMAL -> {
                final double sd = spec.sdNs();
                final double sigma2 = Math.log(1.0 + (sd * sd) / (mean * mean));
                yield Math.exp(Math.log(mean) - sigma2 / 2.0 + Math.sqrt(sigma2) * random.nextGaussian());
            }
            default -> throw new IllegalArgumentException(spec.toString());
        };
        return Math.max(0L, Math.round(ns));
    }

    /**
     * Asserts that each sampled q-quantile is within {@code percent} of its expected value, counting rather than
     * storing the samples: the sampled q-quantile (order statistic ceil(q n)) lies in [lo, hi] exactly when fewer
     * than ceil(q n) samples are below lo and at least that many are at most hi.
     */
    private static void assertQuantilesWithin(final LatencyDistribution d, final int n, final double[] q,
                                              final double[] expected, final double percent) {
        final long[] below = new long[q.length];
        final long[] atMost = new long[q.length];
        final SplittableRandom random = new SplittableRandom(2024);
        for (int i = 0; i < n; i++) {
            final long x = d.sampleNs(random);
            for (int j = 0; j < q.length; j++) {
                below[j] += x < expected[j] * (1 - percent / 100) ? 1 : 0;
                atMost[j] += x <= expected[j] * (1 + percent / 100) ? 1 : 0;
            }
        }
        for (int j = 0; j < q.length; j++) {
            final long rank = (long)Math.ceil(q[j] * n);
            assertThat(below[j]).as("samples below %s%% under the p%s of %sns", percent, q[j] * 100, expected[j])
                .isLessThan(rank);
            assertThat(atMost[j]).as("samples up to %s%% over the p%s of %sns", percent, q[j] * 100, expected[j])
                .isGreaterThanOrEqualTo(rank);
        }
    }

    private static long sampleAll(final LatencyDistribution[] all, final SplittableRandom random, final int rounds) {
        long sum = 0;
        for (int i = 0; i < rounds; i++) {
            for (final LatencyDistribution d : all) {
                sum += d.sampleNs(random);
            }
        }
        return sum;
    }
}
