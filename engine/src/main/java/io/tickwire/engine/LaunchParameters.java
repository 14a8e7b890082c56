package io.tickwire.engine;

import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.Units;

import java.util.List;
import java.util.Locale;

/**
 * A run's parameters as people type them, parsed in this one place with one set of messages, for the CLI's options
 * and the query of {@code POST /simulations}:
 * <pre>
 *   speed     1, 10, 2.5, 20x or max    simulated seconds per wall-clock second (default 1)
 *   ticks     N >= 1                    ticks to run
 *   duration  60s, 5min, 250ms          simulated time to run: ticks = ceil(duration / tick)
 *   seed      any integer               seed of every random stream (default: the diagram's)
 *   workers   N >= 1                    worker threads (default 1)
 * </pre>
 * Ticks and duration exclude each other; without either a run goes on until stopped. A value that cannot be used is
 * a {@link BadParameterException} naming the parameter, whose {@link BadParameterException#problem() problem} reads
 * after that name: the REST API answers {@code workers: must be >= 1, got 0}, the CLI says
 * {@code --workers must be >= 1, got 0}.
 * <p>
 * One instance per launch, on one thread; {@link #context(Diagram)} makes the run's {@link Simulation.Context} once the
 * diagram (whose tick turns a duration into ticks) is known.
 */
public final class LaunchParameters {
    public static final String DURATION = "duration";
    public static final String SEED = "seed";
    public static final String SPEED = "speed";
    public static final String TICKS = "ticks";
    public static final String WORKERS = "workers";
    /** Every parameter, sorted. */
    public static final List<String> NAMES = List.of(DURATION, SEED, SPEED, TICKS, WORKERS);

    private double speed = 1.0;
    private long ticks = -1;
    private long durationNs = -1;
    private long seed = Diagram.NO_SEED;
    private boolean hasSeed;
    private int workers = 1;

    /**
     * Set parameter {@code name} from its text.
     *
     * @throws BadParameterException if the name is unknown, the value unusable, or ticks and duration are both set.
     */
    public LaunchParameters set(final String name, final String value) throws BadParameterException {
        switch (name) {
            case SPEED -> speed = parseSpeed(value);
            case TICKS -> ticks = parseTicks(value);
            case DURATION -> durationNs = parseDurationNs(value);
            case SEED -> {
                seed = parseSeed(value);
                hasSeed = true;
            }
            case WORKERS -> workers = parseWorkers(value);
            default -> throw new BadParameterException(name, "unknown parameter (expected one of " + NAMES + ")");
        }
        if (ticks >= 0 && durationNs >= 0) {
            throw new BadParameterException(DURATION, "give ticks or duration, not both");
        }
        return this;
    }

    /** The run's context: speed, workers, seed if given, and ticks (from the duration and the diagram's tick). */
    public Simulation.Context context(final Diagram diagram) {
        final Simulation.Context ctx = new Simulation.Context().speed(speed).workers(workers);
        if (hasSeed) {
            ctx.seed(seed);
        }
        if (ticks >= 0) {
            ctx.ticks(ticks);
        } else if (durationNs >= 0) {
            ctx.ticks(ticksOf(durationNs, diagram.tickLengthNs()));
        }
        return ctx;
    }

    /** Whole ticks covering {@code durationNs}, rounding up so that a run covers at least the duration asked for. */
    public static long ticksOf(final long durationNs, final long tickLengthNs) {
        return (durationNs + tickLengthNs - 1) / tickLengthNs;
    }

    /** {@code max} ({@link Simulation.Context#SPEED_MAX}), or a number > 0 with an optional {@code x}. */
    public static double parseSpeed(final String text) throws BadParameterException {
        final String v = text.trim().toLowerCase(Locale.ROOT);
        if (v.equals("max")) {
            return Simulation.Context.SPEED_MAX;
        }
        try {
            final double speed = Double.parseDouble(v.endsWith("x") ? v.substring(0, v.length() - 1) : v);
            if (speed > 0 && Double.isFinite(speed)) {
                return speed;
            }
        } catch (final NumberFormatException ex) {
            // reported below
        }
        throw new BadParameterException(SPEED, "must be a number > 0 or max, got '" + text + "'");
    }

    public static long parseTicks(final String text) throws BadParameterException {
        return atLeastOne(TICKS, text);
    }

    /** A duration > 0 in {@link Units}' format, in nanoseconds. */
    public static long parseDurationNs(final String text) throws BadParameterException {
        final long ns;
        try {
            ns = Units.parseDurationNs(text.trim());
        } catch (final IllegalArgumentException ex) {
            throw new BadParameterException(DURATION, "must be a duration: " + ex.getMessage());
        }
        if (ns <= 0) {
            throw new BadParameterException(DURATION, "must be > 0, got '" + text + "'");
        }
        return ns;
    }

    public static long parseSeed(final String text) throws BadParameterException {
        return integer(SEED, text);
    }

    /** At least 1; more than {@link Integer#MAX_VALUE} is taken as that (a run uses one per partition at most). */
    public static int parseWorkers(final String text) throws BadParameterException {
        return (int)Math.min(Integer.MAX_VALUE, atLeastOne(WORKERS, text));
    }

    private static long atLeastOne(final String name, final String text) throws BadParameterException {
        final long n = integer(name, text);
        if (n < 1) {
            throw new BadParameterException(name, "must be >= 1, got " + n);
        }
        return n;
    }

    private static long integer(final String name, final String text) throws BadParameterException {
        try {
            return Long.parseLong(text.trim());
        } catch (final NumberFormatException ex) {
            throw new BadParameterException(name, "must be an integer, got '" + text + "'");
        }
    }

    /** A parameter that cannot be used: its name, and the problem, which reads after the name. */
    public static final class BadParameterException extends Exception {
        private static final long serialVersionUID = 1L;

        private final String parameter;
        private final String problem;

        public BadParameterException(final String parameter, final String problem) {
            super(parameter + ": " + problem, null, false, false);
            this.parameter = parameter;
            this.problem = problem;
        }

        /** The parameter's name, as in {@link #NAMES} (or as given, if unknown). */
        public String parameter() {
            return parameter;
        }

        /** What is wrong, to follow the name: {@code must be >= 1, got 0}. */
        public String problem() {
            return problem;
        }
    }
}
