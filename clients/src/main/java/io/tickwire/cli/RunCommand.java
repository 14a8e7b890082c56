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
        "Runs until --ticks or --duration is reached, or until Ctrl-C (which ends the journal cleanly).",
        "--resume JOURNAL continues a run killed before its end (kill -9) from its last complete tick."})
final class RunCommand extends CliCommand {
    static final int DEFAULT_PORT = 8080;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIAGRAM",
        description = "The diagram, YAML or JSON (with --resume: only if the journal lacks it).")
    Path diagram;

    @Option(names = "--resume", paramLabel = "JOURNAL",
        description = {"Continue this journal's run after its last complete tick: the ticks it holds are "
            + "re-simulated (deterministically, not re-journaled), then the run goes on to its budget; verify then "
            + "finds it identical to an uninterrupted run."})
    Path resume;

    @Mixin
    ConfigOptions config = new ConfigOptions();

    @Mixin
    AlertingOptions alerting = new AlertingOptions();

    // Launch parameters are taken as text and parsed by LaunchParameters, as the REST API's are.
    @Option(names = "--speed", paramLabel = "1|N|max",
        description = "Simulated seconds per wall-clock second, or max (default 1; resumed: the run's).")
    String speed;

    @ArgGroup(exclusive = true)
    Length length;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of every random stream (default: the diagram's).")
    String seed;

    @Option(names = "--workers", paramLabel = "N", description = "Worker threads (default 1).")
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
        final TickwireConfig cfg = alerting.applyTo(config).resolve();
        if (resume != null) {
            return resume(cfg);
        }
        if (diagram == null) {
            throw new BadInputException("a DIAGRAM is required (or --resume JOURNAL)");
        }
        final Diagram d = Diagrams.load(diagram, cfg.diagramLimits());
        final LaunchParameters params = new LaunchParameters();
        launchParameter(params, LaunchParameters.SPEED, speed == null ? "1" : speed);
        launchParameter(params, LaunchParameters.WORKERS, workers == null ? "1" : workers);
        if (seed != null) {
            launchParameter(params, LaunchParameters.SEED, seed);
        }
        if (length != null && length.ticks != null) {
            launchParameter(params, LaunchParameters.TICKS, length.ticks);
        } else if (length != null) {
            launchParameter(params, LaunchParameters.DURATION, length.duration);
        }
        final Simulation.Context ctx = context(d, params, pin, wait, cfg);
        final Path dir = journal != null ? journal : SimulationRunner.defaultJournalDir(cfg.journalDir(), d);
        return new SimulationRunner(err(), onServing).run(plan(d, ctx, dir, cfg, null));
    }

    private SimulationRunner.Plan plan(final Diagram d, final Simulation.Context ctx, final Path dir,
                                       final TickwireConfig cfg, final SimulationRunner.Resume resumed)
        throws BadInputException {
        final boolean serve = serving == null || !serving.noServe;
        final int port = serving != null && serving.port != null ? serving.port : cfg.integer(ConfigKey.SERVER_PORT);
        if (port < 0 || port > 65535) {
            throw new BadInputException("--port must be 0..65535, got " + port);
        }
        return new SimulationRunner.Plan(d, ctx, dir, serve, port, journalOptions.rollCycle(cfg),
            journalOptions.retention(cfg), journalOptions.minFreeBytes(cfg), cfg, resumed);
    }

    /**
     * {@code --resume JOURNAL}: the journal's diagram, seed, id, tick budget and speed (flags may restate them, not
     * change them), and where it stops: after its last complete tick, or nowhere if the writer died before the run
     * started (then it starts over in the same directory).
     */
    private int resume(final TickwireConfig cfg) throws Exception {
        final SimulationRunner.Resume state = SimulationRunner.Resume.of(resume, diagram);
        final Diagram d = state.diagram();
        final LaunchParameters params = new LaunchParameters();
        launchParameter(params, LaunchParameters.WORKERS, workers == null ? "1" : workers);
        final String journaledSpeed = state.speed();
        launchParameter(params, LaunchParameters.SPEED, speed != null ? speed
            : journaledSpeed != null ? journaledSpeed : "1");
        if (seed != null) {
            launchParameter(params, LaunchParameters.SEED, seed);
        }
        if (length != null && length.ticks != null) {
            launchParameter(params, LaunchParameters.TICKS, length.ticks);
        } else if (length != null) {
            launchParameter(params, LaunchParameters.DURATION, length.duration);
        }
        final Simulation.Context ctx = context(d, params, pin, wait, cfg);
        if (state.seed() != null) {
            if (seed != null && ctx.seed() != state.seed()) {
                throw new BadInputException("--seed " + ctx.seed() + " differs from the journal's seed " + state.seed());
            }
            ctx.seed(state.seed());
        }
        if (state.ticks() != null) {
            if (length != null && ctx.ticks() != state.ticks()) {
                throw new BadInputException("the run's budget is " + state.ticks() + " ticks (its journal's), not "
                    + ctx.ticks());
            }
            ctx.ticks(state.ticks());
        }
        ctx.simulationId(state.simulationId());
        ctx.journaledEdits(state.edits());
        return new SimulationRunner(err(), onServing).run(plan(d, ctx, resume, cfg, state));
    }

    /**
     * The run's context: the launch parameters for {@code d}, its bound on pending events (limits.maxPendingEvents),
     * the limits its live edits stay within (limits.*), and how its threads run: the configuration's layout (pinning,
     * wait strategies per ring), then {@code --pin} and {@code --wait} over it.
     */
    static Simulation.Context context(final Diagram d, final LaunchParameters params, final boolean pin,
                                      final String wait, final TickwireConfig cfg) throws BadInputException {
        final Simulation.Context ctx = params.context(d)
            .maxPendingEvents(cfg.longValue(ConfigKey.LIMITS_MAX_PENDING_EVENTS))
            .diagramLimits(cfg.diagramLimits());
        new ThreadLayout(cfg).apply(ctx);
        ctx.pinWorkers(pin);
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
