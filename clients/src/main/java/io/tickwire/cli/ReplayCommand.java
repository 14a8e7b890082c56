package io.tickwire.cli;

import io.tickwire.engine.LaunchParameters;
import io.tickwire.engine.diagram.Units;
import io.tickwire.journal.JournalReader;
import io.tickwire.journal.TickLocator;
import io.tickwire.transport.FeedServer;
import io.tickwire.transport.JournalPlayer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.LongUnaryOperator;

@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Serve a journal over the feed as a simulation of its own (the journal's catalog, sequence numbers "
        + "and tick bytes), paced by the ticks' simulated time, or as fast as the slowest subscriber reads (max).",
        "While it plays: POST /simulations/ID/pause, /resume, /seek?tick=N (or ?time=30s), /stop; "
            + "GET /simulations/ID shows the position. Exits once the replay has ended and its subscribers have "
            + "been sent the end (or on Ctrl-C)."})
final class ReplayCommand extends CliCommand {
    /** After the end, how long the subscribers are given to read it before the server closes. */
    private static final long LINGER_MS = 5_000;

    @Parameters(index = "0", paramLabel = "JOURNAL", description = "A journal directory.")
    Path journal;

    @ArgGroup(exclusive = true)
    From from;

    @ArgGroup(exclusive = true)
    To to;

    @Option(names = "--speed", paramLabel = "1|N|max", defaultValue = "1",
        description = "Simulated seconds per wall-clock second, or max (default ${DEFAULT-VALUE}).")
    String speedText;

    @Option(names = "--port", paramLabel = "P", defaultValue = "8080",
        description = "Port of the dashboard and feed (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--bind", paramLabel = "ADDR", defaultValue = "127.0.0.1",
        description = "Address to listen on (default ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--paused", description = "Start paused (POST /simulations/ID/resume to play).")
    boolean paused;

    @Option(names = "--stay", description = "Keep serving after the end, until Ctrl-C (the dashboard stays up).")
    boolean stay;

    static final class From {
        @Option(names = "--from-tick", paramLabel = "N", required = true, description = "Start at tick N.")
        Long tick;

        @Option(names = "--from-time", paramLabel = "TIME", required = true,
            description = "Start at the first tick starting at or after simulated time TIME, e.g. 30s.")
        String time;
    }

    static final class To {
        @Option(names = "--to-tick", paramLabel = "M", required = true, description = "End at tick M (inclusive).")
        Long tick;

        @Option(names = "--to-time", paramLabel = "TIME", required = true,
            description = "End at the last tick ending at or before simulated time TIME, e.g. 90s.")
        String time;
    }

    /** Called once the server listens and the replay is registered (it may be playing already); a seam for tests. */
    BiConsumer<FeedServer, JournalPlayer> onServing;

    @Override
    protected int execute() throws Exception {
        if (port < 0 || port > 65535) {
            throw new BadInputException("--port must be 0..65535, got " + port);
        }
        final double speed;
        try {
            speed = LaunchParameters.parseSpeed(speedText);
        } catch (final LaunchParameters.BadParameterException ex) {
            throw badOption(ex);
        }
        final long first;
        final long last;
        try (JournalReader reader = Journals.openWithTicks(journal, err())) {
            final TickLocator locator = new TickLocator(reader);
            first = from == null ? reader.firstTick()
                : from.tick != null ? checkTick("--from-tick", from.tick, reader)
                : located("--from-time", from.time, locator::firstTickStartingAtOrAfter);
            last = to == null ? reader.lastTick()
                : to.tick != null ? checkTick("--to-tick", to.tick, reader)
                : located("--to-time", to.time, locator::lastTickEndingAtOrBefore);
            if (last < first) {
                throw new BadInputException("the range is empty: it ends (tick " + last + ") before it starts (tick "
                    + first + ")");
            }
        }
        final FeedServer server;
        try {
            server = FeedServer.start(new FeedServer.Context().bindAddress(bind).port(port));
        } catch (final UncheckedIOException ex) {
            throw new BadInputException(ex.getMessage() + " (choose another --port)", ex);
        } catch (final IllegalArgumentException ex) {
            throw new BadInputException(ex.getMessage(), ex);
        }
        final Thread hook = new Thread(server::close, "tickwire-shutdown");
        try {
            final JournalPlayer replay;
            try {
                replay = server.registry().replay(journal, first, last, speed, paused);
            } catch (final IOException | IllegalArgumentException ex) {
                throw new BadInputException("cannot replay " + journal + ": " + ex.getMessage(), ex);
            }
            Runtime.getRuntime().addShutdownHook(hook);
            final long id = replay.simulationId();
            err().println("tickwire: replay of " + journal + " as simulation " + id + ", ticks " + first + ".."
                + last + ", speed " + SimulationRunner.speed(speed) + (paused ? ", paused" : ""));
            err().println("dashboard: http://" + bind + ":" + server.port() + "/");
            err().println("feed:      ws://" + bind + ":" + server.port() + "/feed?sim=" + id);
            err().println("control:   POST http://" + bind + ":" + server.port() + "/simulations/" + id
                + "/{pause,resume,seek?tick=N,stop}");
            err().flush();
            if (onServing != null) {
                onServing.accept(server, replay);
            }
            final long startNanos = System.nanoTime();
            long lastPosition = -1;
            while (!replay.awaitEnd(1, TimeUnit.SECONDS)) {
                final long position = replay.position();
                if (position != lastPosition) {
                    err().println("tick " + position + "  sim " + SimulationRunner.seconds((position + 1)
                        * replay.tickLengthNs()) + (replay.paused() ? "  (paused)" : ""));
                    err().flush();
                    lastPosition = position;
                }
            }
            final long wallNs = System.nanoTime() - startNanos;
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LINGER_MS);
            while (replay.broadcaster().subscriberCount() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10); // the subscribers are sent the end, then leave
            }
            err().println("done:      replay ended at tick " + replay.position() + " in "
                + SimulationRunner.seconds(wallNs) + (replay.failure() == null ? ""
                : ", failed: " + oneLine(replay.failure())));
            err().flush();
            if (stay && replay.failure() == null) {
                err().println("serving until Ctrl-C");
                err().flush();
                Thread.currentThread().join();
            }
            return replay.failure() == null ? OK : FAILURE;
        } finally {
            server.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (final IllegalStateException | IllegalArgumentException ex) {
                // Shutting down already (Ctrl-C), or never added.
            }
        }
    }

    private long checkTick(final String option, final long tick, final JournalReader reader)
        throws BadInputException {
        if (tick < reader.firstTick() || tick > reader.lastTick()) {
            throw new BadInputException(option + " " + tick + " is not in the journal (ticks " + reader.firstTick()
                + " to " + reader.lastTick() + ")");
        }
        return tick;
    }

    private static long located(final String option, final String text, final LongUnaryOperator at)
        throws BadInputException {
        final long ns;
        try {
            ns = Units.parseDurationNs(text);
        } catch (final IllegalArgumentException ex) {
            throw new BadInputException(option + ": " + ex.getMessage(), ex);
        }
        final long tick = at.applyAsLong(ns);
        if (tick < 0) {
            throw new BadInputException(option + " " + text + " is outside the journal");
        }
        return tick;
    }
}
