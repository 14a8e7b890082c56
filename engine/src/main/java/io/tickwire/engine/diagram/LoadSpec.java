package io.tickwire.engine.diagram;

import java.util.List;
import java.util.Objects;

/**
 * A load source sending requests to one service: open (a rate) or closed (users who wait for each answer).
 *
 * @param name       name of the source.
 * @param target     id of the service it calls.
 * @param targetName name of that service.
 * @param ratePerSec open sources: the base rate, mean arrivals per second of simulated time from time 0 until the
 *                   schedule's first change (0 for closed).
 * @param arrivals   how arrivals are generated.
 * @param users      closed sources: the number of users, each with one request in the system or thinking.
 * @param thinkNs    closed sources: mean think time between a request leaving the system and the user's next one
 *                   (exponential; 0 sends the next at once).
 * @param schedule   open sources: changes of the rate, in increasing time, none overlapping the next (empty for
 *                   a constant rate).
 * @param diurnal    open sources: a daily (or any period) cycle multiplying the scheduled rate;
 *                   {@link Diurnal#NONE} when there is none.
 * @param rateLimit  the token bucket at the source's entry (its requests only, before its target's own); null for
 *                   none.
 */
public record LoadSpec(String name, int target, String targetName, double ratePerSec, Arrivals arrivals, int users,
                       long thinkNs, List<Change> schedule, Diurnal diurnal, RateLimitSpec rateLimit) {
    public LoadSpec {
        schedule = List.copyOf(schedule);
        Objects.requireNonNull(diurnal);
    }

    /** A source without a rate limit. */
    public LoadSpec(final String name, final int target, final String targetName, final double ratePerSec,
                    final Arrivals arrivals, final int users, final long thinkNs, final List<Change> schedule,
                    final Diurnal diurnal) {
        this(name, target, targetName, ratePerSec, arrivals, users, thinkNs, schedule, diurnal, null);
    }

    /** An open source at a constant rate. */
    public LoadSpec(final String name, final int target, final String targetName, final double ratePerSec,
                    final Arrivals arrivals) {
        this(name, target, targetName, ratePerSec, arrivals, 0, 0);
    }

    /** A source without a schedule. */
    public LoadSpec(final String name, final int target, final String targetName, final double ratePerSec,
                    final Arrivals arrivals, final int users, final long thinkNs) {
        this(name, target, targetName, ratePerSec, arrivals, users, thinkNs, List.of(), Diurnal.NONE);
    }

    /** Whether the rate may vary over time: a schedule or a diurnal cycle (which may still leave it constant). */
    public boolean isScheduled() {
        return !schedule.isEmpty() || diurnal.amplitude() > 0;
    }

    public enum Arrivals {
        /** Exponential inter-arrival times: a Poisson process (non-homogeneous when scheduled). */
        POISSON,
        /** Fixed inter-arrival times of 1/rate; when scheduled, one arrival per unit of the rate's integral. */
        CONSTANT,
        /** A closed loop of {@code users}: the next request follows the previous one's exit and a think time. */
        CLOSED
    }

    public enum Shape {
        /** The rate becomes {@code ratePerSec} at {@code atNs} and stays. */
        STEP,
        /** The rate moves linearly from its level at {@code atNs} to {@code ratePerSec} over {@code durationNs}. */
        RAMP,
        /** The rate is {@code ratePerSec} for {@code durationNs}, then returns to its level before the spike. */
        SPIKE
    }

    /**
     * One change of an open source's rate.
     *
     * @param shape      step, ramp or spike.
     * @param atNs       when it starts, in simulated ns from the start of the run.
     * @param ratePerSec the rate it moves to (arrivals per second).
     * @param durationNs a ramp's {@code over} or a spike's {@code for}; 0 for a step.
     */
    public record Change(Shape shape, long atNs, double ratePerSec, long durationNs) {
        public Change {
            Objects.requireNonNull(shape);
        }

        /** When the change is complete: the end of a ramp or spike, the start of a step. */
        public long endNs() {
            return atNs + durationNs;
        }
    }

    /**
     * A periodic factor on the scheduled rate: 1 + amplitude × cos(2π (t − peak) / period), with t the simulated
     * time since the start of the run.
     *
     * @param periodNs  the cycle's length (> 0).
     * @param amplitude in [0, 1), so that the rate stays > 0; 0 is no cycle.
     * @param peakNs    when in the cycle the factor is highest, in [0, period).
     */
    public record Diurnal(long periodNs, double amplitude, long peakNs) {
        public static final long DAY_NS = 86_400_000_000_000L;
        public static final Diurnal NONE = new Diurnal(DAY_NS, 0, 0);
    }
}
