package io.tickwire.transport;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.Units;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The query parameters of {@code POST /simulations}: {@code speed} (a number, or {@code max}; default 1),
 * {@code ticks}, {@code duration} (e.g. {@code 60s}: ticks = ceil(duration / tick)), {@code seed}, {@code workers}.
 * Without ticks or duration a run goes on until stopped.
 */
final class LaunchParameters {
    static final Set<String> NAMES = Set.of("speed", "ticks", "duration", "seed", "workers");

    /** A parameter that cannot be used; the message starts with its name. */
    static final class BadParameterException extends Exception {
        private static final long serialVersionUID = 1L;

        final String parameter;

        BadParameterException(final String parameter, final String problem) {
            super(parameter + ": " + problem, null, false, false);
            this.parameter = parameter;
        }
    }

    private double speed = 1.0;
    private long ticks = -1;
    private long durationNs = -1;
    private Long seed;
    private int workers = 1;

    private LaunchParameters() {
    }

    static LaunchParameters parse(final Map<String, List<String>> query) throws BadParameterException {
        final LaunchParameters p = new LaunchParameters();
        for (final Map.Entry<String, List<String>> e : query.entrySet()) {
            final String name = e.getKey();
            if (!NAMES.contains(name)) {
                throw new BadParameterException(name, "unknown parameter (expected one of "
                    + NAMES.stream().sorted().toList() + ")");
            }
            if (e.getValue().size() != 1) {
                throw new BadParameterException(name, "given " + e.getValue().size() + " times");
            }
            final String value = e.getValue().get(0).trim();
            switch (name) {
                case "speed" -> p.speed = speed(value);
                case "ticks" -> p.ticks = positiveLong(name, value);
                case "duration" -> p.durationNs = duration(value);
                case "seed" -> p.seed = anyLong(name, value);
                case "workers" -> p.workers = (int)Math.min(Integer.MAX_VALUE, positiveLong(name, value));
                default -> throw new IllegalStateException(name);
            }
        }
        if (p.ticks >= 0 && p.durationNs >= 0) {
            throw new BadParameterException("duration", "give ticks or duration, not both");
        }
        return p;
    }

    /** The run's context for {@code diagram} (whose tick turns a duration into ticks). */
    Simulation.Context context(final Diagram diagram) {
        final Simulation.Context ctx = new Simulation.Context().speed(speed).workers(workers);
        if (seed != null) {
            ctx.seed(seed);
        }
        if (ticks >= 0) {
            ctx.ticks(ticks);
        } else if (durationNs >= 0) {
            ctx.ticks((durationNs + diagram.tickNs() - 1) / diagram.tickNs());
        }
        return ctx;
    }

    private static double speed(final String value) throws BadParameterException {
        if ("max".equalsIgnoreCase(value)) {
            return Simulation.Context.SPEED_MAX;
        }
        try {
            final double speed = Double.parseDouble(value);
            if (speed > 0 && !Double.isInfinite(speed)) {
                return speed;
            }
        } catch (final NumberFormatException ex) {
            // reported below
        }
        throw new BadParameterException("speed", "must be a number > 0 or 'max' (got '" + value + "')");
    }

    private static long duration(final String value) throws BadParameterException {
        try {
            final long ns = Units.parseDurationNs(value);
            if (ns > 0) {
                return ns;
            }
            throw new BadParameterException("duration", "must be > 0 (got '" + value + "')");
        } catch (final IllegalArgumentException ex) {
            throw new BadParameterException("duration", ex.getMessage());
        }
    }

    private static long positiveLong(final String name, final String value) throws BadParameterException {
        final long n = anyLong(name, value);
        if (n < 1) {
            throw new BadParameterException(name, "must be an integer >= 1 (got '" + value + "')");
        }
        return n;
    }

    private static long anyLong(final String name, final String value) throws BadParameterException {
        try {
            return Long.parseLong(value);
        } catch (final NumberFormatException ex) {
            throw new BadParameterException(name, "must be an integer (got '" + value + "')");
        }
    }
}
