package io.tickwire.cli;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.WaitStrategies;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.engine.diagram.Units;
import io.tickwire.transport.FeedServer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;

@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run a diagram: journal every tick and serve the dashboard and feed on 127.0.0.1.",
        "Runs until --ticks or --duration is reached, or until Ctrl-C (which ends the journal cleanly)."})
final class RunCommand extends CliCommand {
    static final int DEFAULT_PORT = 8080;

    @Parameters(index = "0", paramLabel = "DIAGRAM", description = "The diagram, YAML or JSON.")
    Path diagram;

    @Option(names = "--speed", paramLabel = "1|N|max", defaultValue = "1", converter = SpeedConverter.class,
        description = "Simulated seconds per wall-clock second, or max (default ${DEFAULT-VALUE}).")
    double speed;

    @ArgGroup(exclusive = true)
    Length length;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of every random stream (default: the diagram's).")
    Long seed;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "1", description = "Worker threads (default 1).")
    int workers;

    @Option(names = "--journal", paramLabel = "DIR",
        description = {"Journal directory, new or empty (default <data>/journals/<name>-<yyyyMMdd-HHmmss>, where "
            + "<data> is " + DataDirectory.DESCRIPTION + ")."})
    Path journal;

    @ArgGroup(exclusive = true)
    Serving serving;

    @Mixin
    JournalOptions journalOptions = new JournalOptions();

    @Option(names = "--pin", description = "Pin each worker thread to a CPU of its own.")
    boolean pin;

    @Option(names = "--wait", paramLabel = "STRATEGY",
        description = "Wait strategy of the rings: blocking, sleeping, yielding, busy-spin (default: per ring).")
    String wait;

    static final class Length {
        @Option(names = "--ticks", paramLabel = "N", required = true, description = "Run this many ticks.")
        Long ticks;

        @Option(names = "--duration", paramLabel = "TIME", required = true,
            description = "Run this much simulated time, e.g. 60s, 2000s, 5min.")
        String duration;
    }

    static final class Serving {
        @Option(names = "--port", paramLabel = "P", required = true,
            description = "Port of the dashboard and feed (default 8080; 0 picks a free one).")
        Integer port;

        @Option(names = "--no-serve", required = true, description = "Only journal: no server.")
        boolean noServe;
    }

    /** Called once the server listens, before the launch; a seam for tests. */
    Consumer<FeedServer> onServing;

    @Override
    protected int execute() throws Exception {
        final Diagram d = Diagrams.load(diagram);
        final Simulation.Context ctx = context(d, speed, ticks(d), seed, workers, pin, wait);
        final boolean serve = serving == null || !serving.noServe;
        final int port = serving != null && serving.port != null ? serving.port : DEFAULT_PORT;
        if (port < 0 || port > 65535) {
            throw new BadInputException("--port must be 0..65535, got " + port);
        }
        final Path dir = journal != null ? journal : SimulationRunner.defaultJournalDir(d);
        return new SimulationRunner(err(), onServing).run(new SimulationRunner.Plan(d, ctx, dir, serve, port,
            journalOptions.rollCycle(), journalOptions.retention()));
    }

    private long ticks(final Diagram d) throws BadInputException {
        if (length == null) {
            return -1;
        }
        if (length.ticks != null) {
            if (length.ticks < 1) {
                throw new BadInputException("--ticks must be >= 1, got " + length.ticks);
            }
            return length.ticks;
        }
        final long ns;
        try {
            ns = Units.parseDurationNs(length.duration);
        } catch (final IllegalArgumentException ex) {
            throw new BadInputException("--duration: " + ex.getMessage(), ex);
        }
        if (ns <= 0) {
            throw new BadInputException("--duration must be > 0, got " + length.duration);
        }
        // Whole ticks, rounding up so that the run covers at least the duration asked for.
        return (ns + d.tickNs() - 1) / d.tickNs();
    }

    static Simulation.Context context(final Diagram d, final double speed, final long ticks, final Long seed,
                                      final int workers, final boolean pin, final String wait)
        throws BadInputException {
        if (workers < 1) {
            throw new BadInputException("--workers must be >= 1, got " + workers);
        }
        final Simulation.Context ctx = new Simulation.Context().speed(speed).ticks(ticks).workers(workers)
            .pinWorkers(pin);
        if (seed != null) {
            ctx.seed(seed);
        }
        if (wait != null) {
            if (!WaitStrategies.NAMES.contains(wait)) {
                throw new BadInputException("--wait: unknown wait strategy '" + wait + "' ("
                    + String.join(", ", WaitStrategies.NAMES) + ")");
            }
            ctx.waitStrategy(wait);
        }
        return ctx;
    }

    /** {@code max}, or a positive number of simulated seconds per wall-clock second ({@code 20} or {@code 20x}). */
    static final class SpeedConverter implements ITypeConverter<Double> {
        @Override
        public Double convert(final String value) {
            final String v = value.trim().toLowerCase(Locale.ROOT);
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
            throw new TypeConversionException("expected 1, N or max, got '" + value + "'");
        }
    }
}
