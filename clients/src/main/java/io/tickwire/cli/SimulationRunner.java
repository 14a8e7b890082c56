package io.tickwire.cli;

import io.tickwire.engine.Simulation;
import io.tickwire.engine.TickListener;
import io.tickwire.engine.diagram.Diagram;
import io.tickwire.journal.JournalRetention;
import io.tickwire.journal.JournalWriter;
import io.tickwire.transport.FeedServer;
import io.tickwire.transport.RunLauncher;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs one simulation for {@code run} and {@code demo}, launched by transport's {@link RunLauncher} (which attaches
 * the listeners), with (unless {@code --no-serve}) the feed server.
 * <pre>
 *  --no-serve:  RunLauncher (no feed) ──► Simulation ──► JournalWriter
 *  serving:     FeedServer.registry().launch(…) ──► RunLauncher ──► Simulation ──► JournalWriter
 *                                                                              └─► Broadcaster ──► /feed
 * </pre>
 * The calling thread prints a status line a second on stderr until the run ends; Ctrl-C (a shutdown hook) stops the
 * simulation so that every tick already issued reaches the journal and the journal ends properly.
 */
final class SimulationRunner {
    static final String BIND_ADDRESS = "127.0.0.1";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT);
    private static final long DRAIN_TIMEOUT_S = 30;

    /** What to run. {@code port} is ignored unless {@code serve}; 0 picks a free port. */
    record Plan(Diagram diagram, Simulation.Context context, Path journalDir, boolean serve, int port,
                String rollCycle, JournalRetention.Policy retention, long minFreeBytes) {
        Plan(final Diagram diagram, final Simulation.Context context, final Path journalDir, final boolean serve,
             final int port) {
            this(diagram, context, journalDir, serve, port, JournalRetention.DEFAULT_ROLL_CYCLE,
                JournalRetention.Policy.KEEP_ALL, JournalWriter.DEFAULT_MIN_FREE_BYTES);
        }
    }

    private final PrintWriter err;
    private final Consumer<FeedServer> onServing;
    private Simulation simulation;
    private RunLauncher.Run run; // --no-serve; when serving, the server's registry holds the run
    private FeedServer server;
    private long startNanos;
    private boolean finished;

    /** @param onServing called once the server listens, before the launch (tests connect there); may be null. */
    SimulationRunner(final PrintWriter err, final Consumer<FeedServer> onServing) {
        this.err = err;
        this.onServing = onServing;
    }

    /** {@code <data>/journals/<name>-<yyyyMMdd-HHmmss>}: see {@link DataDirectory}. */
    static Path defaultJournalDir(final Diagram diagram) {
        return DataDirectory.journals().resolve(diagram.name() + "-" + LocalDateTime.now().format(STAMP));
    }

    /** Refuse a journal path that is a file or an existing non-empty directory; nothing is created yet. */
    static Path checkJournalDir(final Path dir) throws BadInputException {
        final Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new BadInputException("journal path is not a directory: " + dir);
        }
        if (Files.isDirectory(abs)) {
            try (Stream<Path> entries = Files.list(abs)) {
                if (entries.findAny().isPresent()) {
                    throw new BadInputException("journal directory is not empty: " + dir
                        + " (give a new --journal directory)");
                }
            } catch (final IOException ex) {
                throw new BadInputException("cannot read journal directory " + dir + ": " + ex.getMessage(), ex);
            }
        }
        return abs;
    }

    private static void createJournalDir(final Path dir) throws BadInputException {
        try {
            Files.createDirectories(dir);
        } catch (final IOException ex) {
            throw new BadInputException("cannot create journal directory " + dir + ": " + ex.getMessage(), ex);
        }
    }

    /** Run the plan to its end (or Ctrl-C); returns the exit code. */
    int run(final Plan plan) throws Exception {
        final Path journalDir = checkJournalDir(plan.journalDir());
        final Thread hook = new Thread(() -> {
            if (!isFinished()) {
                err.println("stopping:  the journal keeps every tick closed so far");
            }
            shutdown();
        }, "tickwire-shutdown");
        try {
            start(plan, journalDir);
            Runtime.getRuntime().addShutdownHook(hook);
            final Simulation sim = simulation;
            long lastTicks = 0;
            long lastVisits = 0;
            long lastNanos = startNanos;
            while (!sim.awaitTermination(1, TimeUnit.SECONDS)) {
                final long now = System.nanoTime();
                final long ticks = sim.ticksClosed();
                final long visits = sim.visits();
                status("tick " + ticks + "  sim " + seconds(ticks * plan.diagram().tickNs()) + "  "
                    + rate(visits - lastVisits, now - lastNanos) + " visits/s  (+" + (ticks - lastTicks) + " ticks)");
                lastTicks = ticks;
                lastVisits = visits;
                lastNanos = now;
            }
        } finally {
            shutdown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (final IllegalStateException | IllegalArgumentException ex) {
                // The JVM is already shutting down (the hook is running), or start() failed before adding it.
            }
        }
        final Throwable failure = simulation.failure();
        if (failure != null) {
            err.println("tickwire: simulation failed: " + CliCommand.oneLine(failure)
                + (System.getenv(CliCommand.DEBUG_VARIABLE) != null ? "" : " (the stack trace is logged above)"));
            err.flush();
            return CliCommand.FAILURE;
        }
        final TickListener.EndReason reason = simulation.endReason();
        if (reason == TickListener.EndReason.DISK_FULL) {
            err.println("tickwire: journal " + journalDir + ": its filesystem has " + mib(freeSpace(journalDir))
                + " free, less than the " + mib(plan.minFreeBytes()) + " to keep free (--min-free): the run stopped "
                + "at tick " + (simulation.ticksClosed() - 1) + ", where the journal ends");
            err.flush();
            return CliCommand.FAILURE;
        }
        if (reason == TickListener.EndReason.OVERLOADED) {
            err.println("tickwire: the run stopped at tick " + (simulation.ticksClosed() - 1) + ": more than "
                + plan.context().maxPendingEvents() + " requests and events pending at once (a service overloaded, "
                + "with an unbounded queue?); the journal ends there");
            err.flush();
            return CliCommand.FAILURE;
        }
        return CliCommand.OK;
    }

    private void start(final Plan plan, final Path journalDir) throws Exception {
        final Diagram diagram = plan.diagram();
        final Simulation.Context ctx = plan.context();
        if (plan.serve()) {
            // First, so that a taken port is refused before anything is printed or created.
            try {
                server = FeedServer.start(new FeedServer.Context()
                    .bindAddress(BIND_ADDRESS)
                    .port(plan.port())
                    // Runs POSTed to /simulations journal where the default ones go: <data>/journals/sim-<id>-<name>.
                    .journalRoot(DataDirectory.journals())
                    .journalRollCycle(plan.rollCycle())
                    .journalRetention(plan.retention())
                    .journalMinFreeBytes(plan.minFreeBytes()));
            } catch (final UncheckedIOException ex) {
                throw new BadInputException(ex.getMessage() + " (choose another --port)", ex);
            }
        }
        createJournalDir(journalDir);
        err.println("tickwire: " + diagram.name() + ", " + diagram.services().size() + " services, tick "
            + seconds(diagram.tickNs()) + ", speed " + speed(ctx.speed())
            + (ctx.ticks() < 0 ? ", until Ctrl-C" : ", " + ctx.ticks() + " ticks"));
        err.println("journal:   " + journalDir + (plan.retention().keepsAll() ? ""
            : " (" + plan.rollCycle() + " cycles, retaining " + retained(plan.retention()) + ")"));
        startNanos = System.nanoTime();
        if (server != null) {
            err.println("dashboard: http://" + BIND_ADDRESS + ":" + server.port() + "/");
            err.println("feed:      ws://" + BIND_ADDRESS + ":" + server.port() + "/feed");
            err.flush();
            if (onServing != null) {
                onServing.accept(server);
            }
            simulation = server.registry().launch(diagram, ctx, journalDir);
        } else {
            err.flush();
            run = new RunLauncher(new RunLauncher.Context().feed(false)
                .journalRollCycle(plan.rollCycle())
                .journalRetention(plan.retention())
                .journalMinFreeBytes(plan.minFreeBytes()))
                .launch(diagram, ctx, ctx.simulationId(), journalDir);
            simulation = run.simulation();
        }
        err.println("seed:      " + simulation.seed() + "  workers: " + simulation.workers());
        err.flush();
    }

    /**
     * Stop, drain and close everything, once: from the calling thread when the run ends, or from the shutdown hook
     * on Ctrl-C (then the JVM waits for this before it exits).
     */
    private synchronized void shutdown() {
        if (finished) {
            return;
        }
        finished = true;
        final Simulation sim = simulation;
        if (sim != null) {
            sim.stop();
            try {
                if (!sim.awaitTermination(DRAIN_TIMEOUT_S, TimeUnit.SECONDS)) {
                    err.println("tickwire: the simulation did not drain in " + DRAIN_TIMEOUT_S + " s");
                }
            } catch (final InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            sim.close();
        }
        closeQuietly(run);
        closeQuietly(server);
        if (sim != null) {
            err.println("done:      " + summary(sim, System.nanoTime() - startNanos));
        }
        err.flush();
    }

    /** {@code 40000 ticks, 2000.0 s simulated in 5.8 s (344.1x), 1599767 visits (275.2 k/s), ended (completed)} */
    private static String summary(final Simulation sim, final long wallNs) {
        final long ticks = sim.ticksClosed();
        final long simulatedNs = ticks * sim.diagram().tickNs();
        final long visits = sim.visits();
        final String reason = sim.endReason() == null ? "" : " (" + lower(sim.endReason().name()) + ")";
        return ticks + " ticks, " + seconds(simulatedNs) + " simulated in " + seconds(wallNs)
            + String.format(Locale.ROOT, " (%.1fx), ", simulatedNs / (double)Math.max(1, wallNs))
            + visits + " visits (" + rate(visits, wallNs) + "/s), " + lower(sim.state().name()) + reason;
    }

    private static String lower(final String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    private synchronized boolean isFinished() {
        return finished;
    }

    private void status(final String line) {
        err.println(line);
        err.flush();
    }

    private void closeQuietly(final AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (final Exception ex) {
            err.println("tickwire: closing " + c.getClass().getSimpleName() + " failed: " + CliCommand.oneLine(ex));
        }
    }

    private static long freeSpace(final Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (final IOException ex) {
            return -1;
        }
    }

    private static String mib(final long bytes) {
        return bytes < 0 ? "? MiB" : String.format(Locale.ROOT, "%.1f MiB", bytes / (double)(1 << 20));
    }

    private static String retained(final JournalRetention.Policy policy) {
        return policy.maxAgeMs() > 0 ? seconds(policy.maxAgeMs() * 1_000_000L)
            : String.format(Locale.ROOT, "%.1f MB", policy.maxBytes() / 1e6);
    }

    static String seconds(final long ns) {
        if (ns < 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.0f ms", ns / 1e6);
        }
        return String.format(Locale.ROOT, "%.1f s", ns / 1e9);
    }

    static String speed(final double speed) {
        if (speed == Simulation.Context.SPEED_MAX) {
            return "max";
        }
        return speed == Math.rint(speed) ? (long)speed + "x" : speed + "x";
    }

    /** {@code count} per {@code ns} as a per-second figure with a k/M suffix. */
    static String rate(final long count, final long ns) {
        final double perSec = ns <= 0 ? 0 : count * 1e9 / ns;
        if (perSec >= 1e6) {
            return String.format(Locale.ROOT, "%.2f M", perSec / 1e6);
        }
        if (perSec >= 1e3) {
            return String.format(Locale.ROOT, "%.1f k", perSec / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", perSec);
    }
}
