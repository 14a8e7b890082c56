package io.tickwire.cli;

import io.tickwire.engine.LaunchParameters;
import io.tickwire.engine.Simulation;
import io.tickwire.engine.WaitStrategies;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.transport.FeedServer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.function.Consumer;

@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run a diagram: journal every tick and serve the dashboard and feed on 127.0.0.1.",
        "Runs until --ticks or --duration is reached, or until Ctrl-C (which ends the journal cleanly)."})
final class RunCommand extends CliCommand {
    static final int DEFAULT_PORT = 8080;

    @Parameters(index = "0", paramLabel = "DIAGRAM", description = "The diagram, YAML or JSON.")
    Path diagram;

    // Launch parameters are taken as text and parsed by LaunchParameters, as the REST API's are.
    @Option(names = "--speed", paramLabel = "1|N|max", defaultValue = "1",
        description = "Simulated seconds per wall-clock second, or max (default ${DEFAULT-VALUE}).")
    String speed;

    @ArgGroup(exclusive = true)
    Length length;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of every random stream (default: the diagram's).")
    String seed;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "1", description = "Worker threads (default 1).")
    String workers;

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
        String ticks;

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
        final LaunchParameters params = new LaunchParameters();
        launchParameter(params, LaunchParameters.SPEED, speed);
        launchParameter(params, LaunchParameters.WORKERS, workers);
        if (seed != null) {
            launchParameter(params, LaunchParameters.SEED, seed);
        }
        if (length != null && length.ticks != null) {
            launchParameter(params, LaunchParameters.TICKS, length.ticks);
        } else if (length != null) {
            launchParameter(params, LaunchParameters.DURATION, length.duration);
        }
        final Simulation.Context ctx = context(d, params, pin, wait);
        final boolean serve = serving == null || !serving.noServe;
        final int port = serving != null && serving.port != null ? serving.port : DEFAULT_PORT;
        if (port < 0 || port > 65535) {
            throw new BadInputException("--port must be 0..65535, got " + port);
        }
        final Path dir = journal != null ? journal : SimulationRunner.defaultJournalDir(d);
        return new SimulationRunner(err(), onServing).run(new SimulationRunner.Plan(d, ctx, dir, serve, port,
            journalOptions.rollCycle(), journalOptions.retention(), journalOptions.minFreeBytes()));
    }

    /** The run's context: the launch parameters for {@code d}, and how its threads run. */
    static Simulation.Context context(final Diagram d, final LaunchParameters params, final boolean pin,
                                      final String wait) throws BadInputException {
        final Simulation.Context ctx = params.context(d).pinWorkers(pin);
        if (wait != null) {
            if (!WaitStrategies.NAMES.contains(wait)) {
                throw new BadInputException("--wait: unknown wait strategy '" + wait + "' ("
                    + String.join(", ", WaitStrategies.NAMES) + ")");
            }
            ctx.waitStrategy(wait);
        }
        return ctx;
    }
}
