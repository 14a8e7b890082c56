package io.tickwire.cli;

import io.tickwire.engine.diagram.DiagramException;
import io.tickwire.engine.diagram.ObserveLoader;
import io.tickwire.engine.diagram.ObserveSpec;
import io.tickwire.engine.diagram.Units;
import io.tickwire.engine.observe.Observation;
import io.tickwire.engine.observe.SourceStats;
import io.tickwire.sbe.IngestRejection;
import io.tickwire.transport.FeedServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code tickwire observe [CONFIG]}: an observed run — real sources pushing metrics (Prometheus remote-write, line
 * protocol, JSON) aggregated into ticks, served on the feed and dashboard, journaled like a simulation. Runs until
 * {@code --duration} or Ctrl-C (which closes the ticks taken so far and ends the journal cleanly).
 */
@Command(name = "observe", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Observe real sources: serve the ingest endpoints, the dashboard and the feed on 127.0.0.1,",
        "aggregate what they send into ticks, journal every tick. See docs/ingest.md."})
final class ObserveCommand extends CliCommand {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT);
    private static final long DRAIN_TIMEOUT_S = 30;

    @Parameters(index = "0", arity = "0..1", paramLabel = "CONFIG",
        description = "The observe configuration, YAML or JSON (default: every default, name 'observed').")
    Path config;

    @Mixin
    ConfigOptions settings = new ConfigOptions();

    @Mixin
    AlertingOptions alerting = new AlertingOptions();

    @Option(names = "--port", paramLabel = "P", description = "server.port (default 8080; 0 picks a free one).")
    Integer port;

    @Option(names = "--bind", paramLabel = "ADDR",
        description = "server.bind (default 127.0.0.1); off loopback a token is required.")
    String bind;

    @Option(names = "--token-file", paramLabel = "FILE",
        description = "server.tokenFile: the bearer token ingest, control and the feed require "
            + "(or server.token, $TICKWIRE_SERVER_TOKEN).")
    Path tokenFile;

    @Option(names = "--duration", paramLabel = "TIME", description = "Observe this long, e.g. 10min (default: until Ctrl-C).")
    String duration;

    @Option(names = "--journal", paramLabel = "DIR",
        description = "Journal directory, new or empty (default <data>/journals/<name>-<yyyyMMdd-HHmmss>).")
    Path journal;

    @Mixin
    JournalOptions journalOptions = new JournalOptions();

    /** Called once the server listens and the run has started; a seam for tests. */
    Consumer<FeedServer> onServing;

    @Override
    protected int execute() throws Exception {
        final ObserveSpec spec = spec();
        final Observation.Context ctx = new Observation.Context();
        if (duration != null) {
            try {
                ctx.ticks(Math.max(1, Units.parseDurationNs(duration) / spec.tickLengthNs()));
            } catch (final IllegalArgumentException ex) {
                throw new BadInputException("--duration: " + ex.getMessage(), ex);
            }
        }
        final TickwireConfig cfg = alerting.applyTo(settings)
            .flag(ConfigKey.SERVER_BIND, "--bind", bind)
            .flag(ConfigKey.SERVER_PORT, "--port", port)
            .flag(ConfigKey.SERVER_TOKEN_FILE, "--token-file", tokenFile)
            .flag(ConfigKey.JOURNAL_ROLL_CYCLE, "--roll-cycle", journalOptions.rollCycle)
            .flag(ConfigKey.JOURNAL_RETAIN, "--retain", journalOptions.retain)
            .resolve();
        final Path dir = SimulationRunner.checkJournalDir(journal != null ? journal
            : cfg.journalDir().resolve(spec.name() + "-" + LocalDateTime.now().format(STAMP)));
        final FeedServer server = ServeCommand.startServer(cfg);
        try {
            Files.createDirectories(dir);
            final Observation obs = server.registry().launch(spec, ctx, id -> dir);
            final String base = ServeCommand.url(server, cfg.text(ConfigKey.SERVER_BIND));
            err().println("tickwire: observing '" + spec.name() + "', tick " + SimulationRunner.seconds(spec.tickLengthNs())
                + ", lateness " + SimulationRunner.seconds(spec.latenessNs())
                + (ctx.ticks() < 0 ? ", until Ctrl-C" : ", " + ctx.ticks() + " ticks"));
            err().println("journal:   " + dir);
            err().println("dashboard: " + base + "/");
            err().println("feed:      " + base.replaceFirst("^http", "ws") + "/feed");
            err().println("ingest:    " + base + "/api/v1/write (Prometheus remote-write), " + base
                + "/api/v2/write (line protocol), " + base + "/metrics (JSON), "
                + base.replaceFirst("^http", "ws") + "/ingest (SBE, JSON)");
            err().flush();
            if (onServing != null) {
                onServing.accept(server);
            }
            final Thread hook = new Thread(() -> {
                obs.stop();
                try {
                    obs.awaitTermination(DRAIN_TIMEOUT_S, TimeUnit.SECONDS);
                } catch (final InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                server.close();
            }, "tickwire-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                while (!obs.awaitTermination(1, TimeUnit.SECONDS)) {
                    err().println(status(obs));
                    err().flush();
                }
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (final IllegalStateException ex) {
                    // shutting down: the hook runs
                }
            }
            err().println("done:      " + status(obs) + ", " + obs.state().name().toLowerCase(Locale.ROOT));
            err().flush();
            return obs.failure() == null ? OK : FAILURE;
        } finally {
            server.close();
        }
    }

    private ObserveSpec spec() throws BadInputException {
        if (config == null) {
            return ObserveLoader.defaults("observed");
        }
        if (!Files.isRegularFile(config)) {
            throw new BadInputException("no such file: " + config);
        }
        try {
            return ObserveLoader.load(config);
        } catch (final DiagramException ex) {
            throw new BadInputException(config + ": " + ex.getMessage(), ex);
        } catch (final IOException ex) {
            throw new BadInputException("cannot read " + config + ": " + ex.getMessage(), ex);
        }
    }

    /** {@code tick 42  series 17  sources 2  accepted 1234  late 0  refused 3} */
    private static String status(final Observation obs) {
        long accepted = 0;
        long late = 0;
        long refused = 0;
        for (final SourceStats s : obs.registry().sources()) {
            accepted += s.accepted();
            late += s.late();
            for (final IngestRejection r : IngestRejection.values()) {
                if (r != IngestRejection.NULL_VAL) {
                    refused += s.rejected(r);
                }
            }
        }
        return "tick " + obs.ticksClosed() + "  series " + obs.registry().rowCount() + "  sources "
            + obs.registry().sources().size() + "  accepted " + accepted + "  late " + late + "  refused " + refused;
    }
}
