package io.tickwire.cli;

import io.tickwire.transport.FeedServer;
import io.tickwire.transport.alerting.AlertNotifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * {@code tickwire serve}: a long-running server with no run of its own. Runs, replays (and observed runs) are started
 * and stopped over REST ({@code POST /simulations}, {@code POST /replays}, {@code POST /simulations/{id}/stop}), by
 * programs or by {@code tickwire runs ... --server URL}.
 * <p>
 * SIGTERM (systemd's stop) and SIGINT are a graceful stop: stop accepting, end every run after its tick in flight,
 * flush and close their journals, close feed connections with 1001 and a reason, exit 0.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Serve REST control, the feed, /metrics and the dashboard, with no run of its own, until SIGTERM.",
        "Configuration: defaults < tickwire.yaml < TICKWIRE_* < flags (see tickwire config)."})
final class ServeCommand extends CliCommand {
    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

    @Mixin
    ConfigOptions config = new ConfigOptions();

    @Option(names = "--bind", paramLabel = "ADDRESS", description = "server.bind (default 127.0.0.1).")
    String bind;

    @Option(names = "--port", paramLabel = "P", description = "server.port (default 8080; 0: any free).")
    String port;

    @Option(names = "--token-file", paramLabel = "FILE", description = "server.tokenFile: the bearer token's file.")
    Path tokenFile;

    @Option(names = "--insecure", description = "server.insecure: allow a non-loopback bind without a token.")
    Boolean insecure;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "server.tls.certificate.")
    Path tlsCertificate;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "server.tls.privateKey.")
    Path tlsPrivateKey;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "data.dir.")
    Path dataDir;

    @Mixin
    AlertingOptions alerting = new AlertingOptions();

    /** Called once the server listens; a seam for tests. */
    Consumer<FeedServer> onServing;
    /** Counted down by SIGTERM/SIGINT (or a test) to stop the server. */
    final CountDownLatch stop = new CountDownLatch(1);

    @Override
    protected int execute() throws Exception {
        final TickwireConfig cfg = alerting.applyTo(config)
            .flag(ConfigKey.SERVER_BIND, "--bind", bind)
            .flag(ConfigKey.SERVER_PORT, "--port", port)
            .flag(ConfigKey.SERVER_TOKEN_FILE, "--token-file", tokenFile)
            .flag(ConfigKey.SERVER_INSECURE, "--insecure", insecure)
            .flag(ConfigKey.SERVER_TLS_CERTIFICATE, "--tls-cert", tlsCertificate)
            .flag(ConfigKey.SERVER_TLS_PRIVATE_KEY, "--tls-key", tlsPrivateKey)
            .flag(ConfigKey.DATA_DIR, "--data-dir", dataDir)
            .resolve();
        final FeedServer server = startServer(cfg);
        try {
            final String url = url(server, cfg.text(ConfigKey.SERVER_BIND));
            err().println("tickwire: serving on " + url + " (feed " + url.replaceFirst("^http", "ws") + "/feed, "
                + "journals in " + server.context().journalRoot() + ", token " + (server.context().token() == null
                ? "none" : "required") + ")");
            err().flush();
            LOG.info("serving on {}", url);
            onSignal("TERM");
            onSignal("INT");
            if (onServing != null) {
                onServing.accept(server);
            }
            stop.await();
            LOG.info("stopping: ending runs after their tick in flight, closing journals and connections");
        } finally {
            server.close();
        }
        LOG.info("stopped");
        return OK;
    }

    private void onSignal(final String name) {
        try {
            Signal.handle(new Signal(name), signal -> stop.countDown());
        } catch (final IllegalArgumentException ex) {
            // The signal is reserved here (e.g. a JVM run with -Xrs): the default action stays.
        }
    }

    private static void closeNotifier(final AlertNotifier notifier) {
        if (notifier != null) {
            notifier.close();
        }
    }

    static String url(final FeedServer server, final String bind) {
        final String host = bind.contains(":") ? "[" + bind + "]" : bind;
        return (server.tls() ? "https" : "http") + "://" + host + ":" + server.port();
    }

    /**
     * The server as the configuration says: bind, port, token, TLS, journals, limits, layout, metrics, and the alert
     * notifier (alerting.*), which the server closes after its runs.
     */
    static FeedServer startServer(final TickwireConfig cfg) throws Exception {
        final ThreadLayout layout = new ThreadLayout(cfg);
        final FeedServer.Context ctx = new FeedServer.Context()
            .bindAddress(cfg.text(ConfigKey.SERVER_BIND))
            .port(cfg.integer(ConfigKey.SERVER_PORT))
            .token(cfg.token())
            .insecure(cfg.bool(ConfigKey.SERVER_INSECURE))
            .tlsCertificate(cfg.path(ConfigKey.SERVER_TLS_CERTIFICATE))
            .tlsPrivateKey(cfg.path(ConfigKey.SERVER_TLS_PRIVATE_KEY))
            .ioThreads(cfg.integer(ConfigKey.SERVER_IO_THREADS))
            .journalRoot(cfg.journalDir())
            .journalRollCycle(cfg.text(ConfigKey.JOURNAL_ROLL_CYCLE))
            .journalRetention(cfg.retention())
            .journalMinFreeBytes(cfg.bytes(ConfigKey.JOURNAL_MIN_FREE))
            .allowedHosts(cfg.list(ConfigKey.SERVER_ALLOWED_HOSTS))
            .allowedOrigins(cfg.list(ConfigKey.SERVER_ALLOWED_ORIGINS))
            .maxRuns(cfg.integer(ConfigKey.LIMITS_MAX_RUNS))
            .maxConnections(cfg.integer(ConfigKey.LIMITS_MAX_CONNECTIONS))
            .idleTimeoutMs(cfg.millis(ConfigKey.LIMITS_IDLE_TIMEOUT))
            .requestTimeoutMs(cfg.millis(ConfigKey.LIMITS_REQUEST_TIMEOUT))
            .diagramLimits(cfg.diagramLimits())
            .maxFramePayloadBytes(cfg.integer(ConfigKey.LIMITS_MAX_FRAME_PAYLOAD_BYTES))
            .writeBufferHighWaterMark(cfg.integer(ConfigKey.LIMITS_WRITE_BUFFER_HIGH_WATER_MARK))
            .writeBufferLowWaterMark(Math.min(FeedServer.Context.DEFAULT_WRITE_BUFFER_LOW_WATER_MARK,
                cfg.integer(ConfigKey.LIMITS_WRITE_BUFFER_HIGH_WATER_MARK)))
            .maxControlMessagesPerSecond(cfg.integer(ConfigKey.LIMITS_MAX_CONTROL_MESSAGES_PER_SECOND))
            .maxSubscriptionsPerConnection(cfg.integer(ConfigKey.LIMITS_MAX_SUBSCRIPTIONS_PER_CONNECTION))
            .tailTicks(cfg.integer(ConfigKey.LIMITS_TAIL_TICKS))
            .replayThreads(cfg.integer(ConfigKey.LIMITS_REPLAY_THREADS))
            .maxIngestBodyBytes(cfg.integer(ConfigKey.LIMITS_MAX_INGEST_BODY_BYTES))
            .maxIngestDecodedBytes(cfg.integer(ConfigKey.LIMITS_MAX_INGEST_DECODED_BYTES))
            .ingestWindowBytes(cfg.integer(ConfigKey.LIMITS_INGEST_WINDOW_BYTES))
            .metrics(cfg.bool(ConfigKey.METRICS_ENABLED))
            .journalPretouch(cfg.bool(ConfigKey.JOURNAL_PRETOUCH))
            .threadStartHook(layout)
            .runDefaults(layout::apply);
        try {
            ctx.conclude();
        } catch (final IllegalArgumentException ex) {
            throw new BadInputException(ex.getMessage(), ex);
        }
        final AlertNotifier notifier = AlertingOptions.notifier(cfg);
        ctx.alertNotifier(notifier);
        try {
            return FeedServer.start(ctx);
        } catch (final UncheckedIOException ex) {
            closeNotifier(notifier);
            throw new BadInputException(ex.getMessage() + " (choose another server.port)", ex);
        } catch (final Exception ex) {
            closeNotifier(notifier);
            throw ex;
        }
    }
}
