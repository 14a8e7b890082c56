package io.tickwire.engine.diagram;

import java.util.Arrays;
import java.util.Locale;

/**
 * A service-time distribution: its family and the family's parameters, in nanoseconds where they are times.
 * Immutable: the parameter array is copied in and copied out, and equality compares it by value.
 * <p>
 * Each family keeps one canonical parameterisation; the alternative forms the diagram accepts (lognormal by p50
 * and p99, Pareto by mean) are converted by their factory. The layout of {@link #params()} is given on each
 * {@link Kind}. {@code io.tickwire.engine.sim.LatencyDistribution} turns a spec into a sampler; the formulas for
 * each family are documented in {@code docs/diagram.md}.
 *
 * @param kind   the family.
 * @param params the family's parameters, laid out as its {@link Kind} says.
 */
public record LatencySpec(Kind kind, double[] params) {
    /** Largest Erlang phase count: each sample draws k uniforms, so k bounds the work of one service time. */
    public static final int MAX_ERLANG_K = 1000;

    /**
     * z such that Phi(z) = 0.99 for the standard normal. Full precision rather than the usual 2.326348, so that
     * a lognormal given by p50 and p99 gives back its p99 to the last digit that matters.
     */
    public static final double Z_99 = 2.3263478740408408;

    public enum Kind {
        /** {@code {valueNs}}: every request takes exactly the value. */
        CONSTANT("a constant"),
        /** {@code {meanNs}}. */
        EXPONENTIAL("an exponential"),
        /** {@code {meanNs, k}}: the sum of k exponential phases, each of mean meanNs / k. */
        ERLANG("an erlang"),
        /** {@code {meanNs, cv}}: two exponential phases with balanced means, cv > 1. */
        HYPEREXPONENTIAL("a hyperexponential"),
        /** {@code {minNs, maxNs}}: uniform on [min, max). */
        UNIFORM("a uniform"),
        /** {@code {meanNs, sdNs}}: the mean and standard deviation of the service time itself. */
        LOGNORMAL("a lognormal"),
        /** {@code {scaleNs, shape}}: x_m and alpha > 1. */
        PARETO("a pareto"),
        /**
         * {@code {percent0, value0Ns, percent1, value1Ns, ...}}: the points of the inverse CDF, percent from 0 to
         * 100 (first 0, last 100), both strictly increasing; linear between points.
         */
        EMPIRICAL("an empirical");

        private final String withArticle;

        Kind(final String withArticle) {
            this.withArticle = withArticle;
        }

        /** @return the name the diagram uses, e.g. {@code hyperexponential}. */
        public String yamlName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** @return the name with its article, for messages: "an erlang". */
        public String withArticle() {
            return withArticle;
        }
    }

    /**
     * @throws IllegalArgumentException if the parameters don't fit the family: the loader reports problems to the
     *                                  user first, so this only catches programming errors.
     */
    public LatencySpec {
        if (kind == null || params == null) {
            throw new IllegalArgumentException("kind and params are required");
        }
        params = params.clone();
        validate(kind, params);
    }

    /**
     * The original three-field form, kept so that code written against it still reads the same.
     *
     * @param kind   {@link Kind#CONSTANT}, {@link Kind#EXPONENTIAL} or {@link Kind#LOGNORMAL}.
     * @param meanNs the mean (the value itself for a constant).
     * @param sdNs   the standard deviation for a lognormal; must be 0 for the other two.
     */
    public LatencySpec(final Kind kind, final long meanNs, final long sdNs) {
        this(kind, legacyParams(kind, meanNs, sdNs));
    }

    public static LatencySpec constant(final long valueNs) {
        return new LatencySpec(Kind.CONSTANT, new double[] {valueNs});
    }

    public static LatencySpec exponential(final long meanNs) {
        return new LatencySpec(Kind.EXPONENTIAL, new double[] {meanNs});
    }

    public static LatencySpec erlang(final long meanNs, final int k) {
        return new LatencySpec(Kind.ERLANG, new double[] {meanNs, k});
    }

    public static LatencySpec hyperexponential(final long meanNs, final double cv) {
        return new LatencySpec(Kind.HYPEREXPONENTIAL, new double[] {meanNs, cv});
    }

    public static LatencySpec uniform(final long minNs, final long maxNs) {
        return new LatencySpec(Kind.UNIFORM, new double[] {minNs, maxNs});
    }

    public static LatencySpec lognormal(final long meanNs, final long sdNs) {
        return new LatencySpec(Kind.LOGNORMAL, new double[] {meanNs, sdNs});
    }

    /**
     * A lognormal whose median is p50 and 99th percentile p99: sigma = ln(p99 / p50) / z_0.99, mu = ln p50,
     * stored as the equivalent mean = exp(mu + sigma^2 / 2) and sd = mean sqrt(exp(sigma^2) - 1).
     */
    public static LatencySpec lognormalByPercentiles(final long p50Ns, final long p99Ns) {
        if (!(p50Ns > 0 && p99Ns > p50Ns)) {
            throw new IllegalArgumentException("need p99 > p50 > 0 (got p50 " + p50Ns + "ns, p99 " + p99Ns + "ns)");
        }
        final double sigma = Math.log((double)p99Ns / p50Ns) / Z_99;
        final double sigma2 = sigma * sigma;
        final double mean = Math.exp(Math.log(p50Ns) + sigma2 / 2.0);
        // expm1 keeps sd precise for a narrow distribution, where exp(sigma^2) - 1 would cancel.
        return new LatencySpec(Kind.LOGNORMAL, new double[] {mean, mean * Math.sqrt(Math.expm1(sigma2))});
    }

    public static LatencySpec pareto(final double scaleNs, final double shape) {
        return new LatencySpec(Kind.PARETO, new double[] {scaleNs, shape});
    }

    /** A Pareto with the given mean: x_m = mean (alpha - 1) / alpha. */
    public static LatencySpec paretoByMean(final long meanNs, final double shape) {
        if (!(shape > 1)) {
            throw new IllegalArgumentException("pareto shape must be > 1 (got " + shape + ")");
        }
        return pareto(meanNs * (shape - 1) / shape, shape);
    }

    /**
     * @param percents from 0 to 100, strictly increasing, first 0 and last 100.
     * @param valuesNs the service time at each percent, strictly increasing, first >= 0.
     */
    public static LatencySpec empirical(final double[] percents, final long[] valuesNs) {
        if (percents.length != valuesNs.length) {
            throw new IllegalArgumentException("as many percents as values");
        }
        final double[] params = new double[2 * percents.length];
        for (int i = 0; i < percents.length; i++) {
            params[2 * i] = percents[i];
            params[2 * i + 1] = valuesNs[i];
        }
        return new LatencySpec(Kind.EMPIRICAL, params);
    }

    /** @return a copy of the parameters (see {@link Kind} for the layout). */
    @Override
    public double[] params() {
        return params.clone();
    }

    /** @return parameter {@code index}, without copying the array. */
    public double param(final int index) {
        return params[index];
    }

    public int paramCount() {
        return params.length;
    }

    /** @return the theoretical mean in nanoseconds (before the sampler rounds to whole nanoseconds). */
    public double mean() {
        return switch (kind) {
            case CONSTANT, EXPONENTIAL, ERLANG, HYPEREXPONENTIAL, LOGNORMAL -> params[0];
            case UNIFORM -> (params[0] + params[1]) / 2.0;
            case PARETO -> params[1] * params[0] / (params[1] - 1.0);
            case EMPIRICAL -> empiricalMean();
        };
    }

    /** @return the theoretical variance in ns^2; {@link Double#POSITIVE_INFINITY} for a Pareto with alpha <= 2. */
    public double variance() {
        final double p0 = params[0];
        final double p1 = params.length > 1 ? params[1] : 0.0;
        return switch (kind) {
            case CONSTANT -> 0.0;
            case EXPONENTIAL -> p0 * p0;
            case ERLANG -> p0 * p0 / p1;
            case HYPEREXPONENTIAL -> p0 * p0 * p1 * p1;
            case UNIFORM -> (p1 - p0) * (p1 - p0) / 12.0;
            // sd * sd, not a formula, so that sqrt(variance()) gives back the sd exactly.
            case LOGNORMAL -> p1 * p1;
            case PARETO -> p1 > 2.0 ? p0 * p0 * p1 / ((p1 - 1.0) * (p1 - 1.0) * (p1 - 2.0)) : Double.POSITIVE_INFINITY;
            case EMPIRICAL -> empiricalVariance();
        };
    }

    /** @return {@link #mean()} rounded to whole nanoseconds. */
    public long meanNs() {
        return Math.round(mean());
    }

    /**
     * @return the standard deviation rounded to whole nanoseconds ({@link Long#MAX_VALUE} when infinite); for a
     * lognormal given by mean and sd, exactly that sd.
     */
    public long sdNs() {
        return Math.round(Math.sqrt(variance()));
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof LatencySpec other && kind == other.kind && Arrays.equals(params, other.params);
    }

    @Override
    public int hashCode() {
        return 31 * kind.hashCode() + Arrays.hashCode(params);
    }

    @Override
    public String toString() {
        return "LatencySpec[" + kind.yamlName() + " " + Arrays.toString(params) + "]";
    }

    /** Between consecutive points the inverse CDF is linear, so the mass there is uniform on [v_i, v_i+1]. */
    private double empiricalMean() {
        double mean = 0.0;
        for (int i = 2; i < params.length; i += 2) {
            mean += (params[i] - params[i - 2]) / 100.0 * (params[i - 1] + params[i + 1]) / 2.0;
        }
        return mean;
    }

    /** Within-segment variance plus between-segment spread, which doesn't cancel the way E[X^2] - mean^2 can. */
    private double empiricalVariance() {
        final double mean = empiricalMean();
        double variance = 0.0;
        for (int i = 2; i < params.length; i += 2) {
            final double weight = (params[i] - params[i - 2]) / 100.0;
            final double width = params[i + 1] - params[i - 1];
            final double offset = (params[i - 1] + params[i + 1]) / 2.0 - mean;
            variance += weight * (width * width / 12.0 + offset * offset);
        }
        return variance;
    }

    private static double[] legacyParams(final Kind kind, final long meanNs, final long sdNs) {
        return switch (kind) {
            case CONSTANT, EXPONENTIAL -> {
                if (sdNs != 0) {
                    throw new IllegalArgumentException("only a lognormal takes sd");
                }
                yield new double[] {meanNs};
            }
            case LOGNORMAL -> new double[] {meanNs, sdNs};
            default -> throw new IllegalArgumentException(kind + " has no (mean, sd) form: use its factory");
        };
    }

    private static void validate(final Kind kind, final double[] p) {
        final int expected = switch (kind) {
            case CONSTANT, EXPONENTIAL -> 1;
            case EMPIRICAL -> p.length;
            default -> 2;
        };
        if (p.length != expected) {
            throw new IllegalArgumentException(kind + " takes " + expected + " parameters (got " + p.length + ")");
        }
        for (final double v : p) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException(kind + " parameters must be finite: " + Arrays.toString(p));
            }
        }
        final boolean ok = switch (kind) {
            case CONSTANT, EXPONENTIAL -> p[0] > 0;
            case ERLANG -> p[0] > 0 && p[1] >= 1 && p[1] <= MAX_ERLANG_K && p[1] == Math.rint(p[1]);
            case HYPEREXPONENTIAL -> p[0] > 0 && p[1] > 1 && Double.isFinite(p[1] * p[1]);
            case UNIFORM -> p[0] >= 0 && p[1] > p[0];
            case LOGNORMAL, PARETO -> p[0] > 0 && p[1] > (kind == Kind.PARETO ? 1 : 0);
            case EMPIRICAL -> validEmpirical(p);
        };
        if (!ok) {
            throw new IllegalArgumentException("invalid " + kind + " parameters: " + Arrays.toString(p));
        }
    }

    private static boolean validEmpirical(final double[] p) {
        if (p.length < 4 || p.length % 2 != 0 || p[0] != 0.0 || p[p.length - 2] != 100.0 || p[1] < 0) {
            return false;
        }
        for (int i = 2; i < p.length; i += 2) {
            if (!(p[i] > p[i - 2] && p[i + 1] > p[i - 1])) {
                return false;
            }
        }
        return true;
    }
}
