package io.tickwire.engine.sim;

import io.tickwire.engine.diagram.LatencySpec;

import java.util.SplittableRandom;

/**
 * Samples service times from a {@link LatencySpec}. Built once per service; {@link #sampleNs} is called once per
 * request on the partition's thread, so it allocates nothing and switches on the family in place (no virtual call
 * per sample). Everything that depends only on the spec is computed in the constructor.
 * <p>
 * <b>Random draws per sample.</b> A service's stream is shared by everything the service draws (service times,
 * failures, routing), so the number of draws each sample takes is part of what a seed means. Each
 * {@code nextDouble()} consumes exactly one {@code nextLong()} of the {@link SplittableRandom}:
 * <table>
 * <caption>draws per sample</caption>
 * <tr><th>family</th><th>draws</th></tr>
 * <tr><td>constant</td><td>0</td></tr>
 * <tr><td>exponential</td><td>1 {@code nextDouble()}</td></tr>
 * <tr><td>erlang</td><td>k {@code nextDouble()}</td></tr>
 * <tr><td>hyperexponential</td><td>2 {@code nextDouble()}: the phase, then the exponential</td></tr>
 * <tr><td>uniform</td><td>1 {@code nextDouble()}</td></tr>
 * <tr><td>lognormal</td><td>1 {@code nextGaussian()}: the JDK's ziggurat takes one {@code nextLong()} 253 times in
 * 256 and more on its rare tail and wedge paths, so a fixed function of the stream but not a fixed count</td></tr>
 * <tr><td>pareto</td><td>1 {@code nextDouble()}</td></tr>
 * <tr><td>empirical</td><td>1 {@code nextDouble()}</td></tr>
 * </table>
 * Constant, exponential and lognormal (by mean and sd) use exactly the arithmetic of the original kernel, so
 * existing diagrams sample the same values from the same seed.
 * <p>
 * The sampler holds only final fields and may be shared; each caller brings its own {@link SplittableRandom}.
 */
public final class LatencyDistribution {
    /**
     * Samples are clamped to [0, 2^60 ns] (about 36 years), so that {@code now + sample} can't overflow even for a
     * heavy-tailed Pareto or a very wide lognormal; no realistic service time comes near it.
     */
    public static final long MAX_SAMPLE_NS = 1L << 60;

    private static final int CONSTANT = 0;
    private static final int EXPONENTIAL = 1;
    private static final int ERLANG = 2;
    private static final int HYPEREXPONENTIAL = 3;
    private static final int UNIFORM = 4;
    private static final int LOGNORMAL = 5;
    private static final int PARETO = 6;
    private static final int EMPIRICAL = 7;

    /**
     * Erlang multiplies its k uniforms and takes one logarithm; below this the running product is folded into a
     * log sum, so that it never underflows (each factor is at least 2^-53, so the product stays above 1e-296).
     */
    private static final double ERLANG_FOLD = 1e-280;

    private final LatencySpec spec;
    private final int family;
    /** Family constants: see the constructor. */
    private final double a;
    private final double b;
    private final double c;
    private final int k;
    /** Empirical: cumulative probability at each point (first 0, last 1), value there, and slope to the next. */
    private final double[] cdf;
    private final double[] values;
    private final double[] slopes;

    public LatencyDistribution(final LatencySpec spec) {
        this.spec = spec;
        double a = 0;
        double b = 0;
        double c = 0;
        int k = 0;
        double[] cdf = null;
        double[] values = null;
        double[] slopes = null;
        switch (spec.kind()) {
            case CONSTANT -> {
                family = CONSTANT;
                a = spec.param(0);
            }
            case EXPONENTIAL -> {
                family = EXPONENTIAL;
                a = spec.param(0);
            }
            case ERLANG -> {
                family = ERLANG;
                k = (int)spec.param(1);
                a = spec.param(0) / k;
            }
            case HYPEREXPONENTIAL -> {
                // Balanced means: p1 / mu1 = p2 / mu2 = mean / 2, which with the cv fixes
                // p1 = (1 + sqrt((cv^2 - 1) / (cv^2 + 1))) / 2 and rates mu_i = 2 p_i / mean. p2 is computed as
                // 1 / ((cv^2 + 1)(1 + sqrt(...))), the same value without the cancellation of 1 - sqrt(...) that
                // would round it to 0 for a large cv.
                family = HYPEREXPONENTIAL;
                final double mean = spec.param(0);
                final double cv2 = spec.param(1) * spec.param(1);
                final double p2 = 1.0 / ((cv2 + 1.0) * (1.0 + Math.sqrt((cv2 - 1.0) / (cv2 + 1.0))));
                final double p1 = 1.0 - p2;
                a = p1;
                b = mean / (2.0 * p1);
                c = mean / (2.0 * p2);
            }
            case UNIFORM -> {
                family = UNIFORM;
                a = spec.param(0);
                b = spec.param(1) - spec.param(0);
            }
            case LOGNORMAL -> {
                // sigma^2 = ln(1 + sd^2/m^2), mu = ln m - sigma^2/2: the original kernel's expressions, term for term.
                family = LOGNORMAL;
                final double mean = spec.param(0);
                final double sd = spec.param(1);
                final double sigma2 = Math.log(1.0 + (sd * sd) / (mean * mean));
                a = Math.log(mean) - sigma2 / 2.0;
                b = Math.sqrt(sigma2);
            }
            case PARETO -> {
                family = PARETO;
                a = spec.param(0);
                b = -1.0 / spec.param(1);
            }
            case EMPIRICAL -> {
                family = EMPIRICAL;
                final int n = spec.paramCount() / 2;
                cdf = new double[n];
                values = new double[n];
                slopes = new double[n];
                for (int i = 0; i < n; i++) {
                    cdf[i] = spec.param(2 * i) / 100.0;
                    values[i] = spec.param(2 * i + 1);
                }
                for (int i = 0; i < n - 1; i++) {
                    slopes[i] = (values[i + 1] - values[i]) / (cdf[i + 1] - cdf[i]);
                }
            }
            default -> throw new IllegalArgumentException("unsupported latency " + spec.kind());
        }
        this.a = a;
        this.b = b;
        this.c = c;
        this.k = k;
        this.cdf = cdf;
        this.values = values;
        this.slopes = slopes;
    }

    public LatencySpec spec() {
        return spec;
    }

    /**
     * @param random the service's stream; advanced by the number of draws in the class comment.
     * @return a service time in whole nanoseconds, in [0, {@link #MAX_SAMPLE_NS}].
     */
    public long sampleNs(final SplittableRandom random) {
        final double ns = switch (family) {
            case CONSTANT -> a;
            // 1 - u is in (0, 1], so the logarithm is finite.
            case EXPONENTIAL -> -a * Math.log(1.0 - random.nextDouble());
            case ERLANG -> erlang(random);
            case HYPEREXPONENTIAL -> {
                final double phaseMean = random.nextDouble() < a ? b : c;
                yield -phaseMean * Math.log(1.0 - random.nextDouble());
            }
            case UNIFORM -> a + b * random.nextDouble();
            case LOGNORMAL -> Math.exp(a + b * random.nextGaussian());
            // Inverse CDF: x_m (1 - u)^(-1/alpha).
            case PARETO -> a * Math.pow(1.0 - random.nextDouble(), b);
            case EMPIRICAL -> empirical(random.nextDouble());
            default -> throw new IllegalStateException();
        };
        return Math.min(MAX_SAMPLE_NS, Math.max(0L, Math.round(ns)));
    }

    /** -(mean / k) ln(prod (1 - u_i)): one logarithm per sample rather than k. */
    private double erlang(final SplittableRandom random) {
        double product = 1.0;
        double logSum = 0.0;
        for (int i = 0; i < k; i++) {
            product *= 1.0 - random.nextDouble();
            if (product < ERLANG_FOLD) {
                logSum += Math.log(product);
                product = 1.0;
            }
        }
        return -a * (logSum + Math.log(product));
    }

    /** Linear interpolation of the inverse CDF in the segment [cdf[i], cdf[i+1]) that holds u (cdf ends at 1). */
    private double empirical(final double u) {
        int lo = 0;
        int hi = cdf.length - 2;
        while (lo < hi) {
            final int mid = (lo + hi + 1) >>> 1;
            if (cdf[mid] <= u) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return values[lo] + (u - cdf[lo]) * slopes[lo];
    }
}
