package io.tickwire.engine.sim;

import io.tickwire.engine.diagram.LoadSpec;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The arrival times of one open load source whose rate varies: λ(t) = r(t) × c(t), where r is the schedule
 * (piecewise linear: steps, ramps and spikes) and c the diurnal cycle 1 + A cos(2π (t − peak) / period).
 * <p>
 * The schedule is compiled once into segments, each linear in r, that tile [0, ∞); adjacent constant segments at
 * the same rate are merged, so {@link #varies()} is false when the schedule never changes the rate. A cursor
 * follows the segment of the last arrival: a source's time only moves forward, so each lookup is O(1) amortised
 * and nothing is allocated per arrival.
 * <ul>
 *   <li>Poisson: thinning (Lewis &amp; Shedler). In each segment candidates come at the segment's largest rate
 *   λmax (one uniform for the exponential gap) and are kept with probability λ(t)/λmax (a second uniform);
 *   a segment where λ is constant keeps every candidate and draws no second uniform. A candidate at or beyond
 *   the segment's end is dropped and drawing starts again at the boundary, which the memoryless gaps allow.</li>
 *   <li>Constant: no randomness. The k-th arrival is at the time t_k where ∫₀^t λ = k, so a window always holds
 *   its integral of λ to within one arrival, and a change takes effect at once instead of after the gap
 *   computed before it. With a constant rate this is a gap of exactly 1/rate.</li>
 * </ul>
 * <b>Single-threaded</b>: owned by the kernel that runs the source.
 */
final class ScheduledArrivals {
    private static final double TWO_PI = 2 * Math.PI;
    /** Constant arrivals: stop refining an arrival time once a Newton step is below this (ns). */
    private static final double SOLVE_TOLERANCE_NS = 1e-3;
    private static final int SOLVE_MAX_ITERATIONS = 100;

    private final boolean poisson;
    // Per segment i, covering [startNs[i], endNs[i]); the last ends at Long.MAX_VALUE. Rates are per ns.
    private final long[] startNs;
    private final long[] endNs;
    private final double[] rate0;
    private final double[] slope;
    /** The largest λ in the segment, diurnal peak included: the thinning majorant. */
    private final double[] bound;
    /** Mean gap of the majorant's candidates, 1 / bound, in ns. */
    private final double[] candidateGapNs;
    /** The smallest λ in the segment: bounds how far an integral of λ can reach. */
    private final double[] floor;
    /** λ is constant over the segment: no diurnal and no slope. */
    private final boolean[] flat;
    // The diurnal cycle; amplitude 0 when there is none.
    private final double amplitude;
    private final long periodNs;
    private final long peakNs;
    private final double omega;
    private final double constantRatePerSec;

    private int segment;
    /** Constant arrivals: the unrounded time of the last arrival. */
    private double exactNs;
    /** LOAD_FACTOR: λ(t) is multiplied by it; 1 until a change (x / 1.0 and 1.0 / 1.0 are exact: same draws). */
    private double factor = 1.0;

    ScheduledArrivals(final LoadSpec load) {
        if (load.arrivals() == LoadSpec.Arrivals.CLOSED) {
            throw new IllegalArgumentException("a closed source has no rate to schedule: " + load.name());
        }
        poisson = load.arrivals() == LoadSpec.Arrivals.POISSON;
        final LoadSpec.Diurnal diurnal = load.diurnal();
        amplitude = diurnal.amplitude();
        periodNs = diurnal.periodNs();
        peakNs = diurnal.peakNs();
        omega = TWO_PI / periodNs;

        // Rates per second while compiling, so that a step back to the base rate merges exactly.
        final Segments s = new Segments(load.schedule().size() * 2 + 2);
        long t = 0;
        double level = load.ratePerSec();
        for (final LoadSpec.Change c : load.schedule()) {
            if (c.atNs() < t) {
                throw new IllegalArgumentException(load.name() + ": schedule changes overlap at " + c.atNs() + " ns");
            }
            s.add(t, c.atNs(), level, level);
            switch (c.shape()) {
                case STEP -> level = c.ratePerSec();
                case RAMP -> {
                    s.add(c.atNs(), c.endNs(), level, c.ratePerSec());
                    level = c.ratePerSec();
                }
                case SPIKE -> s.add(c.atNs(), c.endNs(), c.ratePerSec(), c.ratePerSec());
                default -> throw new IllegalStateException("unknown shape " + c.shape());
            }
            t = c.endNs();
        }
        s.add(t, Long.MAX_VALUE, level, level);

        final int n = s.count;
        startNs = Arrays.copyOf(s.start, n);
        endNs = Arrays.copyOf(s.end, n);
        rate0 = new double[n];
        slope = new double[n];
        bound = new double[n];
        candidateGapNs = new double[n];
        floor = new double[n];
        flat = new boolean[n];
        for (int i = 0; i < n; i++) {
            final double r0 = s.rate0[i] / 1e9;
            final double r1 = s.rate1[i] / 1e9;
            rate0[i] = r0;
            slope[i] = r0 == r1 ? 0 : (r1 - r0) / (endNs[i] - startNs[i]);
            bound[i] = Math.max(r0, r1) * (1 + amplitude);
            candidateGapNs[i] = 1 / bound[i];
            floor[i] = Math.min(r0, r1) * (1 - amplitude);
            flat[i] = slope[i] == 0 && amplitude == 0;
        }
        constantRatePerSec = varies() ? Double.NaN : s.rate0[0];
    }

    /**
     * False when the rate is the same at all times (a schedule that never changes it): the source then draws exactly
     * as an unscheduled one at {@link #constantRatePerSec}.
     */
    boolean varies() {
        return startNs.length > 1 || !flat[0];
    }

    /** The rate, exactly as written in the diagram, of a source that does not vary; else NaN. */
    double constantRatePerSec() {
        return constantRatePerSec;
    }

    /** λ(t) in arrivals per second. */
    double rateAt(final long timeNs) {
        int i = 0;
        while (timeNs >= endNs[i]) {
            i++;
        }
        return rateNs(i, timeNs) * 1e9;
    }

    /**
     * A rate change at {@code nowNs} ({@code LOAD_FACTOR}): from now on λ(t) is multiplied by {@code factor} (> 0),
     * and the next arrival is drawn from now, as if the last had been at now.
     */
    void restartAt(final long nowNs, final double factor) {
        this.factor = factor;
        exactNs = nowNs;
    }

    /** The time of the next arrival after the one at {@code nowNs} (or after time 0 for the first). */
    long nextArrivalNs(final long nowNs, final SplittableRandom random) {
        return poisson ? nextPoissonNs(nowNs, random) : nextConstantNs(nowNs);
    }

    private long nextPoissonNs(final long nowNs, final SplittableRandom random) {
        final long[] endNs = this.endNs;
        long t = nowNs;
        int i = segment;
        while (true) {
            while (t >= endNs[i]) {
                i++;
            }
            final long gap = Math.max(1L,
                Math.round(-(candidateGapNs[i] / factor) * Math.log(1.0 - random.nextDouble())));
            if (gap >= endNs[i] - t) {
                t = endNs[i];
                continue;
            }
            t += gap;
            if (flat[i] || random.nextDouble() * bound[i] < rateNs(i, t)) {
                segment = i;
                return t;
            }
        }
    }

    private long nextConstantNs(final long nowNs) {
        double t = exactNs;
        double need = 1.0 / factor;
        int i = segment;
        while (true) {
            while (t >= endNs[i]) {
                i++;
            }
            final double from = integral(i, t);
            if (endNs[i] != Long.MAX_VALUE) {
                final double available = integral(i, endNs[i]) - from;
                if (available < need) {
                    need -= available;
                    t = endNs[i];
                    continue;
                }
            }
            t = solve(i, t, from, need);
            break;
        }
        segment = i;
        exactNs = t;
        // At least 1 ns after the previous arrival, as for unscheduled sources.
        return Math.max(nowNs + 1, Math.round(t));
    }

    /** The time x in segment i where ∫_t^x λ = need, given ∫ up to t ({@code from}); ∫ to the end is >= need. */
    private double solve(final int i, final double t, final double from, final double need) {
        if (flat[i]) {
            return t + need / rate0[i];
        }
        // Newton on the increasing integral, kept inside a bracket that always holds the root.
        double lo = t;
        double hi = Math.min((double)endNs[i], t + need / floor[i]);
        double x = t + need / rateNs(i, t);
        if (!(x > lo && x < hi)) {
            x = 0.5 * (lo + hi);
        }
        for (int k = 0; k < SOLVE_MAX_ITERATIONS; k++) {
            final double g = integral(i, x) - from - need;
            final double step = g / rateNs(i, x);
            if (Math.abs(step) < SOLVE_TOLERANCE_NS) {
                return x - step;
            }
            if (g < 0) {
                lo = x;
            } else {
                hi = x;
            }
            double next = x - step;
            if (!(next > lo && next < hi)) {
                next = 0.5 * (lo + hi);
            }
            if (hi - lo < SOLVE_TOLERANCE_NS) {
                return next;
            }
            x = next;
        }
        return x;
    }

    /** λ per ns at a time within segment i. */
    private double rateNs(final int i, final long timeNs) {
        final double r = rate0[i] + slope[i] * (timeNs - startNs[i]);
        return amplitude == 0 ? r
            : r * (1 + amplitude * StrictMath.cos(omega * Math.floorMod(timeNs - peakNs, periodNs)));
    }

    private double rateNs(final int i, final double timeNs) {
        final double r = rate0[i] + slope[i] * (timeNs - startNs[i]);
        return amplitude == 0 ? r : r * (1 + amplitude * StrictMath.cos(phase(timeNs)));
    }

    /**
     * An antiderivative of λ over segment i, in arrivals: with τ = t − start, r = a + bτ and θ the cycle's phase,
     * ∫ (a + bτ)(1 + A cos θ) dτ = aτ + bτ²/2 + A (a sin θ / ω + b (τ sin θ / ω + cos θ / ω²)).
     */
    private double integral(final int i, final double timeNs) {
        final double tau = timeNs - startNs[i];
        final double a = rate0[i];
        final double b = slope[i];
        final double linear = a * tau + 0.5 * b * tau * tau;
        if (amplitude == 0) {
            return linear;
        }
        final double theta = phase(timeNs);
        final double sin = StrictMath.sin(theta);
        final double cos = StrictMath.cos(theta);
        return linear + amplitude * (a * sin / omega + b * (tau * sin / omega + cos / (omega * omega)));
    }

    /**
     * ω (t − peak) reduced to one period, so that the argument stays small. StrictMath for the cycle: a journal
     * re-simulated on another CPU must give the same arrivals.
     */
    private double phase(final double timeNs) {
        final double sincePeak = timeNs - peakNs;
        return omega * (sincePeak - periodNs * Math.floor(sincePeak / periodNs));
    }

    /** Segments under construction, in per-second rates; merges adjacent constant ones at the same rate. */
    private static final class Segments {
        long[] start;
        long[] end;
        double[] rate0;
        double[] rate1;
        int count;

        Segments(final int capacity) {
            start = new long[capacity];
            end = new long[capacity];
            rate0 = new double[capacity];
            rate1 = new double[capacity];
        }

        void add(final long from, final long to, final double r0, final double r1) {
            if (to <= from) {
                return;
            }
            final int last = count - 1;
            if (last >= 0 && rate0[last] == rate1[last] && r0 == r1 && rate1[last] == r0 && end[last] == from) {
                end[last] = to;
                return;
            }
            start[count] = from;
            end[count] = to;
            rate0[count] = r0;
            rate1[count] = r1;
            count++;
        }
    }
}
